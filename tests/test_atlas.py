"""Tests of the hip atlas: drawing, anchoring to landmarks, labels, alt text, widgets."""

import base64

import pytest

from hipcourse.figures import anatomy, atlas, outlines as outline_data
from hipcourse.figures.display import AtlasFigure
from hipcourse.content.geometry import Body


@pytest.fixture(scope="module")
def body():
    return Body.reference()


def test_figure_is_pyplot_free_and_has_rich_display(body):
    fig = atlas.draw_view("posterior", body=body)
    assert isinstance(fig, AtlasFigure)
    assert type(fig.figure).__name__ == "Figure"
    bundle = fig._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}  # the picture is stored once, inside the <img alt>
    data = bundle["text/html"].split("data:image/png;base64,", 1)[1].split('"', 1)[0]
    assert base64.b64decode(data).startswith(b"\x89PNG")
    assert bundle["text/plain"] == fig.alt_text
    assert bundle["text/html"].startswith("<figure") and 'alt="Posterior view' in bundle["text/html"]


def test_png_is_deterministic(body):
    first = atlas.draw_view("lateral", body=body).png_bytes()
    second = atlas.draw_view("lateral", body=body).png_bytes()
    assert first == second
    assert b"Software" not in first and b"matplotlib" not in first.lower()


@pytest.mark.parametrize("view", atlas.VIEWS)
@pytest.mark.parametrize("layer", ["outline", "bones", "muscles", "nerves_vessels", "bursa"])
def test_every_layer_draws_something(view, layer, body):
    empty = atlas.draw_view(view, layers=(), body=body, labels=False)
    drawn = atlas.draw_view(view, layers=(layer,), body=body, labels=False)
    assert len(drawn.figure.axes[0].patches) + len(drawn.figure.axes[0].artists) > \
        len(empty.figure.axes[0].patches) + len(empty.figure.axes[0].artists)
    assert outline_data._LAYER_WORDS[layer] in drawn.alt_text


def test_default_points_are_drawn_where_geometry_puts_them(body):
    fig = atlas.draw_view("posterior", body=body)
    assert set(fig.points_drawn) >= {"GB30", "BL54", "BL36", "BL40", "GV2", "BL32", "BL33", "BL34"}
    for code, xy in fig.points_drawn.items():
        assert xy == pytest.approx(body.point(code, "posterior"))


def test_moving_a_landmark_moves_the_point_and_the_alt_text(body):
    before = atlas.draw_view("posterior", points=["GB30"], body=body)
    moved = body.moved("GT", "posterior", dx=1.5, dy=-1.2)
    after = atlas.draw_view("posterior", points=["GB30"], body=moved)
    (x0, y0), (x1, y1) = before.points_drawn["GB30"], after.points_drawn["GB30"]
    assert (x1 - x0, y1 - y0) == pytest.approx((1.0, -0.8))  # GB30 is 1/3 from GT, so 2/3 of the move
    assert f"x {x1:.1f} cm, y {y1:.1f} cm" in after.alt_text
    assert after.alt_text != before.alt_text


def test_outlines_follow_their_anchor_landmark(body):
    outlines = atlas.load_outlines("posterior")
    femur = next(shape for shape in outlines.shapes if shape.id == "femur")
    moved = body.moved("GT", "posterior", dx=2.0)
    plain = anatomy._anchor_transform(femur, outlines, body, "posterior")
    shifted = anatomy._anchor_transform(femur, outlines, moved, "posterior")
    gt_design = outlines.design_anchors["GT"]
    start = plain.transform(gt_design) if plain is not None else gt_design
    assert tuple(shifted.transform(gt_design)) == pytest.approx((start[0] + 2.0, start[1]))


def test_alt_text_mentions_every_drawn_point_and_its_landmarks(body):
    for view in atlas.VIEWS:
        fig = atlas.draw_view(view, body=body)
        for code in fig.points_drawn:
            assert code in fig.alt_text
        assert "cm" in fig.alt_text


