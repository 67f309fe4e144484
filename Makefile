# The course's two commands (see README.md):
#   make lab   - set up .venv if needed and open the course in JupyterLab
#   make test  - set up .venv if needed and run every test (unit tests, browser tests, strict nbval on every notebook)
# Needs only python3 (with the venv module), make and git. Everything else comes from requirements-lock.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Touched after the lock is installed: re-install only when requirements-lock.txt is newer.
STAMP  := $(VENV)/.lock-installed
START  := notebooks/00_start_here.ipynb
# JupyterLab refuses to start as root (containers, CI) unless told it is intended.
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: lab test venv clean-venv

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
