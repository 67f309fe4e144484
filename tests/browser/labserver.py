"""A throw-away JupyterLab server on the loopback interface, for the browser tests and the benchmark.

The server keeps token authentication (a random token per run), listens on 127.0.0.1 only, and gets its own
config, runtime, settings and workspace directories in a temporary folder, so a developer's ``~/.jupyter`` can
neither change what the tests see nor be changed by them. Two JupyterLab user settings are written there:
the default kernel starts without a "Select Kernel" dialog, and the news / update toast never appears (it would
cover the notebook in screenshots and would try to reach the internet).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

__all__ = ["LabServer", "LabServerError", "free_port"]

#: JupyterLab user settings written into the server's private settings directory.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # windowingMode "none": every cell is rendered, so screenshots and the accessibility audit see the
    # whole lesson, not only the cells scrolled into view.
    "@jupyterlab/notebook-extension/tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
}


class LabServerError(RuntimeError):
    """The server could not be started; the message ends with the tail of its log."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    """Start and stop ``jupyter lab`` serving ``root_dir`` on 127.0.0.1 with a random token.

    Args:
        root_dir: the folder the server shows (a temporary copy of the course, never the checkout).
        env: extra environment variables for the server and its kernels (e.g. ``HIPCOURSE_PROGRESS_DIR``).
        extra_args: more command-line options for ``jupyter lab``.

    Use as a context manager or call :meth:`start` and :meth:`stop`. ``url(path)`` gives an address with the
    token; ``log_tail()`` the end of the server log (for error messages).
    """

    def __init__(self, root_dir, *, env=None, extra_args=()):
        self.root_dir = Path(root_dir)
        self.extra_env = dict(env or {})
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.token = secrets.token_hex(24)
        self.state_dir = Path(tempfile.mkdtemp(prefix="hipcourse-labserver-"))
        self.proc: subprocess.Popen | None = None
        self.startup_seconds: float | None = None
        self._log = None

    @property
    def base(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "lab", **query) -> str:
        """Address of ``path`` on the server with the token (and ``query`` items) in the query string."""
        items = "".join(f"&{key}={value}" for key, value in query.items())
        return f"{self.base}/{path.lstrip('/')}?token={self.token}{items}"

    def _write_settings(self) -> Path:
        settings = self.state_dir / "settings"
        for plugin, values in USER_SETTINGS.items():
            target = settings / f"{plugin}.jupyterlab-settings"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values), encoding="utf-8")
        return settings

    def start(self, *, timeout: float = 90.0) -> "LabServer":
        """Start the server and wait until ``/api/status`` answers; raise :class:`LabServerError` if not."""
        env = dict(os.environ, **self.extra_env,
                   JUPYTER_CONFIG_DIR=str(self.state_dir / "config"),  # isolate from ~/.jupyter
                   JUPYTER_RUNTIME_DIR=str(self.state_dir / "runtime"),
                   JUPYTERLAB_SETTINGS_DIR=str(self._write_settings()),
                   JUPYTERLAB_WORKSPACES_DIR=str(self.state_dir / "workspaces"))
        # The project never sets MPLBACKEND; a stray one would change how kernels draw figures.
        env.pop("MPLBACKEND", None)
        command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                   f"--port={self.port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
                   # window.jupyterapp lets the tests run JupyterLab commands (run-all has no default key)
                   "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   *self.extra_args]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # CI containers run as root; jupyter refuses without this flag
        self._log = open(self.state_dir / "server.log", "w", encoding="utf-8")
        start = time.monotonic()
        # A new session: a Ctrl-C in pytest does not reach the server directly; stop() ends it by pid.
        self.proc = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise LabServerError(f"jupyter lab exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=2) as answer:
                    if answer.status == 200:
                        self.startup_seconds = time.monotonic() - start
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.25)
        self.stop()
        raise LabServerError(f"jupyter lab did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str):
        """Call the server's REST API (``/api/...``) with the token; return the decoded JSON (or None)."""
        request = urllib.request.Request(f"{self.base}/{path.lstrip('/')}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=20) as answer:
            body = answer.read()
        return json.loads(body) if body else None

    def shutdown_sessions(self) -> int:
        """Shut down every kernel session of the server (between lessons: two cores are shared); return the count."""
        sessions = self.api("GET", "api/sessions") or []
        for session in sessions:
            self.api("DELETE", f"api/sessions/{session['id']}")
        return len(sessions)

    def log_tail(self, chars: int = 3000) -> str:
        """The last ``chars`` characters of the server log."""
        try:
            return (self.state_dir / "server.log").read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        """Stop the server (SIGTERM lets it shut its kernels down) and remove its private directories."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> "LabServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
