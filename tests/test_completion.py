"""Tests for hipcourse.completion: final-assessment sampling, the progress overview and the completion summary."""

from __future__ import annotations

import base64
import re
import shutil

import pytest
import yaml

from hipcourse import completion
from hipcourse.completion import (
    FINAL_BANK,
    FINAL_QUIZ_ID,
    SUMMARY_FILE_NAME,
    completion_summary,
    final_assessment,
    progress_overview,
    select_final_questions,
)
from hipcourse.paths import repo_root
from hipcourse.progress import ProgressStore

DATA = repo_root() / "data"


def _truefalse(qid: str) -> dict:
    return {"id": qid, "type": "truefalse", "prompt": f"Statement {qid}.", "answer": True,
            "explanation_true": "Right.", "explanation_false": "Not so.", "sources": ["E-li2018"]}


@pytest.fixture()
def banks_dir(tmp_path, monkeypatch):
    """A data dir with nine small banks: lesson00..lesson08 with 2, 3, 4, ... questions (one locate in lesson05)."""
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir()
    shutil.copy(DATA / "lessons.yaml", tmp_path / "lessons.yaml")
    for lesson in range(9):
        questions = [_truefalse(f"t{lesson}-q{n}") for n in range(2 + lesson)]
        if lesson == 5:
            questions.append({"id": "t5-locate", "type": "locate", "prompt": "Click GB30.", "point": "GB30",
                              "view": "posterior", "tolerance_cun": 1.0, "explanation": "Here.",
                              "sources": ["J-GB30-higokoro"]})
        bank = {"lesson": lesson, "quizzes": [{"id": "main", "title": f"Lesson {lesson}", "questions": questions}]}
        (quizzes / f"lesson{lesson:02d}.yaml").write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture()
def store(tmp_path):
    return ProgressStore(tmp_path / "progress")


# ------------------------------------------------------------------------------------------- sampling
def test_final_assessment_draws_from_every_bank_and_has_at_least_20(banks_dir):
    items = select_final_questions()
    banks = {item.bank for item in items}
    assert banks == {f"lesson{n:02d}" for n in range(9)}
    assert len(items) >= 20
    assert len(items) == 26  # 3 from each of 8 banks + the 2 lesson00 has; 26 >= 20 needs no top-up
    assert sum(item.bank == "lesson00" for item in items) == 2
    assert len({item.qid for item in items}) == len(items)
    assert all(item.spec["type"] != "locate" for item in items)


def test_sampling_is_stable_and_independent_of_other_banks(banks_dir):
    first = [item.qid for item in select_final_questions()]
    assert first == [item.qid for item in select_final_questions()]
    # Adding a question to one bank must not change what is drawn from the others.
    path = banks_dir / "quizzes" / "lesson08.yaml"
    bank = yaml.safe_load(path.read_text(encoding="utf-8"))
    bank["quizzes"][0]["questions"].append(_truefalse("t8-extra"))
    path.write_text(yaml.safe_dump(bank, sort_keys=False), encoding="utf-8")
    after = [item.qid for item in select_final_questions()]
    assert [q for q in first if not q.startswith("t8-")] == [q for q in after if not q.startswith("t8-")]


def test_top_up_round_robin_when_few_banks(banks_dir):
    items = select_final_questions(banks=["lesson07", "lesson08"], per_lesson=3, min_items=20)
    counts = {bank: sum(item.bank == bank for item in items) for bank in ("lesson07", "lesson08")}
    # lesson07 has 9 questions and lesson08 has 10: both banks are used up before reaching 20 items.
    assert counts == {"lesson07": 9, "lesson08": 10}
    items = select_final_questions(banks=["lesson07", "lesson08"], per_lesson=3, min_items=10)
    assert len(items) == 10
    counts = {bank: sum(item.bank == bank for item in items) for bank in ("lesson07", "lesson08")}
    assert counts == {"lesson07": 5, "lesson08": 5}


def test_different_salt_gives_a_different_but_equally_fair_draw(banks_dir):
    default = select_final_questions()
    other = select_final_questions(salt="another-course")
    assert [i.qid for i in default] != [i.qid for i in other]
    assert {i.bank for i in other} == {i.bank for i in default}


