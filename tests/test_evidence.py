"""Tests for hipcourse.topics.evidence: evidence and treatment data, the forest plot and its alt text, the simulation."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import yaml

from hipcourse.topics import evidence
from hipcourse.topics.evidence import (
    EvidenceDataError,
    guidelines_table,
    load_evidence,
    load_treatments,
    treatments_table,
    unplotted_table,
    validate_evidence,
    validate_treatments,
    check_evidence_data,
    check_treatments_data,
)
from hipcourse.topics.evidence_plots import COMPARISON_STYLES, forest_alt_text, forest_plot, forest_rows
from hipcourse.topics.regression import (
    regression_to_mean_explorer,
    regression_to_mean_figure,
    simulate_regression_to_mean,
)
from hipcourse.paths import repo_root

DATA = repo_root() / "data"


@pytest.fixture(scope="module")
def real_evidence():
    return load_evidence()


@pytest.fixture()
def doc(real_evidence):
    """A deep copy of the real evidence document that a test may break."""
    return copy.deepcopy(real_evidence)


def _source_keys() -> set[str]:
    return {item["key"] for item in yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["sources"]}


# ------------------------------------------------------------------------------------------- data files
def test_real_files_validate_against_sources():
    keys = _source_keys()
    raw = yaml.safe_load((DATA / "evidence.yaml").read_text(encoding="utf-8"))
    assert validate_evidence(raw, source_keys=keys) is raw
    treatments = yaml.safe_load((DATA / "treatments.yaml").read_text(encoding="utf-8"))
    assert validate_treatments(treatments, source_keys=keys) is treatments


def test_every_interval_contains_its_estimate_and_no_number_is_invented(real_evidence):
    plotted = [e for e in real_evidence["entries"] if "estimate" in e]
    described = [e for e in real_evidence["entries"] if "estimate" not in e]
    assert len(plotted) >= 5 and len(described) >= 3
    for entry in plotted:
        est = entry["estimate"]
        assert est["low"] <= est["value"] <= est["high"], entry["id"]
    # The hip-OA Cochrane review gave no numbers in our sources: it must be described, not plotted.
    assert "cochrane-hip-sham" in {e["id"] for e in described}


def test_interval_not_containing_estimate_is_rejected(doc):
    entry = next(e for e in doc["entries"] if e["id"] == "yeung2024-education")
    entry["estimate"]["value"] = 0.5
    with pytest.raises(EvidenceDataError, match=r"entries\[yeung2024-education\]\.estimate: the interval"):
        validate_evidence(doc)


def test_unknown_scale_group_and_source_are_rejected(doc):
    broken = copy.deepcopy(doc)
    broken["entries"][0]["group"] = "hip-bursitis"
    with pytest.raises(EvidenceDataError, match=r"entries\[cochrane-hip-sham\]\.group: unknown group 'hip-bursitis'"):
        validate_evidence(broken)
    broken = copy.deepcopy(doc)
    next(e for e in broken["entries"] if "estimate" in e)["estimate"]["scale"] = "womac"
    with pytest.raises(EvidenceDataError, match="unknown scale 'womac'"):
        validate_evidence(broken)
    with pytest.raises(EvidenceDataError, match=r"entries\[cochrane-hip-sham\]\.sources: unknown source key\(s\) E-cochrane-hip"):
        validate_evidence(doc, source_keys={"E-li2018"})


def test_schema_errors_name_the_file_and_entry(doc):
    doc["entries"][1]["certainty"] = "very sure"
    with pytest.raises(EvidenceDataError, match=r"^data/evidence\.yaml: entries\[cochrane-hip-addon\]\.certainty: "):
        validate_evidence(doc)


def test_duplicate_ids_are_rejected(doc):
    doc["entries"].append(copy.deepcopy(doc["entries"][0]))
    with pytest.raises(EvidenceDataError, match=r"entries\[cochrane-hip-sham\]: duplicate id"):
        validate_evidence(doc)


def test_load_evidence_reports_bad_yaml(tmp_path):
    path = tmp_path / "evidence.yaml"
    path.write_text("scales: [unclosed\n", encoding="utf-8")
    with pytest.raises(EvidenceDataError, match="not valid YAML"):
        load_evidence(path=path)


def test_treatment_without_sources_must_say_none_found():
    document = load_treatments()
    assert {t["id"] for t in document["treatments"]} >= {
        "exercise", "weight", "physiotherapy", "pain-medicines", "acupuncture", "yoga-stretching", "massage",
        "chiropractic", "heat-cold", "acupressure-mats", "essential-oils", "find-practitioner"}
    broken = copy.deepcopy(document)
    item = next(t for t in broken["treatments"] if t["id"] == "exercise")
    item["sources"] = []
    with pytest.raises(EvidenceDataError, match=r"treatments\[exercise\]\.sources: an entry that states evidence"):
        validate_treatments(broken)


def test_seed_corrections_c_to_f_are_all_covered():
    corrected = {t.get("seed_correction") for t in load_treatments()["treatments"]}
    assert {"c", "d", "e", "f"} <= corrected


def test_treatments_table_filters_and_rejects_unknown_category():
    home = treatments_table(category="home")
    assert {row[0] for row in home.rows} == {"Heat pads and ice packs", "Acupressure mats",
                                             "Essential oils (peppermint, eucalyptus and others)"}
    oils = next(row for row in home.rows if row[0].startswith("Essential oils"))
    assert "dangerous if swallowed" in oils[2] and oils[1] == "Avoid"
    assert len(treatments_table()) == len(load_treatments()["treatments"])
    with pytest.raises(ValueError, match="unknown category 'herbal'"):
        treatments_table(category="herbal")


def test_unplotted_and_guideline_tables(real_evidence):
    table = unplotted_table(evidence=real_evidence)
    assert len(table) == sum("estimate" not in e for e in real_evidence["entries"])
    assert "Vickers 2018" in repr(table)
    guidelines = guidelines_table(evidence=real_evidence)
    assert "<caption>What clinical guidelines say.</caption>" in guidelines._repr_html_()
    assert any("NICE NG226" in row[0] for row in guidelines.rows)


# ------------------------------------------------------------------------------------------- forest plot
def test_forest_rows_group_by_condition_in_file_order(real_evidence):
    rows = forest_rows(real_evidence)
    assert len(rows) == sum("estimate" in e for e in real_evidence["entries"])
    group_titles = [g["title"] for g in real_evidence["groups"]]
    positions = [group_titles.index(row.group_title) for row in rows]
    assert positions == sorted(positions)


def test_alt_text_describes_every_plotted_row_with_its_numbers(real_evidence):
    text = forest_alt_text(real_evidence)
    rows = forest_rows(real_evidence)
    assert text.startswith(f"Forest plot of {len(rows)} results in 6 panels")
    assert "Yeung 2024" in text and "-0.54 points on a 0 to 10 pain scale (95 % CI -0.97 to -0.10)" in text
    assert "-16.0 mm on a 0 to 100 mm pain line (95 % CI -21.3 to -10.6)" in text
    assert len(re.findall(r"^- ", text, flags=re.M)) == len(rows)
    # Entries without numbers are not in the plot's description.
    assert "Cochrane review 2018" not in text


def test_alt_text_follows_the_data(doc):
    entry = next(e for e in doc["entries"] if e["id"] == "yeung2024-education")
    entry["estimate"].update(value=-0.2, low=-0.6, high=0.2)
    text = forest_alt_text(doc)
    assert "-0.2 points on a 0 to 10 pain scale (95 % CI -0.6 to 0.2), crosses zero, no clear difference" in text


def test_forest_plot_is_an_atlas_figure_with_one_panel_per_scale(real_evidence):
    figure = forest_plot(evidence=real_evidence)
    assert figure.alt_text == forest_alt_text(real_evidence)
    assert len(figure.figure.axes) == 6
    bundle = figure._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert 'alt="Forest plot of 7 results' in bundle["text/html"]
    # Every comparison kind drawn has its own marker shape (colour is never the only cue).
    markers = [style.marker for style in COMPARISON_STYLES.values()]
    assert len(set(markers)) == len(markers)


def test_forest_plot_refuses_data_without_numbers(doc):
    for entry in doc["entries"]:
        entry.pop("estimate", None)
    with pytest.raises(EvidenceDataError, match="nothing to plot"):
        forest_plot(evidence=doc)


# ------------------------------------------------------------------------------------------- simulation
def test_simulation_is_deterministic_for_a_seed():
    first = simulate_regression_to_mean(seed=11)
    second = simulate_regression_to_mean(seed=11)
    other = simulate_regression_to_mean(seed=12)
    assert np.array_equal(first.baseline, second.baseline)
    assert np.array_equal(first.follow_up, second.follow_up)
    assert first.summary() == second.summary()
    assert not np.array_equal(first.baseline, other.baseline)


def test_untreated_enrolled_group_improves_by_itself():
    result = simulate_regression_to_mean(n_people=2000, threshold=7.0, seed=3)
    assert result.n_enrolled > 20
    assert (result.baseline[result.enrolled] >= 7.0).all()
    assert result.mean_change < -1.0  # pain "falls" with no treatment at all
    # Without selection there is no systematic fall.
    everyone = simulate_regression_to_mean(n_people=2000, threshold=0.0, seed=3)
    assert abs(everyone.mean_change) < 0.2
    assert ((result.baseline >= 0) & (result.baseline <= 10)).all()


def test_simulation_validates_its_inputs():
    with pytest.raises(ValueError, match="n_people must be at least 1"):
        simulate_regression_to_mean(n_people=0)
    with pytest.raises(ValueError, match="threshold must be within 0-10"):
        simulate_regression_to_mean(threshold=11)
    nobody = simulate_regression_to_mean(n_people=5, threshold=10.0, day_sd=0.0, person_sd=0.0)
    assert nobody.n_enrolled == 0 and "nobody would have joined" in nobody.summary()


def test_simulation_figure_alt_text_comes_from_the_numbers():
    result = simulate_regression_to_mean(seed=5)
    figure = regression_to_mean_figure(result)
    assert f"{result.n_enrolled} people" in figure.alt_text
    assert f"from {result.baseline_mean:.1f} to {result.follow_up_mean:.1f}" in figure.alt_text
    assert repr(figure) == figure.alt_text


def test_explorer_slider_updates_the_result():
    explorer = regression_to_mean_explorer(seed=7)
    before = explorer.result.value
    explorer.threshold.value = 8.5
    after = explorer.result.value
    assert before != after
    expected = simulate_regression_to_mean(threshold=8.5, seed=7).summary()
    assert expected in after
    assert repr(explorer).startswith("Regression-to-the-mean explorer")


@pytest.mark.parametrize("module", ["evidence", "evidence_plots", "regression"])
def test_module_import_stays_light(module):
    # The lesson 7 modules must not import yaml, numpy or matplotlib at module level (notebook import budget).
    source = (repo_root() / "notebooks" / "hipcourse" / "topics" / f"{module}.py").read_text(encoding="utf-8")
    top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert top_level
    assert not [line for line in top_level if re.search(r"\b(yaml|numpy|matplotlib|ipywidgets|jsonschema)\b", line)]
    assert evidence.__all__


def test_check_functions_for_the_course_check_command(doc):
    assert check_evidence_data(doc) == []
    assert check_treatments_data(load_treatments()) == []
    entry = next(e for e in doc["entries"] if e["id"] == "tu2024-sciatica")
    entry["estimate"]["low"] = -10.0
    (problem,) = check_evidence_data(doc)
    assert (problem.file, problem.entry) == ("data/evidence.yaml", "entries[tu2024-sciatica].estimate")
    assert "does not contain the estimate -16.0" in problem.message
    doc["entries"][0]["certainty"] = "very sure"  # a schema problem is reported by check_course, not twice
    assert check_evidence_data(doc) == []


def test_explorer_threshold_is_a_labelled_number_box_clamped_to_its_range():
    import ipywidgets as widgets

    explorer = regression_to_mean_explorer(seed=7)
    box = explorer.threshold
    assert isinstance(box, widgets.BoundedFloatText) and "Enrol at" in box.description
    assert (box.min, box.max, box.step) == (3.0, 9.5, 0.5)
    box.value = 20.0  # a typed value above the range is clamped, and the result follows it
    assert box.value == 9.5
    assert simulate_regression_to_mean(threshold=9.5, seed=7).summary() in explorer.result.value
    assert "slider" not in explorer.children[0].value.lower()


# ---------------------------------------------------------------- evidence at its real certainty (issue 13)
_VERDICT_RANK = {"recommended": 5, "may-help": 4, "advice": 3, "unproven": 2, "not-recommended": 1, "avoid": 0}
_CERTAINTY_RANK = {"high": 4, "moderate": 3, "low": 2, "very-low": 1, "none-found": 0, "not-applicable": 0}


def _treatments():
    return load_treatments()["treatments"]


def test_no_acupressure_verdict_or_certainty_for_hip_pain_ranks_above_acupunctures():
    items = _treatments()
    acupuncture = next(t for t in items if t["id"] == "acupuncture")
    acupressure = [t for t in items if "acupressure" in (t["id"] + " " + t["name"]).lower()]
    assert len(acupressure) >= 2, "treatments.yaml has no acupressure entries to compare"
    for item in acupressure:
        assert _VERDICT_RANK[item["verdict"]] <= _VERDICT_RANK[acupuncture["verdict"]], item["id"]
        assert _CERTAINTY_RANK[item["certainty"]] <= _CERTAINTY_RANK[acupuncture["certainty"]], item["id"]


def test_acupressure_for_hip_pain_is_unproven_with_very_low_indirect_evidence_and_no_pt_claim():
    item = next(t for t in _treatments() if t["id"] == "practitioner-acupressure")
    assert (item["verdict"], item["certainty"]) == ("unproven", "very-low")
    assert item["evidence"].startswith("Unproven for hip pain (very low certainty; the evidence is indirect).")
    assert "non-specific relief" in item["evidence"]
    assert "one unblinded trial" in item["evidence"]
    assert not re.search(r"beats? (physio|physical)", item["evidence"], re.IGNORECASE)


def test_no_treatment_is_unproven_with_high_certainty():
    # "Unproven, high certainty" reads as a contradiction to a lay reader: a well-tested failure is
    # "not-recommended"; something untested is "none-found".
    assert [t["id"] for t in _treatments() if (t["verdict"], t["certainty"]) == ("unproven", "high")] == []


def test_exercise_certainty_is_stated_per_condition():
    items = {t["id"]: t for t in _treatments()}
    hip_oa, lateral = items["exercise"], items["exercise-lateral-hip"]
    assert "osteoarthritis" in hip_oa["name"] and "outer side of the hip" in lateral["name"]
    assert (hip_oa["certainty"], set(hip_oa["sources"])) == ("high", {"E-nice226", "E-acr2019"})
    assert lateral["certainty"] == "moderate" and "E-mellor2018" in lateral["sources"]
    assert "one good trial, LEAP" in lateral["evidence"]
    assert _CERTAINTY_RANK[lateral["certainty"]] < _CERTAINTY_RANK[hip_oa["certainty"]]


def test_cochrane_hip_review_says_six_trials_two_sham_controlled(real_evidence):
    sham = next(e for e in real_evidence["entries"] if e["id"] == "cochrane-hip-sham")
    assert "6 randomised trials" in sham["design"] and "Only 2 of the 6 trials used a sham" in sham["certainty_note"]


def _figure_kinds():
    import ast

    kinds = []
    for path in sorted((repo_root() / "notebooks" / "hipcourse" / "topics").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "cached_figure"
                    and isinstance(node.args[0], ast.Constant)):
                kinds.append((path.stem, node.args[0].value))
    return kinds


def test_figure_kinds_name_the_module_that_defines_the_function():
    import importlib

    kinds = _figure_kinds()
    assert {stem for stem, _ in kinds} == {"painmap", "evidence_plots", "regression"}
    for stem, kind in kinds:
        module_name, _, function_name = kind.partition(":")
        assert module_name == f"hipcourse.topics.{stem}", kind
        assert callable(getattr(importlib.import_module(module_name), function_name)), kind


def test_treatments_never_group_sp12_with_hip_pain_and_match_the_point_data():
    # Lesson 5 and data/points.yaml: SP12 is traditionally used for lower-belly pain and pressed lightly only.
    from hipcourse.content.data import load_course

    sp12 = load_course().points["SP12"]
    assert sp12.raw["traditionally_used_for"][0].startswith("lower-belly")
    text = " ".join(t["evidence"] for t in _treatments())
    assert "SP12 for lower-belly pain" in " ".join(text.split()) and "SP12 is pressed only lightly" in text
    assert not re.search(r"(and|,) (the )?other points are traditionally used for hip", text)
