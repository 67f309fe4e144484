"""Helpers for the browser tests: find Chromium and axe-core, open and run a lesson, read quizzes.

Kept apart from conftest.py (fixtures only) so the test modules import them under a name no other conftest
can shadow: ``from lessonpage import ...``.
"""


from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from labserver import LabServer

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = Path(os.environ.get("HIPCOURSE_SCREENSHOTS_DIR", ROOT / "build" / "screenshots"))
REPORTS = ROOT / "build" / "a11y"
CHROMIUM = os.environ.get("HIPCOURSE_CHROMIUM", "/usr/bin/chromium")
ENSURE_SCRIPT = ROOT / "tools" / "ensure_browser.sh"
AXE_VERSION = "4.14.1"
AXE_DIR = Path(os.environ.get("HIPCOURSE_AXE_DIR",
                              Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hipcourse" / "axe"))

# Chromium switches: no sandbox (containers run as root), no GPU, and none of Chromium's own background
# traffic (updates, sync, QUIC probes), so "nothing fetched from outside the machine" is a fair assertion.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-features=Translate,MediaRouter,OptimizationHints", "--force-device-scale-factor=1"]
VIEWPORT = {"width": 1280, "height": 900}
# Generous: two cores are shared with other developers, and lesson 1 draws a dozen 150-dpi figures.
KERNEL_TIMEOUT_MS = 180_000
# Paths that must never be copied into the served course (large, irrelevant, or state of the checkout).
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "build", "node_modules", ".pytest_cache", ".hypothesis",
                                      "__pycache__", ".ipynb_checkpoints", "*.pyc")

# The addresses a page may fetch: the lab server itself, inline data and in-page blobs.
_LOCAL_SCHEMES = ("data:", "blob:", "about:")


# --------------------------------------------------------------------------------------------- browser set-up
def ensure_chromium() -> str:
    """Return the path of the system Chromium, installing it with apt when missing (root only).

    Fails the test session with a clear message when Chromium is missing and cannot be installed: the browser
    tests are part of ``make test`` and must never be skipped silently.
    """
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") and ENSURE_SCRIPT.exists():
        done = subprocess.run(["bash", str(ENSURE_SCRIPT)], capture_output=True, text=True)
        if done.returncode == 0 and Path(CHROMIUM).exists():
            return CHROMIUM
        pytest.fail(f"Chromium is missing at {CHROMIUM} and `bash {ENSURE_SCRIPT}` could not install it "
                    f"(exit {done.returncode}):\n{done.stdout[-1500:]}{done.stderr[-1500:]}", pytrace=False)
    pytest.fail(f"The browser tests need Debian's Chromium at {CHROMIUM} (or set HIPCOURSE_CHROMIUM). "
                "Install it with `sudo apt-get install -y chromium` (or run `sudo bash tools/ensure_browser.sh`); "
                "no browser is ever downloaded by the tests.", pytrace=False)


def ensure_axe() -> Path:
    """Return the path of ``axe.min.js``, installing npm package ``axe-core`` into a cache folder if needed."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("The accessibility tests need axe-core; npm was not found. Install Node.js/npm "
                    "(`apt-get install -y npm`) or put axe.min.js at "
                    f"{script} (set HIPCOURSE_AXE_DIR to use another folder).", pytrace=False)
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(AXE_DIR),
                           f"axe-core@{AXE_VERSION}"], capture_output=True, text=True)
    if done.returncode != 0 or not script.exists():
        pytest.fail(f"`npm install axe-core@{AXE_VERSION}` into {AXE_DIR} failed (exit {done.returncode}):\n"
                    f"{done.stderr[-2000:]}", pytrace=False)
    return script


# --------------------------------------------------------------------------------------------- lessons
_SHOW_QUIZ = re.compile(r"""show_quiz\(\s*["'](lesson\d\d)["']\s*,\s*["']([^"']+)["']""")


def lesson_quizzes(notebook: str, *, root: Path = ROOT) -> list[tuple[str, str, list[dict]]]:
    """``[(bank, quiz id, [question specs])]`` for every ``show_quiz(...)`` call in the notebook, in order.

    ``root`` is the course folder to read: the tests pass the served copy, so a bank edited in the checkout
    while the tests run cannot disagree with what the browser shows.
    """
    import yaml

    cells = json.loads((root / "notebooks" / notebook).read_text(encoding="utf-8"))["cells"]
    out = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for bank, quiz_id in _SHOW_QUIZ.findall("".join(cell["source"])):
            data = yaml.safe_load((root / "data" / "quizzes" / f"{bank}.yaml").read_text(encoding="utf-8"))
            quiz = next((q for q in data["quizzes"] if q["id"] == quiz_id), None)
            if quiz is None:
                raise AssertionError(f"{notebook}: show_quiz({bank!r}, {quiz_id!r}): no such quiz in "
                                     f"data/quizzes/{bank}.yaml")
            out.append((bank, quiz_id, quiz["questions"]))
    return out


@dataclass
class LessonPage:
    """One lesson opened in the browser and run: the page plus what was recorded while it ran."""

    name: str
    page: object
    lab: LabServer
    run_seconds: float
    offsite: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)

    @property
    def stem(self) -> str:
        return Path(self.name).stem

    def panel(self):
        """The visible notebook panel."""
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first

    def question(self, qid: str):
        """The DOM of question ``qid`` (the package adds the class ``quiz-<id>`` to every question)."""
        return self.panel().locator(f".quiz-question.quiz-{qid}").first

    def quizzes(self):
        """The lesson's quizzes as served (read from the course copy)."""
        return lesson_quizzes(self.name, root=self.lab.root_dir)


def _record_request(lab: LabServer, sink: list):
    local = (lab.base, f"ws://127.0.0.1:{lab.port}")

    def record(request):
        if not request.url.startswith(local + _LOCAL_SCHEMES):
            sink.append(request.url)

    return record


def wait_until_run(page, *, timeout_ms: int = KERNEL_TIMEOUT_MS) -> None:
    """Wait until every code cell has an execution count and the kernel is idle again."""
    page.wait_for_function(
        """() => {
            const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
            if (!panel || !panel.content || !panel.content.model) return false;
            const indicator = document.querySelector(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator');
            if (!indicator || indicator.getAttribute('data-status') !== 'idle') return false;
            for (const cell of panel.content.model.cells) {
                if (cell.type === 'code' && cell.sharedModel.getSource().trim() && !cell.executionCount) return false;
            }
            return true;
        }""",
        timeout=timeout_ms, polling=250)


def notebook_problems(page) -> list[str]:
    """Error outputs and stderr streams in the open notebook's model, one line each."""
    return page.evaluate(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const problems = [];
            let index = 0;
            for (const cell of panel.content.model.cells) {
                index += 1;
                if (cell.type !== 'code') continue;
                for (const out of cell.outputs.toJSON()) {
                    if (out.output_type === 'error') {
                        problems.push(`cell ${index}: ${out.ename}: ${out.evalue}`);
                    } else if (out.output_type === 'stream' && out.name === 'stderr') {
                        const text = Array.isArray(out.text) ? out.text.join('') : out.text;
                        problems.push(`cell ${index}: stderr: ${text.slice(0, 300)}`);
                    }
                }
            }
            return problems;
        }""")


def open_and_run(browser, lab: LabServer, notebook: str) -> LessonPage:
    """Open ``notebooks/<notebook>`` in JupyterLab, run all cells and wait until the kernel is idle."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    lesson = LessonPage(name=notebook, page=page, lab=lab, run_seconds=0.0)
    page.on("request", _record_request(lab, lesson.offsite))
    page.on("console", lambda m: lesson.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: lesson.page_errors.append(str(e)))
    # ?reset ignores any saved workspace, so only this notebook is open.
    page.goto(lab.url(f"lab/tree/notebooks/{notebook}", reset=""))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=KERNEL_TIMEOUT_MS)
    page.wait_for_selector("#jp-main-statusbar >> text=Idle", timeout=KERNEL_TIMEOUT_MS)
    start = time.monotonic()
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    try:
        wait_until_run(page)
    except Exception as exc:
        raise AssertionError(f"{notebook}: run-all did not finish within {KERNEL_TIMEOUT_MS / 1000:.0f} s "
                             f"({exc.__class__.__name__}); server log:\n{lab.log_tail(1500)}") from exc
    lesson.run_seconds = time.monotonic() - start
    return lesson


def reset_question(question) -> None:
    """Make a question answerable again (press "Try again" if an earlier test left feedback showing)."""
    retry = question.get_by_role("button", name="Try again", exact=True)
    if retry.count() and retry.is_enabled():
        retry.click()


def feedback_text(question, *, contains: str, timeout_ms: int = 20_000) -> str:
    """Wait until the question's feedback contains ``contains`` and return the feedback text."""
    from playwright.sync_api import expect

    feedback = question.locator(".quiz-feedback").first
    expect(feedback).to_contain_text(contains, timeout=timeout_ms)
    return feedback.inner_text()


def first_of_type(lesson: LessonPage, kinds=("single", "truefalse"), *, last: bool = False):
    """``(bank, quiz id, spec)`` of the first (or last) question of one of ``kinds`` in the lesson, or None."""
    found = [(bank, quiz_id, spec) for bank, quiz_id, specs in lesson.quizzes() for spec in specs
             if spec["type"] in kinds]
    if not found:
        return None
    return found[-1] if last else found[0]
