"""Every lesson notebook (notebooks/NN_*.ipynb) follows the page template of CONTRIBUTING.md.

Each rule is a function returning a list of problems; the real notebooks are checked rule by rule
(parametrized, so a failure names the notebook and the rule), and every rule is shown to fail on a small
broken fixture notebook.
"""

import ast
import copy
import html.parser
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import execute_notebooks as ex  # noqa: E402

sys.path.insert(0, str(ROOT / "notebooks"))
from hipcourse.content import citations  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MAX_CODE_LINES = 6
FORBIDDEN = {ast.FunctionDef: "def", ast.AsyncFunctionDef: "def", ast.ClassDef: "class", ast.For: "for",
             ast.While: "while", ast.Lambda: "lambda", ast.comprehension: "for (comprehension)"}


def _markdown(nb):
    return [c for c in nb.cells if c.cell_type == "markdown"]


def _headings(nb, level):
    prefix = "#" * level + " "
    return [(i, line[len(prefix):].strip()) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
            for line in c.source.splitlines() if line.startswith(prefix)]


def _cell_starting(nb, heading):
    return next((c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith(heading)), None)


def _references_cells(nb):
    return [c for c in nb.cells if c.cell_type == "markdown" and "references" in c.metadata.get("tags", [])]


# ------------------------------------------------------------------------------------------------ rules
def rule_single_h1(nb, **_):
    h1 = _headings(nb, 1)
    problems = [] if len(h1) == 1 else [f"expected exactly one H1, found {len(h1)}"]
    if not nb.cells or nb.cells[0].cell_type != "markdown" or not nb.cells[0].source.startswith("# "):
        problems.append("the first cell must be markdown starting with the H1 '# ...'")
    return problems


def rule_overview(nb, **_):
    cell = _cell_starting(nb, "## Overview")
    if cell is None:
        return ["no cell starting with '## Overview'"]
    problems = [] if "By the end of this lesson you can" in cell.source else ["Overview lacks 'By the end of this lesson you can:'"]
    # Plain bullets: GitHub-style task lists ("- [ ]") render as unlabelled, disabled checkboxes, which
    # screen readers announce without a name (axe: critical).
    if re.search(r"^- \[[ x]\]", cell.source, re.MULTILINE):
        problems.append("Overview objectives must be plain bullets, not task-list checkboxes '- [ ]'")
    after = cell.source.split("By the end of this lesson you can", 1)[-1]
    objectives = re.findall(r"^- \S", after, re.MULTILINE)
    if not 3 <= len(objectives) <= 5:
        problems.append(f"Overview must list 3-5 objectives as bullets '- ...', found {len(objectives)}")
    return problems


def rule_prerequisites_and_time(nb, **_):
    cell = _cell_starting(nb, "## Prerequisites and time")
    if cell is None:
        return ["no cell starting with '## Prerequisites and time'"]
    return [] if re.search(r"Time: about \d+ minutes", cell.source) else ["no 'Time: about N minutes' line"]


def rule_numbered_sections_with_quiz(nb, **_):
    sections = [(i, t) for i, t in _headings(nb, 2) if re.match(r"\d+\. ", t)]
    if not sections:
        return ["no numbered sections '## 1. ...'"]
    problems = []
    numbers = [int(t.split(".")[0]) for _, t in sections]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"sections must be numbered 1, 2, 3, ...; found {numbers}")
    ends = [i for i, _ in sections[1:]] + [next((i for i, t in _headings(nb, 2) if i > sections[-1][0]
                                                 and not re.match(r"\d+\. ", t)), len(nb.cells))]
    for (start, title), end in zip(sections, ends):
        checks = [i for i in range(start, end) if nb.cells[i].cell_type == "markdown"
                  and re.search(r"^### Check yourself\s*$", nb.cells[i].source, re.MULTILINE)]
        if not checks:
            problems.append(f"section '{title}' has no '### Check yourself'")
            continue
        after = checks[-1] + 1
        if after >= len(nb.cells) or nb.cells[after].cell_type != "code" or "show_quiz(" not in nb.cells[after].source:
            problems.append(f"section '{title}': '### Check yourself' is not followed by a code cell calling show_quiz(...)")
    return problems


def rule_closing_sections(nb, **_):
    order = [i for i, t in _headings(nb, 2) if t in ("Key points", "What's next")]
    titles = [t for _, t in _headings(nb, 2)]
    problems = [f"no '## {t}' section" for t in ("Key points", "What's next") if t not in titles]
    refs = _references_cells(nb)
    if len(refs) != 1:
        problems.append(f"expected one markdown cell tagged 'references', found {len(refs)}")
    elif order and nb.cells.index(refs[0]) < max(order):
        problems.append("the references cell must come after Key points and What's next")
    if len(order) == 2 and order[0] > order[1]:
        problems.append("'## Key points' must come before '## What's next'")
    return problems


