"""The progress store: atomic, locked, merging writes; unreadable files kept; read-only places survive."""

import json
import multiprocessing
import os
import stat

import pytest

from hipcourse.learning import progress as progmod
from hipcourse.learning.panel import progress_panel
from hipcourse.learning.progress import ProgressError, ProgressStore, next_box, validate_progress

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def store(tmp_path):
    return ProgressStore(tmp_path / "p")


def on_disk(store):
    data = json.loads(store.path.read_text(encoding="utf-8"))
    validate_progress(data)
    return data


# ------------------------------------------------------------------------------------------------ basics
def test_default_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "here"))
    assert ProgressStore().path == tmp_path / "here" / "progress.json"
    assert ProgressStore(tmp_path / "x.json").path == tmp_path / "x.json"


def test_record_answer_keeps_answers_attempts_box_and_order(store):
    store.record_answer("q1", answer="A", correct=False, bank="lesson01", quiz="landmarks")
    store.record_answer("q2", answer=[1.5, 2.0], correct=True)
    rec = store.record_answer("q1", answer="B", correct=True)
    assert rec == {"answers": ["A", "B"], "attempts": 2, "correct": True, "last_seen": 3, "box": 2,
                   "bank": "lesson01", "quiz": "landmarks"}
    data = on_disk(store)
    assert data["seq"] == 3 and data["questions"]["q2"]["last_seen"] == 2
    assert data["schema_version"] == 1


def test_answers_are_bounded(store):
    for n in range(progmod.MAX_ANSWERS + 5):
        store.record_answer("q", answer=n, correct=False)
    rec = store.question("q")
    assert rec["answers"] == list(range(5, progmod.MAX_ANSWERS + 5)) and rec["attempts"] == progmod.MAX_ANSWERS + 5


def test_leitner_boxes():
    assert [next_box(b, True) for b in (1, 2, 3, 4, 5)] == [2, 3, 4, 5, 5]
    assert {next_box(b, False) for b in (1, 2, 3, 4, 5)} == {1}


def test_non_json_answer_is_refused_before_anything_is_written(store):
    with pytest.raises(TypeError):
        store.record_answer("q", answer=object(), correct=True)
    assert not store.path.exists() and store.saved


def test_scores_keep_the_best(store):
    store.record_score("lesson01", "landmarks", score=3, total=5)
    store.record_score("lesson01", "landmarks", score=1, total=5)
    assert on_disk(store)["quizzes"]["lesson01/landmarks"] == {"score": 1, "total": 5, "best": 3}
    with pytest.raises(ProgressError, match="score 6 is not within 0..5"):
        store.record_score("lesson01", "landmarks", score=6, total=5)


def test_sections_generic_api(store):
    assert store.get_section("diary") is None and store.get_section("diary", []) == []
    store.update_section("diary", lambda cur: (cur or []) + [{"day": 1, "pain": 4}])
    store.update_section("diary", lambda cur: cur + [{"day": 2, "pain": 3}])
    assert store.get_section("diary") == [{"day": 1, "pain": 4}, {"day": 2, "pain": 3}]
    with pytest.raises(ProgressError, match="not JSON"):
        store.update_section("diary", lambda cur: {1, 2})
    # the bad update was dropped; the next one still works and nothing was lost
    store.update_section("diary", lambda cur: cur + [{"day": 3, "pain": 2}])
    assert len(on_disk(store)["sections"]["diary"]) == 3


def test_no_temporary_files_left_behind(store):
    for n in range(5):
        store.record_answer(f"q{n}", answer=n, correct=True)
    names = sorted(p.name for p in store.path.parent.iterdir())
    assert names == ["progress.json", "progress.json.lock"]


