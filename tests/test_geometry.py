"""Tests of hipcourse.content.geometry against hand computations on the reference body.

Reference coordinates (data/landmarks.yaml): GT posterior (17, 92), lateral (0, 92);
SH posterior (0, 93), lateral (-11, 93); SCJ (0, 90); PSIS (3.5, 98.5); SC (1, 91.2);
MSC (0, 96); ASIS anterior (12.5, 102.5), lateral (7.5, 102.5); PS anterior (0, 93);
PS_inf (0, 89); U (0, 106.5); PB_lat (11, 53); GF (9, 81); PC posterior (9, 48),
lateral (-5, 48); FH lateral (-2, 45); LM lateral (-1, 7); L2 (0, 112.5); L4 (0, 105.5);
SCAP_M (7.5, 135).
Cun: abdomen 13.5/5 = 2.7; thigh_lateral 44/19; thigh_posterior 33/14; thigh_medial 40/18;
back 7.5/3 = 2.5; leg_lateral 41/16 = 2.5625.
Sacral foramina: x = 3.5/2 = 1.75, y = 98.5 + f * (91.2 - 98.5) for f = 0, 1/4, 1/2, 3/4.
"""

from pathlib import Path

import pytest

from hipcourse.content.data import load_course
from hipcourse.content.geometry import Body, GeometryError

REAL_DATA = Path(__file__).resolve().parent.parent / "data"
THIGH_L = 44 / 19
S4F_Y = 98.5 + 0.75 * (91.2 - 98.5)   # 93.025
S3F_Y = 98.5 + 0.5 * (91.2 - 98.5)    # 94.85
S2F_Y = 98.5 + 0.25 * (91.2 - 98.5)   # 96.675
ST31_X = 12.5 - 1.5 * (102.5 - 89) / (102.5 - 53)   # line ASIS -> PB_lat at y = 89

#: (code, view, variant) -> hand-computed (x, y) for every construction in data/points.yaml
EXPECTED = {
    ("GB30", "posterior", None): (17 - 17 / 3, 92 + 1 / 3),
    ("GB30", "lateral", None): (-11 / 3, 92 + 1 / 3),
    ("GB30", "posterior", "gb30-deadman"): (17 - 17 / 3, 92 - 2 / 3),
    ("GB30", "lateral", "gb30-who-alt"): (2.5, 92 + 10.5 / 3),
    ("GB30", "posterior", "gb30-sciatica"): (17 - 17 / 3, 92 + 1 / 3 - THIGH_L),
    ("GB30", "lateral", "gb30-sciatica"): (-11 / 3, 92 + 1 / 3 - THIGH_L),
    ("SP12", "anterior", None): (3.5 * 2.7, 93),
    ("SP12", "anterior", "sp12-4cun"): (4 * 2.7, 93),
    ("SP12", "anterior", "sp12-4_5cun"): (4.5 * 2.7, 93),
    ("SP12", "anterior", "sp12-thirds"): (12.5 * 2 / 3, 102.5 - 9.5 / 3),
    ("BL54", "posterior", None): (3 * 2.5, S4F_Y),
    ("BL54", "posterior", "bl54-s3"): (3 * 2.5, S3F_Y),
    ("GB29", "lateral", None): (3.75, 97.25),
    ("GB31", "lateral", None): (-5 + 7 / 19 * 5, 48 + 7 / 19 * 44),
    ("BL36", "posterior", None): (9, 81),
    ("BL40", "posterior", None): (9, 48),
    ("GB34", "lateral", None): (-2 + 2.5625, 45 - 2.5625),
    ("BL23", "posterior", None): (1.5 * 2.5, 112.5),
    ("BL25", "posterior", None): (1.5 * 2.5, 105.5),
    ("SP13", "anterior", None): (4 * 2.7, 106.5 - 4.3 * 2.7),
    ("ST31", "anterior", None): (ST31_X, 89),
    ("GV2", "posterior", None): (0, 93),
    ("BL32", "posterior", None): (1.75, S2F_Y),
    ("BL33", "posterior", None): (1.75, S3F_Y),
    ("BL34", "posterior", None): (1.75, S4F_Y),
}


@pytest.fixture(scope="module")
def body():
    return Body.reference(data_dir=REAL_DATA)


def all_constructions():
    course = load_course(REAL_DATA)
    for point in course.points.values():
        for view in point.locations:
            yield (point.code, view, None)
        for alternative in point.alternatives:
            for view in alternative.locations:
                yield (point.code, view, alternative.id)


def test_every_real_construction_has_a_hand_computation():
    missing = sorted(set(all_constructions()) - set(EXPECTED), key=str)
    assert missing == [], f"add hand computations for {missing}"


@pytest.mark.parametrize("key", sorted(EXPECTED, key=str), ids=str)
def test_point_matches_hand_computation(body, key):
    code, view, variant = key
    if key not in set(all_constructions()):
        pytest.fail(f"{key} is no longer in data/points.yaml: update EXPECTED")
    assert body.point(code, view, variant=variant) == pytest.approx(EXPECTED[key])


