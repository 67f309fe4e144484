"""The personal chart (hipcourse.figures.chart): validation, the rebuilt body, placements, printable sheets, the form."""

import math

import pytest

from hipcourse.figures import chart
from hipcourse.figures.chart import ChartInputError, MEASUREMENTS, make_chart, personal_body, validate_measurements
from hipcourse.content.geometry import Body

REFERENCE = {"greater_trochanter_to_knee": 44, "gluteal_fold_to_knee": 33, "navel_to_pubic_bone": 13.5,
             "thumb_width": 2.0}


def test_text_values_with_comma_and_unit_are_accepted():
    values = validate_measurements({**REFERENCE, "navel_to_pubic_bone": "13,5 cm", "thumb_width": " 2.5 "})
    assert values["navel_to_pubic_bone"] == 13.5 and values["thumb_width"] == 2.5
    assert "spine_to_shoulder_blade" not in values


@pytest.mark.parametrize("value, words", [
    ("abc", "'abc' is not a number"),
    (0, "must be more than 0 cm"),
    (-3, "must be more than 0 cm"),
    (440, "440 cm is outside the range"),
    ("", "please enter a value"),
    (None, "please enter a value"),
    (float("nan"), "not a usable number"),
    (True, "is not a number"),
])
def test_bad_value_names_the_field_and_the_range(value, words):
    with pytest.raises(ChartInputError) as caught:
        validate_measurements({**REFERENCE, "greater_trochanter_to_knee": value})
    message = caught.value.problems["greater_trochanter_to_knee"]
    assert words in message
    assert "Greater trochanter to knee crease" in message
    assert "between 30 and 60 cm" in message


def test_every_problem_is_reported_at_once_and_unknown_names_rejected():
    with pytest.raises(ChartInputError) as caught:
        validate_measurements({"greater_trochanter_to_knee": "x", "gluteal_fold_to_knee": -1,
                               "navel_to_pubic_bone": 0, "thumb_width": 9, "shoe_size": 42})
    assert set(caught.value.problems) == {"greater_trochanter_to_knee", "gluteal_fold_to_knee",
                                          "navel_to_pubic_bone", "thumb_width", "shoe_size"}
    assert "between 1.2 and 3.5 cm" in str(caught.value)


def test_fold_measure_must_be_shorter_than_trochanter_measure():
    with pytest.raises(ChartInputError) as caught:
        validate_measurements({**REFERENCE, "greater_trochanter_to_knee": 35, "gluteal_fold_to_knee": 40})
    assert "must be shorter" in caught.value.problems["gluteal_fold_to_knee"]


def test_reference_measurements_rebuild_the_reference_landmarks():
    body, reference = personal_body(REFERENCE), Body.reference()
    for landmark, view in [("PC", "lateral"), ("GF", "posterior"), ("U", "anterior")]:
        assert body.landmark(landmark, view) == pytest.approx(reference.landmark(landmark, view))
    assert body.cun("thigh_lateral") == pytest.approx(reference.cun("thigh_lateral"))
    # No spine measure: the back scale falls back on the thumb (finger-cun), 3 thumbs = 3 B-cun.
    assert body.cun("back") == pytest.approx(2.0)


def test_measurements_set_the_personal_cun_and_move_the_points():
    tall = make_chart(greater_trochanter_to_knee=50.0, gluteal_fold_to_knee=36.0, navel_to_pubic_bone=16.0,
                      thumb_width=2.3, spine_to_shoulder_blade=9.0, knee_to_ankle=45.0)
    body = tall.body
    assert body.cun("thigh_lateral") == pytest.approx(50 / 19)
    assert body.cun("thigh_posterior") == pytest.approx(36 / 14)
    assert body.cun("abdomen") == pytest.approx(16 / 5)
    assert body.cun("back") == pytest.approx(3.0)
    assert body.cun("leg_lateral") == pytest.approx(45 / 16)
    sp12 = tall.placement("SP12")
    assert sp12.landmark == "PS" and sp12.dx_cm == pytest.approx(3.5 * 16 / 5, abs=0.01)
    assert "11.2 cm out from the midline" in sp12.words
    gb31 = tall.placement("GB31")
    assert gb31.landmark == "PC" and gb31.dy_cm == pytest.approx(7 * 50 / 19, abs=0.01)
    assert tall.cun_cm()["thumb"] == 2.3


