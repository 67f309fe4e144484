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

The parts: :mod:`~hipcourse.learning.banks` (reading banks), :mod:`~hipcourse.learning.questions` (the
question widgets), :mod:`~hipcourse.learning.locate` (click-the-point questions). This module puts them
together and re-exports their public names, so notebooks import everything from here.
"""

from __future__ import annotations

import ipywidgets as widgets

from hipcourse.learning.banks import QuizBankError, all_questions, bank_names, load_bank
from hipcourse.learning.locate import Locate, agg_canvas, ipympl_canvas
from hipcourse.learning.questions import (Match, MultipleChoice, Numeric, Question, SingleChoice, TrueFalse, _esc,
                                          _html, _shared)

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

    ``store`` defaults to the learner's :class:`~hipcourse.learning.progress.ProgressStore`. ``canvas_factory``,
    ``figure_factory`` and ``body`` are for tests (see :class:`Locate`).
    """
    data = load_bank(bank)
    quiz = next((q for q in data["quizzes"] if q["id"] == quiz_id), None)
    if quiz is None:
        known = ", ".join(q["id"] for q in data["quizzes"])
        raise QuizBankError(f"data/quizzes/{bank}.yaml: no quiz '{quiz_id}' (quizzes: {known})")
    if store is None:
        from hipcourse.learning.progress import ProgressStore

        store = ProgressStore()
    questions = [make_question(spec, bank=bank, quiz=quiz_id, store=store, body=body, canvas_factory=canvas_factory,
                               figure_factory=figure_factory)
                 for spec in quiz["questions"]]
    return Quiz(quiz["title"], questions, intro=quiz.get("intro"), bank=bank, quiz_id=quiz_id, store=store)
