"""Rendered course figures, stored once so that re-running a lesson does not draw unchanged plates again.

Why: a lesson such as "Locating the points" shows fifteen atlas plates. Drawing and encoding each one costs
30-70 ms, so "Run all" spent over a second re-drawing pictures that cannot have changed since the notebook
was executed by ``tools/execute_notebooks.py``. That tool now also stores every figure it shows in
``images/figure-cache/<notebook>/``; a kernel that asks for the same figure later gets the stored PNG and
alt text back at once and draws nothing until something asks for the matplotlib figure itself.

A stored figure is found by a *key*: a hash of

* the figure's kind (``"module:function"``, the function that draws it) and its keyword arguments;
* every input that can change what a figure shows: the course data files (not the quiz banks or sample class
  files) and the source of the ``hipcourse`` modules that take part in drawing (not the quiz, progress or
  safety code).

So a changed data file or drawing routine simply misses the cache and draws live, which is also what happens
for any call the lessons do not make (a learner trying other arguments, a custom
:class:`~hipcourse.content.geometry.Body`). ``tests/test_figure_cache.py`` re-draws every stored figure and requires
the same PNG bytes, alt text and point positions, and that no stored key is out of date.

The versions of matplotlib, NumPy and Pillow are *not* part of the key, on purpose: they change how edges
are smoothed, not what is drawn, and a conda or Binder installation rarely has exactly the pinned versions.
Such a learner sees the reviewed pictures, drawn with the pinned versions (each entry records them under
``drawn_with``); the tests run with the pinned versions, where a stored picture must equal a fresh one byte
for byte, so upgrading the lock means re-executing the notebooks.

The environment variable ``HIPCOURSE_FIGURE_CACHE`` selects the mode:

* unset or ``read`` (default): use stored figures, never write (a learner's copy of the course stays clean);
* ``off``: always draw (benchmarks of the cold path, tests of the drawing code);
* ``write:<folder>``: always draw, and store each figure in ``<folder>`` (used by the execute tool only).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import importlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from hipcourse import paths
from hipcourse.figures.display import AtlasFigure

__all__ = ["CACHE_ENV", "CachedFigure", "cache_root", "cached_figure", "figure_key", "inputs_digest",
           "stored_entries", "redraw"]

CACHE_ENV = "HIPCOURSE_FIGURE_CACHE"

# True while a cached figure is being drawn (see cached_figure): nested calls then simply draw.
_DRAWING: contextvars.ContextVar[bool] = contextvars.ContextVar("hipcourse_figure_drawing", default=False)

# Data folders that no figure reads: editing a quiz must not make every stored plate out of date.
_IGNORED_DATA_DIRS = ("quizzes", "sample_class")
_DATA_SUFFIXES = (".yaml", ".yml", ".json")


def cache_root() -> Path:
    """Return ``images/figure-cache`` in the repository (one sub-folder per notebook)."""
    return paths.repo_root() / "images" / "figure-cache"


def _mode() -> tuple[str, Path | None]:
    value = os.environ.get(CACHE_ENV, "read").strip()
    if value in ("", "read"):
        return "read", None
    if value == "off":
        return "off", None
    if value.startswith("write:") and value[len("write:"):]:
        return "write", Path(value[len("write:"):])
    raise ValueError(f"{CACHE_ENV}={value!r}: expected 'read', 'off' or 'write:<folder>'")


# Modules that draw no cached figure: editing them keeps the stored figures. Should one of them ever change a
# figure, tests/test_figure_cache.py still fails, because it re-draws every stored figure and compares.
_MODULES_WITHOUT_FIGURES = frozenset({
    "__init__", "__main__", "cli", "content/tables", "content/schemas", "content/check",
    "learning/__init__", "learning/quiz", "learning/questions", "learning/banks", "learning/locate",
    "learning/progress", "learning/panel", "learning/review", "learning/completion",
    "instructor/__init__", "instructor/keys", "instructor/handouts", "instructor/classresults",
    "safety/__init__", "safety/common", "safety/triage", "safety/screen", "practice/routine",
    "figures/legibility",
})


def _package_dir() -> Path:
    return Path(__file__).resolve().parent.parent  # hipcourse/, whose sub-packages hold the drawing code


def _input_files() -> list[Path]:
    data = paths.data_dir()
    files = [path for path in data.rglob("*") if path.suffix in _DATA_SUFFIXES and path.is_file()
             and path.relative_to(data).parts[0] not in _IGNORED_DATA_DIRS]
    package = _package_dir()
    modules = [path for path in package.rglob("*.py")
               if path.relative_to(package).with_suffix("").as_posix() not in _MODULES_WITHOUT_FIGURES]
    return sorted(files) + sorted(modules)


@functools.lru_cache(maxsize=8)
def _digest_for(data_dir: str) -> str:
    digest = hashlib.sha256()
    data = Path(data_dir)
    package = _package_dir()
    for path in _input_files():
        # Names relative to their root: the digest must not depend on where the course was cloned.
        root = data if path.is_relative_to(data) else package
        digest.update(f"{root.name}/{path.relative_to(root).as_posix()}\0".encode())
        # Line endings as in the repository: a checkout with Windows line endings shows the same figures.
        digest.update(hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).digest())
    return digest.hexdigest()


def inputs_digest() -> str:
    """Return the hash of everything besides the call that can change a figure (computed once per data folder)."""
    return _digest_for(str(paths.data_dir()))


def _canonical(params: Mapping[str, Any]) -> str | None:
    try:
        return json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError):
        return None  # not plain data (a Body, a callable ...): such a call is never cached


def figure_key(kind: str, params: Mapping[str, Any]) -> str | None:
    """Return the cache key of ``kind`` called with ``params``, or None if the params are not plain JSON data."""
    canonical = _canonical(params)
    if canonical is None:
        return None
    text = f"{kind}\n{canonical}\n{inputs_digest()}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


@functools.lru_cache(maxsize=1)
def _index(root: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    base = Path(root)
    if base.is_dir():
        for meta in sorted(base.glob("*/*.json")):
            found.setdefault(meta.stem, meta)
    return found


class CachedFigure(AtlasFigure):
    """A stored course figure: PNG and alt text from ``images/figure-cache``; the matplotlib figure on demand.

    It displays exactly like the :class:`AtlasFigure` it was stored from. Reading :attr:`figure` (or saving
    as SVG/PDF) draws the figure for real, once.
    """

    def __init__(self, meta: Mapping[str, Any], png: bytes, draw: Callable[[], AtlasFigure]) -> None:
        # AtlasFigure.__init__ is not called: it needs the matplotlib figure this class avoids drawing.
        self.alt_text = meta["alt_text"]
        self.points_drawn = {name: tuple(xy) for name, xy in meta["points_drawn"].items()}
        self.caption = meta["caption"]
        self._width_px = int(meta["width_px"])
        self._png = png
        self._draw = draw
        self._drawn: AtlasFigure | None = None

    @property
    def figure(self):
        """The matplotlib Figure, drawn the first time it is asked for."""
        if self._drawn is None:
            self._drawn = self._draw()
        return self._drawn.figure

    def width_px(self) -> int:
        return self._width_px


def _read(meta_path: Path) -> tuple[dict, bytes] | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        png = meta_path.with_suffix(".png").read_bytes()
    except (OSError, ValueError):
        return None  # a damaged or half-copied entry is only a miss: the figure is drawn instead
    if not png.startswith(b"\x89PNG") or not {"alt_text", "points_drawn", "caption", "width_px"} <= set(meta):
        return None
    return meta, png


def _rendering_versions() -> dict[str, str]:
    import matplotlib
    import numpy
    import PIL
    from matplotlib import ft2font

    return {"matplotlib": matplotlib.__version__, "freetype": ft2font.__freetype_version__,
            "numpy": numpy.__version__, "pillow": PIL.__version__}


def _write_entry(folder: Path, key: str, kind: str, params: Mapping[str, Any], figure: AtlasFigure) -> None:
    """Store ``figure`` as ``<folder>/<key>.png`` and ``<key>.json`` (sorted keys).

    Plain writes: ``folder`` is the execute tool's temporary folder, which it copies into ``images/`` only
    after the whole notebook ran without error.
    """
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"kind": kind, "params": json.loads(_canonical(params)), "alt_text": figure.alt_text,
            "drawn_with": _rendering_versions(),
            "caption": figure.resolved_caption(), "width_px": figure.width_px(),
            "points_drawn": {name: [float(x), float(y)] for name, (x, y) in sorted(figure.points_drawn.items())}}
    (folder / f"{key}.png").write_bytes(figure.png_bytes())
    (folder / f"{key}.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def cached_figure(kind: str, params: Mapping[str, Any], draw: Callable[[], AtlasFigure]) -> AtlasFigure:
    """Return the stored figure for ``kind(**params)`` if there is one, else ``draw()`` (see the module text).

    Args:
        kind: ``"module:function"`` of the public function that draws the figure from ``params``; the tests
            call it again with ``params`` to check the stored copy.
        params: the keyword arguments of that call, as plain JSON data.
        draw: draws the figure (called on a miss, or later if the matplotlib figure is asked for).
    """
    mode, folder = _mode()
    # A figure drawn on top of another (a pain map on an atlas plate) is stored only as the outer figure.
    key = None if mode == "off" or _DRAWING.get() else figure_key(kind, params)
    if key is None:
        return draw()
    if mode == "read":
        meta_path = _index(str(cache_root())).get(key)
        stored = _read(meta_path) if meta_path is not None else None
        if stored is not None:
            return CachedFigure(stored[0], stored[1], lambda: _draw_outer(draw))
        return _draw_outer(draw)
    figure = _draw_outer(draw)
    _write_entry(folder, key, kind, params, figure)
    return figure


def _draw_outer(draw: Callable[[], AtlasFigure]) -> AtlasFigure:
    token = _DRAWING.set(True)
    try:
        return draw()
    finally:
        _DRAWING.reset(token)


# ----------------------------------------------------------------------------------------- checking entries
def stored_entries(root: Path | None = None) -> list[tuple[Path, dict]]:
    """Every stored entry under ``root`` (default :func:`cache_root`) as ``(json path, metadata)``, sorted."""
    base = Path(root) if root is not None else cache_root()
    return [(path, json.loads(path.read_text(encoding="utf-8"))) for path in sorted(base.glob("*/*.json"))]


def redraw(meta: Mapping[str, Any]) -> AtlasFigure:
    """Draw the figure an entry was stored from, live (``kind(**params)`` with the cache off)."""
    module_name, _, function_name = meta["kind"].partition(":")
    if not module_name.startswith("hipcourse."):
        raise ValueError(f"figure cache entry names {meta['kind']!r}: only hipcourse functions draw figures")
    function = getattr(importlib.import_module(module_name), function_name)
    # Inside _draw_outer every cached_figure call draws (as for a nested figure): no store is read or written.
    return _draw_outer(lambda: function(**meta["params"]))