# ------------------------------------------------------------------------------------------------ faults
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"schema_version": 1, "seq": 3, "questions": {"q1": {"answ', "not valid JSON"),  # truncated
        (b"this is not json", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        (json.dumps({"schema_version": 99, "seq": 0, "questions": {}, "quizzes": {}, "sections": {}}).encode(),
         "unknown schema_version 99"),
        (json.dumps({"schema_version": 1, "seq": 0, "questions": {"q": {"answers": []}}, "quizzes": {},
                     "sections": {}}).encode(), "questions.q: 'attempts' is a required property"),
        (b"[1, 2]", "top level must be a JSON object"),
    ],
)
def test_unreadable_file_is_moved_aside_reported_and_never_replaced(store, content, problem):
    store.path.parent.mkdir(parents=True)
    store.path.write_bytes(content)
    store.record_answer("new", answer="A", correct=True)
    backup = store.path.with_name("progress.json.corrupt-1")
    assert backup.read_bytes() == content  # the learner's old file is kept byte for byte
    assert len(store.warnings_for_learner) == 1
    warning = store.warnings_for_learner[0]
    assert problem in warning and "progress.json.corrupt-1" in warning
    assert on_disk(store)["questions"]["new"]["answers"] == ["A"]  # the new answer is saved


def test_backups_are_numbered_not_overwritten(store):
    store.path.parent.mkdir(parents=True)
    for n in (1, 2):
        store.path.write_text(f"broken {n}", encoding="utf-8")
        ProgressStore(store.path).load()
    assert store.path.with_name("progress.json.corrupt-1").read_text() == "broken 1"
    assert store.path.with_name("progress.json.corrupt-2").read_text() == "broken 2"


def test_failed_replace_keeps_answers_in_memory_and_retries(store, monkeypatch):
    store.record_answer("before", answer="A", correct=True)
    real_replace = os.replace

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(progmod.os, "replace", refuse)
    store.record_answer("during", answer="B", correct=False)  # no crash
    assert not store.saved
    assert "could not be saved" in store.warnings_for_learner[0]
    assert store.question("during")["answers"] == ["B"]  # still there in this session
    assert "during" not in on_disk(store)["questions"]
    assert [p.name for p in store.path.parent.iterdir() if p.name.startswith(".progress-")] == []

    monkeypatch.setattr(progmod.os, "replace", real_replace)
    store.record_answer("after", answer="C", correct=True)
    data = on_disk(store)
    assert set(data["questions"]) == {"before", "during", "after"}  # nothing the learner did was lost
    assert store.saved and store.warnings_for_learner[-1] == "Your progress is being saved again."


def test_real_read_only_directory(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        store = ProgressStore(folder)
        store.record_answer("q", answer="A", correct=True)  # never crashes
        assert store.question("q")["correct"] is True
        if IS_ROOT:  # root ignores directory permissions: the write really happens
            assert store.saved and on_disk(store)["questions"]["q"]["answers"] == ["A"]
        else:
            assert not store.saved and "could not be saved" in store.warnings_for_learner[0]
    finally:
        folder.chmod(stat.S_IRWXU)


def test_unwritable_place_even_for_root(tmp_path):
    # A "folder" below a regular file cannot be created by anyone, root included.
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    store = ProgressStore(blocker / "progress")
    store.record_answer("q1", answer="A", correct=True)
    store.record_answer("q2", answer="B", correct=False)
    assert not store.saved and "could not be saved" in store.warnings_for_learner[0]
    assert len(store.warnings_for_learner) == 1  # told once, not on every answer
    assert set(store.load()["questions"]) == {"q1", "q2"}
    assert blocker.read_text() == "x"


def test_unreadable_file_that_cannot_be_moved_is_left_alone(store, monkeypatch):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("garbage", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(progmod.os, "replace", refuse)
    store.record_answer("q", answer="A", correct=True)
    assert store.path.read_text() == "garbage"  # never written over
    assert "left untouched" in store.warnings_for_learner[0]
    assert store.question("q")["answers"] == ["A"]


# ------------------------------------------------------------------------------------------------ concurrency
def _writer(path, prefix, n):
    store = ProgressStore(path)
    for i in range(n):
        store.record_answer(f"{prefix}-{i}", answer=i, correct=i % 2 == 0)
        store.update_section("log", lambda cur, i=i: (cur or []) + [f"{prefix}-{i}"])


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "p"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, name, 50)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    data = on_disk(ProgressStore(path))
    assert len(data["questions"]) == 100
    assert data["seq"] == 100
    assert sorted(data["sections"]["log"]) == sorted(f"{x}-{i}" for x in "ab" for i in range(50))


def test_two_stores_in_one_process_merge(tmp_path):
    a, b = ProgressStore(tmp_path), ProgressStore(tmp_path)
    a.record_answer("qa", answer=1, correct=True)
    b.record_answer("qb", answer=2, correct=True)  # b never saw qa: it must merge, not overwrite
    a.record_answer("qa", answer=3, correct=True)
    data = on_disk(a)
    assert set(data["questions"]) == {"qa", "qb"} and data["questions"]["qa"]["attempts"] == 2


# ------------------------------------------------------------------------------------------------ export, reset
def test_export_writes_a_named_valid_copy(store, tmp_path):
    store.record_answer("q", answer="A", correct=True)
    out = store.export(tmp_path / "for-teacher.json", name="Sam")
    data = json.loads(out.read_text(encoding="utf-8"))
    validate_progress(data)
    assert data["learner"] == {"name": "Sam"} and data["questions"]["q"]["answers"] == ["A"]
    assert "learner" not in on_disk(store)  # the name goes only into the exported copy


def test_reset_needs_confirmation_and_keeps_a_backup(store):
    store.record_answer("q", answer="A", correct=True)
    store.update_section("diary", lambda cur: [{"day": 1}])
    with pytest.raises(ProgressError, match="confirm=True"):
        store.reset()
    assert "q" in on_disk(store)["questions"]
    backup = store.reset(confirm=True)
    assert backup.name == "progress.json.reset-1"
    assert "q" in json.loads(backup.read_text())["questions"]
    data = on_disk(store)
    assert data["questions"] == {} and data["sections"]["diary"] == [{"day": 1}]  # the diary is kept
    store.reset(confirm=True, sections=True)
    assert on_disk(store)["sections"] == {}


# ------------------------------------------------------------------------------------------------ panel
def test_progress_panel_export_and_two_step_reset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(_fixture_data(tmp_path)))
    store = ProgressStore(tmp_path / "p")
    store.record_answer("fx-single", answer="Greater trochanter", correct=True)
    panel = progress_panel(store)
    assert repr(panel) == "Progress panel: run the cell to see your progress"
    assert "lesson90" in panel.summary.value and "1 / 8" in panel.summary.value

    panel.name.value = "Alex"
    panel.export_button.click()
    assert "Exported to hipcourse-progress-export.json" in panel.status.value
    assert json.loads((tmp_path / "hipcourse-progress-export.json").read_text())["learner"]["name"] == "Alex"

    assert panel.confirm_button.layout.display == "none"
    panel.reset_button.click()
    assert panel.confirm_button.layout.display is None and "Are you sure" in panel.status.value
    panel.cancel_button.click()
    assert "fx-single" in on_disk(store)["questions"] and "Nothing was changed" in panel.status.value
    panel.reset_button.click()
    panel.confirm_button.click()
    assert on_disk(store)["questions"] == {} and "reset" in panel.status.value
    assert "0 / 8" in panel.summary.value


def _fixture_data(tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
    from quiz_fakes import data_copy

    return data_copy(tmp_path)
