"""Every figure a lesson shows reads at a glance (issue 14, section 3).

Each stored figure call of ``images/figure-cache/*/*.json`` is drawn again with the current drawing code
(:func:`hipcourse.figures.cache.redraw`, as ``tests/test_figure_cache.py`` does) and measured by
:mod:`hipcourse.figures.legibility` from the renderer's window extents:

* no two labels overlap, no label covers a marker or a leader line that is not its own, and no label
  crosses the edge of its frame or of the figure (1 px tolerance for anti-aliasing, nothing more);
* no internal landmark id (the keys of ``data/landmarks.yaml``, e.g. ``PS_inf``) is visible text;
* the smallest text is at least 9 pt as the notebook shows the figure (its ``<img width>``, at most the
  cell width of about 900 CSS px).
"""

from __future__ import annotations

import functools

import pytest

from hipcourse.content.data import load_course
from hipcourse.figures import cache as figurecache
from hipcourse.figures.display import new_figure
from hipcourse.figures.images import image_specs
from hipcourse.figures.platebook import plate_ids, plate_params
from hipcourse.figures.legibility import describe, effective_point_size, legibility_problems

STORED = figurecache.stored_entries()
MIN_POINTS = 9.0
OVERLAP_KINDS = ("label-label", "label-marker", "label-leader", "label-frame")


def _entry_id(item):
    path, _meta = item
    return f"{path.parent.name}/{path.stem}"


@functools.lru_cache(maxsize=None)
def _problems(index: int) -> tuple:
    """Every legibility problem of stored entry ``index``, drawn once for all the tests below."""
    _path, meta = STORED[index]
    fresh = figurecache.redraw(meta)
    landmark_ids = set(load_course().landmarks)
    return tuple(legibility_problems(fresh.figure, forbidden_words=landmark_ids, min_points=MIN_POINTS,
                                     display_width_px=fresh.width_px()))


def _failures(index: int, kinds) -> str:
    path, meta = STORED[index]
    found = [problem for problem in _problems(index) if problem.kind in kinds]
    if not found:
        return ""
    where = f"images/figure-cache/{path.parent.name}/{path.name} ({meta['kind']}, title {meta['params'].get('title')!r})"
    return f"{where}: {len(found)} problem(s)\n{describe(found)}"


@pytest.mark.parametrize("index", range(len(STORED)), ids=[_entry_id(item) for item in STORED])
def test_no_label_overlaps_another_a_marker_a_leader_or_the_frame(index):
    message = _failures(index, OVERLAP_KINDS)
    assert not message, message


@pytest.mark.parametrize("index", range(len(STORED)), ids=[_entry_id(item) for item in STORED])
def test_no_internal_landmark_id_is_visible(index):
    message = _failures(index, ("internal-id",))
    assert not message, message


@pytest.mark.parametrize("index", range(len(STORED)), ids=[_entry_id(item) for item in STORED])
def test_smallest_text_is_at_least_9_pt_as_displayed(index):
    message = _failures(index, ("small-text",))
    assert not message, message


@pytest.mark.parametrize("plate", plate_ids())
def test_every_named_plate_reads_cleanly_even_before_the_lessons_store_it(plate):
    """Each plate of data/plates.yaml (what show_plate draws) meets the same rules, stored yet or not."""
    from hipcourse.figures.plates import _draw_view

    drawn = _draw_view(**plate_params(plate))
    problems = legibility_problems(drawn.figure, forbidden_words=set(load_course().landmarks),
                                   min_points=MIN_POINTS, display_width_px=drawn.width_px())
    assert not problems, f"data/plates.yaml plate {plate!r}: {len(problems)} problem(s)\n{describe(problems)}"


