"""One atlas plate: :func:`draw_view` puts outlines, anatomy, labels, points and constructions on a framed
figure with a legend and alt text, as an :class:`~hipcourse.figures.display.AtlasFigure`."""

from __future__ import annotations

from typing import Mapping, Sequence

from hipcourse.figures import palette
from hipcourse.figures.anatomy import _add, _anchor_positions, _layer_artist_class, _layer_geometry, _StaticAnatomy
from hipcourse.figures.cache import cached_figure
from hipcourse.figures.construction import _alternative_entries, _draw_construction, _KIND_LEGEND, _point_landmarks, _point_title, _relation_words, _resolve_points
from hipcourse.figures.display import AtlasFigure, new_figure
from hipcourse.figures.labels import _STRUCTURE_LABEL_STYLE, LabelRequest, place_labels
from hipcourse.figures.outlines import _check_view, _KIND_LAYER_ORDER, _landmark_label, _plain_words, _LAYER_WORDS, _reference_body, _VIEW_WORDS, _xy, DEFAULT_LAYERS, LAYERS, load_outlines, Outlines


def draw_view(view: str, *, layers: Sequence[str] = DEFAULT_LAYERS, points="view default", labels: bool = True,
              constructions: Sequence[str] = (), alternatives: Sequence[str] = (), highlight: str | None = None,
              body=None, title: str | None = None, size: tuple[float, float] | None = None,
              extent: Sequence[float] | None = None, focus: Sequence[str] | None = None,
              focus_margin: float = 4.0) -> AtlasFigure:
    """Draw one atlas plate and return it as an :class:`~hipcourse.figures.display.AtlasFigure`.

    Args:
        view: ``"posterior"``, ``"anterior"`` or ``"lateral"``.
        layers: layers to draw, any of :data:`LAYERS` (drawn bottom to top in that fixed order).
        points: ``"view default"`` (the view's usual points), a list of codes, or ``()`` for none.
        labels: label structures, landmarks and points (labels never cover a point or each other).
        constructions: codes whose WHO construction is drawn (lines, fraction ticks, B-cun ruler).
        alternatives: codes whose alternative locations from other sources are drawn with their own
            markers and a legend naming the source.
        highlight: a code drawn larger with a ring, e.g. the point a lesson is about.
        body: a :class:`hipcourse.content.geometry.Body` (default: the reference body).
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
    (:mod:`hipcourse.figures.cache`): the same picture, without drawing it again.

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
    return cached_figure("hipcourse.figures.plates:draw_view", params, lambda: _draw_view(**params))


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
        figure = new_figure(size=tuple(size or outlines.size), display_scale=PLATE_DISPLAY_SCALE)
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
    # Fix the axes box now (matplotlib would only at draw time): labels, leader lines and marker boxes are
    # placed in display pixels, which must be the pixels the figure is drawn at.
    axes.apply_aspect()

    def in_frame(xy, inset: float = 0.0) -> bool:
        return frame is None or (xmin + inset <= xy[0] <= xmax - inset and ymin + inset <= xy[1] <= ymax - inset)
    mirror_side = view in ("posterior", "anterior")
    label_requests: list[LabelRequest] = []  # point codes first, then the construction steps
    landmark_requests: list[LabelRequest] = []  # placed after them: a step number must sit near its step
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

    marker_sizes = []  # (position, size in points) of every marker, to measure their boxes again if needed

    def marker_box(xy, size_pt):
        px = axes.transData.transform(xy)
        half = size_pt * figure.dpi / 72.0 / 2 + 1.0
        return (px[0] - half, px[1] - half, px[0] + half, px[1] + half)

    def add_marker(xy, size_pt):
        marker_sizes.append((xy, size_pt))
        obstacles.append(marker_box(xy, size_pt))

    # -- landmarks ---------------------------------------------------------------------------------------
    landmark_positions = {}
    if "landmarks" in layers:
        from matplotlib import patheffects

        from hipcourse.figures.labels import _HALO_COLOUR, _HALO_WIDTH_PT

        # The same pale halo as the structure names: readable where a vessel or an outline runs under it.
        landmark_style = {**_LANDMARK_LABEL_STYLE, "path_effects": [
            patheffects.withStroke(linewidth=_HALO_WIDTH_PT, foreground=_HALO_COLOUR)]}
        style = palette.ANATOMY["landmark"]
        for landmark_id in outlines.landmarks:
            try:
                xy = _xy(body.landmark(landmark_id, view))
            except Exception:
                continue  # a landmark the geometry module does not define in this view
            if not in_frame(xy, inset=0.8):
                continue  # outside the zoomed frame (or cut by its edge): neither drawn nor described
            landmark_positions[landmark_id] = xy
            add_marker(xy, style["size"])
            if labels:
                # Plain words, never the internal id: a learner reads "greater trochanter", not "GT".
                landmark_requests.append(LabelRequest(_landmark_label(body, landmark_id), xy,
                                                   style=landmark_style))
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
            add_marker(xy, size_pt * (1.9 if code == highlight else 1.0))
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
                add_marker(xy, vs.size)
                variant_descriptions.append((code, alt_id, label, xy))
        if codes:
            drawn_layers.append("points")

    # Legends first: they take their place where they cover no marker, and the labels then keep off them.
    neuro = [k for k in ("nerve", "artery", "vein") if k in kinds_drawn]
    legend_boxes = []
    if neuro and "nerves_vessels" in layers:
        style = palette.ANATOMY
        handles = [Line2D([], [], color=style[k]["edge"], linewidth=style[k]["linewidth"],
                          linestyle=style[k]["linestyle"], label=_KIND_LEGEND[k]) for k in neuro]
        key = _free_legend(axes, obstacles, handles=handles, fontsize=6.5, framealpha=0.9, handlelength=3.2)
        key.set_zorder(45)  # above the anatomy layers (and so outside their pixel cache)
        legend_boxes.append(key)
        if legend_handles:
            # Keep both legends: matplotlib replaces the first unless it is re-added as an artist.
            axes.add_artist(key)
    if legend_handles and frame is not None:
        _legend_below(figure, axes, legend_handles)
        axes.apply_aspect()
    elif legend_handles:
        import textwrap

        # Long source names wrap to about 60 % of the frame width (at about 3.9 points per character at 7 pt),
        # so that the key fits inside the frame and leaves most of the body free.
        chars = max(24, int(axes.get_position().width * figure.get_figwidth() * 72 * 0.6 / 3.9))
        for handle in legend_handles:
            handle.set_label(textwrap.fill(handle.get_label(), chars))
        sources = _free_legend(axes, obstacles + [_window_box(k) for k in legend_boxes], handles=legend_handles,
                               fontsize=7, framealpha=0.95, title="Where the sources put the point",
                               title_fontsize=7.5)
        sources.set_zorder(45)
        legend_boxes.append(sources)
    if frame is not None:
        # _legend_below moved the axes up the figure: marker boxes are measured again at their new place.
        obstacles = [marker_box(xy, size_pt) for xy, size_pt in marker_sizes]
    if labels:
        renderer = figure.canvas.get_renderer()
        # Ruler numbers are fixed texts: keep the placed labels off them too.
        for text in list(axes.texts):
            if text.get_text():
                extent_box = text.get_window_extent(renderer)
                obstacles.append((extent_box.x0, extent_box.y0, extent_box.x1, extent_box.y1))
        obstacles.extend(_window_box(legend) for legend in legend_boxes)
        keep_inside = frame is not None
        label_requests += landmark_requests
        placed = place_labels(axes, label_requests, obstacles=obstacles, keep_inside=keep_inside)
        # A structure whose name a landmark label already gives is not named twice.
        written = {request.text for request in label_requests}
        anatomy_labels = [request for request in anatomy_labels if request.text not in written]
        place_labels(axes, anatomy_labels, obstacles=obstacles + [t._hipcourse_box for t in placed],
                     avoid_lines=[t._hipcourse_leader for t in placed if t._hipcourse_leader is not None],
                     keep_inside=keep_inside)

    alt_text = _alt_text(view, outlines, drawn_layers, body, points_drawn, codes, landmark_positions,
                         construction_words, variant_descriptions, highlight, structures=structures,
                         frame_words=_frame_words(view, body, frame, focus))
    return AtlasFigure(figure, alt_text=alt_text, points_drawn=points_drawn, caption=plate_title)


#: Plates are shown this much larger than their size in inches (and rendered sharper to match): their smallest
#: text (6.5 pt structure names) then reads at 9.1 pt, and a full view (6.4 in) is 860 px wide, within the
#: about 900 px of a JupyterLab cell.
PLATE_DISPLAY_SCALE = 1.4


# Landmark names: bold black, a little larger than structure names (they are what a learner feels for).
_LANDMARK_LABEL_STYLE = {"fontsize": 7, "color": "#000000", "fontweight": "bold"}


# Where a legend may go, in order of preference: the corners first (least in the way of the body).
_LEGEND_PLACES = ("lower right", "lower left", "upper right", "upper left", "center right", "center left",
                  "lower center", "upper center")


def _window_box(artist) -> tuple[float, float, float, float]:
    extent = artist.get_window_extent(artist.figure.canvas.get_renderer())
    return (extent.x0, extent.y0, extent.x1, extent.y1)


def _free_legend(axes, obstacles, *, handles, **options):
    """An in-frame legend at the first of :data:`_LEGEND_PLACES` where it covers no marker (else the first)."""
    from hipcourse.figures.labels import _boxes_overlap

    legend = None
    for place in _LEGEND_PLACES:
        legend = axes.legend(handles=handles, loc=place, frameon=True, **options)
        box = _window_box(legend)
        if not any(_boxes_overlap(box, other, 1.0) for other in obstacles):
            return legend
    return axes.legend(handles=handles, loc=_LEGEND_PLACES[0], frameon=True, **options)


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
    figure = new_figure(size=(width, height), display_scale=PLATE_DISPLAY_SCALE)
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
                names.append(item)  # a landmark id, spoken as its plain name by _alt_text
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
    return _plain_words("\n".join(lines), body)
