"""Leitner review order, the review quiz and the per-lesson summary (fixture bank lesson90)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from quiz_fakes import FakeBody, data_copy, make_figure  # noqa: E402

from hipcourse.learning.progress import ProgressStore  # noqa: E402
from hipcourse.learning.quiz import Quiz, QuizBankError, agg_canvas  # noqa: E402
from hipcourse.learning.review import LessonProgress, progress_summary, review_items, review_quiz  # noqa: E402

ALL = ["fx-single", "fx-multiple", "fx-tf", "fx-match", "fx-num-scale", "fx-num-dist", "fx-locate", "fx-locate-gt"]


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(data_copy(tmp_path)))
    return ProgressStore(tmp_path / "progress")


def ids(items):
    return [item.qid for item in items]


def test_unseen_items_come_in_course_order(store):
    assert ids(review_items(store=store)) == ALL


def test_missed_and_unseen_first_then_box_then_last_seen(store):
    # fx-single: right twice (box 3); fx-tf: right once (box 2); fx-match: right once, later (box 2)
    store.record_answer("fx-single", answer="A", correct=True)
    store.record_answer("fx-tf", answer=True, correct=True)
    store.record_answer("fx-single", answer="A", correct=True)
    store.record_answer("fx-match", answer={}, correct=True)
    # fx-multiple: right then wrong -> box 1, needs work
    store.record_answer("fx-multiple", answer=["x"], correct=True)
    store.record_answer("fx-multiple", answer=["x"], correct=False)
    order = ids(review_items(store=store))
    needs_work = ["fx-multiple", "fx-num-scale", "fx-num-dist", "fx-locate", "fx-locate-gt"]
    # all needing work are in box 1; never-seen ones (last_seen 0) come before the one missed at seq 6
    assert order[:5] == ["fx-num-scale", "fx-num-dist", "fx-locate", "fx-locate-gt", "fx-multiple"]
    assert set(order[:5]) == set(needs_work)
    # then box 2 oldest first (fx-tf seen at 2, fx-match at 4), then box 3
    assert order[5:] == ["fx-tf", "fx-match", "fx-single"]


def test_revealed_answers_need_review(store):
    for qid in ALL:
        store.record_answer(qid, answer=1, correct=True)
    store.record_reveal("fx-match")
    items = review_items(store=store)
    assert items[0].qid == "fx-match" and items[0].box == 1 and items[0].needs_work


def fig(view, **kwargs):
    return make_figure()


def test_review_quiz_builds_the_first_items(store):
    store.record_answer("fx-tf", answer=False, correct=False)
    for qid in ("fx-single", "fx-multiple", "fx-match", "fx-num-scale"):
        store.record_answer(qid, answer=1, correct=True)
    quiz = review_quiz(limit=2, store=store, body=FakeBody(), canvas_factory=agg_canvas, figure_factory=fig)
    assert isinstance(quiz, Quiz) and repr(quiz) == "Quiz: Review: run the cell to answer"
    assert [q.qid for q in quiz.questions] == ["fx-num-dist", "fx-locate"]
    quiz2 = review_quiz(limit=1, banks=["lesson90"], store=store, body=FakeBody(), canvas_factory=agg_canvas,
                        figure_factory=fig)
    # answering in the review quiz is recorded like anywhere else
    q = quiz2.questions[0]
    q.entry.value = 8.0
    q.check_button.click()
    assert store.question("fx-num-dist")["box"] == 2
    assert "Score: 1 / 1" in quiz2.score_html.value


def test_review_quiz_limit_must_be_positive(store):
    with pytest.raises(ValueError, match="limit must be at least 1"):
        review_quiz(limit=0, store=store)


def test_review_of_an_unknown_bank_is_a_clear_error(store):
    with pytest.raises(QuizBankError, match="no such quiz bank 'lesson55'"):
        review_quiz(banks=["lesson55"], store=store)


def test_progress_summary_per_lesson(store):
    assert progress_summary(store) == {"lesson90": LessonProgress("lesson90", answered=0, correct=0, total=8)}
    store.record_answer("fx-single", answer="A", correct=True)
    store.record_answer("fx-tf", answer=True, correct=False)
    store.record_reveal("fx-match")  # looked up, never checked: not "answered"
    row = progress_summary(store)["lesson90"]
    assert (row.answered, row.correct, row.total) == (2, 1, 8)
    assert row.score == pytest.approx(1 / 8)
