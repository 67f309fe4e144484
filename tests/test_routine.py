"""The routine builder and the guided-session timer (hipcourse.practice.routine)."""

import pytest
import yaml

from hipcourse import paths
from hipcourse.practice import routine
from hipcourse.safety import screen as safety_screen
from hipcourse.content.data import load_course
from hipcourse.practice.routine import Routine, areas, build_routine, guided_session, routine_builder


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
    assert by_code["SP12"].pressure == safety_screen.pressure_levels()["light"]  # femoral artery: always light
    assert by_code["GB30"].pressure == safety_screen.pressure_levels()["moderate"]  # sciatic nerve
    assert all(1 <= step.minutes <= 3 for step in result.steps)
    assert result.total_minutes == sum(2 * s.minutes for s in result.steps)
    assert "SP12" in repr(result) and "<ol>" in result.to_html()


def test_screen_runs_first_and_red_flag_stops_everything(monkeypatch):
    calls = []
    real = safety_screen.before_you_press

    def spy(situation):
        calls.append(dict(situation))
        return real(situation)

    monkeypatch.setattr(safety_screen, "before_you_press", spy)
    result = build_routine(pain_areas=["buttock"], situation={"saddle_numbness": True})
    assert calls == [{"saddle_numbness": True}]
    assert result.stopped and result.steps == () and result.stop_reasons
    assert routine.SAFETY_LESSON in result.text() and routine.SAFETY_LESSON in result.to_html()


@pytest.mark.parametrize("answer", ["suspected_fracture", "suspected_dvt", safety_screen.ANY_RED_FLAG])
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
    assert all(step.pressure == safety_screen.pressure_levels()["gentle_touch"] for step in result.steps)
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


# --------------------------------------------------------------- hip replacement: every side-lying step (issue 13)
_HIP_NOTE = "You have a hip replacement: follow your surgical team's precautions in this position."


def _side_lying_codes():
    document = yaml.safe_load((paths.data_dir() / "routine.yaml").read_text(encoding="utf-8"))
    return {entry["code"] for entry in document["points"] if entry["position"] == "side_lying"}


def test_hip_replacement_note_is_on_every_side_lying_step_and_only_there():
    chosen = ["buttock", "side_of_hip", "outer_thigh_knee", "groin"]
    result = build_routine(pain_areas=chosen, situation={"hip_replacement": True}, max_points=9)
    side = [step for step in result.steps if step.position_id == "side_lying"]
    others = [step for step in result.steps if step.position_id != "side_lying"]
    # GB29 and GB30 are left out; the note must still reach BL54, BL36, GB31, GB34 ...
    assert {"GB29", "GB30"} <= {r.code for r in result.removed}
    assert {step.code for step in side} >= {"BL54", "BL36", "GB31"} and others
    assert {step.code for step in side} <= _side_lying_codes()
    assert all(any(note.startswith(_HIP_NOTE) for note in step.notes) for step in side)
    assert all(step.notes == () for step in others)
    assert "pillow between your knees" in side[0].notes[0]
    assert result.text().count(_HIP_NOTE) == len(side)
    assert result.to_html().count("You have a hip replacement: follow your surgical team&#x27;s") == len(side)


def test_without_a_hip_replacement_no_step_carries_the_note():
    result = build_routine(pain_areas=["buttock", "side_of_hip"], situation={"hip_replacement": False})
    assert result.steps and all(step.notes == () for step in result.steps)
    assert _HIP_NOTE not in result.text()


def test_builder_widget_shows_the_hip_note_on_every_side_lying_step_after_clicking():
    builder = routine_builder()
    for area in ("buttock", "outer_thigh_knee", "groin"):
        builder.area_boxes[area].value = True
    builder.screen.checkboxes["hip_replacement"].value = True
    builder.button.click()
    side = [step for step in builder.routine.steps if step.position_id == "side_lying"]
    assert len(side) >= 3
    assert builder.result.value.count("You have a hip replacement: follow your surgical team&#x27;s") == len(side)
    session = guided_session(builder.routine, scheduler=FakeTimer())
    first_side = next(i for i, (step, _, _) in enumerate(session.segments) if step.position_id == "side_lying")
    for _ in range(first_side):
        session.skip_button.click()
    assert "You have a hip replacement" in session.display.value
    builder.screen.checkboxes["hip_replacement"].value = False
    builder.button.click()
    assert "You have a hip replacement" not in builder.result.value


def test_a_position_note_for_an_unknown_question_is_a_clear_error(tmp_path, monkeypatch):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    path = folder / "routine.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("    when: hip_replacement\n") == 1
    path.write_text(text.replace("    when: hip_replacement\n", "    when: hip_replacment\n"), encoding="utf-8")
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(folder))
    with pytest.raises(routine.RoutineDataError,
                       match=r"routine\.yaml: position_notes\[0\]: 'when' is 'hip_replacment'"):
        build_routine(pain_areas=["buttock"], situation={})


def test_the_check_command_reports_every_routine_problem_with_file_and_entry(tmp_path, monkeypatch):
    import shutil

    from hipcourse.content.check import check_course
    from hipcourse.content.problems import DataProblem

    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(folder))
    assert not [p for p in check_course(folder).problems if p.file == "data/routine.yaml"]
    path = folder / "routine.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    when: hip_replacement\n", "    when: hip_replacment\n"), encoding="utf-8")
    problems = [p for p in check_course(folder).problems if p.file == "data/routine.yaml"]
    assert len(problems) == 1 and isinstance(problems[0], DataProblem)
    assert problems[0].entry == "position_notes[0]"
    assert problems[0].message.startswith("'when' is 'hip_replacment', not a yes/no question")


def test_position_note_sources_exist():
    document = yaml.safe_load((paths.data_dir() / "routine.yaml").read_text(encoding="utf-8"))
    keys = {entry["key"] for entry in
            yaml.safe_load((paths.data_dir() / "sources.yaml").read_text(encoding="utf-8"))["sources"]}
    cited = {key for note in document["position_notes"] for key in note["sources"]}
    assert cited and cited <= keys
