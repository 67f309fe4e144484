"""Atlas widgets: :func:`explorer` (pick a view, layers and points from the keyboard) and
:func:`proportions_demo` (change pelvis width and thigh length; landmarks move, the points follow)."""

from __future__ import annotations

from typing import Sequence

from hipcourse.figures.display import AtlasFigure
from hipcourse.figures.outlines import _check_view, _default_points, _LAYER_WORDS, _point_entry, _reference_body, LAYERS, VIEWS
from hipcourse.figures.plates import draw_view


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
    Uses :meth:`hipcourse.content.geometry.Body.scaled`; the picture and its alt text (with every point's position in
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