def test_alternatives_draw_a_legend_naming_sources(body):
    fig = atlas.draw_view("posterior", points=["GB30", "BL54"], alternatives=["GB30", "BL54"], body=body)
    legend = fig.figure.axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    for code in ("GB30", "BL54"):
        for alt in body.course.points[code].alternatives:
            if "posterior" in alt.locations:
                assert any(alt.label in text for text in texts)
                assert alt.id in fig.points_drawn
    anterior = atlas.draw_view("anterior", points=["SP12"], alternatives=["SP12"], body=body)
    assert len([k for k in anterior.points_drawn if k.startswith("sp12-")]) == 3


def test_alternative_of_undrawn_point_is_an_error(body):
    with pytest.raises(ValueError, match="BL54"):
        atlas.draw_view("anterior", points=["SP12"], alternatives=["BL54"], body=body)


def test_construction_draws_thirds_and_cun_labels(body):
    fig = atlas.draw_view("posterior", points=["GB30", "BL54"], constructions=["GB30", "BL54"], body=body)
    texts = [t.get_text() for t in fig.figure.axes[0].texts]
    assert "1/3" in texts
    assert any("B-cun" in t for t in texts)
    assert "Construction of GB30" in fig.alt_text
    sp12 = atlas.draw_view("anterior", points=["SP12"], constructions=["SP12"], body=body)
    assert any("3.5 B-cun" in t.get_text() for t in sp12.figure.axes[0].texts)


def test_labels_do_not_overlap_each_other_or_points(body):
    for view in atlas.VIEWS:
        fig = atlas.draw_view(view, body=body, constructions=["GB30"] if view == "posterior" else ())
        axes = fig.figure.axes[0]
        placed = [t for t in axes.texts if hasattr(t, "_hipcourse_box")]
        markers = []
        for xy in fig.points_drawn.values():
            px = axes.transData.transform(xy)
            markers.append((px[0] - 4, px[1] - 4, px[0] + 4, px[1] + 4))
        assert atlas.label_overlaps(placed, obstacles=markers) == []


def test_label_placer_moves_a_label_off_an_obstacle(body):
    fig = atlas.draw_view("lateral", layers=(), body=body, labels=False)
    axes = fig.figure.axes[0]
    fig.figure.canvas.draw()
    px = axes.transData.transform((0, 80))
    right_of_point = (px[0] + 2, px[1] - 30, px[0] + 200, px[1] + 30)  # blocks the first candidate
    (text,) = atlas.place_labels(axes, [atlas.LabelRequest("GB31", (0, 80))], obstacles=[right_of_point])
    assert atlas.label_overlaps([text], obstacles=[right_of_point]) == []
    assert text.get_position()[0] <= 0  # moved to the left side


def test_unknown_view_layer_or_point_is_a_clear_error(body):
    with pytest.raises(ValueError, match="unknown view 'back'"):
        atlas.draw_view("back", body=body)
    with pytest.raises(ValueError, match="unknown layer"):
        atlas.draw_view("posterior", layers=("skin",), body=body)
    with pytest.raises(ValueError, match="SP12"):
        atlas.draw_view("posterior", points=["SP12"], body=body)


def test_bad_outline_file_names_file_shape_and_problem(tmp_path, monkeypatch):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(outline_data._atlas_dir().parent / "schemas", data / "schemas")
    (data / "atlas").mkdir()
    (data / "atlas" / "lateral.yaml").write_text(
        "view: lateral\ntitle: t\nextent: [0, 1, 0, 1]\nsize: [1, 1]\ndesign_anchors: {GT: [0, 0]}\n"
        "shapes:\n  - {id: femur, layer: bones, kind: bone, points: [[0, 0], [1, 1]]}\n", encoding="utf-8")
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(data))
    with pytest.raises(atlas.AtlasDataError, match=r"lateral.yaml: shapes\[femur\]: a 'bone' shape must be closed"):
        atlas.load_outlines("lateral")


