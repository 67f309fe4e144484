#!/usr/bin/env python3
"""Execute course notebooks and store their outputs reproducibly.

This is the only way outputs get into the committed notebooks (CONTRIBUTING.md). For each notebook it:

1. numbers the citations of its markdown (an author writes ``[KEY]``; a learner sees superscript numbers
   that link to the References list, see ``hipcourse.content.citations``) and fills the markdown cell tagged
   ``references`` with ``## References`` and the numbered list (unknown keys are an error);
2. executes it with nbclient (kernel ``python3``, working directory = the notebook's folder, no timing
   metadata, widget state kept) with ``HIPCOURSE_PROGRESS_DIR`` pointing at a fresh temporary directory,
   so no learner file is read or written;
3. fails if any cell produced an error or wrote to stderr (warnings would also fail strict nbval);
4. renumbers ipywidgets model ids (random UUIDs) to stable ids and clears per-cell execution metadata,
   so that re-executing an unchanged notebook gives byte-identical files;
5. stores the input of every code cell that only shows a figure, widget or table collapsed
   (``metadata.jupyter.source_hidden``; see :func:`collapse_display_inputs`), and writes the file only if
   its bytes changed;
6. for a course notebook (under ``notebooks/``), stores every figure it showed in
   ``images/figure-cache/<notebook name>/`` (see ``hipcourse.figures.cache``): the kernel runs with
   ``HIPCOURSE_FIGURE_CACHE=write:<temporary folder>``, so figures are always drawn, never read back, and the
   folder is replaced only when its files differ, so figures the notebook no longer shows disappear with it.

Usage::

    python tools/execute_notebooks.py notebooks/00_start_here.ipynb [more.ipynb ...]
    python tools/execute_notebooks.py --check notebooks/*.ipynb   # exit 1 if any file would change

Run it with the project venv (``.venv/bin/python``) from anywhere; paths are taken as given.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent
WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
REFERENCES_TAG = "references"

_UUID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")


class NotebookError(RuntimeError):
    """A notebook cannot be executed or stored cleanly; the message names the notebook and the cell."""


@dataclass(frozen=True)
class Result:
    """What happened to one notebook: ``changed`` is True if the stored bytes differ from the new ones;
    ``figures_changed`` if its stored figures (``images/figure-cache/<name>/``) differ."""

    path: Path
    changed: bool
    differing_cells: tuple[int, ...]
    figures_changed: bool = False


# --------------------------------------------------------------------------------------------- references
def _bibliography():
    """``hipcourse.content.sources``: the one parser of ``[KEY]`` citations and renderer of reference lists."""
    notebooks = str(ROOT / "notebooks")
    if notebooks not in sys.path:
        sys.path.insert(0, notebooks)
    from hipcourse.content import sources  # noqa: PLC0415

    return sources


def cited_keys(text: str) -> list[str]:
    """The source keys cited in markdown ``text`` (see :func:`hipcourse.content.sources.cited_keys`)."""
    return _bibliography().cited_keys(text)


def fill_references(nb, *, notebook: str, sources: dict[str, dict] | None = None) -> None:
    """Number the citations of every markdown cell and fill the cell tagged ``references`` to match.

    Citations are written as keys (``[K-BL54]``) or are already numbered; either way each markdown cell is
    stored in the numbered form of :mod:`hipcourse.content.citations` (superscript numbers linking to the
    References list, numbered by first citation), and the references cell gets ``## References`` and the
    numbered list. Does nothing if the notebook has no such cell (the template check in
    tests/test_lesson_template.py reports that separately).
    """
    targets = [c for c in nb.cells if c.cell_type == "markdown" and REFERENCES_TAG in c.metadata.get("tags", [])]
    if not targets:
        return
    if len(targets) > 1:
        raise NotebookError(f"{notebook}: more than one cell is tagged '{REFERENCES_TAG}'")
    _bibliography()  # puts notebooks/ on sys.path
    from hipcourse.content import citations  # noqa: PLC0415
    from hipcourse.content.sources import UnknownSourceError  # noqa: PLC0415

    cells = [c for c in nb.cells if c.cell_type == "markdown" and c is not targets[0]]
    numbers = citations.numbering(c.source for c in cells)
    try:
        body = citations.numbered_references(numbers, entries=sources)
    except UnknownSourceError as error:
        raise NotebookError(f"{notebook}: unknown citation key(s) {', '.join(error.keys)} "
                            "(not in data/sources.yaml)") from error
    for cell in cells:
        cell.source = citations.numbered_form(cell.source, numbers)
    targets[0].source = "## References\n\n" + body


# ------------------------------------------------------------------------------------------------- running
@contextlib.contextmanager
def _temporary_progress_dir():
    """Set ``HIPCOURSE_PROGRESS_DIR`` to a fresh temporary directory for the kernel, then restore."""
    old = os.environ.get("HIPCOURSE_PROGRESS_DIR")
    with tempfile.TemporaryDirectory(prefix="hipcourse-exec-progress-") as tmp:
        os.environ["HIPCOURSE_PROGRESS_DIR"] = tmp
        try:
            yield tmp
        finally:
            if old is None:
                os.environ.pop("HIPCOURSE_PROGRESS_DIR", None)
            else:
                os.environ["HIPCOURSE_PROGRESS_DIR"] = old


FIGURE_CACHE = ROOT / "images" / "figure-cache"
FIGURE_CACHE_ENV = "HIPCOURSE_FIGURE_CACHE"


def figure_cache_folder(path: Path) -> Path | None:
    """``images/figure-cache/<stem>`` for a notebook under ``notebooks/``, else None (nothing is stored)."""
    try:
        Path(path).resolve().relative_to(ROOT / "notebooks")
    except ValueError:
        return None
    return FIGURE_CACHE / Path(path).stem


@contextlib.contextmanager
def _figure_cache_writer(enabled: bool):
    """Point the kernel's figure cache at a fresh temporary folder (``write:`` mode); yield that folder."""
    old = os.environ.get(FIGURE_CACHE_ENV)
    with tempfile.TemporaryDirectory(prefix="hipcourse-exec-figures-") as tmp:
        folder = Path(tmp) / "figures"
        # Without a cache folder (a notebook outside the course) figures are drawn and nothing is stored.
        os.environ[FIGURE_CACHE_ENV] = f"write:{folder}" if enabled else "off"
        try:
            yield folder
        finally:
            if old is None:
                os.environ.pop(FIGURE_CACHE_ENV, None)
            else:
                os.environ[FIGURE_CACHE_ENV] = old


