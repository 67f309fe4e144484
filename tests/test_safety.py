"""Tests for hipcourse.safety (triage and screen) and their data: red flags (facts.md section 5 and the clinical
review of issue 13) and contraindications (facts.md section 6).

The first group checks that every scenario and warning sign of the research file and of issue 13 is in the
data, so a safety item cannot be dropped silently. The rest drive triage() (single answers and combination
rules), the urgency table, before_you_press() and the two widgets.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest
import yaml

from hipcourse import paths
from hipcourse.content import check, data
from hipcourse.safety import screen as safety_screen, triage as safety_triage

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
        # issue 13, NICE CKS "Acute childhood limp"
        "child under 3 with a limp": "child_under_3_limp",
        "age 9+ with painful or restricted hip movement (possible SUFE)": "child_9_plus_hip",
        "night pain or weight loss": "child_night_pain_weight_loss",
        "hip disease showing as knee or thigh pain": "child_knee_thigh_pain",
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
        # issue 13: strangulated hernia and testicular torsion
        "groin lump firm, tender or will not go back in": "groin_lump_firm_stuck",
        "sudden severe testicle pain or swelling": "testicle_sudden_pain",
        "fever (for the infected kidney-stone combination)": "fever_shivery",
    }),
    # ---- issue 13: the red flags the clinical review found missing ----
    "stress_fracture": ("stress fracture", "same_day", {
        "runners and recruits with exercise-related groin pain": "runner_groin_pain",
        "missed periods / low energy availability": "low_energy_exercise_pain",
    }),
    "bone_drug_fracture": ("atypical", "same_day", {
        "new thigh or groin pain on bisphosphonates or denosumab": "bone_drug_thigh_pain",
    }),
    "bleeding_on_anticoagulants": ("bleeding", "emergency", {
        "a fall on anticoagulants": "anticoagulant_fall",
        "new groin or thigh swelling (femoral nerve palsy)": "anticoagulant_groin_swelling",
    }),
    "insufficiency_fracture": ("insufficiency fracture", "soon", {
        "pelvic or sacral pain without a fall in osteoporosis": "osteoporosis_pelvic_pain",
    }),
    "hip_replacement_problem": ("hip replacement", "same_day", {
        "sudden pain with a shortened or turned leg (dislocation)": "replacement_dislocation",
        "wound redness, discharge or fever (infection)": "replacement_infection",
    }),
    "giant_cell_arteritis": ("giant cell arteritis", "same_day", {
        "polymyalgia with headache or jaw pain": "gca_headache_jaw",
        "visual symptoms": "gca_vision",
        "polymyalgia rheumatica itself": "pmr_stiffness",
    }),
    "poor_leg_circulation": ("claudication", "soon", {
        "calf or buttock pain on walking that eases at rest": "walking_calf_buttock_pain",
        "a suddenly cold, pale leg": "leg_cold_pale",
    }),
    "belly_pelvis_causes": ("belly or pelvis", "same_day", {
        "possible ectopic pregnancy": "pregnancy_one_sided_pain",
        "dizziness, fainting, pallor": "faint_or_very_pale",
        "ovarian torsion (sudden severe pelvic pain)": "sudden_severe_pelvic_pain",
        "appendicitis": "appendix_pain",
        "kidney stone": "kidney_stone_pain",
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
    # issue 13
    "groin_lump_firm_stuck": "emergency",     # NHS: A&E if a hernia becomes firm or tender or will not go back
    "testicle_sudden_pain": "emergency",      # NHS: sudden severe testicle pain (torsion)
    "testicle_swelling": "same_day",          # painless swelling may stay "today"
    "replacement_dislocation": "emergency",
    "gca_vision": "emergency",                # sight at risk: the more urgent level when in doubt
    "leg_cold_pale": "emergency",
    "sudden_severe_pelvic_pain": "emergency",
    "child_under_3_limp": "same_day",         # CKS: same-day assessment
    "child_9_plus_hip": "same_day",
    "child_night_pain_weight_loss": "same_day",
    "child_knee_thigh_pain": "soon",
    "pmr_stiffness": "soon",
}

# issue 13: combination rules (id: urgency, the answers that trigger it, one answer alone must stay lower).
COMBINATIONS = {
    "strangulated_hernia": ("emergency", {"groin_lump", "vomiting_or_constipation"}),
    "testicle_swelling_sick": ("emergency", {"testicle_swelling", "vomiting_or_constipation"}),
    "cancer_with_nerve_signs": ("emergency", {"cancer_history", "foot_drop"}),
    "ectopic_pregnancy_bleeding": ("emergency", {"pregnancy_one_sided_pain", "faint_or_very_pale"}),
    "infected_kidney_stone": ("emergency", {"kidney_stone_pain", "fever_shivery"}),
}

# Hosts whose pages count as the official record for a red flag (NHS, NICE/CKS, MHRA on gov.uk, NHS trusts).
OFFICIAL_HOSTS = ("nhs.uk", "nice.org.uk", "gov.uk", "nhs.scot")

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
    report = check.check_course()
    ours = [str(p) for p in report.problems if p.file in {"data/red_flags.yaml", "data/contraindications.yaml"}]
    assert ours == []


@pytest.mark.parametrize("flag_id", sorted(FACTS_RED_FLAGS))
def test_every_facts_red_flag_scenario_is_present(flag_id):
    words, urgency, features = FACTS_RED_FLAGS[flag_id]
    flags = {flag.id: flag for flag in safety_triage.red_flags()}
    assert flag_id in flags, f"facts.md section 5 scenario missing: {flag_id}"
    flag = flags[flag_id]
    assert words in flag.name.lower()
    assert flag.urgency == urgency
    ids = {feature.id for feature in flag.features}
    missing = {item: fid for item, fid in features.items() if fid not in ids}
    assert not missing, f"{flag_id}: facts items without a question: {missing}"
    assert flag.sources and flag.what_to_do


def test_no_red_flag_beyond_the_facts_list():
    assert {flag.id for flag in safety_triage.red_flags()} == set(FACTS_RED_FLAGS)


def test_issue_13_flags_rest_on_official_records():
    # Each new red flag cites the primary or official record: a DOI, a PubMed id, or an official host.
    sources = {s["key"]: s for s in _yaml("sources.yaml")["sources"]}
    new = ["stress_fracture", "bone_drug_fracture", "bleeding_on_anticoagulants", "insufficiency_fracture",
           "hip_replacement_problem", "giant_cell_arteritis", "poor_leg_circulation", "belly_pelvis_causes"]
    flags = {flag.id: flag for flag in safety_triage.red_flags()}
    rules = [rule.sources for rule in safety_triage.red_flag_combinations()]
    for keys in [flags[fid].sources for fid in new] + rules + [("R-cks-limp",)]:
        for key in keys:
            source = sources[key]
            host = urlparse(source.get("url", "")).hostname or ""
            official = host == "nhs.uk" or host.endswith(OFFICIAL_HOSTS)
            assert source.get("doi") or source.get("pmid") or official, key
    child = flags["child_limp"]
    assert "R-cks-limp" in child.sources
    assert "bone_drug_fracture" in flags and set(flags["bone_drug_fracture"].sources) == {
        "R-mhra-bisphosphonates", "R-mhra-denosumab"}


def test_night_pain_question_leaves_out_ordinary_side_lying_pain():
    question = safety_triage.red_flag_features()["night_or_rest_pain"].question
    assert "changing position does not ease" in question and "never lets up" in question
    assert "lying on the sore side" in question and "does not count" in question
    assert "bad at night" not in question


def test_children_follow_cks_and_are_never_taught_to_press():
    flag = next(flag for flag in safety_triage.red_flags() if flag.id == "child_limp")
    text = flag.what_to_do
    assert "knee or thigh" in text and "SUFE" in text and "18 and over" in text
    assert "never taught to press" in text
    for fid in ("child_under_3_limp", "child_9_plus_hip", "child_night_pain_weight_loss"):
        assert safety_triage.triage({fid: True}).level.id == "same_day", fid


def test_feature_urgency_overrides_follow_the_facts():
    features = safety_triage.red_flag_features()
    for feature_id, urgency in FEATURE_URGENCY.items():
        assert features[feature_id].urgency == urgency, feature_id


def test_emergency_advice_names_999_and_local_emergency_number():
    emergency = safety_triage.urgency_levels()[0]
    assert emergency.id == "emergency"
    assert "999" in emergency.action and "local emergency number" in emergency.action
    fracture = next(flag for flag in safety_triage.red_flags() if flag.id == "hip_fracture")
    assert "keep still" in fracture.what_to_do and "warm" in fracture.what_to_do


@pytest.mark.parametrize("item", sorted(FACTS_CONTRAINDICATIONS))
def test_every_facts_contraindication_is_present(item):
    ids = {entry.id for entry in safety_screen.contraindications()}
    assert FACTS_CONTRAINDICATIONS[item] in ids, f"facts.md section 6 item missing: {item}"


def test_neurovascular_cautions_cover_the_facts_points():
    entries = {entry.id: entry for entry in safety_screen.contraindications()}
    expected = {"femoral_artery": {"SP12"}, "popliteal_artery": {"BL40"},
                "sciatic_nerve": {"GB30", "BL54", "BL36"}, "common_fibular_nerve": {"GB34"}}
    for entry_id, codes in expected.items():
        entry = entries[entry_id]
        assert entry.applies == "always" and entry.question is None
        assert set(entry.effects[0].points) == codes
    assert "ST30" in entries["femoral_artery"].reason and "LR12" in entries["femoral_artery"].reason
    assert entries["hip_replacement"].confidence == "L"


def test_pregnancy_entry_follows_the_course_recommendation():
    entry = next(e for e in safety_screen.contraindications() if e.id == "pregnancy")
    levels = {effect.max_pressure for effect in entry.effects}
    assert levels == {"gentle_touch", "none"}
    banned = {code for effect in entry.effects if effect.max_pressure == "none" for code in effect.points}
    assert {"BL32", "BL33", "BL34", "GV2", "SP13"} <= banned
    assert "midwife" in entry.reason and "S-carr2015" in entry.sources


def test_ids_are_unique_across_both_files():
    features = [f.id for flag in safety_triage.red_flags() for f in flag.features]
    entries = [entry.id for entry in safety_screen.contraindications()]
    everything = features + entries + [safety_screen.ANY_RED_FLAG]
    assert len(everything) == len(set(everything))


def test_source_keys_exist_in_sources_yaml():
    keys = {source["key"] for source in _yaml("sources.yaml")["sources"]}
    used = {key for flag in safety_triage.red_flags() for key in flag.sources}
    used |= {key for entry in safety_screen.contraindications() for key in entry.sources}
    assert used - keys == set()


def test_point_codes_match_points_yaml():
    codes = set(safety_screen.point_codes())
    assert codes == set(data.load_course().points)
    assert COURSE_POINTS <= codes
    mentioned = {code for entry in safety_screen.contraindications() for effect in entry.effects for code in effect.points}
    assert mentioned <= codes


def test_questions_are_questions():
    questions = [f.question for flag in safety_triage.red_flags() for f in flag.features]
    questions += [e.question for e in safety_screen.contraindications() if e.applies == "when_yes"]
    # A short note in brackets may follow the question mark, e.g. "(... does not count.)".
    asked = [re.sub(r"\s*\([^()]*\)$", "", q) for q in questions]
    assert [q for q in asked if not q.endswith("?")] == []
    assert any(q != a for q, a in zip(questions, asked))  # the night-pain note is kept, not dropped


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
        safety_triage.red_flags()
    message = str(excinfo.value)
    assert "data/red_flags.yaml" in message and "red_flags[suspected_cancer].urgency" in message
    assert "'later'" in message


def test_duplicate_feature_id_is_reported(data_copy):
    _edit(data_copy / "red_flags.yaml", "- id: weight_loss\n", "- id: night_sweats\n")
    with pytest.raises(data.DataError, match=r"red_flags\.yaml: red_flags\[suspected_cancer\].*duplicate feature id"):
        safety_triage.red_flags()


def test_unknown_feature_in_a_combination_is_reported_with_file_rule_and_problem(data_copy):
    _edit(data_copy / "red_flags.yaml", "all_of: [groin_lump, vomiting_or_constipation]",
          "all_of: [groin_lump, vomitting]")
    with pytest.raises(data.DataError) as excinfo:
        safety_triage.red_flags()
    message = str(excinfo.value)
    assert "data/red_flags.yaml: combinations[strangulated_hernia].all_of" in message
    assert "unknown feature 'vomitting'" in message
    report = check.check_course(data_copy)
    assert any(p.file == "data/red_flags.yaml" and p.entry == "combinations[strangulated_hernia].all_of"
               and "unknown feature 'vomitting'" in p.message for p in report.problems)


def test_check_command_prints_a_bad_combination_reference(data_copy):
    _edit(data_copy / "red_flags.yaml", "any_of: [leg_weakness_worsening, foot_drop]",
          "any_of: [leg_weakness_worsening, foot_dropp]")
    run = subprocess.run([sys.executable, "-m", "hipcourse", "check"], capture_output=True, text=True,
                         cwd=paths.repo_root(), env={**__import__("os").environ, "PYTHONPATH": "notebooks",
                                                     paths.DATA_DIR_ENV: str(data_copy)}, timeout=300)
    assert run.returncode != 0
    assert "data/red_flags.yaml: combinations[cancer_with_nerve_signs].any_of: unknown feature 'foot_dropp'" in (
        run.stdout + run.stderr)


def test_check_red_flags_reports_duplicates_clashes_and_rules_that_never_raise_the_level():
    document = _yaml("red_flags.yaml")
    assert safety_triage.check_red_flags(document) == []
    rules = document["combinations"]
    rules.append(dict(rules[0]))                                     # duplicate id
    rules.append({**rules[1], "id": "hip_fracture"})                 # id of a red flag
    rules.append({**rules[2], "id": "dead", "all_of": ["saddle_numbness"], "any_of": ["foot_drop", "weight_loss"]})
    rules.append({**rules[3], "id": "twice", "all_of": ["groin_lump", "groin_lump"]})
    problems = [str(p) for p in safety_triage.check_red_flags(document)]
    assert problems == [
        "data/red_flags.yaml: combinations[strangulated_hernia]: duplicate combination id 'strangulated_hernia'",
        "data/red_flags.yaml: combinations[hip_fracture]: id 'hip_fracture' is also a red flag's id",
        "data/red_flags.yaml: combinations[dead].urgency: 'emergency' never raises the level: a feature it needs "
        "is already that urgent on its own",
        "data/red_flags.yaml: combinations[twice].all_of: feature 'groin_lump' is used twice",
    ]


def test_red_flag_check_is_registered_with_the_check_command():
    assert check.EXTRA_CHECKS["red_flags"] == "hipcourse.safety.triage:check_red_flags"


def test_unknown_region_is_reported(data_copy):
    _edit(data_copy / "contraindications.yaml", "regions: [over_hip_joint]", "regions: [over_the_moon]")
    with pytest.raises(data.DataError, match=r"contraindications\[hip_replacement\].*unknown region 'over_the_moon'"):
        safety_screen.contraindications()


def test_unknown_point_code_is_reported(data_copy):
    _edit(data_copy / "contraindications.yaml", "points: [BL40]", "points: [BL41]")
    with pytest.raises(data.DataError, match=r"contraindications\[popliteal_artery\].*BL41"):
        safety_screen.before_you_press({})


# ---------------------------------------------------------------------------------------------------------
# triage()
# ---------------------------------------------------------------------------------------------------------

def test_no_answers_give_routine_advice_and_the_disclaimer():
    result = safety_triage.triage({})
    assert result.level.id == "routine" and result.matched == ()
    assert "None of the warning signs apply" in result.advice
    assert "physiotherapist" in result.advice
    assert safety_triage.NOT_A_DIAGNOSIS in result.text and "not a diagnosis" in result.to_html()
    assert not result.stops_pressing


def test_older_person_who_fell_but_walks_is_an_emergency():
    result = safety_triage.triage({"older_fall_hip_groin_pain": True})
    assert result.is_emergency
    assert "999" in result.advice
    assert [m.flag.id for m in result.matched] == ["hip_fracture"]


def test_matched_flags_are_ordered_most_urgent_first():
    result = safety_triage.triage({"keeps_coming_back": True, "weight_loss": True, "foot_drop": True,
                            "saddle_numbness": True, "night_sweats": False})
    assert [m.urgency for m in result.matched] == ["emergency", "same_day", "soon", "routine"]
    assert result.level.id == "emergency"
    cancer = next(m for m in result.matched if m.flag.id == "suspected_cancer")
    assert [f.id for f in cancer.features] == ["weight_loss"]


def test_feature_override_raises_a_scenarios_urgency():
    assert safety_triage.triage({"one_leg_swollen_painful": True}).level.id == "same_day"
    result = safety_triage.triage({"one_leg_swollen_painful": True, "breathless_chest_pain": True})
    assert result.level.id == "emergency" and result.matched[0].urgency == "emergency"


@pytest.mark.parametrize("rule_id", sorted(COMBINATIONS))
def test_combination_raises_the_level_only_when_the_signs_come_together(rule_id):
    urgency, answers = COMBINATIONS[rule_id]
    rule = next(r for r in safety_triage.red_flag_combinations() if r.id == rule_id)
    assert rule.urgency == urgency and rule.sources
    together = safety_triage.triage({fid: True for fid in answers})
    assert together.level.id == urgency
    assert [c.rule.id for c in together.combinations] == [rule_id]
    assert set(together.combinations[0].features) == answers
    assert f"Together: {rule.name}" in together.text and "Together:" in together.to_html()
    for fid in answers:  # one sign alone does not reach the combination's level
        alone = safety_triage.triage({fid: True})
        assert alone.combinations == ()
        assert alone.level.rank < together.level.rank, fid


def test_every_combination_in_the_data_is_tested():
    assert {rule.id for rule in safety_triage.red_flag_combinations()} == set(COMBINATIONS)


def test_strangulated_hernia_follows_the_nhs_page():
    # NHS "Inguinal hernia": A&E with vomiting, no wind or stools, or a lump that is firm, tender or stuck.
    assert safety_triage.triage({"groin_lump": True}).level.id == "same_day"
    assert safety_triage.triage({"groin_lump": True, "vomiting_or_constipation": True}).is_emergency
    assert safety_triage.triage({"groin_lump_firm_stuck": True}).is_emergency
    question = safety_triage.red_flag_features()["vomiting_or_constipation"].question
    assert "pass wind" in question and "vomiting" in question


def test_testicular_torsion_is_an_emergency_and_painless_swelling_is_today():
    assert safety_triage.triage({"testicle_sudden_pain": True}).is_emergency
    assert safety_triage.triage({"testicle_swelling": True}).level.id == "same_day"


@pytest.mark.parametrize("feature_id, level", [
    ("runner_groin_pain", "same_day"), ("low_energy_exercise_pain", "same_day"),
    ("bone_drug_thigh_pain", "same_day"), ("anticoagulant_fall", "emergency"),
    ("anticoagulant_groin_swelling", "emergency"), ("osteoporosis_pelvic_pain", "soon"),
    ("replacement_dislocation", "emergency"), ("replacement_infection", "same_day"),
    ("gca_headache_jaw", "same_day"), ("gca_vision", "emergency"), ("walking_calf_buttock_pain", "soon"),
    ("leg_cold_pale", "emergency"), ("pregnancy_one_sided_pain", "same_day"),
    ("sudden_severe_pelvic_pain", "emergency"), ("appendix_pain", "same_day"), ("kidney_stone_pain", "same_day"),
])
def test_new_red_flags_give_their_level_and_stop_pressing(feature_id, level):
    result = safety_triage.triage({feature_id: True})
    assert result.level.id == level and result.stops_pressing
    assert safety_screen.before_you_press({feature_id: True}).stopped


def test_insufficiency_fracture_warns_off_the_sacral_points():
    flag = next(flag for flag in safety_triage.red_flags() if flag.id == "insufficiency_fracture")
    assert "sacrum" in flag.what_to_do and "Do not press" in flag.what_to_do


def test_false_answers_count_as_no():
    assert safety_triage.triage({"saddle_numbness": False, "foot_drop": False}).level.id == "routine"


def test_unknown_question_id_is_an_error():
    with pytest.raises(ValueError, match="unknown question id.*saddle_numbnes"):
        safety_triage.triage({"saddle_numbnes": True})


def test_answers_must_be_booleans():
    with pytest.raises(TypeError, match="saddle_numbness"):
        safety_triage.triage({"saddle_numbness": "yes"})
    with pytest.raises(TypeError, match="mapping"):
        safety_triage.triage(["saddle_numbness"])


# ---------------------------------------------------------------------------------------------------------
# before_you_press()
# ---------------------------------------------------------------------------------------------------------

def test_default_screen_applies_the_fixed_nerve_and_artery_cautions():
    screen = safety_screen.before_you_press({})
    levels = safety_screen.pressure_levels()
    assert not screen.stopped and screen.triage is None
    assert screen.ceiling("SP12") == levels["light"] and screen.limits["SP12"].reasons == ("femoral_artery",)
    assert screen.ceiling("BL40") == levels["light"]
    for code in ("GB30", "BL54", "BL36", "GB34"):
        assert screen.ceiling(code) == levels["moderate"], code
    assert screen.ceiling("GB31") == levels["firm"] and screen.limits["GB31"].reasons == ()
    assert set(screen.allowed_points) == set(safety_screen.point_codes()) and screen.off_limits == ()


def test_anticoagulants_make_every_point_light_at_most():
    screen = safety_screen.before_you_press({"bleeding_risk": True})
    light = safety_screen.pressure_levels()["light"]
    assert all(limit.ceiling <= light for limit in screen.limits.values())
    assert "bleeding_risk" in screen.limits["GB31"].reasons
    # SP12 was already light for the artery; both reasons are kept.
    assert set(screen.limits["SP12"].reasons) == {"femoral_artery", "bleeding_risk"}


def test_bleeding_question_names_antiplatelets_as_well_as_anticoagulants():
    entry = next(e for e in safety_screen.contraindications() if e.id == "bleeding_risk")
    question = entry.question.lower()
    for word in ("anticoagulant", "warfarin", "antiplatelet", "aspirin", "clopidogrel"):
        assert word in question, f"bleeding_risk question does not name {word!r}"
    assert "antiplatelet" in entry.reason.lower()


def test_neuropathy_or_diabetes_means_light_pressure_everywhere_and_no_heat_on_numb_skin():
    light = safety_screen.pressure_levels()["light"]
    without = safety_screen.before_you_press({})
    screen = safety_screen.before_you_press({"neuropathy_diabetes": True})
    assert not screen.stopped
    assert all(limit.ceiling <= light for limit in screen.limits.values())
    # It lowers points the course would otherwise press firmly, so the answer changes the advice.
    assert any(without.ceiling(code) > light for code in screen.limits)
    assert all("neuropathy_diabetes" in screen.limits[code].reasons
               for code in screen.limits if without.ceiling(code) > light)
    html_text = screen.to_html().lower()
    assert "heat pack" in html_text and "numb" in html_text


def test_lymphoedema_or_groin_node_surgery_takes_sp12_off_limits_and_nothing_else():
    without = safety_screen.before_you_press({})
    screen = safety_screen.before_you_press({"lymphoedema_groin_nodes": True})
    assert not screen.allowed("SP12")
    assert "SP12" in screen.off_limits and "SP12" not in without.off_limits
    for code in screen.limits:
        if code != "SP12":
            assert screen.ceiling(code) == without.ceiling(code), code


def test_floor_transfer_is_advice_that_changes_no_pressure():
    without = safety_screen.before_you_press({})
    screen = safety_screen.before_you_press({"floor_transfer": True})
    assert [entry.id for entry in screen.advice] == ["floor_transfer"]
    assert {code: limit.ceiling for code, limit in screen.limits.items()} == \
        {code: limit.ceiling for code, limit in without.limits.items()}
    assert "chair" in screen.to_html() and "phone" in screen.to_html()


def test_new_precautions_work_through_the_widget_by_ticking_and_clicking():
    widget = safety_screen.press_screen()
    widget.checkboxes["lymphoedema_groin_nodes"].value = True
    widget.checkboxes["neuropathy_diabetes"].value = True
    widget.button.click()
    assert not widget.last_screen.allowed("SP12")
    assert widget.last_screen.ceiling("GB30") <= safety_screen.pressure_levels()["light"]
    assert "heat pack" in widget.result.value.lower()


def test_pregnancy_allows_only_gentle_touch_and_never_sacrum_or_belly():
    screen = safety_screen.before_you_press({"pregnancy": True})
    for code in ("BL32", "BL33", "BL34", "GV2", "SP13", "SP12", "BL54"):
        assert not screen.allowed(code), code
    assert screen.ceiling("GB31") == safety_screen.pressure_levels()["gentle_touch"]


def test_hip_replacement_takes_the_points_over_the_joint_off_limits():
    screen = safety_screen.before_you_press({"hip_replacement": True})
    assert set(screen.off_limits) == {"GB29", "GB30"}


def test_local_problem_is_listed_but_changes_no_point():
    screen = safety_screen.before_you_press({"bruise": True})
    assert [entry.id for entry in screen.local_rules] == ["bruise"]
    assert screen.limits == safety_screen.before_you_press({}).limits
    assert "Do not press on the affected spot" in screen.to_html()


@pytest.mark.parametrize("answers", [{"saddle_numbness": True}, {"cancer_history": True},
                                     {safety_screen.ANY_RED_FLAG: True}, {"suspected_fracture": True},
                                     {"suspected_dvt": True}])
def test_red_flag_or_stop_answer_stops_all_pressing(answers):
    screen = safety_screen.before_you_press(answers)
    assert screen.stopped and screen.allowed_points == ()
    assert all(screen.ceiling(code) == 0 for code in safety_screen.point_codes())
    assert "Stop: do not press any points" in screen.to_html()


def test_routine_red_flag_answer_does_not_stop_pressing():
    screen = safety_screen.before_you_press({"keeps_coming_back": True})
    assert not screen.stopped and screen.triage.level.id == "routine"


def test_advice_entries_get_their_own_heading_and_are_not_local_rules():
    entries = {entry.id: entry for entry in safety_screen.contraindications()}
    assert entries["floor_transfer"].kind == safety_screen.ADVICE_KIND
    screen = safety_screen.before_you_press({"floor_transfer": True, "bruise": True})
    assert [e.id for e in screen.local_rules] == ["bruise"] and [e.id for e in screen.advice] == ["floor_transfer"]
    assert screen.limits == safety_screen.before_you_press({}).limits
    page = screen.to_html()
    local_part, advice_part = page.split("Advice for how you practise")
    assert "firm bed" in advice_part and "firm bed" not in local_part
    widget = safety_screen.press_screen()
    headings = widget._HEADINGS
    asked = {e.kind for e in entries.values() if e.applies == "when_yes"}
    assert asked <= set(headings)                                    # every asked kind has a heading
    assert headings[safety_screen.ADVICE_KIND] == "Getting into position safely"
    labels = [child.value if hasattr(child, "value") and isinstance(child.value, str) else child.description
              for child in widget.children]
    at = labels.index("<strong>Getting into position safely</strong>")
    assert labels[at + 1] == entries["floor_transfer"].question
    # Only real "not on this spot" entries sit under the local heading.
    assert all(e.kind != "local" or any(effect.local for effect in e.effects) for e in entries.values())


def test_unknown_situation_key_and_unknown_point_are_errors():
    with pytest.raises(ValueError, match="before_you_press: unknown question id.*pregnant"):
        safety_screen.before_you_press({"pregnant": True})
    with pytest.raises(KeyError, match="unknown point code 'GB99'"):
        safety_screen.before_you_press({}).ceiling("GB99")


# ---------------------------------------------------------------------------------------------------------
# Widgets (driven like a learner: tick boxes, click the button)
# ---------------------------------------------------------------------------------------------------------

def test_red_flag_check_widget_reports_emergency_in_words_and_icon():
    check = safety_triage.red_flag_check()
    assert repr(check) == "Red-flag check: run the cell to answer"
    assert set(check.checkboxes) == set(safety_triage.red_flag_features())
    assert check.result.value == ""
    check.checkboxes["saddle_numbness"].value = True
    check.button.click()
    assert "<strong>Emergency</strong>" in check.result.value and "🚨" in check.result.value
    assert "not a diagnosis" in check.result.value
    assert check.last_result.is_emergency


def test_red_flag_check_widget_with_nothing_ticked_gives_routine_advice():
    check = safety_triage.red_flag_check()
    check.button.click()
    assert "Routine check" in check.result.value and "None of the warning signs apply" in check.result.value


def test_press_screen_widget_shows_ceilings_and_stops_on_linked_red_flag():
    check = safety_triage.red_flag_check()
    screen = safety_screen.press_screen(red_flag_check=check)
    assert repr(screen) == "Before-you-press screen: run the cell to answer"
    assert safety_screen.ANY_RED_FLAG not in screen.checkboxes
    screen.checkboxes["bleeding_risk"].value = True
    screen.button.click()
    assert "<table>" in screen.result.value and "GB31" in screen.result.value
    assert "light (3/10)" in screen.result.value
    check.checkboxes["foot_drop"].value = True
    screen.button.click()
    assert screen.last_screen.stopped and "Stop: do not press any points" in screen.result.value


def test_press_screen_widget_alone_asks_the_summary_red_flag_question():
    screen = safety_screen.press_screen()
    assert safety_screen.ANY_RED_FLAG in screen.checkboxes
    screen.checkboxes[safety_screen.ANY_RED_FLAG].value = True
    screen.button.click()
    assert screen.last_screen.stopped


def test_widget_classes_are_importable_by_name():
    from hipcourse.safety.screen import PressScreen
    from hipcourse.safety.triage import RedFlagCheck

    assert isinstance(safety_triage.red_flag_check(), RedFlagCheck)
    assert isinstance(safety_screen.press_screen(), PressScreen)


def test_urgency_table_lists_every_level_and_scenario():
    table = safety_triage.urgency_table()
    text, page = repr(table), table._repr_html_()
    for level in safety_triage.urgency_levels():
        assert f"{level.icon} {level.name}:" in text and level.name in page
    for flag in safety_triage.red_flags():
        assert flag.name in text
    assert page.startswith("<table><caption>") and 'scope="col"' in page


def test_urgency_table_shows_each_question_once_at_its_own_level():
    import html

    table = safety_triage.urgency_table()
    features = safety_triage.red_flag_features()
    shown = [(level.id, q) for level, groups in table.rows for name, questions in groups
             if name != safety_triage.COMBINATIONS_HEADING for q in questions]
    assert sorted(q for _, q in shown) == sorted(f.question for f in features.values())   # each once
    own = {f.question: f.urgency for f in features.values()}
    assert all(own[q] == level for level, q in shown)
    text, page = repr(table), table._repr_html_()
    for feature in features.values():
        assert text.count(feature.question) == 1 and page.count(html.escape(feature.question)) == 1
    # A sign of a scenario that spans levels (the DVT's breathlessness) sits only under Emergency.
    rows = dict((level.id, groups) for level, groups in table.rows)
    breathless = features["breathless_chest_pain"].question
    assert any(breathless in qs for _, qs in rows["emergency"])
    assert not any(breathless in qs for _, qs in rows["same_day"])
    # Combination rules are named at their level.
    for rule in safety_triage.red_flag_combinations():
        assert any(name == safety_triage.COMBINATIONS_HEADING and rule.name + "." in qs
                   for name, qs in rows[rule.urgency])


def test_questions_wrap_instead_of_being_cut_off():
    # ipywidgets cuts checkbox labels to one line; the widgets add a class and CSS so whole questions show.
    check = safety_triage.red_flag_check()
    assert all("hipcourse-question" in box._dom_classes for box in check.checkboxes.values())
    assert "white-space: normal" in check.children[0].value


def test_check_contraindications_hook_reports_unknown_codes():
    document = _yaml("contraindications.yaml")
    course = data.load_course()
    assert safety_screen.check_contraindications(document, course=course) == []
    document["regions"]["sacrum"]["points"].append("BL31")
    document["contraindications"][0]["effects"][0]["points"] = ["XX1"]
    problems = [str(p) for p in safety_screen.check_contraindications(document, course=course)]
    assert problems == [
        "data/contraindications.yaml: regions.sacrum.points: unknown point code 'BL31'",
        "data/contraindications.yaml: contraindications[suspected_fracture].effects: unknown point code 'XX1'",
    ]
