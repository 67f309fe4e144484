"""The figure cache (hipcourse.figures.cache): stored figures are current and identical to a fresh drawing.

The first two tests check the files committed in images/figure-cache/; the rest drive the cache itself with
small figures in a temporary folder.
"""

import json
import os

import pytest

from hipcourse.figures import cache as figurecache
from hipcourse.figures.cache import CACHE_ENV, CachedFigure, cached_figure, figure_key
from hipcourse.figures.display import AtlasFigure, new_figure
from hipcourse.paths import repo_root

STORED = figurecache.stored_entries()
REFRESH = "Run: .venv/bin/python tools/execute_notebooks.py notebooks/*.ipynb notebooks/instructor/*.ipynb"


def _entry_id(item):
    path, _meta = item
    return f"{path.parent.name}/{path.stem}"


def test_every_folder_belongs_to_a_notebook_and_every_entry_is_complete():
    notebooks = {path.stem for path in (repo_root() / "notebooks").rglob("*.ipynb")
                 if ".ipynb_checkpoints" not in path.parts}
    root = figurecache.cache_root()
    assert STORED, "images/figure-cache/ holds no figures: " + REFRESH
    for folder in root.iterdir():
        assert folder.is_dir() and folder.name in notebooks, f"{folder.name}: no notebook of that name. {REFRESH}"
        stems = {path.stem for path in folder.iterdir()}
        for stem in stems:
            assert (folder / f"{stem}.png").is_file() and (folder / f"{stem}.json").is_file(), \
                f"{folder.name}/{stem}: needs both .png and .json"


@pytest.mark.parametrize("item", STORED, ids=[_entry_id(item) for item in STORED])
def test_stored_figure_is_current_and_equals_a_fresh_drawing(item):
    path, meta = item
    where = f"images/figure-cache/{path.parent.name}/{path.name}"
    assert figure_key(meta["kind"], meta["params"]) == path.stem, \
        f"{where}: out of date (the data or the drawing code changed since it was stored). {REFRESH}"
    fresh = figurecache.redraw(meta)
    assert not isinstance(fresh, CachedFigure)
    assert fresh.alt_text == meta["alt_text"], f"{where}: alt text differs from a fresh drawing. {REFRESH}"
    assert fresh.resolved_caption() == meta["caption"]
    assert fresh.width_px() == meta["width_px"]
    assert {k: list(v) for k, v in fresh.points_drawn.items()} == meta["points_drawn"]
    assert fresh.png_bytes() == path.with_suffix(".png").read_bytes(), \
        f"{where}: the picture differs from a fresh drawing. {REFRESH}"


