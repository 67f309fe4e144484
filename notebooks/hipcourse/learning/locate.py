"""Locate questions: the learner clicks the point on a diagram (or types x and y from the keyboard), graded in
cun of the point's own proportional scale. Written against matplotlib's event connection
(``mpl_connect("button_press_event")``), so they run under Agg in plain pytest; in JupyterLab the figure gets an
interactive ipympl canvas from :func:`ipympl_canvas` (no ``%matplotlib widget`` magic needed)."""

from __future__ import annotations

import ipywidgets as widgets

from hipcourse.content.data import load_yaml as _load_yaml_file
from hipcourse.learning.banks import QuizBankError, _data_dir, _display
from hipcourse.learning.questions import (_CLICK_STYLE, _STEP_POINT_STYLE, _STEP_STYLE, _TARGET_STYLE, Question,
                                          _button, _esc, _html, _position, _reference_body, _row, _xy)

__all__ = ["Locate", "ipympl_canvas", "agg_canvas", "LOCATE_MAX_HEIGHT_IN", "LANDMARK_SCALE"]


def ipympl_canvas(figure):
    """Attach an interactive ipympl canvas to ``figure`` (no ``%matplotlib widget`` needed); return the widget."""
    from ipympl.backend_nbagg import Canvas, FigureManager

    canvas = Canvas(figure)
    FigureManager(canvas, 0)  # wires the canvas to a manager and toolbar, as pyplot would
    # A clean clickable picture: no title bar, no pan/zoom toolbar that would swallow clicks.
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    canvas.capture_scroll = False
    return canvas


