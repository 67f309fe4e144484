"""The hip atlas: anatomical plates drawn by matplotlib from outline data, with computed point overlays.

Outlines (skin, bones, muscles, nerves and vessels, bursa) come from ``data/atlas/<view>.yaml`` as a few control
points per shape, drawn as smooth Catmull-Rom splines.  Shapes follow the landmarks of the body being drawn
(``anchors``), and acupoints are *always* placed by :mod:`hipcourse.geometry`, never by coordinates in the atlas
data: move a landmark and the points move with it.

Main entry points:

* :func:`draw_view` - one plate as an :class:`~hipcourse.figures.AtlasFigure` (PNG, ``<img alt>`` HTML and alt
  text in notebooks);
* :func:`explorer` - a keyboard-usable widget to pick a view, layers and points;
* :func:`proportions_demo` - number boxes for pelvis width and thigh length; landmarks move, points follow;
* :func:`write_images` - the static diagrams of ``images/`` (used by ``python -m hipcourse images``).
"""

from __future__ import annotations

from .data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import functools
import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import palette
from .figurecache import cached_figure
from .figures import AtlasFigure, new_figure

__all__ = [
    "VIEWS",
    "LAYERS",
    "DEFAULT_LAYERS",
    "AtlasDataError",
    "draw_view",
    "load_outlines",
    "place_labels",
    "LabelRequest",
    "clear_render_cache",
    "explorer",
    "proportions_demo",
    "image_specs",
    "write_images",
    "check_images",
    "images_main",
    "label_overlaps",
]

VIEWS: tuple[str, ...] = ("posterior", "anterior", "lateral")
#: Every layer, bottom to top.
LAYERS: tuple[str, ...] = ("outline", "bones", "muscles", "nerves_vessels", "bursa", "landmarks", "points",
                           "constructions")
DEFAULT_LAYERS: tuple[str, ...] = LAYERS