def test_explorer_responds_to_widgets(body):
    ex = atlas.explorer(body=body)
    assert repr(ex) == "Atlas explorer: run the cell to explore"
    assert 'alt="Posterior view' in ex.image.value
    ex.view.value = "anterior"
    assert 'alt="Anterior view' in ex.image.value
    ex.point.value = "SP12"
    assert "SP12" in ex.info.value and "Cautions" in ex.info.value
    assert "(highlighted)" in ex.figure.alt_text
    ex.layers["muscles"].value = False
    assert "muscles" not in ex.figure.alt_text.split("\n")[1]


def test_proportions_demo_points_follow_landmarks():
    demo = atlas.proportions_demo(view="posterior", points=["GB30", "BL36"])
    assert repr(demo).startswith("Proportions demo")
    before = dict(demo.figure.points_drawn)
    demo.pelvis_width.value = 1.2
    assert demo.figure.points_drawn["GB30"][0] > before["GB30"][0]
    demo.thigh_length.value = 1.2
    assert demo.figure.points_drawn["BL36"][1] < before["BL36"][1]
    assert f"{demo.figure.points_drawn['BL36'][1]:.1f}" in demo.summary.value


def test_structure_labels_are_placed_with_leaders_and_never_overlap(body):
    for view in atlas.VIEWS:
        fig = atlas.draw_view(view, body=body)
        axes = fig.figure.axes[0]
        placed = [t for t in axes.texts if hasattr(t, "_hipcourse_box")]
        labelled = {shape.label for shape in atlas.load_outlines(view).shapes if shape.label}
        structure_texts = [t for t in placed if t.get_text() in labelled]
        assert len(structure_texts) >= len(labelled) * 0.7, f"{view}: most structures must be labelled"
        # Every point and landmark marker is an obstacle, at its drawn size.
        markers = []
        for xy in list(fig.points_drawn.values()) + [body.landmark(l, view) for l in atlas.load_outlines(view).landmarks]:
            px = axes.transData.transform(xy)
            markers.append((px[0] - 4, px[1] - 4, px[0] + 4, px[1] + 4))
        assert atlas.label_overlaps(placed, obstacles=markers) == []
        # A label away from its shape has a leader line that ends on the shape.
        leaders = [t for t in structure_texts if t._hipcourse_leader is not None]
        assert leaders, f"{view}: expected some leader lines"
        collection = [c for c in axes.collections if c.get_gid() == "label-leaders"]
        assert len(collection) == 1 and len(collection[0].get_segments()) >= len(leaders)


def test_alt_text_lists_structures_per_layer(body):
    fig = atlas.draw_view("posterior", layers=("bones", "nerves_vessels"), body=body)
    assert "Bones drawn: " in fig.alt_text and "femur (thigh bone)" in fig.alt_text
    assert "Nerves and blood vessels drawn: sciatic nerve" in fig.alt_text
    assert "Muscles drawn" not in fig.alt_text
    anterior = atlas.draw_view("anterior", body=body)
    assert "sacrum" not in anterior.alt_text  # hidden at the back of the pelvis: not labelled from the front


def test_pixel_cache_gives_identical_png_and_svg_stays_vector(body):
    atlas.clear_render_cache()
    cold = atlas.draw_view("posterior", points=["GB30"], body=body).png_bytes()
    assert anatomy._PIXEL_CACHE, "the first render should store the anatomy pixels"
    warm = atlas.draw_view("posterior", points=["GB30"], body=body).png_bytes()
    assert cold == warm
    # Other layers must not reuse these pixels.
    bones_only = atlas.draw_view("posterior", layers=("bones",), body=body, labels=False).png_bytes()
    atlas.clear_render_cache()
    assert bones_only == atlas.draw_view("posterior", layers=("bones",), body=body, labels=False).png_bytes()
    svg = atlas.draw_view("posterior", body=body).svg_text()
    assert 'id="anatomy-bones"' in svg and "<image" not in svg


