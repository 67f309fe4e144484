"""Property tests (hypothesis) for the safety rules: whatever a learner ticks, the advice stays safe."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hipcourse.safety import screen as safety_screen, triage as safety_triage

FEATURES = tuple(safety_triage.red_flag_features())
EMERGENCY_FEATURES = tuple(fid for fid, f in safety_triage.red_flag_features().items() if f.urgency == "emergency")
QUESTIONS = tuple(e.id for e in safety_screen.contraindications() if e.applies == "when_yes")
RANK = {level: index for index, level in enumerate(reversed(safety_triage.URGENCY_ORDER))}  # routine 0 .. emergency 3

# Keep runs short: the machine is shared; 60 examples per property still explore widely.
FAST = settings(max_examples=60, deadline=None)

answer_sets = st.sets(st.sampled_from(FEATURES))
situation_sets = st.sets(st.sampled_from(QUESTIONS))


def as_answers(ticked, *, extra_false=()):
    answers = {fid: True for fid in ticked}
    answers.update({fid: False for fid in extra_false if fid not in ticked})
    return answers


@FAST
@given(ticked=answer_sets, emergency=st.sampled_from(EMERGENCY_FEATURES))
def test_any_emergency_feature_gives_emergency_advice(ticked, emergency):
    result = safety_triage.triage(as_answers(ticked | {emergency}))
    assert result.level.id == "emergency" and result.is_emergency
    assert "999" in result.advice and "local emergency number" in result.advice
    assert result.matched[0].urgency == "emergency"


@FAST
@given(smaller=answer_sets, more=answer_sets)
def test_adding_a_flag_never_lowers_urgency(smaller, more):
    before = safety_triage.triage(as_answers(smaller))
    after = safety_triage.triage(as_answers(smaller | more))
    assert after.level.rank >= before.level.rank
    assert {m.flag.id for m in before.matched} <= {m.flag.id for m in after.matched}


@FAST
@given(ticked=answer_sets, unticked=answer_sets)
def test_advice_always_says_it_is_not_a_diagnosis(ticked, unticked):
    result = safety_triage.triage(as_answers(ticked, extra_false=unticked))
    assert result.not_a_diagnosis == safety_triage.NOT_A_DIAGNOSIS
    assert safety_triage.NOT_A_DIAGNOSIS in result.text
    assert "not a diagnosis" in result.to_html()
    # The level is the most urgent of the ticked features and of the combination rules they complete
    # (or routine when nothing is ticked).
    features = safety_triage.red_flag_features()
    completed = [rule for rule in safety_triage.red_flag_combinations() if set(rule.all_of) <= ticked
                 and (not rule.any_of or set(rule.any_of) & ticked)]
    expected = max([RANK[features[f].urgency] for f in ticked] + [RANK[rule.urgency] for rule in completed],
                   default=0)
    assert result.level.rank == expected


@FAST
@given(yes=situation_sets, flags=st.sets(st.sampled_from(FEATURES), max_size=2))
def test_screen_never_allows_more_than_any_active_entry(yes, flags):
    situation = as_answers(yes | flags)
    screen = safety_screen.before_you_press(situation)
    levels = safety_screen.pressure_levels()
    codes = safety_screen.point_codes()
    for entry in safety_screen.contraindications():
        if entry.applies == "when_yes" and entry.id not in yes:
            continue
        for effect in entry.effects:
            targets = codes if effect.all_points else effect.points
            for code in targets:
                assert screen.ceiling(code) <= levels[effect.max_pressure], (entry.id, code)
                if effect.max_pressure == "none":
                    assert not screen.allowed(code) and code not in screen.allowed_points
        if entry.stop:
            assert screen.stopped and screen.allowed_points == ()
    if screen.triage is not None and screen.triage.level.id != "routine":
        assert screen.stopped and screen.allowed_points == ()


@FAST
@given(smaller=situation_sets, more=situation_sets)
def test_answering_yes_never_raises_a_ceiling(smaller, more):
    before = safety_screen.before_you_press(as_answers(smaller))
    after = safety_screen.before_you_press(as_answers(smaller | more))
    for code in safety_screen.point_codes():
        assert after.ceiling(code) <= before.ceiling(code)
    assert after.stopped or not before.stopped
