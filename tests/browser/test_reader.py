"""Reader mode (``make reader``: the lessons served by Voila) in headless Chromium.

The ``reader`` fixture runs the Makefile's own ``reader`` recipe in the temporary copy of the course on a free
port, with ``HIPCOURSE_PROGRESS_DIR`` pointing at a temporary folder. One lesson with both a "Check yourself"
quiz and the locate practice (lesson 5) is opened once; the tests then check that no code reaches the page,
answer a quiz by clicking, click the ipympl diagram, and read the progress file the kernel wrote.
Screenshots: ``build/screenshots/reader-*.png``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from lessonpage import (CHROMIUM_ARGS, KERNEL_TIMEOUT_MS, SCREENSHOTS, VIEWPORT, feedback_text, lesson_quizzes,
                        reset_question)
from readerserver import ReaderServer

#: The lesson opened in reader mode: it has single-choice quizzes and the locate practice (ipympl diagrams).
LESSON = "05_locating_the_points.ipynb"

#: Voila 0.5.13's "lab" template (share/jupyter/voila/templates/lab/index.html.j2) links two Font Awesome
#: stylesheets from a CDN. The page does not need them (the same Font Awesome CSS is bundled in voila.js, and
#: without a network the links simply fail), but they are the only requests that leave the machine; anything
#: else fetched from outside is a course problem and fails the test.
VOILA_TEMPLATE_CDN = ("https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@",)

# What Voila or ipywidgets show instead of a lesson or a widget when something broke.
_BROKEN = ("There was an error when executing cell", "Error displaying widget", "Model not found",
           "Failed to load model class", "Traceback (most recent call last)")


@pytest.fixture(scope="module")
def progress_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("reader-progress")


@pytest.fixture(scope="module")
def reader(course_copy, progress_dir):
    """``make reader`` serving the course copy; progress goes to ``progress_dir``."""
    server = ReaderServer(course_copy, env={"HIPCOURSE_PROGRESS_DIR": str(progress_dir)})
    server.start()
    yield server
    server.stop()


class ReaderPage:
    """The lesson as the learner sees it in reader mode, plus what the browser recorded while loading it."""

    def __init__(self, page, server: ReaderServer, load_seconds: float, offsite: list, page_errors: list):
        self.page, self.server, self.load_seconds = page, server, load_seconds
        self.offsite, self.page_errors = offsite, page_errors

    def question(self, qid: str):
        return self.page.locator(f".quiz-question.quiz-{qid}").first

    def specs(self, kinds) -> list[tuple[str, str, dict]]:
        """``(bank, quiz id, spec)`` of the lesson's questions of ``kinds``, read from the served copy."""
        return [(bank, quiz_id, spec) for bank, quiz_id, specs in lesson_quizzes(LESSON, root=self.server.course_dir)
                for spec in specs if spec["type"] in kinds]


@pytest.fixture(scope="module")
def lesson_page(browser, reader):
    """The lesson opened once in reader mode (Voila runs every cell before it sends the page)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    offsite, page_errors = [], []
    local = (reader.address, reader.address.replace("http://", "ws://"), "data:", "blob:", "about:")
    page.on("request", lambda r: None if r.url.startswith(local) else offsite.append(r.url))
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    start = time.monotonic()
    page.goto(reader.url(f"voila/render/{LESSON}"), timeout=KERNEL_TIMEOUT_MS)
    try:
        page.wait_for_selector(".quiz-question", timeout=KERNEL_TIMEOUT_MS)
    except Exception as exc:
        raise AssertionError(f"reader mode: {LESSON} showed no quiz within {KERNEL_TIMEOUT_MS / 1000:.0f} s "
                             f"({exc.__class__.__name__}); page text starts {page.inner_text('body')[:500]!r}; "
                             f"make reader printed:\n{reader.log_tail(2000)}") from exc
    yield ReaderPage(page, reader, time.monotonic() - start, offsite, page_errors)
    context.close()


def _shot(name: str) -> str:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"reader-{name}.png")


def _progress_record(progress_dir: Path, qid: str, *, attempts: int, timeout: float = 15.0) -> dict:
    """The record of ``qid`` in ``progress.json`` once it has ``attempts`` answers (the kernel writes after the
    feedback appears, so wait for it); fail with the file's content if it does not arrive."""
    path = progress_dir / "progress.json"
    deadline = time.monotonic() + timeout
    data = None
    while time.monotonic() < deadline:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # not written yet, or caught between two writes of the atomic replace
            data = None
        record = (data or {}).get("questions", {}).get(qid)
        if record and record.get("attempts") == attempts:
            return record
        time.sleep(0.2)
    raise AssertionError(f"reader mode: {path} has no record of {qid!r} with {attempts} attempt(s) "
                         f"{timeout:.0f} s after the feedback; the file holds: {data!r}")


