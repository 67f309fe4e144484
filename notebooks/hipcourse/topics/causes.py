"""Causes of hip pain for lesson 2: the data, the ranking and the "where does it hurt?" explorer.

Everything comes from ``data/causes.yaml`` (validated against ``data/schemas/causes.schema.json``):

* **regions** - named body areas ("groin", "side of the hip") with shapes in the atlas coordinate system
  (cm on the reference adult, one shape per view in which the area is visible);
* **patterns** - how or when it hurts ("worse lying on that side"); some are red flags;
* **causes** - who gets each cause, where it hurts (primary and secondary regions), typical features, how
  common it is, what usually helps and when to see a doctor, each with its source keys;
* **symptoms** - common and less common symptoms, each linked to the causes it points to.

Public functions:

* :func:`load_causes` - the validated :class:`CauseCatalogue`;
* :func:`rank_causes` - possible causes for a region and a pattern, best fit first (teaching aid, not a
  diagnosis);
* :func:`symptoms_table` - the symptom list as an accessible table;
* :func:`where_does_it_hurt` - the keyboard-usable explorer widget.

The pain-map figure of a cause is in :mod:`hipcourse.topics.painmap`.

yaml and jsonschema are imported inside the functions that need them; ipywidgets is imported at
module level because the explorer class derives from ``ipywidgets.VBox``.
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import html
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Sequence

import ipywidgets as widgets

from hipcourse.paths import data_dir, display_path, repo_root

__all__ = [
    "CausesDataError",
    "Region",
    "Pattern",
    "Cause",
    "Symptom",
    "CauseCatalogue",
    "RankedCause",
    "NOT_A_DIAGNOSIS",
    "load_causes",
    "rank_causes",
    "symptoms_table",
    "WhereDoesItHurt",
    "where_does_it_hurt",
]

VIEWS = ("posterior", "anterior", "lateral")
_URGENCY_WORDS = {
    "emergency": "an emergency",
    "same_day": "a reason to get medical help today",
    "soon": "a reason to see a doctor within days",
    "routine": "usually not urgent",
}
#: The pattern choice meaning "not sure / none of these" in the explorer.
NOT_SURE = "not_sure"
_COMMONNESS_ORDER = {"common": 0, "less_common": 1, "uncertain": 2, "uncommon": 3}

#: The sentence every explorer answer carries: the ranking teaches, it does not diagnose.
NOT_A_DIAGNOSIS = (
    "This list does not diagnose you: it only shows which causes usually fit what you chose. "
    "Only a doctor or physiotherapist who examines you can say what is causing your pain."
)

# Findings that need a doctor whatever the explorer shows (facts.md section 5; full list in lesson 3).
_NEEDS_A_DOCTOR = (
    "a fall or knock followed by severe hip or groin pain, or not being able to put weight on the leg (emergency)",
    "fever, or a hot, red, swollen joint (emergency)",
    "numbness between the legs or around the back passage, or new trouble passing or holding urine or stools "
    "(emergency)",
    "a leg or foot that is getting weak or numb",
    "a lump or pulsating swelling in the groin",
    "a history of cancer, unexplained weight loss, or pain that is constant or worse at night",
    "pain that is not improving after a few weeks, keeps returning or stops you sleeping",
)


class CausesDataError(ValueError):
    """``data/causes.yaml`` is missing or wrong; the message names the file, the entry and the problem."""


# --------------------------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Shape:
    """One region outline in one view: a polygon or an ellipse, in atlas cm coordinates."""

    view: str
    polygon: tuple[tuple[float, float], ...] | None = None
    center: tuple[float, float] | None = None
    size: tuple[float, float] | None = None
    angle: float = 0.0

    def contains(self, x: float, y: float) -> bool:
        """Return True if the point (``x``, ``y``) lies inside this shape (boundary counts as inside)."""
        import math

        if self.polygon is not None:
            return _point_in_polygon(x, y, self.polygon)
        cx, cy = self.center
        a, b = self.size[0] / 2, self.size[1] / 2
        theta = math.radians(self.angle)
        dx, dy = x - cx, y - cy
        # Rotate the point into the ellipse's own axes before the usual (u/a)^2 + (v/b)^2 <= 1 test.
        u = dx * math.cos(theta) + dy * math.sin(theta)
        v = -dx * math.sin(theta) + dy * math.cos(theta)
        return (u / a) ** 2 + (v / b) ** 2 <= 1.0 + 1e-9


@dataclass(frozen=True)
class Region:
    """A named body area where pain can be felt, with one or more shapes (one per view it is seen in)."""

    id: str
    name: str
    plain: str
    shapes: tuple[Shape, ...]

    def views(self) -> tuple[str, ...]:
        """Return the views in which this region has a shape, in the course's view order."""
        have = {shape.view for shape in self.shapes}
        return tuple(view for view in VIEWS if view in have)