def agg_canvas(figure):
    """Attach a non-interactive Agg canvas (tests, scripts); return a placeholder widget for the layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    return widgets.HTML(value='<div class="quiz-static-figure">(diagram)</div>')


#: Largest height (inches) of a locate diagram: at the figures' 110 dpi about 600 px, so the prompt, the whole
#: picture and (beside it) the feedback fit together on a laptop screen. Taller figures are scaled down whole
#: (same aspect ratio, same data limits), so grading in data coordinates is unchanged.
LOCATE_MAX_HEIGHT_IN = 5.5

#: Scale used to grade a locate question on a landmark when the bank gives none: the WHO index measure of the
#: hip region, greater trochanter to popliteal crease = 19 B-cun.
LANDMARK_SCALE = "thigh_lateral"


class Locate(Question):
    """Click where a point lies on a diagram; graded by the distance in cun, with direction words.

    A click (or the x/y boxes and Check, for keyboard users) places a marker and is graded at once. After
    ``hint_after`` misses (default 3) the construction is drawn one step per further miss; "Show next step"
    draws the next step on request.

    Parameters (keyword-only)
    -------------------------
    body: the :class:`hipcourse.content.geometry.Body` to grade against (default: ``Body.reference()``).
    figure: an ``AtlasFigure`` or matplotlib ``Figure`` to draw on (default: made by ``figure_factory``).
    figure_factory: called like :func:`hipcourse.figures.plates.draw_view` (the default) with ``view, layers=...,
    points=(), labels=False, body=...``; returns an ``AtlasFigure`` or a ``Figure``.
    canvas_factory: ``figure -> widget`` (default :func:`ipympl_canvas`; tests pass :func:`agg_canvas`).
    """

    kind = "locate"
    lock_after_check = False  # every click is a new attempt
    _incomplete_message = "Please click on the diagram (or type x and y) first."

    def __init__(self, spec, *, body=None, figure=None, figure_factory=None, canvas_factory=None, **kwargs):
        self.body = body if body is not None else _reference_body()
        self.view = spec["view"]
        self.is_landmark = "point" not in spec
        self.code = spec["point"] if not self.is_landmark else spec["landmark"]
        self.target = _position(self.body, self.code, self.view)
        if spec.get("scale"):
            self.scale = spec["scale"]
        elif self.is_landmark:
            self.scale = LANDMARK_SCALE  # landmarks have no region scale of their own
        else:
            self.scale = self._point_scale()
        self.tolerance = float(spec.get("tolerance_cun", 1.0))
        self.hint_after = int(spec.get("hint_after", 3))
        self.misses = 0
        self.steps_shown = 0
        self._steps = None
        self._step_artists = []
        self.last_offset = None
        if figure is None:
            if figure_factory is None:
                from hipcourse.figures.plates import draw_view as figure_factory
            # No points and no labels: the diagram must not give the answer away.
            figure = figure_factory(self.view, layers=spec.get("layers", ["outline", "bones", "landmarks"]),
                                    points=(), labels=False, body=self.body)
            _fit_height(getattr(figure, "figure", figure), LOCATE_MAX_HEIGHT_IN)
            from hipcourse.figures.display import SCREEN_DPI

            # Plates are drawn magnified for reading as pictures; a clickable canvas shows its pixels one to one,
            # so the diagram goes back to screen resolution (about 600 px tall, as above).
            getattr(figure, "figure", figure).set_dpi(SCREEN_DPI)
        self.atlas_figure = figure
        self.figure = getattr(figure, "figure", figure)
        self.ax = self.figure.axes[0]
        factory = canvas_factory if canvas_factory is not None else ipympl_canvas
        self.canvas_widget = factory(self.figure)
        self.canvas = self.figure.canvas
        self._click_artist, = self.ax.plot([], [], linestyle="none", label="your click", zorder=20,
                                           **_CLICK_STYLE)
        self._target_artist, = self.ax.plot([], [], linestyle="none", label=self.code, zorder=21,
                                            **_TARGET_STYLE)
        self._cid = self.canvas.mpl_connect("button_press_event", self._on_press)
        super().__init__(spec, **kwargs)

    def _point_scale(self) -> str:
        course = getattr(self.body, "course", None)
        point = getattr(course, "points", {}).get(self.code) if course is not None else None
        if point is not None and getattr(point, "scale", None):
            return point.scale
        # A body without course data (tests): read the point's scale from points.yaml.
        path = _data_dir() / "points.yaml"
        points = _load_yaml_file(path)["points"]
        for p in points:
            if p.get("code") == self.code and p.get("scale"):
                return p["scale"]
        raise QuizBankError(f"{_display(path)}: point '{self.code}' has no cun scale for grading")

    def _controls(self):
        alt = getattr(self.atlas_figure, "alt_text", None) or getattr(self.atlas_figure, "alt", None)
        self.alt = _html(f'<div class="quiz-alt">Diagram: {_esc(alt)}</div>' if alt else "")
        xmin, xmax = self.ax.get_xlim()
        ymin, ymax = self.ax.get_ylim()
        # Keyboard route to the same answer: type coordinates in cm, then Check.
        self.x_entry = widgets.BoundedFloatText(value=round((xmin + xmax) / 2, 1), min=min(xmin, xmax),
                                                max=max(xmin, xmax), step=0.5, description="x (cm)")
        self.y_entry = widgets.BoundedFloatText(value=round((ymin + ymax) / 2, 1), min=min(ymin, ymax),
                                                max=max(ymin, ymax), step=0.5, description="y (cm)")
        self.placed = False
        self.next_step_button = _button("Show next step", "Draw the next step of the construction")
        self.next_step_button.on_click(self.show_next_step)
        self.steps_html = _html()
        return [self.canvas_widget, self.alt, _row([self.x_entry, self.y_entry]),
                self.next_step_button, self.steps_html]

    def _layout(self, controls):
        """Prompt on top, then the diagram with everything else in a column beside it.

        Side by side, the picture and the feedback are visible together without scrolling; the row wraps
        (the column goes below the picture) when the notebook is narrow.
        """
        canvas, *rest = controls
        canvas.layout.flex = "0 0 auto"  # the picture keeps its size; the column takes what is left
        side = widgets.VBox([*rest, self.buttons, self.feedback],
                            layout=widgets.Layout(flex="1 1 20em", min_width="16em"))
        row = widgets.HBox([canvas, side], layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        return [self.prompt, row]

    def _answer_widgets(self):
        return [self.x_entry, self.y_entry]

    def _on_press(self, event):
        if event.inaxes is not self.ax or event.xdata is None or getattr(event.button, "value", event.button) != 1:
            return
        self.click(event.xdata, event.ydata)

    def click(self, x: float, y: float):
        """Place the learner's marker at (x, y) in cm and grade it (what a mouse click does)."""
        self.x_entry.value, self.y_entry.value = round(float(x), 2), round(float(y), 2)
        self.placed = True
        return self.check()

    def check(self, _button=None):
        # Typing in the boxes and pressing Check counts as placing the marker.
        if _button is not None:
            self.placed = True
        return super().check(_button)

    def answer(self):
        if not self.placed:
            return None
        return [round(float(self.x_entry.value), 2), round(float(self.y_entry.value), 2)]

    def _offset(self, xy):
        result = self.body.describe_offset(tuple(xy), self.target, self.view, scale=self.scale)
        if isinstance(result, tuple):
            distance, words = result
        else:
            distance = getattr(result, "distance_cun")
            words = getattr(result, "words", None) or getattr(result, "text", None) or str(result)
        return float(distance), str(words)

    def grade(self, answer):
        distance, words = self._offset(answer)
        self.last_offset = (distance, words)
        self._click_artist.set_data([answer[0]], [answer[1]])
        correct = distance <= self.tolerance + 1e-9
        if correct:
            self._target_artist.set_data([self.target[0]], [self.target[1]])
            message = (f"Your click is {distance:.1f} cun from {_esc(self.code)} (within {self.tolerance:g} cun). "
                       f"{_esc(self.spec['explanation'])}")
        else:
            self.misses += 1
            message = f"Your click is {_esc(words)}."
            if self.misses >= self.hint_after and self.steps:
                self._draw_steps(self.steps_shown + 1)
                if self.steps_shown < len(self.steps):
                    message += " The construction is being drawn on the diagram, one step per try."
                else:
                    message += " The whole construction is now drawn on the diagram."
            elif self.hint_after - self.misses == 1 and self.steps:
                message += " After one more miss the construction will be drawn step by step."
        self.canvas.draw_idle()
        return correct, message

    # ---- construction steps
    @property
    def steps(self) -> list:
        """The construction steps (landmarks have none: they are found by touch)."""
        if self._steps is None:
            self._steps = [] if self.is_landmark else list(self.body.construction(self.code, self.view))
        return self._steps

    def show_next_step(self, _button=None) -> None:
        """Draw one more step of the construction."""
        self._draw_steps(self.steps_shown + 1)
        self.canvas.draw_idle()

    def _draw_steps(self, n: int) -> None:
        n = min(n, len(self.steps))
        while self.steps_shown < n:
            self._step_artists.extend(_draw_step(self.ax, self.steps[self.steps_shown]))
            self.steps_shown += 1
        items = "".join(f"<li>{_esc(_step_text(s))}</li>" for s in self.steps[: self.steps_shown])
        more = "" if self.steps_shown < len(self.steps) else " (all steps shown)"
        self.steps_html.value = f'<div class="quiz-steps"><b>Construction{more}:</b><ol>{items}</ol></div>'
        self.next_step_button.disabled = self.steps_shown >= len(self.steps)

    def solution_html(self):
        return (f"{_esc(self.code)} is at x = {self.target[0]:.1f} cm, y = {self.target[1]:.1f} cm (star marker). "
                f"{_esc(self.spec['explanation'])}")

    def _show_solution_in_controls(self):
        self._target_artist.set_data([self.target[0]], [self.target[1]])
        self._draw_steps(len(self.steps))
        self.canvas.draw_idle()

    def _set_locked(self, locked):
        super()._set_locked(locked)
        if not self.revealed:
            self.check_button.disabled = False  # locate never freezes: every click is an attempt