def _folder_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*")) if p.is_file()} if folder.is_dir() else {}


def _replace_folder(target: Path, files: Mapping[str, bytes]) -> None:
    """Make ``target`` hold exactly ``files`` (removed when empty)."""
    if target.is_dir():
        shutil.rmtree(target)
    if files:
        target.mkdir(parents=True)
        for name, content in files.items():
            (target / name).write_bytes(content)


def execute(nb, *, cwd: Path, notebook: str, timeout: int = 600):
    """Execute ``nb`` in place with nbclient; raise :class:`NotebookError` naming the failing cell."""
    from nbclient import NotebookClient  # noqa: PLC0415
    from nbclient.exceptions import CellExecutionError  # noqa: PLC0415

    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    with _temporary_progress_dir():
        try:
            client.execute()
        except CellExecutionError as error:
            index = next((i for i, c in enumerate(nb.cells) if _has_error(c)), None)
            where = f"cell {index}" if index is not None else "a cell"
            # The traceback text is full of ANSI colour codes; the exception name and value say enough.
            source = nb.cells[index].source if index is not None else ""
            raise NotebookError(
                f"{notebook}: {where} raised {getattr(error, 'ename', 'an error')}: "
                f"{getattr(error, 'evalue', error)}\n--- cell source ---\n{source}"
            ) from error
    return nb


def _has_error(cell) -> bool:
    return cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def check_outputs(nb, *, notebook: str) -> None:
    """Raise :class:`NotebookError` if any code cell has an error output or wrote to stderr (e.g. a warning)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise NotebookError(f"{notebook}: cell {index} raised {output.get('ename')}: {output.get('evalue')}")
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", ""))
                raise NotebookError(
                    f"{notebook}: cell {index} wrote to stderr (a warning?); strict nbval would fail:\n{text.strip()}"
                )


# ------------------------------------------------------------------------------------------- normalising
def stable_widget_ids(nb, *, notebook: str):
    """Return a copy of ``nb`` whose widget model ids are replaced by ids derived from the notebook name.

    ipywidgets gives every model a random UUID; they appear as keys of the stored widget state, in
    ``IPY_MODEL_<id>`` references inside that state and as ``model_id`` in widget-view outputs. Replacing
    them in order of first appearance makes the ids the same on every run.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    ordered: list[str] = list(state)
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            view = output.get("data", {}).get(WIDGET_VIEW_MIME)
            if view and view.get("model_id") not in ordered:
                ordered.append(view["model_id"])
    mapping = {
        old: hashlib.md5(f"{notebook}:widget:{n}".encode(), usedforsecurity=False).hexdigest()
        for n, old in enumerate(ordered)
    }
    text = json.dumps(nb)
    # Only ids we know are widget ids are replaced, so unrelated 32-hex strings stay untouched.
    text = _UUID.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)
    import nbformat  # noqa: PLC0415

    return nbformat.from_dict(json.loads(text))


def compact_widget_state(nb) -> None:
    """Drop unset (``None``) traits of stored layout models, in place.

    Every ipywidget carries a Layout model whose thirty-odd CSS traits are almost all unset; stored in full
    they made up a third of a lesson's file. The widget manager fills missing traits with the same defaults
    when it restores the state, so nothing a viewer sees changes.
    """
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {}).get("state", {})
    for model in state.values():
        if model.get("model_name") == "LayoutModel":
            model["state"] = {key: value for key, value in model.get("state", {}).items()
                              if value is not None or key.startswith("_")}


