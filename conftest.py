"""Repository-wide pytest set-up: keep learners' files out of every test run.

This file is imported before collection, so the environment variables set here are inherited by every
kernel that nbval starts (nbval launches kernels lazily, when the first cell of a notebook runs).
"""

import os
import shutil
import tempfile

_PROGRESS_DIR = None


def pytest_configure(config):
    """Point ``HIPCOURSE_PROGRESS_DIR`` at a fresh temporary directory for the whole session."""
    global _PROGRESS_DIR
    # Always override, even if the developer exported one: tests must never touch real learner files.
    _PROGRESS_DIR = tempfile.mkdtemp(prefix="hipcourse-test-progress-")
    os.environ["HIPCOURSE_PROGRESS_DIR"] = _PROGRESS_DIR
    # A stray MPLBACKEND (e.g. Agg) is inherited by nbval kernels and makes inline figures vanish,
    # so strict nbval fails; remove it rather than set it (the course never sets MPLBACKEND).
    os.environ.pop("MPLBACKEND", None)


def pytest_unconfigure(config):
    """Remove the session's temporary progress directory."""
    if _PROGRESS_DIR:
        shutil.rmtree(_PROGRESS_DIR, ignore_errors=True)