_LAYER_WORDS = {
    "outline": "body outline and skin creases",
    "bones": "bones",
    "muscles": "muscles",
    "nerves_vessels": "nerves and blood vessels",
    "bursa": "trochanteric bursa",
    "landmarks": "bony landmarks",
    "points": "acupressure points",
    "constructions": "construction lines",
}
_VIEW_WORDS = {
    "posterior": "Posterior view (seen from behind)",
    "anterior": "Anterior view (seen from the front)",
    "lateral": "Lateral view (right side, front of the body to the right)",
}
_KIND_LAYER_ORDER = {name: index for index, name in enumerate(LAYERS)}
_VIEW_DEFAULT = "view default"
# Construction labels get a white box so that vessels or lines under them do not make them unreadable.
_CONSTRUCTION_LABEL_STYLE = {"fontsize": 8, "color": "#6B2F55", "fontweight": "bold",
                             "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                      "alpha": 0.9}}
_STRUCTURE_LABEL_STYLE = {"fontsize": 6.5, "color": "#3A2E25", "fontstyle": "italic"}


class AtlasDataError(ValueError):
    """An outline file in ``data/atlas/`` is malformed; the message names the file, the entry and the problem."""


# ----------------------------------------------------------------------------------------------------------
# Outline data
# ----------------------------------------------------------------------------------------------------------
def _atlas_dir() -> Path:
    from .paths import data_dir

    return data_dir() / "atlas"


def _schema_path() -> Path:
    from .paths import data_dir

    return data_dir() / "schemas" / "atlas.schema.json"


@dataclass(frozen=True)
class Shape:
    """One outline shape of a view, in design coordinates (cm) before anchoring to a body."""

    id: str
    layer: str
    kind: str
    path: Any  # matplotlib.path.Path in design coordinates (right side)
    closed: bool
    mirror: bool
    anchors: tuple[str, ...]
    label: str | None = None
    label_at: tuple[float, float] | None = None
    fibres: Mapping[str, float] | None = None
    fibre_segments: Any = None  # (n, 2, 2) array of fibre hairlines inside the shape, design coordinates


@dataclass(frozen=True, eq=False)
class Outlines:
    """The parsed outline file of one view (hashed by identity: one object per loaded file)."""

    view: str
    title: str
    extent: tuple[float, float, float, float]
    size: tuple[float, float]
    landmarks: tuple[str, ...]
    default_points: tuple[str, ...]
    design_anchors: Mapping[str, tuple[float, float]]
    shapes: tuple[Shape, ...] = field(default=())


def _catmull_rom_path(points: Sequence[Sequence[float]], *, closed: bool):
    """Return a cubic-Bezier :class:`matplotlib.path.Path` through ``points`` (uniform Catmull-Rom).

    Bezier control points of the segment P1 -> P2 are P1 + (P2 - P0) / 6 and P2 - (P3 - P1) / 6, which makes the
    curve pass through every control point with a continuous tangent (no visible corners).
    """
    import numpy as np
    from matplotlib.path import Path as MplPath

    pts = np.asarray(points, dtype=float)
    n = len(pts)
    if closed:
        padded = np.vstack([pts[-1:], pts, pts[:2]])
        segments = n
    else:
        padded = np.vstack([pts[:1], pts, pts[-1:]])
        segments = n - 1
    # All segments at once (one numpy expression instead of a Python loop: outlines load in every kernel).
    p0, p1, p2, p3 = (padded[k:k + segments] for k in range(4))
    curves = np.stack([p1 + (p2 - p0) / 6.0, p2 - (p3 - p1) / 6.0, p2], axis=1).reshape(-1, 2)
    vertices = [pts[:1], curves]
    codes = [MplPath.MOVETO] + [MplPath.CURVE4] * len(curves)
    if closed:
        vertices.append(pts[:1])
        codes.append(MplPath.CLOSEPOLY)
    return MplPath(np.concatenate(vertices), codes)


def _ellipse_points(center, size, angle_deg=0.0, count=12):
    """Control points on an ellipse (the closed spline through them is a smooth ellipse)."""
    cx, cy = center
    a, b = size[0] / 2.0, size[1] / 2.0
    t = math.radians(angle_deg)
    result = []
    for k in range(count):
        u = 2 * math.pi * k / count
        x, y = a * math.cos(u), b * math.sin(u)
        result.append((cx + x * math.cos(t) - y * math.sin(t), cy + x * math.sin(t) + y * math.cos(t)))
    return result


def _fibre_segments(path, angle_deg: float, spacing: float):
    """Parallel hairlines at ``angle_deg`` every ``spacing`` cm, cut to the inside of ``path``.

    Computed once per shape when the outline file is loaded: clipping geometrically here is much cheaper than
    asking Agg to clip every line to the muscle outline at each draw.
    """
    import numpy as np

    polygon = path.to_polygons(closed_only=True)[0]
    from matplotlib.path import Path as MplPath

    outline = MplPath(polygon)
    ext = outline.get_extents()
    cx, cy = (ext.x0 + ext.x1) / 2, (ext.y0 + ext.y1) / 2
    reach = math.hypot(ext.width, ext.height) / 2 + spacing
    direction = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
    normal = np.array([-direction[1], direction[0]])
    steps = np.linspace(-reach, reach, 80)
    offsets = np.arange(-reach, reach + 1e-9, spacing)
    # Every sample of every hairline in one contains_points call; then the runs of inside samples per line.
    samples = (np.array([cx, cy]) + offsets[:, None, None] * normal + steps[None, :, None] * direction)
    inside = outline.contains_points(samples.reshape(-1, 2)).reshape(len(offsets), len(steps))
    edges = np.diff(np.pad(inside.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    segments = []
    for line in range(len(offsets)):
        starts, = np.nonzero(edges[line] == 1)
        ends, = np.nonzero(edges[line] == -1)
        for start, end in zip(starts, ends - 1):
            if end > start:
                segments.append([samples[line, start], samples[line, end]])
    return np.asarray(segments).reshape(-1, 2, 2)


def _validate(document: Any, source: str) -> None:
    # The fast schema subset of the data layer (types, required and unknown fields, enums): full jsonschema
    # validation of the outline files costs ~0.15 s per view in every kernel, so it runs in
    # `python -m hipcourse check` and the tests instead, as for every other data file.
    from .data import _light_validate

    schema = _load_schema()
    found: list = []
    _light_validate(document, schema, schema, [], found)
    if found:
        path, message = min(found, key=lambda item: [str(part) for part in item[0]])
        raise AtlasDataError(f"{source}: {_json_path(document, list(path))}: {message}")


@functools.lru_cache(maxsize=None)
def _load_schema() -> dict:
    return json.loads(_schema_path().read_text(encoding="utf-8"))


def _json_path(document: Any, parts: list) -> str:
    """Render a schema error location readably, naming shapes by id: ``shapes[femur].points``."""
    text, node = "", document
    for part in parts:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            name = entry.get("id") if isinstance(entry, dict) else None
            text += f"[{name if name else part}]"
        else:
            text += f".{part}" if text else str(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return text or "(top level)"


@functools.lru_cache(maxsize=None)
def _load_outlines_cached(view: str, directory: str) -> Outlines:
    import yaml

    from .paths import display_path

    path = Path(directory) / f"{view}.yaml"
    source = display_path(path)
    if not path.exists():
        raise AtlasDataError(f"{source}: missing outline file for view '{view}'")
    document = _load_yaml_file(path)
    _validate(document, source)
    if document["view"] != view:
        raise AtlasDataError(f"{source}: view: file is for view '{view}' but says '{document['view']}'")
    design = {key: (float(v[0]), float(v[1])) for key, v in document["design_anchors"].items()}
    shapes, seen = [], set()
    for entry in document["shapes"]:
        sid = entry["id"]
        where = f"{source}: shapes[{sid}]"
        if sid in seen:
            raise AtlasDataError(f"{where}: duplicate shape id")
        seen.add(sid)
        for anchor in entry.get("anchors", []):
            if anchor not in design:
                raise AtlasDataError(f"{where}.anchors: '{anchor}' has no entry in design_anchors")
        if ("points" in entry) == ("ellipse" in entry):
            raise AtlasDataError(f"{where}: give exactly one of 'points' or 'ellipse'")
        closed = bool(entry.get("closed", False))
        if "ellipse" in entry:
            ellipse = entry["ellipse"]
            points = _ellipse_points(ellipse["at"], ellipse["size"], ellipse.get("angle", 0.0))
            closed = True
        else:
            points = [tuple(p) for p in entry["points"]]
            if entry.get("symmetric"):
                # Control points run from the top of the midline down the +x side; add the mirrored half.
                points = points + [(-x, y) for x, y in reversed(points[1:-1])]
                closed = True
        if entry["kind"] in {"bone", "bone_detail", "muscle", "fascia", "bursa", "hole", "foramen"} and not closed:
            raise AtlasDataError(f"{where}: a '{entry['kind']}' shape must be closed (closed: true)")
        minimum = 3 if closed else 2
        if len(points) < minimum:
            raise AtlasDataError(f"{where}.points: needs at least {minimum} control points")
        label_at = tuple(entry["label_at"]) if "label_at" in entry else None
        if entry.get("label") and label_at is None:
            raise AtlasDataError(f"{where}: a label needs label_at")
        path = _catmull_rom_path(points, closed=closed)
        fibres = entry.get("fibres")
        segments = (_fibre_segments(path, float(fibres["angle"]), float(fibres.get("spacing", 1.0)))
                    if fibres else None)
        shapes.append(Shape(
            id=sid, layer=entry["layer"], kind=entry["kind"], fibre_segments=segments,
            path=path, closed=closed,
            mirror=bool(entry.get("mirror", False)), anchors=tuple(entry.get("anchors", [])),
            label=entry.get("label"), label_at=label_at, fibres=entry.get("fibres"),
        ))
    return Outlines(
        view=view, title=document["title"], extent=tuple(document["extent"]), size=tuple(document["size"]),
        landmarks=tuple(document.get("landmarks", [])), default_points=tuple(document.get("default_points", [])),
        design_anchors=design, shapes=tuple(shapes),
    )


def load_outlines(view: str) -> Outlines:
    """Return the parsed, validated outline data of ``view`` (cached; spline paths are built once).

    Raises:
        ValueError: if ``view`` is not one of :data:`VIEWS`.
        AtlasDataError: if the file is missing or malformed (the message names file, shape and problem).
    """
    _check_view(view)
    return _load_outlines_cached(view, str(_atlas_dir()))


def _default_points(view: str) -> tuple[str, ...]:
    """The ``default_points`` of a view's outline file, without building its spline paths.

    The explorer needs only this list before its first (usually cached) plate; building the paths would import
    matplotlib for nothing. A malformed file is still reported in full by :func:`load_outlines` when drawn.
    """
    _check_view(view)
    if _load_outlines_cached.cache_info().currsize:
        return load_outlines(view).default_points
    document = _load_yaml_file(_atlas_dir() / f"{view}.yaml")
    points = document.get("default_points", []) if isinstance(document, Mapping) else []
    return tuple(points) if isinstance(points, list) else load_outlines(view).default_points


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"unknown view '{view}': choose one of {', '.join(VIEWS)}")


# ----------------------------------------------------------------------------------------------------------
# Body and course adapters (the geometry and data modules own the facts; the atlas only asks)
# ----------------------------------------------------------------------------------------------------------
def _reference_body():
    from .geometry import Body

    return Body.reference()


def _xy(value) -> tuple[float, float]:
    """Coerce a geometry result (tuple, array, object with x/y or xy) to a float pair."""
    if hasattr(value, "xy"):
        value = value.xy
    elif hasattr(value, "x") and hasattr(value, "y"):
        value = (value.x, value.y)
    x, y = value
    return float(x), float(y)


def _course_of(body):
    """The course data behind ``body`` (a Body carries its Course; fall back to the default data)."""
    course = getattr(body, "course", None)
    if course is None:
        from .data import load_course

        course = load_course()
    return course


def _point_entry(body, code: str):
    points = _course_of(body).points
    if code not in points:
        raise ValueError(f"unknown point '{code}': known points are {', '.join(sorted(points))}")
    return points[code]


def _landmark_name(body, landmark_id: str) -> str:
    landmark = _course_of(body).landmarks.get(landmark_id)
    return landmark.name if landmark is not None else landmark_id


def _anchor_transform(shape: Shape, outlines: Outlines, body, view: str):
    """Per-axis affine map from design coordinates to the body's landmarks (None for the identity)."""
    return _transform_for(shape, outlines, dict(_anchor_positions(outlines, body, view)))


# ----------------------------------------------------------------------------------------------------------
# Label placement
# ----------------------------------------------------------------------------------------------------------
# Candidate offsets (in points) around an anchor, tried in order; the first free one wins.  Right and left
# first because text is wider than tall, then above/below, then diagonals, then further out.
_CANDIDATES: tuple[tuple[float, float, str, str], ...] = (
    (7, 0, "left", "center"), (-7, 0, "right", "center"), (0, 7, "center", "bottom"),
    (0, -7, "center", "top"), (6, 6, "left", "bottom"), (-6, 6, "right", "bottom"),
    (6, -6, "left", "top"), (-6, -6, "right", "top"), (14, 0, "left", "center"),
    (-14, 0, "right", "center"), (0, 14, "center", "bottom"), (0, -14, "center", "top"),
    (12, 12, "left", "bottom"), (-12, 12, "right", "bottom"), (12, -12, "left", "top"),
    (-12, -12, "right", "top"), (22, 0, "left", "center"), (-22, 0, "right", "center"),
)
# Further places for labels that get a leader line to their shape.
_FAR_CANDIDATES: tuple[tuple[float, float, str, str], ...] = (
    (0, 22, "center", "bottom"), (0, -22, "center", "top"), (20, 16, "left", "bottom"),
    (-20, 16, "right", "bottom"), (20, -16, "left", "top"), (-20, -16, "right", "top"),
    (34, 0, "left", "center"), (-34, 0, "right", "center"), (0, 32, "center", "bottom"),
    (0, -32, "center", "top"), (30, 24, "left", "bottom"), (-30, 24, "right", "bottom"),
    (30, -24, "left", "top"), (-30, -24, "right", "top"),
)


@dataclass
class LabelRequest:
    """A label to place: ``text`` next to ``xy`` (data coordinates); ``required`` labels are always drawn.

    ``leader_to`` (data coordinates) asks for a short leader line from the label to that point whenever the
    label does not sit on it, e.g. from a structure's name to the edge of the structure.
    """

    text: str
    xy: tuple[float, float]
    style: Mapping[str, Any] = field(default_factory=dict)
    required: bool = True
    centred: bool = False  # anatomy labels: try the anchor itself first
    leader_to: tuple[float, float] | None = None
    outline: bool = False  # draw from cached glyph outlines (cheap; used for the many structure labels)


# Text extents by (text, font, dpi): measuring text means laying it out with FreeType, so each distinct label is
# measured once per session instead of once per figure.
_TEXT_SIZES: dict[tuple, tuple[float, float]] = {}


def _text_size(renderer, text: str, style: Mapping[str, Any], scale: float) -> tuple[float, float]:
    """Width and height in display pixels of ``text`` drawn with ``style`` (including a bbox pad, if any)."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    bbox = style.get("bbox")
    boxstyle = str(bbox.get("boxstyle", "round,pad=0.3")) if bbox else None
    key = (text, style.get("fontsize", 10), style.get("fontweight", "normal"), style.get("fontstyle", "normal"),
           boxstyle, renderer.dpi, scale, tuple(matplotlib.rcParams["font.family"]),
           tuple(matplotlib.rcParams["font.sans-serif"]))
    cached = _TEXT_SIZES.get(key)
    if cached is not None:
        return cached
    prop = FontProperties(size=style.get("fontsize", 10), weight=style.get("fontweight", "normal"),
                          style=style.get("fontstyle", "normal"))
    width, height, _descent = renderer.get_text_width_height_descent(text, prop, ismath=False)
    # matplotlib lays a line out at least as tall as "lp" (ascender + descender): measure the same height, or
    # a label without descenders ("SH") is placed as if it were shorter than it is drawn.
    height = max(height, renderer.get_text_width_height_descent("lp", prop, ismath=False)[1])
    if boxstyle:
        # boxstyle "round,pad=p": p is in font-size units, on each side, plus the edge line.
        pad = float(boxstyle.split("pad=")[-1]) * prop.get_size_in_points()
        width += 2 * pad * scale + 2
        height += 2 * pad * scale + 2
    _TEXT_SIZES[key] = (width, height)
    return width, height


# Glyph outlines and metrics of label strings, by (text, size, weight, style): structure labels are drawn as
# filled outlines, which costs a fraction of a FreeType text draw per figure once the outline is cached.
_GLYPHS: dict[tuple, Any] = {}


def _glyph_outline(text: str, size: float, weight: str, style: str, renderer):
    """(path in points with the baseline at y=0, width px, height px, descent px) of ``text`` (cached)."""
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    key = (text, size, weight, style, renderer.dpi, tuple(matplotlib.rcParams["font.family"]),
           tuple(matplotlib.rcParams["font.sans-serif"]))
    cached = _GLYPHS.get(key)
    if cached is None:
        prop = FontProperties(size=size, weight=weight, style=style)
        width, height, descent = renderer.get_text_width_height_descent(text, prop, ismath=False)
        # Text layout is one line tall as measured on "lp" (as matplotlib does), so labels line up.
        _lw, line_height, line_descent = renderer.get_text_width_height_descent("lp", prop, ismath=False)
        height, descent = max(height, line_height), max(descent, line_descent)
        cached = (TextPath((0, 0), text, prop=prop), width, height, descent)
        _GLYPHS[key] = cached
    return cached


@functools.lru_cache(maxsize=None)
def _outline_label_class():
    """Annotation subclass drawn from cached glyph outlines (same place, size and colour as normal text)."""
    from matplotlib.colors import to_rgba
    from matplotlib.text import Annotation
    from matplotlib.transforms import Affine2D

    class OutlineLabel(Annotation):
        """A structure label: an ordinary Annotation for extents and tests, drawn from cached outlines."""

        def draw(self, renderer):
            if renderer is not None:
                self._renderer = renderer
            if not self.get_visible() or not self.get_text() or not self._check_xy(renderer):
                return
            self.update_positions(renderer)
            path, width, height, descent = _glyph_outline(
                self.get_text(), self.get_fontsize(), self.get_fontweight(), self.get_fontstyle(), renderer)
            x, y = self._get_xy_display()
            x0 = x - {"left": 0.0, "center": width / 2, "right": width}[self.get_horizontalalignment()]
            va = self.get_verticalalignment()
            y0 = y - {"bottom": 0.0, "center": height / 2, "top": height, "baseline": descent,
                      "center_baseline": descent}[va]
            scale = renderer.points_to_pixels(1.0)
            transform = Affine2D().scale(scale).translate(round(x0), round(y0 + descent))
            gc = renderer.new_gc()
            self._set_gc_clip(gc)
            gc.set_linewidth(0)
            gc.set_url(self.get_url())
            renderer.open_group("text", self.get_gid())
            renderer.draw_path(gc, path, transform, to_rgba(self.get_color(), self.get_alpha()))
            renderer.close_group("text")
            gc.restore()
            self.stale = False

    return OutlineLabel


def _boxes_overlap(a, b, pad: float = 0.0) -> bool:
    return not (a[2] + pad <= b[0] or b[2] + pad <= a[0] or a[3] + pad <= b[1] or b[3] + pad <= a[1])


def _inside(box, point, margin: float = 0.0) -> bool:
    return box[0] - margin <= point[0] <= box[2] + margin and box[1] - margin <= point[1] <= box[3] + margin


def place_labels(axes, requests: Sequence[LabelRequest], *, obstacles: Iterable[tuple] = (),
                 pad: float = 2.0, keep_inside: bool = False) -> list:
    """Place text labels so that none covers another label or any obstacle box; return the Text artists.

    Deterministic: each label tries the fixed candidate offsets of ``_CANDIDATES`` in order and keeps the
    first whose box (from the font's real text extents, measured once per string) is inside the axes and
    free of all boxes placed before it and of ``obstacles`` (display-pixel boxes ``(x0, y0, x1, y1)``, e.g.
    point markers).  A label with ``required=False`` that finds no free place is left out; a required label
    then takes the first candidate's place (and :func:`label_overlaps` will report it).  A request with
    ``leader_to`` gets a thin leader line to that point unless its label box already covers the point.
    With ``keep_inside=True`` (zoomed plates) such a fallback label is also shifted back inside the axes, so
    that no label is cut off at the edge of the frame.
    """
    figure = axes.figure
    renderer = figure.canvas.get_renderer()
    scale = figure.dpi / 72.0
    taken = [tuple(box) for box in obstacles]
    ax_box = axes.get_window_extent(renderer)
    to_display = axes.transData.transform
    placed, leaders = [], []
    for request in requests:
        anchor = to_display(request.xy)
        width, height = _text_size(renderer, request.text, request.style, scale)
        candidates = list(_CANDIDATES)
        if request.centred:
            candidates.insert(0, (0, 0, "center", "center"))
        if request.leader_to is not None:
            candidates.extend(_FAR_CANDIDATES)  # a leader line lets a label move further from its shape
        chosen = None
        for dx, dy, ha, va in candidates:
            x = anchor[0] + dx * scale
            y = anchor[1] + dy * scale
            x0 = x - {"left": 0.0, "center": width / 2, "right": width}[ha]
            y0 = y - {"bottom": 0.0, "center": height / 2, "top": height}[va]
            box = (x0, y0, x0 + width, y0 + height)
            inside = (box[0] >= ax_box.x0 and box[2] <= ax_box.x1 and box[1] >= ax_box.y0
                      and box[3] <= ax_box.y1)
            if inside and not any(_boxes_overlap(box, other, pad) for other in taken):
                chosen = (dx, dy, ha, va, box)
                break
        if chosen is None:
            if not request.required:
                continue
            dx, dy, ha, va = candidates[0]
            x0 = anchor[0] + dx * scale - {"left": 0.0, "center": width / 2, "right": width}[ha]
            y0 = anchor[1] + dy * scale - {"bottom": 0.0, "center": height / 2, "top": height}[va]
            if keep_inside:
                # Shift (in points) just enough to bring the box back inside the axes on each side.
                shift_x = max(ax_box.x0 - x0, 0.0) - max(x0 + width - ax_box.x1, 0.0)
                shift_y = max(ax_box.y0 - y0, 0.0) - max(y0 + height - ax_box.y1, 0.0)
                dx, dy = dx + shift_x / scale, dy + shift_y / scale
                x0, y0 = x0 + shift_x, y0 + shift_y
            chosen = (dx, dy, ha, va, (x0, y0, x0 + width, y0 + height))
        dx, dy, ha, va, box = chosen
        style = {"zorder": 60, **request.style}
        target = request.leader_to
        if request.outline:
            text = _outline_label_class()(request.text, request.xy, xytext=(dx, dy), textcoords="offset points",
                                          ha=ha, va=va, annotation_clip=False, **style)
            axes._add_text(text)
        else:
            text = axes.annotate(request.text, request.xy, xytext=(dx, dy), textcoords="offset points",
                                 ha=ha, va=va, annotation_clip=False, **style)
        text._hipcourse_leader = None
        if target is not None and not _inside(box, to_display(target), margin=1.0):
            text._hipcourse_leader = _leader_segment(box, to_display(target))
            leaders.append(text._hipcourse_leader)
        text._hipcourse_box = box  # display box used for placement (tests compare these)
        taken.append(box)
        placed.append(text)
    if leaders:
        # All leader lines as one collection in data coordinates (FancyArrowPatch leaders cost ~10 ms each).
        from matplotlib.collections import LineCollection

        inverse = axes.transData.inverted()
        segments = [inverse.transform(segment) for segment in leaders]
        colour = palette.ANATOMY["label"]["leader"]
        axes.add_collection(LineCollection(segments, colors=colour, linewidths=0.6, alpha=0.85, zorder=59,
                                           gid="label-leaders"), autolim=False)
    return placed


def _leader_segment(box, target) -> list[tuple[float, float]]:
    """A display-pixel segment from the edge of a label ``box`` (1 px outside) to the ``target`` point."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    tx, ty = float(target[0]), float(target[1])
    dx, dy = tx - cx, ty - cy
    half_w, half_h = (box[2] - box[0]) / 2 + 1.0, (box[3] - box[1]) / 2 + 1.0
    # Fraction of the centre->target segment that lies inside the (padded) box.
    t = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    t = min(t, 1.0)
    return [(cx + dx * t, cy + dy * t), (tx, ty)]


def label_overlaps(texts: Sequence, *, obstacles: Iterable[tuple] = ()) -> list[tuple[str, str]]:
    """Return pairs of label texts whose drawn boxes overlap each other or an obstacle (empty when tidy).

    Only the text itself counts (not a leader line, which may cross other things by design).
    """
    from matplotlib.text import Text

    boxes = []
    for text in texts:
        renderer = text.figure.canvas.get_renderer()
        if hasattr(text, "update_positions"):
            text.update_positions(renderer)  # an Annotation places its text relative to its anchor first
        extent = Text.get_window_extent(text, renderer)
        boxes.append((text.get_text(), (extent.x0, extent.y0, extent.x1, extent.y1)))
    problems = []
    obstacles = [tuple(obstacle) for obstacle in obstacles]
    for i, (name_a, box_a) in enumerate(boxes):
        for name_b, box_b in boxes[i + 1:]:
            if _boxes_overlap(box_a, box_b, -0.5):
                problems.append((name_a, name_b))
        for obstacle in obstacles:
            if _boxes_overlap(box_a, obstacle, -0.5):
                problems.append((name_a, "marker"))
    return problems


# ----------------------------------------------------------------------------------------------------------
# Drawing the anatomy: cached draw commands, one light artist per layer, a pixel cache for repeated renders
# ----------------------------------------------------------------------------------------------------------
# Why not one PathPatch per shape: building ~100 patches (each with its own transforms and clip set-up) cost
# more than drawing them.  Each layer is instead one artist that sends its cached paths straight to the
# renderer, and the paths of a layer are computed once per (view, layer, landmark positions).
@dataclass(frozen=True)
class _Stroke:
    """One primitive of an anatomy layer: a path in data coordinates (cm) with its fill and line style."""

    path: Any
    face: tuple | None = None  # RGBA fill, or None for no fill
    edge: tuple | None = None  # RGBA line colour, or None for no outline
    linewidth: float = 1.0  # points
    dashes: tuple = (0.0, None)  # (offset, on/off sequence in points) as GraphicsContextBase.set_dashes takes
    capstyle: str = "butt"
    hatch: str | None = None
    hatch_colour: tuple | None = None


@dataclass(frozen=True)
class _StructureLabel:
    """A structure label: text, where the outline data puts it, and the shape's paths (with mirror copy).

    ``target`` (the nearest point of the shape, for the leader line) and ``bounds`` are worked out only when a
    plate places labels: the unlabelled diagrams of the locate quizzes never need them, and the exact extents
    of spline paths are slow to compute.
    """

    text: str
    at: tuple[float, float]
    paths: tuple = ()
    closed: bool = True

    @functools.cached_property
    def target(self) -> tuple[float, float]:
        # Point the leader line at the copy of the shape on the label's side of the midline.
        side = self.paths[1] if len(self.paths) > 1 and self.at[0] < 0 else self.paths[0]
        return _nearest_on_shape(side, self.closed, self.at)

    @functools.cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, xmax, ymin, ymax)`` of the shape and its mirror copy."""
        boxes = [path.get_extents() for path in self.paths]
        return (min(b.x0 for b in boxes), max(b.x1 for b in boxes), min(b.y0 for b in boxes),
                max(b.y1 for b in boxes))


@dataclass(frozen=True)
class _LayerGeometry:
    """Everything one anatomy layer draws for one set of landmark positions (cached)."""

    strokes: tuple
    names: tuple[str, ...]  # labelled structures, in drawing order (for the alt text)
    labels: tuple[_StructureLabel, ...]
    kinds: frozenset


def _rgba(colour, alpha: float | None = None) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(colour, alpha)


def _rgb(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return to_rgb(colour)


def _dash_pattern(style, linewidth: float) -> tuple:
    """(offset, sequence) in points for a line style, scaled by line width as matplotlib does for lines."""
    import matplotlib

    if style in (None, "-", "solid"):
        return (0.0, None)
    if isinstance(style, str):
        key = {"--": "lines.dashed_pattern", "-.": "lines.dashdot_pattern", ":": "lines.dotted_pattern"}[style]
        offset, sequence = 0.0, list(matplotlib.rcParams[key])
    else:
        offset, sequence = style
    scale = linewidth if matplotlib.rcParams["lines.scale_dashes"] else 1.0
    return (offset * scale, tuple(value * scale for value in sequence))


def _shape_strokes(shape: Shape, paths, fibres) -> list:
    """The draw primitives of one shape (right side and, if mirrored, left side), bottom to top."""
    import numpy as np
    from matplotlib.path import Path as MplPath

    style = palette.ANATOMY
    kind = shape.kind
    strokes = []
    for index, path in enumerate(paths):
        if kind == "skin":
            s = style["skin"]
            # Fill the closed region; stroke only the contour (not the closing line along the midline).
            closed = MplPath(np.vstack([path.vertices, path.vertices[:1]]), list(path.codes) + [MplPath.CLOSEPOLY])
            strokes.append(_Stroke(closed, face=_rgba(s["face"])))
            strokes.append(_Stroke(path, edge=_rgba(s["edge"]), linewidth=s["linewidth"]))
        elif kind == "crease":
            s = style["crease"]
            strokes.append(_Stroke(path, edge=_rgba(s["edge"]), linewidth=s["linewidth"],
                                   dashes=_dash_pattern(s["linestyle"], s["linewidth"])))
        elif kind in ("bone", "bone_detail"):
            s = style[kind]
            strokes.append(_Stroke(path, face=_rgba(s["face"]), edge=_rgba(s["edge"]), linewidth=s["linewidth"]))
        elif kind in ("hole", "foramen"):
            face = style["skin"]["face"] if kind == "hole" else style["foramen"]["face"]
            strokes.append(_Stroke(path, face=_rgba(face), edge=_rgba(style["bone"]["edge"]), linewidth=0.8))
        elif kind == "ridge":
            strokes.append(_Stroke(path, edge=_rgba(style["bone"]["edge"]), linewidth=1.6,
                                   dashes=_dash_pattern((0, (1.5, 1.5)), 1.6)))
        elif kind == "ligament":
            s = style["ligament"]
            strokes.append(_Stroke(path, edge=_rgba(s["edge"]), linewidth=s["linewidth"],
                                   dashes=_dash_pattern(s["linestyle"], s["linewidth"])))
        elif kind in ("muscle", "fascia"):
            s = style["muscle"]
            if kind == "muscle":
                face, edge = _rgba(s["face"], s["alpha"]), _rgba(s["edge"])
            else:
                face, edge = _rgba(style["fascia"]["face"], style["fascia"]["alpha"]), _rgba(style["fascia"]["edge"])
            strokes.append(_Stroke(path, face=face, edge=edge, linewidth=s["linewidth"]))
            if fibres is not None and index < len(fibres) and len(fibres[index]):
                # All fibre hairlines of the muscle as one compound path: one draw call instead of dozens.
                segments = fibres[index]
                vertices = segments.reshape(-1, 2)
                codes = np.tile([MplPath.MOVETO, MplPath.LINETO], len(segments))
                strokes.append(_Stroke(MplPath(vertices, codes), edge=_rgba(s["edge"], s["fibre_alpha"]),
                                       linewidth=0.45))
        elif kind in ("nerve", "artery", "vein"):
            s = style[kind]
            # A dark casing under the coloured line keeps yellow nerves visible on light skin.
            strokes.append(_Stroke(path, edge=_rgba(s["casing"]), linewidth=s["linewidth"] + 1.4,
                                   capstyle="round"))
            strokes.append(_Stroke(path, edge=_rgba(s["edge"]), linewidth=s["linewidth"],
                                   dashes=_dash_pattern(s["linestyle"], s["linewidth"])))
        elif kind == "bursa":
            s = style["bursa"]
            strokes.append(_Stroke(path, face=_rgba(s["face"], s["alpha"]), edge=_rgba(s["edge"]),
                                   linewidth=s["linewidth"], hatch=s["hatch"], hatch_colour=_rgba(s["edge"])))
        else:  # pragma: no cover - the schema restricts kinds
            raise AtlasDataError(f"shape '{shape.id}': unknown kind '{kind}'")
    return strokes


def _nearest_on_shape(path, closed: bool, xy: tuple[float, float]) -> tuple[float, float]:
    """``xy`` itself if it lies inside a closed shape, else the nearest point of the shape's outline."""
    import numpy as np

    polygons = path.to_polygons(closed_only=False)
    if not polygons:
        return xy
    if closed and path.contains_point(xy):
        return xy
    best, best_distance = xy, math.inf
    point = np.asarray(xy, float)
    for polygon in polygons:
        starts, ends = polygon[:-1], polygon[1:]
        direction = ends - starts
        lengths = (direction ** 2).sum(axis=1)
        lengths[lengths == 0] = 1.0
        t = np.clip(((point - starts) * direction).sum(axis=1) / lengths, 0.0, 1.0)
        nearest = starts + direction * t[:, None]
        distances = np.hypot(*(nearest - point).T)
        k = int(np.argmin(distances))
        if distances[k] < best_distance:
            best, best_distance = (float(nearest[k][0]), float(nearest[k][1])), float(distances[k])
    return best


def _anchor_positions(outlines: Outlines, body, view: str) -> tuple:
    """The body's positions of every design anchor of the view: the cache key of the anatomy geometry."""
    positions = []
    for anchor in outlines.design_anchors:
        try:
            positions.append((anchor, _xy(body.landmark(anchor, view))))
        except Exception:
            positions.append((anchor, None))  # the shape will keep its design position
    return tuple(positions)


def _transform_for(shape: Shape, outlines: Outlines, positions: Mapping[str, Any]):
    """Per-axis affine map from design coordinates to the given landmark positions (None for identity)."""
    from matplotlib.transforms import Affine2D

    anchors = [a for a in shape.anchors if positions.get(a) is not None]
    if not anchors:
        return None
    actual = [positions[a] for a in anchors]
    design = [outlines.design_anchors[a] for a in anchors]
    scale, shift = [1.0, 1.0], [0.0, 0.0]
    for axis in (0, 1):
        d0, a0 = design[0][axis], actual[0][axis]
        if len(design) == 2 and abs(design[1][axis] - d0) > 1.0:
            # Two anchors far apart on this axis: stretch so both anchors land on the body's landmarks.
            scale[axis] = (actual[1][axis] - a0) / (design[1][axis] - d0)
        shift[axis] = a0 - scale[axis] * d0
    if scale == [1.0, 1.0] and shift == [0.0, 0.0]:
        return None
    return Affine2D().scale(scale[0], scale[1]).translate(shift[0], shift[1])


@functools.lru_cache(maxsize=96)
def _layer_geometry(outlines: Outlines, layer: str, positions: tuple, mirror_side: bool) -> _LayerGeometry:
    """Paths, styles and label anchors of one layer for one set of landmark positions (cached)."""
    from matplotlib.transforms import Affine2D

    lookup = dict(positions)
    mirror = Affine2D().scale(-1.0, 1.0)
    strokes, names, labels, kinds = [], [], [], set()
    for shape in outlines.shapes:
        if shape.layer != layer:
            continue
        transform = _transform_for(shape, outlines, lookup)
        path = shape.path if transform is None else shape.path.transformed(transform)
        paths = [path]
        if shape.mirror and mirror_side:
            paths.append(path.transformed(mirror))
        fibres = None
        if shape.fibre_segments is not None and len(shape.fibre_segments):
            flat = shape.fibre_segments.reshape(-1, 2)
            if transform is not None:
                flat = transform.transform(flat)
            fibres = [flat.reshape(-1, 2, 2)]
            if shape.mirror and mirror_side:
                fibres.append((flat * [-1.0, 1.0]).reshape(-1, 2, 2))
        strokes.extend(_shape_strokes(shape, paths, fibres))
        kinds.add(shape.kind)
        if shape.label:
            at = shape.label_at
            if transform is not None:
                at = tuple(float(v) for v in transform.transform(at))
            labels.append(_StructureLabel(shape.label, (float(at[0]), float(at[1])), tuple(paths), shape.closed))
            if shape.label not in names:
                names.append(shape.label)
    return _LayerGeometry(strokes=tuple(strokes), names=tuple(names), labels=tuple(labels),
                          kinds=frozenset(kinds))


# Rendered anatomy (figure background plus every anatomy layer) by figure geometry and landmark positions.
# A notebook or the explorer often redraws the same view with other points or a new highlight: the anatomy
# is then copied back as pixels (Agg blitting) instead of being rasterised again.  Vector outputs (SVG, PDF)
# and any other raster size always draw the paths.  Each entry is one RGBA copy of the figure (about 6 MB).
_PIXEL_CACHE: "dict[tuple, Any]" = {}
_PIXEL_CACHE_SIZE = 6


def clear_render_cache() -> None:
    """Forget the cached anatomy pixels and layer geometry (e.g. after editing ``data/atlas`` in a session)."""
    _PIXEL_CACHE.clear()
    _layer_geometry.cache_clear()
    _TEXT_SIZES.clear()
    _GLYPHS.clear()


class _StaticAnatomy:
    """The anatomy layers of one figure; decides per render whether to draw vectors or restore pixels."""

    def __init__(self, key: tuple) -> None:
        self.key = key
        self.layers: list = []
        self._restored = False

    def _cache_key(self, artist, renderer) -> tuple | None:
        """Key of this figure's anatomy pixels, or None when pixels may not be reused for this render."""
        from matplotlib.backends.backend_agg import RendererAgg

        if not isinstance(renderer, RendererAgg):
            return None  # vector output (SVG, PDF) always draws the paths
        axes, figure = artist.axes, artist.figure
        top = max(layer.get_zorder() for layer in self.layers)
        ours = set(map(id, self.layers))
        for child in list(axes._children) + [axes.legend_]:
            # Something the course did not put there, drawn under the anatomy: do not cache or reuse.
            if child is not None and id(child) not in ours and child.get_visible() and child.get_zorder() <= top:
                return None
        if axes.axison or any(not layer.get_visible() for layer in self.layers):
            return None
        figure_patch = figure.patch
        return (self.key, renderer.width, renderer.height, figure.dpi, tuple(axes.bbox.bounds),
                tuple(axes.viewLim.bounds), tuple(figure_patch.get_facecolor()), figure_patch.get_visible())

    def draw_layer(self, artist, renderer) -> None:
        first, last = artist is self.layers[0], artist is self.layers[-1]
        if first:
            self._restored = False
            key = self._cache_key(artist, renderer)
            region = _PIXEL_CACHE.pop(key, None) if key is not None else None
            if region is not None:
                _PIXEL_CACHE[key] = region  # most recently used goes last
                renderer.restore_region(region)
                self._restored = True
        if self._restored:
            return
        artist.draw_vectors(renderer)
        if last:
            key = self._cache_key(artist, renderer)
            if key is not None:
                _PIXEL_CACHE[key] = renderer.copy_from_bbox(artist.figure.bbox)
                while len(_PIXEL_CACHE) > _PIXEL_CACHE_SIZE:
                    _PIXEL_CACHE.pop(next(iter(_PIXEL_CACHE)))


@functools.lru_cache(maxsize=None)
def _layer_artist_class():
    """The artist class of an anatomy layer (made on first use so that importing atlas stays light)."""
    from matplotlib.artist import Artist

    class AnatomyLayer(Artist):
        """One anatomy layer (e.g. ``bones``) of an atlas figure: cached paths drawn straight to the renderer."""

        def __init__(self, layer: str, geometry: _LayerGeometry, group: _StaticAnatomy, *, zorder: float):
            super().__init__()
            self.layer = layer
            self.geometry = geometry
            self._group = group
            self.set_zorder(zorder)
            self.set_gid(f"anatomy-{layer}")

        def draw(self, renderer):
            if not self.get_visible():
                return
            self._group.draw_layer(self, renderer)
            self.stale = False

        def draw_vectors(self, renderer):
            transform = self.axes.transData
            clip = self.axes.bbox
            renderer.open_group(self.get_gid(), gid=self.get_gid())
            for stroke in self.geometry.strokes:
                gc = renderer.new_gc()
                gc.set_clip_rectangle(clip)
                gc.set_joinstyle("round")
                gc.set_capstyle(stroke.capstyle)
                if stroke.edge is None:
                    gc.set_foreground((0.0, 0.0, 0.0, 0.0), isRGBA=True)
                    gc.set_linewidth(0)
                else:
                    gc.set_foreground(stroke.edge, isRGBA=True)
                    gc.set_linewidth(stroke.linewidth)
                    gc.set_dashes(*stroke.dashes)
                if stroke.hatch:
                    gc.set_hatch(stroke.hatch)
                    gc.set_hatch_color(stroke.hatch_colour)
                renderer.draw_path(gc, stroke.path, transform, stroke.face)
                gc.restore()
            renderer.close_group(self.get_gid())

    return AnatomyLayer


def _add(axes, artist):
    """Add an artist without updating data limits (the view extent is fixed)."""
    axes.add_artist(artist)
    return artist


_KIND_LEGEND = {"nerve": "nerve (yellow, dash-dot)", "artery": "artery (red, solid)", "vein": "vein (blue, dashed)"}


def _resolve_points(view: str, body, points) -> list[str]:
    outlines = load_outlines(view)
    if points == _VIEW_DEFAULT or points is None:
        wanted = list(outlines.default_points)
        explicit = False
    else:
        wanted = [points] if isinstance(points, str) else list(points)
        explicit = True
    result = []
    for code in wanted:
        try:
            body.point(code, view)
        except Exception as error:  # the geometry module decides which points exist in which view
            if explicit:
                raise ValueError(f"point '{code}' cannot be drawn in the {view} view: {error}") from error
            continue
        result.append(code)
    return result


def _relation_words(point: tuple[float, float], ref: tuple[float, float], view: str, ref_name: str) -> str:
    """Describe ``point`` relative to landmark ``ref`` in plain words, in cm rounded to 0.1."""
    dx, dy = point[0] - ref[0], point[1] - ref[1]
    parts = []
    if abs(dx) >= 0.05:
        if view == "lateral":
            parts.append(f"{abs(dx):.1f} cm {'in front of' if dx > 0 else 'behind'}")
        else:
            parts.append(f"{abs(dx):.1f} cm {'further from the midline than' if dx > 0 else 'closer to the midline than'}")
    if abs(dy) >= 0.05:
        parts.append(f"{abs(dy):.1f} cm {'above' if dy > 0 else 'below'}")
    if not parts:
        return f"at {ref_name}"
    return " and ".join(parts) + f" {ref_name}"


def _point_landmarks(code: str, view: str, body, xy, candidates: Sequence[str]) -> list[tuple[str, tuple]]:
    """Landmarks to describe a point by: those named in points.yaml (if drawn in this view), else the 2 nearest."""
    chosen = []
    try:
        named = list(_point_entry(body, code).raw.get("landmarks") or [])
    except Exception:
        named = []
    for landmark_id in named:
        try:
            chosen.append((landmark_id, _xy(body.landmark(landmark_id, view))))
        except Exception:
            continue
    if not chosen:
        located = []
        for landmark_id in candidates:
            try:
                located.append((landmark_id, _xy(body.landmark(landmark_id, view))))
            except Exception:
                continue
        located.sort(key=lambda item: (math.hypot(item[1][0] - xy[0], item[1][1] - xy[1]), item[0]))
        chosen = located[:2]
    return chosen[:3]


def _alternative_entries(body, code: str) -> list[Any]:
    return list(_point_entry(body, code).alternatives)


def _point_title(body, code: str) -> str:
    try:
        entry = _point_entry(body, code)
    except ValueError:
        return code
    pinyin = entry.pinyin
    return f"{code} {pinyin}" if pinyin else code


def _get_construction(body, code: str, view: str, variant: str | None):
    return list(body.construction(code, view, variant=variant))


def _step_inputs(step) -> list[tuple[str, tuple[float, float]]]:
    """The named input positions of a construction step (names kept for labels)."""
    names = list(getattr(step, "inputs", ()) or ())
    points = list(getattr(step, "points", ()) or ())
    return [(names[i] if i < len(names) else "", _xy(xy)) for i, xy in enumerate(points)]


def _fraction_of(step) -> Fraction | None:
    t = getattr(step, "fraction", None)
    if t is None:
        return None
    return Fraction(float(t)).limit_denominator(12)


# Step numbers on construction plates: white digits on the construction colour, so that "1", "2", "3" read as
# badges that match the numbered steps of the alt text (and are not mistaken for measurements).
_STEP_BADGE_STYLE = {"fontsize": 8, "color": "#FFFFFF", "fontweight": "bold",
                     "bbox": {"boxstyle": "round,pad=0.2", "facecolor": "#6B2F55", "edgecolor": "none"}}
_RULER_NUMBER_STYLE = {"fontsize": 6.5, "color": "#000000"}


def _is_plain_id(name: str) -> bool:
    """True for a bare landmark or point id (``GT``), False for a derived input (``level(MSC, S4F)``)."""
    return bool(name) and name.replace("_", "").isalnum()


def _lower_first(text: str) -> str:
    """``Greater trochanter`` -> ``greater trochanter`` inside a sentence; ``L2 ...`` and ``PSIS`` stay as they are."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _draw_construction(axes, body, code: str, view: str, *, variant=None, colour=None, zorder=30.0,
                       labels: list) -> list[str]:
    """Draw the trace of a point's construction with numbered steps; return the steps in words.

    Step 1 finds the landmarks the construction starts from, each geometric step (a line with its fraction
    ticks, an offset with its B-cun ruler, a level line) gets the next number, and the last number sits beside
    the point itself.  The numbers are drawn as badges next to each element and match the returned words, which
    the alt text lists as "1. ...; 2. ...".
    """
    import numpy as np

    style = palette.ANATOMY["construction"]
    colour = colour or style["colour"]
    steps = _get_construction(body, code, view, variant)
    results = {str(step.label) for step in steps}
    starts: dict[str, tuple[float, float]] = {}
    for step in steps:
        for name, xy in _step_inputs(step):
            if _is_plain_id(name) and name not in results and name not in starts:
                starts[name] = xy
    words = []

    def badge(number: int, xy) -> None:
        # Not required: in a crowded plate a badge moves further out with a leader line instead of covering text.
        at = (float(xy[0]), float(xy[1]))
        labels.append(LabelRequest(str(number), at, style=_STEP_BADGE_STYLE, required=False, leader_to=at))

    if starts:
        words.append("find " + " and ".join(f"{name}, the {_lower_first(_landmark_name(body, name))},"
                                             for name in starts).rstrip(","))
        for xy in starts.values():
            badge(len(words), xy)
    for step in steps:
        kind = str(step.kind).lower()
        inputs = _step_inputs(step)
        result = _xy(step.xy) if step.xy is not None else None
        words.append(str(step.label) if step.label else kind)
        number = len(words)
        if kind in ("lerp", "mid") and len(inputs) >= 2:
            (name_a, a), (name_b, b) = inputs[0], inputs[1]
            fraction = Fraction(1, 2) if kind == "mid" else _fraction_of(step)
            if fraction is None and result is not None:
                total = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
                fraction = Fraction(math.hypot(result[0] - a[0], result[1] - a[1]) / total).limit_denominator(12)
            axes.plot([a[0], b[0]], [a[1], b[1]], color=colour, linewidth=style["linewidth"],
                      linestyle=style["linestyle"], zorder=zorder)
            direction = np.array([b[0] - a[0], b[1] - a[1]])
            length = float(np.hypot(*direction)) or 1.0
            normal = np.array([-direction[1], direction[0]]) / length * 0.7
            if fraction is not None and 0 < fraction < 1:
                denominator = fraction.denominator
                for k in range(1, denominator):
                    tick = np.array(a) + direction * k / denominator
                    axes.plot([tick[0] - normal[0], tick[0] + normal[0]], [tick[1] - normal[1], tick[1] + normal[1]],
                              color=colour, linewidth=1.6, zorder=zorder + 0.1)
                    if Fraction(k, denominator) == fraction:
                        labels.append(LabelRequest(f"{fraction.numerator}/{fraction.denominator}",
                                                   (float(tick[0] + normal[0] * 1.6), float(tick[1] + normal[1] * 1.6)),
                                                   style=_CONSTRUCTION_LABEL_STYLE,
                                                   required=False, centred=True))
            # The badge sits on the far (un-ticked) part of the line, away from the point and its label.
            badge(number, np.array(a) + direction * 0.7)
        elif kind == "offset" and inputs and result is not None:
            start = inputs[0][1]
            axes.annotate("", result, xytext=start, arrowprops={"arrowstyle": "-|>", "color": colour,
                                                                  "linewidth": style["linewidth"]},
                          zorder=zorder)
            scale_id = step.scale
            cun = sum(abs(v) for v in (step.offset or {}).values()) if step.offset else None
            if scale_id:
                try:
                    cm_per_cun = float(body.cun(scale_id))
                except Exception:
                    cm_per_cun = None
                if cm_per_cun:
                    _draw_ruler(axes, start, result, cm_per_cun, zorder=zorder + 0.2)
                    distance = math.hypot(result[0] - start[0], result[1] - start[1]) / cm_per_cun
                    cun = cun or distance
            middle = ((start[0] + result[0]) / 2, (start[1] + result[1]) / 2)
            if cun:
                labels.append(LabelRequest(f"{float(cun):g} B-cun", middle,
                                           style=_CONSTRUCTION_LABEL_STYLE,
                                           required=False))
            badge(number, ((start[0] * 3 + result[0]) / 4, (start[1] * 3 + result[1]) / 4))
        elif kind in ("level", "horizontal", "vertical", "intersect", "line") and inputs and result is not None:
            for _, xy in inputs:
                axes.plot([xy[0], result[0]], [xy[1], result[1]], color=colour, linewidth=1.0,
                          linestyle=(0, (2, 2)), zorder=zorder)
            badge(number, result)
    final = _xy(body.point(code, view, variant=variant)) if variant else _xy(body.point(code, view))
    words.append(f"{code} lies at the end of the last step")
    badge(len(words), final)
    return [f"{index}. {text}" for index, text in enumerate(words, start=1)]


def _draw_ruler(axes, start, end, cm_per_cun: float, *, zorder: float) -> list:
    """A B-cun ruler along ``start -> end``: a tick every cun, numbered; return the number texts.

    The numbers (0, 1, 2 ... from the start) sit beyond the ticks; when whole cun are closer than 16 display
    pixels only every other one is numbered, so that the digits never touch.  Returned so that the caller can
    keep other labels off them.
    """
    import numpy as np
    from matplotlib.collections import LineCollection

    start, end = np.asarray(start, float), np.asarray(end, float)
    direction = end - start
    length = float(np.hypot(*direction))
    if length == 0:
        return []
    unit = direction / length
    normal = np.array([-unit[1], unit[0]])
    count = int(math.floor(length / cm_per_cun + 1e-9))
    segments = []
    for k in range(count + 1):
        base = start + unit * k * cm_per_cun - normal * 0.9
        segments.append([tuple(base), tuple(base - normal * 0.6)])
    segments.append([tuple(start - normal * 0.9), tuple(end - normal * 0.9)])
    colour = palette.ANATOMY["ruler"]["colour"]
    axes.add_collection(LineCollection(segments, colors=colour, linewidths=0.9, zorder=zorder), autolim=False)
    to_display = axes.transData.transform
    spacing = float(np.hypot(*(to_display(start + unit * cm_per_cun) - to_display(start))))
    every = 1 if spacing >= 16 else 2
    texts = []
    for k in range(0, count + 1, every):
        at = start + unit * k * cm_per_cun - normal * 2.1
        texts.append(axes.text(float(at[0]), float(at[1]), str(k), ha="center", va="center", zorder=zorder,
                               clip_on=True, **_RULER_NUMBER_STYLE))
    return texts


def draw_view(view: str, *, layers: Sequence[str] = DEFAULT_LAYERS, points="view default", labels: bool = True,
              constructions: Sequence[str] = (), alternatives: Sequence[str] = (), highlight: str | None = None,
              body=None, title: str | None = None, size: tuple[float, float] | None = None,
              extent: Sequence[float] | None = None, focus: Sequence[str] | None = None,
              focus_margin: float = 4.0) -> AtlasFigure:
    """Draw one atlas plate and return it as an :class:`~hipcourse.figures.AtlasFigure`.

    Args:
        view: ``"posterior"``, ``"anterior"`` or ``"lateral"``.
        layers: layers to draw, any of :data:`LAYERS` (drawn bottom to top in that fixed order).
        points: ``"view default"`` (the view's usual points), a list of codes, or ``()`` for none.
        labels: label structures, landmarks and points (labels never cover a point or each other).
        constructions: codes whose WHO construction is drawn (lines, fraction ticks, B-cun ruler).
        alternatives: codes whose alternative locations from other sources are drawn with their own
            markers and a legend naming the source.
        highlight: a code drawn larger with a ring, e.g. the point a lesson is about.
        body: a :class:`hipcourse.geometry.Body` (default: the reference body).
        title: figure title (default: the view title from the outline data).
        size: figure size in inches (default from the outline data, or from the frame when zoomed).
        extent: ``(xmin, xmax, ymin, ymax)`` in cm: show only this part of the view (a zoomed plate).
        focus: landmark ids and point codes to frame, e.g. ``["GT", "SH", "GB30"]``: the plate shows the box
            around them plus ``focus_margin`` cm on every side (combined with ``extent`` if both are given).
        focus_margin: the margin in cm around the ``focus`` items.

    A zoomed plate keeps the scale of the full view (the same cm per inch, so text and markers keep their
    size): the figure is only as large as the framed area, which makes it quicker to draw and to read.
    Outlines are clipped at the frame, labels stay inside it, landmarks outside it are left out, and the alt
    text says which part of the view is shown.

    A call with plain arguments (no ``body``) that a lesson makes is usually served from the figure cache
    (:mod:`hipcourse.figurecache`): the same picture, without drawing it again.

    Raises:
        ValueError: for an unknown view or layer, a point that cannot be drawn in this view, an unknown focus
            id or a malformed extent.
    """
    params = {"view": view, "layers": list(layers), "points": points if isinstance(points, str) else list(points),
              "labels": labels, "constructions": list(constructions), "alternatives": list(alternatives),
              "highlight": highlight, "title": title, "size": size, "extent": extent,
              "focus": None if focus is None else list(focus), "focus_margin": focus_margin}
    if body is not None:  # a learner's own measurements: always drawn
        return _draw_view(body=body, **params)
    return cached_figure("hipcourse.atlas:draw_view", params, lambda: _draw_view(**params))


def _draw_view(view: str, *, layers: Sequence[str] = DEFAULT_LAYERS, points="view default", labels: bool = True,
              constructions: Sequence[str] = (), alternatives: Sequence[str] = (), highlight: str | None = None,
              body=None, title: str | None = None, size: tuple[float, float] | None = None,
              extent: Sequence[float] | None = None, focus: Sequence[str] | None = None,
              focus_margin: float = 4.0) -> AtlasFigure:
    """Draw the plate of :func:`draw_view` (never from the figure cache)."""
    _check_view(view)
    unknown = [layer for layer in layers if layer not in LAYERS]
    if unknown:
        raise ValueError(f"unknown layer(s) {', '.join(map(repr, unknown))}: choose from {', '.join(LAYERS)}")
    layers = [layer for layer in LAYERS if layer in set(layers)]
    body = body if body is not None else _reference_body()
    outlines = load_outlines(view)
    codes = _resolve_points(view, body, points) if "points" in layers else []
    if highlight is not None and highlight not in codes and "points" in layers:
        codes = _resolve_points(view, body, [highlight]) + codes
    from matplotlib.lines import Line2D

    frame = _frame(view, outlines, body, extent=extent, focus=focus, margin=focus_margin)
    plate_title = title if title is not None else outlines.title
    if frame is None:
        figure = new_figure(size=tuple(size or outlines.size))
        axes = figure.add_axes((0.01, 0.01, 0.98, 0.95))
        xmin, xmax, ymin, ymax = outlines.extent
        figure.suptitle(plate_title, fontsize=12, y=0.985)
    else:
        xmin, xmax, ymin, ymax = frame
        figure, axes = _framed_figure(outlines, frame, plate_title, size=size)
    axes.set_xlim(xmin, xmax)
    axes.set_ylim(ymin, ymax)
    axes.set_aspect("equal", adjustable="box")
    axes.set_axis_off()

    def in_frame(xy, inset: float = 0.0) -> bool:
        return frame is None or (xmin + inset <= xy[0] <= xmax - inset and ymin + inset <= xy[1] <= ymax - inset)
    mirror_side = view in ("posterior", "anterior")
    label_requests: list[LabelRequest] = []
    anatomy_labels: list[LabelRequest] = []
    drawn_layers = []
    kinds_drawn = set()

    # -- anatomy layers -------------------------------------------------------------------------------
    positions = _anchor_positions(outlines, body, view)
    static_layers = tuple(layer for layer in ("outline", "bones", "muscles", "nerves_vessels", "bursa")
                          if layer in layers)
    group = _StaticAnatomy((outlines.view, id(outlines), static_layers, positions, mirror_side))
    layer_class = _layer_artist_class()
    structures: dict[str, tuple[str, ...]] = {}
    for layer in ("outline", "bones", "muscles", "nerves_vessels", "bursa"):
        if layer not in layers:
            continue
        geometry = _layer_geometry(outlines, layer, positions, mirror_side)
        if not geometry.strokes:
            continue
        artist = _add(axes, layer_class(layer, geometry, group, zorder=1.0 + _KIND_LAYER_ORDER[layer] * 2.0))
        group.layers.append(artist)
        kinds_drawn |= geometry.kinds
        if frame is None:
            structures[layer] = geometry.names
        else:
            # A zoomed plate describes only the structures that reach into its frame.
            structures[layer] = tuple(dict.fromkeys(
                item.text for item in geometry.labels
                if item.bounds[0] <= xmax and item.bounds[1] >= xmin and item.bounds[2] <= ymax
                and item.bounds[3] >= ymin))
        drawn_layers.append(layer)
        if labels:
            for item in geometry.labels:
                if not in_frame(item.at):
                    continue  # its structure is (mostly) outside the zoomed frame
                anatomy_labels.append(LabelRequest(item.text, item.at, style=_STRUCTURE_LABEL_STYLE,
                                                   required=False, centred=True, leader_to=item.target,
                                                   outline=True))

    obstacles = []  # display boxes of point and landmark markers: no label may cover one

    def marker_box(xy, size_pt):
        px = axes.transData.transform(xy)
        half = size_pt * figure.dpi / 72.0 / 2 + 1.0
        return (px[0] - half, px[1] - half, px[0] + half, px[1] + half)

    # -- landmarks ---------------------------------------------------------------------------------------
    landmark_positions = {}
    if "landmarks" in layers:
        style = palette.ANATOMY["landmark"]
        for landmark_id in outlines.landmarks:
            try:
                xy = _xy(body.landmark(landmark_id, view))
            except Exception:
                continue  # a landmark the geometry module does not define in this view
            if not in_frame(xy, inset=0.8):
                continue  # outside the zoomed frame (or cut by its edge): neither drawn nor described
            landmark_positions[landmark_id] = xy
            obstacles.append(marker_box(xy, style["size"]))
            if labels:
                label_requests.append(LabelRequest(landmark_id, xy, style={"fontsize": 7.5, "color": "#000000",
                                                                           "fontweight": "bold"}))
        if landmark_positions:
            # One line artist for all landmark crosses (one draw call).
            xs, ys = zip(*landmark_positions.values())
            axes.add_line(Line2D(xs, ys, marker=style["marker"], color=style["colour"], markersize=style["size"],
                                 markeredgewidth=1.4, zorder=40, linestyle="none"))
            drawn_layers.append("landmarks")

    # -- constructions --------------------------------------------------------------------------------------
    construction_words: dict[str, list[str]] = {}
    if "constructions" in layers:
        for code in constructions:
            try:
                construction_words[code] = _draw_construction(axes, body, code, view, labels=label_requests)
            except Exception as error:
                raise ValueError(f"cannot draw the construction of '{code}' in the {view} view: {error}") from error
        if constructions:
            drawn_layers.append("constructions")

    # -- points -----------------------------------------------------------------------------------------
    points_drawn: dict[str, tuple[float, float]] = {}
    legend_handles = []
    variant_descriptions = []
    if "points" in layers:
        for code in codes:
            xy = _xy(body.point(code, view))
            points_drawn[code] = xy
            ps = palette.point_style(code)
            size_pt = ps.size * (1.5 if code == highlight else 1.0)
            handle = axes.add_line(Line2D([xy[0]], [xy[1]], marker=ps.marker, color=ps.colour,
                                          markersize=size_pt, markeredgecolor="#000000", markeredgewidth=1.0,
                                          linestyle="none", zorder=50,
                                          label=f"{code} (standard location, WHO 2008)"))
            if code == highlight:
                axes.add_line(Line2D([xy[0]], [xy[1]], marker="o", markersize=size_pt * 1.9,
                                     markerfacecolor="none", markeredgecolor="#000000", markeredgewidth=1.4,
                                     linestyle="none", zorder=49))
            obstacles.append(marker_box(xy, size_pt * (1.9 if code == highlight else 1.0)))
            if labels and in_frame(xy):
                label_requests.insert(0, LabelRequest(code, xy, style={"fontsize": 8.5, "fontweight": "bold",
                                                                       "color": "#000000",
                                                                       "bbox": {"boxstyle": "round,pad=0.15",
                                                                                "facecolor": "white",
                                                                                "edgecolor": ps.colour,
                                                                                "linewidth": 0.8}}))
            if code in alternatives:
                legend_handles.append(handle)
        for code in alternatives:
            if code not in points_drawn:
                raise ValueError(f"alternatives: '{code}' is not drawn in the {view} view (add it to points)")
            for index, alt in enumerate(_alternative_entries(body, code)):
                alt_id = alt.id
                try:
                    xy = _xy(body.point(code, view, variant=alt_id))
                except Exception:
                    continue  # this variant has no location in this view
                points_drawn[alt_id] = xy
                vs = palette.variant_style(index)
                label = alt.label or alt_id
                handle = axes.add_line(Line2D([xy[0]], [xy[1]], marker=vs.marker, color=vs.colour,
                                              markersize=vs.size, markeredgecolor="#000000", markeredgewidth=1.0,
                                              linestyle="none", zorder=51, label=f"{code}: {label}"))
                axes.add_line(Line2D([points_drawn[code][0], xy[0]], [points_drawn[code][1], xy[1]],
                                     color="#555555", linewidth=0.8, linestyle=(0, (1, 1.5)), zorder=48))
                legend_handles.append(handle)
                obstacles.append(marker_box(xy, vs.size))
                variant_descriptions.append((code, alt_id, label, xy))
        if codes:
            drawn_layers.append("points")

    if labels:
        renderer = figure.canvas.get_renderer()
        # Ruler numbers are fixed texts: keep the placed labels off them too.
        for text in list(axes.texts):
            if text.get_text():
                extent_box = text.get_window_extent(renderer)
                obstacles.append((extent_box.x0, extent_box.y0, extent_box.x1, extent_box.y1))
        keep_inside = frame is not None
        placed = place_labels(axes, label_requests, obstacles=obstacles, keep_inside=keep_inside)
        place_labels(axes, anatomy_labels, obstacles=obstacles + [t._hipcourse_box for t in placed],
                     keep_inside=keep_inside)
    neuro = [k for k in ("nerve", "artery", "vein") if k in kinds_drawn]
    if neuro and "nerves_vessels" in layers:
        style = palette.ANATOMY
        handles = [Line2D([], [], color=style[k]["edge"], linewidth=style[k]["linewidth"],
                          linestyle=style[k]["linestyle"], label=_KIND_LEGEND[k]) for k in neuro]
        key = axes.legend(handles=handles, loc="lower right", fontsize=6.5, frameon=True, framealpha=0.9,
                          handlelength=3.2)
        key.set_zorder(45)  # above the anatomy layers (and so outside their pixel cache)
        if legend_handles:
            # Keep both legends: matplotlib replaces the first unless it is re-added as an artist.
            axes.add_artist(key)
    if legend_handles and frame is not None:
        _legend_below(figure, axes, legend_handles)
    elif legend_handles:
        sources = axes.legend(handles=legend_handles, loc="lower left", fontsize=7, frameon=True, framealpha=0.95,
                              title="Where the sources put the point", title_fontsize=7.5)
        sources.set_zorder(45)

    alt_text = _alt_text(view, outlines, drawn_layers, body, points_drawn, codes, landmark_positions,
                         construction_words, variant_descriptions, highlight, structures=structures,
                         frame_words=_frame_words(view, body, frame, focus))
    return AtlasFigure(figure, alt_text=alt_text, points_drawn=points_drawn, caption=plate_title)


def _focus_position(body, view: str, item: str) -> tuple[float, float]:
    """Position of a focus item: a landmark id first, else a point code (ValueError naming it otherwise)."""
    try:
        return _xy(body.landmark(item, view))
    except Exception:
        pass
    try:
        return _xy(body.point(item, view))
    except Exception as error:
        raise ValueError(f"focus: '{item}' is neither a landmark nor a point drawn in the {view} view") from error


def _frame(view: str, outlines: Outlines, body, *, extent, focus, margin: float):
    """The zoomed frame ``(xmin, xmax, ymin, ymax)`` in cm, or None for the full view.

    A frame smaller than 26 x 19 cm is widened about its centre: a narrower figure could not hold its title
    and labels at the full view's text size.
    """
    if extent is None and not focus:
        return None
    boxes = []
    if extent is not None:
        values = list(extent)
        if len(values) != 4 or not all(isinstance(v, (int, float)) for v in values):
            raise ValueError(f"extent: expected (xmin, xmax, ymin, ymax) in cm, got {extent!r}")
        if values[0] >= values[1] or values[2] >= values[3]:
            raise ValueError(f"extent: xmin must be below xmax and ymin below ymax, got {extent!r}")
        boxes.append([float(v) for v in values])
    if focus:
        items = [focus] if isinstance(focus, str) else list(focus)
        positions = [_focus_position(body, view, item) for item in items]
        xs, ys = [p[0] for p in positions], [p[1] for p in positions]
        boxes.append([min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin])
    xmin, xmax = min(b[0] for b in boxes), max(b[1] for b in boxes)
    ymin, ymax = min(b[2] for b in boxes), max(b[3] for b in boxes)
    if xmax - xmin < _FRAME_MIN_CM[0]:
        centre = (xmin + xmax) / 2
        xmin, xmax = centre - _FRAME_MIN_CM[0] / 2, centre + _FRAME_MIN_CM[0] / 2
    if ymax - ymin < _FRAME_MIN_CM[1]:
        centre = (ymin + ymax) / 2
        ymin, ymax = centre - _FRAME_MIN_CM[1] / 2, centre + _FRAME_MIN_CM[1] / 2
    return (round(xmin, 2), round(xmax, 2), round(ymin, 2), round(ymax, 2))


#: Smallest zoomed frame (width, height) in cm: about 3.4 x 2.5 inches at the full view's scale.
_FRAME_MIN_CM = (26.0, 19.0)
# Margins of a zoomed plate in inches: a thin edge, and a title band of one line per wrapped title line.
_FRAME_EDGE_IN = 0.06
_TITLE_LINE_IN = 0.24


def _framed_figure(outlines: Outlines, frame, title: str, *, size=None):
    """A figure just large enough for ``frame`` at the full view's cm per inch, with a wrapped title."""
    import textwrap

    fx0, fx1, fy0, fy1 = outlines.extent
    full_w, full_h = outlines.size
    # The full view's scale: its axes (0.98 x 0.95 of the figure) fit the extent with equal aspect.
    cm_per_inch = max((fx1 - fx0) / (0.98 * full_w), (fy1 - fy0) / (0.95 * full_h))
    xmin, xmax, ymin, ymax = frame
    axes_w, axes_h = (xmax - xmin) / cm_per_inch, (ymax - ymin) / cm_per_inch
    width = axes_w + 2 * _FRAME_EDGE_IN
    # About 7 points per character at 12 pt: wrap the title to the figure width instead of cutting it off.
    lines = textwrap.wrap(title, width=max(16, int(width * 72 / 7.0))) or [""]
    top = _TITLE_LINE_IN * len(lines) + 0.1
    height = axes_h + _FRAME_EDGE_IN + top
    if size is not None:
        width, height = size
    figure = new_figure(size=(width, height))
    axes = figure.add_axes((_FRAME_EDGE_IN / width, _FRAME_EDGE_IN / height,
                            1 - 2 * _FRAME_EDGE_IN / width, 1 - (_FRAME_EDGE_IN + top) / height))
    figure.suptitle("\n".join(lines), fontsize=12, y=1 - 0.06 / height, va="top")
    return figure, axes


def _legend_below(figure, axes, handles) -> None:
    """Put the sources legend of a zoomed plate under its frame and grow the figure to hold it.

    Inside a small frame the legend would cover the very points it explains.  The axes keep their size in
    inches, so labels placed before (offsets in points from data anchors) stay where they were.
    """
    import textwrap

    width, height = figure.get_size_inches()
    x0, y0, w, h = axes.get_position().bounds
    axes_w_in, axes_h_in, top_in = w * width, h * height, (1 - y0 - h) * height
    # About 3.9 points per character at 7 pt: wrap long source names to the figure width.
    chars = max(24, int((width - 0.5) * 72 / 3.9))
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), chars))
    legend = figure.legend(handles=handles, loc="upper left", fontsize=7, frameon=True, framealpha=0.95,
                           title="Where the sources put the point", title_fontsize=7.5)
    legend_in = legend.get_window_extent(figure.canvas.get_renderer()).height / figure.dpi
    extra = legend_in + 0.08
    new_height = height + extra
    figure.set_size_inches(width, new_height)
    axes.set_position((x0, (y0 * height + extra) / new_height, axes_w_in / width, axes_h_in / new_height))
    legend.set_bbox_to_anchor((x0 * width / width, (extra - 0.02) / new_height), transform=figure.transFigure)
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None:
        suptitle.set_y(1 - 0.06 / new_height)
    del top_in  # the title band keeps its height in inches: only its position in figure fraction changes


def _frame_words(view: str, body, frame, focus) -> str | None:
    """Alt-text sentence naming the part of the view a zoomed plate shows (None for the full view)."""
    if frame is None:
        return None
    xmin, xmax, ymin, ymax = frame
    if view == "lateral":
        across = f"from {abs(xmin):.0f} cm {'behind' if xmin < 0 else 'in front of'} to " \
                 f"{abs(xmax):.0f} cm {'behind' if xmax < 0 else 'in front of'} the greater trochanter"
    else:
        across = f"from {xmin:.0f} to {xmax:.0f} cm from the midline (negative: the other side)"
    words = f"Zoomed plate: shows heights {ymin:.0f} to {ymax:.0f} cm above the floor, {across}"
    if focus:
        items = [focus] if isinstance(focus, str) else list(focus)
        names = []
        for item in items:
            try:
                body.landmark(item, view)
                names.append(f"{item} ({_lower_first(_landmark_name(body, item).split(' (')[0])})")
            except Exception:
                names.append(item)
        words += "; framed around " + ", ".join(names)
    return words + "."


def _alt_text(view, outlines, drawn_layers, body, points_drawn, codes, landmark_positions, construction_words,
              variant_descriptions, highlight, *, structures: Mapping[str, Sequence[str]] | None = None,
              frame_words: str | None = None) -> str:
    """Describe what is drawn: view, layers and their structures, every point relative to its landmarks (cm)."""
    lines = [f"{_VIEW_WORDS[view]}: {outlines.title.lower()}."]
    if frame_words:
        lines.append(frame_words)
    if drawn_layers:
        lines.append("Layers: " + ", ".join(_LAYER_WORDS[layer] for layer in drawn_layers) + ".")
    for layer, names in (structures or {}).items():
        if names:
            # A screen-reader user hears what each layer shows, as a sighted learner sees it.
            lines.append(f"{_LAYER_WORDS[layer][0].upper()}{_LAYER_WORDS[layer][1:]} drawn: {', '.join(names)}.")
    if landmark_positions:
        lines.append("Landmarks: " + "; ".join(
            f"{lid} at x {xy[0]:.1f} cm, y {xy[1]:.1f} cm" for lid, xy in landmark_positions.items()) + ".")
    candidates = tuple(outlines.landmarks)
    for code in codes:
        xy = points_drawn[code]
        relations = [_relation_words(xy, ref, view, lid)
                     for lid, ref in _point_landmarks(code, view, body, xy, candidates)]
        mark = " (highlighted)" if code == highlight else ""
        text = f"{_point_title(body, code)}{mark} at x {xy[0]:.1f} cm, y {xy[1]:.1f} cm"
        if relations:
            text += ": " + "; ".join(relations)
        lines.append(text + ".")
    for code, alt_id, label, xy in variant_descriptions:
        base = points_drawn[code]
        lines.append(f"Alternative location of {code} ({label}) at x {xy[0]:.1f} cm, y {xy[1]:.1f} cm: "
                     f"{_relation_words(xy, base, view, 'the standard ' + code)}.")
    for code, words in construction_words.items():
        if words:
            lines.append(f"Construction of {code}, step by step (numbered on the plate): " + "; ".join(words) + ".")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------------
# Widgets
# ----------------------------------------------------------------------------------------------------------
def _img_html(figure: AtlasFigure) -> str:
    return figure.to_html()


def _point_info_html(body, code: str) -> str:
    """Names, location and cautions of a point as a small HTML block (escaped)."""
    import html

    entry = _point_entry(body, code)
    names = " ".join(part for part in (entry.code, entry.pinyin, entry.hanzi) if part)
    parts = [f"<h4>{html.escape(names)} ({html.escape(entry.english)})</h4>",
             f"<p><b>Where:</b> {html.escape(entry.location)}</p>"]
    cautions = list(entry.raw.get("cautions") or [])
    if cautions:
        parts.append("<p><b>Cautions:</b></p><ul>" + "".join(f"<li>{html.escape(str(c))}</li>" for c in cautions)
                     + "</ul>")
    used = list(entry.raw.get("traditionally_used_for") or [])
    if used:
        parts.append(f"<p><b>Traditionally used for:</b> {html.escape('; '.join(map(str, used)))}</p>")
    return "\n".join(parts)


class _AtlasWidget:
    """Mixin giving the course widgets a stable, friendly ``repr`` (strict nbval compares ``text/plain``)."""

    _friendly = "Atlas widget"

    def __repr__(self) -> str:
        return self._friendly


def explorer(*, view: str = "posterior", body=None):
    """Return an interactive atlas: pick a view, toggle layers, select a point to read about it.

    Every control is a standard ipywidget (ToggleButtons, Checkboxes, Dropdown), so it is usable with the
    keyboard (Tab / arrow keys / Space).  The picture is an HTML ``<img>`` whose ``alt`` text is regenerated
    on every change; the point's names, location and cautions appear in an HTML panel.
    """
    import ipywidgets as widgets

    _check_view(view)
    # None keeps draw_view on the reference body, whose plates the figure cache can serve.
    drawing_body = body
    body = body if body is not None else _reference_body()

    class AtlasExplorer(_AtlasWidget, widgets.VBox):
        _friendly = "Atlas explorer: run the cell to explore"

        def __init__(self):
            self.body = body
            self.view = widgets.ToggleButtons(options=[(v.capitalize(), v) for v in VIEWS], value=view,
                                              description="View:")
            self.layers = {layer: widgets.Checkbox(value=True, description=_LAYER_WORDS[layer], indent=False,
                                                   layout=widgets.Layout(width="auto"))
                           for layer in LAYERS if layer != "constructions"}
            self.point = widgets.Dropdown(description="Point:", options=self._point_options(view), value=None)
            self.image = widgets.HTML()
            self.info = widgets.HTML(value="<p>Select a point to read where it is and what to watch for.</p>")
            self.figure: AtlasFigure | None = None
            self.view.observe(self._on_view, names="value")
            for checkbox in self.layers.values():
                checkbox.observe(self._redraw, names="value")
            self.point.observe(self._on_point, names="value")
            layer_box = widgets.HBox(list(self.layers.values()), layout=widgets.Layout(flex_flow="row wrap"))
            super().__init__([self.view, layer_box, self.point, self.image, self.info])
            self._redraw()

        def _point_options(self, current_view):
            codes = [code for code in _default_points(current_view)
                     if current_view in self.body.views_of(code)]
            return [("(none)", None)] + [(f"{code} {_point_entry(self.body, code).pinyin}".strip(), code)
                                         for code in codes]

        def _on_view(self, change):
            self.point.unobserve(self._on_point, names="value")
            self.point.options = self._point_options(change["new"])
            self.point.value = None
            self.point.observe(self._on_point, names="value")
            self.info.value = "<p>Select a point to read where it is and what to watch for.</p>"
            self._redraw()

        def _on_point(self, change):
            code = change["new"]
            self.info.value = (_point_info_html(self.body, code) if code else
                               "<p>Select a point to read where it is and what to watch for.</p>")
            self._redraw()

        def _redraw(self, _change=None):
            layers = [layer for layer, box in self.layers.items() if box.value]
            self.figure = draw_view(self.view.value, layers=layers, body=drawing_body, highlight=self.point.value)
            self.image.value = _img_html(self.figure)

    return AtlasExplorer()


def proportions_demo(*, view: str = "posterior", points: Sequence[str] | str = "view default"):
    """Return number boxes for pelvis width and thigh length: the landmarks move and the points follow.

    Each control is a labelled number box (``BoundedFloatText``, 0.80-1.20 times the reference adult, steps of
    0.05): its ``<label for>`` names the ``<input type="number">`` for screen readers, and the Up/Down arrow
    keys step the value.  ipywidgets' sliders are not used because their handle has no accessible name.
    Uses :meth:`hipcourse.geometry.Body.scaled`; the picture and its alt text (with every point's position in
    cm) are regenerated on each change.  Attributes: ``pelvis_width``, ``thigh_length`` (the controls),
    ``image``, ``summary`` (HTML widgets) and ``figure`` (the last :class:`AtlasFigure`).
    """
    import ipywidgets as widgets

    _check_view(view)
    reference = _reference_body()

    class ProportionsDemo(_AtlasWidget, widgets.VBox):
        _friendly = "Proportions demo: run the cell and change the two numbers"

        def __init__(self):
            options = {"min": 0.8, "max": 1.2, "step": 0.05, "value": 1.0, "continuous_update": False,
                       "style": {"description_width": "16em"}, "layout": widgets.Layout(width="24em")}
            self.pelvis_width = widgets.BoundedFloatText(description="Pelvis width (x reference)", **options)
            self.thigh_length = widgets.BoundedFloatText(description="Thigh length (x reference)", **options)
            self.image = widgets.HTML()
            self.summary = widgets.HTML()
            self.figure: AtlasFigure | None = None
            for control in (self.pelvis_width, self.thigh_length):
                control.observe(self._redraw, names="value")
            hint = widgets.HTML("<p>Type a number from 0.8 to 1.2, or use the Up and Down arrow keys "
                                "(steps of 0.05); 1 is the reference adult.</p>")
            super().__init__([hint, self.pelvis_width, self.thigh_length, self.image, self.summary])
            self._redraw()

        def _redraw(self, _change=None):
            import html

            scale = {"pelvis_width": self.pelvis_width.value, "thigh_length": self.thigh_length.value}
            # At 1 x both, the body is the reference adult: None lets the figure cache serve the plate.
            body = None if set(scale.values()) == {1.0} else reference.scaled(**scale)
            self.figure = draw_view(view, body=body, points=points,
                                    layers=("outline", "bones", "landmarks", "points"))
            self.image.value = _img_html(self.figure)
            rows = "".join(f"<li>{html.escape(code)}: x {xy[0]:.1f} cm, y {xy[1]:.1f} cm</li>"
                           for code, xy in self.figure.points_drawn.items())
            self.summary.value = f"<ul>{rows}</ul>"

    return ProportionsDemo()


# ----------------------------------------------------------------------------------------------------------
# Static images (python -m hipcourse images)
# ----------------------------------------------------------------------------------------------------------
def image_specs() -> dict[str, dict]:
    """The static diagrams of ``images/``: ``{name: draw_view keyword arguments}``."""
    return {
        "atlas_posterior": {"view": "posterior"},
        "atlas_anterior": {"view": "anterior"},
        "atlas_lateral": {"view": "lateral"},
        "construction_gb30": {"view": "posterior", "points": ["GB30"], "constructions": ["GB30"],
                              "layers": ("outline", "bones", "landmarks", "points", "constructions"),
                              "focus": ["GT", "SH", "GB30"],
                              "title": "Finding GB30: one third of the way from GT to the sacral hiatus"},
        "construction_bl54": {"view": "posterior", "points": ["BL54"], "constructions": ["BL54"],
                              "layers": ("outline", "bones", "landmarks", "points", "constructions"),
                              "focus": ["PSIS", "S4F", "BL54"],
                              "title": "Finding BL54: 3 B-cun out from the sacral crest at the 4th foramen"},
        "construction_sp12": {"view": "anterior", "points": ["SP12"], "constructions": ["SP12"],
                              "layers": ("outline", "bones", "nerves_vessels", "landmarks", "points",
                                         "constructions"),
                              "focus": ["PS", "SP12"],
                              "title": "Finding SP12: 3.5 B-cun out from the top of the pubic bone"},
        "alternatives_posterior": {"view": "posterior", "points": ["GB30", "BL54"],
                                   "alternatives": ["GB30", "BL54"],
                                   "layers": ("outline", "bones", "landmarks", "points"),
                                   "title": "Where different sources put GB30 and BL54"},
        "alternatives_anterior": {"view": "anterior", "points": ["SP12"], "alternatives": ["SP12"],
                                  "layers": ("outline", "bones", "nerves_vessels", "landmarks", "points"),
                                  "title": "Where different sources put SP12"},
    }


def _images_dir() -> Path:
    from .paths import repo_root

    return repo_root() / "images"


def _render_images(names: Iterable[str] | None = None) -> dict[str, dict[str, bytes]]:
    """Render every spec to ``{name: {suffix: bytes}}`` (png, svg, alt.txt)."""
    import io

    specs = image_specs()
    result = {}
    for name in names or specs:
        figure = draw_view(**specs[name])
        svg = io.BytesIO()
        figure.savefig(svg, format="svg")
        result[name] = {".png": figure.file_png_bytes(), ".svg": svg.getvalue(),
                        ".alt.txt": (figure.alt_text + "\n").encode("utf-8")}
    return result


def _manifest(rendered: Mapping[str, Mapping[str, bytes]]) -> dict:
    import hashlib

    import matplotlib

    return {
        "generator": "python -m hipcourse images",
        "matplotlib": matplotlib.__version__,
        "files": {f"{name}{suffix}": hashlib.sha256(data).hexdigest()
                  for name, files in sorted(rendered.items()) for suffix, data in sorted(files.items())},
    }


def write_images(*, directory: Path | str | None = None) -> list[Path]:
    """Write every static diagram (PNG 150 dpi, SVG, alt text) and ``manifest.json``; return the paths."""
    folder = Path(directory) if directory is not None else _images_dir()
    folder.mkdir(parents=True, exist_ok=True)
    rendered = _render_images()
    written = []
    for name, files in rendered.items():
        for suffix, data in files.items():
            path = folder / f"{name}{suffix}"
            path.write_bytes(data)
            written.append(path)
    manifest = folder / "manifest.json"
    manifest.write_text(json.dumps(_manifest(rendered), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    written.append(manifest)
    return written


def check_images(*, directory: Path | str | None = None) -> list[str]:
    """Return a list of stale or missing files in ``images/`` (empty when up to date).

    SVG and alt text are compared exactly (both are deterministic).  PNG bytes are compared only when the
    manifest's matplotlib version equals the installed one, because rasterisation may change between versions.
    """
    import matplotlib

    folder = Path(directory) if directory is not None else _images_dir()
    problems = []
    manifest_path = folder / "manifest.json"
    recorded = {}
    if manifest_path.exists():
        recorded = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        problems.append("images/manifest.json: missing")
    same_version = recorded.get("matplotlib") == matplotlib.__version__
    rendered = _render_images()
    for name, files in rendered.items():
        for suffix, data in files.items():
            path = folder / f"{name}{suffix}"
            if not path.exists():
                problems.append(f"images/{path.name}: missing")
            elif suffix == ".png" and not same_version:
                continue
            elif path.read_bytes() != data:
                problems.append(f"images/{path.name}: stale (run python -m hipcourse images)")
    expected = set(_manifest(rendered)["files"]) if recorded else set()
    if recorded and set(recorded.get("files", {})) != expected:
        problems.append("images/manifest.json: lists different files (run python -m hipcourse images)")
    return problems


def images_main(argv: Sequence[str]) -> int:
    """``images [--check]``: write the static diagrams, or with ``--check`` exit 1 if any is stale."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hipcourse images",
                                     description="Write the atlas diagrams to images/ (PNG, SVG, alt text).")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if images/ is stale")
    options = parser.parse_args(list(argv))
    if options.check:
        problems = check_images()
        for problem in problems:
            print(problem)
        if problems:
            return 1
        print("images/ is up to date.")
        return 0
    written = write_images()
    print(f"wrote {len(written)} files to images/")
    return 0
