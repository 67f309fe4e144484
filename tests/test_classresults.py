"""Class results (hipcourse.instructor.classresults): read-only loading, bad files reported, summaries and figure."""

import hashlib
import json
import os

import pytest

from hipcourse.instructor import classresults
from hipcourse.learning.progress import ProgressStore, empty_progress
from hipcourse.learning.quiz import all_questions


def _snapshot(folder):
    return {p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.iterdir()) if p.is_file()}


def _export(folder, name, answers, *, file=None):
    """A real export made by the ProgressStore: ``answers`` is {qid: correct}."""
    store = ProgressStore(folder.parent / "stores" / f"{folder.name}-{name}-{file}")
    for qid, correct in answers.items():
        store.record_answer(qid, answer="x", correct=correct, bank="lesson00", quiz="course")
    return store.export(folder / (file or f"{name}.json"), name=name)


@pytest.fixture()
def ids():
    return [spec["id"] for bank, _quiz, spec in all_questions(banks=["lesson00"])]


def test_sample_class_is_loaded_with_every_problem_file_reported_and_nothing_changed(tmp_path):
    folder = tmp_path / "class"
    classresults.write_sample_class(folder, learners=5)
    before = _snapshot(folder)
    results = classresults.load_class(folder)
    assert _snapshot(folder) == before  # bytes and modification times untouched
    assert [l.file for l in results.learners] == [f"learner-0{n}.json" for n in range(1, 6)]
    reasons = {s.file: s.reason for s in results.skipped}
    assert set(reasons) == {"learner-99-broken.json", "room-booking.json", "notes.txt",
                            "resubmitted-learner-01.json"}
    assert reasons["learner-99-broken.json"].startswith("malformed")
    assert "foreign" in reasons["room-booking.json"]
    assert "duplicate of learner-01.json" in reasons["resubmitted-learner-01.json"]
    text = repr(results)
    for name in reasons:
        assert name in text
    assert str(tmp_path) not in text and str(tmp_path) not in results._repr_html_()


def test_sample_class_is_deterministic(tmp_path):
    classresults.write_sample_class(tmp_path / "a")
    classresults.write_sample_class(tmp_path / "b")
    a, b = _snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")
    assert {k: v[1] for k, v in a.items()} == {k: v[1] for k, v in b.items()}


def test_committed_sample_class_has_ten_learners_and_four_problem_files():
    # The sample is made by write_sample_class(data/sample_class); it is not compared byte for byte with the
    # generator, so that editing a quiz bank does not break this test (the notebook is re-executed instead).
    from hipcourse import paths

    results = classresults.load_class(paths.repo_root() / "data" / "sample_class")
    assert len(results.learners) == 10 and len(results.skipped) == 4


def test_completion_and_difficulty_count_real_exports(tmp_path, ids):
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    _export(tmp_path, "Ann", {qid: True for qid in ids})
    _export(tmp_path, "Ben", {ids[0]: False})
    results = classresults.load_class(tmp_path)
    lesson0 = next(row for row in results.completion() if row.bank == "lesson00")
    assert (lesson0.learners, lesson0.started, lesson0.completed, lesson0.questions) == (2, 2, 1, len(ids))
    first = next(row for row in results.item_difficulty() if row.qid == ids[0])
    assert (first.answered, first.missed) == (2, 1) and first.miss_rate == 0.5
    assert results.item_difficulty()[0].qid == ids[0]  # the only missed item ranks first


def test_same_learner_twice_keeps_the_fuller_export(tmp_path, ids):
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    _export(tmp_path, "Cara", {ids[0]: True}, file="a-first.json")
    _export(tmp_path, "Cara", {ids[0]: True, ids[1]: True}, file="b-second.json")
    results = classresults.load_class(tmp_path)
    assert [l.file for l in results.learners] == ["b-second.json"]
    assert results.skipped[0].file == "a-first.json" and "Cara" in results.skipped[0].reason


@pytest.mark.parametrize("content, expected", [
    (b"\xff\xfe not utf8", "malformed"),
    (b"[1, 2, 3]", "foreign"),
    (b'{"schema_version": 7, "questions": {}}', "malformed progress export"),
    (json.dumps({**empty_progress(), "questions": {"q": {"attempts": "many"}}}).encode(), "malformed"),
    (b"", "malformed"),
])
def test_bad_files_are_reported_by_name_and_never_crash(tmp_path, content, expected):
    (tmp_path / "bad.json").write_bytes(content)
    before = _snapshot(tmp_path)
    results = classresults.load_class(tmp_path)
    assert results.learners == ()
    assert results.skipped[0].file == "bad.json" and expected in results.skipped[0].reason
    assert _snapshot(tmp_path) == before
    assert "bad.json" in repr(results)


def test_unreadable_big_and_folder_entries_are_skipped(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "huge.json").write_bytes(b" " * 64)
    monkeypatch.setattr(classresults, "MAX_FILE_BYTES", 10)
    results = classresults.load_class(tmp_path)
    reasons = {s.file: s.reason for s in results.skipped}
    assert "too large" in reasons["huge.json"] and "folder" in reasons["sub"]
    if os.geteuid() != 0:  # root can read anything, so only check permissions as a normal user
        locked = tmp_path / "locked.json"
        locked.write_text("{}")
        locked.chmod(0)
        assert "cannot be read" in {s.file: s.reason for s in classresults.load_class(tmp_path).skipped}["locked.json"]


def test_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder 'absent'"):
        classresults.load_class(tmp_path / "absent")


def test_unknown_question_ids_are_listed(tmp_path):
    data = empty_progress()
    data["questions"]["old-question"] = {"answers": [], "attempts": 1, "correct": True, "last_seen": 1, "box": 2}
    (tmp_path / "old.json").write_text(json.dumps(data))
    results = classresults.load_class(tmp_path)
    assert results.unknown_questions == ("old-question",)
    assert "old-question" in repr(results)


def test_most_missed_figure_has_alt_text_for_every_bar(tmp_path, ids):
    (tmp_path / "empty").mkdir()
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    for name in ("A", "B", "C"):
        _export(tmp_path, name, {ids[0]: False, ids[1]: name == "A", ids[2]: True})
    figure = classresults.load_class(tmp_path).most_missed_figure(top=5)
    assert figure.alt_text.count("\n") == 2  # a heading line and one line per missed question
    assert f"{ids[0]} (lesson00): missed by 3 of 3 (100 %)" in figure.alt_text
    assert f"{ids[1]} (lesson00): missed by 2 of 3 (67 %)" in figure.alt_text
    bundle = figure._repr_mimebundle_()
    assert 'alt="' in bundle["text/html"] and bundle["text/plain"] == figure.alt_text
    empty = classresults.load_class(tmp_path.parent / "empty").most_missed_figure()
    assert "no question was missed" in empty.alt_text
