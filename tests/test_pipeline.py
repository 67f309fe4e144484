"""tools/execute_notebooks.py on tiny fixture notebooks in a temporary folder (each run starts a real kernel)."""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import execute_notebooks as ex  # noqa: E402

SOURCES = {
    "T-alpha": {"key": "T-alpha", "title": "Alpha study", "citation": "Alpha A. Journal 2020.", "url": "https://a.example"},
    "T-beta": {"key": "T-beta", "title": "Beta page"},
    "T-unused": {"key": "T-unused", "title": "Never cited"},
}


def _write(tmp_path, *code, markdown="Text citing [T-beta] and [T-alpha, T-beta].") -> Path:
    references = new_markdown_cell("stale")
    references.metadata["tags"] = ["references"]
    cells = [new_markdown_cell("# Fixture\n\n" + markdown), *(new_code_cell(c) for c in code), references]
    nb = new_notebook(cells=cells)
    for number, cell in enumerate(nb.cells):
        cell.id = f"c{number}"
    path = tmp_path / "fixture.ipynb"
    nbformat.write(nb, path)
    return path


def test_execution_is_byte_identical_and_fills_references(tmp_path):
    path = _write(tmp_path, "import ipywidgets\nipywidgets.IntSlider(value=3)", "1 + 1")
    first = ex.process(path, sources=SOURCES)
    assert first.changed
    stored = path.read_bytes()
    second = ex.process(path, sources=SOURCES)
    assert not second.changed and path.read_bytes() == stored

    nb = json.loads(stored)
    refs = "".join(nb["cells"][-1]["source"])
    assert refs.startswith("## References")
    # numbered by first citation, the key only in the anchor (never shown), unused sources left out
    assert refs.splitlines()[2:] == ['1. <a id="ref-T-beta"></a>Beta page.',
                                     '2. <a id="ref-T-alpha"></a>Alpha A. Journal 2020. <https://a.example>']
    assert "T-unused" not in refs
    prose = "".join(nb["cells"][0]["source"])
    assert prose == ('# Fixture\n\nText citing <sup>[1](#ref-T-beta "Reference 1")</sup> and '
                     '<sup>[2](#ref-T-alpha "Reference 2"), [1](#ref-T-beta "Reference 1")</sup>.')
    # the widget cell's input is stored collapsed; the cell that shows plain text keeps its input visible
    assert nb["cells"][1]["metadata"]["jupyter"] == {"source_hidden": True}
    assert "jupyter" not in nb["cells"][2]["metadata"]
    assert nb["cells"][2]["outputs"][0]["data"]["text/plain"] in ("2", ["2"])
    assert [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code"] == [1, 2]
    assert all("execution" not in c["metadata"] for c in nb["cells"])
    # widget ids are the derived, stable ones, in the state and in the view output
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    view_id = nb["cells"][1]["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert view_id in state
    assert set(state) == {ex.hashlib.md5(f"fixture.ipynb:widget:{n}".encode()).hexdigest() for n in range(len(state))}


def test_check_mode_reports_without_writing(tmp_path, capsys, monkeypatch):
    path = _write(tmp_path, "1 + 1")
    before = path.read_bytes()
    import functools

    monkeypatch.setattr(ex, "process", functools.partial(ex.process, sources=SOURCES))
    assert ex.main(["--check", str(path)]) == 1
    assert path.read_bytes() == before
    assert "would change (cells 0, 1, 2)" in capsys.readouterr().out  # 0: citations numbered
    assert ex.main([str(path)]) == 0
    assert ex.main(["--check", str(path)]) == 0


def test_unknown_citation_key_fails_naming_it(tmp_path):
    path = _write(tmp_path, "1", markdown="See [T-alpha] and [T-nowhere].")
    with pytest.raises(ex.NotebookError, match=r"fixture\.ipynb: unknown citation key\(s\) T-nowhere"):
        ex.process(path, sources=SOURCES)


def test_cell_that_warns_fails(tmp_path):
    path = _write(tmp_path, "import warnings\nwarnings.warn('careful', UserWarning)")
    before = path.read_bytes()
    with pytest.raises(ex.NotebookError, match=r"(?s)cell 1 wrote to stderr.*UserWarning: careful"):
        ex.process(path, sources=SOURCES)
    assert path.read_bytes() == before


def test_cell_that_raises_fails_with_cell_number(tmp_path):
    path = _write(tmp_path, "1", "raise ValueError('broken fixture')")
    with pytest.raises(ex.NotebookError, match=r"cell 2 raised ValueError: broken fixture"):
        ex.process(path, sources=SOURCES)


def test_kernel_gets_temporary_progress_dir_and_notebook_cwd(tmp_path, monkeypatch):
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", "/learner/real/files")
    path = _write(tmp_path, "import os\nos.environ['HIPCOURSE_PROGRESS_DIR'] != '/learner/real/files'",
                  "os.path.exists('fixture.ipynb')")
    ex.process(path, sources=SOURCES)
    cells = nbformat.read(path, as_version=4).cells[1:3]
    outputs = [c.outputs[0]["data"]["text/plain"] for c in cells]
    assert outputs == ["True", "True"]


def test_citation_parsing_ignores_links_and_task_boxes():
    text = "- [ ] task\n- [x] done\n[Lesson 1](01.ipynb) [T-alpha][T-beta; W1] [E-li2018](http://x)"
    assert ex.cited_keys(text) == ["T-alpha", "T-beta", "W1"]


def test_layout_models_are_stored_without_unset_traits(tmp_path):
    path = _write(tmp_path, "import ipywidgets\nipywidgets.Button(description='Go', layout={'width': '9em'})")
    ex.process(path, sources=SOURCES)
    state = json.loads(path.read_bytes())["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    layouts = [m["state"] for m in state.values() if m["model_name"] == "LayoutModel"]
    assert layouts and all(value is not None for layout in layouts for key, value in layout.items()
                           if not key.startswith("_"))
    assert any(layout.get("width") == "9em" for layout in layouts)  # set traits are kept
    assert all(layout["_model_name"] == "LayoutModel" for layout in layouts)


DIARY_CELL = ("import sys; sys.path.insert(0, {notebooks!r})\n"
              "from hipcourse.practice.diary import plot_diary\n"
              "plot_diary([{{'date': '2024-01-0{day}', 'before': 6, 'after': 4}}], title='Fixture diary')")


def test_figures_are_stored_per_notebook_and_replaced_when_they_change(tmp_path, monkeypatch, capsys):
    """The tool stores the figures a notebook shows, reports them in --check, and drops ones no longer shown."""
    store = tmp_path / "figure-cache" / "fixture"
    monkeypatch.setattr(ex, "figure_cache_folder", lambda path: store)
    notebooks = str(ROOT / "notebooks")
    path = _write(tmp_path, DIARY_CELL.format(notebooks=notebooks, day=1))
    first = ex.process(path, sources=SOURCES)
    assert first.changed and first.figures_changed
    stored = sorted(p.name for p in store.iterdir())
    assert len(stored) == 2 and {Path(n).suffix for n in stored} == {".json", ".png"}
    meta = json.loads(next(store.glob("*.json")).read_text(encoding="utf-8"))
    assert meta["kind"] == "hipcourse.practice.diary:plot_diary" and meta["params"]["title"] == "Fixture diary"

    again = ex.process(path, sources=SOURCES)
    assert not again.changed and not again.figures_changed and sorted(p.name for p in store.iterdir()) == stored

    # Another figure: --check reports it and writes nothing; a real run replaces the old entry.
    path = _write(tmp_path, DIARY_CELL.format(notebooks=notebooks, day=2))
    monkeypatch.setattr(ex, "process", __import__("functools").partial(ex.process, sources=SOURCES))
    assert ex.main(["--check", str(path)]) == 1
    assert "stored figures in images/figure-cache/fixture/" in capsys.readouterr().out
    assert sorted(p.name for p in store.iterdir()) == stored
    assert ex.main([str(path)]) == 0
    replaced = sorted(p.name for p in store.iterdir())
    assert len(replaced) == 2 and replaced != stored

    # A notebook that shows no cached figure any more leaves no folder behind.
    path = _write(tmp_path, "1 + 1")
    assert ex.main([str(path)]) == 0
    assert not store.exists()


def test_only_course_notebooks_store_figures(tmp_path):
    assert ex.figure_cache_folder(tmp_path / "fixture.ipynb") is None
    assert ex.figure_cache_folder(ROOT / "notebooks" / "05_locating_the_points.ipynb") == \
        ROOT / "images" / "figure-cache" / "05_locating_the_points"