def _fit_height(figure, max_height: float) -> None:
    """Scale ``figure`` down (keeping its aspect ratio) so that it is at most ``max_height`` inches tall."""
    width, height = figure.get_size_inches()
    if height > max_height:
        figure.set_size_inches(width * max_height / height, max_height)


def _step_text(step) -> str:
    return str(getattr(step, "label", "") or step)


def _draw_step(ax, step) -> list:
    """Draw one construction step (a :class:`hipcourse.content.expr.Step`); return the new artists.

    The line through the step's inputs is dashed, inputs are small circles and the result a diamond, so the
    drawing does not depend on colour.
    """
    artists = []
    pts = [_xy(p) for p in (getattr(step, "points", None) or ())]
    result = getattr(step, "xy", None)
    kind = getattr(step, "kind", "")
    if kind == "horizontal" and pts:
        artists.append(ax.axhline(pts[0][1], zorder=15, **_STEP_STYLE))
    elif kind == "vertical" and pts:
        artists.append(ax.axvline(pts[0][0], zorder=15, **_STEP_STYLE))
    else:
        line = pts + ([_xy(result)] if result is not None and len(pts) < 2 else [])
        if len(line) >= 2:
            artists += ax.plot([p[0] for p in line], [p[1] for p in line], zorder=15, **_STEP_STYLE)
    if pts:
        artists += ax.plot([p[0] for p in pts], [p[1] for p in pts], zorder=16, **_STEP_POINT_STYLE)
    if result is not None:
        rx, ry = _xy(result)
        artists += ax.plot([rx], [ry], zorder=17, **{**_STEP_POINT_STYLE, "marker": "D", "markersize": 7})
    return artists
