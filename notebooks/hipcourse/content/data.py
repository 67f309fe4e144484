"""Load, validate and cache the course data in ``data/*.yaml``.

:func:`load_course` reads ``sources``, ``views``, ``landmarks``, ``scales`` and
``points``, checks them and returns an immutable :class:`Course`. Problems are
collected (not only the first) and raised together as a :class:`DataError`
whose text lists one problem per line::

    data/points.yaml: points[GB30].locations.posterior: unknown landmark 'GTT' in "lerp(GTT, SH, 1/3)"

Two levels of checking
----------------------
* **Every load** runs the structural rules of the JSON Schemas that matter to
  the code (required fields, types, unknown fields, allowed values: a small
  built-in reader of ``data/schemas/*.schema.json``) and the semantic checks
  (unknown landmark / point / scale / source, duplicate ids, circular or
  malformed constructions, views, offset directions ...). This costs a few
  milliseconds.
* **Full JSON Schema validation** with :mod:`jsonschema` (Draft 2020-12) runs
  in :func:`check_course` (``python -m hipcourse check``) and in the tests.
  It is not run on every notebook load on purpose: in the course venv
  ``import jsonschema`` takes 2-3 s (jupyterlab pulls in format-checker extras
  that build a grammar at import), which would blow the 150 ms import budget
  of the notebooks. Both levels phrase shared problems identically, so the
  check command reports each problem once.

Other developers' data kinds join :func:`check_course` automatically: every
``data/schemas/<kind>.schema.json`` is matched with ``data/<kind>.yaml``, and
``data/quizzes/*.yaml`` with ``quiz_bank.schema.json``. Any ``sources:`` list
in any file is checked against ``data/sources.yaml``. Extra semantic checks for
a kind are registered in :data:`hipcourse.content.check.EXTRA_CHECKS`.

The parts live next door: problems (the problem records), yamlfiles (reading), validate (structural and
semantic checks) and check (the full check).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

from hipcourse import paths
from hipcourse.content.problems import DataError, DataProblem
from hipcourse.content.validate import _Semantics, _schema, _structural_problems, source_keys
from hipcourse.content.yamlfiles import _file_label, load_yaml, read_yaml

__all__ = [
    "DataProblem", "DataError", "Source", "View", "Landmark", "Scale",
    "Alternative", "Point", "Course", "load_course", "read_yaml", "load_yaml", "source_keys", "CORE_KINDS",
]

#: The kinds :func:`load_course` needs, in dependency order.
CORE_KINDS = ("sources", "views", "landmarks", "scales", "points")


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Source:
    """An entry of ``data/sources.yaml``.

    ``kind`` is the kind of record (guideline, trial, textbook, practitioner-text, ...), ``topic`` what it
    is cited for (the old ``kind`` values: who, anatomy, red-flag, ...). ``doi``, ``pmid``, ``isbn`` and
    ``url`` identify the record; ``no_acceptable_record`` marks a source with none worth citing (see
    :mod:`hipcourse.content.sources` for the rules built on these fields).
    """

    key: str
    title: str
    kind: str
    url: str | None = None
    citation: str | None = None
    note: str | None = None
    topic: str | None = None
    doi: str | None = None
    pmid: str | None = None
    isbn: str | None = None
    commercial: bool = False
    no_acceptable_record: bool = False


@dataclass(frozen=True)
class View:
    """A drawing view: ``extent`` is (xmin, xmax, ymin, ymax) in cm."""

    id: str
    title: str
    x_axis: str
    extent: tuple[float, float, float, float]


@dataclass(frozen=True)
class Landmark:
    """A landmark: measured ``coordinates`` and/or derived ``constructions`` per view."""

    id: str
    name: str
    plain: str
    palpation: str
    segment: str
    sources: tuple[str, ...]
    coordinates: Mapping[str, tuple[float, float]]
    constructions: Mapping[str, str]
    schematic: str | None = None
    label: str | None = None  # the plain short name figures write beside it ("greater trochanter")

    @property
    def figure_label(self) -> str:
        """The words a figure writes beside the landmark: ``label``, else the name (never the id)."""
        if self.label:
            return self.label
        return self.name[:1].lower() + self.name[1:] if self.name[1:2].islower() else self.name

    @property
    def views(self) -> tuple[str, ...]:
        """Views in which the landmark has a position."""
        return tuple(sorted(set(self.coordinates) | set(self.constructions)))


@dataclass(frozen=True)
class Scale:
    """A proportional cun scale (see ``data/scales.yaml``)."""

    id: str
    name: str
    start: str
    end: str
    cun: float
    view: str
    measure: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Alternative:
    """An alternative published location of a point."""

    id: str
    label: str
    sources: tuple[str, ...]
    locations: Mapping[str, str]
    note: str | None = None


@dataclass(frozen=True)
class Point:
    """An acupressure point. ``raw`` keeps every field of the YAML entry."""

    code: str
    english: str
    region: str
    location: str
    sources: tuple[str, ...]
    pinyin: str = ""
    hanzi: str = ""
    channel: str = ""
    core: bool = False
    scale: str | None = None
    computable: bool = True
    locations: Mapping[str, str] = field(default_factory=dict)
    alternatives: tuple[Alternative, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def alternative(self, variant: str) -> Alternative:
        """Return the alternative with id ``variant`` (``KeyError`` listing the ids)."""
        for alternative in self.alternatives:
            if alternative.id == variant:
                return alternative
        known = ", ".join(a.id for a in self.alternatives) or "none"
        raise KeyError(f"{self.code} has no alternative '{variant}' (known: {known})")


@dataclass(frozen=True, eq=False)
class Course:
    """All course data, read-only, keyed by id (``points`` by code, ``sources`` by key)."""

    landmarks: Mapping[str, Landmark]
    scales: Mapping[str, Scale]
    views: Mapping[str, View]
    points: Mapping[str, Point]
    sources: Mapping[str, Source]
    data_dir: Path


# ---------------------------------------------------------------------------
# Building the Course
# ---------------------------------------------------------------------------


def _xy(value) -> tuple[float, float]:
    return (float(value[0]), float(value[1]))


def _build(docs: Mapping[str, Any], data_dir: Path) -> Course:
    sources = {s["key"]: Source(key=s["key"], title=s["title"], kind=s["kind"], url=s.get("url"),
                                citation=s.get("citation"), note=s.get("note"), topic=s.get("topic"),
                                doi=s.get("doi"), pmid=None if s.get("pmid") is None else str(s["pmid"]),
                                isbn=s.get("isbn"), commercial=bool(s.get("commercial", False)),
                                no_acceptable_record=bool(s.get("no_acceptable_record", False)))
               for s in docs["sources"]["sources"]}
    views = {vid: View(id=vid, title=v["title"], x_axis=v["x_axis"],
                       extent=tuple(float(e) for e in v["extent"]))  # type: ignore[arg-type]
             for vid, v in docs["views"]["views"].items()}
    landmarks = {
        lm["id"]: Landmark(
            id=lm["id"], name=lm["name"], plain=lm["plain"], palpation=lm["palpation"],
            segment=lm["segment"], sources=tuple(lm["sources"]), schematic=lm.get("schematic"),
            label=lm.get("label"),
            coordinates=_frozen({v: _xy(xy) for v, xy in lm.get("views", {}).items()}),
            constructions=_frozen(lm.get("constructions", {})))
        for lm in docs["landmarks"]["landmarks"]}
    scales = {s["id"]: Scale(id=s["id"], name=s["name"], start=s["from"], end=s["to"],
                             cun=float(s["cun"]), view=s["view"], measure=s["measure"],
                             sources=tuple(s["sources"]))
              for s in docs["scales"]["scales"]}
    points = {}
    for p in docs["points"]["points"]:
        alternatives = tuple(
            Alternative(id=a["id"], label=a["label"], sources=tuple(a["sources"]),
                        locations=_frozen(a["locations"]), note=a.get("note"))
            for a in p.get("alternatives", []))
        points[p["code"]] = Point(
            code=p["code"], english=p["english"], region=p["region"], location=p["location"],
            sources=tuple(p["sources"]), pinyin=p.get("pinyin", ""), hanzi=p.get("hanzi", ""),
            channel=p.get("channel", ""), core=bool(p.get("core", False)), scale=p.get("scale"),
            computable=p.get("computable", True), locations=_frozen(p.get("locations", {})),
            alternatives=alternatives, raw=_frozen(p))
    return Course(landmarks=_frozen(landmarks), scales=_frozen(scales), views=_frozen(views),
                  points=_frozen(points), sources=_frozen(sources), data_dir=data_dir)


def _read_core(data_dir: Path, *, full_schema: bool):
    """Read and check the five core files: ``(docs, labels, problems)``."""
    docs: dict[str, Any] = {}
    labels: dict[str, str] = {}
    problems: list[DataProblem] = []
    for kind in CORE_KINDS:
        path = data_dir / f"{kind}.yaml"
        labels[kind] = _file_label(data_dir, path)
        document, found = read_yaml(path, label=labels[kind])
        problems += found
        if document is None:
            continue
        docs[kind] = document
        schema = _schema(data_dir / "schemas" / f"{kind}.schema.json")
        if schema is None:
            problems.append(DataProblem(labels[kind], "",
                                        f"no schema data/schemas/{kind}.schema.json to check it"))
        else:
            problems += _structural_problems(document, schema, labels[kind], full=full_schema)
    problems += _Semantics(docs, labels).run()
    return docs, labels, _unique(problems)


def _unique(problems: Iterable[DataProblem]) -> list[DataProblem]:
    return list(dict.fromkeys(problems))


def _stamps(data_dir: Path) -> tuple:
    stamps = []
    for kind in CORE_KINDS:
        for path in (data_dir / f"{kind}.yaml", data_dir / "schemas" / f"{kind}.schema.json"):
            try:
                stat = path.stat()
                stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
            except FileNotFoundError:
                stamps.append((path.name, None, None))
    return tuple(stamps)


@functools.lru_cache(maxsize=8)
def _load_cached(data_dir_text: str, stamps: tuple) -> Course:
    data_dir = Path(data_dir_text)
    docs, _, problems = _read_core(data_dir, full_schema=False)
    if problems:
        raise DataError(problems)
    return _build(docs, data_dir)


def load_course(data_dir: os.PathLike | str | None = None) -> Course:
    """Load, check and return the course data (cached per directory and file mtimes).

    Args:
        data_dir: folder with the YAML files; default :func:`hipcourse.paths.data_dir`.

    Raises:
        DataError: listing every problem found (file, entry, message).
    """
    folder = Path(data_dir).resolve() if data_dir is not None else paths.data_dir()
    return _load_cached(str(folder), _stamps(folder))
