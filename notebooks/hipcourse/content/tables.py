"""Plain tables for the notebooks: the points of the course and the lesson map.

Both functions return a :class:`Table`, which displays as an accessible HTML table in JupyterLab
(``_repr_html_``: caption, column headers with ``scope="col"``) and as aligned plain text everywhere else
(``__repr__``); strict nbval compares both forms, so both are deterministic.

* :func:`points_table` - every point in ``data/points.yaml``: code, pinyin, Chinese characters, English
  name, body region and whether it is one of the course's core points.
* :func:`lesson_map` - the lessons in ``data/lessons.yaml`` (validated against
  ``data/schemas/lessons.schema.json``): number, title, what you learn, minutes.
"""

from __future__ import annotations

from hipcourse.content.data import load_yaml as _load_yaml_file  # one cached, fast YAML reader for every data file

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from hipcourse.paths import data_dir, display_path

__all__ = ["Table", "TableDataError", "points_table", "lesson_map"]


#: Style of every header and data cell: text reads from the left and long cells start at the top of the row.
_CELL_STYLE = "text-align:left;vertical-align:top"


class TableDataError(ValueError):
    """A data file needed for a table is missing or malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Table:
    """A small read-only table with a caption.

    Attributes:
        caption: one sentence describing the table (read first by screen readers).
        columns: the column headings.
        rows: one tuple of strings per row, in column order.
    """

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for number, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"Table row {number} has {len(row)} cells, expected {len(self.columns)}")

    def __len__(self) -> int:
        return len(self.rows)

    def _repr_html_(self) -> str:
        # Inline styles, not a stylesheet: JupyterLab right-aligns table cells (fine for numbers, hard to read
        # for sentences), and an output's <style> would leak into the whole page.
        head = "".join(f'<th scope="col" style="{_CELL_STYLE}">{html.escape(c)}</th>' for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f'<td style="{_CELL_STYLE}">{html.escape(cell)}</td>' for cell in row) + "</tr>"
            for row in self.rows
        )
        return (
            f'<table class="hipcourse-table"><caption>{html.escape(self.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def __repr__(self) -> str:
        # Aligned text: what nbval compares and what an untrusted notebook or a terminal shows.
        widths = [max(_width(c), *(_width(r[i]) for r in self.rows)) if self.rows else _width(c)
                  for i, c in enumerate(self.columns)]
        def line(cells: Sequence[str]) -> str:
            return " | ".join(cell + " " * (width - _width(cell)) for cell, width in zip(cells, widths)).rstrip()
        rule = "-+-".join("-" * width for width in widths)
        return "\n".join([self.caption, line(self.columns), rule, *(line(row) for row in self.rows)])


def _width(text: str) -> int:
    """Columns ``text`` takes in a monospaced font: Chinese characters are two columns wide."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _load_yaml(path: Path) -> dict:
    import yaml  # imported here: keeps `import hipcourse` light

    try:
        document = _load_yaml_file(path)
    except OSError as error:
        raise TableDataError(f"{display_path(path)}: cannot read ({error.strerror})") from error
    except yaml.YAMLError as error:
        raise TableDataError(f"{display_path(path)}: not valid YAML ({error})") from error
    if not isinstance(document, dict):
        raise TableDataError(f"{display_path(path)}: the top level must be a mapping")
    return document


def points_table(*, core_only: bool = False) -> Table:
    """Return the table of the course's points from ``data/points.yaml``, core points first.

    Args:
        core_only: if True, list only the core points (GB30, BL54, SP12 in the course).

    Raises:
        hipcourse.content.data.DataError: if the course data is malformed (the message names file and entry).
    """
    from hipcourse.content.data import load_course

    rows = [(point.code, point.pinyin, point.hanzi, point.english, point.region, "yes" if point.core else "no")
            for point in load_course().points.values() if point.core or not core_only]
    # Stable order: core points first (as a learner meets them), then the file's order.
    rows.sort(key=lambda row: row[5] != "yes")
    caption = ("The core points of the course" if core_only else "Every point in the course") + \
        ": code, name in pinyin, Chinese characters, English name, body region, core point or not."
    return Table(caption=caption, columns=("Code", "Pinyin", "Chinese", "English name", "Region", "Core"),
                 rows=tuple(rows))


def lesson_map() -> Table:
    """Return the lesson map (lessons 0-8) from ``data/lessons.yaml``, validated against its JSON Schema.

    Raises:
        TableDataError: if the file is missing, breaks the schema, or its lesson numbers are not 0, 1, 2, ...
    """
    from hipcourse.content.schemas import jsonschema_module, schema_errors

    path = data_dir() / "lessons.yaml"
    document = _load_yaml(path)
    schema_path = data_dir() / "schemas" / "lessons.schema.json"
    import json

    try:
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TableDataError(f"{display_path(schema_path)}: cannot read ({error.strerror})") from error
    errors = schema_errors(document, schema)
    error = jsonschema_module().exceptions.best_match(iter(errors)) if errors else None
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        raise TableDataError(f"{display_path(path)}: {where or 'top level'}: {error.message}")
    lessons = document["lessons"]
    numbers = [lesson["number"] for lesson in lessons]
    if numbers != list(range(len(lessons))):
        raise TableDataError(f"{display_path(path)}: lessons must be numbered 0, 1, 2, ... in order; got {numbers}")
    rows = tuple((str(l["number"]), l["title"], l["learn"], str(l["minutes"])) for l in lessons)
    total = sum(l["minutes"] for l in lessons)
    return Table(caption=f"The lessons of the course (about {total} minutes in all).",
                 columns=("Lesson", "Title", "What you learn", "Minutes"), rows=rows)
