"""The routine builder and the guided-session timer (hipcourse.routine)."""

import pytest
import yaml

from hipcourse import paths, routine, safety
from hipcourse.data import load_course
from hipcourse.routine import Routine, areas, build_routine, guided_session, routine_builder


class FakeTimer:
    """Records scheduled callbacks instead of starting threads, so tests control time."""

    def __init__(self):
        self.pending = []
        self.cancelled = 0

    def __call__(self, delay, callback):
        handle = _Handle(self, callback)
        self.pending.append(handle)
        return handle


class _Handle:
    def __init__(self, owner, callback):
        self.owner, self.callback, self.active = owner, callback, True

    def cancel(self):
        if self.active:
            self.active = False
            self.owner.cancelled += 1


def test_routine_data_uses_course_points_and_valid_areas():
    document = yaml.safe_load((paths.data_dir() / "routine.yaml").read_text(encoding="utf-8"))
    course_points = set(load_course().points)
    codes = [entry["code"] for entry in document["points"]]
    assert set(codes) <= course_points and len(codes) == len(set(codes))
    orders = [entry["order"] for entry in document["points"]]
    assert len(orders) == len(set(orders))
    assert {a.id for a in areas()} >= {"buttock", "side_of_hip", "groin", "lower_back"}


def test_no_problems_gives_ordered_points_with_time_and_capped_pressure():
    result = build_routine(pain_areas=["buttock", "groin"], situation={})
    assert not result.stopped
    assert result.codes == ("BL54", "GB30", "BL36", "ST31", "SP12")  # routine.yaml order: side-lying, then supine
    by_code = {step.code: step for step in result.steps}
    assert by_code["SP12"].pressure == safety.pressure_levels()["light"]  # femoral artery: always light
    assert by_code["GB30"].pressure == safety.pressure_levels()["moderate"]  # sciatic nerve
    assert all(1 <= step.minutes <= 3 for step in result.steps)
    assert result.total_minutes == sum(2 * s.minutes for s in result.steps)
    assert "SP12" in repr(result) and "<ol>" in result.to_html()


def test_screen_runs_first_and_red_flag_stops_everything(monkeypatch):
    calls = []
    real = safety.before_you_press

    def spy(situation):
        calls.append(dict(situation))
        return real(situation)

    monkeypatch.setattr(safety, "before_you_press", spy)
    result = build_routine(pain_areas=["buttock"], situation={"saddle_numbness": True})
    assert calls == [{"saddle_numbness": True}]
    assert result.stopped and result.steps == () and result.stop_reasons
    assert routine.SAFETY_LESSON in result.text() and routine.SAFETY_LESSON in result.to_html()


@pytest.mark.parametrize("answer", ["suspected_fracture", "suspected_dvt", safety.ANY_RED_FLAG])
def test_stop_answers_give_no_points(answer):
    result = build_routine(pain_areas=["side_of_hip"], situation={answer: True})
    assert result.stopped and not result.steps
    assert "STOP" in repr(result)


def test_contraindicated_points_are_removed_with_the_reason():
    result = build_routine(pain_areas=["buttock", "sacrum"], situation={"pregnancy": True})
    removed = {r.code: r for r in result.removed}
    assert {"BL54", "BL32", "BL33", "BL34", "GV2"} <= set(removed)
    assert "pregnancy" in " ".join(removed["BL54"].reasons).lower()
    assert not set(result.codes) & set(removed)
    assert all(step.pressure == safety.pressure_levels()["gentle_touch"] for step in result.steps)
    assert "Left out by the safety screen" in result.to_html()


def test_hip_replacement_removes_points_over_the_joint_only():
    result = build_routine(pain_areas=["side_of_hip"], situation={"hip_replacement": True})
    assert {r.code for r in result.removed} == {"GB29", "GB30"}
    assert result.codes == ("GB31",)


def test_local_rules_are_passed_on():
    result = build_routine(pain_areas=["buttock"], situation={"bruise": True})
    assert any("bruise" in rule for rule in result.local_rules)
    assert "Remember" in result.to_html()


def test_max_points_and_round_robin_cover_every_area():
    result = build_routine(pain_areas=["lower_back", "outer_thigh_knee", "groin"], situation={}, max_points=3)
    assert len(result.steps) == 3
    covered = {area for step in result.steps for area in step.areas}
    assert covered == {"lower_back", "outer_thigh_knee", "groin"}


@pytest.mark.parametrize("kwargs, message", [
    ({"pain_areas": [], "situation": {}}, "at least one"),
    ({"pain_areas": ["elbow"], "situation": {}}, "unknown pain area"),
    ({"pain_areas": ["buttock"], "situation": {"pregnant": True}}, "pregnant"),
    ({"pain_areas": ["buttock"], "situation": {}, "max_points": 0}, "max_points"),
])
def test_bad_input_is_rejected_clearly(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_routine(**kwargs)


def test_builder_widget_uses_screen_answers():
    builder = routine_builder()
    builder.button.click()
    assert "tick at least one area" in builder.result.value and builder.routine is None
    builder.area_boxes["buttock"].value = True
    builder.button.click()
    assert "Your routine" in builder.result.value and "GB30" in builder.routine.codes
    builder.screen.checkboxes["suspected_fracture"].value = True
    builder.button.click()
    assert builder.routine.stopped and "Stop: do not press" in builder.result.value


def test_guided_session_does_nothing_until_start_then_counts_down():
    example = build_routine(pain_areas=["groin"], situation={})  # ST31, SP12: 1 min each, both sides
    timer = FakeTimer()
    session = guided_session(example, seconds_per_minute=3, scheduler=timer)
    assert len(session.segments) == 4 and not session.running and timer.pending == []
    assert "ready: press Start" in session.display.value and "Step 1 of 4" in session.display.value
    session.start_button.click()
    assert session.running and len(timer.pending) == 1 and session.start_button.disabled
    for _ in range(3):
        timer.pending[-1].callback()
    assert session.index == 1 and session.remaining == 3 and "left side" in session.display.value
    session.pause_button.click()
    assert not session.running and timer.cancelled >= 1
    session.tick()  # a tick arriving after Pause changes nothing
    assert session.remaining == 3 and "paused" in session.display.value
    session.skip_button.click()
    session.skip_button.click()
    session.skip_button.click()
    assert session.finished and "Session finished" in session.display.value and session.skip_button.disabled


def test_guided_session_needs_a_routine():
    with pytest.raises(TypeError, match="Routine"):
        guided_session(["GB30"])
    empty = Routine(areas=("buttock",), steps=(), removed=(), stopped=True, stop_reasons=("x",))
    assert guided_session(empty, scheduler=FakeTimer()).finished
