"""Time drawing each atlas view with all layers (median of several runs); budget 150 ms per view.

Usage (from the repository root): .venv/bin/python tools/benchmark_atlas.py [--runs 7]

What is timed ("draw"): ``draw_view(view)`` (building the figure: anatomy layers, markers, label placement,
legends) plus one Agg render of the figure, i.e. what a notebook pays before the PNG is encoded.  PNG encoding
is reported separately.  Each view is reported twice:

* cold: the render caches are cleared before every run (a view drawn for the first time in a session; the
  outline data and fonts are already loaded);
* warm: the same view drawn again (another point, highlight or label set on the same anatomy reuses the
  anatomy pixels and the measured label sizes).

Both wall-clock and CPU time (``time.process_time``) are shown: on a shared 2-core machine the wall time
also counts waiting for the CPU.  The exit status is 1 if a warm wall-clock median is over budget.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))

BUDGET_S = 0.150


def _time_draw(atlas, view, body, *, runs: int, cold: bool):
    walls, cpus, encode = [], [], []
    for _ in range(runs):
        if cold:
            atlas.clear_render_cache()
        wall, cpu = time.perf_counter(), time.process_time()
        figure = atlas.draw_view(view, body=body)
        figure.figure.canvas.draw()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        middle = time.perf_counter()
        figure.png_bytes()  # reuses the render above: this is the PNG encoding only
        encode.append(time.perf_counter() - middle)
    return statistics.median(walls), statistics.median(cpus), statistics.median(encode)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per view (default 7)")
    options = parser.parse_args(argv)
    from hipcourse.figures import atlas
    from hipcourse.content.geometry import Body

    body = Body.reference()
    status = 0
    for view in atlas.VIEWS:
        atlas.draw_view(view, body=body).figure.canvas.draw()  # load outline data and fonts once
        for label, cold in (("cold", True), ("warm", False)):
            wall, cpu, png = _time_draw(atlas, view, body, runs=options.runs, cold=cold)
            flag = ""
            if not cold:
                flag = "ok" if wall <= BUDGET_S else "OVER BUDGET"
                status |= wall > BUDGET_S
            print(f"{view:10s} {label}  draw {wall * 1000:6.1f} ms wall {cpu * 1000:6.1f} ms cpu   "
                  f"png encode {png * 1000:6.1f} ms  {flag}")
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
