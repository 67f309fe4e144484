#!/usr/bin/env python3
"""Performance benchmark of the course: prints a table and writes ``build/benchmark.json``.

Measured (targets in brackets; every "median" is over ``--runs`` runs):

* each lesson's execution time next to a *floor* notebook that only starts a kernel, imports matplotlib.pyplot
  and ipywidgets and draws one figure; lessons and floor run interleaved in one loop (floor, lesson, floor,
  lesson ...), so machine load hits both alike; reported as the ratio of the medians [<= 1.3];
* the whole strict nbval run (``pytest notebooks`` with the repository's pytest.ini) [<= 60 s on 2 cores];
* the import time of the course package beyond matplotlib: each lesson's import cell, timed in a fresh Python
  after ``matplotlib.pyplot`` and ``ipywidgets`` are already imported [<= 150 ms];
* drawing each atlas view, ``draw_view`` plus one Agg render [<= 150 ms];
* a quiz answer to feedback: set the answer, press Check, feedback and progress file written [<= 20 ms];
* a locate click graded and the figure redrawn (Agg) [<= 100 ms];
* each notebook's file size [<= 1.5 MB];
* ``cells`` (a diagnosis, no target): each lesson's slowest cells and its time outside cells.

Kernels read stored figures from ``images/figure-cache/`` as a learner's kernel does; ``--figure-cache off``
measures the cold path where every figure is drawn (``hipcourse.figures.cache``).

This is a command, not a test: timings depend on the machine. Run it from anywhere with the project venv::

    .venv/bin/python tools/benchmark.py            # everything, 3 runs each
    .venv/bin/python tools/benchmark.py --runs 5 --skip nbval
    .venv/bin/python tools/benchmark.py --only micro   # import, atlas, quiz, locate, sizes (no kernels)
    .venv/bin/python tools/benchmark.py --only lessons cells --figure-cache off   # cold path, with a diagnosis

Exit status 0 when every target is met, 1 otherwise. Kernels run with ``HIPCOURSE_PROGRESS_DIR`` set to a
temporary folder; nothing in the checkout is written except ``build/benchmark.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUTPUT = ROOT / "build" / "benchmark.json"

TARGETS = {
    "lesson_ratio": 1.3,
    "nbval_seconds": 60.0,
    "import_ms": 150.0,
    "atlas_view_ms": 150.0,
    "quiz_feedback_ms": 20.0,
    "locate_click_ms": 100.0,
    "notebook_mb": 1.5,
}
SECTIONS = ("lessons", "nbval", "import", "atlas", "quiz", "locate", "sizes", "cells")
MICRO = ("import", "atlas", "quiz", "locate", "sizes")

FLOOR_CELLS = [
    "import matplotlib.pyplot as plt\nimport ipywidgets",
    "fig, ax = plt.subplots()\nax.plot([0, 1, 2], [0, 1, 4])\nplt.show()",
]


def compile_course_package() -> None:
    """Write the bytecode of ``notebooks/hipcourse`` (``__pycache__``, ignored by git) before timing anything.

    A learner's kernel writes it on the first import and reuses it afterwards, as pip did for matplotlib in
    the floor notebook. Where ``PYTHONDONTWRITEBYTECODE`` is set (as on some CI machines) kernels never
    write it, and every lesson would otherwise pay for compiling the package's source on each run.
    """
    import compileall

    compileall.compile_dir(str(NOTEBOOKS / "hipcourse"), quiet=1)


def lesson_paths() -> list[Path]:
    """Every lesson notebook ``notebooks/NN_*.ipynb``, sorted."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@contextlib.contextmanager
def temporary_progress_dir():
    """Point ``HIPCOURSE_PROGRESS_DIR`` at a temporary folder (kernels inherit it), then restore it."""
    old = os.environ.get("HIPCOURSE_PROGRESS_DIR")
    with tempfile.TemporaryDirectory(prefix="hipcourse-bench-progress-") as folder:
        os.environ["HIPCOURSE_PROGRESS_DIR"] = folder
        try:
            yield Path(folder)
        finally:
            if old is None:
                os.environ.pop("HIPCOURSE_PROGRESS_DIR", None)
            else:
                os.environ["HIPCOURSE_PROGRESS_DIR"] = old


