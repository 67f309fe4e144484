"""The full check of every data file (``python -m hipcourse check``): complete JSON Schema validation, the
semantic checks, every landmark and point computed once, and the extra checks other modules register."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from hipcourse import paths
from hipcourse.content.data import CORE_KINDS, Course, _build, _frozen, _read_core, _unique
from hipcourse.content.problems import DataError, DataProblem
from hipcourse.content.validate import _entries, _schema, _structural_problems, check_source_keys
from hipcourse.content.yamlfiles import _file_label, read_yaml

__all__ = ["CheckReport", "check_course", "EXTRA_CHECKS"]

#: Optional semantic checks for other kinds, ``kind -> "module:function"``
#: (imported lazily). The function is called as
#: ``function(document, course=course, file="data/<kind>.yaml")`` and returns
#: an iterable of :class:`DataProblem`. Add one line per kind.
EXTRA_CHECKS: dict[str, str] = {
    "contraindications": "hipcourse.safety.screen:check_contraindications",
    "routine": "hipcourse.practice.routine:check_routine_data",
    "evidence": "hipcourse.topics.evidence:check_evidence_data",
    "red_flags": "hipcourse.safety.triage:check_red_flags",
    "treatments": "hipcourse.topics.evidence:check_treatments_data",
    "plates": "hipcourse.figures.platebook:check_plates_data",
}

@dataclass(frozen=True)
class CheckReport:
    """Result of :func:`check_course`: ``problems`` and counts of checked entries."""

    problems: tuple[DataProblem, ...]
    counts: Mapping[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """``OK: 30 landmarks, 14 points, ...`` or the list of problems."""
        if self.problems:
            return "\n".join(str(p) for p in self.problems)
        return "OK: " + ", ".join(f"{n} {kind}" for kind, n in self.counts.items())


def _count(document) -> int:
    """Number of entries: length of the first list/mapping that is not a ``sources`` list."""
    if isinstance(document, dict):
        collections = [(key, value) for key, value in document.items() if isinstance(value, (list, dict))]
        for key, value in collections:
            if key != "sources":
                return len(value)
        if collections:  # data/sources.yaml itself
            return len(collections[0][1])
    return 0


def _evaluate_everything(course: Course) -> list[DataProblem]:
    """Compute every landmark, point, alternative and scale to catch numeric problems."""
    from hipcourse.content.expr import ExprError as _ExprError
    from hipcourse.content.geometry import Body, GeometryError

    body = Body(course)
    problems = []
    for landmark in course.landmarks.values():
        for view in landmark.views:
            try:
                body.landmark(landmark.id, view)
            except (_ExprError, GeometryError) as error:
                problems.append(DataProblem("data/landmarks.yaml",
                                            f"landmarks[{landmark.id}].constructions.{view}", str(error)))
    for scale in course.scales.values():
        try:
            body.cun(scale.id)
        except GeometryError as error:
            problems.append(DataProblem("data/scales.yaml", f"scales[{scale.id}]", str(error)))
    for point in course.points.values():
        for view in point.locations:
            try:
                body.point(point.code, view)
            except (_ExprError, GeometryError) as error:
                problems.append(DataProblem("data/points.yaml",
                                            f"points[{point.code}].locations.{view}", str(error)))
        for alternative in point.alternatives:
            for view in alternative.locations:
                try:
                    body.point(point.code, view, variant=alternative.id)
                except (_ExprError, GeometryError) as error:
                    problems.append(DataProblem(
                        "data/points.yaml",
                        f"points[{point.code}].alternatives[{alternative.id}].locations.{view}",
                        str(error)))
    return problems


def _other_kinds(data_dir: Path) -> list[tuple[str, Path, Path]]:
    """(kind, yaml path, schema path) for every non-core schema'd kind present:
    ``data/<kind>.yaml``, else ``data/<kind>/*.yaml``; quiz banks for ``quiz_bank``."""
    pairs = []
    schemas = data_dir / "schemas"
    for schema_path in sorted(schemas.glob("*.schema.json")) if schemas.is_dir() else []:
        kind = schema_path.name[: -len(".schema.json")]
        if kind in CORE_KINDS:
            continue
        if kind == "quiz_bank":
            files = sorted((data_dir / "quizzes").glob("*.yaml"))
        elif (data_dir / f"{kind}.yaml").exists():
            files = [data_dir / f"{kind}.yaml"]
        else:
            # a folder of files (data/atlas/*.yaml); schemas for files that are not
            # course data (e.g. the learner's progress file) match nothing and are skipped
            files = sorted((data_dir / kind).glob("*.yaml"))
        pairs.extend((kind, path, schema_path) for path in files)
    return pairs


def check_course(data_dir: os.PathLike | str | None = None) -> CheckReport:
    """Check every data file with full JSON Schema validation and semantic checks.

    Covers the core files, every other ``data/schemas/<kind>.schema.json`` with
    its ``data/<kind>.yaml``, and every quiz bank ``data/quizzes/*.yaml`` (with
    ``quiz_bank.schema.json``). Never raises for data problems: they are
    returned in the report.
    """
    folder = Path(data_dir).resolve() if data_dir is not None else paths.data_dir()
    docs, labels, problems = _read_core(folder, full_schema=True)
    counts = {kind: _count(docs.get(kind)) for kind in ("landmarks", "points", "scales",
                                                          "views", "sources")}
    course = None
    if not problems:
        course = _build(docs, folder)
        problems += _evaluate_everything(course)
    source_keys = {s.get("key") for _, s in _entries(docs.get("sources"), "sources")}
    for kind, path, schema_path in _other_kinds(folder):
        label = _file_label(folder, path)
        document, found = read_yaml(path, label=label)
        problems += found
        if document is None:
            continue
        if kind == "quiz_bank":
            counts["quiz banks"] = counts.get("quiz banks", 0) + 1
        else:
            counts[kind] = counts.get(kind, 0) + _count(document)
        problems += _structural_problems(document, _schema(schema_path), label, full=True)
        if "sources" in docs:
            problems += check_source_keys(document, source_keys=source_keys, label=label)
        if kind in EXTRA_CHECKS and course is not None:
            module_name, _, function_name = EXTRA_CHECKS[kind].partition(":")
            function = getattr(importlib.import_module(module_name), function_name)
            try:
                problems += list(function(document, course=course, file=label))
            except DataError as error:
                # A checker that reads another broken file (the routine reads the contraindications, which
                # read the red flags) reports that file's problems instead of stopping the whole check.
                problems += list(error.problems)
    return CheckReport(problems=tuple(_unique(problems)), counts=_frozen(counts))
