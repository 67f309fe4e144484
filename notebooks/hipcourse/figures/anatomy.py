"""Drawing the anatomy of a plate: cached draw commands per layer, one light artist per layer, and a pixel
cache that copies unchanged anatomy back when the same view is drawn again with other points."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Mapping

from hipcourse.figures import palette
from hipcourse.figures.labels import _GLYPHS, _TEXT_SIZES
from hipcourse.figures.outlines import _xy, AtlasDataError, Outlines, Shape


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


def _anchor_transform(shape: Shape, outlines: Outlines, body, view: str):
    """Per-axis affine map from design coordinates to the body's landmarks (None for the identity)."""
    return _transform_for(shape, outlines, dict(_anchor_positions(outlines, body, view)))
