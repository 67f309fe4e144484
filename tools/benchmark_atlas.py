"""Time drawing each atlas view with all layers (median of several runs); budget 150 ms per view.

Usage (from the repository root): .venv/bin/python tools/benchmark_atlas.py [--runs 7]
"Drawing" = draw_view() plus one Agg render of the figure (what a notebook pays before PNG encoding).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))

BUDGET_S = 0.150


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per view (default 7)")
    options = parser.parse_args(argv)
    from hipcourse import atlas
    from hipcourse.geometry import Body

    body = Body.reference()
    status = 0
    for view in atlas.VIEWS:
        atlas.draw_view(view, body=body).figure.canvas.draw()  # warm caches (outline data, fonts)
        times, encode = [], []
        for _ in range(options.runs):
            start = time.perf_counter()
            figure = atlas.draw_view(view, body=body)
            figure.figure.canvas.draw()
            middle = time.perf_counter()
            figure.png_bytes()
            times.append(middle - start)
            encode.append(time.perf_counter() - middle)
        median = statistics.median(times)
        flag = "ok" if median <= BUDGET_S else "OVER BUDGET"
        status |= median > BUDGET_S
        print(f"{view:10s} draw+render {median * 1000:6.1f} ms   png {statistics.median(encode) * 1000:6.1f} ms  {flag}")
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
