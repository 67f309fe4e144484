"""Workshop set-ups, tested for real.

1. ``test_two_learners_pull_and_run_the_course_on_jupyterhub``: a real JupyterHub on 127.0.0.1
   (DummyAuthenticator with a password, SimpleLocalProcessSpawner, configurable-http-proxy from npm, or the
   PyPI package if npm is missing). Two learners log in, follow an nbgitpuller link that pulls the course
   from a local git clone (``repo=file://...``), run lesson 0 through their own server's kernels API and
   answer a question; each learner's progress file must be in their own home and hold only their answer.
2. ``test_course_runs_from_a_plain_copy_without_installing_it``: the repository copied without ``.venv`` or
   ``.git`` runs lesson 0 with nbclient using only the environment.yml packages; ``hipcourse`` is imported
   from the copy's ``notebooks/`` folder and is not installed anywhere.

Every process started here is stopped by its PID (process group) in a ``finally``; every wait has a timeout.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
LESSON0 = "notebooks/00_start_here.ipynb"
TARGET = "hip-course"  # folder the course is pulled into, in each learner's home
LEARNERS = ("alice", "bob")
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hipcourse-tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _clean_env(**extra) -> dict:
    """The environment for child processes: no test-only or learner-redirecting variables."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("HIPCOURSE_PROGRESS_DIR", "HIPCOURSE_DATA_DIR", "XDG_DATA_HOME", "PYTHONPATH",
                        "MPLBACKEND", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR")}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def _stop(process: subprocess.Popen, *, grace: float = 20.0) -> None:
    """Stop a process we started (its own session, so its group id is its PID): TERM, wait, then KILL."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _kill_pid(pid: int) -> None:
    """Stop one single-user server by PID if it outlived the hub."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        time.sleep(2)


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def proxy_command():
    """configurable-http-proxy: the npm package in a cache dir, or the PyPI package if npm is missing."""
    npm_dir = CACHE / "chp"
    executable = npm_dir / "node_modules" / ".bin" / "configurable-http-proxy"
    if shutil.which("npm"):
        if not executable.exists():
            npm_dir.mkdir(parents=True, exist_ok=True)
            result = subprocess.run(["npm", "install", "--prefix", str(npm_dir), "--no-audit", "--no-fund",
                                     "configurable-http-proxy@4"], capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, f"npm install configurable-http-proxy failed:\n{result.stderr[-2000:]}"
        print(f"\nconfigurable-http-proxy: npm package from {executable}")
        return [str(executable)]
    fallback = shutil.which("configurable-http-proxy", path=str(VENV_BIN))
    assert fallback, ("npm is missing and the PyPI 'configurable-http-proxy' package is not installed: "
                      "apt-get install npm, or pip install configurable-http-proxy")
    print(f"\nconfigurable-http-proxy: PyPI package (npm unavailable) at {fallback}")
    return [fallback]


@pytest.fixture(scope="module")
def course_repo(tmp_path_factory):
    """A local git clone of the course holding the current working tree (committed in the clone only)."""
    clone = tmp_path_factory.mktemp("origin") / "course"
    git = ["git", "-c", "user.name=hub test", "-c", "user.email=hub-test@invalid", "-c", "safe.directory=*"]
    subprocess.run([*git, "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    # The clone has the last commit; lay today's files over it so the test checks what is being built.
    listed = subprocess.run([*git, "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            check=True, capture_output=True, timeout=60).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    subprocess.run([*git, "-C", str(clone), "add", "-A"], check=True, timeout=60)
    subprocess.run([*git, "-C", str(clone), "commit", "--quiet", "--allow-empty", "-m", "working tree"],
                   check=True, timeout=60)
    branch = subprocess.run([*git, "-C", str(clone), "rev-parse", "--abbrev-ref", "HEAD"], check=True,
                            capture_output=True, text=True, timeout=30).stdout.strip()
    return clone, branch


class Hub:
    """A running JupyterHub; ``api(method, path)`` calls its REST API as the admin test service."""

    def __init__(self, base: str, token: str, homes: Path, log: Path, password: str):
        self.base, self.token, self.homes, self.log, self.password = base, token, homes, log, password

    def api(self, method: str, path: str, **kwargs):
        return requests.request(method, f"{self.base}/hub/api{path}", timeout=30,
                                headers={"Authorization": f"token {self.token}"}, **kwargs)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else "(no log)"


@pytest.fixture(scope="module")
def hub(tmp_path_factory, proxy_command):
    work = tmp_path_factory.mktemp("hub")
    homes = work / "homes"
    homes.mkdir()
    port, hub_port, api_port = _free_port(), _free_port(), _free_port()
    token, password = secrets.token_hex(24), secrets.token_hex(12)
    config = work / "jupyterhub_config.py"
    settings = {
        "JupyterHub.ip": "127.0.0.1", "JupyterHub.port": port,
        "JupyterHub.hub_ip": "127.0.0.1", "JupyterHub.hub_port": hub_port,
        "ConfigurableHTTPProxy.api_url": f"http://127.0.0.1:{api_port}",
        "ConfigurableHTTPProxy.command": proxy_command,
        "ConfigurableHTTPProxy.pid_file": str(work / "proxy.pid"),
        "JupyterHub.authenticator_class": "dummy", "DummyAuthenticator.password": password,
        "Authenticator.allow_all": True,
        "JupyterHub.spawner_class": "simple",
        "SimpleLocalProcessSpawner.home_dir_template": str(homes / "{username}"),
        "Spawner.cmd": [str(VENV_BIN / "jupyterhub-singleuser")],
        "Spawner.args": ["--allow-root"] if os.geteuid() == 0 else [],
        "Spawner.start_timeout": 120, "Spawner.http_timeout": 120,
        "JupyterHub.db_url": f"sqlite:///{work / 'hub.sqlite'}",
        "JupyterHub.cookie_secret_file": str(work / "cookie_secret"),
        "JupyterHub.pid_file": str(work / "hub.pid"),
        "JupyterHub.cleanup_servers": True,
        "JupyterHub.services": [{"name": "workshop-test", "api_token": token}],
        "JupyterHub.load_roles": [{"name": "workshop-test", "services": ["workshop-test"],
                                   "scopes": ["admin:users", "admin:servers", "tokens", "access:servers",
                                              "read:users"]}],
    }
    config.write_text("c = get_config()  # noqa\n" + "".join(
        f"c.{key} = {json.dumps(value)}\n".replace("true", "True").replace("false", "False")
        for key, value in settings.items()))
    log = work / "hub.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen([str(VENV_BIN / "jupyterhub"), "-f", str(config)], cwd=work,
                                   env=_clean_env(), stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Hub(f"http://127.0.0.1:{port}", token, homes, log, password)
    server_pids: list[int] = []
    running.server_pids = server_pids
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"JupyterHub exited early:\n{running.log_tail()}"
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{running.base}/hub/api/", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"JupyterHub did not answer in 90 s:\n{running.log_tail()}"
            time.sleep(1)
        yield running
    finally:
        _stop(process)
        for pid in server_pids:
            _kill_pid(pid)


# ------------------------------------------------------------------------------------------ helpers
def _login(hub: Hub, name: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{hub.base}/hub/login", timeout=30).raise_for_status()
    xsrf = session.cookies.get("_xsrf")
    wrong = session.post(f"{hub.base}/hub/login", data={"username": name, "password": "wrong", "_xsrf": xsrf},
                         allow_redirects=False, timeout=30)
    assert wrong.status_code == 403, f"a wrong password was accepted for {name}"
    response = session.post(f"{hub.base}/hub/login", timeout=30, allow_redirects=False,
                            data={"username": name, "password": hub.password, "_xsrf": xsrf})
    assert response.status_code == 302, f"login of {name} failed: {response.status_code}\n{hub.log_tail()}"
    assert any(c.name.startswith("jupyterhub-session") or c.name == "jupyterhub-hub-login"
               for c in session.cookies), "no login cookie"
    return session


def _start_server(hub: Hub, name: str) -> None:
    response = hub.api("POST", f"/users/{name}/server")
    assert response.status_code in (201, 202), f"spawn of {name}: {response.status_code} {response.text}"
    deadline = time.monotonic() + 150
    while True:
        model = hub.api("GET", f"/users/{name}").json()
        server = model.get("servers", {}).get("", {})
        if server.get("ready"):
            pid = (server.get("state") or {}).get("pid")
            if pid:
                hub.server_pids.append(int(pid))
            return
        assert time.monotonic() < deadline, f"server of {name} not ready in 150 s:\n{hub.log_tail()}"
        time.sleep(1)


def _user_token(hub: Hub, name: str) -> str:
    response = hub.api("POST", f"/users/{name}/tokens", json={"note": "workshop test", "expires_in": 900})
    assert response.status_code in (200, 201), f"token for {name}: {response.status_code} {response.text}"
    return response.json()["token"]


def nbgitpuller_link(hub_url: str, *, repo: str, branch: str, notebook: str, targetpath: str) -> str:
    """The link an instructor hands out (same recipe as in notebooks/instructor/guide.md)."""
    query = urlencode({"repo": repo, "branch": branch, "targetpath": targetpath,
                       "urlpath": f"lab/tree/{targetpath}/{notebook}"})
    return f"{hub_url}/hub/user-redirect/git-pull?{query}"


def _pull(hub: Hub, name: str, token: str, repo: str, branch: str) -> str:
    """Do what the nbgitpuller page's script does: call its event-stream API and read to the end."""
    query = urlencode({"repo": repo, "branch": branch, "targetpath": TARGET})
    events = []
    with requests.get(f"{hub.base}/user/{name}/git-pull/api?{query}", stream=True, timeout=120,
                      headers={"Authorization": f"token {token}"}) as response:
        assert response.status_code == 200, f"git-pull for {name}: {response.status_code}"
        for line in response.iter_lines(decode_unicode=True):
            if line and line.startswith("data:"):
                event = json.loads(line[5:])
                events.append(event)
                if event.get("phase") in ("finished", "error"):
                    break
    assert events and events[-1].get("phase") == "finished", f"git-pull for {name} failed: {events[-3:]}"
    return "\n".join(str(e.get("output", "")) for e in events)


def _execute(ws, session_id: str, code: str, *, timeout: float = 180.0) -> dict:
    """Run ``code`` in the kernel behind websocket ``ws``; return {"status", "errors", "stdout"}."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "learner", "session": session_id, "msg_type": "execute_request",
                   "version": "5.3", "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    result = {"status": None, "errors": [], "stdout": "", "idle": False}
    deadline = time.monotonic() + timeout
    while result["status"] is None or not result["idle"]:
        ws.settimeout(max(1.0, deadline - time.monotonic()))
        assert time.monotonic() < deadline, f"cell did not finish in {timeout} s:\n{code}"
        message = json.loads(ws.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["msg_type"]
        if kind == "execute_reply":
            result["status"] = message["content"]["status"]
        elif kind == "error":
            result["errors"].append(f"{message['content']['ename']}: {message['content']['evalue']}")
        elif kind == "stream" and message["content"]["name"] == "stdout":
            result["stdout"] += message["content"]["text"]
        elif kind == "status" and message["content"]["execution_state"] == "idle":
            result["idle"] = True
    return result


def _run_lesson0(hub: Hub, name: str, token: str) -> str:
    """Run every code cell of lesson 0 in a new kernel of ``name``'s server, then record one answer."""
    import websocket

    headers = {"Authorization": f"token {token}"}
    api = f"{hub.base}/user/{name}/api"
    notebook = requests.get(f"{api}/contents/{TARGET}/{LESSON0}", params={"content": 1}, headers=headers,
                            timeout=30)
    assert notebook.status_code == 200, f"{name}: lesson 0 was not pulled ({notebook.status_code})"
    cells = [c for c in notebook.json()["content"]["cells"] if c["cell_type"] == "code"]
    kernel = requests.post(f"{api}/kernels", json={"name": "python3", "path": f"{TARGET}/notebooks"},
                           headers=headers, timeout=60)
    assert kernel.status_code == 201, f"{name}: kernel did not start: {kernel.text}"
    kernel_id = kernel.json()["id"]
    ws = websocket.create_connection(f"{hub.base.replace('http', 'ws', 1)}/user/{name}/api/kernels/"
                                     f"{kernel_id}/channels", header=[f"Authorization: token {token}"],
                                     timeout=60)
    session_id = uuid.uuid4().hex
    try:
        for cell in cells:
            source = "".join(cell["source"])
            result = _execute(ws, session_id, source)
            assert result["status"] == "ok" and not result["errors"], f"{name}: lesson 0 cell failed:\n" \
                f"{source}\n{result['errors']}"
        check = _execute(ws, session_id, (
            "import hipcourse, json\n"
            "from hipcourse.learning.progress import ProgressStore\n"
            "store = ProgressStore()\n"
            f"store.record_answer('l0-course-progress', answer='{name} was here', correct=True)\n"
            "print(json.dumps({'progress': str(store.path), 'package': hipcourse.__file__}))\n"))
        assert check["status"] == "ok", check["errors"]
        return check["stdout"].strip().splitlines()[-1]
    finally:
        ws.close()
        requests.delete(f"{api}/kernels/{kernel_id}", headers=headers, timeout=30)


# ------------------------------------------------------------------------------------------ tests
def test_two_learners_pull_and_run_the_course_on_jupyterhub(hub, course_repo):
    clone, branch = course_repo
    repo = clone.as_uri()  # file:///...: the hub pulls from a local clone, nothing from the network
    found = {}
    for name in LEARNERS:
        session = _login(hub, name)
        _start_server(hub, name)
        link = nbgitpuller_link(hub.base, repo=repo, branch=branch, notebook=LESSON0, targetpath=TARGET)
        page = session.get(link, timeout=60)  # the learner follows the link: OAuth into their own server
        assert page.status_code == 200 and f"/user/{name}/git-pull" in page.url, (page.status_code, page.url)
        token = _user_token(hub, name)
        _pull(hub, name, token, repo, branch)
        home = hub.homes / name
        assert (home / TARGET / LESSON0).exists(), f"{name}: the course was not pulled into their home"
        found[name] = json.loads(_run_lesson0(hub, name, token))

    for name in LEARNERS:
        home = (hub.homes / name).resolve()
        progress = Path(found[name]["progress"]).resolve()
        assert progress.is_relative_to(home), f"{name}'s progress is outside their home: {progress}"
        assert Path(found[name]["package"]).resolve().is_relative_to(home / TARGET), \
            f"{name} imported hipcourse from {found[name]['package']}, not from the pulled course"
        data = json.loads(progress.read_text(encoding="utf-8"))
        answers = data["questions"]["l0-course-progress"]["answers"]
        assert answers == [f"{name} was here"], f"{name}'s progress holds someone else's answers: {answers}"
    assert found["alice"]["progress"] != found["bob"]["progress"]


def test_course_runs_from_a_plain_copy_without_installing_it(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    copy = tmp_path / "course"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".venv", ".git", "handouts", "__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"))
    assert not (copy / ".venv").exists() and (copy / "environment.yml").exists()
    # Nothing but the environment: the package is not installed, so outside the course it is not found.
    probe = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('hipcourse'))"],
                           cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=60)
    assert probe.stdout.strip() == "None", f"hipcourse is installed in the environment: {probe.stdout}"
    for key in ("PYTHONPATH", "HIPCOURSE_DATA_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HIPCOURSE_PROGRESS_DIR", str(tmp_path / "progress"))
    notebook_path = copy / LESSON0
    nb = nbformat.read(notebook_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import hipcourse; print(hipcourse.__file__)"))
    client = NotebookClient(nb, kernel_name="python3", timeout=180,
                            resources={"metadata": {"path": str(notebook_path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    imported = Path(nb.cells[-1].outputs[0]["text"].strip()).resolve()
    assert imported.is_relative_to(copy.resolve()), f"hipcourse came from {imported}, not from the copy"
