"""Printable, offline handouts for a workshop room: ``python -m hipcourse handouts [--out DIR] [--pdf]``.

What is built (in ``handouts/`` by default; generated, not committed):

* ``NN_name.html`` - every lesson notebook as one self-contained page: nbconvert's ``HTMLExporter`` with
  images embedded as data URIs, code cells hidden, and every ``<script>`` removed, so no require.js, MathJax
  or widget-manager URL is left and the page works without a network. Quizzes (``show_quiz(bank, quiz)``
  cells) become static questions with their options and **no answers** (the answers are only in the
  instructor keys, :mod:`hipcourse.instructor.keys`). Other interactive widgets are replaced by a note with their text
  description. Figures keep their alt text; an image without one gets the output's text description.
* ``point-GB30.html`` ... - a one-page chart per core point: diagram with the construction, how to find it
  step by step, what you should feel, cautions and what it is traditionally used for.
* ``red-flag-card.html`` - the warning signs from ``data/red_flags.yaml`` grouped by how quickly to get help.
* ``index.html`` - links to everything.
* with ``--pdf``: a PDF of every page, printed by headless Chromium (playwright with the system
  ``/usr/bin/chromium``; nothing is downloaded).
"""

from __future__ import annotations

import ast
import copy
import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

__all__ = [
    "HandoutError", "lesson_notebooks", "static_quiz_html", "prepare_notebook", "lesson_html",
    "point_chart_html", "red_flag_card_html", "build_handouts", "html_to_pdf", "find_chromium",
    "handouts_main", "DEFAULT_HANDOUTS_DIR", "CHROMIUM_PATH",
]

#: Default output folder, relative to the repository root.
DEFAULT_HANDOUTS_DIR = Path("handouts")
#: The system Chromium used for print-to-PDF (the tech notes: no ``playwright install``).
CHROMIUM_PATH = "/usr/bin/chromium"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_LESSON_NAME = re.compile(r"^\d\d_[A-Za-z0-9_]+\.ipynb$")
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
#: Added to nbconvert's lesson pages: its "lab" theme tells links from text by colour only (axe rule
#: link-in-text-block); its link colour #0d47a1 and text colour rgba(0,0,0,.87) on white pass AA contrast.
#: The theme removes the underline with ``.jp-RenderedHTMLCommon a:link`` / ``a:visited``, so the rule below
#: is one element (``body``) more specific and comes later.
_LESSON_CSS = ("<style>body a,body a:link,body a:visited,body .jp-RenderedHTMLCommon a:link,"
               "body .jp-RenderedHTMLCommon a:visited{text-decoration:underline}</style>")
#: A markdown task-list box ("- [ ] ...") is an unlabelled, disabled form control on a static page; print a box.
_TASK_BOX = re.compile(r"<input\b[^>]*\btask-list-item-checkbox\b[^>]*>", re.IGNORECASE)
_SCRIPT_TAG = re.compile(r"</?script\b[^>]*>", re.IGNORECASE)
_EXTERNAL_LINK_TAG = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']https?://[^>]*>", re.IGNORECASE)
# Colours (WCAG AA asks 4.5:1 for normal text): text #1a1a1a on white 17.4:1, links #0d47a1 on white 8.6:1.
# Links are underlined: their colour alone (1.9:1 against the text) would not tell them apart.
_PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.45;color:#1a1a1a;
     background:#ffffff;max-width:48em;margin:1.5em auto;padding:0 1em}