def test_sciatic_nerve_follows_the_surface_marking(body):
    """[A-ellis], [A-sn-CT]: mid PSIS-IT, then mid IT-GT, then down the thigh about 10 cm from the midline."""
    import numpy as np

    outlines = atlas.load_outlines("posterior")
    geometry = anatomy._layer_geometry(outlines, "nerves_vessels", anatomy._anchor_positions(outlines, body, "posterior"),
                                     True)
    nerve = geometry.strokes[1].path.to_polygons(closed_only=False)[0]  # coloured line of the first shape

    def distance(point):
        return float(np.min(np.hypot(*(nerve - np.asarray(point)).T)))

    psis, it_, gt = (np.array(body.landmark(l, "posterior")) for l in ("PSIS", "IT", "GT"))
    assert distance((psis + it_) / 2) < 0.6
    assert distance((it_ + gt) / 2) < 0.6
    assert distance(body.point("GB30", "posterior")) < 1.5  # GB30 on or very near the nerve
    thigh = nerve[(nerve[:, 1] < 75) & (nerve[:, 1] > 55)]
    assert np.all(np.abs(thigh[:, 0] - 10) < 1.0)


def test_proportions_demo_uses_labelled_number_boxes_not_sliders():
    import ipywidgets as widgets

    demo = atlas.proportions_demo(view="posterior", points=["GB30"])
    for control in (demo.pelvis_width, demo.thigh_length):
        # A BoundedFloatText renders <label for=...> + <input type="number">: named for screen readers,
        # stepped by the arrow keys. The slider handle of ipywidgets has no accessible name.
        assert isinstance(control, widgets.BoundedFloatText) and control.description
        assert (control.min, control.max, control.step) == (0.8, 1.2, 0.05)
    assert not any("Slider" in type(child).__name__ for child in demo.children)
    demo.pelvis_width.value = 5.0  # typed out of range: clamped, and the drawing follows
    assert demo.pelvis_width.value == 1.2
    assert "GB30" in demo.summary.value and "move the sliders" not in repr(demo)


# ---- zoomed plates (extent / focus) and numbered construction plates --------------------------------------


def test_focused_plate_is_smaller_at_the_same_scale_and_names_its_frame(body):
    full = atlas.draw_view("posterior", points=["GB30"], body=body)
    zoomed = atlas.draw_view("posterior", points=["GB30"], body=body, focus=["GT", "SH", "GB30"])
    assert zoomed.figure.get_figwidth() < full.figure.get_figwidth()
    assert zoomed.figure.get_figheight() < full.figure.get_figheight() / 2
    # Same cm per inch as the full view: text and markers keep their size.
    def cm_per_inch(fig):
        axes = fig.figure.axes[0]
        height_in = axes.get_window_extent(fig.figure.canvas.get_renderer()).height / fig.figure.dpi
        return (axes.get_ylim()[1] - axes.get_ylim()[0]) / height_in
    assert cm_per_inch(zoomed) == pytest.approx(cm_per_inch(full), rel=0.02)
    xmin, xmax = zoomed.figure.axes[0].get_xlim()
    ymin, ymax = zoomed.figure.axes[0].get_ylim()
    assert xmin <= 0 and xmax >= 17 and ymin <= 92 and ymax >= 93  # GT and SH inside the frame
    assert ymin > 60  # the thighs and knees are not drawn
    assert "Zoomed plate" in zoomed.alt_text and "framed around the greater trochanter" in zoomed.alt_text
    assert f"heights {ymin:.0f} to {ymax:.0f} cm" in zoomed.alt_text
    assert "Zoomed plate" not in full.alt_text
    assert "PC at" not in zoomed.alt_text  # the knee crease landmark lies outside the frame
    assert "popliteal crease" not in zoomed.alt_text


