"""The question widgets of a quiz (all :class:`ipywidgets.VBox` subclasses): :class:`Question` with its Check /
Try again / Show answer buttons, and the choice, true/false, match and numeric types. The locate type is in
:mod:`hipcourse.learning.locate`; :mod:`hipcourse.learning.quiz` puts questions together."""

from __future__ import annotations

import functools
import html
import math

import ipywidgets as widgets

from hipcourse.content.data import load_yaml as _load_yaml_file
from hipcourse.learning.banks import QuizBankError, _data_dir, _display

__all__ = ["Question", "SingleChoice", "MultipleChoice", "TrueFalse", "Match", "Numeric"]

# Okabe-Ito colours (see palette.py); the words carry the meaning, the colour only helps.
_GOOD = "#009E73"  # bluish green
_BAD = "#D55E00"  # vermillion
_CLICK_STYLE = {"color": "#0072B2", "marker": "X", "markersize": 11, "markeredgecolor": "#000000"}
_TARGET_STYLE = {"color": "#009E73", "marker": "*", "markersize": 16, "markeredgecolor": "#000000"}
_STEP_STYLE = {"color": "#CC79A7", "linewidth": 1.5, "linestyle": (0, (5, 3))}
_STEP_POINT_STYLE = {"color": "#CC79A7", "marker": "o", "markersize": 6, "linestyle": "none",
                     "markeredgecolor": "#000000"}

# ------------------------------------------------------------------------------------------------ helpers
def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _feedback_html(correct: bool | None, message: str, *, attempts: int | None = None) -> str:
    """Feedback markup: a word verdict first (never colour alone), then the explanations."""
    # The Okabe-Ito colour marks only a side bar: as text colour, bluish green (3.3:1) and vermillion (3.8:1)
    # on white would fail the WCAG AA 4.5:1 contrast for normal text. The words stay in the text colour.
    if correct is None:
        head, bar = "", ""
    elif correct:
        head, bar = "<strong>&#10003; Correct.</strong> ", _GOOD
    else:
        head, bar = "<strong>&#10007; Not quite.</strong> ", _BAD
    style = f' style="border-left:4px solid {bar};padding-left:0.5em"' if bar else ""
    tail = "" if attempts is None else f'<div class="quiz-attempts">Attempts: {attempts}</div>'
    return f'<div class="quiz-feedback" role="status" aria-live="polite"{style}>{head}{message}{tail}</div>'


def _labelled(label, text) -> str:
    """``<b>label</b>`` followed by ``text``, with a colon only when the label does not end a sentence.

    Option texts often are full sentences ("... points."); a colon after them would read "points.: Yes".
    """
    label = str(label).rstrip()
    separator = " " if label.endswith((".", "?", "!", ":", ";")) else ": "
    return f"<b>{_esc(label)}</b>{separator}{_esc(text)}"


@functools.cache
def _shared(name: str):
    """One layout or style model per kernel, shared by every quiz widget that uses it unchanged.

    Why: ipywidgets gives each widget its own Layout and style model. A lesson with six quizzes made about 300
    of them, all with the same values: each is a comm message when the cell runs and an entry in the saved
    widget state. ipywidgets supports sharing one model among many widgets. Nothing in this module changes a
    shared model after creation (a widget whose layout changes, like the locate canvas, keeps its own).
    """
    from ipywidgets.widgets.widget_bool import CheckboxStyle
    from ipywidgets.widgets.widget_description import DescriptionStyle
    from ipywidgets.widgets.widget_string import HTMLStyle

    makers = {"layout": widgets.Layout, "layout:max-content": lambda: widgets.Layout(width="max-content"),
              "style:html": HTMLStyle, "style:button": widgets.ButtonStyle, "style:checkbox": CheckboxStyle,
              "style:description": DescriptionStyle}
    return makers[name]()


def _html(value: str = "") -> widgets.HTML:
    return widgets.HTML(value=value, layout=_shared("layout"), style=_shared("style:html"))


def _row(children) -> widgets.HBox:
    return widgets.HBox(children, layout=_shared("layout"))


def _column(children) -> widgets.VBox:
    return widgets.VBox(children, layout=_shared("layout"))


def _button(description: str, tooltip: str, **kwargs) -> widgets.Button:
    # The description is the accessible name; the tooltip adds a title for mouse and screen-reader users.
    return widgets.Button(description=description, tooltip=tooltip, layout=_shared("layout"),
                          style=_shared("style:button"), **kwargs)


