"""Tables shown in lesson 0 and the README: they come from data/, never from hand-kept copies."""

import re
import shutil
from pathlib import Path

import pytest
import yaml

from hipcourse.content import tables

ROOT = Path(__file__).resolve().parents[1]


def test_points_table_lists_every_point_core_first():
    points = yaml.safe_load((ROOT / "data" / "points.yaml").read_text(encoding="utf-8"))["points"]
    table = tables.points_table()
    codes = [row[0] for row in table.rows]
    assert sorted(codes) == sorted(p["code"] for p in points)
    core = [p["code"] for p in points if p["core"]]
    assert codes[: len(core)] == core
    assert "GB30" in repr(table) and "<caption>" in table._repr_html_()


def test_core_only_table_has_only_core_points():
    table = tables.points_table(core_only=True)
    assert {row[0] for row in table.rows} == {"GB30", "BL54", "SP12"}
    assert all(row[5] == "yes" for row in table.rows)


def test_html_escapes_cell_text():
    table = tables.Table(caption="a <b>", columns=("x",), rows=(("<script>",),))
    assert "<script>" not in table._repr_html_()
    assert "&lt;script&gt;" in table._repr_html_()


def test_row_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="row 0 has 2 cells, expected 1"):
        tables.Table(caption="c", columns=("x",), rows=(("a", "b"),))


def test_lesson_map_matches_readme_table():
    """The README's lesson table must say what data/lessons.yaml says (titles and minutes)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| ([^|]+) \| [^|]+ \| (\d+) \|$", readme, flags=re.M)
    expected = [(row[0], row[1], row[3]) for row in tables.lesson_map().rows]
    assert [(n, t.strip(), m) for n, t, m in rows] == expected


def test_broken_lessons_file_names_file_and_entry(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "lessons.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["lessons"][2]["minutes"] = "forty"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(tables.TableDataError, match=r"lessons\.yaml: lessons\[2\]\.minutes"):
        tables.lesson_map()


def test_every_cell_is_left_aligned_and_top_aligned_in_html():
    # JupyterLab right-aligns table cells by default: long sentences would be hard to read.
    table = tables.Table(caption="c", columns=("Name", "What it says"),
                         rows=(("A", "A long sentence that wraps over several lines."), ("B", "b")))
    page = table._repr_html_()
    cells = re.findall(r"<t[hd]\b[^>]*>", page)
    assert len(cells) == 6
    assert all('style="text-align:left;vertical-align:top"' in cell for cell in cells)
    assert '<th scope="col" style=' in page