def test_extent_option_frames_exactly_and_rejects_bad_boxes(body):
    fig = atlas.draw_view("anterior", points=["SP12"], body=body, extent=(-5, 25, 80, 105))
    assert fig.figure.axes[0].get_xlim() == pytest.approx((-5, 25))
    assert fig.figure.axes[0].get_ylim() == pytest.approx((80, 105))
    with pytest.raises(ValueError, match="extent: xmin must be below xmax"):
        atlas.draw_view("anterior", body=body, extent=(10, 0, 80, 105))
    with pytest.raises(ValueError, match=r"extent: expected \(xmin, xmax, ymin, ymax\)"):
        atlas.draw_view("anterior", body=body, extent=(0, 10, 80))
    with pytest.raises(ValueError, match="focus: 'NOPE' is neither a landmark nor a point"):
        atlas.draw_view("anterior", body=body, focus=["NOPE"])


def test_focused_plate_places_points_by_geometry(body):
    kwargs = {"points": ["GB30"], "constructions": ["GB30"], "focus": ["GT", "SH", "GB30"]}
    before = atlas.draw_view("posterior", body=body, **kwargs)
    moved = body.moved("GT", "posterior", dx=1.5, dy=-1.2)
    after = atlas.draw_view("posterior", body=moved, **kwargs)
    (x0, y0), (x1, y1) = before.points_drawn["GB30"], after.points_drawn["GB30"]
    assert (x1 - x0, y1 - y0) == pytest.approx((1.0, -0.8))
    assert f"x {x1:.1f} cm, y {y1:.1f} cm" in after.alt_text


@pytest.mark.parametrize("view, code, focus", [("posterior", "GB30", ["GT", "SH", "GB30"]),
                                               ("posterior", "BL54", ["PSIS", "S4F", "BL54"]),
                                               ("anterior", "SP12", ["PS", "SP12"])])
def test_focused_construction_labels_stay_inside_and_do_not_overlap(view, code, focus, body):
    fig = atlas.draw_view(view, points=[code], constructions=[code], highlight=code, body=body, focus=focus,
                          layers=("outline", "bones", "landmarks", "points", "constructions"))
    axes = fig.figure.axes[0]
    renderer = fig.figure.canvas.get_renderer()
    frame = axes.get_window_extent(renderer)
    texts = [t for t in axes.texts if t.get_text()]
    assert texts
    for text in texts:
        if hasattr(text, "update_positions"):
            text.update_positions(renderer)
        from matplotlib.text import Text
        box = Text.get_window_extent(text, renderer)
        assert frame.x0 - 0.5 <= box.x0 and box.x1 <= frame.x1 + 0.5, text.get_text()
        assert frame.y0 - 0.5 <= box.y0 and box.y1 <= frame.y1 + 0.5, text.get_text()
    assert atlas.label_overlaps(texts) == []


def test_construction_steps_are_numbered_on_plate_and_in_alt_text(body):
    fig = atlas.draw_view("posterior", points=["BL54"], constructions=["BL54"], body=body,
                          layers=("outline", "bones", "landmarks", "points", "constructions"))
    axes = fig.figure.axes[0]
    words = fig.alt_text.split("Construction of BL54, step by step (numbered on the plate): ")[1]
    assert words.startswith("1. find the median sacral crest and the 4th sacral foramen")
    assert "2. on the vertical through the median sacral crest" in words and "3. 3 cun lateral" in words
    assert "4. BL54 lies at the end of the last step" in words
    badges = sorted(t.get_text() for t in axes.texts if t.get_text() in {"1", "2", "3", "4"}
                    and t.get_color() == "#FFFFFF")
    assert badges == ["1", "1", "2", "3", "4"]  # step 1 marks both starting landmarks
    # The 3 B-cun ruler is numbered 0 to 3 under its ticks (black digits, not badges).
    ruler = sorted(t.get_text() for t in axes.texts if t.get_text().isdigit() and t.get_color() == "#000000")
    assert ruler == ["0", "1", "2", "3"]
