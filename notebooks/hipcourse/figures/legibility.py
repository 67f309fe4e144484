"""Can a learner read a drawn figure at a glance?  Measures what a rendered figure shows and reports problems.

:func:`legibility_problems` draws a matplotlib figure once, records every text artist that is actually drawn
(labels, titles, tick labels, legend entries), every point marker (line markers and scatter points) and every
leader line (the label leaders of the atlas and annotation arrows), measures their window extents with the
renderer, and reports:

* ``label-label``: two texts whose boxes overlap (a legend counts as one box: its frame);
* ``label-marker``: a text over a marker that is not its own (its own marker sits at the annotation's anchor);
* ``label-leader``: a text crossed by a leader line that is not its own;
* ``label-frame``: a text that crosses the edge of its axes (when it sits inside them) or of the figure;
* ``internal-id`` (optional): a visible word that is an internal id, such as a landmark id (``PS_inf``);
* ``small-text`` (optional): text smaller than a minimum size as the notebook displays it.

Used by ``tests/test_figure_labels.py`` on every stored course figure.  Nothing here draws course figures, so
editing this module keeps the figure cache valid.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

# One clipping routine for placing labels and for measuring them (Liang-Barsky, in display pixels).
from hipcourse.figures.labels import _segment_hits_box

__all__ = ["Problem", "Drawn", "measure_figure", "legibility_problems", "effective_point_size", "describe",
           "NOTEBOOK_WIDTH_PX", "CSS_PX_PER_INCH"]

#: JupyterLab shows an output image at most as wide as the cell, about 900 CSS pixels.
NOTEBOOK_WIDTH_PX = 900

#: CSS pixels per inch (a CSS pixel is 1/96 in by definition; a point is 1/72 in).
CSS_PX_PER_INCH = 96


@dataclass(frozen=True)
class Problem:
    """One legibility problem: its kind, the two things involved, and the overlap in pixels (if any)."""

    kind: str
    first: str
    second: str
    overlap: tuple[float, float] | None = None

    def __str__(self) -> str:
        size = f" ({self.overlap[0]:.1f} x {self.overlap[1]:.1f} px)" if self.overlap else ""
        return f"{self.kind}: {self.first!r} and {self.second!r}{size}"


@dataclass
class Drawn:
    """What a rendered figure shows, in display pixels (origin bottom left)."""

    texts: list  # (name, box, artist, own anchor or None, frame box or None, font size)
    markers: list  # (centre, box)
    leaders: list  # (owner artist, [(x0, y0), (x1, y1)]) segments
    figure_box: tuple


def effective_point_size(fontsize: float, *, figure_width_in: float, display_width_px: float) -> float:
    """The size in points that ``fontsize`` text has on screen when the figure is shown ``display_width_px`` wide.

    The figure is ``figure_width_in`` inches wide; a CSS pixel is 1/96 in, so a figure shown at its natural
    width (``figure_width_in * 96`` px) shows text at its own size, and one shown wider enlarges it.  JupyterLab
    shows an image at its ``width`` but never wider than the cell (:data:`NOTEBOOK_WIDTH_PX`).
    """
    shown = min(float(display_width_px), NOTEBOOK_WIDTH_PX)
    return fontsize * shown / (figure_width_in * CSS_PX_PER_INCH)


@contextlib.contextmanager
def _recording_drawn_texts(found: dict):
    """Record every Text (and subclass) whose ``draw`` runs while the block runs (patched, then restored)."""
    from matplotlib.text import Text

    classes, stack = [], [Text]
    while stack:
        cls = stack.pop()
        if "draw" in cls.__dict__:
            classes.append(cls)
        stack.extend(cls.__subclasses__())
    originals = {cls: cls.__dict__["draw"] for cls in classes}

    def wrap(original):
        def draw(self, renderer, *args, **kwargs):
            if self.get_visible() and self.get_text().strip():
                found.setdefault(id(self), self)
            return original(self, renderer, *args, **kwargs)
        return draw

    try:
        for cls, original in originals.items():
            setattr(cls, "draw", wrap(original))
        yield found
    finally:
        for cls, original in originals.items():
            setattr(cls, "draw", original)


def _box(extent) -> tuple[float, float, float, float]:
    return (float(extent.x0), float(extent.y0), float(extent.x1), float(extent.y1))


def _union(a, b):
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _overlap(a, b) -> tuple[float, float]:
    """Width and height of the intersection of two boxes (negative when they are apart)."""
    return (min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1]))


def _text_box(text, renderer):
    from matplotlib.text import Text

    if hasattr(text, "update_positions"):
        text.update_positions(renderer)  # an Annotation places its text relative to its anchor first
    box = _box(Text.get_window_extent(text, renderer))
    patch = text.get_bbox_patch()
    if patch is not None and patch.get_visible():
        box = _union(box, _box(patch.get_window_extent(renderer)))  # a boxed label covers its box
    return box


def _inside_legend(text, legends) -> bool:
    return any(text in legend.texts or text is legend.get_title() for legend in legends)


def _legends(figure) -> list:
    found = list(getattr(figure, "legends", []))
    for axes in figure.axes:
        found.extend(child for child in axes.get_children() if type(child).__name__ == "Legend")
    return [legend for legend in dict.fromkeys(found) if legend.get_visible()]


def _marker_boxes(figure, renderer) -> list:
    """Every visible point marker inside its axes: line markers and scatter points, as pixel boxes."""
    from matplotlib.collections import PathCollection

    scale = figure.dpi / 72.0
    boxes = []
    for axes in figure.axes:
        if not axes.get_visible():
            continue
        frame = _box(axes.get_window_extent(renderer))

        def add(centre, half):
            x, y = float(centre[0]), float(centre[1])
            if frame[0] <= x <= frame[2] and frame[1] <= y <= frame[3]:  # markers outside the frame are clipped
                boxes.append(((x, y), (x - half, y - half, x + half, y + half)))

        for line in axes.lines:
            marker = line.get_marker()
            if not line.get_visible() or marker in (None, "", " ", "None", "none") or not line.get_markersize():
                continue
            half = (line.get_markersize() + line.get_markeredgewidth()) * scale / 2
            for centre in line.get_transform().transform(line.get_xydata()):
                add(centre, half)
        for collection in axes.collections:
            if not isinstance(collection, PathCollection) or not collection.get_visible():
                continue
            sizes = collection.get_sizes()
            widths = collection.get_linewidths()
            offsets = collection.get_offset_transform().transform(collection.get_offsets())
            for index, centre in enumerate(offsets):
                size = sizes[index % len(sizes)] if len(sizes) else 36.0
                width = widths[index % len(widths)] if len(widths) else 1.0
                add(centre, (math.sqrt(size) + width) * scale / 2)
    return boxes


def _leader_segments(figure, texts) -> list:
    """Leader lines with their owning label: atlas label leaders and the arrows of annotations."""
    segments = []
    for text in texts:
        leader = getattr(text, "_hipcourse_leader", None)
        if leader is not None:
            segments.append((text, [tuple(map(float, leader[0])), tuple(map(float, leader[1]))]))
        arrow = getattr(text, "arrow_patch", None)
        if arrow is not None and arrow.get_visible():
            path = arrow.get_transform().transform_path(arrow.get_path())
            for polygon in path.to_polygons(closed_only=False):
                for start, end in zip(polygon[:-1], polygon[1:]):
                    segments.append((text, [tuple(map(float, start)), tuple(map(float, end))]))
    return segments


def measure_figure(figure) -> Drawn:
    """Draw ``figure`` and measure its texts, markers and leader lines (see the module text)."""
    found: dict = {}
    with _recording_drawn_texts(found):
        figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legends = _legends(figure)
    texts = []
    for text in found.values():
        if _inside_legend(text, legends):
            continue
        box = _text_box(text, renderer)
        anchor = None
        if hasattr(text, "xy") and getattr(text, "xycoords", None) == "data" and text.axes is not None:
            anchor = tuple(float(v) for v in text.axes.transData.transform(text.xy))
        frame = None
        if text.axes is not None:
            axes_box = _box(text.axes.get_window_extent(renderer))
            centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
            if axes_box[0] <= centre[0] <= axes_box[2] and axes_box[1] <= centre[1] <= axes_box[3]:
                frame = axes_box  # a label inside the frame must stay wholly inside it
        texts.append((text.get_text(), box, text, anchor, frame, float(text.get_fontsize())))
    for legend in legends:
        words = [t.get_text() for t in legend.texts if t.get_text()]
        name = "legend: " + ", ".join(words)
        size = min([float(t.get_fontsize()) for t in legend.texts] or [10.0])
        frame = _box(legend.axes.get_window_extent(renderer)) if legend.axes is not None and \
            legend in legend.axes.get_children() else None
        texts.append((name, _box(legend.get_window_extent(renderer)), legend, None, frame, size))
    markers = _marker_boxes(figure, renderer)
    leaders = _leader_segments(figure, [item[2] for item in texts])
    return Drawn(texts=texts, markers=markers, leaders=leaders, figure_box=_box(figure.bbox))


def legibility_problems(figure, *, tolerance: float = 1.0, forbidden_words: Iterable[str] = (),
                        min_points: float | None = None, display_width_px: float | None = None) -> list[Problem]:
    """Every legibility problem of ``figure`` (an empty list when the figure reads cleanly).

    Args:
        figure: a :class:`matplotlib.figure.Figure` with a canvas (drawn here once).
        tolerance: pixels two boxes may share (anti-aliasing), and a label may stick out of its frame.
        forbidden_words: words that must not be visible (e.g. landmark ids); matched as whole words, exactly.
        min_points: smallest text size in points as displayed (needs ``display_width_px``).
        display_width_px: the width in CSS pixels the notebook shows the figure at (its ``<img width>``).
    """
    drawn = measure_figure(figure)
    problems: list[Problem] = []
    texts = drawn.texts
    shrink = tolerance
    for i, (name_a, box_a, artist_a, _anchor, _frame, _size) in enumerate(texts):
        for name_b, box_b, artist_b, *_rest in texts[i + 1:]:
            width, height = _overlap(box_a, box_b)
            if width > tolerance and height > tolerance:
                problems.append(Problem("label-label", name_a, name_b, (width, height)))
    for name, box, artist, anchor, frame, size in texts:
        for centre, marker in drawn.markers:
            if anchor is not None and math.dist(anchor, centre) < 0.5:
                continue  # the label's own marker
            width, height = _overlap(box, marker)
            if width > tolerance and height > tolerance:
                problems.append(Problem("label-marker", name, f"marker at ({centre[0]:.0f}, {centre[1]:.0f}) px",
                                        (width, height)))
        inner = (box[0] + shrink, box[1] + shrink, box[2] - shrink, box[3] - shrink)
        for owner, (start, end) in drawn.leaders:
            if owner is artist or inner[0] >= inner[2] or inner[1] >= inner[3]:
                continue
            if _segment_hits_box((start, end), inner):
                problems.append(Problem("label-leader", name, f"leader line of {owner.get_text()!r}"))
        for edge_name, edge in (("frame", frame), ("figure edge", drawn.figure_box)):
            if edge is None:
                continue
            out = max(edge[0] - box[0], edge[1] - box[1], box[2] - edge[2], box[3] - edge[3])
            if out > tolerance:
                problems.append(Problem("label-frame", name, edge_name, (out, out)))
    words = set(forbidden_words)
    if words:
        for name, _box_, artist, *_rest in texts:
            shown = [artist.get_text()] if hasattr(artist, "get_text") else [
                t.get_text() for t in artist.texts] + [artist.get_title().get_text()]
            for text in shown:
                for word in sorted(set(re.findall(r"[A-Za-z0-9_]+", text)) & words):
                    problems.append(Problem("internal-id", name, word))
    if min_points is not None:
        if display_width_px is None:
            raise ValueError("min_points needs display_width_px (the width the notebook shows the figure at)")
        width_in = figure.get_figwidth()
        for name, _box_, _artist, _anchor, _frame, size in texts:
            shown = effective_point_size(size, figure_width_in=width_in, display_width_px=display_width_px)
            if shown < min_points - 1e-6:
                problems.append(Problem("small-text", name, f"{size:g} pt shown at {shown:.1f} pt "
                                        f"(under {min_points:g} pt at {min(display_width_px, NOTEBOOK_WIDTH_PX):.0f}"
                                        f" px wide)"))
    return problems


def describe(problems: Sequence[Problem]) -> str:
    """The problems one per line, for a test failure message."""
    return "\n".join(f"  {problem}" for problem in problems)