# ------------------------------------------------------------------------------------------------ questions
class Question(widgets.VBox):
    """Base class of all question widgets: prompt, controls, Check / Try again / Show answer, feedback.

    Subclasses implement :meth:`answer` (the current answer as JSON, or None if incomplete), :meth:`grade`
    (``(correct, message_html)``), :meth:`solution_html` and :meth:`_show_solution_in_controls`.

    Attributes a test or the :class:`Quiz` can read: ``attempts`` (number of checked answers), ``correct``
    (last result or None), ``solved`` (answered correctly before any Show answer), ``revealed``.
    """

    kind = "question"
    lock_after_check = True  # controls are frozen after Check until "Try again"

    def __init__(self, spec: dict, *, bank: str | None = None, quiz: str | None = None, store=None):
        self.spec = spec
        self.qid = spec["id"]
        self.bank, self.quiz_id, self.store = bank, quiz, store
        self.attempts = 0
        self.correct: bool | None = None
        self.solved = False
        self.revealed = False
        self._listeners = []
        self.score_source = None  # set by Quiz: () -> (score, total), saved with each answer in one write
        self.prompt = _html(f'<div class="quiz-prompt"><b>{_esc(spec["prompt"])}</b></div>')
        self.check_button = _button("Check", "Check your answer", button_style="primary")
        self.retry_button = _button("Try again", "Clear the feedback and answer again", disabled=True)
        self.show_button = _button("Show answer", "Show the right answer and every explanation")
        self.feedback = _html()
        self.check_button.on_click(self.check)
        self.retry_button.on_click(self.try_again)
        self.show_button.on_click(self.show_answer)
        self.buttons = _row([self.check_button, self.retry_button, self.show_button])
        super().__init__(self._layout(self._controls()), layout=_shared("layout"))
        self.add_class("quiz-question")
        self.add_class(f"quiz-{self.qid}")

    def __repr__(self):
        return f"Question: {self.spec['prompt']}: run the cell to answer"

    # ---- subclass API
    def _controls(self) -> list:
        raise NotImplementedError

    def _layout(self, controls: list) -> list:
        """The question's children: prompt, answer controls, buttons, feedback (one column by default)."""
        return [self.prompt, *controls, self.buttons, self.feedback]

    def _answer_widgets(self) -> list:
        """Widgets to disable while feedback is shown."""
        return []

    def answer(self):
        """Return the current answer as JSON, or None if the learner has not answered (fully) yet."""
        raise NotImplementedError

    def grade(self, answer) -> tuple[bool, str]:
        """Return ``(correct, explanation html)`` for ``answer``."""
        raise NotImplementedError

    def solution_html(self) -> str:
        """The right answer and every explanation, as HTML."""
        raise NotImplementedError

    def _show_solution_in_controls(self) -> None:
        """Set the controls to the right answer (used by Show answer)."""

    _incomplete_message = "Please choose an answer first."

    # ---- behaviour
    def on_change(self, callback) -> None:
        """Call ``callback(question)`` after every Check and Show answer (used by :class:`Quiz`)."""
        self._listeners.append(callback)

    def _notify(self):
        for callback in self._listeners:
            callback(self)

    def _set_locked(self, locked: bool) -> None:
        for w in self._answer_widgets():
            w.disabled = locked
        self.check_button.disabled = locked
        self.retry_button.disabled = not locked

    def check(self, _button=None) -> bool | None:
        """Grade the current answer, show feedback and record it; return the result (None if no answer)."""
        answer = self.answer()
        if answer is None:
            self.feedback.value = _feedback_html(None, self._incomplete_message)
            return None
        self.attempts += 1
        correct, message = self.grade(answer)
        self.correct = bool(correct)
        if self.correct and not self.revealed:
            self.solved = True
        self.feedback.value = _feedback_html(self.correct, message, attempts=self.attempts)
        if self.lock_after_check:
            self._set_locked(True)
        if self.store is not None:
            self.store.record_answer(self.qid, answer=answer, correct=self.correct, bank=self.bank,
                                     quiz=self.quiz_id, quiz_score=self._score())
        self._notify()
        return self.correct

    def try_again(self, _button=None) -> None:
        """Clear the feedback and let the learner change their answer."""
        self.feedback.value = ""
        self._set_locked(False)

    def show_answer(self, _button=None) -> None:
        """Show the right answer and every explanation; the question no longer counts towards the score."""
        self.revealed = True
        self._show_solution_in_controls()
        self.feedback.value = _feedback_html(None, f"<b>Answer:</b> {self.solution_html()}")
        self._set_locked(True)
        if self.store is not None:
            self.store.record_reveal(self.qid, bank=self.bank, quiz=self.quiz_id, quiz_score=self._score())
        self._notify()

    def _score(self):
        return self.score_source() if self.score_source is not None else None


class _ChoiceWidgetMixin:
    """For questions answered with one selection widget stored as ``self.choice`` (radio or toggle buttons)."""

    def _answer_widgets(self):
        return [self.choice]

    def answer(self):
        return self.choice.value


