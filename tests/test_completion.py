"""Tests for hipcourse.learning.completion: final-assessment sampling, the progress overview and the completion summary."""

from __future__ import annotations

import base64
import dataclasses
import html
import re
import shutil
import types

import pytest
import yaml

from hipcourse.learning import completion
from hipcourse.learning.completion import (
    FINAL_BANK,
    FINAL_QUIZ_ID,
    SUMMARY_FILE_NAME,
    completion_summary,
    final_assessment,
    point_takeaways,
    progress_overview,
    select_final_questions,
)
from hipcourse.content.data import load_course
from hipcourse.paths import repo_root
from hipcourse.learning.progress import ProgressStore

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
    shutil.copy(DATA / "sources.yaml", tmp_path / "sources.yaml")  # the summary names its sources by title
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


@pytest.fixture()
def course():
    """The full course data (the banks_dir fixture's data folder has quiz banks only, no points.yaml)."""
    return load_course(DATA)


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
    from hipcourse.learning.quiz import bank_names

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


def test_completion_summary_is_deterministic_html_without_dates(banks_dir, store, course):
    store.record_score(FINAL_BANK, FINAL_QUIZ_ID, score=18, total=27)
    summary = completion_summary(store=store, course=course)
    document = summary.to_html_document()
    assert document == completion_summary(store=store, course=course).to_html_document()
    assert document.startswith("<!DOCTYPE html>") and '<html lang="en">' in document
    assert "Your best final assessment score: 18 of 27." in document
    assert "<script" not in document
    assert not re.search(r"\b(19|20)\d\d-\d\d-\d\d\b|\d\d:\d\d", document)  # no dates or clock times
    shown = summary._repr_html_()
    match = re.search(r'download="hip-course-summary\.html" href="data:text/html;charset=utf-8;base64,([^"]+)"', shown)
    assert match and base64.b64decode(match.group(1)).decode("utf-8") == document
    assert "Red flags come first" in repr(summary)


def test_completion_summary_without_final_says_so(banks_dir, store, course):
    assert "You have not taken the final assessment yet." in repr(completion_summary(store=store, course=course))


def test_save_writes_into_the_progress_folder(banks_dir, tmp_path, monkeypatch, course):
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "learner"))
    summary = completion_summary(store=ProgressStore(tmp_path / "learner"), course=course)
    path = summary.save()
    assert path == tmp_path / "learner" / SUMMARY_FILE_NAME
    assert path.read_text(encoding="utf-8") == summary.to_html_document()
    box = summary.save_button()
    box.button.click()
    assert "Saved as hip-course-summary.html in your progress folder" in box.status.value
    assert str(tmp_path) not in box.status.value  # no absolute path in outputs


def test_save_reports_an_unwritable_folder(banks_dir, tmp_path, course):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    summary = completion_summary(store=ProgressStore(tmp_path / "p"), course=course)
    box = summary.save_button(path=blocker / SUMMARY_FILE_NAME)
    box.button.click()
    assert "Could not save" in box.status.value
    assert completion.__all__


# ----------------------------------------------------------------------- take-aways come from the point data
def test_each_core_point_has_a_takeaway_with_its_traditional_use_and_pressure_rule_from_the_data():
    course = load_course()
    takeaways = point_takeaways(course=course)
    core = [point for point in course.points.values() if point.core]
    assert [title.split(" ")[0] for title, _ in takeaways] == [point.code for point in core]
    for (title, text), point in zip(takeaways, core):
        assert text.startswith(f"Traditionally used for {point.raw['traditionally_used_for'][0]}.")
        note = point.raw.get("pressure_note")
        if note:
            assert " ".join(note.split()) in text
        else:  # the first caution sentence about pressing
            assert "press" in text.split(". ", 1)[1].lower()


def test_sp12_takeaway_says_what_lesson_5_says_lower_belly_pain_and_light_pressure_only(tmp_path):
    summary = completion_summary(store=ProgressStore(tmp_path / "p"), course=load_course())
    text = dict(summary.takeaways)["SP12 (Surging Gate, groin)"]
    assert text.startswith("Traditionally used for lower-belly (lower abdominal) pain.")
    assert "lightly only" in text and "never firmly" in text
    page = summary.to_html_document()
    assert html.escape(text) in page and text in repr(summary)
    # The old hand-written claim (SP12 "for hip pain", "press firmly") must be gone from the whole summary.
    assert "SP12 are traditionally used for hip" not in page
    assert "Press firmly" not in page


def test_summary_follows_the_point_data_when_it_changes(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    points = folder / "points.yaml"
    text = points.read_text(encoding="utf-8")
    old_use = "      - lower-belly (lower abdominal) pain\n"
    old_note = "      Press SP12 lightly only, never firmly: the femoral artery and nerve lie right beside it. If you are\n"
    assert text.count(old_use) == 1 and text.count(old_note) == 1
    text = text.replace(old_use, "      - a test use that only this copy has\n")
    text = text.replace(old_note, "      Test wording for SP12 only. If you are\n")
    points.write_text(text, encoding="utf-8")
    summary = completion_summary(store=ProgressStore(tmp_path / "p"), course=load_course(folder))
    sp12 = dict(summary.takeaways)["SP12 (Surging Gate, groin)"]
    assert sp12.startswith("Traditionally used for a test use that only this copy has.")
    assert "Test wording for SP12 only." in sp12 and "lower-belly" not in sp12
    assert "a test use that only this copy has" in summary.to_html_document()


def test_a_core_point_without_any_pressure_wording_is_a_clear_error():
    course = load_course()
    point = course.points["GB30"]
    bare = dataclasses.replace(point, raw={**point.raw, "cautions": ["Nothing about force here."],
                                           "pressure_note": None, "pressure": None})
    fake = types.SimpleNamespace(points={"GB30": bare})
    with pytest.raises(ValueError, match=r"^data/points\.yaml: points\[GB30\]: core point with no 'pressure_note'"):
        point_takeaways(course=fake)
    unused = dataclasses.replace(point, raw={**point.raw, "traditionally_used_for": []})
    with pytest.raises(ValueError, match=r"points\[GB30\]: core point without traditionally_used_for"):
        point_takeaways(course=types.SimpleNamespace(points={"GB30": unused}))
    level = dataclasses.replace(point, raw={**point.raw, "pressure": "light"})
    assert point_takeaways(course=types.SimpleNamespace(points={"GB30": level}))[0][1].endswith(
        "Press GB30 lightly only.")


def test_summary_agrees_with_the_acupressure_verdict_and_cites_known_sources(tmp_path):
    treatments = yaml.safe_load((DATA / "treatments.yaml").read_text(encoding="utf-8"))["treatments"]
    acupressure = next(t for t in treatments if t["id"] == "practitioner-acupressure")
    assert (acupressure["verdict"], acupressure["certainty"]) == ("unproven", "very-low")
    summary = completion_summary(store=ProgressStore(tmp_path / "p"), course=load_course())
    fits = dict(summary.takeaways)["Where acupressure fits"]
    assert fits.startswith("Acupressure for hip pain is unproven (very low certainty")
    keys = {entry["key"] for entry in yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["sources"]}
    assert set(completion._TAKEAWAY_SOURCES) <= keys


def test_summary_sentences_are_plain_length(tmp_path):
    summary = completion_summary(store=ProgressStore(tmp_path / "p"), course=load_course())
    for title, text in summary.takeaways:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            assert len(sentence.split()) <= 35, (title, sentence)
