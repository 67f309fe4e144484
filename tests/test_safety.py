"""Tests for hipcourse.safety and its data: red flags (facts.md section 5) and contraindications (section 6).

The first group checks that every scenario and warning sign of the research file is in the data, so a
safety item cannot be dropped silently. The rest drive triage(), before_you_press() and the two widgets.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from hipcourse import data, paths, safety

DATA = paths.data_dir()

# ---------------------------------------------------------------------------------------------------------
# facts.md section 5: every scenario, and each feature a learner can answer, with the ids that carry it.
# ---------------------------------------------------------------------------------------------------------

FACTS_RED_FLAGS = {
    # scenario id: (name words that must appear, expected urgency, {facts feature: feature id})
    "hip_fracture": ("fracture", "emergency", {
        "fall in an older person with hip/groin pain, may still walk": "older_fall_hip_groin_pain",
        "cannot bear weight": "fall_cannot_bear_weight",
        "cannot lift or rotate the leg": "fall_cannot_lift_or_turn_leg",
        "shortened, externally rotated leg": "leg_short_turned_out",
        "bruising": "fall_hip_bruising",
    }),
    "joint_infection": ("septic arthritis", "emergency", {
        "hot, red, swollen or very painful joint with fever or unwell": "hot_swollen_joint_fever",
        "unable to bear weight and unwell": "cannot_bear_weight_unwell",
    }),
    "cauda_equina": ("cauda equina", "emergency", {
        "saddle numbness": "saddle_numbness",
        "urinary difficulty, retention or incontinence": "bladder_change",
        "loss of rectal sensation / faecal incontinence": "bowel_change",
        "bilateral sciatica or leg weakness": "sciatica_both_legs",
        "new sexual dysfunction": "new_sexual_problem",
        # "lax anal sphincter" is found on examination by a clinician: not a question a learner can answer.
    }),
    "nerve_deficit": ("neurological deficit", "same_day", {
        "acute foot drop": "foot_drop",
        "progressive weakness": "leg_weakness_worsening",
    }),
    "suspected_cancer": ("cancer", "soon", {
        "history of cancer": "cancer_history",
        "unexplained weight loss": "weight_loss",
        "night sweats": "night_sweats",
        "constant or night pain, pain at rest": "night_or_rest_pain",
        "bone pain": "bone_pain",
    }),
    "blood_clot": ("deep vein thrombosis", "same_day", {
        "swelling of one leg with throbbing/cramping pain": "one_leg_swollen_painful",
        "warm red/darkened skin, hard tender veins": "leg_warm_red_hard_veins",
        "breathless, chest pain, coughing blood (pulmonary embolism)": "breathless_chest_pain",
    }),
    "bone_death_risk": ("avascular necrosis", "soon", {
        "groin pain with steroids or heavy alcohol": "groin_pain_steroids_alcohol",
        "groin pain with hip trauma, sickle-cell, lupus, HIV": "groin_pain_injury_or_condition",
    }),
    "child_limp": ("child", "same_day", {
        "very unwell child": "child_very_unwell",
        "broken bone suspected": "child_possible_broken_bone",
        "cannot bear weight": "child_cannot_bear_weight",
        "fever": "child_fever",
        "swollen red hot joint": "child_hot_swollen_joint",
        "no better after 48 h": "child_not_better_48h",
        "limping without clear injury": "child_limp_no_injury",
    }),
    "other_adult_signs": ("adults", "same_day", {
        "sudden severe pain without injury": "sudden_severe_pain",
        "sudden deterioration of chronic pain": "sudden_worsening",
        "change in leg length or new deformity": "leg_length_change",
        # "hot swollen hip with temperature" is carried by joint_infection/hot_swollen_joint_fever (emergency).
        "groin lump": "groin_lump",
        "pulsating groin swelling": "pulsating_groin_swelling",
        "testicular swelling": "testicle_swelling",
        "blood in urine": "blood_in_urine",
        "vomiting/constipation": "vomiting_or_constipation",
        "history of steroid use": "long_term_steroids",
    }),
    "persistent_pain": ("not settling", "routine", {
        "no better after a few weeks": "no_better_after_weeks",
        "keeps returning": "keeps_coming_back",
        "limits daily activity or sleep": "limits_daily_life_or_sleep",
    }),
}

# Features whose urgency differs from their scenario's, as the facts table says.
FEATURE_URGENCY = {
    "breathless_chest_pain": "emergency",     # DVT: 999 if signs of pulmonary embolism
    "child_very_unwell": "emergency",         # child: A&E/999 if very unwell ...
    "child_possible_broken_bone": "emergency",  # ... or a broken bone is suspected
    "hot_swollen_joint_fever": "emergency",
}

# facts.md section 6: every item, with the contraindication id that carries it.
FACTS_CONTRAINDICATIONS = {
    # 6.1 local contraindications
    "broken, irritated or blistered skin": "broken_skin",
    "bruises": "bruise",
    "new scars": "new_scar",
    "lines, tubes or devices": "line_or_device",
    "open wounds, burns, rashes, ulcers, boils": "wound_burn_rash_ulcer",
    "infection": "skin_infection",
    "swollen/inflamed areas": "swollen_inflamed",
    "tumours (lumps)": "lump",
    "varicose veins": "varicose_veins",
    "suspected fracture": "suspected_fracture",
    "new injury that is swollen or hot": "new_hot_swollen_injury",
    "suspected DVT": "suspected_dvt",
    "femoral pulse at SP12 (also ST30, LR12)": "femoral_artery",
    "popliteal pulse at BL40": "popliteal_artery",
    "sciatic nerve under GB30, BL54, BL36": "sciatic_nerve",
    "common fibular nerve at GB34": "common_fibular_nerve",
    "replaced hip joint (low confidence)": "hip_replacement",
    # 6.2 precautions
    "anticoagulants, low platelets, raised INR, clotting disorders": "bleeding_risk",
    "osteoporosis": "osteoporosis",
    "recent surgery": "recent_surgery",
    "fragile skin": "fragile_skin",
    "severe heart disease": "severe_heart_disease",
    "cancer": "cancer",
    "acute infection": "acute_infection",
    # 6.3
    "pregnancy": "pregnancy",
}

COURSE_POINTS = {"GB30", "BL54", "SP12", "GB29", "GB31", "BL36", "BL40", "GB34", "BL23", "BL25", "SP13",
                 "ST31", "GV2", "BL32", "BL33", "BL34", "ASHI"}


def _yaml(name):
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["red_flags", "contraindications"])
def test_data_is_valid_against_full_json_schema(kind):
    schema = json.loads((DATA / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_yaml(f"{kind}.yaml")))
    assert errors == []


def test_check_course_reports_no_problem_in_safety_files():
    report = data.check_course()
    ours = [str(p) for p in report.problems if p.file in {"data/red_flags.yaml", "data/contraindications.yaml"}]
    assert ours == []


@pytest.mark.parametrize("flag_id", sorted(FACTS_RED_FLAGS))
def test_every_facts_red_flag_scenario_is_present(flag_id):
    words, urgency, features = FACTS_RED_FLAGS[flag_id]
    flags = {flag.id: flag for flag in safety.red_flags()}
    assert flag_id in flags, f"facts.md section 5 scenario missing: {flag_id}"
    flag = flags[flag_id]
    assert words in flag.name.lower()
    assert flag.urgency == urgency
    ids = {feature.id for feature in flag.features}
    missing = {item: fid for item, fid in features.items() if fid not in ids}
    assert not missing, f"{flag_id}: facts items without a question: {missing}"
    assert flag.sources and flag.what_to_do


def test_no_red_flag_beyond_the_facts_list():
    assert {flag.id for flag in safety.red_flags()} == set(FACTS_RED_FLAGS)


def test_feature_urgency_overrides_follow_the_facts():
    features = safety.red_flag_features()
    for feature_id, urgency in FEATURE_URGENCY.items():
        assert features[feature_id].urgency == urgency, feature_id


def test_emergency_advice_names_999_and_local_emergency_number():
    emergency = safety.urgency_levels()[0]
    assert emergency.id == "emergency"
    assert "999" in emergency.action and "local emergency number" in emergency.action
    fracture = next(flag for flag in safety.red_flags() if flag.id == "hip_fracture")
    assert "keep still" in fracture.what_to_do and "warm" in fracture.what_to_do


@pytest.mark.parametrize("item", sorted(FACTS_CONTRAINDICATIONS))
def test_every_facts_contraindication_is_present(item):
    ids = {entry.id for entry in safety.contraindications()}
    assert FACTS_CONTRAINDICATIONS[item] in ids, f"facts.md section 6 item missing: {item}"


def test_neurovascular_cautions_cover_the_facts_points():
    entries = {entry.id: entry for entry in safety.contraindications()}
    expected = {"femoral_artery": {"SP12"}, "popliteal_artery": {"BL40"},
                "sciatic_nerve": {"GB30", "BL54", "BL36"}, "common_fibular_nerve": {"GB34"}}
    for entry_id, codes in expected.items():
        entry = entries[entry_id]
        assert entry.applies == "always" and entry.question is None
        assert set(entry.effects[0].points) == codes
    assert "ST30" in entries["femoral_artery"].reason and "LR12" in entries["femoral_artery"].reason
    assert entries["hip_replacement"].confidence == "L"


def test_pregnancy_entry_follows_the_course_recommendation():
    entry = next(e for e in safety.contraindications() if e.id == "pregnancy")
    levels = {effect.max_pressure for effect in entry.effects}
    assert levels == {"gentle_touch", "none"}
    banned = {code for effect in entry.effects if effect.max_pressure == "none" for code in effect.points}
    assert {"BL32", "BL33", "BL34", "GV2", "SP13"} <= banned
    assert "midwife" in entry.reason and "S-carr2015" in entry.sources


def test_ids_are_unique_across_both_files():
    features = [f.id for flag in safety.red_flags() for f in flag.features]
    entries = [entry.id for entry in safety.contraindications()]
    everything = features + entries + [safety.ANY_RED_FLAG]
    assert len(everything) == len(set(everything))


def test_source_keys_exist_in_sources_yaml():
    keys = {source["key"] for source in _yaml("sources.yaml")["sources"]}
    used = {key for flag in safety.red_flags() for key in flag.sources}
    used |= {key for entry in safety.contraindications() for key in entry.sources}
    assert used - keys == set()


def test_point_codes_match_points_yaml():
    codes = set(safety.point_codes())
    assert codes == set(data.load_course().points)
    assert COURSE_POINTS <= codes
    mentioned = {code for entry in safety.contraindications() for effect in entry.effects for code in effect.points}
    assert mentioned <= codes


def test_questions_are_questions():
    questions = [f.question for flag in safety.red_flags() for f in flag.features]
    questions += [e.question for e in safety.contraindications() if e.applies == "when_yes"]
    assert [q for q in questions if not q.endswith("?")] == []


# ---------------------------------------------------------------------------------------------------------
# Errors name the file, the entry and the problem
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A writable copy of data/ that the package reads instead of the real one."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(target))
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_wrong_urgency_is_reported_with_file_and_entry(data_copy):
    _edit(data_copy / "red_flags.yaml", "urgency: soon\n", "urgency: later\n")
    with pytest.raises(data.DataError) as excinfo:
        safety.red_flags()
    message = str(excinfo.value)
    assert "data/red_flags.yaml" in message and "red_flags[suspected_cancer].urgency" in message
    assert "'later'" in message


def test_duplicate_feature_id_is_reported(data_copy):
    _edit(data_copy / "red_flags.yaml", "- id: weight_loss\n", "- id: night_sweats\n")
    with pytest.raises(data.DataError, match=r"red_flags\.yaml: red_flags\[suspected_cancer\].*duplicate feature id"):
        safety.red_flags()


def test_unknown_region_is_reported(data_copy):
    _edit(data_copy / "contraindications.yaml", "regions: [over_hip_joint]", "regions: [over_the_moon]")
    with pytest.raises(data.DataError, match=r"contraindications\[hip_replacement\].*unknown region 'over_the_moon'"):
        safety.contraindications()


def test_unknown_point_code_is_reported(data_copy):
    _edit(data_copy / "contraindications.yaml", "points: [BL40]", "points: [BL41]")
    with pytest.raises(data.DataError, match=r"contraindications\[popliteal_artery\].*BL41"):
        safety.before_you_press({})


# ---------------------------------------------------------------------------------------------------------
# triage()
# ---------------------------------------------------------------------------------------------------------

def test_no_answers_give_routine_advice_and_the_disclaimer():
    result = safety.triage({})
    assert result.level.id == "routine" and result.matched == ()
    assert "None of the warning signs apply" in result.advice
    assert "physiotherapist" in result.advice
    assert safety.NOT_A_DIAGNOSIS in result.text and "not a diagnosis" in result.to_html()
    assert not result.stops_pressing


def test_older_person_who_fell_but_walks_is_an_emergency():
    result = safety.triage({"older_fall_hip_groin_pain": True})
    assert result.is_emergency
    assert "999" in result.advice
    assert [m.flag.id for m in result.matched] == ["hip_fracture"]


def test_matched_flags_are_ordered_most_urgent_first():
    result = safety.triage({"keeps_coming_back": True, "weight_loss": True, "foot_drop": True,
                            "saddle_numbness": True, "night_sweats": False})
    assert [m.urgency for m in result.matched] == ["emergency", "same_day", "soon", "routine"]
    assert result.level.id == "emergency"
    cancer = next(m for m in result.matched if m.flag.id == "suspected_cancer")
    assert [f.id for f in cancer.features] == ["weight_loss"]


def test_feature_override_raises_a_scenarios_urgency():
    assert safety.triage({"one_leg_swollen_painful": True}).level.id == "same_day"
    result = safety.triage({"one_leg_swollen_painful": True, "breathless_chest_pain": True})
    assert result.level.id == "emergency" and result.matched[0].urgency == "emergency"


def test_false_answers_count_as_no():
    assert safety.triage({"saddle_numbness": False, "foot_drop": False}).level.id == "routine"


def test_unknown_question_id_is_an_error():
    with pytest.raises(ValueError, match="unknown question id.*saddle_numbnes"):
        safety.triage({"saddle_numbnes": True})


def test_answers_must_be_booleans():
    with pytest.raises(TypeError, match="saddle_numbness"):
        safety.triage({"saddle_numbness": "yes"})
    with pytest.raises(TypeError, match="mapping"):
        safety.triage(["saddle_numbness"])


# ---------------------------------------------------------------------------------------------------------
# before_you_press()
# ---------------------------------------------------------------------------------------------------------

def test_default_screen_applies_the_fixed_nerve_and_artery_cautions():
    screen = safety.before_you_press({})
    levels = safety.pressure_levels()
    assert not screen.stopped and screen.triage is None
    assert screen.ceiling("SP12") == levels["light"] and screen.limits["SP12"].reasons == ("femoral_artery",)
    assert screen.ceiling("BL40") == levels["light"]
    for code in ("GB30", "BL54", "BL36", "GB34"):
        assert screen.ceiling(code) == levels["moderate"], code
    assert screen.ceiling("GB31") == levels["firm"] and screen.limits["GB31"].reasons == ()
    assert set(screen.allowed_points) == set(safety.point_codes()) and screen.off_limits == ()


def test_anticoagulants_make_every_point_light_at_most():
    screen = safety.before_you_press({"bleeding_risk": True})
    light = safety.pressure_levels()["light"]
    assert all(limit.ceiling <= light for limit in screen.limits.values())
    assert "bleeding_risk" in screen.limits["GB31"].reasons
    # SP12 was already light for the artery; both reasons are kept.
    assert set(screen.limits["SP12"].reasons) == {"femoral_artery", "bleeding_risk"}


def test_pregnancy_allows_only_gentle_touch_and_never_sacrum_or_belly():
    screen = safety.before_you_press({"pregnancy": True})
    for code in ("BL32", "BL33", "BL34", "GV2", "SP13", "SP12", "BL54"):
        assert not screen.allowed(code), code
    assert screen.ceiling("GB31") == safety.pressure_levels()["gentle_touch"]


def test_hip_replacement_takes_the_points_over_the_joint_off_limits():
    screen = safety.before_you_press({"hip_replacement": True})
    assert set(screen.off_limits) == {"GB29", "GB30"}


def test_local_problem_is_listed_but_changes_no_point():
    screen = safety.before_you_press({"bruise": True})
    assert [entry.id for entry in screen.local_rules] == ["bruise"]
    assert screen.limits == safety.before_you_press({}).limits
    assert "Do not press on the affected spot" in screen.to_html()


@pytest.mark.parametrize("answers", [{"saddle_numbness": True}, {"cancer_history": True},
                                     {safety.ANY_RED_FLAG: True}, {"suspected_fracture": True},
                                     {"suspected_dvt": True}])
def test_red_flag_or_stop_answer_stops_all_pressing(answers):
    screen = safety.before_you_press(answers)
    assert screen.stopped and screen.allowed_points == ()
    assert all(screen.ceiling(code) == 0 for code in safety.point_codes())
    assert "Stop: do not press any points" in screen.to_html()


def test_routine_red_flag_answer_does_not_stop_pressing():
    screen = safety.before_you_press({"keeps_coming_back": True})
    assert not screen.stopped and screen.triage.level.id == "routine"


def test_unknown_situation_key_and_unknown_point_are_errors():
    with pytest.raises(ValueError, match="before_you_press: unknown question id.*pregnant"):
        safety.before_you_press({"pregnant": True})
    with pytest.raises(KeyError, match="unknown point code 'GB99'"):
        safety.before_you_press({}).ceiling("GB99")


# ---------------------------------------------------------------------------------------------------------
# Widgets (driven like a learner: tick boxes, click the button)
# ---------------------------------------------------------------------------------------------------------

def test_red_flag_check_widget_reports_emergency_in_words_and_icon():
    check = safety.red_flag_check()
    assert repr(check) == "Red-flag check: run the cell to answer"
    assert set(check.checkboxes) == set(safety.red_flag_features())
    assert check.result.value == ""
    check.checkboxes["saddle_numbness"].value = True
    check.button.click()
    assert "<strong>Emergency</strong>" in check.result.value and "🚨" in check.result.value
    assert "not a diagnosis" in check.result.value
    assert check.last_result.is_emergency


def test_red_flag_check_widget_with_nothing_ticked_gives_routine_advice():
    check = safety.red_flag_check()
    check.button.click()
    assert "Routine check" in check.result.value and "None of the warning signs apply" in check.result.value


def test_press_screen_widget_shows_ceilings_and_stops_on_linked_red_flag():
    check = safety.red_flag_check()
    screen = safety.press_screen(red_flag_check=check)
    assert repr(screen) == "Before-you-press screen: run the cell to answer"
    assert safety.ANY_RED_FLAG not in screen.checkboxes
    screen.checkboxes["bleeding_risk"].value = True
    screen.button.click()
    assert "<table>" in screen.result.value and "GB31" in screen.result.value
    assert "light (3/10)" in screen.result.value
    check.checkboxes["foot_drop"].value = True
    screen.button.click()
    assert screen.last_screen.stopped and "Stop: do not press any points" in screen.result.value


def test_press_screen_widget_alone_asks_the_summary_red_flag_question():
    screen = safety.press_screen()
    assert safety.ANY_RED_FLAG in screen.checkboxes
    screen.checkboxes[safety.ANY_RED_FLAG].value = True
    screen.button.click()
    assert screen.last_screen.stopped


def test_widget_classes_are_importable_by_name():
    from hipcourse.safety import PressScreen, RedFlagCheck

    assert isinstance(safety.red_flag_check(), RedFlagCheck)
    assert isinstance(safety.press_screen(), PressScreen)


def test_urgency_table_lists_every_level_and_scenario():
    table = safety.urgency_table()
    text, page = repr(table), table._repr_html_()
    for level in safety.urgency_levels():
        assert f"{level.icon} {level.name}:" in text and level.name in page
    for flag in safety.red_flags():
        assert flag.name in text
    assert page.startswith("<table><caption>") and 'scope="col"' in page


def test_questions_wrap_instead_of_being_cut_off():
    # ipywidgets cuts checkbox labels to one line; the widgets add a class and CSS so whole questions show.
    check = safety.red_flag_check()
    assert all("hipcourse-question" in box._dom_classes for box in check.checkboxes.values())
    assert "white-space: normal" in check.children[0].value


def test_check_contraindications_hook_reports_unknown_codes():
    document = _yaml("contraindications.yaml")
    course = data.load_course()
    assert safety.check_contraindications(document, course=course) == []
    document["regions"]["sacrum"]["points"].append("BL31")
    document["contraindications"][0]["effects"][0]["points"] = ["XX1"]
    problems = [str(p) for p in safety.check_contraindications(document, course=course)]
    assert problems == [
        "data/contraindications.yaml: regions.sacrum.points: unknown point code 'BL31'",
        "data/contraindications.yaml: contraindications[suspected_fracture].effects: unknown point code 'XX1'",
    ]