@dataclass(frozen=True)
class Pattern:
    """How or when pain happens; ``red_flag`` patterns always lead the explorer's answer with a warning."""

    id: str
    label: str
    red_flag: bool = False


@dataclass(frozen=True)
class Cause:
    """One cause of hip pain with its cited facts (see ``data/causes.yaml`` for the field meanings)."""

    id: str
    name: str
    group: str
    commonness: str
    urgency: str
    plain: str
    who: str
    primary_regions: tuple[str, ...]
    secondary_regions: tuple[str, ...]
    patterns: tuple[str, ...]
    features: str
    how_common: str
    what_helps: str
    see_doctor_if: str
    sources: tuple[str, ...]
    field_sources: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Symptom:
    """A symptom, how often it is met (``common`` / ``less_common``) and the causes it points to."""

    id: str
    text: str
    frequency: str
    causes: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class CauseCatalogue:
    """The validated content of ``data/causes.yaml``, each kind keyed by id in file order."""

    regions: Mapping[str, Region]
    patterns: Mapping[str, Pattern]
    causes: Mapping[str, Cause]
    symptoms: Mapping[str, Symptom]

    def cause(self, cause_id: str) -> Cause:
        """Return the cause ``cause_id``; raise ``KeyError`` naming the known ids if it does not exist."""
        try:
            return self.causes[cause_id]
        except KeyError:
            raise KeyError(f"unknown cause {cause_id!r}; known causes: {', '.join(self.causes)}") from None

    def symptoms_for(self, cause_id: str) -> tuple[Symptom, ...]:
        """Return the symptoms linked to ``cause_id``, common ones first."""
        self.cause(cause_id)
        linked = [s for s in self.symptoms.values() if cause_id in s.causes]
        return tuple(sorted(linked, key=lambda s: s.frequency != "common"))


@dataclass(frozen=True)
class RankedCause:
    """One line of the explorer's answer: the cause, its score and the plain reasons it fits."""

    cause: Cause
    score: int
    reasons: tuple[str, ...]

    @property
    def fit(self) -> str:
        """Plain words for how well the cause fits: ``"fits well"``, ``"fits in part"`` or ``"less likely"``."""
        if self.score >= 4:
            return "fits well"
        if self.score >= 2:
            return "fits in part"
        return "less likely"


# --------------------------------------------------------------------------------------------- loading
def load_causes(*, path: str | Path | None = None) -> CauseCatalogue:
    """Load, validate and return the causes catalogue.

    Args:
        path: the YAML file; defaults to ``causes.yaml`` in :func:`hipcourse.paths.data_dir` (so
            ``HIPCOURSE_DATA_DIR`` redirects it, as tests do).

    Raises:
        CausesDataError: the file is missing, is not valid YAML, breaks the JSON Schema, or refers to a region,
            pattern, cause or source key that does not exist (message: ``file: entry: problem``).
    """
    file = Path(path) if path is not None else data_dir() / "causes.yaml"
    try:
        stamp = file.stat().st_mtime_ns
    except FileNotFoundError:
        raise CausesDataError(f"{display_path(file)}: file not found") from None
    # Cached on (path, modification time): notebooks call this often, and an edited file is re-read.
    return _load_cached(str(file.resolve()), stamp)


@lru_cache(maxsize=8)
def _load_cached(file_name: str, _stamp: int) -> CauseCatalogue:
    import yaml

    file = Path(file_name)
    where = display_path(file)
    try:
        raw = _load_yaml_file(file)
    except yaml.YAMLError as error:
        raise CausesDataError(f"{where}: not valid YAML: {error}") from None
    _validate_schema(raw, where=where, schema_file=file.parent / "schemas" / "causes.schema.json")
    catalogue = _build(raw, where=where)
    _check_sources(catalogue, where=where, sources_file=file.parent / "sources.yaml")
    return catalogue


