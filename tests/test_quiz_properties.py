"""Property tests: 1,100 random interaction sequences in total (400 + 200 + 500 examples).

Whatever a learner clicks, in whatever order: no exception, the score stays within 0..total, every checked
answer is in the progress file, and the file is always valid against data/schemas/progress.schema.json.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.backend_bases import MouseEvent

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from quiz_fakes import FIXTURE_DATA, FakeBody, make_figure  # noqa: E402

from hipcourse.learning.progress import MAX_BOX, ProgressStore, validate_progress  # noqa: E402
from hipcourse.learning.quiz import load_bank, make_question, show_quiz  # noqa: E402

# database=None: no .hypothesis folder in the working tree; deadline=None: the machine is shared.
COMMON = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.too_slow,
                                                                          HealthCheck.function_scoped_fixture]}


@pytest.fixture(autouse=True)
def fixture_data(monkeypatch):
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(FIXTURE_DATA))


def file_is_valid(store):
    if store.path.exists():
        data = json.loads(store.path.read_text(encoding="utf-8"))
        validate_progress(data)  # full schema check, not the store's fast path
        return data
    return None


# ------------------------------------------------------------------------------------------------ quiz sessions
OPTION_TEXTS = ["Greater trochanter", "Anterior superior iliac spine", "Sacral hiatus"]
RIGHTS = ["Bends the knee", "Moves the thigh backwards", "Moves the thigh out to the side", None]

action = st.one_of(
    st.tuples(st.just("single"), st.sampled_from(OPTION_TEXTS + [None])),
    st.tuples(st.just("multiple"), st.lists(st.booleans(), min_size=3, max_size=3)),
    st.tuples(st.just("tf"), st.sampled_from([True, False, None])),
    st.tuples(st.just("match"), st.tuples(st.sampled_from(RIGHTS), st.sampled_from(RIGHTS))),
    st.tuples(st.just("button"), st.tuples(st.integers(0, 3), st.sampled_from(["check", "retry", "show"]))),
)


def apply(quiz, act):
    kind, value = act
    single, multiple, tf, match = quiz.questions
    # Disabled widgets cannot be changed by a learner in the browser: respect that.
    if kind == "single" and not single.choice.disabled:
        single.choice.value = value
    elif kind == "multiple":
        for box, v in zip(multiple.boxes, value):
            if not box.disabled:
                box.value = v
    elif kind == "tf" and not tf.choice.disabled:
        tf.choice.value = value
    elif kind == "match":
        for dd, v in zip(match.dropdowns, value):
            if not dd.disabled:
                dd.value = v
    elif kind == "button":
        index, which = value
        button = getattr(quiz.questions[index], f"{which}_button")
        if not button.disabled:
            button.click()


@settings(max_examples=400, **COMMON)
@given(actions=st.lists(action, max_size=8))
def test_random_quiz_sessions(actions):
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore(tmp)
        quiz = show_quiz("lesson90", "basics", store=store)
        for act in actions:
            apply(quiz, act)
            assert 0 <= quiz.score <= quiz.total == 4
            assert f"Score: {quiz.score} / 4" in quiz.score_html.value
        data = file_is_valid(store)
        checks = sum(q.attempts for q in quiz.questions)
        if data is None:
            assert checks == 0 and not any(q.revealed for q in quiz.questions)
            return
        for q in quiz.questions:
            rec = data["questions"].get(q.qid)
            assert (rec["attempts"] if rec else 0) == q.attempts  # every checked answer was saved
            if rec:
                assert 1 <= rec["box"] <= MAX_BOX
                assert rec["correct"] is q.correct
        saved = data["quizzes"].get("lesson90/basics")
        if saved:
            assert saved["score"] == quiz.score and saved["best"] >= saved["score"]
        assert not store.warnings_for_learner


# ------------------------------------------------------------------------------------------------ locate
click = st.one_of(
    st.tuples(st.just("click"), st.floats(-35, 35), st.floats(35, 125), st.sampled_from([1, 1, 1, 2, 3])),
    st.tuples(st.just("next"), st.none(), st.none(), st.none()),
    st.tuples(st.just("show"), st.none(), st.none(), st.none()),
    st.tuples(st.just("retry"), st.none(), st.none(), st.none()),
    st.tuples(st.just("keys"), st.floats(-100, 200), st.floats(-100, 200), st.none()),
)

def base_canvas(figure):
    """A canvas that does not render: grading and artist updates are what is tested here (rendering is
    covered by tests/test_quiz.py with Agg and timed by tools/benchmark_quiz.py)."""
    from matplotlib.backend_bases import FigureCanvasBase

    import ipywidgets

    FigureCanvasBase(figure)
    return ipywidgets.HTML(value="(diagram)")


LOCATE_SPEC = next(q for quiz in load_bank("lesson90", data_dir=FIXTURE_DATA)["quizzes"]
                   for q in quiz["questions"] if q["id"] == "fx-locate")


@settings(max_examples=200, **COMMON)
@given(actions=st.lists(click, max_size=10))
def test_random_locate_interactions(actions):
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore(tmp)
        q = make_question(LOCATE_SPEC, bank="lesson90", quiz="where", store=store, body=FakeBody(),
                          canvas_factory=base_canvas, figure=make_figure())
        canvas, ax = q.figure.canvas, q.ax
        for kind, x, y, button in actions:
            if kind == "click":
                px, py = ax.transData.transform((x, y))
                MouseEvent("button_press_event", canvas, px, py, button=button)._process()
            elif kind == "keys" and not q.x_entry.disabled:
                q.x_entry.value, q.y_entry.value = x, y  # bounded widgets clamp like the browser does
                q.check_button.click()
            elif kind in ("next", "show", "retry"):
                button = {"next": q.next_step_button, "show": q.show_button, "retry": q.retry_button}[kind]
                if not button.disabled:
                    button.click()
            assert 0 <= q.steps_shown <= len(q.steps)
            assert q.misses <= q.attempts
            if q.misses >= q.hint_after:
                assert q.steps_shown >= min(q.misses - q.hint_after + 1, len(q.steps))
        data = file_is_valid(store)
        rec = data["questions"].get("fx-locate") if data else None
        assert (rec["attempts"] if rec else 0) == q.attempts


# ------------------------------------------------------------------------------------------------ store
store_op = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(["a", "b", "c"]), st.booleans()),
    st.tuples(st.just("reveal"), st.sampled_from(["a", "b", "c"]), st.none()),
    st.tuples(st.just("diary"), st.integers(0, 10), st.none()),
    st.tuples(st.just("corrupt"), st.sampled_from([b"", b"{", b"[]", b'{"schema_version": 2}']), st.none()),
    st.tuples(st.just("readonly"), st.booleans(), st.none()),
    st.tuples(st.just("reset"), st.booleans(), st.none()),
)


@settings(max_examples=500, **COMMON)
@given(ops=st.lists(store_op, max_size=12))
def test_random_store_operations_never_lose_an_answer(ops, monkeypatch):
    real_replace = os.replace
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore(tmp)
        expected = {}  # question -> attempts the learner made since the last reset
        diary = []
        readonly = False
        corrupt = None  # bytes of a damaged file that could not be moved aside (must stay untouched)
        try:
            for kind, a, b in ops:
                if kind == "answer":
                    store.record_answer(a, answer=a, correct=b)
                    expected[a] = expected.get(a, 0) + 1
                elif kind == "reveal":
                    store.record_reveal(a)
                    expected.setdefault(a, 0)
                elif kind == "diary":
                    store.update_section("diary", lambda cur, a=a: (cur or []) + [a])
                    diary.append(a)
                elif kind == "corrupt":
                    if store.saved:  # a damaged file loses only what was in it, and it is kept as a backup
                        Path(tmp, "progress.json").write_bytes(a)
                        expected, diary, corrupt = {}, [], a
                elif kind == "readonly":
                    monkeypatch.setattr(os, "replace", _refuse if a else real_replace)
                    readonly = a
                elif kind == "reset" and store.saved:
                    store.reset(confirm=True, sections=b)
                    if not readonly:  # a reset that cannot write its backup changes nothing
                        expected = {}
                        diary = [] if b else diary
                data = store.load()
                validate_progress(data)
                assert {q: r["attempts"] for q, r in data["questions"].items()} == expected
                assert data["sections"].get("diary", []) == diary
                if corrupt is not None and store.path.exists() and store.path.read_bytes() == corrupt:
                    assert readonly  # only kept in place while it cannot be moved aside
                else:
                    file_is_valid(store)
        finally:
            monkeypatch.setattr(os, "replace", real_replace)
        data = store.load()  # after the disk is writable again, everything gets there with the next change
        store.record_answer("final", answer=0, correct=True)
        on_disk = file_is_valid(store)
        assert set(on_disk["questions"]) == set(expected) | {"final"}


def _refuse(*args, **kwargs):
    raise PermissionError(13, "Permission denied")