class _OptionsQuestion(Question):
    def _options(self):
        return self.spec["options"]

    def _explained(self, chosen_texts) -> str:
        items = "".join(
            f"<li>{_labelled(o['text'], o['explanation'])}</li>"
            for o in self._options() if o["text"] in chosen_texts
        )
        return f"<ul>{items}</ul>"

    def solution_html(self) -> str:
        items = "".join(
            f"<li>{'&#10003; Right' if o.get('correct') else '&#10007; Wrong'} option: "
            f"{_labelled(o['text'], o['explanation'])}</li>"
            for o in self._options()
        )
        return f"<ul>{items}</ul>"


class SingleChoice(_ChoiceWidgetMixin, _OptionsQuestion):
    """One right option among several (RadioButtons).

    Keyboard: ipywidgets renders each option as its own ``<input type="radio">`` without a shared ``name``, so
    every option is a separate Tab stop and Space selects it; the arrow keys do not move between options as in
    a native radio group.  This is ipywidgets' behaviour and is left as is (no script is injected to change
    it); the browser test ``tests/browser/test_keyboard.py`` answers a question this way.
    """

    kind = "single"

    def _controls(self):
        self.choice = widgets.RadioButtons(options=[o["text"] for o in self.spec["options"]], value=None,
                                           description="Answer", layout=_shared("layout:max-content"),
                                           style=_shared("style:description"))
        return [self.choice]

    def grade(self, answer):
        option = next((o for o in self._options() if o["text"] == answer), None)
        if option is None:
            raise ValueError(f"question {self.qid}: {answer!r} is not one of its options")
        return bool(option.get("correct")), self._explained({answer})

    def _show_solution_in_controls(self):
        self.choice.value = next(o["text"] for o in self._options() if o.get("correct"))


class MultipleChoice(_OptionsQuestion):
    """Choose every right option (one Checkbox per option)."""

    kind = "multiple"
    _incomplete_message = "Please tick at least one option first."

    def _controls(self):
        self.boxes = [widgets.Checkbox(value=False, description=o["text"], indent=False,
                                       layout=_shared("layout:max-content"), style=_shared("style:checkbox"))
                      for o in self.spec["options"]]
        self.choices = _column(self.boxes)
        self.choices.add_class("quiz-options")
        return [self.choices]

    def _answer_widgets(self):
        return self.boxes

    def answer(self):
        chosen = [b.description for b in self.boxes if b.value]
        return chosen or None

    def grade(self, answer):
        chosen = set(answer)
        right = {o["text"] for o in self._options() if o.get("correct")}
        message = self._explained(chosen)
        missed = len(right - chosen)
        if chosen != right and missed:
            message += f"<p>{missed} right option{'s were' if missed > 1 else ' was'} not ticked.</p>"
        return chosen == right, message

    def _show_solution_in_controls(self):
        for box, option in zip(self.boxes, self._options()):
            box.value = bool(option.get("correct"))


class TrueFalse(_ChoiceWidgetMixin, Question):
    """A statement to judge (ToggleButtons True / False)."""

    kind = "truefalse"

    def _controls(self):
        self.choice = widgets.ToggleButtons(options=[("True", True), ("False", False)], value=None,
                                            description="Answer", tooltips=["The statement is true",
                                                                            "The statement is false"])
        return [self.choice]

    def grade(self, answer):
        explanation = self.spec["explanation_true" if answer else "explanation_false"]
        return answer == self.spec["answer"], _esc(explanation)

    def solution_html(self):
        return (f"the statement is <b>{'true' if self.spec['answer'] else 'false'}</b>."
                f"<ul><li>If you said true: {_esc(self.spec['explanation_true'])}</li>"
                f"<li>If you said false: {_esc(self.spec['explanation_false'])}</li></ul>")

    def _show_solution_in_controls(self):
        self.choice.value = self.spec["answer"]


class Match(Question):
    """Match each left-hand item to one right-hand item (one Dropdown per left item)."""

    kind = "match"
    _incomplete_message = "Please choose a match for every item first."

    def _controls(self):
        pairs = self.spec["pairs"]
        # Sorted, not shuffled: notebooks must be deterministic, and sorting hides the bank's order.
        rights = sorted({p["right"] for p in pairs} | set(self.spec.get("distractors", [])), key=str.casefold)
        self.dropdowns = [widgets.Dropdown(options=rights, value=None, description=p["left"],
                                           style={"description_width": "initial"},
                                           layout=widgets.Layout(width="max-content"))
                          for p in pairs]
        return [widgets.VBox(self.dropdowns)]

    def _answer_widgets(self):
        return self.dropdowns

    def answer(self):
        if any(d.value is None for d in self.dropdowns):
            return None
        return {d.description: d.value for d in self.dropdowns}

    def grade(self, answer):
        rows, n_right = [], 0
        for pair in self.spec["pairs"]:
            if answer.get(pair["left"]) == pair["right"]:
                n_right += 1
                rows.append(f"<li>&#10003; {_labelled(pair['left'], pair['explanation'])}</li>")
            else:
                rows.append(f"<li>&#10007; <b>{_esc(pair['left'])}</b>: not this one yet.</li>")
        total = len(self.spec["pairs"])
        return n_right == total, f"{n_right} of {total} matched.<ul>{''.join(rows)}</ul>"

    def solution_html(self):
        rows = "".join(f"<li><b>{_esc(p['left'])}</b> &rarr; {_labelled(p['right'], p['explanation'])}</li>"
                       for p in self.spec["pairs"])
        return f"<ul>{rows}</ul>"

    def _show_solution_in_controls(self):
        for d, pair in zip(self.dropdowns, self.spec["pairs"]):
            d.value = pair["right"]