# ------------------------------------------------------------------------------------------------ kernels
def _execute(nb, *, record_timing: bool = False):
    """Execute a copy of a notebook object with nbclient (cwd ``notebooks/``); return (seconds, executed copy)."""
    import nbformat
    from nbclient import NotebookClient

    copy = nbformat.from_dict(json.loads(json.dumps(nb)))  # executing mutates the notebook
    copy.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                   "language": "python"}
    client = NotebookClient(copy, timeout=600, kernel_name="python3", record_timing=record_timing,
                            store_widget_state=True, resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.perf_counter()
    # The kernel process's own stderr (jupyter_client's "running over TCP" notice) would flood the table;
    # cell errors and warnings still arrive as outputs and make execute() raise.
    client.execute(stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, copy


def _execute_seconds(nb) -> float:
    """Seconds to execute a notebook object, kernel start to shutdown."""
    return _execute(nb)[0]


def _cell_seconds(cell) -> float | None:
    from datetime import datetime

    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    return (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()


def profile_cells(paths, *, top: int = 5) -> dict:
    """Where each lesson's time goes: kernel time outside cells, and its ``top`` slowest cells.

    Not a target, a diagnosis: run it when a lesson misses its ratio (``--only cells``).
    """
    import nbformat

    out = {}
    with temporary_progress_dir():
        for path in paths:
            seconds, executed = _execute(nbformat.read(path, as_version=4), record_timing=True)
            cells = [(t, i, (c.source.splitlines() or [""])[0][:60]) for i, c in enumerate(executed.cells)
                     if c.cell_type == "code" and (t := _cell_seconds(c)) is not None]
            out[path.name] = {"seconds": seconds, "cells_seconds": sum(t for t, _, _ in cells),
                              "slowest": [{"cell": i, "ms": t * 1000, "source": src}
                                          for t, i, src in sorted(cells, reverse=True)[:top]]}
    return out


def bench_lessons(paths, *, runs: int) -> dict:
    """Lesson vs floor execution, interleaved; ``{lesson: {seconds, floor_seconds, ratio}}``."""
    import nbformat

    floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in FLOOR_CELLS])
    lessons = {p.name: nbformat.read(p, as_version=4) for p in paths}
    floor_times, times = [], {name: [] for name in lessons}
    with temporary_progress_dir():
        _execute_seconds(floor)  # warm the disk cache and matplotlib's font cache; not counted
        for _ in range(runs):
            for name, nb in lessons.items():
                floor_times.append(_execute_seconds(floor))
                times[name].append(_execute_seconds(nb))
    floor_median = statistics.median(floor_times)
    return {"floor_seconds": floor_median, "floor_runs": floor_times,
            "lessons": {name: {"seconds": statistics.median(t), "runs": t,
                               "ratio": statistics.median(t) / floor_median} for name, t in times.items()}}


def bench_nbval() -> dict:
    """One strict nbval run over ``notebooks/`` with the repository's pytest.ini; wall seconds and outcome."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "notebooks", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    tail = done.stdout.strip().splitlines()[-1:] or [""]
    return {"seconds": seconds, "exit_code": done.returncode, "summary": tail[0]}


# ------------------------------------------------------------------------------------------------ in-process
_IMPORT_PROBE = r"""
import sys, time
sys.path.insert(0, {notebooks!r})
import matplotlib.pyplot, ipywidgets   # the floor: not counted
start = time.perf_counter()
exec(compile({source!r}, "<import cell>", "exec"), {{}})
print(time.perf_counter() - start)
"""


def _import_cell(path: Path) -> str | None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and "import" in source:
            return source
    return None


def bench_import(paths, *, runs: int) -> dict:
    """Median seconds of each lesson's import cell in a fresh Python, after matplotlib.pyplot + ipywidgets."""
    out = {}
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    for path in paths:
        source = _import_cell(path)
        if source is None:
            continue
        probe = _IMPORT_PROBE.format(notebooks=str(NOTEBOOKS), source=source)
        samples = []
        for _ in range(runs):
            done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                                  cwd=NOTEBOOKS)
            if done.returncode != 0:
                raise RuntimeError(f"{path.name}: the import cell failed:\n{done.stderr[-1500:]}")
            samples.append(float(done.stdout.strip().splitlines()[-1]))
        out[path.name] = {"ms": statistics.median(samples) * 1000, "cell": source}
    return out