def test_brief_examples(body):
    assert body.point("GB30", "posterior") == pytest.approx((34 / 3, 277 / 3))
    assert body.point("BL54", "posterior") == pytest.approx((7.5, 93.025))
    assert body.point("SP12", "anterior") == pytest.approx((9.45, 93.0))
    assert body.point("ST31", "anterior") == pytest.approx((12.0909090909, 89.0))


@pytest.mark.parametrize("landmark, view, expected", [
    ("S1F", "posterior", (1.75, 98.5)), ("S2F", "posterior", (1.75, S2F_Y)),
    ("S3F", "posterior", (1.75, S3F_Y)), ("S4F", "posterior", (1.75, S4F_Y)),
    ("MIP", "anterior", (6.25, 97.75)), ("MIP", "lateral", (7.75, 97.75)),
    ("GT", "lateral", (0, 92)),
])
def test_landmarks(body, landmark, view, expected):
    assert body.landmark(landmark, view) == pytest.approx(expected)


@pytest.mark.parametrize("scale, expected", [
    ("abdomen", 2.7), ("thigh_lateral", 44 / 19), ("thigh_posterior", 33 / 14),
    ("thigh_medial", 40 / 18), ("back", 2.5), ("leg_lateral", 41 / 16)])
def test_cun_scales(body, scale, expected):
    assert body.cun(scale) == pytest.approx(expected)


def test_views_of(body):
    assert body.views_of("GB30") == ("posterior", "lateral")
    assert body.views_of("SP12") == ("anterior",)
    assert body.views_of("ASHI") == ()


def test_to_cun_is_relative_to_the_first_landmark(body):
    gb30 = body.to_cun("GB30", "posterior")
    assert (gb30.landmark, gb30.scale) == ("GT", "thigh_lateral")
    assert (gb30.x, gb30.y) == pytest.approx((-17 / 3 / THIGH_L, 1 / 3 / THIGH_L))
    sp12 = body.to_cun("SP12", "anterior")
    assert (sp12.landmark, sp12.x, sp12.y) == ("PS", pytest.approx(3.5), pytest.approx(0))
    bl54 = body.to_cun("BL54", "posterior")
    assert (bl54.landmark, bl54.x, bl54.y) == ("MSC", pytest.approx(3), pytest.approx((S4F_Y - 96) / 2.5))


def test_construction_trace_for_drawing(body):
    steps = body.construction("ST31", "anterior")
    assert [s.kind for s in steps] == ["line", "horizontal", "intersect"]
    assert steps[0].points == ((12.5, 102.5), (11.0, 53.0))
    assert steps[-1].xy == pytest.approx((ST31_X, 89))
    (gb30,) = body.construction("GB30", "posterior")
    assert gb30.label == "1/3 of the way from GT to SH"
    alt = body.construction("GB30", "lateral", variant="gb30-who-alt")
    assert alt[0].label == "1/3 of the way from GT to ASIS"


def test_errors_name_the_problem(body):
    with pytest.raises(GeometryError, match="unknown landmark 'XX'"):
        body.landmark("XX", "posterior")
    with pytest.raises(GeometryError, match="landmark 'ASIS' has no position in the posterior view"):
        body.landmark("ASIS", "posterior")
    with pytest.raises(GeometryError, match="unknown view 'top'"):
        body.point("GB30", "top")
    with pytest.raises(GeometryError, match="point SP12 has no location in the posterior view"):
        body.point("SP12", "posterior")
    with pytest.raises(GeometryError, match="GB30 has no alternative 'nope'"):
        body.point("GB30", "posterior", variant="nope")
    with pytest.raises(GeometryError, match="'ASHI' has no fixed location"):
        body.point("ASHI", "posterior")
    with pytest.raises(GeometryError, match="unknown point 'GB99'"):
        body.views_of("GB99")
    with pytest.raises(GeometryError, match="unknown scale 'legs'"):
        body.cun("legs")


# --- modified bodies ------------------------------------------------------------------


def test_moving_sh_moves_dependent_points_only(body):
    moved = body.moved("SH", "posterior", dy=-3)
    assert moved.point("GB30", "posterior") == pytest.approx((34 / 3, 92 + 1 / 3 - 1))
    assert moved.point("GV2", "posterior") == pytest.approx((0, 90))
    for code, view in [("BL54", "posterior"), ("BL36", "posterior"), ("BL34", "posterior")]:
        assert moved.point(code, view) == pytest.approx(body.point(code, view))
    assert moved.point("GB30", "lateral") == pytest.approx(body.point("GB30", "lateral"))  # other view
    assert body.point("GB30", "posterior") == pytest.approx((34 / 3, 277 / 3))  # original unchanged


def test_moving_psis_moves_the_foramina_and_their_points(body):
    moved = body.moved("PSIS", "posterior", dx=0.5, dy=1)
    new_s4f_y = 99.5 + 0.75 * (91.2 - 99.5)
    assert moved.landmark("S4F", "posterior") == pytest.approx((2.0, new_s4f_y))
    assert moved.point("BL34", "posterior") == pytest.approx((2.0, new_s4f_y))
    assert moved.point("BL54", "posterior") == pytest.approx((7.5, new_s4f_y))
    assert moved.point("GB30", "posterior") == pytest.approx(body.point("GB30", "posterior"))