#: What a code cell may show and still count as "only draws or shows a widget" (figures, widgets, tables).
RICH_DISPLAY_MIMES = frozenset({"image/png", "image/svg+xml", WIDGET_VIEW_MIME, "text/html", "text/markdown"})


def _only_shows(cell) -> bool:
    """True if a code cell shows only figures, widgets or tables, or nothing at all (a setup cell)."""
    return all(output.get("output_type") in ("display_data", "execute_result")
               and RICH_DISPLAY_MIMES & set(output.get("data", {})) for output in cell.get("outputs", []))


def collapse_display_inputs(nb) -> None:
    """Store the input of every code cell that only shows a figure, widget or table (or nothing) collapsed.

    JupyterLab reads ``metadata.jupyter.source_hidden``: the learner sees the figure or the quiz and can
    show the code with one click on the bar at the left of the cell. Cells that print text keep their
    input visible. This one rule, applied on every run, is the only place the flag is set.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        jupyter = dict(cell.metadata.get("jupyter", {}))
        if _only_shows(cell):
            jupyter["source_hidden"] = True
        else:
            jupyter.pop("source_hidden", None)
        if jupyter:
            cell.metadata["jupyter"] = jupyter
        else:
            cell.metadata.pop("jupyter", None)


def clear_execution_metadata(nb) -> None:
    """Drop per-cell metadata that changes on every run (timings) or depends on the editor (scroll state)."""
    for cell in nb.cells:
        for key in ("execution", "collapsed", "scrolled", "ExecuteTime"):
            cell.metadata.pop(key, None)


def serialise(nb) -> bytes:
    """The exact bytes written to disk (nbformat's JSON, one trailing newline)."""
    import nbformat  # noqa: PLC0415

    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def differing_cells(old, new) -> tuple[int, ...]:
    """Indices of cells whose source, outputs or metadata differ between two notebooks."""
    def key(cell):
        return json.dumps({k: cell.get(k) for k in ("cell_type", "source", "outputs", "metadata")}, sort_keys=True)

    count = max(len(old.cells), len(new.cells))
    return tuple(
        i for i in range(count)
        if i >= len(old.cells) or i >= len(new.cells) or key(old.cells[i]) != key(new.cells[i])
    )


def process(path: Path, *, check: bool = False, timeout: int = 600, sources: dict[str, dict] | None = None) -> Result:
    """Fill references, execute, validate and normalise one notebook; write it unless ``check``.

    ``sources`` replaces ``data/sources.yaml`` (used by tests). Returns a :class:`Result`.
    """
    import nbformat  # noqa: PLC0415

    path = Path(path)
    name = path.name
    try:
        original_bytes = path.read_bytes()
    except OSError as error:
        raise NotebookError(f"{path}: cannot read ({error})") from error
    original = nbformat.reads(original_bytes.decode("utf-8"), as_version=4)
    nb = copy.deepcopy(original)
    fill_references(nb, notebook=name, sources=sources)
    cache_folder = figure_cache_folder(path)
    with _figure_cache_writer(cache_folder is not None) as written:
        execute(nb, cwd=path.resolve().parent, notebook=name, timeout=timeout)
        figures = _folder_files(written)
    figures_changed = cache_folder is not None and figures != _folder_files(cache_folder)
    check_outputs(nb, notebook=name)
    clear_execution_metadata(nb)
    collapse_display_inputs(nb)
    compact_widget_state(nb)
    nb = stable_widget_ids(nb, notebook=name)
    new_bytes = serialise(nb)
    changed = new_bytes != original_bytes
    cells = differing_cells(original, nb) if changed else ()
    if changed and not check:
        path.write_bytes(new_bytes)
    if figures_changed and not check:
        _replace_folder(cache_folder, figures)
    return Result(path=path, changed=changed, differing_cells=cells, figures_changed=figures_changed)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description="Execute course notebooks and store reproducible outputs.")
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if any notebook would change")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        try:
            result = process(path, check=args.check, timeout=args.timeout)
        except NotebookError as error:
            print(f"execute_notebooks: {error}", file=sys.stderr)
            return 2
        figures = f" (stored figures in images/figure-cache/{path.stem}/)" if result.figures_changed else ""
        if args.check and (result.changed or result.figures_changed):
            cells = ", ".join(map(str, result.differing_cells)) or "notebook metadata only"
            print(f"{path}: would change ({f'cells {cells}' if result.changed else 'outputs unchanged'}){figures}")
            status = 1
        else:
            print(f"{path}: {'updated' if result.changed or result.figures_changed else 'unchanged'}{figures}")
    return status


if __name__ == "__main__":
    sys.exit(main())