# ------------------------------------------------------------------------------------------ the cache itself
class Counter:
    """Draws a small figure and counts how often it was asked to."""

    def __init__(self, alt="A grey square."):
        self.calls = 0
        self.alt = alt

    def __call__(self):
        self.calls += 1
        figure = new_figure(size=(1.0, 1.0))
        figure.add_axes((0, 0, 1, 1)).fill([0, 1, 1, 0], [0, 0, 1, 1], color="#999999")
        return AtlasFigure(figure, alt_text=self.alt, points_drawn={"P": (0.5, 0.25)}, caption="Square")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A temporary cache root; returns a function that switches the mode."""
    monkeypatch.setattr(figurecache, "cache_root", lambda: tmp_path)
    figurecache._index.cache_clear()

    def mode(value):
        monkeypatch.setenv(CACHE_ENV, value)
        figurecache._index.cache_clear()

    yield mode
    figurecache._index.cache_clear()


def test_write_then_read_gives_the_same_display_without_drawing(cache, tmp_path):
    cache(f"write:{tmp_path / 'lesson'}")
    drawn = cached_figure("hipcourse.test:square", {"side": 1}, Counter())
    files = sorted(p.name for p in (tmp_path / "lesson").iterdir())
    key = figure_key("hipcourse.test:square", {"side": 1})
    assert files == [f"{key}.json", f"{key}.png"]

    cache("read")
    counter = Counter()
    stored = cached_figure("hipcourse.test:square", {"side": 1}, counter)
    assert isinstance(stored, CachedFigure) and counter.calls == 0
    assert stored._repr_mimebundle_() == drawn._repr_mimebundle_()
    assert stored.points_drawn == {"P": (0.5, 0.25)}
    # The matplotlib figure is drawn only when asked for, and only once.
    assert stored.figure is stored.figure and counter.calls == 1


def test_read_mode_never_writes_and_draws_on_a_miss(cache, tmp_path):
    cache("read")
    counter = Counter()
    figure = cached_figure("hipcourse.test:square", {"side": 2}, counter)
    assert counter.calls == 1 and not isinstance(figure, CachedFigure)
    assert list(tmp_path.iterdir()) == []


def test_off_mode_always_draws(cache, tmp_path):
    cache(f"write:{tmp_path / 'lesson'}")
    cached_figure("hipcourse.test:square", {"side": 1}, Counter())
    cache("off")
    counter = Counter()
    assert not isinstance(cached_figure("hipcourse.test:square", {"side": 1}, counter), CachedFigure)
    assert counter.calls == 1


def test_arguments_that_are_not_plain_data_are_never_cached(cache, tmp_path):
    cache(f"write:{tmp_path / 'lesson'}")
    cached_figure("hipcourse.test:square", {"body": object()}, Counter())
    assert figure_key("hipcourse.test:square", {"body": object()}) is None
    assert not (tmp_path / "lesson").exists()


def test_other_arguments_give_other_keys_and_tuples_equal_lists():
    assert figure_key("k:f", {"a": 1}) != figure_key("k:f", {"a": 2})
    assert figure_key("k:f", {"a": 1}) != figure_key("k:g", {"a": 1})
    assert figure_key("k:f", {"a": (1, 2)}) == figure_key("k:f", {"a": [1, 2]})


def test_changed_data_misses_the_cache(cache, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "points.yaml").write_text("points: []\n", encoding="utf-8")
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(data))
    before = figure_key("k:f", {"a": 1})
    (data / "points.yaml").write_text("points: [changed]\n", encoding="utf-8")
    figurecache._digest_for.cache_clear()
    try:
        assert figure_key("k:f", {"a": 1}) != before
        # Quiz banks are not figure inputs: editing one keeps every stored figure.
        (data / "quizzes").mkdir()
        same = figure_key("k:f", {"a": 1})
        (data / "quizzes" / "lesson01.yaml").write_text("quizzes: []\n", encoding="utf-8")
        figurecache._digest_for.cache_clear()
        assert figure_key("k:f", {"a": 1}) == same
    finally:
        figurecache._digest_for.cache_clear()


@pytest.mark.parametrize("damage", ["not json", "png"])
def test_a_damaged_entry_is_drawn_instead(cache, tmp_path, damage):
    cache(f"write:{tmp_path / 'lesson'}")
    cached_figure("hipcourse.test:square", {"side": 1}, Counter())
    key = figure_key("hipcourse.test:square", {"side": 1})
    if damage == "png":
        (tmp_path / "lesson" / f"{key}.png").write_bytes(b"GIF89a")
    else:
        (tmp_path / "lesson" / f"{key}.json").write_text("{", encoding="utf-8")
    cache("read")
    counter = Counter()
    figure = cached_figure("hipcourse.test:square", {"side": 1}, counter)
    assert counter.calls == 1 and not isinstance(figure, CachedFigure)


def test_a_figure_drawn_inside_another_is_stored_only_as_the_outer_one(cache, tmp_path):
    cache(f"write:{tmp_path / 'lesson'}")

    def outer():
        inner = cached_figure("hipcourse.test:inner", {}, Counter("Inner."))
        return AtlasFigure(inner.figure, alt_text="Outer.")

    cached_figure("hipcourse.test:outer", {}, outer)
    stored = [json.loads(p.read_text())["kind"] for p in (tmp_path / "lesson").glob("*.json")]
    assert stored == ["hipcourse.test:outer"]


def test_an_unknown_mode_is_a_clear_error(cache):
    cache("sometimes")
    with pytest.raises(ValueError, match="HIPCOURSE_FIGURE_CACHE='sometimes': expected 'read', 'off' or"):
        cached_figure("hipcourse.test:square", {}, Counter())


def test_redraw_refuses_functions_outside_the_course_package():
    with pytest.raises(ValueError, match="only hipcourse functions draw figures"):
        figurecache.redraw({"kind": "os:system", "params": {"command": "true"}})


@pytest.mark.parametrize("kind", sorted({meta["kind"] for _, meta in STORED}))
def test_lesson_calls_are_served_from_the_stored_figures(monkeypatch, kind):
    """In a default (read mode) kernel, each figure function serves the calls the lessons make from the store."""
    monkeypatch.delenv(CACHE_ENV, raising=False)
    figurecache._index.cache_clear()
    path, meta = next((path, meta) for path, meta in STORED if meta["kind"] == kind)
    module_name, _, function_name = kind.partition(":")
    function = getattr(__import__(module_name, fromlist=[function_name]), function_name)
    served = function(**meta["params"])
    assert isinstance(served, CachedFigure), f"{kind}(**{meta['params']}) was drawn, not served from {path.name}"
    assert served.png_bytes() == path.with_suffix(".png").read_bytes()


def test_a_learners_own_body_is_always_drawn(monkeypatch):
    from hipcourse.figures.atlas import draw_view
    from hipcourse.content.geometry import Body

    monkeypatch.delenv(CACHE_ENV, raising=False)
    own = draw_view("posterior", layers=("outline", "bones"), points=(), body=Body.reference().scaled(
        pelvis_width=1.1, thigh_length=1.0))
    assert not isinstance(own, CachedFigure)
