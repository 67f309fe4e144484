"""Reader mode for the browser tests: run ``make reader`` (Voila) on a copy of the course and find its address.

The server is started through the course's own Makefile recipe, in the temporary copy, so the test checks the
command a learner types, not a re-typed copy of its options. Three Make variables are overridden on the
command line and nothing else: ``BIN`` (the interpreter running the tests, so the copy needs no ``.venv`` of its own),
``STAMP=`` (empty: no "install the lock first" prerequisite) and ``READER_PORT`` (a free port).

Voila has no ``/api/status``; the address with the token is the line ``make reader`` prints, and the server is
ready when that address answers.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from labserver import free_port

__all__ = ["ReaderServer", "ReaderServerError"]

_ADDRESS = re.compile(r"^(http://\S+?/)\?token=([0-9a-f]{16,})\s*$", re.MULTILINE)


class ReaderServerError(RuntimeError):
    """``make reader`` did not start; the message ends with the tail of its output."""


class ReaderServer:
    """Start and stop ``make reader`` in ``course_dir`` on a free port.

    Args:
        course_dir: a temporary copy of the course (with its Makefile), never the checkout.
        env: extra environment variables for Voila and its kernels (e.g. ``HIPCOURSE_PROGRESS_DIR``).

    After :meth:`start`: ``address`` is the printed address (``http://127.0.0.1:<port>/``), ``token`` the token,
    ``url(path)`` an address with the token, ``startup_seconds`` how long it took to answer.
    """

    def __init__(self, course_dir, *, env=None):
        self.course_dir = Path(course_dir)
        self.extra_env = dict(env or {})
        self.port = free_port()
        self.state_dir = Path(tempfile.mkdtemp(prefix="hipcourse-reader-"))
        self.proc: subprocess.Popen | None = None
        self.address: str | None = None
        self.token: str | None = None
        self.startup_seconds: float | None = None
        self._log = None

    @property
    def log_path(self) -> Path:
        return self.state_dir / "reader.log"

    def command(self) -> list[str]:
        """The ``make`` command line (the recipe itself comes from the copy's Makefile)."""
        make = shutil.which("make")
        if make is None:
            raise ReaderServerError("`make` is not installed; the reader test runs `make reader` "
                                    "(README: the course needs python3, make and git).")
        bin_dir = Path(sys.executable).parent
        if not (bin_dir / "voila").exists():
            raise ReaderServerError(f"{bin_dir / 'voila'} is missing: voila is in environment.yml and the lock; "
                                    "run `make venv` to install it.")
        return [make, "--no-print-directory", "-C", str(self.course_dir), "reader",
                f"BIN={bin_dir}", "STAMP=", f"READER_PORT={self.port}"]

    def url(self, path: str = "", **query) -> str:
        """Address of ``path`` on the server with the token (and ``query`` items) in the query string."""
        items = "".join(f"&{key}={value}" for key, value in query.items())
        return f"{self.address}{path.lstrip('/')}?token={self.token}{items}"

    def start(self, *, timeout: float = 90.0) -> "ReaderServer":
        """Run ``make reader``, wait for the address it prints and for that address to answer."""
        env = dict(os.environ, **self.extra_env,
                   JUPYTER_CONFIG_DIR=str(self.state_dir / "config"),  # isolate from ~/.jupyter
                   JUPYTER_RUNTIME_DIR=str(self.state_dir / "runtime"))
        env.pop("MPLBACKEND", None)  # the project never sets it (it would change how kernels draw)
        env.pop("JUPYTER_TOKEN", None)  # a preset token would be used and printed as "..."
        env.pop("MAKEFLAGS", None)  # an outer make's flags (-n, -j) must not change the recipe
        command = self.command()
        self._log = open(self.log_path, "w", encoding="utf-8")
        start = time.monotonic()
        # A new session: make and Voila form one process group that stop() ends (Voila then stops its kernels).
        self.proc = subprocess.Popen(command, env=env, cwd=self.course_dir, stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise ReaderServerError(f"`make reader` exited with code {self.proc.returncode}:\n{self.log_tail()}")
            if self.address is None:
                found = _ADDRESS.search(self.log_path.read_text(encoding="utf-8", errors="replace"))
                if found:
                    self.address, self.token = found.groups()
            if self.address is not None:
                try:
                    with urllib.request.urlopen(self.url(), timeout=5) as answer:
                        if answer.status == 200:
                            self.startup_seconds = time.monotonic() - start
                            return self
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.25)
        self.stop()
        raise ReaderServerError(f"`make reader` did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, chars: int = 3000) -> str:
        """The last ``chars`` characters of what ``make reader`` printed."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no output)"

    def stop(self) -> None:
        """SIGTERM to make and Voila (Voila shuts its kernels down), then remove the private directories."""
        if self.proc is not None:
            group = self.proc.pid  # start_new_session: the group id is make's pid
            if _group_alive(group):
                os.killpg(group, signal.SIGTERM)
                deadline = time.monotonic() + 20
                while _group_alive(group) and time.monotonic() < deadline:
                    self.proc.poll()  # reap make so that it does not linger as a zombie of the group
                    time.sleep(0.2)
                if _group_alive(group):
                    os.killpg(group, signal.SIGKILL)
            self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> "ReaderServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _group_alive(group: int) -> bool:
    """True while any process of process group ``group`` (make, Voila) still exists."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