a{color:#0d47a1;text-decoration:underline} a:visited{color:#4a148c}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin:.9em 0 .3em}
.card-level{border:2px solid #1a1a1a;border-radius:6px;padding:.4em .7em;margin:.5em 0;break-inside:avoid}
.note{font-style:italic} .small{font-size:.85em}
figure{margin:0} img{max-width:100%;height:auto}
.chart{display:flex;gap:1em;align-items:flex-start} .chart figure{flex:0 0 42%} .chart .steps{flex:1}
.static-quiz{border:1px solid #555;border-radius:6px;padding:.5em .8em;margin:.6em 0;break-inside:avoid}
.static-quiz ol>li{margin-bottom:.6em} .box{font-family:monospace}
.glossary{columns:2;font-size:.85em}
@page{size:A4;margin:10mm}
@media print{body{margin:0;padding:0;max-width:none;font-size:9.5pt;line-height:1.3}
 h1{font-size:15pt} h2{font-size:11pt;margin:.5em 0 .15em} p,ul,ol{margin:.2em 0}
 .compact{font-size:8.3pt} .compact .card-level{padding:.15em .5em;margin:.3em 0}
 .chart figure{flex:0 0 38%}}
"""


class HandoutError(RuntimeError):
    """A handout cannot be built; the message names the file and the problem."""


# ------------------------------------------------------------------------------------------------ quizzes
def _esc(text) -> str:
    return html.escape(" ".join(str(text).split()), quote=True)


def _static_question(spec: dict) -> str:
    """One question without its answer (no explanations, no 'correct' marks)."""
    kind = spec["type"]
    prompt = f"<p><b>{_esc(spec['prompt'])}</b></p>"
    if kind in ("single", "multiple"):
        how = "Choose one." if kind == "single" else "Choose every answer that applies."
        items = "".join(f'<li><span class="box" aria-hidden="true">&#9744;</span> {_esc(o["text"])}</li>'
                        for o in spec["options"])
        body = f'<p class="small">{how}</p><ul style="list-style:none;padding-left:.5em">{items}</ul>'
    elif kind == "truefalse":
        body = ('<p><span class="box" aria-hidden="true">&#9744;</span> True &nbsp; '
                '<span class="box" aria-hidden="true">&#9744;</span> False</p>')
    elif kind == "match":
        # Sorted like the quiz widget does, so the order gives nothing away.
        rights = sorted({p["right"] for p in spec["pairs"]} | set(spec.get("distractors", [])), key=str.casefold)
        lefts = "".join(f"<li>{_esc(p['left'])}: ____________</li>" for p in spec["pairs"])
        choices = "".join(f"<li>{_esc(r)}</li>" for r in rights)
        body = (f'<p class="small">Match each item on the left with one answer from the list.</p>'
                f"<ul>{lefts}</ul><p class=\"small\">Answers to choose from:</p><ul>{choices}</ul>")
    elif kind == "numeric":
        unit = _esc(spec.get("unit", ""))
        body = f"<p>Your answer: ____________ {unit}</p>"
    elif kind == "locate":
        body = ('<p class="small">In the notebook you click on a diagram. On paper: mark the spot on the '
                "diagram of the point chart, or show it on your own body to your instructor.</p>")
    else:
        raise HandoutError(f"question {spec.get('id')!r}: unknown type {kind!r}")
    return f"<li>{prompt}{body}</li>"


def static_quiz_html(bank: str, quiz_id: str, *, data_dir=None) -> str:
    """Return quiz ``quiz_id`` of ``bank`` as static HTML: questions and options, never the answers."""
    from hipcourse.learning.banks import QuizBankError, load_bank

    data = load_bank(bank, data_dir=data_dir)
    quiz = next((q for q in data["quizzes"] if q["id"] == quiz_id), None)
    if quiz is None:
        known = ", ".join(q["id"] for q in data["quizzes"])
        raise QuizBankError(f"data/quizzes/{bank}.yaml: no quiz '{quiz_id}' (quizzes: {known})")
    questions = "".join(_static_question(q) for q in quiz["questions"])
    return (f'<section class="static-quiz"><h3>Check yourself: {_esc(quiz["title"])}</h3>'
            f"<ol>{questions}</ol><p class=\"small note\">Answers: ask your instructor, or check them in the "
            "notebook.</p></section>")


def _quiz_call(source: str) -> tuple[str, str] | None:
    """``("lesson01", "landmarks")`` if the cell is a ``show_quiz("lesson01", "landmarks")`` call, else None."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and getattr(node.func, "id", getattr(node.func, "attr", None)) == "show_quiz"]
    if len(calls) != 1 or len(calls[0].args) < 2:
        return None
    bank, quiz = calls[0].args[:2]
    if isinstance(bank, ast.Constant) and isinstance(quiz, ast.Constant):
        return str(bank.value), str(quiz.value)
    return None


# ------------------------------------------------------------------------------------------------ lessons
def lesson_notebooks(notebooks_dir=None) -> list[Path]:
    """Return the lesson notebooks ``NN_name.ipynb`` of ``notebooks_dir`` (default: the course's), sorted."""
    from hipcourse import paths

    folder = Path(notebooks_dir) if notebooks_dir is not None else paths.repo_root() / "notebooks"
    return sorted(p for p in folder.glob("*.ipynb") if _LESSON_NAME.match(p.name))


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def prepare_notebook(nb, *, data_dir=None):
    """Return a copy of notebook ``nb`` ready for a static, answer-free page.

    * ``show_quiz`` cells: outputs replaced by :func:`static_quiz_html`;
    * widget outputs: replaced by a note with the widget's text description;
    * images without HTML: given an ``<img alt=...>`` from their text description;
    * the stored widget state is dropped (nbconvert would otherwise load a widget manager from a CDN).
    """
    import nbformat

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        call = _quiz_call(_text(cell.source))
        if call is not None:
            cell.outputs = [nbformat.v4.new_output(
                "display_data", data={"text/html": static_quiz_html(*call, data_dir=data_dir),
                                      "text/plain": f"Quiz {call[0]}/{call[1]}"})]
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                continue  # warnings are not course material
            data = output.get("data")
            if data is None:
                outputs.append(output)
                continue
            plain = _text(data.get("text/plain", ""))
            if _WIDGET_VIEW in data:
                description = html.escape(plain.strip() or "an interactive exercise")
                output = nbformat.v4.new_output("display_data", data={
                    "text/html": f'<p class="note">Interactive in the notebook: {description}</p>',
                    "text/plain": plain})
            elif "image/png" in data and "text/html" not in data:
                alt = html.escape(plain.strip() or "Figure (no description was stored)", quote=True)
                png = _text(data["image/png"]).replace("\n", "")
                data["text/html"] = f'<img alt="{alt}" src="data:image/png;base64,{png}">'
            outputs.append(output)
        cell.outputs = outputs
    return nb


def _strip_scripts(page: str) -> str:
    """Remove every script (the page is static) and any stylesheet loaded from the network."""
    page = _SCRIPT.sub("", page)
    page = _SCRIPT_TAG.sub("", page)  # an unclosed or stray tag left by odd output HTML
    return _EXTERNAL_LINK_TAG.sub("", page)


def lesson_html(path, *, data_dir=None) -> str:
    """Return lesson notebook ``path`` as one self-contained HTML page (see the module docstring)."""
    import nbformat
    from nbconvert import HTMLExporter

    path = Path(path)
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise HandoutError(f"{path.name}: cannot read the notebook ({error})") from error
    nb = prepare_notebook(nb, data_dir=data_dir)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    title = next((line[2:].strip() for cell in nb.cells if cell.cell_type == "markdown"
                  for line in _text(cell.source).splitlines() if line.startswith("# ")), path.stem)
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": title, "path": str(path.parent)}})
    body = _TASK_BOX.sub('<span class="box" aria-hidden="true">&#9744;</span>', _strip_scripts(body))
    return body.replace("</head>", _LESSON_CSS + "</head>", 1)


# ------------------------------------------------------------------------------------------------ pages
def _page(title: str, content: str, *, css_class: str = "") -> str:
    body_class = f' class="{css_class}"' if css_class else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_PAGE_CSS}</style></head><body{body_class}><main>{content}</main></body></html>\n")


def _chart_figure(code: str, body):
    from hipcourse.figures.images import image_specs
    from hipcourse.figures.plates import draw_view

    spec = image_specs().get(f"construction_{code.lower()}")
    if spec is not None:
        return draw_view(**spec, body=body)
    view = next(iter(body.views_of(code)))
    return draw_view(view, points=[code], constructions=[code], body=body,
                     layers=("outline", "bones", "landmarks", "points", "constructions"))


def point_chart_html(code: str, *, body=None) -> str:
    """Return the one-page chart of point ``code``: diagram, location steps, feel, cautions, tradition."""
    from hipcourse.content.data import load_course
    from hipcourse.content.geometry import Body

    body = body if body is not None else Body.reference()
    course = load_course()
    if code not in course.points:
        raise HandoutError(f"data/points.yaml: no point '{code}' (points: {', '.join(course.points)})")
    point = course.points[code]
    raw = point.raw
    figure = _chart_figure(code, body)
    view = next(iter(point.locations), None)
    steps = [str(getattr(s, "label", "") or s) for s in body.construction(code, view)] if view else []
    esc = _esc

    def bullets(items: Iterable) -> str:
        return "<ul>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>"

    # Pinyin and English only: printers' fonts often lack Chinese glyphs and would print empty boxes.
    names = " · ".join(x for x in (raw.get("pinyin"), point.english) if x)
    content = [
        f"<h1>{esc(code)}: {esc(names)}</h1>",
        f'<p class="small">{esc(raw.get("channel", ""))} channel · region: {esc(point.region)}. '
        "Read the red-flag card first; do not press if any warning sign applies.</p>",
        '<div class="chart">', figure.to_html(), '<div class="steps">',
        f"<h2>Get into position</h2><p>{esc(raw.get('position', ''))}</p>",
        f"<h2>Where it is</h2><p>{esc(point.location)}</p>",
    ]
    if steps:
        content.append("<h2>Step by step</h2><ol>" + "".join(f"<li>{esc(s)}</li>" for s in steps) + "</ol>")
    if raw.get("construction_text"):
        content.append(f"<p class=\"small\">In short: {esc(raw['construction_text'])}</p>")
    used = list(dict.fromkeys([*raw.get("landmarks", []),
                               *(name for step in (body.construction(code, view) if view else ())
                                 for name in getattr(step, "inputs", ()) if name in course.landmarks)]))
    if used:
        content.append('<h2>Landmarks</h2><ul class="glossary">' + "".join(
            f"<li><b>{esc(name)}</b>: {esc(course.landmarks[name].name)}, {esc(course.landmarks[name].plain)}</li>"
            for name in used if name in course.landmarks) + "</ul>")
    content.append("</div></div>")
    if raw.get("feel"):
        content.append(f"<h2>What you should feel</h2><p>{esc(raw['feel'])}</p>")
    if raw.get("cautions"):
        content.append("<h2>Cautions</h2>" + bullets(raw["cautions"]))
    if raw.get("traditionally_used_for"):
        content.append("<h2>Traditionally used for</h2>" + bullets(raw["traditionally_used_for"]) +
                       '<p class="small">This is what the tradition says. Research has not shown that pressing '
                       "this point treats any hip disease.</p>")
    content.append('<p class="small">Press gradually, firm but comfortable, 1 to 3 minutes; stop if pain is '
                   "sharp, shooting or electric. Sources: " + esc(", ".join(point.sources)) + ".</p>")
    return _page(f"{code} point chart", "".join(content))


def red_flag_card_html() -> str:
    """Return the red-flag card: every warning sign of ``data/red_flags.yaml`` by urgency, most urgent first."""
    from hipcourse.safety import triage as safety_triage

    levels = safety_triage.urgency_levels()
    flags = safety_triage.red_flags()
    combinations = safety_triage.red_flag_combinations()
    parts = ["<h1>Stop and get help: warning signs</h1>",
             "<p>If any of these applies, do <b>not</b> use acupressure. Get help as fast as the box says. "
             f"{_esc(safety_triage.NOT_A_DIAGNOSIS)} Print on both sides of one sheet.</p>"]
    for level in levels:
        rows = []
        for flag in flags:
            questions = [f.question for f in flag.features if f.urgency == level.id]
            if questions:
                rows.append(f"<li><b>{_esc(flag.name)}</b>: " + " ".join(_esc(q) for q in questions) + "</li>")
        # Signs that are more urgent together than alone (e.g. a groin lump with vomiting) sit at their own level.
        rows += [f"<li><b>Together: {_esc(rule.name)}</b>. {_esc(rule.what_to_do)}</li>"
                 for rule in combinations if rule.urgency == level.id]
        if not rows and level.id != "routine":
            continue
        # Words only: the level name carries the meaning (emoji icons print as boxes without an emoji font).
        parts.append(f'<section class="card-level"><h2>{_esc(level.name)}</h2>'
                     f"<p>{_esc(level.action)}</p>"
                     + (f'<ul class="small">{"".join(rows)}</ul>' if rows else "") + "</section>")
    keys = sorted({key for item in (*flags, *combinations) for key in item.sources})
    parts.append(f'<p class="small">Sources: {_esc(", ".join(keys))}.</p>')
    return _page("Red-flag card", "".join(parts), css_class="compact")


# ------------------------------------------------------------------------------------------------ building
@dataclass(frozen=True)
class BuildResult:
    """What :func:`build_handouts` wrote: ``html`` and ``pdf`` paths, and notes for the user."""

    html: tuple[Path, ...]
    pdf: tuple[Path, ...]
    notes: tuple[str, ...]


def _write(path: Path, text: str) -> Path:
    data = text.encode("utf-8")
    if not path.exists() or path.read_bytes() != data:  # unchanged files keep their time stamp
        path.write_bytes(data)
    return path


def _core_points() -> list[str]:
    from hipcourse.content.data import load_course

    return [code for code, point in load_course().points.items() if point.core]


def build_handouts(out_dir, *, pdf: bool = False, notebooks: Sequence[Path] | None = None,
                   points: Sequence[str] | None = None, chromium: str | None = None) -> BuildResult:
    """Write every handout into ``out_dir`` (see the module docstring) and return what was written.

    Args:
        out_dir: output folder (created if needed).
        pdf: also print every page to PDF with headless Chromium.
        notebooks: lesson notebooks to include (default :func:`lesson_notebooks`).
        points: point codes for charts (default: the core points of ``data/points.yaml``).
        chromium: Chromium executable (default :func:`find_chromium`).

    Raises:
        HandoutError: a notebook cannot be read, or ``pdf`` was asked for and Chromium is missing.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    links: list[tuple[str, str]] = []
    for notebook in (lesson_notebooks() if notebooks is None else [Path(p) for p in notebooks]):
        target = folder / f"{notebook.stem}.html"
        written.append(_write(target, lesson_html(notebook)))
        links.append((target.name, notebook.stem.replace("_", " ")))
    from hipcourse.content.geometry import Body

    body = Body.reference()
    for code in (_core_points() if points is None else points):
        target = folder / f"point-{code}.html"
        written.append(_write(target, point_chart_html(code, body=body)))
        links.append((target.name, f"Point chart {code}"))
    card = _write(folder / "red-flag-card.html", red_flag_card_html())
    written.append(card)
    links.insert(0, (card.name, "Red-flag card (read before any practice)"))
    items = "".join(f'<li><a href="{html.escape(name)}">{html.escape(label)}</a></li>' for name, label in links)
    written.append(_write(folder / "index.html", _page(
        "Course handouts", "<h1>Hip acupressure course: handouts</h1><p>Printable pages for a workshop. "
        f"They contain no quiz answers.</p><ul>{items}</ul>")))
    pdfs: list[Path] = []
    notes: list[str] = []
    if pdf:
        pdfs = html_to_pdf([p for p in written if p.name != "index.html"], chromium=chromium)
    return BuildResult(html=tuple(written), pdf=tuple(pdfs), notes=tuple(notes))


def find_chromium() -> str | None:
    """Return the Chromium executable to print with: ``/usr/bin/chromium`` or ``chromium`` on PATH, else None."""
    if Path(CHROMIUM_PATH).exists():
        return CHROMIUM_PATH
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(pages: Sequence[Path], *, chromium: str | None = None, timeout_ms: int = 60_000) -> list[Path]:
    """Print every HTML file of ``pages`` to a PDF next to it with headless Chromium; return the PDF paths.

    Raises:
        HandoutError: Chromium or playwright is missing (the message says how to install them).
    """
    executable = chromium or find_chromium()
    if executable is None:
        raise HandoutError("PDF needs Chromium, which is not installed: install it with "
                           "'apt-get install chromium' (or leave out --pdf for HTML only)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise HandoutError("PDF needs the Python package playwright (pip install playwright); "
                           "no browser download is needed") from error
    def print_all() -> list[Path]:
        results = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True)
            try:
                page = browser.new_page()
                for source in pages:
                    source = Path(source).resolve()
                    target = source.with_suffix(".pdf")
                    page.goto(source.as_uri(), wait_until="load", timeout=timeout_ms)
                    page.pdf(path=str(target), format="A4", print_background=True,
                             margin={"top": "12mm", "bottom": "12mm", "left": "12mm", "right": "12mm"})
                    results.append(target)
            finally:
                browser.close()
        return results

    # Playwright's sync API refuses to run in a thread that has an asyncio loop running: a Jupyter kernel
    # (an instructor building handouts from a notebook) or another playwright session in the same process.
    # A worker thread of its own never has one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hipcourse-pdf") as worker:
        return worker.submit(print_all).result()


def handouts_main(argv: Sequence[str]) -> int:
    """``handouts [--out DIR] [--pdf]``: build the printable handouts (default folder ``handouts/``)."""
    import argparse

    from hipcourse import paths

    parser = argparse.ArgumentParser(prog="python -m hipcourse handouts",
                                     description="Build printable offline handouts: lessons, point charts "
                                                 "and the red-flag card (HTML, and PDF with --pdf).")
    parser.add_argument("--out", help=f"output folder (default: {DEFAULT_HANDOUTS_DIR.as_posix()}/)")
    parser.add_argument("--pdf", action="store_true", help="also print every page to PDF with Chromium")
    options = parser.parse_args(list(argv))
    out = Path(options.out) if options.out else paths.repo_root() / DEFAULT_HANDOUTS_DIR
    if options.pdf and find_chromium() is None:
        print("handouts: Chromium is not installed, so no PDF is made (install it with "
              "'apt-get install chromium'); writing the HTML handouts only.")
        options.pdf = False
    try:
        result = build_handouts(out, pdf=options.pdf)
    except HandoutError as error:
        print(f"handouts: {error}")
        return 1
    print(f"wrote {len(result.html)} HTML and {len(result.pdf)} PDF files to {paths.display_path(out)}")
    return 0
