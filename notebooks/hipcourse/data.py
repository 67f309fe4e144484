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
a kind are registered in :data:`EXTRA_CHECKS`.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from . import paths
from .expr import VIEW_AXES, ExprError, parse

__all__ = [
    "DataProblem", "DataError", "Source", "View", "Landmark", "Scale",
    "Alternative", "Point", "Course", "CheckReport", "load_course",
    "check_course", "read_yaml", "load_yaml", "source_keys", "EXTRA_CHECKS", "CORE_KINDS",
]

#: The kinds :func:`load_course` needs, in dependency order.
CORE_KINDS = ("sources", "views", "landmarks", "scales", "points")

#: Optional semantic checks for other kinds, ``kind -> "module:function"``
#: (imported lazily). The function is called as
#: ``function(document, course=course, file="data/<kind>.yaml")`` and returns
#: an iterable of :class:`DataProblem`. Add one line per kind.
EXTRA_CHECKS: dict[str, str] = {
    "contraindications": "hipcourse.safety:check_contraindications",
    "evidence": "hipcourse.evidence:check_evidence_data",
    "treatments": "hipcourse.evidence:check_treatments_data",
}

#: Keys that name a list entry in messages, in order of preference.
_ENTRY_KEYS = ("id", "code", "key")


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class DataProblem:
    """One problem in a data file.

    Attributes:
        file: path relative to the repository, e.g. ``data/points.yaml``.
        entry: where in the file, e.g. ``points[GB30].locations.posterior``
            (empty for the file as a whole).
        message: what is wrong.
    """

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        if self.entry:
            return f"{self.file}: {self.entry}: {self.message}"
        return f"{self.file}: {self.message}"


