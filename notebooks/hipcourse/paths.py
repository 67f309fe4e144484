"""Where the course finds its files.

* :func:`repo_root` - the repository root, found from this package's location
  (``notebooks/hipcourse`` -> ``../..``), so it works from notebooks, tests and
  the command line alike without installing anything.
* :func:`data_dir` - ``data/`` in the repository; the environment variable
  ``HIPCOURSE_DATA_DIR`` overrides it (tests point it at temporary copies).
* :func:`progress_dir` - where a learner's quiz progress is stored:
  ``HIPCOURSE_PROGRESS_DIR`` if set (tests and notebook execution always set it
  so nothing touches a learner's files), else
  ``platformdirs.user_data_dir("hipcourse")``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "data_dir", "progress_dir", "display_path",
           "DATA_DIR_ENV", "PROGRESS_DIR_ENV"]

DATA_DIR_ENV = "HIPCOURSE_DATA_DIR"
PROGRESS_DIR_ENV = "HIPCOURSE_PROGRESS_DIR"


def repo_root() -> Path:
    """Return the repository root (the folder holding ``notebooks/`` and ``data/``)."""
    return Path(__file__).resolve().parent.parent.parent


def data_dir() -> Path:
    """Return the course data directory (``$HIPCOURSE_DATA_DIR`` or ``<repo>/data``)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return repo_root() / "data"


def progress_dir() -> Path:
    """Return the folder for the learner's progress files (not created here).

    ``$HIPCOURSE_PROGRESS_DIR`` wins; otherwise the per-user data folder of the
    operating system, as given by ``platformdirs.user_data_dir("hipcourse")``.
    """
    override = os.environ.get(PROGRESS_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    # Imported here: only the progress store needs it, not every notebook.
    import platformdirs

    return Path(platformdirs.user_data_dir("hipcourse"))


def display_path(path: os.PathLike | str) -> str:
    """Return ``path`` relative to the repository root when it lies inside it.

    Error messages use this so they read ``data/points.yaml`` rather than an
    absolute path that differs between machines (and would break determinism
    of notebook outputs). Paths outside the repository are returned as given
    but with forward slashes.
    """
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(repo_root()).as_posix()
    except ValueError:
        return Path(path).as_posix()
