"""Self-check quizzes built from the quiz banks in ``data/quizzes/lessonNN.yaml``.

One widget class per question type (all :class:`ipywidgets.VBox` subclasses):

=============  =========================  ==================================================
bank ``type``  class                      answer controls
=============  =========================  ==================================================
single         :class:`SingleChoice`      RadioButtons
multiple       :class:`MultipleChoice`    one Checkbox per option
truefalse      :class:`TrueFalse`         ToggleButtons True / False
match          :class:`Match`             one Dropdown per left-hand item
numeric        :class:`Numeric`           FloatText
locate         :class:`Locate`            a click on the diagram (or x/y boxes from the keyboard)
=============  =========================  ==================================================

Every question has Check / Try again / Show answer buttons and puts its feedback into an ``HTML`` widget value
(never an ``Output`` widget), in words ("Correct", "Not quite") and not colour alone, with the explanation of
every option chosen. :class:`Quiz` groups questions with a title and a score line, and :func:`show_quiz` builds
one from a bank. Unrun, a quiz cell shows its ``text/plain`` form: ``Quiz: <title>: run the cell to answer``.

Locate questions are written against matplotlib's event connection (``mpl_connect("button_press_event")``), so
they run under Agg in plain pytest; in JupyterLab the figure gets an interactive ipympl canvas (made without the
``%matplotlib widget`` magic) from :func:`ipympl_canvas`.
"""

from __future__ import annotations

from .data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file
from .schemas import jsonschema_module, surely_valid  # schemas.py itself imports nothing heavy

import functools
import html
import json
import math
from pathlib import Path

import ipywidgets as widgets

__all__ = [
    "QuizBankError",
    "load_bank",
    "bank_names",
    "all_questions",
    "Question",
    "SingleChoice",
    "MultipleChoice",
    "TrueFalse",
    "Match",
    "Numeric",
    "Locate",
    "Quiz",
    "make_question",
    "show_quiz",
    "ipympl_canvas",
    "agg_canvas",
]

# Okabe-Ito colours (see palette.py); the words carry the meaning, the colour only helps.
_GOOD = "#009E73"  # bluish green
_BAD = "#D55E00"  # vermillion
_CLICK_STYLE = {"color": "#0072B2", "marker": "X", "markersize": 11, "markeredgecolor": "#000000"}
_TARGET_STYLE = {"color": "#009E73", "marker": "*", "markersize": 16, "markeredgecolor": "#000000"}
_STEP_STYLE = {"color": "#CC79A7", "linewidth": 1.5, "linestyle": (0, (5, 3))}
_STEP_POINT_STYLE = {"color": "#CC79A7", "marker": "o", "markersize": 6, "linestyle": "none",
                     "markeredgecolor": "#000000"}


class QuizBankError(ValueError):
    """A quiz bank is missing or not valid; the message names the file, the entry and the problem."""


# ------------------------------------------------------------------------------------------------ banks
def _data_dir() -> Path:
    from hipcourse import paths

    return paths.data_dir()


def _display(path: Path) -> str:
    from hipcourse import paths

    return paths.display_path(path)


@functools.lru_cache(maxsize=1)
def _bank_schema() -> dict:
    from hipcourse import paths

    path = paths.repo_root() / "data" / "schemas" / "quiz_bank.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _bank_validator():
    return jsonschema_module().Draft202012Validator(_bank_schema())


def bank_names(*, data_dir=None) -> list[str]:
    """Return the names of the banks in ``data/quizzes`` (``["lesson00", "lesson01", ...]``), sorted."""
    folder = Path(data_dir) if data_dir is not None else _data_dir()
    return sorted(p.stem for p in (folder / "quizzes").glob("*.yaml"))


def load_bank(bank: str, *, data_dir=None) -> dict:
    """Load, validate and return bank ``bank`` (e.g. ``"lesson01"``) from ``data/quizzes/<bank>.yaml``.

    Raises :class:`QuizBankError` naming the file, the entry and the problem. Results are cached until the file
    changes, so showing many quizzes from one bank reads it once.
    """
    folder = Path(data_dir) if data_dir is not None else _data_dir()
    path = folder / "quizzes" / f"{bank}.yaml"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        known = ", ".join(bank_names(data_dir=folder)) or "none"
        raise QuizBankError(f"{_display(path)}: no such quiz bank '{bank}' (banks: {known})") from None
    return _load_bank_cached(str(path), stamp)


