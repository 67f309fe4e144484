"""Printable handouts (hipcourse.instructor.handouts): self-contained pages, no quiz answers, alt text, one-page PDFs."""

import html
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import nbformat
import pytest

from hipcourse import cli
from hipcourse.instructor import handouts
from hipcourse.safety import triage as safety_triage
from hipcourse.learning.quiz import all_questions

CORE = ("GB30", "BL54", "SP12")


def _ensure_chromium():
    """PDF output is part of the contract: install Chromium like .ci/run does, or fail (never skip)."""
    if handouts.find_chromium() is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "chromium"], check=False, capture_output=True, timeout=600)
    assert handouts.find_chromium() is not None, "Chromium is missing: apt-get install chromium"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    _ensure_chromium()
    out = tmp_path_factory.mktemp("handouts")
    result = handouts.build_handouts(out, pdf=True)
    return out, result


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(path):
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags, " ".join(" ".join(parser.text).split())


def _pages(out):
    return sorted(out.glob("*.html"))


def test_every_lesson_chart_and_card_is_built(built):
    out, result = built
    names = {p.name for p in result.html}
    for notebook in handouts.lesson_notebooks():
        assert f"{notebook.stem}.html" in names
    assert {f"point-{code}.html" for code in CORE} <= names
    assert {"red-flag-card.html", "index.html"} <= names


def test_pages_are_self_contained(built):
    out, _ = built
    for page in _pages(out):
        tags, _ = _parse(page)
        for tag, attrs in tags:
            assert tag != "script", f"{page.name}: a <script> is left"
            for name in ("src", "href", "data", "poster", "srcset"):
                value = (attrs.get(name) or "").strip().lower()
                if value.startswith(("http://", "https://", "//")):
                    assert tag == "a" and name == "href", f"{page.name}: <{tag} {name}={value[:60]}> loads from the web"
        # Embedded images are base64 text in which any short string can appear by chance: leave them out.
        lowered = re.sub(r"data:[^\"')\s]+", "data:", page.read_text(encoding="utf-8")).lower()
        for needle in ("require.min.js", "mathjax.js", "latest.js?config", "html-manager", "unpkg.com",
                       "cdnjs", "cdn.jsdelivr"):
            assert needle not in lowered, f"{page.name}: {needle} is left in the page"


def test_no_quiz_answer_leaks_into_the_handouts(built):
    out, _ = built
    texts = {page.name: _parse(page)[1] for page in _pages(out)}
    secrets = []
    for _bank, _quiz, spec in all_questions():
        for option in spec.get("options", []):
            secrets.append(option["explanation"])
        for pair in spec.get("pairs", []):
            secrets.append(pair["explanation"])
        secrets += [spec[k] for k in ("explanation_true", "explanation_false", "explanation_correct",
                                      "explanation_low", "explanation_high", "explanation") if k in spec]
    for secret in secrets:
        flat = " ".join(str(secret).split())
        for name, text in texts.items():
            assert flat not in text, f"{name}: an answer explanation leaked: {flat[:70]}"
    for name, text in texts.items():
        assert "Correct." not in text and "Not quite." not in text, name


def test_quiz_cells_become_static_questions(built):
    out, _ = built
    for notebook in handouts.lesson_notebooks():
        nb = nbformat.read(notebook, as_version=4)
        calls = [handouts._quiz_call("".join(c.source)) for c in nb.cells if c.cell_type == "code"]
        calls = [c for c in calls if c]
        _, text = _parse(out / f"{notebook.stem}.html")
        for bank, quiz in calls:
            for qbank, qid, spec in all_questions(banks=[bank]):
                if qid == quiz:
                    assert " ".join(spec["prompt"].split()) in text, (notebook.name, spec["id"])
                    for option in spec.get("options", []):
                        assert " ".join(option["text"].split()) in text


def test_every_image_has_alt_text(built):
    out, _ = built
    count = 0
    for page in _pages(out):
        tags, _ = _parse(page)
        for tag, attrs in tags:
            if tag == "img":
                count += 1
                alt = (attrs.get("alt") or "").strip()
                assert alt and "no description has been provided" not in alt.lower(), page.name
    assert count >= len(CORE)  # at least the point-chart diagrams


def test_point_charts_have_diagram_steps_and_cautions(built):
    from hipcourse.content.data import load_course

    out, _ = built
    course = load_course()
    for code in CORE:
        tags, text = _parse(out / f"point-{code}.html")
        assert any(tag == "img" for tag, _ in tags)
        raw = course.points[code].raw
        for caution in raw["cautions"]:
            assert " ".join(caution.split()) in text
        assert "Traditionally used for" in text and "Step by step" in text


def test_red_flag_card_lists_every_warning_sign(built):
    out, _ = built
    _, text = _parse(out / "red-flag-card.html")
    for flag in safety_triage.red_flags():
        assert flag.name in text
        for feature in flag.features:
            assert " ".join(feature.question.split()) in text
    for rule in safety_triage.red_flag_combinations():
        assert rule.name in text
    for level in safety_triage.urgency_levels():
        assert level.name in text