def rule_references_up_to_date(nb, *, name, reference_sources=None, **_):
    """Compare with what tools/execute_notebooks.py would write (its own renderer unless sources are given)."""
    refs = _references_cells(nb)
    if len(refs) != 1:
        return ["cannot check references: no single cell tagged 'references'"]
    if not refs[0].source.startswith("## References"):
        return ["the references cell is not filled (run tools/execute_notebooks.py)"]
    expected = copy.deepcopy(nb)
    try:
        ex.fill_references(expected, notebook=name, sources=reference_sources)
    except ex.NotebookError as error:
        return [str(error)]
    if _references_cells(expected)[0].source != refs[0].source:
        return ["the references cell is out of date (re-run tools/execute_notebooks.py)"]
    return [f"cell {i}: citations are not numbered as the References list is (re-run tools/execute_notebooks.py)"
            for i, (stored, fresh) in enumerate(zip(nb.cells, expected.cells))
            if stored.cell_type == "markdown" and stored.source != fresh.source]


#: Output formats a learner sees (JupyterLab shows the richest; plain text in untrusted notebooks and nbval).
SHOWN_MIMES = ("text/html", "text/markdown", "text/plain")


def rule_no_visible_source_keys(nb, *, sources, **_):
    """No source key is visible in the rendered lesson: prose shows numbers, tables show source titles."""
    problems = []
    for i, cell in enumerate(nb.cells):
        texts = [cell.source] if cell.cell_type == "markdown" else [
            str(output.get("data", {}).get(mime, "")) for output in cell.get("outputs", []) for mime in SHOWN_MIMES]
        found = sorted({key for text in texts for key in citations.visible_keys(text, sources)})
        if found:
            problems.append(f"cell {i}: a learner sees the source key(s) {', '.join(found)}")
    return problems


def rule_citations_resolve(nb, *, sources, **_):
    keys = ex.cited_keys("\n".join(c.source for c in _markdown(nb)))
    unknown = [k for k in keys if k not in sources]
    return [f"citation key(s) not in data/sources.yaml: {', '.join(unknown)}"] if unknown else []