@functools.lru_cache(maxsize=64)
def _load_bank_cached(path_str: str, _stamp: int) -> dict:
    import yaml

    path = Path(path_str)
    where = _display(path)
    try:
        data = _load_yaml_file(path)
    except yaml.YAMLError as exc:
        raise QuizBankError(f"{where}: not valid YAML: {exc}") from exc
    # A valid bank (the usual case) is confirmed without importing jsonschema, which was most of the cost of
    # the first quiz in a kernel. Anything else goes to jsonschema, so its verdict and its messages decide.
    errors = [] if surely_valid(data, _bank_schema()) else sorted(
        _bank_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        err = min(errors, key=lambda e: len(list(e.absolute_path)) * -1)  # the deepest error is the most precise
        raise QuizBankError(f"{where}: {_entry_name(data, err.absolute_path)}: {err.message}")
    _check_bank_semantics(data, where)
    return data


def _entry_name(data, path) -> str:
    """Turn a JSON path into readable words, e.g. ``quizzes[landmarks].questions[l1-gt-bump].options[1]``."""
    out, node = [], data
    for part in path:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if part < len(node) else None
            label = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else part
            out.append(f"[{label}]")
            node = item
        else:
            out.append(f".{part}" if out else str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(out) or "(top level)"


def _check_bank_semantics(data: dict, where: str) -> None:
    quiz_ids, question_ids = set(), set()
    for quiz in data["quizzes"]:
        if quiz["id"] in quiz_ids:
            raise QuizBankError(f"{where}: quizzes[{quiz['id']}]: quiz id used twice")
        quiz_ids.add(quiz["id"])
        for q in quiz["questions"]:
            name = f"quizzes[{quiz['id']}].questions[{q['id']}]"
            if q["id"] in question_ids:
                raise QuizBankError(f"{where}: {name}: question id used twice")
            question_ids.add(q["id"])
            if q["type"] in ("single", "multiple"):
                n_correct = sum(bool(o.get("correct")) for o in q["options"])
                texts = [o["text"] for o in q["options"]]
                if len(set(texts)) != len(texts):
                    raise QuizBankError(f"{where}: {name}.options: two options have the same text")
                if q["type"] == "single" and n_correct != 1:
                    raise QuizBankError(f"{where}: {name}.options: a 'single' question needs exactly one "
                                        f"correct option, found {n_correct}")
                if q["type"] == "multiple" and n_correct < 1:
                    raise QuizBankError(f"{where}: {name}.options: a 'multiple' question needs at least one "
                                        "correct option")
            if q["type"] == "match":
                lefts = [p["left"] for p in q["pairs"]]
                if len(set(lefts)) != len(lefts):
                    raise QuizBankError(f"{where}: {name}.pairs: two pairs have the same left item")
            if q["type"] == "numeric" and "distance_cun" in q["answer"] and "axis" not in q["answer"]:
                q["answer"]["axis"] = "distance"


def all_questions(*, banks=None, data_dir=None) -> list[tuple[str, str, dict]]:
    """Return ``(bank, quiz id, question spec)`` for every question of ``banks`` (default: all banks).

    Raises :class:`QuizBankError` if a question id is used in two banks (progress is stored per id).
    """
    banks = bank_names(data_dir=data_dir) if banks is None else list(banks)
    seen, out = {}, []
    for bank in banks:
        data = load_bank(bank, data_dir=data_dir)
        for quiz in data["quizzes"]:
            for q in quiz["questions"]:
                if q["id"] in seen and seen[q["id"]] != bank:
                    raise QuizBankError(f"data/quizzes/{bank}.yaml: quizzes[{quiz['id']}].questions[{q['id']}]: "
                                        f"question id also used in {seen[q['id']]}.yaml (ids must be unique)")
                seen[q["id"]] = bank
                out.append((bank, quiz["id"], q))
    return out


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
    from hipcourse.geometry import Body

    return Body.reference()


def _scale_cun(scale_id: str, *, body=None) -> float:
    """The cun count of scale ``scale_id`` (from ``scales.yaml``)."""
    import yaml

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


# ------------------------------------------------------------------------------------------------ locate
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
    body: the :class:`hipcourse.geometry.Body` to grade against (default: ``Body.reference()``).
    figure: an ``AtlasFigure`` or matplotlib ``Figure`` to draw on (default: made by ``figure_factory``).
    figure_factory: called like :func:`hipcourse.atlas.draw_view` (the default) with ``view, layers=...,
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
                from hipcourse.atlas import draw_view as figure_factory
            # No points and no labels: the diagram must not give the answer away.
            figure = figure_factory(self.view, layers=spec.get("layers", ["outline", "bones", "landmarks"]),
                                    points=(), labels=False, body=self.body)
            _fit_height(getattr(figure, "figure", figure), LOCATE_MAX_HEIGHT_IN)
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
        import yaml  # a body without course data (tests): read the point's scale from points.yaml

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
    """Draw one construction step (a :class:`hipcourse.expr.Step`); return the new artists.

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


# ------------------------------------------------------------------------------------------------ quiz
_CLASSES = {"single": SingleChoice, "multiple": MultipleChoice, "truefalse": TrueFalse, "match": Match,
            "numeric": Numeric, "locate": Locate}


def make_question(spec: dict, *, bank=None, quiz=None, store=None, body=None, canvas_factory=None, figure=None,
                  figure_factory=None):
    """Build the widget for one question spec (a mapping in bank format)."""
    cls = _CLASSES.get(spec.get("type"))
    if cls is None:
        raise QuizBankError(f"question {spec.get('id')!r}: unknown type {spec.get('type')!r} "
                            f"(one of {', '.join(_CLASSES)})")
    kwargs = {"bank": bank, "quiz": quiz, "store": store}
    if cls is Numeric:
        kwargs["body"] = body
    if cls is Locate:
        kwargs.update(body=body, canvas_factory=canvas_factory, figure=figure, figure_factory=figure_factory)
    return cls(spec, **kwargs)


class Quiz(widgets.VBox):
    """A titled group of questions with a score line ("Score: 3 / 5") and messages about saved progress."""

    def __init__(self, title: str, questions, *, intro: str | None = None, bank: str | None = None,
                 quiz_id: str | None = None, store=None):
        self.title = title
        self.questions = list(questions)
        self.bank, self.quiz_id, self.store = bank, quiz_id, store
        self.heading = _html(f"<h3>{_esc(title)}</h3>" + (f"<p>{_esc(intro)}</p>" if intro else ""))
        self.score_html = _html()
        self.warnings_html = _html()
        for q in self.questions:
            q.on_change(self._changed)
            if bank and quiz_id:
                q.score_source = lambda: (self.score, self.total)
        super().__init__([self.heading, *self.questions, self.score_html, self.warnings_html],
                         layout=_shared("layout"))
        self.add_class("quiz")
        if store is not None:
            store.load()  # read now, so a damaged progress file is reported before the first answer
        if quiz_id:
            self.add_class(f"quiz-{bank}-{quiz_id}" if bank else f"quiz-{quiz_id}")
        self._refresh()

    def __repr__(self):
        return f"Quiz: {self.title}: run the cell to answer"

    @property
    def score(self) -> int:
        """Questions answered correctly without Show answer."""
        return sum(q.solved for q in self.questions)

    @property
    def total(self) -> int:
        return len(self.questions)

    def _refresh(self):
        self.score_html.value = f'<div class="quiz-score">Score: {self.score} / {self.total}</div>'
        messages = getattr(self.store, "warnings_for_learner", None) or []
        self.warnings_html.value = "".join(
            f'<div class="quiz-warning" role="alert"><b>Note:</b> {_esc(m)}</div>' for m in messages
        )

    def _changed(self, _question):
        # The score was saved together with the answer (one write); only the display changes here.
        self._refresh()


def show_quiz(bank: str, quiz_id: str, *, store=None, canvas_factory=None, figure_factory=None,
              body=None) -> Quiz:
    """Build the quiz ``quiz_id`` of bank ``bank`` (``show_quiz("lesson01", "landmarks")``).

    ``store`` defaults to the learner's :class:`~hipcourse.progress.ProgressStore`. ``canvas_factory``,
    ``figure_factory`` and ``body`` are for tests (see :class:`Locate`).
    """
    data = load_bank(bank)
    quiz = next((q for q in data["quizzes"] if q["id"] == quiz_id), None)
    if quiz is None:
        known = ", ".join(q["id"] for q in data["quizzes"])
        raise QuizBankError(f"data/quizzes/{bank}.yaml: no quiz '{quiz_id}' (quizzes: {known})")
    if store is None:
        from hipcourse.progress import ProgressStore

        store = ProgressStore()
    questions = [make_question(spec, bank=bank, quiz=quiz_id, store=store, body=body, canvas_factory=canvas_factory,
                               figure_factory=figure_factory)
                 for spec in quiz["questions"]]
    return Quiz(quiz["title"], questions, intro=quiz.get("intro"), bank=bank, quiz_id=quiz_id, store=store)