def test_sampling_rejects_bad_options(banks_dir):
    with pytest.raises(ValueError, match="per_lesson must be at least 1"):
        select_final_questions(per_lesson=0)
    with pytest.raises(ValueError, match="min_items must not be negative"):
        select_final_questions(min_items=-1)


def test_final_assessment_real_banks_are_sampled_from_every_bank():
    from hipcourse.quiz import bank_names

    items = select_final_questions()
    assert len(items) >= 20
    assert {item.bank for item in items} == set(bank_names())


# ------------------------------------------------------------------------------------------- widget
def test_final_assessment_widget_records_answers_and_score(banks_dir, store):
    quiz = final_assessment(store=store)
    assert len(quiz.questions) == 26 and repr(quiz) == "Quiz: Final assessment: run the cell to answer"
    first = quiz.questions[0]
    first.choice.value = True  # every synthetic question is a true/false statement whose answer is True
    first.check_button.click()
    progress = store.load()
    assert progress["questions"][first.qid]["correct"] is True
    assert progress["questions"][first.qid]["bank"] == FINAL_BANK
    assert progress["quizzes"][f"{FINAL_BANK}/{FINAL_QUIZ_ID}"]["best"] == 1
    assert "Score: 1 / 26" in quiz.score_html.value
    # The final score must not overwrite the score of the lesson quiz the question came from.
    assert not any(key.startswith("lesson") for key in progress["quizzes"])
    # The answer still counts for its lesson in the overview.
    lesson = int(first.qid[1])
    row = next(r for r in progress_overview(store=store).rows if r[0].startswith(f"Lesson {lesson}:"))
    assert row[1].startswith("1 of ") and row[2] == "1"


# ------------------------------------------------------------------------------------------- overview + summary
def test_progress_overview_counts_answers_per_lesson(banks_dir, store):
    store.record_answer("t1-q0", answer=True, correct=True, bank="lesson01", quiz="main")
    store.record_answer("t1-q1", answer=False, correct=False, bank="lesson01", quiz="main")
    table = progress_overview(store=store)
    row = next(r for r in table.rows if r[0].startswith("Lesson 1:"))
    assert row[1:] == ("2 of 3", "1", "33 %")
    assert not any(r[0].startswith("Final") for r in table.rows)
    store.record_score(FINAL_BANK, FINAL_QUIZ_ID, score=20, total=27)
    final_row = progress_overview(store=store).rows[-1]
    assert final_row == ("Final assessment (best score)", "27 questions", "20", "74 %")


def test_completion_summary_is_deterministic_html_without_dates(banks_dir, store):
    store.record_score(FINAL_BANK, FINAL_QUIZ_ID, score=18, total=27)
    summary = completion_summary(store=store)
    document = summary.to_html_document()
    assert document == completion_summary(store=store).to_html_document()
    assert document.startswith("<!DOCTYPE html>") and '<html lang="en">' in document
    assert "Your best final assessment score: 18 of 27." in document
    assert "<script" not in document
    assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b|\d\d:\d\d", document)  # no dates or clock times
    shown = summary._repr_html_()
    match = re.search(r'download="hip-course-summary\.html" href="data:text/html;charset=utf-8;base64,([^"]+)"', shown)
    assert match and base64.b64decode(match.group(1)).decode("utf-8") == document
    assert "Red flags come first" in repr(summary)


def test_completion_summary_without_final_says_so(banks_dir, store):
    assert "You have not taken the final assessment yet." in repr(completion_summary(store=store))


def test_save_writes_into_the_progress_folder(banks_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "learner"))
    summary = completion_summary(store=ProgressStore(tmp_path / "learner"))
    path = summary.save()
    assert path == tmp_path / "learner" / SUMMARY_FILE_NAME
    assert path.read_text(encoding="utf-8") == summary.to_html_document()
    box = summary.save_button()
    box.button.click()
    assert "Saved as hip-course-summary.html in your progress folder" in box.status.value
    assert str(tmp_path) not in box.status.value  # no absolute path in outputs


def test_save_reports_an_unwritable_folder(banks_dir, tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    summary = completion_summary(store=ProgressStore(tmp_path / "p"))
    box = summary.save_button(path=blocker / SUMMARY_FILE_NAME)
    box.button.click()
    assert "Could not save" in box.status.value
    assert completion.__all__