class _ImgAlt(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.alts = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.alts.append((dict(attrs).get("alt") or "").strip())


def _img_alts(text):
    parser = _ImgAlt()
    parser.feed(text)
    return parser.alts


def rule_images_have_alt_text(nb, **_):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            alts = re.findall(r"!\[([^\]]*)\]\(", cell.source) + _img_alts(cell.source)
            if any(not a.strip() for a in alts):
                problems.append(f"cell {i}: markdown image without alt text")
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            html_text = "".join(data.get("text/html", ""))
            alts = _img_alts(html_text)
            if any(not a for a in alts):
                problems.append(f"cell {i}: <img> without alt text in text/html output")
            if any(k.startswith("image/") for k in data) and not alts:
                problems.append(f"cell {i}: image output without an <img alt=...> text/html form")
    return problems


def rule_short_simple_code(nb, **_):
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = [l for l in cell.source.splitlines() if l.strip()]
        if len(lines) > MAX_CODE_LINES:
            problems.append(f"cell {i}: {len(lines)} lines of code (at most {MAX_CODE_LINES})")
        python = "\n".join(l for l in cell.source.splitlines() if not l.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(python)
        except SyntaxError as error:
            problems.append(f"cell {i}: not valid Python ({error.msg})")
            continue
        found = sorted({word for node in ast.walk(tree) for kind, word in FORBIDDEN.items() if isinstance(node, kind)})
        if found:
            problems.append(f"cell {i}: uses {', '.join(found)}; move such code into the hipcourse package")
    return problems


def rule_kernelspec(nb, **_):
    name = nb.metadata.get("kernelspec", {}).get("name")
    return [] if name == "python3" else [f"kernelspec name is {name!r}, expected 'python3'"]


def rule_executed_in_order(nb, **_):
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    problems = [] if counts == list(range(1, len(code) + 1)) else [f"execution counts {counts}, expected 1..{len(code)}"]
    unexecuted = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip() and not c.get("outputs")
                  and not c.source.rstrip().endswith(";") and not c.source.lstrip().startswith(("from ", "import "))]
    if unexecuted:
        problems.append(f"code cells without outputs (not executed?): {unexecuted}")
    return problems


LINK = re.compile(r"\]\(([^)\s]+\.ipynb)(?:#[^)]*)?\)")


def rule_links_resolve(nb, *, name, **_):
    """Links between lessons ([text](NN_name.ipynb)) point at notebooks that exist beside this one."""
    folder = ROOT / "notebooks"
    return [f"link to {target!r}, which does not exist" for cell in _markdown(nb) for target in LINK.findall(cell.source)
            if not (folder / target).is_file()]


RULES = [rule_single_h1, rule_overview, rule_prerequisites_and_time, rule_numbered_sections_with_quiz,
         rule_closing_sections, rule_references_up_to_date, rule_no_visible_source_keys, rule_citations_resolve,
         rule_images_have_alt_text,
         rule_short_simple_code, rule_kernelspec, rule_executed_in_order, rule_links_resolve]


def _sources():
    document = yaml.safe_load((ROOT / "data" / "sources.yaml").read_text(encoding="utf-8"))
    return {entry["key"]: entry for entry in document["sources"]}


# ------------------------------------------------------------------------------------- real notebooks
def test_there_are_lesson_notebooks():
    assert any(p.name == "00_start_here.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("rule", RULES, ids=[r.__name__[5:] for r in RULES])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_follows_template(path, rule):
    nb = nbformat.read(path, as_version=4)
    problems = rule(nb, sources=_sources(), name=path.name)
    assert not problems, f"{path.name}: " + "; ".join(problems)


# -------------------------------------------------------------------------- fixtures: each rule can fail
FIXTURE_SOURCES = {"T-a": {"key": "T-a", "title": "A source"}}


def _good():
    cells = [
        new_markdown_cell("# Lesson 9: Fixture"),
        new_markdown_cell("## Overview\n\nOne line.\n\nBy the end of this lesson you can:\n\n- a\n- b\n- c"),
        new_markdown_cell("## Prerequisites and time\n\nNone.\n\nTime: about 10 minutes"),
        new_code_cell("from hipcourse.learning.quiz import show_quiz"),
        new_markdown_cell('## 1. First\n\nText <sup>[1](#ref-T-a "Reference 1")</sup>.\n\n### Check yourself'),
        new_code_cell('show_quiz("lesson09", "first")'),
        new_markdown_cell("## 2. Second\n\n![A hip drawing](x.png)\n\n### Check yourself"),
        new_code_cell('show_quiz("lesson09", "second")'),
        new_markdown_cell("## Key points\n\n- one"),
        new_markdown_cell("## What's next\n\nGo on to [Lesson 1](01_hip_anatomy.ipynb)."),
        new_markdown_cell('## References\n\n1. <a id="ref-T-a"></a>A source.'),
    ]
    cells[-1].metadata["tags"] = ["references"]
    for n, cell in enumerate(c for c in cells if c.cell_type == "code"):
        cell.execution_count = n + 1
    cells[5].outputs = [new_output("display_data", data={"text/plain": "Quiz", "image/png": "iVBO",
                                                          "text/html": '<img alt="A quiz picture" src="x">'})]
    cells[7].outputs = [new_output("execute_result", data={"text/plain": "Quiz"}, execution_count=3)]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def _set(index, source):
    def change(nb):
        nb.cells[index].source = source
    return change


def _drop(index):
    def change(nb):
        del nb.cells[index]
    return change


def _output_html(text):
    def change(nb):
        nb.cells[5].outputs[0]["data"]["text/html"] = text
    return change


BREAKAGES = {
    "second_h1": (rule_single_h1, _set(9, "# What's next"), "exactly one H1"),
    "h1_not_first": (rule_single_h1, lambda nb: nb.cells.insert(0, new_markdown_cell("intro")), "first cell"),
    "two_objectives": (rule_overview, _set(1, "## Overview\n\nBy the end of this lesson you can:\n\n- a\n- b"), "3-5"),
    "task_list_checkboxes": (rule_overview, _set(1, "## Overview\n\nBy the end of this lesson you can:\n\n- [ ] a\n- [ ] b\n- [ ] c"),
                             "plain bullets"),
    "no_overview": (rule_overview, _set(1, "## Summary"), "Overview"),
    "no_time": (rule_prerequisites_and_time, _set(2, "## Prerequisites and time\n\nA while."), "Time: about"),
    "no_check_yourself": (rule_numbered_sections_with_quiz, _set(6, "## 2. Second"), "no '### Check yourself'"),
    "quiz_cell_missing": (rule_numbered_sections_with_quiz, _set(7, "1 + 1"), "not followed by a code cell"),
    "bad_numbering": (rule_numbered_sections_with_quiz, _set(6, "## 3. Second\n\n### Check yourself"), "numbered 1, 2"),
    "no_key_points": (rule_closing_sections, _set(8, "## Summary"), "'## Key points'"),
    "untagged_references": (rule_closing_sections, lambda nb: nb.cells[-1].metadata.pop("tags"), "tagged 'references'"),
    "references_unfilled": (rule_references_up_to_date, _set(10, "TODO"), "not filled"),
    "references_stale": (rule_references_up_to_date, _set(10, "## References\n\n- old"), "out of date"),
    "key_form_citation": (rule_references_up_to_date, _set(4, "## 1. First\n\nText [T-a].\n\n### Check yourself"),
                          "not numbered"),
    "key_in_prose": (rule_no_visible_source_keys, _set(6, "## 2. Second\n\nSee T-a.\n\n### Check yourself"), "T-a"),
    "key_in_table_output": (rule_no_visible_source_keys, _output_html('<img alt="x" src="x"><td>[T-a]</td>'), "T-a"),
    "unknown_key": (rule_citations_resolve, _set(4, "## 1. First\n\n[T-zz]\n\n### Check yourself"), "T-zz"),
    "markdown_img_no_alt": (rule_images_have_alt_text, _set(6, "## 2. Second\n\n![](x.png)\n\n### Check yourself"), "markdown image"),
    "html_img_empty_alt": (rule_images_have_alt_text, _output_html('<img alt="" src="x">'), "<img> without alt"),
    "png_without_html": (rule_images_have_alt_text, _output_html("<b>no image</b>"), "image output without"),
    "def_in_code": (rule_short_simple_code, _set(5, "def f():\n    return 1"), "uses def"),
    "loop_in_code": (rule_short_simple_code, _set(5, "[x for x in range(3)]"), "for (comprehension)"),
    "lambda_in_code": (rule_short_simple_code, _set(5, "f = lambda: 1"), "uses lambda"),
    "long_code": (rule_short_simple_code, _set(5, "\n".join(f"a{i} = {i}" for i in range(7))), "7 lines"),
    "kernel": (rule_kernelspec, lambda nb: nb.metadata.kernelspec.update(name="hip-course"), "'hip-course'"),
    "broken_link": (rule_links_resolve, _set(9, "## What's next\n\n[Lesson 4](04_nowhere.ipynb)"), "04_nowhere.ipynb"),
    "out_of_order": (rule_executed_in_order, lambda nb: setattr(nb.cells[5], "execution_count", 5), "execution counts"),
    "not_executed": (rule_executed_in_order, lambda nb: setattr(nb.cells[7], "outputs", []), "without outputs"),
}


def test_good_fixture_passes_every_rule():
    nb = _good()
    for rule in RULES:
        assert rule(nb, sources=FIXTURE_SOURCES, reference_sources=FIXTURE_SOURCES, name="09_fixture.ipynb") == [], \
            rule.__name__


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_each_rule_fails_on_broken_fixture(case):
    rule, breakage, message = BREAKAGES[case]
    nb = _good()
    breakage(nb)
    problems = rule(nb, sources=FIXTURE_SOURCES, reference_sources=FIXTURE_SOURCES, name="09_fixture.ipynb")
    assert any(message in p for p in problems), problems


# --------------------------------------------------------------------------- lesson map agrees with notebooks
def _lesson_entries():
    return {entry["number"]: entry for entry in yaml.safe_load((ROOT / "data" / "lessons.yaml").read_text())["lessons"]}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_map_matches_notebook(path):
    entry = _lesson_entries().get(int(path.name[:2]))
    assert entry is not None, f"data/lessons.yaml has no lesson {int(path.name[:2])} for {path.name}"
    assert entry["notebook"] == path.name, f"data/lessons.yaml: lesson {entry['number']} names {entry['notebook']}"
    nb = nbformat.read(path, as_version=4)
    h1 = _headings(nb, 1)[0][1] if _headings(nb, 1) else ""
    assert entry["title"] in h1, f"{path.name}: H1 {h1!r} does not contain the lesson-map title {entry['title']!r}"
    time = re.search(r"Time: about (\d+) minutes", "\n".join(c.source for c in _markdown(nb)))
    assert time and int(time.group(1)) == entry["minutes"], (
        f"{path.name}: 'Time: about N minutes' differs from data/lessons.yaml ({entry['minutes']})"
    )