class DataError(ValueError):
    """Raised when course data has problems; ``problems`` holds all of them."""

    def __init__(self, problems: Iterable[DataProblem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# ---------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Source:
    """An entry of ``data/sources.yaml``."""

    key: str
    title: str
    kind: str
    url: str | None = None
    citation: str | None = None
    note: str | None = None


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
# Reading YAML
# ---------------------------------------------------------------------------


def _file_label(data_dir: Path, path: Path) -> str:
    """``data/<relative path>`` whatever the data directory is (stable messages)."""
    try:
        return "data/" + path.relative_to(data_dir).as_posix()
    except ValueError:
        return paths.display_path(path)


@functools.lru_cache(maxsize=1)
def _loader_class():
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class UniqueKeyLoader(base):  # type: ignore[misc, valid-type]
        """Safe loader that refuses duplicate mapping keys (PyYAML keeps the last silently)."""

        def construct_mapping(self, node, deep=False):
            # Compare the raw scalar key nodes: constructing every key twice would
            # double the load time of the large files.
            seen = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key_node.value}'", key_node.start_mark)
                seen.add(key_node.value)
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def load_yaml(path: Path | str) -> Any:
    """Parse a YAML file with the C safe loader (duplicate keys refused); cached by the file's content.

    Every module that reads a data file goes through here: PyYAML's pure-Python ``safe_load`` took about
    0.3 s per read of ``sources.yaml``, paid again on every call. Reading and hashing the bytes costs well
    under a millisecond, so the cache can never serve a stale document (timestamps can be too coarse for a
    file rewritten twice in a row). Each caller gets its own deep copy, so a caller that edits the document
    cannot change what the next one reads. Raises ``OSError`` and ``yaml.YAMLError`` as reading would.
    """
    import copy
    import hashlib

    data = Path(path).read_bytes()
    return copy.deepcopy(_parsed_yaml(hashlib.sha256(data).hexdigest(), data))


@functools.lru_cache(maxsize=64)
def _parsed_yaml(digest: str, data: bytes) -> Any:
    # ``digest`` is the cache key; ``data`` rides along (equal digests mean equal bytes).
    import yaml

    return yaml.load(data.decode("utf-8"), Loader=_loader_class())  # noqa: S506 - safe loader subclass


def read_yaml(path: Path, *, label: str) -> tuple[Any, list[DataProblem]]:
    """Read one YAML file; return ``(document or None, problems)``.

    A missing file, a syntax error (with its line) or a top level that is not
    a mapping is reported as a problem, never raised.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [DataProblem(label, "", "file is missing")]
    except UnicodeDecodeError as error:
        return None, [DataProblem(label, "", f"not UTF-8 text ({error.reason})")]
    try:
        document = yaml.load(text, Loader=_loader_class())  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        return None, [DataProblem(label, where, f"YAML error: {problem}")]
    if not isinstance(document, dict):
        return None, [DataProblem(label, "", "the file must be a mapping at the top level "
                                               f"(got {_type_name(document)})")]
    return document, []


# ---------------------------------------------------------------------------
# Structural validation (built-in subset + optional jsonschema)
# ---------------------------------------------------------------------------

_JSON_TYPES: Mapping[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "empty"}


def _type_name(value: Any) -> str:
    for name, test in _JSON_TYPES.items():
        if name != "integer" and test(value):
            return _TYPE_WORDS[name]
    return type(value).__name__


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _entry_path(document: Any, path: Iterable[Any]) -> str:
    """Render a path like ``points[GB30].locations.posterior`` (ids instead of indexes)."""
    text = ""
    node = document
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if 0 <= part < len(node) else None
            name = next((item[k] for k in _ENTRY_KEYS if isinstance(item, dict)
                         and isinstance(item.get(k), str) and item.get(k)), None)
            text += f"[{name if name is not None else part}]"
            node = item
        else:
            text += f".{part}" if text else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _resolve_ref(root: Mapping, schema: Mapping) -> Mapping:
    while "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _light_validate(instance, schema, root, path, out) -> None:
    """A fast subset of JSON Schema: $ref, type, enum, required, properties,
    additionalProperties, propertyNames (enum) and items. Anything else is left to
    :mod:`jsonschema` in the check command; the subset never reports what full
    validation would accept. ``out`` collects ``(path, message)``; messages match
    :func:`_schema_error_message`."""
    schema = _resolve_ref(root, schema)
    expected = schema.get("type")
    if isinstance(expected, str) and expected in _JSON_TYPES and not _JSON_TYPES[expected](instance):
        out.append((path, _type_message(expected, instance)))
        return
    if isinstance(expected, list) and not any(_JSON_TYPES.get(t, lambda v: True)(instance)
                                              for t in expected):
        return  # a type list: leave the wording to jsonschema (check command)
    if "enum" in schema and instance not in schema["enum"]:
        out.append((path, _enum_message(schema["enum"], instance)))
        return
    if isinstance(instance, dict):
        for name in schema.get("required", ()):
            if name not in instance:
                out.append((path, f"missing required field '{name}'"))
        properties = schema.get("properties", {})
        # patternProperties is not interpreted here: do not call matching keys unknown
        extra = True if "patternProperties" in schema else schema.get("additionalProperties", True)
        names_schema = _resolve_ref(root, schema.get("propertyNames", {}))
        for key, value in instance.items():
            if "enum" in names_schema and key not in names_schema["enum"]:
                out.append((path, _property_name_message(names_schema["enum"], key)))
                continue
            if key in properties:
                _light_validate(value, properties[key], root, path + [key], out)
            elif extra is False:
                out.append((path, f"unknown field '{key}'"))
            elif isinstance(extra, dict):
                _light_validate(value, extra, root, path + [key], out)
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(instance):
            _light_validate(item, schema["items"], root, path + [index], out)


def _type_message(expected: str, value: Any) -> str:
    return f"must be {_TYPE_WORDS.get(expected, expected)}, not {_type_name(value)} {_short(value)}"


def _enum_message(allowed, value) -> str:
    return f"{_short(value)} is not one of: {', '.join(map(str, allowed))}"


def _property_name_message(allowed, key) -> str:
    return f"unknown key {_short(key)} (allowed: {', '.join(map(str, allowed))})"


def _schema_error_message(error) -> list[tuple[list, str]]:
    """Phrase one :mod:`jsonschema` error the way :func:`_light_validate` does."""
    path = list(error.absolute_path)
    validator, value = error.validator, error.validator_value
    if validator == "required":
        missing = [name for name in value if name not in error.instance]
        return [(path, f"missing required field '{name}'") for name in missing]
    if validator == "type":
        return [(path, _type_message(value, error.instance))]
    if validator == "enum":
        return [(path, _enum_message(value, error.instance))]
    if validator == "additionalProperties" and value is False:
        known = set(error.schema.get("properties", {}))
        return [(path, f"unknown field '{key}'") for key in error.instance if key not in known]
    if validator == "propertyNames":
        return [(path, _property_name_message(
            _resolve_ref(error.schema, value).get("enum", []) if isinstance(value, dict) else [],
            error.instance))]
    if validator == "pattern":
        return [(path, f"{_short(error.instance)} does not match the pattern {value}")]
    if validator == "minLength":
        return [(path, "must not be empty")]
    if validator == "minItems":
        return [(path, f"must have at least {value} item{'s' * (value != 1)}")]
    if validator == "maxItems":
        return [(path, f"must have at most {value} item{'s' * (value != 1)}")]
    return [(path, error.message)]


def _structural_problems(document, schema, label, *, full: bool) -> list[DataProblem]:
    found: list[tuple[list, str]] = []
    _light_validate(document, schema, schema, [], found)
    if full:
        from .schemas import jsonschema_module

        Draft202012Validator = jsonschema_module().validators.Draft202012Validator

        validator = Draft202012Validator(schema)
        for error in validator.iter_errors(document):
            # propertyNames errors report the key as instance: rebuild the enum text
            if error.validator == "propertyNames":
                enum = _resolve_ref(schema, error.validator_value).get("enum", [])
                found.append((list(error.absolute_path), _property_name_message(enum, error.instance)))
                continue
            found.extend(_schema_error_message(error))
    return [DataProblem(label, _entry_path(document, path), message) for path, message in found]


@functools.lru_cache(maxsize=None)
def _read_schema(path_text: str, mtime: int) -> Mapping:
    return json.loads(Path(path_text).read_text(encoding="utf-8"))


def _schema(path: Path) -> Mapping | None:
    try:
        return _read_schema(str(path), path.stat().st_mtime_ns)
    except FileNotFoundError:
        return None


# ---------------------------------------------------------------------------
# Semantic checks
# ---------------------------------------------------------------------------


def _entries(document, key) -> list[tuple[int, dict]]:
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _entry_name(key: str, index: int, item: dict, id_key: str) -> str:
    value = item.get(id_key)
    return f"{key}[{value}]" if isinstance(value, str) and value else f"{key}[{index}]"


def _check_duplicates(entries, key, id_key, label, problems) -> dict[str, dict]:
    seen: dict[str, dict] = {}
    for index, item in entries:
        value = item.get(id_key)
        if not isinstance(value, str):
            continue
        if value in seen:
            problems.append(DataProblem(label, f"{key}[{index}]",
                                        f"duplicate {id_key} '{value}'"))
        else:
            seen[value] = item
    return seen


def _collect_source_refs(node, path, out) -> None:
    """Find every ``sources: [...]`` list (any depth) for the source-key check."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "sources" and isinstance(value, list):
                out.append((path + [key], value))
            else:
                _collect_source_refs(value, path + [key], out)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _collect_source_refs(item, path + [index], out)


def source_keys(folder: Path | str | None = None) -> frozenset[str] | None:
    """The keys of ``sources.yaml`` in ``folder`` (default: the data dir), or None if there is no such file.

    For modules that check their own data's citations without loading the whole course.
    """
    path = (Path(folder) if folder is not None else paths.data_dir()) / "sources.yaml"
    if not path.exists():
        return None
    document = load_yaml(path)
    items = document.get("sources") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise DataError([DataProblem(paths.display_path(path), "sources", "must be a list")])
    return frozenset(str(item["key"]) for item in items if isinstance(item, dict) and "key" in item)


def check_source_keys(document, *, source_keys, label) -> list[DataProblem]:
    """Every ``sources`` list anywhere in ``document`` must use known keys."""
    found: list = []
    _collect_source_refs(document, [], found)
    problems = []
    for path, keys in found:
        for key in keys:
            if isinstance(key, str) and key not in source_keys:
                problems.append(DataProblem(label, _entry_path(document, path),
                                            f"unknown source key '{key}'"))
    return problems


class _Semantics:
    """Semantic checks across the five core files (defensive: skips malformed parts)."""

    def __init__(self, docs: Mapping[str, Any], labels: Mapping[str, str]):
        self.docs = docs
        self.labels = labels
        self.problems: list[DataProblem] = []
        self.views: set[str] = set()
        self.landmarks: dict[str, dict] = {}
        self.points: dict[str, dict] = {}
        self.scales: dict[str, dict] = {}
        self.sources: set[str] = set()
        # (view, name) -> names it depends on, for cycle detection
        self.graph: dict[tuple[str, str], tuple[str, ...]] = {}

    def add(self, kind, entry, message):
        self.problems.append(DataProblem(self.labels[kind], entry, message))

    def run(self) -> list[DataProblem]:
        docs = self.docs
        sources = _check_duplicates(_entries(docs.get("sources"), "sources"), "sources", "key",
                                    self.labels["sources"], self.problems)
        self.sources = set(sources)
        views = docs.get("views", {}).get("views") if isinstance(docs.get("views"), dict) else None
        if isinstance(views, dict):
            self.views = {v for v in views if isinstance(v, str)}
            self.check_views(views)
        self.landmarks = _check_duplicates(_entries(docs.get("landmarks"), "landmarks"), "landmarks",
                                           "id", self.labels["landmarks"], self.problems)
        self.scales = _check_duplicates(_entries(docs.get("scales"), "scales"), "scales", "id",
                                        self.labels["scales"], self.problems)
        self.points = _check_duplicates(_entries(docs.get("points"), "points"), "points", "code",
                                        self.labels["points"], self.problems)
        for code in sorted(set(self.points) & set(self.landmarks)):
            self.add("points", f"points[{code}]", f"code '{code}' is also a landmark id")
        if docs.get("sources") is not None:
            for kind in ("landmarks", "scales", "points"):
                if docs.get(kind) is not None:
                    self.problems += check_source_keys(docs[kind], source_keys=self.sources,
                                                       label=self.labels[kind])
        self.check_landmarks()
        self.check_scales()
        self.check_points()
        self.check_cycles()
        return self.problems

    # -- views ---------------------------------------------------------------
    def check_views(self, views):
        for view, spec in views.items():
            if not isinstance(spec, dict):
                continue
            expected = "anterior" if view == "lateral" else "lateral"
            if spec.get("x_axis") in ("lateral", "anterior") and spec["x_axis"] != expected:
                self.add("views", f"views.{view}.x_axis",
                         f"the {view} view measures x as '{expected}', not '{spec['x_axis']}'")
            extent = spec.get("extent")
            if (isinstance(extent, list) and len(extent) == 4
                    and all(_JSON_TYPES["number"](v) for v in extent)):
                if not (extent[0] < extent[1] and extent[2] < extent[3]):
                    self.add("views", f"views.{view}.extent",
                             "must be [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax")

    # -- helpers ---------------------------------------------------------------
    def landmark_has_view(self, name, view) -> bool:
        item = self.landmarks.get(name, {})
        return any(isinstance(item.get(key), dict) and view in item[key]
                   for key in ("views", "constructions"))

    def point_has_view(self, name, view) -> bool:
        item = self.points.get(name, {})
        return isinstance(item.get("locations"), dict) and view in item["locations"]

    def check_view_name(self, kind, entry, view) -> bool:
        if self.views and view not in self.views:
            self.add(kind, entry, f"view '{view}' is not in data/views.yaml")
            return False
        return True

    def check_expression(self, kind, entry, view, text, *, allow_points, default_scale,
                         node=None) -> None:
        """Parse ``text`` and check names, views, offset axes and scales."""
        if not isinstance(text, str):
            return  # reported by the structural check
        try:
            expr = parse(text)
            if view in VIEW_AXES:
                expr.check_view(view)
        except ExprError as error:
            self.add(kind, entry, str(error))
            return
        for name in expr.ordered_names:
            if name in self.landmarks:
                if not self.landmark_has_view(name, view):
                    self.add(kind, entry, f"landmark '{name}' has no position in the {view} view, "
                                          f"in \"{expr.text}\"")
            elif allow_points and name in self.points:
                if not self.point_has_view(name, view):
                    self.add(kind, entry, f"point '{name}' has no location in the {view} view, "
                                          f"in \"{expr.text}\"")
            else:
                # same wording for points and landmarks (CONTRIBUTING.md's example)
                self.add(kind, entry, f"unknown landmark '{name}' in \"{expr.text}\"")
        for scale in sorted(expr.scales):
            if scale not in self.scales:
                self.add(kind, entry, f"unknown scale '{scale}' in \"{expr.text}\"")
        if expr.needs_default_scale and default_scale is None:
            self.add(kind, entry, f"offset() needs scale=<scale id> in \"{expr.text}\"")
        if node is not None:
            self.graph[(view, node)] = expr.names

    # -- landmarks -------------------------------------------------------------
    def check_landmarks(self):
        for index, item in _entries(self.docs.get("landmarks"), "landmarks"):
            entry = _entry_name("landmarks", index, item, "id")
            measured = item.get("views") if isinstance(item.get("views"), dict) else {}
            derived = item.get("constructions") if isinstance(item.get("constructions"), dict) else {}
            if not measured and not derived:
                self.add("landmarks", entry, "has neither coordinates (views) nor a construction "
                                             "(constructions)")
            for view in measured:
                self.check_view_name("landmarks", f"{entry}.views.{view}", view)
                if view in derived:
                    self.add("landmarks", entry, f"the {view} view has both coordinates and a "
                                                 "construction; keep one")
            own = item.get("id") if isinstance(item.get("id"), str) else None
            for view, text in derived.items():
                where = f"{entry}.constructions.{view}"
                if self.check_view_name("landmarks", where, view):
                    self.check_expression("landmarks", where, view, text, allow_points=False,
                                          default_scale=None, node=own)

    # -- scales --------------------------------------------------------------
    def check_scales(self):
        for index, item in _entries(self.docs.get("scales"), "scales"):
            entry = _entry_name("scales", index, item, "id")
            view = item.get("view")
            for end in ("from", "to"):
                name = item.get(end)
                if not isinstance(name, str):
                    continue
                if name not in self.landmarks:
                    self.add("scales", f"{entry}.{end}", f"unknown landmark '{name}'")
                elif isinstance(view, str) and not self.landmark_has_view(name, view):
                    self.add("scales", f"{entry}.{end}",
                             f"landmark '{name}' has no position in the {view} view")
            if isinstance(view, str):
                self.check_view_name("scales", f"{entry}.view", view)

    # -- points --------------------------------------------------------------
    def check_points(self):
        for index, item in _entries(self.docs.get("points"), "points"):
            entry = _entry_name("points", index, item, "code")
            computable = item.get("computable", True) is not False
            locations = item.get("locations") if isinstance(item.get("locations"), dict) else None
            scale = item.get("scale") if isinstance(item.get("scale"), str) else None
            if scale is not None and scale not in self.scales:
                self.add("points", f"{entry}.scale", f"unknown scale '{scale}'")
            if computable:
                if not locations and "locations" not in item:
                    self.add("points", entry, "missing required field 'locations' "
                                              "(or set computable: false)")
                if "scale" not in item:
                    self.add("points", entry, "missing required field 'scale' "
                                              "(the cun scale of its region)")
            elif "locations" in item:
                self.add("points", entry, "has computable: false but gives locations")
            for name in item.get("landmarks", []) if isinstance(item.get("landmarks"), list) else []:
                if isinstance(name, str) and name not in self.landmarks:
                    self.add("points", f"{entry}.landmarks", f"unknown landmark '{name}'")
            code = item.get("code") if isinstance(item.get("code"), str) else None
            for view, text in (locations or {}).items():
                where = f"{entry}.locations.{view}"
                if self.check_view_name("points", where, view):
                    self.check_expression("points", where, view, text, allow_points=True,
                                          default_scale=scale, node=code)
            alternatives = item.get("alternatives")
            seen_ids: set[str] = set()
            for alt_index, alt in enumerate(alternatives if isinstance(alternatives, list) else []):
                if not isinstance(alt, dict):
                    continue
                alt_entry = f"{entry}.alternatives[{alt.get('id', alt_index)}]"
                if isinstance(alt.get("id"), str):
                    if alt["id"] in seen_ids:
                        self.add("points", alt_entry, f"duplicate alternative id '{alt['id']}'")
                    seen_ids.add(alt["id"])
                alt_locations = alt.get("locations") if isinstance(alt.get("locations"), dict) else {}
                for view, text in alt_locations.items():
                    where = f"{alt_entry}.locations.{view}"
                    if self.check_view_name("points", where, view):
                        self.check_expression("points", where, view, text, allow_points=True,
                                              default_scale=scale)

    # -- cycles --------------------------------------------------------------
    def check_cycles(self):
        reported: set[frozenset] = set()
        for start in sorted(self.graph):
            stack: list[tuple[str, str]] = []
            self._visit(start, stack, set(), reported)

    def _visit(self, node, stack, done, reported):
        if node in stack:
            cycle = stack[stack.index(node):] + [node]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                view, name = cycle[0]
                kind = "landmarks" if name in self.landmarks else "points"
                where = "constructions" if kind == "landmarks" else "locations"
                self.add(kind, f"{kind}[{name}].{where}.{view}",
                         "circular construction: " + " -> ".join(n for _, n in cycle))
            return
        if node in done or node not in self.graph:
            return
        stack.append(node)
        for name in sorted(self.graph[node]):
            self._visit((node[0], name), stack, done, reported)
        stack.pop()
        done.add(node)


# ---------------------------------------------------------------------------
# Building the Course
# ---------------------------------------------------------------------------


def _xy(value) -> tuple[float, float]:
    return (float(value[0]), float(value[1]))


def _build(docs: Mapping[str, Any], data_dir: Path) -> Course:
    sources = {s["key"]: Source(key=s["key"], title=s["title"], kind=s["kind"], url=s.get("url"),
                                citation=s.get("citation"), note=s.get("note"))
               for s in docs["sources"]["sources"]}
    views = {vid: View(id=vid, title=v["title"], x_axis=v["x_axis"],
                       extent=tuple(float(e) for e in v["extent"]))  # type: ignore[arg-type]
             for vid, v in docs["views"]["views"].items()}
    landmarks = {
        lm["id"]: Landmark(
            id=lm["id"], name=lm["name"], plain=lm["plain"], palpation=lm["palpation"],
            segment=lm["segment"], sources=tuple(lm["sources"]), schematic=lm.get("schematic"),
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


# ---------------------------------------------------------------------------
# Full check (python -m hipcourse check)
# ---------------------------------------------------------------------------


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
    from .expr import ExprError as _ExprError
    from .geometry import Body, GeometryError

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
            import importlib

            function = getattr(importlib.import_module(module_name), function_name)
            problems += list(function(document, course=course, file=label))
    return CheckReport(problems=tuple(_unique(problems)), counts=_frozen(counts))