def _xy(value) -> tuple[float, float]:
    """Coordinates from a geometry object: a pair, or anything with ``x`` and ``y``."""
    if hasattr(value, "x") and hasattr(value, "y"):
        return float(value.x), float(value.y)
    x, y = value
    return float(x), float(y)


def _reference_body():
    from hipcourse.content.geometry import Body

    return Body.reference()


def _scale_cun(scale_id: str, *, body=None) -> float:
    """The cun count of scale ``scale_id`` (from ``scales.yaml``)."""
    path = _data_dir() / "scales.yaml"
    try:
        scales = _load_yaml_file(path)["scales"]
    except (OSError, KeyError, TypeError) as exc:
        raise QuizBankError(f"{_display(path)}: cannot read the cun scales ({exc})") from exc
    for scale in scales:
        if scale.get("id") == scale_id:
            return float(scale["cun"])
    raise QuizBankError(f"{_display(path)}: no scale '{scale_id}' (used by a numeric quiz answer)")


def _position(body, name: str, view: str):
    """Position of a point code or a landmark id in ``view``, via the geometry module."""
    errors = []
    for method in ("point", "landmark", "position"):
        fn = getattr(body, method, None)
        if fn is None:
            continue
        try:
            return _xy(fn(name, view))
        except (KeyError, ValueError, LookupError) as exc:
            errors.append(str(exc))
    raise QuizBankError(f"'{name}' has no position in the {view} view ({'; '.join(errors) or 'unknown name'})")


def _cm_per_cun(body, scale_id: str) -> float:
    value = body.cun(scale_id)
    return float(getattr(value, "cm_per_cun", value))


class Numeric(Question):
    """A number to enter (FloatText); the answer is computed from the course data, never typed in the bank."""

    kind = "numeric"

    def __init__(self, spec, *, body=None, **kwargs):
        self._body = body
        super().__init__(spec, **kwargs)

    def _controls(self):
        unit = self.spec.get("unit", "")
        self.entry = widgets.FloatText(value=0.0, description="Answer", step=0.5)
        self.unit_label = _html(_esc(unit))
        return [_row([self.entry, self.unit_label])]

    def _answer_widgets(self):
        return [self.entry]

    @functools.cached_property
    def expected(self) -> float:
        """The right answer, computed from ``scales.yaml`` or the reference body."""
        spec = self.spec["answer"]
        if "value" in spec:
            return float(spec["value"])
        if "scale_cun" in spec:
            return _scale_cun(spec["scale_cun"])
        body = self._body if self._body is not None else _reference_body()
        a_name, b_name = spec["distance_cun"]
        a, b = _position(body, a_name, spec["view"]), _position(body, b_name, spec["view"])
        axis = spec.get("axis", "distance")
        if axis == "vertical":
            cm = abs(a[1] - b[1])
        elif axis == "horizontal":
            cm = abs(a[0] - b[0])
        else:
            cm = math.hypot(a[0] - b[0], a[1] - b[1])
        return round(cm / _cm_per_cun(body, spec["scale"]), 2)

    @property
    def tolerance(self) -> float:
        return float(self.spec.get("tolerance", 0.5))

    def answer(self):
        value = float(self.entry.value)
        return value if math.isfinite(value) else None

    _incomplete_message = "Please type a number first."

    def grade(self, answer):
        expected = self.expected
        if abs(answer - expected) <= self.tolerance + 1e-9:
            return True, _esc(self.spec["explanation_correct"])
        key = "explanation_low" if answer < expected else "explanation_high"
        word = "too low" if answer < expected else "too high"
        return False, f"Your answer is {word}. {_esc(self.spec[key])}"

    def solution_html(self):
        unit = self.spec.get("unit", "")
        return f"<b>{self.expected:g} {_esc(unit)}</b>. {_esc(self.spec['explanation_correct'])}"

    def _show_solution_in_controls(self):
        self.entry.value = self.expected
