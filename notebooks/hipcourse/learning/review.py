"""Spaced review with Leitner boxes, and a per-lesson progress summary.

Every question has a Leitner box from 1 to 5 in the progress file: a miss (or "Show answer") sends it back to
box 1, a right answer moves it up one box. :func:`review_items` puts questions that were missed or never seen
first, then orders by box (low boxes need practice most) and by when they were last seen (oldest first).
:func:`review_quiz` turns the first few into a :class:`~hipcourse.learning.quiz.Quiz`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from hipcourse.learning.progress import MAX_BOX, ProgressStore, next_box

__all__ = ["MAX_BOX", "next_box", "ReviewItem", "LessonProgress", "review_items", "review_quiz",
           "progress_summary", "summary_html"]


@dataclass(frozen=True)
class ReviewItem:
    """One question due for review: where it comes from, its spec and its progress record (or None)."""

    bank: str
    quiz: str
    spec: dict
    record: dict | None

    @property
    def qid(self) -> str:
        return self.spec["id"]

    @property
    def box(self) -> int:
        return self.record["box"] if self.record else 1

    @property
    def needs_work(self) -> bool:
        """Never checked, last answer wrong, or answer looked up."""
        rec = self.record
        return rec is None or rec.get("correct") is not True or bool(rec.get("revealed"))


@dataclass(frozen=True)
class LessonProgress:
    """Progress in one bank (lesson): questions answered at least once, answered right last time, and total."""

    bank: str
    answered: int
    correct: int
    total: int

    @property
    def score(self) -> float:
        """Share of the lesson's questions answered right last time (0 to 1)."""
        return self.correct / self.total if self.total else 0.0


def _store(store):
    return store if store is not None else ProgressStore()


def review_items(*, banks=None, store=None) -> list[ReviewItem]:
    """Return every question of ``banks`` (default: all banks) in review order.

    Order: missed or not yet seen first; then by Leitner box (lowest first); then by last seen (oldest first);
    ties keep the course order.
    """
    from hipcourse.learning.banks import all_questions

    records = _store(store).load()["questions"]
    items = [ReviewItem(bank, quiz, spec, records.get(spec["id"])) for bank, quiz, spec in all_questions(banks=banks)]
    order = {id(item): n for n, item in enumerate(items)}
    return sorted(items, key=lambda it: (not it.needs_work, it.box,
                                         it.record["last_seen"] if it.record else 0, order[id(it)]))


def review_quiz(*, banks=None, limit: int = 10, store=None, canvas_factory=None, figure_factory=None, body=None):
    """Build a "Review" quiz of the ``limit`` questions that most need practice (see :func:`review_items`).

    ``canvas_factory``, ``figure_factory`` and ``body`` are passed to locate questions (for tests).
    """
    from hipcourse.learning.quiz import Quiz, make_question

    if limit < 1:
        raise ValueError(f"review_quiz: limit must be at least 1, not {limit}")
    store = _store(store)
    chosen = review_items(banks=banks, store=store)[:limit]
    questions = [make_question(item.spec, bank=item.bank, quiz=item.quiz, store=store, body=body,
                               canvas_factory=canvas_factory, figure_factory=figure_factory) for item in chosen]
    intro = ("Questions you missed or have not tried yet come first." if questions
             else "There is nothing to review yet: no quiz questions were found.")
    return Quiz("Review", questions, intro=intro, store=store)


def progress_summary(store=None, *, banks=None) -> dict[str, LessonProgress]:
    """Return ``{bank: LessonProgress}`` for every bank: answered, correct (last answer right), total, score."""
    from hipcourse.learning.banks import all_questions

    records = _store(store).load()["questions"]
    out: dict[str, dict] = {}
    for bank, _quiz, spec in all_questions(banks=banks):
        row = out.setdefault(bank, {"answered": 0, "correct": 0, "total": 0})
        rec = records.get(spec["id"])
        row["total"] += 1
        if rec and rec["attempts"] > 0:
            row["answered"] += 1
            row["correct"] += rec["correct"] is True
    return {bank: LessonProgress(bank, **row) for bank, row in out.items()}


def summary_html(store=None, *, banks=None) -> str:
    """The progress summary as an accessible HTML table (used by the progress panel)."""
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(p.bank)}</th><td>{p.answered} / {p.total}</td>"
        f"<td>{p.correct}</td><td>{round(100 * p.score)} %</td></tr>"
        for p in progress_summary(store, banks=banks).values()
    )
    return ("<table class='progress-summary'><caption>Quiz progress by lesson</caption>"
            "<tr><th scope='col'>Lesson</th><th scope='col'>Answered</th><th scope='col'>Right</th>"
            f"<th scope='col'>Score</th></tr>{rows}</table>")
