"""Tests for hipcourse.topics.causes: the causes data, the ranking, the explorer widget and the pain maps."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from hipcourse.topics import causes
from hipcourse.topics.causes import (
    NOT_A_DIAGNOSIS,
    CausesDataError,
    load_causes,
    rank_causes,
    symptoms_table,
    where_does_it_hurt,
)
from hipcourse.topics.painmap import pain_map
from hipcourse.paths import repo_root

DATA = repo_root() / "data"


@pytest.fixture()
def catalogue():
    return load_causes()


@pytest.fixture()
def data_copy(tmp_path, monkeypatch):
    """A writable copy of causes.yaml (+ schema, sources) in a temporary data dir; returns a writer."""
    (tmp_path / "schemas").mkdir()
    shutil.copy(DATA / "schemas" / "causes.schema.json", tmp_path / "schemas")
    shutil.copy(DATA / "sources.yaml", tmp_path)
    raw = yaml.safe_load((DATA / "causes.yaml").read_text(encoding="utf-8"))
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(tmp_path))

    def write(mutate):
        mutate(raw)
        (tmp_path / "causes.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return tmp_path / "causes.yaml"

    return write


# ------------------------------------------------------------------------------------------- the data
def test_the_lesson_2_causes_are_all_there(catalogue):
    expected = {"osteoarthritis", "rheumatoid_arthritis", "gtps", "strain", "hip_fracture", "sciatica",
                "piriformis_syndrome", "referred_back", "impingement_labral", "avascular_necrosis", "infection",
                "hernia"}
    assert expected <= set(catalogue.causes)
    assert {c.id for c in catalogue.causes.values() if c.group == "mislabel"} >= {
        "referred_back", "impingement_labral", "avascular_necrosis", "infection", "hernia"}


def test_every_cited_key_is_in_sources_yaml(catalogue):
    # data/sources.yaml holds the bracketed keys of facts.md section 9; an unknown key must not slip through.
    known = {entry["key"] for entry in yaml.safe_load((DATA / "sources.yaml").read_text(encoding="utf-8"))["sources"]}
    cited = {k for c in catalogue.causes.values() for k in c.sources}
    cited |= {k for s in catalogue.symptoms.values() for k in s.sources}
    assert cited and cited <= known, sorted(cited - known)


def test_unknown_source_key_is_rejected(data_copy):
    path = data_copy(lambda raw: raw["causes"][0]["sources"].append("X-made-up"))
    with pytest.raises(CausesDataError, match=r"causes\[osteoarthritis\]\.sources: unknown source key 'X-made-up'"):
        load_causes(path=path)


def test_every_cause_cites_each_of_its_facts(catalogue):
    for cause in catalogue.causes.values():
        assert set(cause.field_sources) == {"who", "features", "how_common", "what_helps"}, cause.id
        for keys in cause.field_sources.values():
            assert set(keys) <= set(cause.sources)


def test_bursitis_is_not_presented_as_inflammation_acupressure_can_reduce(catalogue):
    # facts.md section 8 (d): the seed's claim is unsupported; the tendon explanation must be cited.
    gtps = catalogue.cause("gtps")
    assert "C-reid2016" in gtps.field_sources["features"]
    text = " ".join([gtps.plain, gtps.features, gtps.what_helps]).lower()
    assert "acupressure" not in text
    assert "tendon" in text


def test_every_region_shape_lies_inside_its_drawn_view(catalogue):
    # The atlas draws each view over the extent in data/views.yaml; a shape outside it would be invisible.
    extents = yaml.safe_load((DATA / "views.yaml").read_text(encoding="utf-8"))["views"]
    for region in catalogue.regions.values():
        for shape in region.shapes:
            xmin, xmax, ymin, ymax = extents[shape.view]["extent"]
            if shape.polygon is not None:
                corners = shape.polygon
            else:
                (cx, cy), (w, h) = shape.center, shape.size
                half = max(w, h) / 2  # rotation-proof bounding square
                corners = ((cx - half, cy - half), (cx + half, cy + half))
            for x, y in corners:
                assert xmin <= x <= xmax and ymin <= y <= ymax, (region.id, shape.view, x, y)


def test_region_shapes_cover_their_landmarks(catalogue):
    # The side-of-hip region must cover the greater trochanter (lateral view: x 0, y 92, CONTRIBUTING.md);
    # the groin region must cover the mid-inguinal point between ASIS (12.5, 102.5) and PS (0, 93).
    side = next(s for s in catalogue.regions["side_hip"].shapes if s.view == "lateral")
    assert side.contains(0, 92)
    assert not side.contains(0, 60)
    groin = next(s for s in catalogue.regions["groin"].shapes if s.view == "anterior")
    assert groin.contains(6.25, 97.75)
    assert not groin.contains(6.25, 80)
    buttock = next(s for s in catalogue.regions["buttock"].shapes if s.view == "posterior")
    assert buttock.contains(9, 90) and not buttock.contains(-9, 90)


def test_symptoms_link_common_and_less_common_to_causes(catalogue):
    frequencies = {s.frequency for s in catalogue.symptoms.values()}
    assert frequencies == {"common", "less_common"}
    linked = {c for s in catalogue.symptoms.values() for c in s.causes}
    assert {"osteoarthritis", "gtps", "sciatica", "hip_fracture"} <= linked
    first = catalogue.symptoms_for("osteoarthritis")
    assert first and all(s.frequency == "common" for s in first)


def test_symptoms_table_lists_common_symptoms_first(catalogue):
    table = symptoms_table(catalogue=catalogue)
    assert table.columns == ("Symptom", "How often", "Possible causes")
    often = [row[1] for row in table.rows]
    assert often == sorted(often, key=lambda value: value != "common")
    assert len(table) == len(catalogue.symptoms)
    assert "<caption>" in table._repr_html_()


# ------------------------------------------------------------------------------------------- data errors
def test_unknown_region_reference_names_file_entry_and_problem(data_copy):
    path = data_copy(lambda raw: raw["causes"][0]["regions"]["primary"].append("elbow"))
    with pytest.raises(CausesDataError, match=r"causes\.yaml: causes\[osteoarthritis\]\.regions: unknown region 'elbow'"):
        load_causes(path=path)


def test_schema_error_names_the_entry_by_id(data_copy):
    def break_urgency(raw):
        raw["causes"][2]["urgency"] = "whenever"

    path = data_copy(break_urgency)
    with pytest.raises(CausesDataError, match=r"causes\[gtps\]\.urgency: 'whenever' is not one of"):
        load_causes(path=path)


def test_field_source_missing_from_cause_bibliography_is_an_error(data_copy):
    def drop(raw):
        raw["causes"][0]["sources"].remove("C-murphy2010")

    path = data_copy(drop)
    with pytest.raises(CausesDataError, match="missing keys cited by its fields: C-murphy2010"):
        load_causes(path=path)


def test_symptom_pointing_to_unknown_cause_is_an_error(data_copy):
    path = data_copy(lambda raw: raw["symptoms"][0]["causes"].append("gout"))
    with pytest.raises(CausesDataError, match=r"symptoms\[groin_pain\]\.causes: unknown cause 'gout'"):
        load_causes(path=path)


def test_default_path_follows_the_data_dir_override(data_copy):
    data_copy(lambda raw: raw["causes"][0].update(name="Changed name"))
    assert load_causes().cause("osteoarthritis").name == "Changed name"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CausesDataError, match="file not found"):
        load_causes(path=tmp_path / "causes.yaml")


# ------------------------------------------------------------------------------------------- ranking
def test_side_of_hip_worse_lying_on_it_ranks_gtps_first(catalogue):
    ranked = rank_causes("side_hip", "lying_on_side", catalogue=catalogue)
    assert ranked[0].cause.id == "gtps"
    assert ranked[0].fit == "fits well"
    assert all(r.score <= ranked[0].score for r in ranked)


def test_shooting_pain_below_the_knee_points_to_sciatica(catalogue):
    ranked = rank_causes("below_knee", "shooting_down_leg", catalogue=catalogue)
    assert [r.cause.id for r in ranked] == ["sciatica"]


def test_buttock_pain_worse_sitting_puts_piriformis_above_referred_pain(catalogue):
    ids = [r.cause.id for r in rank_causes("buttock", "worse_sitting", catalogue=catalogue)]
    assert ids[0] == "piriformis_syndrome"
    assert "sciatica" in ids and "referred_back" in ids


def test_without_a_pattern_common_causes_come_before_rare_ones_at_equal_fit(catalogue):
    ranked = rank_causes("groin", None, catalogue=catalogue)
    ids = [r.cause.id for r in ranked]
    assert ids.index("osteoarthritis") < ids.index("infection")
    assert ranked[-1].fit == "less likely"  # referred pain only spreads to the groin


def test_unknown_region_or_pattern_lists_known_ids(catalogue):
    with pytest.raises(KeyError, match="known regions: low_back"):
        rank_causes("elbow", catalogue=catalogue)
    with pytest.raises(KeyError, match="known patterns"):
        rank_causes("groin", "itchy", catalogue=catalogue)


# ------------------------------------------------------------------------------------------- explorer widget
def test_explorer_asks_for_a_region_first():
    explorer = where_does_it_hurt()
    explorer.button.click()
    assert "choose where it hurts" in explorer.answer.value


def test_explorer_ranks_and_says_it_does_not_diagnose():
    explorer = where_does_it_hurt()
    explorer.region.value = "side_hip"
    explorer.pattern.value = "lying_on_side"
    explorer.button.click()
    answer = explorer.answer.value
    assert answer.index("Greater trochanteric pain syndrome") < answer.index("Hip fracture")
    assert "does not diagnose" in answer and "Lesson 3" in answer
    assert "fits well" in answer
    assert "Warning sign" not in answer
    assert [r.cause.id for r in explorer.ranked()][0] == "gtps"


def test_explorer_warns_first_for_a_red_flag_pattern():
    explorer = where_does_it_hurt()
    explorer.region.value = "groin"
    explorer.pattern.value = "fall_cannot_bear_weight"
    explorer.button.click()
    answer = explorer.answer.value
    assert answer.index("Warning sign") < answer.index("Possible causes")
    assert answer.index("Hip fracture") < answer.index("Osteoarthritis")
    assert "an emergency" in answer


def test_explorer_not_sure_pattern_ranks_by_region_only():
    explorer = where_does_it_hurt()
    explorer.region.value = "groin"
    assert explorer.pattern.value == causes.NOT_SURE
    explorer.button.click()
    assert [r.cause.id for r in explorer.ranked()] == [r.cause.id for r in rank_causes("groin")]
    assert NOT_A_DIAGNOSIS.split(":")[0] in explorer.answer.value


def test_explorer_controls_are_keyboard_widgets_with_labels_and_a_stable_repr():
    import ipywidgets as widgets

    explorer = where_does_it_hurt()
    assert isinstance(explorer.region, widgets.Dropdown) and explorer.region.description
    assert isinstance(explorer.pattern, widgets.Dropdown) and explorer.pattern.description
    assert isinstance(explorer.button, widgets.Button) and explorer.button.description
    assert repr(explorer) == repr(where_does_it_hurt())
    assert "Where does it hurt" in repr(explorer)


# ------------------------------------------------------------------------------------------- pain maps
def test_pain_map_shades_main_and_spread_areas_with_alt_text():
    from matplotlib.patches import Ellipse, Polygon

    figure = pain_map("gtps")
    assert "seen from the right side" in figure.alt_text  # default view: the one showing its main area
    assert "Main pain area, densely hatched: side of the hip" in figure.alt_text
    assert "lightly dotted: outer thigh" in figure.alt_text
    assert "buttock" in figure.alt_text  # drawn in another view, so named as "not visible in this view"
    hatched = [p for p in figure.figure.axes[0].patches
               if isinstance(p, (Ellipse, Polygon)) and p.get_hatch() in ("////", "..")]
    assert {p.get_hatch() for p in hatched} == {"////", ".."}
    bundle = figure._repr_mimebundle_()
    assert bundle["text/plain"] == figure.alt_text
    assert 'alt="Pain map of' in bundle["text/html"]


def test_pain_map_view_choice_and_errors():
    figure = pain_map("sciatica")  # three of its four regions are drawn from behind
    assert "seen from behind" in figure.alt_text
    with pytest.raises(ValueError, match="no pain region drawn in the lateral view"):
        pain_map("hernia", view="lateral")
    with pytest.raises(ValueError, match="unknown view"):
        pain_map("gtps", view="top")
    with pytest.raises(KeyError, match="unknown cause 'gout'"):
        pain_map("gout")