def test_moving_the_scapula_changes_the_back_cun(body):
    moved = body.moved("SCAP_M", "posterior", dx=1.5)
    assert moved.cun("back") == pytest.approx(3.0)
    assert moved.point("BL54", "posterior") == pytest.approx((9.0, S4F_Y))
    assert moved.point("BL23", "posterior") == pytest.approx((4.5, 112.5))


def test_with_landmark_overrides_a_derived_landmark(body):
    changed = body.with_landmark("S4F", "posterior", (1.75, 92.0))
    assert changed.point("BL54", "posterior") == pytest.approx((7.5, 92.0))
    assert changed.point("BL33", "posterior") == pytest.approx((1.75, S3F_Y))
    with pytest.raises(GeometryError, match="unknown landmark 'NOPE'"):
        body.with_landmark("NOPE", "posterior", (0, 0))


def test_wider_pelvis(body):
    wide = body.scaled(pelvis_width=1.2)
    assert wide.landmark("GT", "posterior") == pytest.approx((20.4, 92))
    assert wide.point("GB30", "posterior") == pytest.approx((20.4 * 2 / 3, 277 / 3))
    assert wide.landmark("S4F", "posterior") == pytest.approx((2.1, S4F_Y))
    assert wide.point("GB30", "lateral") == pytest.approx(body.point("GB30", "lateral"))  # depth, not width
    assert wide.point("SP12", "anterior") == pytest.approx((9.45, 93))
    assert wide.point("ST31", "anterior") == pytest.approx((15 - 4 * 13.5 / 49.5, 89))


def test_longer_thigh(body):
    long = body.scaled(thigh_length=1.1)
    assert long.landmark("PC", "posterior") == pytest.approx((9, 92 - 44 * 1.1))
    assert long.point("BL36", "posterior") == pytest.approx((9, 92 - 11 * 1.1))
    assert long.landmark("IT", "posterior") == pytest.approx((6, 86))  # pelvis keeps its height
    assert long.cun("thigh_lateral") == pytest.approx(44 * 1.1 / 19)
    assert long.cun("abdomen") == pytest.approx(2.7)
    twice = long.scaled(thigh_length=1.1)
    assert twice.landmark("PC", "lateral") == pytest.approx((-5, 92 - 44 * 1.21))
    assert "thigh_length=1.21" in repr(twice)


@pytest.mark.parametrize("options", [{"pelvis_width": 0}, {"thigh_length": -1},
                                     {"pelvis_width": float("nan")}])
def test_scale_factors_must_be_positive(body, options):
    with pytest.raises(GeometryError, match="must be a positive number"):
        body.scaled(**options)


# --- describe_offset ---------------------------------------------------------------------


@pytest.mark.parametrize("view, clicked, target, words", [
    ("posterior", (10, 91), (10, 90), "0.4 cun too far up"),
    ("posterior", (8.5, 91.5), (10, 90), "0.8 cun too far up and toward the midline"),
    ("posterior", (12, 88), (10, 90), "1.1 cun too far down and away from the midline"),
    ("anterior", (11.5, 90), (10, 90), "0.6 cun too far away from the midline"),
    ("anterior", (9, 90.1), (10, 90), "0.4 cun too far toward the midline"),
    ("lateral", (-1, 88), (0, 90), "0.9 cun too far down and toward the back"),
    ("lateral", (1.5, 90), (0, 90), "0.6 cun too far toward the front"),
    ("posterior", (10.2, 90.1), (10, 90), "on the spot"),
    ("posterior", (-10, 90), (10, 90), "on the spot"),   # mirror image on the other side
    ("posterior", (10.2, 90.35), (10, 90), "0.2 cun too far up"),   # neither component alone counts
])
def test_describe_offset_words(body, view, clicked, target, words):
    assert body.describe_offset(clicked, target, view, scale="back").words == words


def test_describe_offset_numbers_and_options(body):
    result = body.describe_offset((8.5, 91.5), (10, 90), "posterior", scale=2.5)
    assert (result.dx_cun, result.dy_cun) == pytest.approx((-0.6, 0.6))
    assert result.distance_cun == pytest.approx(0.6 * 2 ** 0.5)
    assert not result.on_spot
    unmirrored = body.describe_offset((-10, 90), (10, 90), "posterior", scale=2.5, mirror=False)
    assert unmirrored.words == "8.0 cun too far toward the midline"
    loose = body.describe_offset((10, 91), (10, 90), "posterior", scale="back", on_spot_cun=0.5)
    assert loose.on_spot and loose.words == "on the spot"
    with pytest.raises(GeometryError, match="positive cm per cun"):
        body.describe_offset((0, 0), (1, 1), "posterior", scale=0)


def test_positions_are_cached_per_body(body):
    fresh = Body(load_course(REAL_DATA))
    first = fresh.point("BL54", "posterior")
    assert fresh.point("BL54", "posterior") is first
    assert ("landmark", "S4F", "posterior") in fresh._cache