def _validate_schema(raw, *, where: str, schema_file: Path) -> None:
    from hipcourse.content.schemas import schema_errors

    if not schema_file.exists():
        # Fall back to the schema next to the package's own data (a test data dir may hold only the YAML).
        schema_file = repo_root() / "data" / "schemas" / "causes.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    errors = sorted(schema_errors(raw, schema), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        location = _entry_name(raw, list(error.absolute_path)) or "(top level)"
        raise CausesDataError(f"{where}: {location}: {error.message}")


def _entry_name(raw, path: list) -> str:
    """Turn a JSON path like ['causes', 3, 'who'] into 'causes[gtps].who' (ids read better than indexes)."""
    parts: list[str] = []
    node = raw
    for step in path:
        if isinstance(step, int):
            item = node[step] if isinstance(node, list) and step < len(node) else None
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else step
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label}]"]
            node = item
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def _unique(items, kind: str, where: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item["id"] in seen:
            raise CausesDataError(f"{where}: {kind}[{item['id']}]: duplicate id {item['id']!r}")
        seen.add(item["id"])


def _build(raw: dict, *, where: str) -> CauseCatalogue:
    for kind in ("regions", "patterns", "causes", "symptoms"):
        _unique(raw[kind], kind, where)
    regions = {}
    for entry in raw["regions"]:
        shapes = []
        for shape in entry["shapes"]:
            if "polygon" in shape:
                shapes.append(Shape(view=shape["view"], polygon=tuple(tuple(map(float, p)) for p in shape["polygon"])))
            else:
                ellipse = shape["ellipse"]
                shapes.append(Shape(view=shape["view"], center=tuple(map(float, ellipse["center"])),
                                    size=tuple(map(float, ellipse["size"])), angle=float(ellipse.get("angle", 0))))
        views = [s.view for s in shapes]
        if len(views) != len(set(views)):
            raise CausesDataError(f"{where}: regions[{entry['id']}].shapes: more than one shape for the same view")
        regions[entry["id"]] = Region(entry["id"], entry["name"], entry["plain"], tuple(shapes))
    patterns = {e["id"]: Pattern(e["id"], e["label"], bool(e.get("red_flag", False))) for e in raw["patterns"]}
    causes = {}
    for entry in raw["causes"]:
        name = f"causes[{entry['id']}]"
        primary = tuple(entry["regions"]["primary"])
        secondary = tuple(entry["regions"].get("secondary", ()))
        for region in primary + secondary:
            if region not in regions:
                raise CausesDataError(f"{where}: {name}.regions: unknown region {region!r}")
        if set(primary) & set(secondary):
            raise CausesDataError(f"{where}: {name}.regions: {sorted(set(primary) & set(secondary))} "
                                  "listed as both primary and secondary")
        for pattern in entry["patterns"]:
            if pattern not in patterns:
                raise CausesDataError(f"{where}: {name}.patterns: unknown pattern {pattern!r}")
        field_sources = {key[: -len("_sources")]: tuple(value) for key, value in entry.items()
                         if key.endswith("_sources")}
        missing = sorted({k for keys in field_sources.values() for k in keys} - set(entry["sources"]))
        if missing:
            # The cause's own `sources` list is its bibliography: every key cited by a field must be in it.
            raise CausesDataError(f"{where}: {name}.sources: missing keys cited by its fields: {', '.join(missing)}")
        causes[entry["id"]] = Cause(
            id=entry["id"], name=entry["name"], group=entry["group"], commonness=entry["commonness"],
            urgency=entry["urgency"], plain=entry["plain"], who=entry["who"], primary_regions=primary,
            secondary_regions=secondary, patterns=tuple(entry["patterns"]), features=entry["features"],
            how_common=entry["how_common"], what_helps=entry["what_helps"], see_doctor_if=entry["see_doctor_if"],
            sources=tuple(entry["sources"]), field_sources=field_sources,
        )
    symptoms = {}
    for entry in raw["symptoms"]:
        for cause in entry["causes"]:
            if cause not in causes:
                raise CausesDataError(f"{where}: symptoms[{entry['id']}].causes: unknown cause {cause!r}")
        symptoms[entry["id"]] = Symptom(entry["id"], entry["text"], entry["frequency"], tuple(entry["causes"]),
                                        tuple(entry["sources"]))
    for pattern in patterns:
        if not any(pattern in cause.patterns for cause in causes.values()):
            raise CausesDataError(f"{where}: patterns[{pattern}]: no cause uses this pattern")
    return CauseCatalogue(regions, patterns, causes, symptoms)


def _check_sources(catalogue: CauseCatalogue, *, where: str, sources_file: Path) -> None:
    """Check every cited key against ``sources.yaml`` next to the file (skipped if that file is absent)."""
    from hipcourse.content.data import source_keys

    known = source_keys(sources_file.parent)
    if known is None:
        return
    cited = [(f"causes[{c.id}]", key) for c in catalogue.causes.values() for key in c.sources]
    cited += [(f"symptoms[{s.id}]", key) for s in catalogue.symptoms.values() for key in s.sources]
    for entry, key in cited:
        if key not in known:
            raise CausesDataError(f"{where}: {entry}.sources: unknown source key {key!r} "
                                  f"(not in {display_path(sources_file)})")


def _point_in_polygon(x: float, y: float, polygon: Sequence[tuple[float, float]]) -> bool:
    # Ray casting; fine for the small convex-ish outlines used here.
    inside = False
    n = len(polygon)
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y):
            crossing = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x <= crossing:
                inside = not inside
    return inside