def test_make_reader_serves_loopback_with_token(reader):
    """The printed address is on 127.0.0.1 with a token; without the token Voila asks for a login."""
    import urllib.request

    assert reader.address == f"http://127.0.0.1:{reader.port}/", reader.log_tail(1000)
    with urllib.request.urlopen(reader.address, timeout=10) as answer:  # follows the redirect
        assert "/login" in answer.geturl(), f"reader mode answered without the token: {answer.geturl()}"
    listing = json.loads(urllib.request.urlopen(reader.url("voila/api/contents"), timeout=10).read())
    names = [item["name"] for item in listing["content"]]
    assert "00_start_here.ipynb" in names and LESSON in names, names
    assert "hipcourse" not in names, f"the helper package shows in the learners' list of lessons: {names}"


def _code_lines_on_page(page, notebook: Path) -> list[str]:
    """The lines of the notebook's code cells found on the page: in the markup (code sent but hidden) or in the
    visible text (an editor splits lines into styled spans). Prose that quotes code is not a code cell."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = [line for c in cells if c["cell_type"] == "code" for line in "".join(c["source"]).splitlines()
             if len(line.strip()) > 12]
    assert lines, f"{notebook.name} has no code cell"
    prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    html, text = page.content(), page.inner_text("body")
    return [line for line in lines if line.strip() not in prose and (line in html or line.strip() in text)]


def test_lesson_shows_no_code_and_no_error(lesson_page):
    """strip_sources is on: no code editor and no code text reach the page; every cell ran (no error shown)."""
    page = lesson_page.page
    shown = _code_lines_on_page(page, lesson_page.server.course_dir / "notebooks" / LESSON)
    assert not shown, f"reader mode sent code to the browser: {shown[:3]}"
    text = page.inner_text("body")
    editors = page.locator(".jp-InputArea-editor, .cm-editor, .CodeMirror, .jp-InputPrompt:visible")
    assert editors.count() == 0, f"{editors.count()} code editors or input prompts on the page"
    broken = [marker for marker in _BROKEN if marker in text]
    assert not broken, f"reader mode: {LESSON} shows {broken}; make reader printed:\n{lesson_page.server.log_tail()}"
    assert not lesson_page.page_errors, f"uncaught JavaScript errors: {lesson_page.page_errors[:5]}"
    page.screenshot(path=_shot("05-top"))


def test_figures_are_drawn_with_alt_text(lesson_page):
    """Every picture on the page has loaded and carries its alt text (reader mode renders the figures' HTML form)."""
    images = lesson_page.page.locator("#rendered_cells img").evaluate_all(
        "images => images.map(i => [i.alt || '', i.naturalWidth, i.naturalHeight])")
    assert images, f"{LESSON}: no figure in reader mode"
    broken = [i for i, (alt, width, height) in enumerate(images) if not alt.strip() or width < 50 or height < 50]
    assert not broken, f"{LESSON}: figures without alt text or not loaded in reader mode: {[images[i] for i in broken]}"


def test_start_notebook_opens_in_reader_mode(browser, reader):
    """The page README sends learners to first: it runs to the end, shows no code and no error."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(reader.url("voila/render/00_start_here.ipynb"), timeout=KERNEL_TIMEOUT_MS)
        page.wait_for_selector(".quiz-question", timeout=KERNEL_TIMEOUT_MS)
        text = page.inner_text("body")
        assert "Start here" in page.locator("h1").first.inner_text(), text[:300]
        broken = [marker for marker in _BROKEN if marker in text]
        assert not broken, f"reader mode: 00_start_here.ipynb shows {broken}; make reader printed:\n{reader.log_tail()}"
        shown = _code_lines_on_page(page, reader.course_dir / "notebooks" / "00_start_here.ipynb")
        assert not shown, f"reader mode sent code of the start notebook to the browser: {shown[:3]}"
        page.screenshot(path=_shot("00-top"))
    finally:
        context.close()


def test_links_to_other_lessons_stay_in_reader_mode(lesson_page):
    """A link to another lesson ("lesson 3") resolves to that lesson's reader page, not to a file download."""
    links = lesson_page.page.locator('a[href$=".ipynb"]')
    assert links.count() > 0, f"{LESSON} has no link to another lesson"
    render = f"{lesson_page.server.address}voila/render/"
    for href in links.evaluate_all("links => links.map(a => a.href)"):
        assert href.startswith(render), f"a lesson link leaves reader mode: {href}"
        target = lesson_page.server.course_dir / "notebooks" / href[len(render):].split("?")[0].split("#")[0]
        assert target.is_file(), f"a lesson link points at a missing notebook: {href}"


def test_quiz_answer_gives_feedback_and_is_saved(lesson_page, progress_dir):
    """Click a wrong option and Check: "Not quite" with that option's explanation, saved; then the right one."""
    singles = lesson_page.specs({"single"})
    assert singles, f"{LESSON} has no single-choice question"
    bank, quiz_id, spec = singles[0]
    question = lesson_page.question(spec["id"])
    question.scroll_into_view_if_needed()
    reset_question(question)
    wrong = next(o for o in spec["options"] if not o.get("correct"))
    right = next(o for o in spec["options"] if o.get("correct"))

    question.get_by_role("radio", name=wrong["text"], exact=True).click()
    question.get_by_role("button", name="Check", exact=True).click()
    text = " ".join(feedback_text(question, contains="Not quite").split())
    assert " ".join(wrong["explanation"].split())[:60] in text, f"the option's explanation is missing: {text!r}"
    record = _progress_record(progress_dir, spec["id"], attempts=1)
    assert record["answers"][-1] == wrong["text"] and record["correct"] is False, record
    assert (record["bank"], record["quiz"]) == (bank, quiz_id), record

    question.get_by_role("button", name="Try again", exact=True).click()
    question.get_by_role("radio", name=right["text"], exact=True).click()
    question.get_by_role("button", name="Check", exact=True).click()
    text = " ".join(feedback_text(question, contains="Correct").split())
    assert " ".join(right["explanation"].split())[:60] in text, f"the option's explanation is missing: {text!r}"
    record = _progress_record(progress_dir, spec["id"], attempts=2)
    assert record["answers"][-1] == right["text"] and record["correct"] is True, record
    question.screenshot(path=_shot(f"05-quiz-{spec['id']}"))


def _canvas_fraction(locate, xy) -> tuple[float, float]:
    """Where data point ``xy`` (cm) lies on the figure, as fractions of its width and height from the top left."""
    figure = locate.figure
    figure.canvas.draw()  # finalise the axes' aspect-ratio adjustment before using the transform
    px, py = locate.ax.transData.transform(xy)
    return px / figure.bbox.width, 1.0 - py / figure.bbox.height


def test_locate_practice_grades_a_click_on_the_diagram(lesson_page, progress_dir, monkeypatch):
    """The ipympl canvas renders in Voila; a click on the point is graded "Correct" and saved."""
    from hipcourse.learning.quiz import agg_canvas, make_question

    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(lesson_page.server.course_dir / "data"))
    locates = lesson_page.specs({"locate"})
    assert locates, f"{LESSON} has no locate question"
    canvases = lesson_page.page.locator(".quiz-question .jupyter-matplotlib-canvas-div")
    assert canvases.count() == len(locates), (
        f"{len(locates)} locate question(s) but {canvases.count()} ipympl canvas(es) in reader mode")
    _bank, _quiz, spec = locates[0]
    locate = make_question(spec, canvas_factory=agg_canvas)  # same figure and target, built in this process
    question = lesson_page.question(spec["id"])
    canvas = question.locator(".jupyter-matplotlib-canvas-div canvas").last  # the top canvas takes the events
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"the diagram is not drawn: {box}"
    fx, fy = _canvas_fraction(locate, locate.target)
    lesson_page.page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    text = feedback_text(question, contains="Correct")
    assert f"cun from {locate.code}" in text, text
    record = _progress_record(progress_dir, spec["id"], attempts=1)
    assert record["correct"] is True, record
    lesson_page.page.wait_for_timeout(1000)  # ipympl sends the redrawn picture (with the marker) after the grade
    question.screenshot(path=_shot(f"05-locate-{spec['id']}"))


def test_nothing_fetched_offsite_but_voilas_template_fonts(lesson_page):
    """Apart from the Voila template's Font Awesome links (see VOILA_TEMPLATE_CDN), nothing leaves the machine."""
    other = [url for url in lesson_page.offsite if not url.startswith(VOILA_TEMPLATE_CDN)]
    assert other == [], f"reader mode fetched addresses outside the machine: {other}"
