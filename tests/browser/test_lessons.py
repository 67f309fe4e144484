"""Every lesson in a real browser: it runs without errors, its quizzes and locate diagrams answer clicks, and it
fetches nothing from outside the machine. Screenshots go to ``build/screenshots/`` (one set per lesson).

The ``lesson`` fixture (conftest.py) has already opened the notebook in JupyterLab and run all its cells.
"""

from __future__ import annotations

import json
import re

from lessonpage import VIEWPORT, LessonPage, feedback_text, first_of_type, notebook_problems, reset_question

# Text JupyterLab or ipywidgets show instead of a widget when its model or renderer is broken.
_BROKEN_WIDGET = ("Error displaying widget", "Model not found", "Failed to load model class")


def test_lesson_runs_without_errors(lesson: LessonPage):
    """Run-all leaves no error output, no stderr and no broken widget; every code cell has run."""
    problems = notebook_problems(lesson.page)
    assert problems == [], f"{lesson.name}: outputs with errors or stderr in the browser:\n" + "\n".join(problems)
    text = lesson.panel().inner_text()
    broken = [marker for marker in _BROKEN_WIDGET if marker in text]
    assert not broken, f"{lesson.name}: a widget failed to render ({', '.join(broken)})"
    assert not lesson.page_errors, f"{lesson.name}: uncaught JavaScript errors: {lesson.page_errors[:5]}"


def _option_control(question, spec, text):
    if spec["type"] == "truefalse":
        return question.get_by_role("button", name=text, exact=True)
    return question.get_by_role("radio", name=text, exact=True)


def _right_and_wrong(spec) -> tuple[str, str]:
    if spec["type"] == "truefalse":
        right = "True" if spec["answer"] else "False"
        return right, "False" if spec["answer"] else "True"
    right = next(o["text"] for o in spec["options"] if o.get("correct"))
    wrong = next(o["text"] for o in spec["options"] if not o.get("correct"))
    return right, wrong


def test_quiz_answers_wrong_then_right(lesson: LessonPage):
    """Click a wrong answer and Check: "Not quite" with that option's explanation; then the right one: "Correct"."""
    found = first_of_type(lesson)
    assert found is not None, f"{lesson.name}: no single-choice or true/false question to answer"
    bank, quiz_id, spec = found
    question = lesson.question(spec["id"])
    question.scroll_into_view_if_needed()
    reset_question(question)
    right, wrong = _right_and_wrong(spec)

    _option_control(question, spec, wrong).click()
    question.get_by_role("button", name="Check", exact=True).click()
    text = feedback_text(question, contains="Not quite")
    if spec["type"] == "single":
        explanation = next(o["explanation"] for o in spec["options"] if o["text"] == wrong)
        assert " ".join(explanation.split())[:40] in " ".join(text.split()), text

    attempts = int(re.search(r"Attempts: (\d+)", text).group(1))

    question.get_by_role("button", name="Try again", exact=True).click()
    _option_control(question, spec, right).click()
    question.get_by_role("button", name="Check", exact=True).click()
    text = feedback_text(question, contains="Correct")
    assert f"Attempts: {attempts + 1}" in text, text
    question.screenshot(path=str(_shot_dir() / f"{lesson.stem}-quiz-{spec['id']}.png"))


def _shot_dir():
    from lessonpage import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _canvas_fraction(locate, xy) -> tuple[float, float]:
    """Where data point ``xy`` (cm) lies on the figure, as fractions of its width and height from the top left."""
    figure = locate.figure
    figure.canvas.draw()  # finalise the axes' aspect-ratio adjustment before using the transform
    px, py = locate.ax.transData.transform(xy)
    return px / figure.bbox.width, 1.0 - py / figure.bbox.height


def _click_canvas(page, canvas, fraction) -> None:
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + fraction[0] * box["width"], box["y"] + fraction[1] * box["height"])


def _a_wrong_spot(locate):
    """A point inside the axes clearly outside the tolerance (toward the middle of the diagram)."""
    (xmin, xmax), (ymin, ymax) = sorted(locate.ax.get_xlim()), sorted(locate.ax.get_ylim())
    tx, ty = locate.target
    for fx, fy in ((0.5, 0.5), (0.3, 0.5), (0.7, 0.5), (0.5, 0.3), (0.5, 0.7)):
        spot = (xmin + fx * (xmax - xmin), ymin + fy * (ymax - ymin))
        if locate._offset(spot)[0] > 2 * locate.tolerance:
            return spot
    raise AssertionError(f"no clearly wrong spot found for {locate.qid} near {tx, ty}")


