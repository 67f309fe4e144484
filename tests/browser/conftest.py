"""Fixtures for the browser tests: the course in JupyterLab, driven by Debian's Chromium through playwright.

One JupyterLab server serves a temporary copy of the course for the whole session (nothing is written into the
checkout; learner progress goes to a temporary folder). The ``lesson`` fixture is session-scoped and
parametrized over every ``notebooks/NN_*.ipynb``: pytest groups the tests of all modules by lesson, so each
lesson is opened and run once, in one browser page, and every test of that lesson looks at the same page.

Nothing here downloads a browser: Chromium comes from apt (``tools/ensure_browser.sh`` installs it when run as
root); if it is missing and cannot be installed the tests fail with a message that says what to do.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the folder is not a package

from labserver import LabServer  # noqa: E402
from lessonpage import (  # noqa: E402
    COPY_IGNORE, CHROMIUM_ARGS, LESSONS, REPORTS, ROOT, SCREENSHOTS, LessonPage, ensure_axe, ensure_chromium,
    open_and_run,
)


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory) -> Path:
    """A temporary copy of the course (the server and its kernels may write there, never in the checkout)."""
    target = tmp_path_factory.mktemp("course") / "course"
    shutil.copytree(ROOT, target, ignore=COPY_IGNORE, symlinks=True)
    return target


@pytest.fixture(scope="session")
def lab(course_copy, tmp_path_factory):
    """One JupyterLab server for the session, serving the course copy on 127.0.0.1 with a random token."""
    progress = tmp_path_factory.mktemp("progress")
    server = LabServer(course_copy, env={"HIPCOURSE_PROGRESS_DIR": str(progress)})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium (playwright never downloads a browser here)."""
    path = ensure_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The browser tests need the Python package 'playwright' (in environment.yml); "
                    "run `make venv` to install the lock file.", pytrace=False)
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """Path of ``axe.min.js`` (installed once into a cache folder, injected into pages without network)."""
    return ensure_axe()


@pytest.fixture(scope="session", params=LESSONS, ids=[Path(n).stem for n in LESSONS])
def lesson(request, browser, lab) -> LessonPage:
    """A lesson opened and run in its own browser page (session-scoped: every test module shares it)."""
    opened = open_and_run(browser, lab, request.param)
    yield opened
    opened.page.context.close()
    # Shut this lesson's kernel down before the next lesson starts one: two cores are shared.
    lab.shutdown_sessions()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """``build/screenshots`` (gitignored), created on demand."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def report_dir() -> Path:
    """``build/a11y`` (gitignored): the accessibility findings as JSON, course content and Lab chrome apart."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    return REPORTS