def test_pdfs_are_printed_and_charts_fit_one_page(built):
    out, result = built
    assert {p.name for p in result.pdf} >= {f"point-{code}.pdf" for code in CORE} | {"red-flag-card.pdf"}
    for pdf in result.pdf:
        assert pdf.read_bytes()[:5] == b"%PDF-"
    # A point chart is one page; the red-flag card is one sheet printed on both sides (it says so).
    limits = {f"point-{code}.pdf": 1 for code in CORE} | {"red-flag-card.pdf": 2}
    for name, most in limits.items():
        pages = len(re.findall(rb"/Type\s*/Page\b", (out / name).read_bytes()))
        assert 1 <= pages <= most, f"{name} has {pages} pages"


def test_prepare_notebook_replaces_quizzes_widgets_and_bare_images():
    nb = nbformat.v4.new_notebook()
    quiz = nbformat.v4.new_code_cell('show_quiz("lesson00", "course")')
    quiz.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "ab" * 16, "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "Quiz: How the course works: run the cell to answer"})]
    widget = nbformat.v4.new_code_cell("explorer()")
    widget.outputs = [nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "cd" * 16, "version_major": 2,
                                                     "version_minor": 0},
        "text/plain": "Atlas explorer"})]
    image = nbformat.v4.new_code_cell("figure")
    image.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                                   "text/plain": "A drawing of <the hip>"})]
    nb.cells = [quiz, widget, image]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    ready = handouts.prepare_notebook(nb)
    assert "widgets" not in ready.metadata and "widgets" in nb.metadata  # the input is left alone
    assert "Where are your quiz answers kept?" in ready.cells[0].outputs[0]["data"]["text/html"]
    assert ready.cells[1].outputs[0]["data"]["text/html"] == (
        '<p class="note">Interactive in the notebook: Atlas explorer</p>')
    assert 'alt="A drawing of &lt;the hip&gt;"' in ready.cells[2].outputs[0]["data"]["text/html"]


def test_static_quiz_never_marks_the_right_option():
    page = handouts.static_quiz_html("lesson00", "course")
    assert "correct" not in page.lower() and "explanation" not in page.lower()
    with pytest.raises(ValueError, match="no quiz 'nope'"):
        handouts.static_quiz_html("lesson00", "nope")


def test_pdf_without_chromium_gives_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(handouts, "find_chromium", lambda: None)
    monkeypatch.setattr(handouts, "lesson_notebooks", lambda notebooks_dir=None: [])
    assert cli.main(["handouts", "--out", str(tmp_path), "--pdf"]) == 0
    assert "Chromium is not installed" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.pdf")) and (tmp_path / "red-flag-card.html").exists()
    with pytest.raises(handouts.HandoutError, match="apt-get install chromium"):
        handouts.html_to_pdf([tmp_path / "red-flag-card.html"])


def test_instructor_guide_matches_the_lesson_map_and_cites_known_sources():
    import yaml

    from hipcourse import paths

    guide = (paths.repo_root() / "notebooks" / "instructor" / "guide.md").read_text(encoding="utf-8")
    lessons = yaml.safe_load((paths.data_dir() / "lessons.yaml").read_text(encoding="utf-8"))["lessons"]
    for lesson in lessons:
        row = f"| {lesson['number']} | {lesson['title']} | {lesson['minutes']} |"
        assert row in guide, f"guide.md: timing row out of date for lesson {lesson['number']}: {row}"
        assert f"### Lesson {lesson['number']}: {lesson['title']}" in guide
    assert f"about {sum(l['minutes'] for l in lessons)} minutes" in guide
    known = {s["key"] for s in yaml.safe_load((paths.data_dir() / "sources.yaml").read_text())["sources"]}
    cited = set(re.findall(r"\[([A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9.]+)+)\]", guide))
    assert cited and cited <= known, f"guide.md cites unknown keys: {sorted(cited - known)}"
    assert guide.index("## 4. Safety briefing") < guide.index("## 6. Lesson notes")
    assert "/hub/user-redirect/git-pull?" in guide


def _contrast(foreground: str, background: str = "#ffffff") -> float:
    """WCAG contrast ratio of two #rrggbb colours."""
    def luminance(colour):
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_page_css_underlines_links_and_every_text_colour_passes_aa():
    css = handouts._PAGE_CSS
    assert re.search(r"(^|\s|\})a\{[^}]*text-decoration:underline", css)
    text_colours = re.findall(r"(?<![-\w])color:(#[0-9a-fA-F]{6})", css)
    assert text_colours, "the page CSS sets no text colour"
    for colour in text_colours:
        assert _contrast(colour) >= 4.5, f"{colour} on white: {_contrast(colour):.2f}:1 < 4.5:1"
    assert _contrast("#0d47a1") >= 4.5  # nbconvert's lab link colour, kept on lesson pages


def test_lesson_page_underlines_links_and_prints_task_boxes(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Lesson 9: Test\n\nSee [lesson 1](01_hip_anatomy.ipynb) now.\n\n"
                                              "- [ ] find the bump\n- [ ] press gently\n")]
    path = tmp_path / "09_test.ipynb"
    nbformat.write(nb, path)
    page = handouts.lesson_html(path)
    head = page[: page.index("</head>")]
    last_style = head.split("<style>")[-1]  # comes after nbconvert's theme, which removes underlines
    assert "text-decoration:underline" in last_style
    assert "body .jp-RenderedHTMLCommon a:link" in last_style and "body .jp-RenderedHTMLCommon a:visited" in last_style
    assert '<a href="01_hip_anatomy.ipynb">lesson 1</a>' in page
    assert "task-list-item-checkbox" not in page and "<input" not in page
