"""Lesson 7 helpers: what the evidence says, drawn from ``data/evidence.yaml`` and ``data/treatments.yaml``.

* :func:`load_evidence` / :func:`load_treatments` read a file, validate it against its JSON Schema in
  ``data/schemas/`` and check what a schema cannot (unique ids, known groups and scales, a confidence interval
  that contains its estimate, known source keys). Problems raise :class:`EvidenceDataError` naming the file,
  the entry and the problem.
* :func:`unplotted_table`, :func:`guidelines_table`, :func:`treatments_table` list the results and reviewed
  treatments as accessible tables.

The forest plot of the results with a confidence interval is in :mod:`hipcourse.topics.evidence_plots`; the
regression-to-the-mean simulation, figure and explorer are in :mod:`hipcourse.topics.regression`.

Nothing here prints; heavy modules (yaml, jsonschema) are imported inside the functions that need them.
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import functools
import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from hipcourse.paths import data_dir, display_path, repo_root
from hipcourse.content.tables import Table

__all__ = [
    "EvidenceDataError",
    "CERTAINTY_WORDS",
    "load_evidence",
    "load_treatments",
    "validate_evidence",
    "validate_treatments",
    "check_evidence_data",
    "check_treatments_data",
    "unplotted_table",
    "guidelines_table",
    "treatments_table",
]


class EvidenceDataError(ValueError):
    """``data/evidence.yaml`` or ``data/treatments.yaml`` is invalid; the message names file, entry and problem."""


#: Plain words for the certainty values used in the data files.
CERTAINTY_WORDS: dict[str, str] = {
    "high": "high certainty",
    "moderate": "moderate certainty",
    "low": "low certainty",
    "very-low": "very low certainty",
    "uncertain": "uncertain (the review's word)",
    "not-graded": "no certainty rating in our sources",
    "none-found": "no trials found",
    "not-applicable": "practical advice",
}

_VERDICT_WORDS = {
    "recommended": "Recommended",
    "may-help": "May help",
    "unproven": "Unproven",
    "not-recommended": "Not recommended",
    "avoid": "Avoid",
    "advice": "Advice",
}

_CATEGORY_WORDS = {
    "conventional": "Conventional treatments",
    "alternative": "Alternative treatments",
    "home": "Home remedies",
    "guidance": "Timelines and practitioners",
}


# --------------------------------------------------------------------------------------------- loading
def _read_yaml(path: Path) -> Any:
    import yaml  # heavy: only when a data file is read

    try:
        path.read_bytes()  # a missing or unreadable file gets its own clear message before YAML parsing
    except OSError as error:
        raise EvidenceDataError(f"{display_path(path)}: cannot read ({error.strerror or error})") from error
    try:
        return _load_yaml_file(path)
    except yaml.YAMLError as error:
        raise EvidenceDataError(f"{display_path(path)}: not valid YAML ({error})") from error


@functools.lru_cache(maxsize=None)
def _schema(name: str) -> dict:
    # The schema belongs to the code, so it is always the repository's, even when the data dir is overridden.
    schema_path = repo_root() / "data" / "schemas" / name
    return json.loads(schema_path.read_text(encoding="utf-8"))


def _check_schema(document: Any, schema_name: str, where: str) -> None:
    if not isinstance(document, dict):
        raise EvidenceDataError(f"{where}: the top level must be a mapping")
    from hipcourse.content.schemas import schema_errors

    errors = sorted(schema_errors(document, _schema(schema_name)), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        entry = _entry_label(document, list(error.absolute_path))
        raise EvidenceDataError(f"{where}: {entry}: {error.message}")


def _entry_label(document: Mapping, path: Sequence) -> str:
    """Render a JSON path like ``entries[li2018-sham].estimate`` (using ids where the item has one)."""
    label, node = "", document
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            item_id = item.get("id") if isinstance(item, dict) else None
            label += f"[{item_id if item_id else part}]"
            node = item
        else:
            label += f".{part}" if label else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return label or "(top level)"


def _known_source_keys() -> frozenset[str] | None:
    """Return the keys of ``data/sources.yaml``, or None if that file does not exist (yet)."""
    from hipcourse.content.data import DataError, source_keys

    try:
        return source_keys()
    except DataError as error:
        raise EvidenceDataError(str(error)) from error


def _check_sources(items: Sequence[Mapping], section: str, where: str, source_keys) -> None:
    if source_keys is None:
        return
    for item in items:
        unknown = [key for key in item.get("sources", []) if key not in source_keys]
        if unknown:
            raise EvidenceDataError(
                f"{where}: {section}[{item['id']}].sources: unknown source key(s) {', '.join(unknown)} "
                "(every key must exist in data/sources.yaml)"
            )


def _check_unique_ids(items: Sequence[Mapping], section: str, where: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item["id"] in seen:
            raise EvidenceDataError(f"{where}: {section}[{item['id']}]: duplicate id")
        seen.add(item["id"])


def validate_evidence(document: Any, *, source_keys=None, where: str = "data/evidence.yaml") -> dict:
    """Check an evidence document (schema, then meaning) and return it unchanged.

    Args:
        document: the parsed YAML.
        source_keys: the allowed source keys (a set); ``None`` skips the source check.
        where: the file name used in error messages.

    Raises:
        EvidenceDataError: naming the file, the entry and the problem.
    """
    _check_schema(document, "evidence.schema.json", where)
    for section in ("scales", "groups", "entries", "guidelines"):
        _check_unique_ids(document[section], section, where)
    scales = {scale["id"] for scale in document["scales"]}
    groups = {group["id"] for group in document["groups"]}
    for entry in document["entries"]:
        label = f"{where}: entries[{entry['id']}]"
        if entry["group"] not in groups:
            raise EvidenceDataError(f"{label}.group: unknown group '{entry['group']}' (known: {', '.join(sorted(groups))})")
        estimate = entry.get("estimate")
        if estimate is None:
            continue
        if estimate["scale"] not in scales:
            raise EvidenceDataError(
                f"{label}.estimate.scale: unknown scale '{estimate['scale']}' (known: {', '.join(sorted(scales))})"
            )
        if not estimate["low"] <= estimate["value"] <= estimate["high"]:
            raise EvidenceDataError(
                f"{label}.estimate: the interval {estimate['low']} to {estimate['high']} does not contain "
                f"the estimate {estimate['value']}"
            )
    _check_sources(document["entries"], "entries", where, source_keys)
    _check_sources(document["guidelines"], "guidelines", where, source_keys)
    return document


def validate_treatments(document: Any, *, source_keys=None, where: str = "data/treatments.yaml") -> dict:
    """Check a treatments document (schema, unique ids, sources) and return it unchanged.

    An entry may have no sources only when its certainty is ``none-found`` (a statement that no evidence was
    found cites nothing); every other entry must cite at least one source.

    Raises:
        EvidenceDataError: naming the file, the entry and the problem.
    """
    _check_schema(document, "treatments.schema.json", where)
    _check_unique_ids(document["treatments"], "treatments", where)
    for item in document["treatments"]:
        if not item["sources"] and item["certainty"] != "none-found":
            raise EvidenceDataError(
                f"{where}: treatments[{item['id']}].sources: an entry that states evidence needs at least one source"
            )
    _check_sources(document["treatments"], "treatments", where, source_keys)
    return document


def _as_problems(validate, document, file: str) -> list:
    """Run ``validate`` on a schema-valid ``document`` and return its problem as ``hipcourse.content.data.DataProblem``s."""
    from hipcourse.content import data

    try:
        # Sources are checked by check_course itself; structure too, so only meaning is checked here.
        validate(document, source_keys=None, where=file)
    except EvidenceDataError as error:
        text = str(error)
        prefix = f"{file}: "
        entry, _, message = text[len(prefix):].partition(": ") if text.startswith(prefix) else ("", "", text)
        return [data.DataProblem(file, entry, message)]
    return []


def check_evidence_data(document, *, course=None, file: str = "data/evidence.yaml") -> list:
    """Semantic check for ``hipcourse.content.check.EXTRA_CHECKS["evidence"]`` (``python -m hipcourse check``).

    Returns a list of ``DataProblem`` (empty if the file is fine); schema problems are left to the caller.
    """
    from hipcourse.content.schemas import schema_errors

    if schema_errors(document, _schema("evidence.schema.json")):
        return []
    return _as_problems(validate_evidence, document, file)


def check_treatments_data(document, *, course=None, file: str = "data/treatments.yaml") -> list:
    """Semantic check for ``hipcourse.content.check.EXTRA_CHECKS["treatments"]``; see :func:`check_evidence_data`."""
    from hipcourse.content.schemas import schema_errors

    if schema_errors(document, _schema("treatments.schema.json")):
        return []
    return _as_problems(validate_treatments, document, file)


def load_evidence(*, path: str | Path | None = None) -> dict:
    """Return the validated contents of ``data/evidence.yaml`` (or of ``path``).

    Source keys are checked against ``data/sources.yaml`` when that file exists.
    """
    path = Path(path) if path is not None else data_dir() / "evidence.yaml"
    return validate_evidence(_read_yaml(path), source_keys=_known_source_keys(), where=display_path(path))


def load_treatments(*, path: str | Path | None = None) -> dict:
    """Return the validated contents of ``data/treatments.yaml`` (or of ``path``)."""
    path = Path(path) if path is not None else data_dir() / "treatments.yaml"
    return validate_treatments(_read_yaml(path), source_keys=_known_source_keys(), where=display_path(path))


# --------------------------------------------------------------------------------------------- tables
def _groups_by_id(evidence: Mapping) -> dict[str, str]:
    return {group["id"]: group["title"] for group in evidence["groups"]}


def _sources_text(keys: Sequence[str]) -> str:
    from hipcourse.content.sources import source_names  # titles, not keys: learners never see a key

    return source_names(keys) if keys else "none: no trials found"


def unplotted_table(*, evidence: Mapping | None = None) -> Table:
    """Return the results that have no confidence interval in our sources (so they are not plotted)."""
    evidence = evidence if evidence is not None else load_evidence()
    groups = _groups_by_id(evidence)
    rows = tuple(
        (groups[e["group"]], f"{e['study']} ({e['design']})", f"{e['intervention']} vs {e['comparison'].lower()}",
         e["result"], CERTAINTY_WORDS[e["certainty"]], _sources_text(e["sources"]))
        for e in evidence["entries"] if "estimate" not in e
    )
    return Table(
        caption="Results without a confidence interval in our sources, so they are described rather than plotted.",
        columns=("Condition", "Study", "Comparison", "What it found", "Certainty", "Sources"),
        rows=rows,
    )


def guidelines_table(*, evidence: Mapping | None = None) -> Table:
    """Return what clinical guidelines say about acupuncture and related care."""
    evidence = evidence if evidence is not None else load_evidence()
    rows = tuple((g["body"], g["topic"], g["position"], _sources_text(g["sources"])) for g in evidence["guidelines"])
    return Table(caption="What clinical guidelines say.", columns=("Guideline", "Condition", "Position", "Sources"),
                 rows=rows)


def treatments_table(*, category: str | None = None, treatments: Mapping | None = None) -> Table:
    """Return the reviewed treatments, optionally only one ``category``.

    Args:
        category: ``conventional``, ``alternative``, ``home`` or ``guidance``; None lists all.
        treatments: an already loaded document (default: ``data/treatments.yaml``).

    Raises:
        ValueError: for an unknown category.
    """
    if category is not None and category not in _CATEGORY_WORDS:
        raise ValueError(f"treatments_table: unknown category {category!r} (use one of {', '.join(_CATEGORY_WORDS)})")
    treatments = treatments if treatments is not None else load_treatments()
    rows = []
    for item in treatments["treatments"]:
        if category is not None and item["category"] != category:
            continue
        advice = item["advice"]
        if item["cautions"]:
            advice += " Caution: " + " ".join(item["cautions"])
        rows.append((item["name"], _VERDICT_WORDS[item["verdict"]], item["evidence"],
                     CERTAINTY_WORDS[item["certainty"]], advice, _sources_text(item["sources"])))
    title = _CATEGORY_WORDS[category] if category else "Treatments and remedies"
    return Table(caption=f"{title}: what the evidence shows, how certain it is, and what to do.",
                 columns=("Treatment", "Verdict", "What the evidence shows", "Certainty", "What to do", "Sources"),
                 rows=tuple(rows))
