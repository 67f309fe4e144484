"""Label placement for the atlas plates: candidate places around each target, exact text extents, leader
lines, and :func:`label_overlaps`, which measures rendered labels against each other, markers and the frame."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from hipcourse.figures import palette


# Construction labels get a white box so that vessels or lines under them do not make them unreadable.
_CONSTRUCTION_LABEL_STYLE = {"fontsize": 8, "color": "#6B2F55", "fontweight": "bold",
                             "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                      "alpha": 0.9}}


_STRUCTURE_LABEL_STYLE = {"fontsize": 6.5, "color": "#3A2E25", "fontstyle": "italic"}


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
    _TEXT_SIZES[key] = (width, height)
    return width, height


def _box_pad(style: Mapping[str, Any], scale: float) -> float:
    """Pixels a label's box (``bbox`` style) reaches beyond its text on each side (0 without a box).

    ``boxstyle "round,pad=p"``: p is in font-size units, on each side of the text, plus the edge line.
    """
    bbox = style.get("bbox")
    if not bbox:
        return 0.0
    boxstyle = str(bbox.get("boxstyle", "round,pad=0.3"))
    pad = float(boxstyle.split("pad=")[-1]) if "pad=" in boxstyle else 0.3
    return pad * float(style.get("fontsize", 10)) * scale + 1.0


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


# The halo of structure labels: width in points of the pale stroke around each glyph, and its colour.
_HALO_WIDTH_PT = 2.2


_HALO_COLOUR = (1.0, 0.99, 0.96, 0.85)


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
            renderer.open_group("text", self.get_gid())
            # A pale halo under the letters keeps a name readable where a nerve, vessel or outline runs under it.
            halo = renderer.new_gc()
            self._set_gc_clip(halo)
            halo.set_linewidth(_HALO_WIDTH_PT * scale)
            halo.set_joinstyle("round")
            halo.set_foreground(_HALO_COLOUR, isRGBA=True)
            renderer.draw_path(halo, path, transform, None)
            halo.restore()
            gc = renderer.new_gc()
            self._set_gc_clip(gc)
            gc.set_linewidth(0)
            gc.set_url(self.get_url())
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
                 avoid_lines: Iterable[Sequence[tuple[float, float]]] = (), pad: float = 2.0,
                 keep_inside: bool = False) -> list:
    """Place text labels so that none covers another label, a leader line or any obstacle; return the Texts.

    Deterministic: each label tries the fixed candidate offsets of ``_CANDIDATES`` in order and keeps the
    first whose box (from the font's real text extents, measured once per string) is inside the axes, free of
    all boxes placed before it and of ``obstacles`` (display-pixel boxes ``(x0, y0, x1, y1)``, e.g. point
    markers), and not crossed by a leader line already drawn (those of earlier labels and ``avoid_lines``,
    display-pixel segments).  A label with ``leader_to`` also needs its own leader line to stay clear of every
    box placed so far, so a moved label never draws a line through another label.  A label with
    ``required=False`` that finds no free place is left out; a required label then takes the first
    candidate's place (and :func:`label_overlaps` will report it).  A request with ``leader_to`` gets a thin
    leader line to that point (cut at the frame) unless its label box already covers the point.  With
    ``keep_inside=True`` (zoomed plates) such a fallback label is also shifted back inside the axes, so that
    no label is cut off at the edge of the frame.
    """
    figure = axes.figure
    renderer = figure.canvas.get_renderer()
    scale = figure.dpi / 72.0
    taken = [tuple(box) for box in obstacles]
    lines = [tuple(tuple(point) for point in segment) for segment in avoid_lines]
    leader_lines: list = []  # only the leaders placed here: never crossed, unlike the caller's avoid_lines
    ax_box = axes.get_window_extent(renderer)
    frame = (ax_box.x0, ax_box.y0, ax_box.x1, ax_box.y1)
    to_display = axes.transData.transform
    placed, leaders = [], []
    for request in requests:
        anchor = to_display(request.xy)
        width, height = _text_size(renderer, request.text, request.style, scale)
        grow = _box_pad(request.style, scale)  # a boxed label covers its box, centred on the text
        target = None
        if request.leader_to is not None:
            target = _clip_into(frame, anchor, to_display(request.leader_to))
        candidates = list(_CANDIDATES)
        if request.centred:
            candidates.insert(0, (0, 0, "center", "center"))
        if request.leader_to is not None:
            candidates.extend(_FAR_CANDIDATES)  # a leader line lets a label move further from its shape
        chosen = None
        # Tried in turn: every rule; then (a required label only) letting it cross the caller's lines, which
        # are drawing lines, not leaders; then moving it further out with a leader line to its anchor.
        tries = [(candidates, lines, target)]
        if request.required:
            tries.append((candidates, leader_lines, target))
            if request.leader_to is None:
                tries.append((list(_FAR_CANDIDATES), leader_lines, tuple(map(float, anchor))))
        for tried, blocking, goal in tries:
            chosen = _first_free(tried, anchor=anchor, width=width, height=height, grow=grow, scale=scale,
                                 frame=frame, taken=taken, lines=blocking, target=goal, pad=pad)
            if chosen is not None:
                target = goal
                break
        if chosen is None:
            if not request.required:
                continue
            dx, dy, ha, va = candidates[0]
            x0 = anchor[0] + dx * scale - {"left": 0.0, "center": width / 2, "right": width}[ha]
            y0 = anchor[1] + dy * scale - {"bottom": 0.0, "center": height / 2, "top": height}[va]
            if keep_inside:
                # Shift (in points) just enough to bring the box back inside the axes on each side.
                shift_x = max(ax_box.x0 - (x0 - grow), 0.0) - max(x0 + width + grow - ax_box.x1, 0.0)
                shift_y = max(ax_box.y0 - (y0 - grow), 0.0) - max(y0 + height + grow - ax_box.y1, 0.0)
                dx, dy = dx + shift_x / scale, dy + shift_y / scale
                x0, y0 = x0 + shift_x, y0 + shift_y
            chosen = (dx, dy, ha, va, (x0 - grow, y0 - grow, x0 + width + grow, y0 + height + grow))
        dx, dy, ha, va, box = chosen
        style = {"zorder": 60, **request.style}
        if request.outline:
            text = _outline_label_class()(request.text, request.xy, xytext=(dx, dy), textcoords="offset points",
                                          ha=ha, va=va, annotation_clip=False, **style)
            axes._add_text(text)
        else:
            text = axes.annotate(request.text, request.xy, xytext=(dx, dy), textcoords="offset points",
                                 ha=ha, va=va, annotation_clip=False, **style)
        text._hipcourse_leader = None
        if target is not None and not _inside(box, target, margin=1.0):
            text._hipcourse_leader = _leader_segment(box, target)
            leaders.append(text._hipcourse_leader)
            lines.append(tuple(text._hipcourse_leader))
            leader_lines.append(tuple(text._hipcourse_leader))
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


def _first_free(candidates, *, anchor, width, height, grow, scale, frame, taken, lines, target, pad):
    """The first candidate ``(dx, dy, ha, va, box)`` that breaks none of the placing rules, or None."""
    for dx, dy, ha, va in candidates:
        x = anchor[0] + dx * scale
        y = anchor[1] + dy * scale
        x0 = x - {"left": 0.0, "center": width / 2, "right": width}[ha]
        y0 = y - {"bottom": 0.0, "center": height / 2, "top": height}[va]
        box = (x0 - grow, y0 - grow, x0 + width + grow, y0 + height + grow)
        # A place a little outside the frame slides back in (by at most a third of the label's width), so
        # that a name next to the frame edge is not pushed far away.
        shift_x = max(frame[0] - box[0], 0.0) - max(box[2] - frame[2], 0.0)
        shift_y = max(frame[1] - box[1], 0.0) - max(box[3] - frame[3], 0.0)
        if abs(shift_x) > (box[2] - box[0]) / 3 or abs(shift_y) > (box[3] - box[1]) / 3:
            continue
        if shift_x or shift_y:
            dx, dy = dx + shift_x / scale, dy + shift_y / scale
            box = (box[0] + shift_x, box[1] + shift_y, box[2] + shift_x, box[3] + shift_y)
        inside = box[0] >= frame[0] and box[2] <= frame[2] and box[1] >= frame[1] and box[3] <= frame[3]
        if not inside or any(_boxes_overlap(box, other, pad) for other in taken):
            continue
        if any(_segment_hits_box(segment, box, pad=1.0) for segment in lines):
            continue  # an earlier leader line would run through this label
        if target is not None and not _inside(box, target, margin=1.0):
            leader = _leader_segment(box, target)
            # (A marker centred on the target, e.g. the landmark a step number points at, is allowed.)
            if any(_segment_hits_box(leader, other, pad=1.0) and not _centred_on(other, target) for other in taken):
                continue  # its own leader line would run through another label or a marker
        return (dx, dy, ha, va, box)
    return None


def _centred_on(box, point, tolerance: float = 1.5) -> bool:
    """True if ``box`` is centred on ``point`` (a marker's box around the point it marks)."""
    return (abs((box[0] + box[2]) / 2 - point[0]) <= tolerance
            and abs((box[1] + box[3]) / 2 - point[1]) <= tolerance)


def _segment_hits_box(segment, box, *, pad: float = 0.0) -> bool:
    """True if the display segment passes through ``box`` grown by ``pad`` pixels (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = segment
    dx, dy = x1 - x0, y1 - y0
    low, high = 0.0, 1.0
    for p, q in ((-dx, x0 - (box[0] - pad)), (dx, box[2] + pad - x0), (-dy, y0 - (box[1] - pad)),
                 (dy, box[3] + pad - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def _clip_into(frame, start, end) -> tuple[float, float]:
    """``end`` if it lies inside ``frame``, else where the segment ``start -> end`` leaves the frame.

    A shape's nearest point may lie outside a zoomed plate; its leader line then ends at the frame edge,
    where it is cut anyway, instead of running on under the frame.
    """
    ex, ey = float(end[0]), float(end[1])
    if frame[0] <= ex <= frame[2] and frame[1] <= ey <= frame[3]:
        return ex, ey
    sx, sy = float(start[0]), float(start[1])
    dx, dy = ex - sx, ey - sy
    high = 1.0
    for p, q in ((-dx, sx - frame[0]), (dx, frame[2] - sx), (-dy, sy - frame[1]), (dy, frame[3] - sy)):
        if p > 0:
            high = min(high, q / p)
    high = max(high, 0.0)
    return sx + dx * high, sy + dy * high


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
