"""Checks of the course data: the structural rules of the JSON Schemas (a small built-in reader, and
jsonschema's messages rephrased the same way) and the semantic checks across the five core files
(unknown landmark, point, scale or source; duplicate ids; circular or malformed constructions)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from hipcourse import paths
from hipcourse.content.expr import VIEW_AXES, ExprError, parse
from hipcourse.content.problems import _ENTRY_KEYS, _JSON_TYPES, _TYPE_WORDS, DataError, DataProblem, _type_name
from hipcourse.content.yamlfiles import load_yaml

__all__ = ["source_keys", "check_source_keys"]

# ---------------------------------------------------------------------------
# Structural validation (built-in subset + optional jsonschema)
# ---------------------------------------------------------------------------

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
    if isinstance(instance, dict) and _required_choices(schema.get("anyOf")) and not any(
            all(name in instance for name in branch["required"]) for branch in schema["anyOf"]):
        out.append((path, _any_of_message(schema["anyOf"])))
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


def _required_choices(branches) -> bool:
    """True for ``anyOf: [{required: [...]}, ...]`` (each branch names the fields it needs)."""
    return isinstance(branches, list) and bool(branches) and all(
        isinstance(b, dict) and isinstance(b.get("required"), list) and b["required"] for b in branches)


def _any_of_message(branches) -> str:
    choices = [" with ".join(b["required"]) for b in branches]
    return f"needs at least one of: {', '.join(choices)}"


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
    if validator == "anyOf" and _required_choices(value):
        return [(path, _any_of_message(value))]
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
        from hipcourse.content.schemas import jsonschema_module

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


