"""Lesson 8 helpers: the final assessment, the progress overview and a completion summary to keep.

* :func:`select_final_questions` picks the final assessment's questions from *every* quiz bank present:
  ``per_lesson`` from each bank, topped up round-robin until there are at least ``min_items``. The choice is
  deterministic (questions are ranked by a SHA-256 hash of a fixed salt and their id, never by a random
  generator), so every learner and every notebook run gets the same assessment, and adding a question to one
  bank does not reshuffle the others.
* :func:`final_assessment` shows them as one :class:`~hipcourse.learning.quiz.Quiz`; its score is stored under
  ``final/assessment`` in the progress file, each answer under its own question id (so the spaced review in
  :mod:`hipcourse.learning.review` sees final-assessment misses too).
* :func:`progress_overview` is a table of progress per lesson; :func:`completion_summary` builds a
  :class:`CompletionSummary`, an HTML page with no timestamps that the learner can download or save into their
  progress folder.
* :func:`point_takeaways` writes one "point to remember" per core point from ``data/points.yaml`` (its first
  ``traditionally_used_for`` item and its pressure rule), so the summary can never contradict lesson 5.
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import base64
import hashlib
import html
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from hipcourse.content.tables import Table

__all__ = [
    "FINAL_BANK",
    "FINAL_QUIZ_ID",
    "SUMMARY_FILE_NAME",
    "FinalItem",
    "select_final_questions",
    "final_assessment",
    "progress_overview",
    "CompletionSummary",
    "completion_summary",
    "point_takeaways",
]

#: Bank and quiz id under which the final assessment's score is stored ("final/assessment").
FINAL_BANK = "final"
FINAL_QUIZ_ID = "assessment"
#: File name of the saved completion summary in the learner's progress folder.
SUMMARY_FILE_NAME = "hip-course-summary.html"

# A fixed salt: changing it would give every learner a different assessment, so it is part of the course.
_SALT = "hipcourse-final-assessment-v1"


@dataclass(frozen=True)
class FinalItem:
    """One question of the final assessment: its bank (``lesson03``), quiz id and question spec."""

    bank: str
    quiz: str
    spec: dict

    @property
    def qid(self) -> str:
        """The question id (unique across banks)."""
        return self.spec["id"]


def _rank(qid: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{qid}".encode("utf-8")).hexdigest()


def select_final_questions(*, banks: Sequence[str] | None = None, per_lesson: int = 3, min_items: int = 20,
                           exclude_types: Sequence[str] = ("locate",), salt: str = _SALT) -> list[FinalItem]:
    """Return the final assessment's questions, drawn deterministically from every bank.

    Args:
        banks: bank names (default: every ``data/quizzes/*.yaml``).
        per_lesson: questions taken from each bank first (a bank with fewer gives all it has).
        min_items: if the first pass gives fewer questions, more are taken round-robin across the banks
            (in bank order) until there are ``min_items`` or no questions are left.
        exclude_types: question types left out (by default ``locate``: those need the lesson's diagram and are
            practised in lessons 5 and 6).
        salt: the ranking salt; the default is the course's fixed salt.

    Returns:
        The questions grouped by bank in bank order, each bank's questions in rank order.

    Raises:
        ValueError: if ``per_lesson`` < 1 or ``min_items`` < 0.
    """
    from hipcourse.learning.banks import all_questions

    if per_lesson < 1:
        raise ValueError(f"select_final_questions: per_lesson must be at least 1, not {per_lesson}")
    if min_items < 0:
        raise ValueError(f"select_final_questions: min_items must not be negative, not {min_items}")
    candidates: dict[str, list[FinalItem]] = {}
    for bank, quiz_id, spec in all_questions(banks=banks):
        if spec["type"] in exclude_types:
            continue
        candidates.setdefault(bank, []).append(FinalItem(bank, quiz_id, spec))
    for items in candidates.values():
        items.sort(key=lambda item: _rank(item.qid, salt))
    taken = {bank: min(per_lesson, len(items)) for bank, items in candidates.items()}
    # Top up one question per bank per round, so no single lesson dominates the extra questions.
    while sum(taken.values()) < min_items:
        grew = False
        for bank, items in candidates.items():
            if sum(taken.values()) >= min_items:
                break
            if taken[bank] < len(items):
                taken[bank] += 1
                grew = True
        if not grew:
            break
    return [item for bank, items in candidates.items() for item in items[:taken[bank]]]


def _store(store):
    if store is not None:
        return store
    from hipcourse.learning.progress import ProgressStore

    return ProgressStore()


def final_assessment(*, per_lesson: int = 3, store=None, banks: Sequence[str] | None = None,
                     min_items: int = 20, canvas_factory=None, body=None):
    """Return the final assessment: a :class:`~hipcourse.learning.quiz.Quiz` of :func:`select_final_questions`.

    Each answer is recorded under its own question id (so :func:`hipcourse.learning.review.review_quiz` brings misses
    back and :func:`progress_overview` counts it for its lesson), and the score under ``final/assessment``. ``store`` defaults to the learner's progress store.
    """
    from hipcourse.learning.quiz import Quiz, make_question

    store = _store(store)
    items = select_final_questions(banks=banks, per_lesson=per_lesson, min_items=min_items)
    # Answers are filed under final/assessment (the record's "bank" says where it was last answered), so the
    # final score never overwrites a lesson quiz's score; review and progress look questions up by id anyway.
    questions = [make_question(item.spec, bank=FINAL_BANK, quiz=FINAL_QUIZ_ID, store=store, body=body,
                               canvas_factory=canvas_factory) for item in items]
    lessons = sorted({item.bank for item in items})
    intro = (f"{len(questions)} questions drawn from {len(lessons)} lessons. Answer them in any order; "
             "each one explains the answer you chose.")
    return Quiz("Final assessment", questions, intro=intro, bank=FINAL_BANK, quiz_id=FINAL_QUIZ_ID, store=store)


# --------------------------------------------------------------------------------------------- overview
def _lesson_titles() -> dict[str, str]:
    """Return ``{"lesson03": "Lesson 3: Safety first", ...}`` from ``data/lessons.yaml`` (empty if absent)."""
    import yaml

    from hipcourse.paths import data_dir

    path = data_dir() / "lessons.yaml"
    if not path.exists():
        return {}
    document = _load_yaml_file(path) or {}
    return {f"lesson{int(item['number']):02d}": f"Lesson {int(item['number'])}: {item['title']}"
            for item in document.get("lessons", []) if isinstance(item, dict) and "number" in item}


def _final_score(progress: dict) -> tuple[int, int] | None:
    record = progress["quizzes"].get(f"{FINAL_BANK}/{FINAL_QUIZ_ID}")
    return (int(record["best"]), int(record["total"])) if record else None


def progress_overview(*, store=None, banks: Sequence[str] | None = None) -> Table:
    """Return a table of the learner's progress in every lesson, plus the final assessment's best score.

    Columns: lesson, questions answered at least once, answered right last time, score. Nothing is written.
    """
    from hipcourse.learning.review import progress_summary

    store = _store(store)
    titles = _lesson_titles()
    rows = []
    for bank, progress in progress_summary(store, banks=banks).items():
        rows.append((titles.get(bank, bank), f"{progress.answered} of {progress.total}",
                     str(progress.correct), f"{round(100 * progress.score)} %"))
    final = _final_score(store.load())
    if final is not None:
        best, total = final
        rows.append(("Final assessment (best score)", f"{total} questions", str(best),
                     f"{round(100 * best / total) if total else 0} %"))
    return Table(caption="Your progress: questions answered, right at the last try, and score, per lesson.",
                 columns=("Lesson", "Answered", "Right last time", "Score"), rows=tuple(rows))


# --------------------------------------------------------------------------------------------- summary
# What every learner should keep, whatever their score. Facts and their sources: facts.md sections 4-7 and the
# NICE NG226 recommendations (E-nice226) and CKS NSAID risk groups (S-cks-nsaids). What each point is used for
# and how hard to press it is NOT written here: point_takeaways() reads it from data/points.yaml.
_TAKEAWAYS: tuple[tuple[str, str], ...] = (
    ("Red flags come first",
     "Get urgent help, and do not press, after a fall with severe hip pain or if you cannot bear weight. The same "
     "goes for a hot, red, swollen joint with fever, for numbness around the genitals or back passage or new "
     "trouble passing urine, and for new weakness in a leg. Lesson 3 has the full list."),
    ("What helps most",
     "For hip osteoarthritis, exercise tailored to you, weight loss if you are overweight, and information and "
     "support are the core care. Ask a pharmacist or doctor before taking pain relief medicines, especially "
     "anti-inflammatories if you are over 65, take blood thinners or have kidney, heart or stomach problems."),
    ("Where acupressure fits",
     "Acupressure for hip pain is unproven (very low certainty; the evidence is indirect). It may give some "
     "general relief, so use it only as an optional, low-risk extra alongside exercise and medical care. Press "
     "comfortably, for 1 to 3 minutes a point, and stop if pain shoots down the leg. Each core point below "
     "says how hard to press it."),
    ("Be patient, and reassess",
     "Pain on the side of the hip often takes 3 to 6 months to settle. If pain is no better after a few weeks, "
     "keeps coming back or limits your sleep or daily life, see your GP or a physiotherapist."),
    ("Stay safe at home",
     "Essential oils add no proven benefit; never swallow them (eucalyptus oil is dangerous even in small "
     "amounts) and keep them away from children."),
)
_TAKEAWAY_SOURCES = ("R-glos", "R-bmjbp-ces", "C-nhs-hipfx", "E-nice226", "E-acr2019", "S-cks-nsaids",
                     "E-ang2021", "E-cochrane-hip", "S-gach", "C-kingston", "R-sussexmsk", "S-poison-org")
#: The general take-away after which the core points' own take-aways are listed.
_POINTS_AFTER = "Where acupressure fits"

# How a named pressure level of data/contraindications.yaml reads, for a point with ``pressure`` but no note.
_LEVEL_WORDS = {"none": "Do not press {code}.", "gentle_touch": "Touch {code} gently only; do not press.",
                "light": "Press {code} lightly only.", "moderate": "Press {code} with moderate pressure only.",
                "firm": "Press {code} firmly but comfortably."}


def _sentences(text: str) -> list[str]:
    """Split a caution into sentences (on ". "), each ending with a full stop."""
    parts = " ".join(str(text).split()).split(". ")
    return [part.strip().rstrip(".") + "." for part in parts if part.strip()]


def _pressure_wording(point) -> str:
    """How hard to press ``point``, in the data's own words.

    In order: its ``pressure_note``; else the words for its ``pressure`` level; else the first sentence of its
    cautions that is about pressing.
    """
    note = point.raw.get("pressure_note")
    if note:
        return " ".join(str(note).split())
    level = point.raw.get("pressure")
    if level:
        if level not in _LEVEL_WORDS:
            raise ValueError(f"data/points.yaml: points[{point.code}].pressure: unknown level {level!r} "
                             f"(known: {', '.join(_LEVEL_WORDS)})")
        return _LEVEL_WORDS[level].format(code=point.code)
    for caution in point.raw.get("cautions", ()):
        for sentence in _sentences(caution):
            if "press" in sentence.lower():
                return sentence
    raise ValueError(f"data/points.yaml: points[{point.code}]: core point with no 'pressure_note', no "
                     "'pressure' and no caution about pressing, so the completion summary cannot say how hard "
                     "to press it")


def point_takeaways(*, course=None) -> tuple[tuple[str, str], ...]:
    """Return one ``(title, text)`` take-away per core point, in ``data/points.yaml`` order.

    The text says what the point is traditionally used for (the first item of its ``traditionally_used_for``)
    and how hard to press it (see :func:`_pressure_wording`), so it always says what lesson 5 says.

    Args:
        course: a loaded :class:`~hipcourse.content.data.Course`; default ``load_course()``.

    Raises:
        ValueError: a core point has no ``traditionally_used_for`` or no pressure wording (the message names
            the file and the point).
    """
    if course is None:
        from hipcourse.content.data import load_course

        course = load_course()
    takeaways = []
    for point in course.points.values():
        if not point.core:
            continue
        uses = [" ".join(str(use).split()) for use in point.raw.get("traditionally_used_for", ())]
        if not uses:
            raise ValueError(f"data/points.yaml: points[{point.code}]: core point without traditionally_used_for, "
                             "so the completion summary cannot say what it is used for")
        text = f"Traditionally used for {uses[0]}. {_pressure_wording(point)}"
        takeaways.append((f"{point.code} ({point.english}, {point.region})", text))
    return tuple(takeaways)


def _with_points(points: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    titles = [title for title, _ in _TAKEAWAYS]
    where = titles.index(_POINTS_AFTER) + 1
    return _TAKEAWAYS[:where] + tuple(points) + _TAKEAWAYS[where:]


@dataclass(frozen=True)
class CompletionSummary:
    """A summary of the course for the learner to keep: progress table, final score and take-away points.

    Displays as HTML with a download link (``_repr_html_``) and as plain text (``repr``); :meth:`save`
    writes the stand-alone page into the progress folder. It contains no date or time, so the same progress
    always gives the same bytes.
    """

    overview: Table
    final: tuple[int, int] | None
    #: Every point to remember, ``(title, text)``, the core points' own from :func:`point_takeaways`.
    takeaways: tuple[tuple[str, str], ...] = _TAKEAWAYS

    # -- content ----------------------------------------------------------------------------------------
    def _final_sentence(self) -> str:
        if self.final is None:
            return "You have not taken the final assessment yet."
        best, total = self.final
        return f"Your best final assessment score: {best} of {total}."

    def _body_html(self) -> str:
        points = "".join(f"<li><strong>{html.escape(title)}.</strong> {html.escape(text)}</li>"
                         for title, text in self.takeaways)
        from hipcourse.content.sources import source_names  # titles, not keys: learners never see a key

        sources = html.escape(source_names(_TAKEAWAY_SOURCES))
        return (
            "<h2>Hip pain self-care course: my summary</h2>"
            f"<p>{html.escape(self._final_sentence())}</p>"
            f"{self.overview._repr_html_()}"
            "<h3>Points to remember</h3>"
            f"<ul>{points}</ul>"
            "<p>This summary is for information; it does not replace advice from a doctor, physiotherapist or "
            f"pharmacist. Sources (see the course's reference lists): {sources}; each point's traditional uses "
            "and pressure are those of lesson 5.</p>"
        )

    def to_html_document(self) -> str:
        """Return the stand-alone HTML page (UTF-8, language set, no scripts, no timestamps)."""
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>Hip pain self-care course: my summary</title>\n"
            "<style>body{font-family:sans-serif;max-width:48em;margin:2em auto;line-height:1.5}"
            "table{border-collapse:collapse}th,td{border:1px solid #666;padding:.25em .5em;text-align:left}"
            "</style>\n</head>\n<body>\n<main>\n" + self._body_html() + "\n</main>\n</body>\n</html>\n"
        )

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.to_html_document().encode("utf-8")).decode("ascii")
        link = (f'<p><a download="{SUMMARY_FILE_NAME}" href="data:text/html;charset=utf-8;base64,{data}">'
                f"Download this summary as a web page ({SUMMARY_FILE_NAME})</a></p>")
        return f'<section class="completion-summary">{self._body_html()}{link}</section>'

    def __repr__(self) -> str:
        points = "\n".join(f"- {title}. {text}" for title, text in self.takeaways)
        return (f"Hip pain self-care course: my summary\n{self._final_sentence()}\n{self.overview!r}\n"
                f"Points to remember:\n{points}")

    # -- saving -----------------------------------------------------------------------------------------
    def save(self, *, path: str | os.PathLike | None = None) -> Path:
        """Write the page to ``path`` (default: ``<progress folder>/hip-course-summary.html``); return the path.

        The file is written to a temporary name and then renamed, so a half-written page never replaces a
        previous one.
        """
        from hipcourse.paths import progress_dir

        target = Path(path) if path is not None else progress_dir() / SUMMARY_FILE_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".summary-", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(self.to_html_document())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def save_button(self, *, path: str | os.PathLike | None = None):
        """Return a widget with a "Save to my progress folder" button and a status line.

        The status names only the file, not the full path, so notebook outputs stay the same on every machine.
        """
        import ipywidgets as widgets

        button = widgets.Button(description="Save summary", tooltip="Save this summary as a web page in your "
                                "progress folder", icon="save")
        status = widgets.HTML(value="")

        def on_click(_button=None) -> None:
            try:
                saved = self.save(path=path)
            except OSError as error:
                status.value = f"<p role='status'>Could not save: {html.escape(error.strerror or str(error))}.</p>"
            else:
                status.value = f"<p role='status'>Saved as {html.escape(saved.name)} in your progress folder.</p>"

        button.on_click(on_click)
        box = _save_box_class()([button, status])
        box.button, box.status = button, status
        return box


def _save_box_class():
    import ipywidgets as widgets

    global _SAVE_BOX
    if _SAVE_BOX is None:
        class SaveSummaryBox(widgets.HBox):
            """Save button and status line for the completion summary."""

            def __repr__(self) -> str:
                return "Save summary button: run the cell, then press Save summary"

        _SAVE_BOX = SaveSummaryBox
    return _SAVE_BOX


_SAVE_BOX = None


def completion_summary(*, store=None, banks: Sequence[str] | None = None, course=None) -> CompletionSummary:
    """Return the learner's :class:`CompletionSummary` (progress per lesson, final score, points to remember).

    Args:
        store: the progress store (default: the learner's).
        banks: quiz banks for the overview (default: every bank).
        course: the loaded course whose core points give their take-aways (default ``load_course()``).
    """
    store = _store(store)
    return CompletionSummary(overview=progress_overview(store=store, banks=banks), final=_final_score(store.load()),
                             takeaways=_with_points(point_takeaways(course=course)))