def _median_ms(function, *, runs: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def bench_atlas(*, runs: int) -> dict:
    """Median ms of ``draw_view(view)`` plus one Agg render, per view."""
    sys.path.insert(0, str(NOTEBOOKS))
    from hipcourse.figures import atlas
    from hipcourse.content.geometry import Body

    body = Body.reference()
    return {view: _median_ms(lambda v=view: atlas.draw_view(v, body=body).figure.canvas.draw(), runs=runs)
            for view in atlas.VIEWS}


def _first_question(kind: str):
    from hipcourse.learning.quiz import all_questions

    for bank, quiz_id, spec in all_questions():
        if spec["type"] == kind:
            return bank, quiz_id, spec
    return None


def bench_quiz(*, runs: int) -> dict:
    """Median ms from choosing an answer and pressing Check to the feedback (progress file written)."""
    sys.path.insert(0, str(NOTEBOOKS))
    from hipcourse.learning.progress import ProgressStore
    from hipcourse.learning.quiz import make_question

    found = _first_question("single")
    if found is None:
        return {}
    bank, quiz_id, spec = found
    with temporary_progress_dir() as folder:
        question = make_question(spec, bank=bank, quiz=quiz_id, store=ProgressStore(folder))
        options = [o["text"] for o in spec["options"]]

        def answer():
            question.try_again()
            question.choice.value = options[question.attempts % len(options)]
            question.check_button.click()
            assert question.feedback.value

        ms = _median_ms(answer, runs=max(runs, 20))
    return {"question": spec["id"], "ms": ms}


def bench_locate(*, runs: int) -> dict:
    """Median ms of a locate click: graded (with progress saved) and the figure redrawn with Agg."""
    sys.path.insert(0, str(NOTEBOOKS))
    from hipcourse.learning.progress import ProgressStore
    from hipcourse.learning.quiz import agg_canvas, make_question

    found = _first_question("locate")
    if found is None:
        return {}
    bank, quiz_id, spec = found
    with temporary_progress_dir() as folder:
        question = make_question(spec, bank=bank, quiz=quiz_id, store=ProgressStore(folder),
                                 canvas_factory=agg_canvas)
        tx, ty = question.target

        def click():
            # Alternate a near and a far click; each is graded and drawn, as in the notebook.
            offset = 4.0 if question.attempts % 2 else 0.2
            question.click(tx + offset, ty)
            question.figure.canvas.draw()

        ms = _median_ms(click, runs=max(runs, 10))
    return {"question": spec["id"], "ms": ms}


def bench_sizes(paths) -> dict:
    """File size of each notebook in MB."""
    return {p.name: p.stat().st_size / 1e6 for p in paths}


# ------------------------------------------------------------------------------------------------ report
def _row(what: str, value: str, target: str, ok: bool | None) -> str:
    flag = "" if ok is None else ("ok" if ok else "MISSED")
    return f"{what:56s} {value:>11s} {target:>8s}  {flag}"


def report(results: dict) -> tuple[list[str], bool]:
    """Lines of the table and whether every target was met."""
    lines = [_row("measure", "value", "target", None), "-" * 80]
    all_ok = True

    def add(what, value, target_key, fmt, unit):
        nonlocal all_ok
        target = TARGETS[target_key]
        ok = value <= target
        all_ok &= ok
        lines.append(_row(what, f"{value:{fmt}} {unit}", f"<= {target:g}", ok))

    if "lessons" in results:
        data = results["lessons"]
        lines.append(_row("floor notebook (kernel + mpl + 1 figure)", f"{data['floor_seconds']:.2f} s", "", None))
        for name, item in data["lessons"].items():
            add(f"{name} ({item['seconds']:.2f} s) / floor", item["ratio"], "lesson_ratio", ".2f", "x")
    if "nbval" in results:
        item = results["nbval"]
        add(f"strict nbval run (exit {item['exit_code']})", item["seconds"], "nbval_seconds", ".1f", "s")
        all_ok &= item["exit_code"] == 0
    for name, item in results.get("import", {}).items():
        add(f"import cell beyond mpl: {name}", item["ms"], "import_ms", ".0f", "ms")
    for view, ms in results.get("atlas", {}).items():
        add(f"atlas draw_view + render: {view}", ms, "atlas_view_ms", ".0f", "ms")
    if results.get("quiz"):
        add(f"quiz answer -> feedback ({results['quiz']['question']})", results["quiz"]["ms"],
            "quiz_feedback_ms", ".1f", "ms")
    if results.get("locate"):
        add(f"locate click graded + redrawn ({results['locate']['question']})", results["locate"]["ms"],
            "locate_click_ms", ".0f", "ms")
    for name, mb in results.get("sizes", {}).items():
        add(f"file size: {name}", mb, "notebook_mb", ".2f", "MB")
    for name, item in results.get("cells", {}).items():
        outside = item["seconds"] - item["cells_seconds"]
        lines.append(f"\n{name}: {item['seconds']:.2f} s = {item['cells_seconds']:.2f} s in cells + "
                     f"{outside:.2f} s kernel start, messages and shutdown; slowest cells:")
        lines += [f"  {cell['ms']:7.0f} ms  cell {cell['cell']:2d}  {cell['source']}" for cell in item["slowest"]]
    return lines, all_ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the course (table + build/benchmark.json).")
    parser.add_argument("--runs", type=int, default=3, help="runs per measure; medians are reported (default 3)")
    parser.add_argument("--only", nargs="+", choices=[*SECTIONS, "micro"], help="measure only these sections")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], help="leave these sections out")
    parser.add_argument("--lessons", nargs="+", help="lesson file names to time (default: all NN_*.ipynb)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"JSON file (default {OUTPUT.relative_to(ROOT)})")
    parser.add_argument("--figure-cache", choices=("read", "off"), default="read",
                        help="'read' (default): kernels use images/figure-cache/ as a learner's kernel does; "
                             "'off': every figure is drawn (the cold path, for comparison)")
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    wanted = set(SECTIONS)
    if options.only:
        wanted = set()
        for name in options.only:
            wanted |= set(MICRO) if name == "micro" else {name}
    wanted -= set(options.skip)
    paths = lesson_paths()
    if options.lessons:
        paths = [p for p in paths if p.name in set(options.lessons)]
        unknown = set(options.lessons) - {p.name for p in paths}
        if unknown:
            parser.error(f"no such lesson notebook(s): {', '.join(sorted(unknown))}")
    os.environ.pop("MPLBACKEND", None)  # the course never sets it; kernels must draw as in JupyterLab
    os.environ["HIPCOURSE_FIGURE_CACHE"] = options.figure_cache  # inherited by kernels and the nbval run
    compile_course_package()

    results: dict = {"figure_cache": options.figure_cache,
                     "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                 "platform": platform.platform(),
                                 # other work on the machine inflates every timing: record how busy it was
                                 "load_average_start": os.getloadavg() if hasattr(os, "getloadavg") else None},
                     "runs": options.runs, "targets": TARGETS}
    steps = [("sizes", lambda: bench_sizes(paths)), ("import", lambda: bench_import(paths, runs=options.runs)),
             ("atlas", lambda: bench_atlas(runs=max(options.runs, 5))), ("quiz", lambda: bench_quiz(runs=options.runs)),
             ("locate", lambda: bench_locate(runs=options.runs)),
             ("lessons", lambda: bench_lessons(paths, runs=options.runs)), ("nbval", bench_nbval),
             ("cells", lambda: profile_cells(paths))]
    for name, step in steps:
        if name in wanted:
            print(f"benchmark: {name} ...", file=sys.stderr, flush=True)
            results[name] = step()
    if hasattr(os, "getloadavg"):
        results["machine"]["load_average_end"] = os.getloadavg()
    lines, all_ok = report(results)
    print("\n".join(lines))
    if hasattr(os, "getloadavg"):
        print(f"\nload average (1 min) at start {results['machine']['load_average_start'][0]:.1f}, at end "
              f"{results['machine']['load_average_end'][0]:.1f} on {os.cpu_count()} CPUs: a busy machine makes "
              "every timing slower")
    results["all_targets_met"] = all_ok
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nwritten: {options.output}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
