"""A quiz can be answered with the keyboard alone: Tab to the answer, Space to choose, Tab to Check, Enter to
submit, and the feedback appears. No mouse event is used after the starting point is set.

The starting point is the question's prompt (focused from script, as a screen reader's reading position would
be); from there only key presses are sent.
"""

from __future__ import annotations

from lessonpage import LessonPage, feedback_text, first_of_type, reset_question


def _focused(page) -> dict:
    return page.evaluate("""() => {
        const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), type: e.type || '', text: (e.textContent || '').trim(),
                index: e.type === 'radio' ? Number(e.value) : -1, checked: !!e.checked};
    }""")


def _tab_until(page, wanted, *, what: str, limit: int = 12) -> list[dict]:
    """Press Tab until ``wanted(focused)`` holds; return the elements passed. Fails after ``limit`` presses."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return passed
        passed.append(focused)
    raise AssertionError(f"{limit} presses of Tab did not reach {what}; focus went through {passed}")


def _answer_with_keyboard(page, question, spec) -> None:
    """Tab to the right option, Space to choose it, Tab to Check, Enter (no mouse after the start)."""
    question.locator(".quiz-prompt").evaluate("e => { e.tabIndex = -1; e.focus(); }")
    if spec["type"] == "truefalse":
        wanted = "True" if spec["answer"] else "False"
        _tab_until(page, lambda f: f["tag"] == "button" and f["text"] == wanted, what=f"the '{wanted}' button")
    else:
        # ipywidgets renders each option as its own <input type=radio> without a shared name, so every
        # option is a Tab stop and Space selects it (arrow keys do not move between them).
        index = next(i for i, o in enumerate(spec["options"]) if o.get("correct"))
        _tab_until(page, lambda f: f["type"] == "radio" and f["index"] == index, what=f"option {index + 1}")
    page.keyboard.press("Space")
    focused = _focused(page)
    assert focused["type"] != "radio" or focused["checked"], f"Space did not select the option: {focused}"
    _tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Check", what="the Check button")
    page.keyboard.press("Enter")


def test_quiz_answered_with_keyboard_only(lesson: LessonPage):
    """Answer a question right with Tab, Space and Enter only; the feedback says "Correct"."""
    found = first_of_type(lesson, last=True)
    assert found is not None, f"{lesson.name}: no single-choice or true/false question to answer"
    _bank, _quiz, spec = found
    question = lesson.question(spec["id"])
    question.scroll_into_view_if_needed()
    reset_question(question)
    _answer_with_keyboard(lesson.page, question, spec)
    feedback_text(question, contains="Correct")