@pytest.mark.parametrize("name", sorted(image_specs()))
def test_every_static_diagram_of_images_reads_cleanly_too(name):
    """The diagrams of images/ (README, handouts) are drawn by the same plates: the same rules hold."""
    from hipcourse.figures.plates import draw_view

    drawn = draw_view(**image_specs()[name])
    figure = drawn.figure  # a stored figure draws on demand; a fresh one is this figure
    problems = legibility_problems(figure, forbidden_words=set(load_course().landmarks), min_points=MIN_POINTS,
                                   display_width_px=drawn.width_px())
    assert not problems, f"images/{name}.png: {len(problems)} problem(s)\n{describe(problems)}"


# ------------------------------------------------------------------------------------ the checker itself
def _axes_with_labels(*labels, marker=None):
    figure = new_figure(size=(3.0, 2.0))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 10)
    axes.set_ylim(0, 10)
    axes.set_axis_off()
    for text, xy in labels:
        axes.annotate(text, xy, fontsize=9)
    if marker is not None:
        axes.plot([marker[0]], [marker[1]], marker="o", markersize=8, linestyle="none")
    return figure, axes


def test_the_checker_reports_two_overlapping_labels():
    figure, _axes = _axes_with_labels(("greater trochanter", (2, 5)), ("iliopsoas", (3, 5)))
    problems = legibility_problems(figure)
    assert [(p.kind, p.first, p.second) for p in problems] == [("label-label", "greater trochanter", "iliopsoas")]
    assert problems[0].overlap[0] > 1 and problems[0].overlap[1] > 1


def test_the_checker_passes_labels_that_are_apart():
    figure, _axes = _axes_with_labels(("greater trochanter", (1, 8)), ("iliopsoas", (1, 2)))
    assert legibility_problems(figure) == []


def test_the_checker_reports_a_label_over_a_marker_that_is_not_its_own():
    figure, _axes = _axes_with_labels(("popliteal crease", (2, 5)), marker=(4, 5.3))
    assert [p.kind for p in legibility_problems(figure)] == ["label-marker"]
    # Its own marker (at the label's anchor) is allowed.
    figure, _axes = _axes_with_labels(("popliteal crease", (2, 5)), marker=(2, 5))
    assert legibility_problems(figure) == []


def test_the_checker_reports_a_label_crossing_the_frame_and_a_leader_line():
    figure, axes = _axes_with_labels(("4th sacral foramen", (8.5, 5)))
    assert [p.kind for p in legibility_problems(figure)] == ["label-frame"]
    figure, axes = _axes_with_labels(("GV2", (4, 5)))
    axes.annotate("coccyx", (4.5, 2), xytext=(4.5, 8), arrowprops={"arrowstyle": "-"}, fontsize=9)
    kinds = [(p.kind, p.first) for p in legibility_problems(figure)]
    assert ("label-leader", "GV2") in kinds


def test_the_checker_reports_internal_ids_and_small_text():
    figure, _axes = _axes_with_labels(("PS_inf", (1, 8)), ("greater trochanter (GT)", (1, 2)))
    problems = legibility_problems(figure, forbidden_words={"PS_inf", "GT", "PS"}, min_points=9,
                                   display_width_px=3.0 * 96)
    assert sorted((p.kind, p.second) for p in problems if p.kind == "internal-id") == \
        [("internal-id", "GT"), ("internal-id", "PS_inf")]
    assert not [p for p in problems if p.kind == "small-text"]  # 9 pt shown at the natural width
    shrunk = legibility_problems(figure, min_points=9, display_width_px=3.0 * 96 * 0.8)
    assert [p.kind for p in shrunk] == ["small-text", "small-text"]


def test_effective_point_size_follows_the_display_width_up_to_the_cell():
    assert effective_point_size(6.5, figure_width_in=3.5, display_width_px=3.5 * 96) == pytest.approx(6.5)
    assert effective_point_size(6.5, figure_width_in=3.5, display_width_px=3.5 * 96 * 1.4) == pytest.approx(9.1)
    # JupyterLab never shows an image wider than the cell (about 900 px).
    assert effective_point_size(10, figure_width_in=10, display_width_px=1200) == pytest.approx(10 * 900 / 960)
