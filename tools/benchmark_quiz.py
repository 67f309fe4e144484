"""Time the quiz hot paths and print medians (budgets: answer -> feedback <= 20 ms, locate click <= 100 ms).

Usage (from the repository root)::

    .venv/bin/python tools/benchmark_quiz.py [--repeat 30]

* ``answer -> feedback``: set an answer, click Check (grading, feedback HTML, one locked + fsynced write of the
  progress file with 200 earlier records in it), then Try again.
* ``locate click``: a simulated mouse click on the diagram, graded, marker moved, and the figure fully
  re-rendered with Agg (what ipympl's ``draw_idle`` does in the kernel before sending the image), with the
  construction steps that appear after three misses.

It uses the real course data (``Body.reference()``, ``atlas.draw_view``) when they load, otherwise the test
doubles of ``tests/fixtures/quiz_fakes.py`` (said in the output). Progress goes to a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm up (imports, caches, first draw)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _locate_question(store):
    from hipcourse.learning.quiz import agg_canvas, load_bank, make_question

    try:
        from hipcourse.figures.atlas import draw_view
        from hipcourse.content.geometry import Body

        body = Body.reference()
        figure = draw_view("posterior", layers=["outline", "bones", "landmarks"], points=(), labels=False,
                           body=body)
        spec = {"id": "bench-gb30", "type": "locate", "prompt": "Click where GB30 lies.", "point": "GB30",
                "view": "posterior", "tolerance_cun": 1.0, "explanation": "benchmark"}
        source = "real course data (Body.reference, atlas.draw_view)"
    except Exception as exc:  # data still being written: fall back to the test doubles
        from quiz_fakes import FIXTURE_DATA, FakeBody, make_figure

        body, figure = FakeBody(), make_figure()
        spec = next(q for quiz in load_bank("lesson90", data_dir=FIXTURE_DATA)["quizzes"]
                    for q in quiz["questions"] if q["id"] == "fx-locate")
        source = f"test doubles (real data not loadable: {type(exc).__name__})"
    q = make_question(spec, store=store, body=body, figure=figure, canvas_factory=agg_canvas)
    return q, source


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per measurement (default 30)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HIPCOURSE_PROGRESS_DIR"] = tmp
        from matplotlib.backend_bases import MouseEvent

        from hipcourse.learning.progress import ProgressStore
        from hipcourse.learning.quiz import make_question

        store = ProgressStore(tmp)
        for n in range(200):  # a learner well into the course
            store.record_answer(f"earlier-{n}", answer="x", correct=n % 3 == 0)

        single = make_question({"id": "bench-single", "type": "single", "prompt": "Which?", "options": [
            {"text": "A", "correct": True, "explanation": "a"}, {"text": "B", "explanation": "b"}]},
            bank="bench", quiz="bench", store=store)

        def answer_feedback():
            single.choice.value = "B"
            single.check_button.click()
            single.retry_button.click()

        answer_ms = _median_ms(answer_feedback, args.repeat)

        locate, source = _locate_question(store)
        fig, ax = locate.figure, locate.ax
        fig.canvas.draw()
        spots = [(3.0, 95.0), (12.0, 90.0), (8.0, 100.0)]
        counter = iter(range(10**9))

        def locate_click():
            # FigureCanvasAgg.draw_idle renders at once, so this includes the full redraw of the figure.
            x, y = spots[next(counter) % len(spots)]
            px, py = ax.transData.transform((x, y))
            MouseEvent("button_press_event", fig.canvas, px, py, button=1)._process()

        locate_ms = _median_ms(locate_click, args.repeat)

    print(f"answer -> feedback (incl. saved progress): median {answer_ms:6.1f} ms  (budget 20 ms)")
    print(f"locate click graded, saved, redrawn (Agg): median {locate_ms:6.1f} ms  (budget 100 ms)")
    print(f"locate figure: {source}; {args.repeat} runs each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