def test_sheets_use_true_size_where_they_fit_and_a_stated_scale_otherwise():
    sheets = {s.id: s for s in make_chart(**REFERENCE).sheets}
    assert sheets["front"].scale == 1.0 and sheets["front"].scale_words == "true size (1:1)"
    for sheet in sheets.values():
        xmin, xmax, ymin, ymax = sheet.extent
        assert (xmax - xmin) / sheet.scale <= chart._DRAW_AREA_CM[0]
        assert (ymax - ymin) / sheet.scale <= chart._DRAW_AREA_CM[1]
        assert sheet.scale in chart.SCALES
    assert sheets["side"].scale > 1 and "1 cm on paper" in sheets["side"].scale_words


def test_printed_page_is_a4_and_drawn_at_the_stated_scale():
    page = make_chart(**REFERENCE).figure("front", page=True)
    width_in, height_in = page.figure.get_size_inches()
    assert (width_in * 2.54, height_in * 2.54) == pytest.approx(chart.A4_CM)
    axes = page.figure.axes[0]
    page.figure.canvas.draw()
    # 10 cm of body along x must be 10 cm of paper at 1:1.
    x0 = axes.transData.transform((0.0, 95.0))[0]
    x1 = axes.transData.transform((10.0, 95.0))[0]
    assert (x1 - x0) / page.figure.dpi * 2.54 == pytest.approx(10.0, rel=0.01)
    assert "true size (1:1)" in page.alt_text and "SP12" in page.alt_text


def test_save_writes_png_per_sheet_and_one_pdf(tmp_path):
    written = make_chart(**REFERENCE).save(tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(["personal-chart.pdf", "personal-chart-front.png", "personal-chart-back.png",
                            "personal-chart-thigh_back.png", "personal-chart-side.png"])
    assert (tmp_path / "personal-chart.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "personal-chart-front.png").read_bytes()[:4] == b"\x89PNG"
    first = (tmp_path / "personal-chart.pdf").read_bytes()
    make_chart(**REFERENCE).save(tmp_path)
    assert (tmp_path / "personal-chart.pdf").read_bytes() == first  # no dates: deterministic


def test_save_defaults_to_the_progress_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "progress"))
    written = make_chart(**REFERENCE).save()
    assert all(p.parent == tmp_path / "progress" for p in written)


def test_unknown_sheet_and_point_are_named():
    c = make_chart(**REFERENCE)
    with pytest.raises(KeyError, match="sheets: front"):
        c.figure("feet")
    with pytest.raises(KeyError, match="not on the chart"):
        c.placement("LI4")


def test_scales_table_lists_every_scale_with_its_cun():
    table = chart.scales_table()
    assert [row[3] for row in table.rows] == ["5", "19", "14", "18", "3", "16"]
    assert "2.32" in repr(table)


def test_form_reports_bad_entries_then_makes_and_saves_the_chart(tmp_path):
    form = chart.chart_form(directory=tmp_path)
    assert repr(form).startswith("Personal chart form")
    assert len(form.fields) == len(MEASUREMENTS)
    form.fields["greater_trochanter_to_knee"].value = "forty"
    form.button.click()
    assert "Please check these entries" in form.message.value
    assert "Greater trochanter to knee crease" in form.message.value and "between 30 and 60 cm" in form.message.value
    assert form.chart is None and not list(tmp_path.iterdir())
    for key, value in REFERENCE.items():
        form.fields[key].value = str(value)
    form.button.click()
    assert "Your chart is ready" in form.message.value and "personal-chart.pdf" in form.message.value
    assert str(tmp_path) not in form.message.value  # no absolute paths in outputs
    assert "SP12" in form.table.value and 'alt="Personal chart' in form.image.value
    assert (tmp_path / "personal-chart.pdf").exists()
    assert math.isclose(form.chart.measurements["navel_to_pubic_bone"], 13.5)