# --------------------------------------------------------------------------------------------- ranking
def rank_causes(region: str, pattern: str | None = None, *,
                catalogue: CauseCatalogue | None = None) -> list[RankedCause]:
    """Return the causes that can hurt in ``region``, best fit first.

    Scoring is deliberately simple so learners can follow it: the region is the cause's main area (+2) or
    an area pain may spread to (+1); the pattern matches one of the cause's typical patterns (+2). Causes
    whose regions do not include ``region`` are left out. Ties go to the more common cause, then file order.

    Args:
        region: a region id of ``data/causes.yaml`` (e.g. ``"side_hip"``).
        pattern: a pattern id, or None for "not sure".
        catalogue: the data to use (defaults to :func:`load_causes`).

    Raises:
        KeyError: ``region`` or ``pattern`` is not a known id (the message lists the known ones).
    """
    catalogue = catalogue or load_causes()
    if region not in catalogue.regions:
        raise KeyError(f"unknown region {region!r}; known regions: {', '.join(catalogue.regions)}")
    if pattern is not None and pattern not in catalogue.patterns:
        raise KeyError(f"unknown pattern {pattern!r}; known patterns: {', '.join(catalogue.patterns)}")
    region_name = catalogue.regions[region].name.lower()
    ranked = []
    for order, cause in enumerate(catalogue.causes.values()):
        if region in cause.primary_regions:
            score, reasons = 2, [f"{region_name} is a main place it hurts"]
        elif region in cause.secondary_regions:
            score, reasons = 1, [f"pain from it can spread to the {region_name}"]
        else:
            continue
        if pattern is not None and pattern in cause.patterns:
            score += 2
            reasons.append("what you chose about how it hurts is typical of it")
        ranked.append((-score, _COMMONNESS_ORDER[cause.commonness], order, RankedCause(cause, score, tuple(reasons))))
    return [item[-1] for item in sorted(ranked, key=lambda item: item[:3])]


# --------------------------------------------------------------------------------------------- symptoms
def symptoms_table(*, catalogue: CauseCatalogue | None = None):
    """Return the symptoms of ``data/causes.yaml`` as a :class:`hipcourse.content.tables.Table`.

    Columns: the symptom, how often it is met ("common" / "less common") and the causes it points to.
    Common symptoms come first, each group in file order.
    """
    from hipcourse.content.tables import Table

    catalogue = catalogue or load_causes()
    rows = []
    for symptom in sorted(catalogue.symptoms.values(), key=lambda s: s.frequency != "common"):
        causes = "; ".join(catalogue.causes[c].name for c in symptom.causes)
        rows.append((symptom.text, symptom.frequency.replace("_", " "), causes))
    return Table(caption="Symptoms of hip pain, how often they are met, and the causes they point to",
                 columns=("Symptom", "How often", "Possible causes"), rows=tuple(rows))


