"""Printing handouts to PDF works where an asyncio loop is already running (a Jupyter kernel, or a test run
that keeps another playwright session open), which playwright's sync API refuses in that thread."""

import asyncio
import threading

from hipcourse.instructor.handouts import html_to_pdf


def test_pdf_printing_inside_a_running_event_loop(tmp_path):
    page = tmp_path / "card.html"
    page.write_text("<!doctype html><title>Card</title><h1>Red flags</h1>", encoding="utf-8")
    outcome = {}

    async def in_a_kernel_like_loop():
        return html_to_pdf([page])

    def thread_with_a_running_loop():
        # A thread of its own: the test process itself may already run a loop (the browser tests' playwright).
        try:
            outcome["pdfs"] = asyncio.run(in_a_kernel_like_loop())
        except BaseException as error:  # reported below, in the test's own thread
            outcome["error"] = error

    worker = threading.Thread(target=thread_with_a_running_loop)
    worker.start()
    worker.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    (pdf,) = outcome["pdfs"]
    assert pdf == page.with_suffix(".pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