def test_locate_questions_grade_clicks(lesson: LessonPage, monkeypatch):
    """Click on each locate diagram (ipympl canvas): a click on the target is "Correct", a far one "Not quite".

    In lessons without locate questions this checks that there is no interactive canvas that nobody grades.
    """
    from hipcourse.learning.quiz import agg_canvas, make_question

    # Build the questions from the served copy's data, exactly as the kernel did.
    monkeypatch.setenv("HIPCOURSE_DATA_DIR", str(lesson.lab.root_dir / "data"))

    specs = [spec for _bank, _quiz, questions in lesson.quizzes() for spec in questions if spec["type"] == "locate"]
    canvases = lesson.panel().locator(".jupyter-matplotlib-canvas-div")
    located = lesson.panel().locator(".quiz-question .jupyter-matplotlib-canvas-div")
    assert canvases.count() == located.count(), (
        f"{lesson.name}: {canvases.count() - located.count()} interactive figure(s) outside any locate question")
    assert located.count() == len(specs), (
        f"{lesson.name}: {len(specs)} locate question(s) in the banks but {located.count()} canvas(es) on the page")
    for spec in specs:
        # The same question built in this process (Agg canvas) gives the figure layout and the target.
        locate = make_question(spec, canvas_factory=agg_canvas)
        question = lesson.question(spec["id"])
        canvas = question.locator(".jupyter-matplotlib-canvas-div canvas").last  # the top canvas takes events
        _click_canvas(lesson.page, canvas, _canvas_fraction(locate, _a_wrong_spot(locate)))
        text = feedback_text(question, contains="Not quite")
        assert "Your click is" in text and "cun" in text, text
        _click_canvas(lesson.page, canvas, _canvas_fraction(locate, locate.target))
        text = feedback_text(question, contains="Correct")
        assert f"cun from {locate.code}" in text, text
        _whole_element_screenshot(lesson.page, question, _shot_dir() / f"{lesson.stem}-locate-{spec['id']}.png")


def _whole_element_screenshot(page, element, path) -> None:
    """Screenshot ``element`` whole: the viewport is made tall enough for it, then restored."""
    height = element.evaluate("e => e.getBoundingClientRect().height")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(min(max(height + 300, VIEWPORT["height"]),
                                                                           8000))})
    page.wait_for_timeout(1000)  # ipympl sends the redrawn image after the grade; let it arrive and paint
    element.scroll_into_view_if_needed()
    element.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)


def test_screenshots_and_nothing_fetched_offsite(lesson: LessonPage):
    """Save the whole lesson as screenshots (tiles down the notebook); assert no request left the machine."""
    page = lesson.page
    shots = _shot_dir()
    for old in shots.glob(f"{lesson.stem}-page-*.png"):
        old.unlink()
    tile = 2400
    page.set_viewport_size({"width": VIEWPORT["width"], "height": tile})
    scroller = lesson.panel().locator(".jp-WindowedPanel-outer").first
    total, visible = scroller.evaluate("e => [e.scrollHeight, e.clientHeight]")
    index, top, previous = 0, 0, -1
    while top < total and index < 40:
        reached = scroller.evaluate("(e, y) => { e.scrollTop = y; return e.scrollTop; }", top)
        if reached == previous:  # the last tile already showed the end of the notebook
            break
        previous = reached
        page.wait_for_timeout(150)  # let ipympl canvases repaint after the scroll
        index += 1
        page.screenshot(path=str(shots / f"{lesson.stem}-page-{index:02d}.png"))
        top += max(visible - 80, 200)  # a little overlap so no line is cut in half between tiles
    page.set_viewport_size(VIEWPORT)
    assert index >= 1
    assert lesson.offsite == [], f"{lesson.name}: the browser fetched addresses outside the machine: {lesson.offsite}"


def _stored_cells(lesson: LessonPage) -> list[dict]:
    return json.loads((lesson.lab.root_dir / "notebooks" / lesson.name).read_text(encoding="utf-8"))["cells"]


def test_code_is_collapsed_and_citations_are_numbered(lesson: LessonPage):
    """Code that only draws or shows a widget is collapsed; prose shows numbers that jump to the References."""
    cells = _stored_cells(lesson)
    hidden = sum(1 for c in cells if c["cell_type"] == "code" and c["metadata"].get("jupyter", {}).get("source_hidden"))
    assert hidden == sum(1 for c in cells if c["cell_type"] == "code"), f"{lesson.name}: not every code cell collapsed"
    panel = lesson.panel()
    # JupyterLab shows a collapsed input as a placeholder ("…" bar) instead of the editor.
    placeholders = panel.locator(".jp-CodeCell .jp-InputPlaceholder")
    assert placeholders.count() == hidden, f"{lesson.name}: {placeholders.count()} collapsed inputs shown, {hidden} stored"
    editors = panel.locator(".jp-CodeCell .jp-InputArea-editor:visible")
    assert editors.count() == 0, f"{lesson.name}: {editors.count()} code editors visible"

    links = panel.locator('.jp-MarkdownOutput sup a[href^="#ref-"]')
    assert links.count() > 0, f"{lesson.name}: no numbered citation in the rendered prose"
    first = links.first
    assert re.fullmatch(r"\d+", first.inner_text().strip()), first.inner_text()
    target = first.get_attribute("href")[1:]
    # JupyterLab renames a rendered id to data-jupyter-id (ids must stay unique in the page) and resolves
    # "#..." links against it; Voila and nbconvert keep the id.
    anchor = panel.locator(f'[id="{target}"], [data-jupyter-id="{target}"]')
    assert anchor.count() == 1, f"{lesson.name}: the References list has no anchor {target!r}"
    first.click()
    anchor.wait_for(state="attached")
    lesson.page.wait_for_timeout(300)
    box, view = anchor.bounding_box(), lesson.page.viewport_size
    assert box is not None and 0 <= box["y"] <= view["height"], f"{lesson.name}: clicking {target} did not scroll there"
    # no raw key anywhere in the rendered lesson text
    keys = [k for k in re.findall(r"ref-([A-Za-z0-9.-]+)", target)]
    assert not any(f"[{k}]" in panel.inner_text() for k in keys)
