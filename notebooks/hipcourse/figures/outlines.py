"""Outline data of the hip atlas: ``data/atlas/<view>.yaml`` read and checked (shapes as a few control
points, drawn as Catmull-Rom splines), the views and layers, and the body the shapes follow (anchors)."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from hipcourse.content.data import load_yaml as _load_yaml_file


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


class AtlasDataError(ValueError):
    """An outline file in ``data/atlas/`` is malformed; the message names the file, the entry and the problem."""


def _atlas_dir() -> Path:
    from hipcourse.paths import data_dir

    return data_dir() / "atlas"


def _schema_path() -> Path:
    from hipcourse.paths import data_dir

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
    from hipcourse.content.validate import _light_validate

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

    from hipcourse.paths import display_path

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


def _reference_body():
    from hipcourse.content.geometry import Body

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
        from hipcourse.content.data import load_course

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


def _landmark_label(body, landmark_id: str) -> str:
    """The plain words a plate writes beside a landmark (``greater trochanter``), never its internal id."""
    landmark = _course_of(body).landmarks.get(landmark_id)
    if landmark is None:
        raise ValueError(f"unknown landmark '{landmark_id}': it has no entry in data/landmarks.yaml")
    return landmark.figure_label


def _plain_words(text: str, body) -> str:
    """``text`` with every landmark id spoken as its plain name: ``1/3 of the way from GT to SH`` becomes
    ``1/3 of the way from the greater trochanter to the sacral hiatus`` (alt text is what a screen-reader
    learner reads instead of the picture, so it follows the same rule as the labels: words, not ids)."""
    import re

    # A construction step may name its start as an expression: "level(MSC, S4F)" is said in words first.
    text = re.sub(r"\blevel\(([^(),]+), ([^(),]+)\)", r"the point on the vertical through \1 level with \2", text)
    landmarks = _course_of(body).landmarks
    ids = sorted(landmarks, key=len, reverse=True)
    pattern = re.compile(r"(?:\bthe )?\b(" + "|".join(map(re.escape, ids)) + r")\b")
    return pattern.sub(lambda match: "the " + landmarks[match.group(1)].figure_label, text)
