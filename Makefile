# The course's two commands (see README.md):
#   make lab   - set up .venv if needed and open the course in JupyterLab
#   make test  - set up .venv if needed and run every test (unit tests, browser tests, strict nbval on every notebook)
# and one optional command for learners who do not want JupyterLab's interface:
#   make reader - set up .venv if needed and serve the lessons as web pages with Voila (code hidden)
# Needs only python3 (with the venv module), make and git. Everything else comes from requirements-lock.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Touched after the lock is installed: re-install only when requirements-lock.txt is newer.
STAMP  := $(VENV)/.lock-installed
START  := notebooks/00_start_here.ipynb
# JupyterLab refuses to start as root (containers, CI) unless told it is intended.
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: lab reader test venv clean-venv

venv: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "make: '$(PYTHON) -m venv' failed. On Debian/Ubuntu install the venv module first:" >&2; \
	  echo "      apt-get install python3-venv   (then run make again)" >&2; exit 1; }

$(STAMP): requirements-lock.txt | $(BIN)/python
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-lock.txt
	touch $(STAMP)

# Loopback only; token authentication stays on (the URL with the token is printed in the terminal).
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(ROOT_FLAG) $(START)

# Reader mode: Voila serves notebooks/ as plain web pages. Each lesson runs in its own kernel whose working
# directory is the notebook's folder (notebooks/), so `hipcourse` imports as in JupyterLab, and progress goes to
# the same store (platformdirs, or HIPCOURSE_PROGRESS_DIR when set). Quizzes and the ipympl locate diagrams are
# live widgets. Loopback only; --token makes Voila generate a token and print the address with it (the list of
# lessons; open 00_start_here.ipynb). --strip_sources=True is Voila's default, spelled out: no code is ever
# sent to the browser. The package folder is hidden from the list (hide_globs: the defaults plus hipcourse).
# No $(ROOT_FLAG): Voila, unlike JupyterLab, runs as root without complaint and rejects --allow-root.
# tests/browser/test_reader.py runs this very recipe (on a copy of the course, on a free port).
READER_PORT ?= 8866
READER_OPTS := --no-browser --Voila.ip=127.0.0.1 --Voila.port_retries=0 --token --strip_sources=True \
	--ContentsManager.hide_globs=__pycache__ --ContentsManager.hide_globs='*.pyc' \
	--ContentsManager.hide_globs='*~' --ContentsManager.hide_globs=.DS_Store --ContentsManager.hide_globs=hipcourse

reader: $(STAMP)
	@echo "make reader: open the address with the token printed below, then 00_start_here.ipynb (Ctrl-C stops)"
	$(BIN)/voila $(READER_OPTS) --port=$(READER_PORT) notebooks

# One pytest call runs everything (testpaths in pytest.ini). The font cache is built first because
# matplotlib's "building the font cache" message in a kernel would be stderr, which strict nbval fails.
# conftest.py points HIPCOURSE_PROGRESS_DIR at a temporary directory: learners' files are never touched.
test: $(STAMP)
	$(BIN)/python -c "import matplotlib.pyplot"
	@# Browser tests (tests/browser) use Debian's Chromium; installed here when root, else a clear message
	@# (the browser tests then fail, never skip; the other tests still run).
	@bash tools/ensure_browser.sh || echo "make test: Chromium/npm missing: the browser tests will fail" >&2
	@status=0; $(BIN)/python -m pytest || status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5): failing" >&2; fi; \
	exit $$status

clean-venv:
	rm -rf $(VENV)