# --------------------------------------------------------------------------------------------- explorer
def _answer_html(region: str, pattern: str | None, catalogue: CauseCatalogue) -> str:
    """Return the explorer's answer as HTML: red-flag warning, ranked causes, the no-diagnosis note."""
    parts = []
    if pattern is not None and catalogue.patterns[pattern].red_flag:
        parts.append(
            '<p role="alert"><strong>⚠ Warning sign.</strong> What you chose can be a red flag: get medical '
            "help before trying any self-care, and do not press on the area. Lesson 3 explains what to do.</p>")
    ranked = rank_causes(region, pattern, catalogue=catalogue)
    region_obj = catalogue.regions[region]
    parts.append(f"<p><strong>Possible causes of pain in the {html.escape(region_obj.name.lower())}</strong> "
                 f"({html.escape(region_obj.plain)}), best fit first:</p>")
    items = []
    for rank in ranked:
        cause = rank.cause
        doctor = ""
        if cause.urgency != "routine":
            doctor = f" <strong>Seeing a doctor is {html.escape(_URGENCY_WORDS[cause.urgency])}.</strong>"
        items.append(
            f"<li><strong>{html.escape(cause.name)}</strong> ({rank.fit}: {html.escape('; '.join(rank.reasons))}). "
            f"{html.escape(cause.plain)}{doctor}</li>")
    parts.append("<ol>" + "".join(items) + "</ol>")
    parts.append(f"<p><em>{html.escape(NOT_A_DIAGNOSIS)}</em></p>")
    needs = "".join(f"<li>{html.escape(item)}</li>" for item in _NEEDS_A_DOCTOR)
    parts.append(f"<p>See a doctor, whatever this list says, if you have:</p><ul>{needs}</ul>"
                 "<p>Lesson 3 (Safety first) goes through these warning signs in detail.</p>")
    return "".join(parts)


class WhereDoesItHurt(widgets.VBox):
    """The "where does it hurt?" explorer: choose a region and a pattern, press the button, read the causes.

    Built from standard ipywidgets controls (two dropdowns and a button), so it can be used with the keyboard
    alone (Tab to move, arrow keys to choose, Enter or Space to press). The answer goes into an ``HTML``
    widget (``self.answer``) so plain pytest can drive it: set ``region.value`` / ``pattern.value``, call
    ``button.click()``, read ``answer.value``.
    """

    def __init__(self, *, catalogue: CauseCatalogue | None = None) -> None:
        self.catalogue = catalogue or load_causes()
        regions = [(f"{r.name} ({r.plain})", r.id) for r in self.catalogue.regions.values()]
        patterns = [("Not sure / none of these", NOT_SURE)]
        patterns += [(p.label, p.id) for p in self.catalogue.patterns.values()]
        wide = widgets.Layout(width="95%")
        style = {"description_width": "12em"}
        self.region = widgets.Dropdown(options=regions, value=None, description="Where does it hurt?",
                                       layout=wide, style=style)
        self.pattern = widgets.Dropdown(options=patterns, value=NOT_SURE, description="How or when?",
                                        layout=wide, style=style)
        self.button = widgets.Button(description="Show possible causes", button_style="primary",
                                     tooltip="List the causes that usually fit your choices",
                                     layout=widgets.Layout(width="auto"))
        self.answer = widgets.HTML(value="")
        self.button.on_click(self._show)
        intro = widgets.HTML(value="<p>Choose where it hurts and, if you can, how or when. Then press the button."
                                   "</p>")
        super().__init__(children=[intro, self.region, self.pattern, self.button, self.answer])
        self.add_class("hipcourse-where-does-it-hurt")

    def _show(self, _button=None) -> None:
        if self.region.value is None:
            self.answer.value = "<p>Please choose where it hurts first.</p>"
            return
        self.answer.value = _answer_html(self.region.value, self._pattern_id(), self.catalogue)

    def _pattern_id(self) -> str | None:
        return None if self.pattern.value == NOT_SURE else self.pattern.value

    def ranked(self) -> list[RankedCause]:
        """Return the ranked causes for the current choices (empty if no region is chosen)."""
        if self.region.value is None:
            return []
        return rank_causes(self.region.value, self._pattern_id(), catalogue=self.catalogue)

    def __repr__(self) -> str:
        # Shown as text/plain in untrusted notebooks and compared by strict nbval: keep it short and stable.
        return "[Explorer] Where does it hurt? Choose a body area and a pattern (run the cell to use it)."


def where_does_it_hurt(*, catalogue: CauseCatalogue | None = None) -> WhereDoesItHurt:
    """Return a new :class:`WhereDoesItHurt` explorer (display it as the last line of a notebook cell)."""
    return WhereDoesItHurt(catalogue=catalogue)
