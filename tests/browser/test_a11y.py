"""Accessibility audit of the course in JupyterLab with axe-core (WCAG 2.0/2.1 A and AA rules).

Only the course's own content is asserted: rendered markdown and the output areas (figures, tables, quiz and
explorer widgets). JupyterLab's own interface ("chrome") is audited too, but reported separately in
``build/a11y/<lesson>.json`` and never counted: the course cannot fix it. The handouts HTML (``python -m
hipcourse handouts``) is audited as a whole page when the package has that command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lessonpage import NOTEBOOKS, LessonPage, first_of_type

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CONTENT = [f"{PANEL} .jp-OutputArea-output", f"{PANEL} .jp-MarkdownCell .jp-RenderedMarkdown"]

_RUN_AXE = """async ([context, tags]) => {
    const result = await axe.run(context === 'document' ? document : context, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 300),
                                  summary: (n.failureSummary || '').slice(0, 400)}))}));
}"""


def run_axe(page, axe_script: Path, context) -> list[dict]:
    """Inject axe-core (from a local file: no network) and return the violations in ``context``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    return page.evaluate(_RUN_AXE, [context, TAGS])


def _summary(violations) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}, {len(v['nodes'])} node(s)): {v['help']}")
        lines += [f"    {n['target']}: {n['html'][:160]}" for n in v["nodes"][:3]]
    return "\n".join(lines)


def _reveal_one_feedback(lesson: LessonPage) -> None:
    """Show the answer of a question nobody else answers, so the feedback markup is audited too."""
    used = {found[2]["id"] for found in (first_of_type(lesson), first_of_type(lesson, last=True)) if found}
    for _bank, _quiz, specs in lesson.quizzes():
        for spec in specs:
            if spec["id"] not in used and spec["type"] != "locate":
                question = lesson.question(spec["id"])
                question.get_by_role("button", name="Show answer", exact=True).click()
                question.locator(".quiz-feedback").first.wait_for(timeout=20_000)
                return


def test_course_content_has_no_serious_violations(lesson: LessonPage, axe_script, report_dir):
    """axe-core finds no serious or critical WCAG A/AA problem in the lesson's markdown and outputs."""
    _reveal_one_feedback(lesson)
    content = run_axe(lesson.page, axe_script, {"include": CONTENT})
    chrome = run_axe(lesson.page, axe_script, {"include": [["body"]], "exclude": CONTENT})
    report = {"lesson": lesson.name, "tags": TAGS, "course_content": content, "jupyterlab_chrome": chrome}
    (report_dir / f"{lesson.stem}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    blocking = [v for v in content if v["impact"] in BLOCKING]
    assert not blocking, (f"{lesson.name}: serious/critical accessibility problems in course content "
                          f"(details in build/a11y/{lesson.stem}.json):\n{_summary(blocking)}")


def test_every_figure_has_alt_text(lesson: LessonPage):
    """Every image in the outputs has a non-empty alt; every interactive diagram has a text description."""
    panel = lesson.panel()
    missing = panel.locator(".jp-OutputArea-output img").evaluate_all(
        "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.outerHTML.slice(0, 120))")
    assert missing == [], f"{lesson.name}: images without alt text: {missing}"
    undescribed = panel.locator(".jp-OutputArea-output .jupyter-matplotlib").evaluate_all(
        """figs => figs.filter(f => {
            const question = f.closest('.quiz-question');
            const text = question && question.querySelector('.quiz-alt');
            return !(f.getAttribute('aria-label') || (text && text.textContent.trim()));
        }).length""")
    assert undescribed == 0, f"{lesson.name}: {undescribed} interactive figure(s) without a text description"
    # The stored notebook must carry the same: an image output always comes with an <img alt> HTML form.
    cells = json.loads((lesson.lab.root_dir / "notebooks" / lesson.name).read_text(encoding="utf-8"))["cells"]
    for number, cell in enumerate(cells, start=1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data or "image/svg+xml" in data:
                html = "".join(data.get("text/html", ""))
                assert 'alt="' in html and 'alt=""' not in html, (
                    f"{lesson.name}: cell {number}: an image output without an <img alt> text/html form")


def _handouts_available() -> bool:
    return (NOTEBOOKS / "hipcourse" / "instructor" / "handouts.py").exists()


if _handouts_available():  # defined only when the package has the command (no skipped test otherwise)

    def test_handouts_html_is_accessible(browser, course_copy, axe_script, tmp_path, report_dir):
        """``python -m hipcourse handouts`` writes HTML with no serious/critical axe problem and alt on images."""
        out = tmp_path / "handouts"
        out.mkdir()
        help_text = subprocess.run([sys.executable, "-m", "hipcourse", "handouts", "--help"],
                                   cwd=course_copy / "notebooks", capture_output=True, text=True).stdout
        option = next((o for o in ("--output-dir", "--out-dir", "--output", "--out") if o in help_text), None)
        command = [sys.executable, "-m", "hipcourse", "handouts"] + ([option, str(out)] if option else [])
        before = set(course_copy.rglob("*.html"))
        done = subprocess.run(command, cwd=course_copy / "notebooks", capture_output=True, text=True)
        assert done.returncode == 0, f"`{' '.join(command[1:])}` failed:\n{done.stderr[-2000:]}"
        pages = sorted(out.rglob("*.html")) or sorted(set(course_copy.rglob("*.html")) - before)
        assert pages, f"`{' '.join(command[1:])}` wrote no HTML file"
        context = browser.new_context()
        try:
            findings = {}
            for page_path in pages:
                page = context.new_page()
                page.goto(page_path.as_uri())
                violations = run_axe(page, axe_script, "document")
                findings[page_path.name] = violations
                no_alt = page.locator("img").evaluate_all(
                    "imgs => imgs.filter(i => !(i.getAttribute('alt') || '').trim()).length")
                assert no_alt == 0, f"{page_path.name}: {no_alt} image(s) without alt text"
                page.close()
        finally:
            context.close()
        (report_dir / "handouts.json").write_text(json.dumps(findings, indent=1), encoding="utf-8")
        blocking = {name: [v for v in found if v["impact"] in BLOCKING] for name, found in findings.items()}
        blocking = {name: found for name, found in blocking.items() if found}
        assert not blocking, "serious/critical problems in the handouts:\n" + "\n".join(
            f"{name}:\n{_summary(found)}" for name, found in blocking.items())


def test_axe_finds_a_known_problem(browser, axe_script):
    """The audit itself works: an image without alt and unlabelled input are reported as violations."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content('<main><h1>t</h1><img src="data:image/png;base64,iVBORw0KGgo="><input type="text">'
                         "</main>")
        found = {v["id"] for v in run_axe(page, axe_script, "document")}
    finally:
        context.close()
    assert {"image-alt", "label"} <= found, found

