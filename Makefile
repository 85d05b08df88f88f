# The two set-up commands: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test assets clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when pyproject.toml changes; the stamp files record what is installed.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

# axe-core for the accessibility checks; only when npm is present (CI installs it).
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; fi

# The demo serves on port 8000; when that is taken, e.g. make demo PORT=8001.
PORT ?= 8000

demo: $(VENV)/.installed
	$(BIN)/joinedup demo --port $(PORT)

# One worker per core (pytest-xdist), tests shared out one at a time so a slow file is run
# by both workers; a module whose tests share a module-scoped fixture (a browser journey's
# server, a seeded world) is kept on one worker (tests/conftest.py), so it is built once.
# docs/testing.md says where the time goes.
test: $(VENV)/.installed-dev node_modules/.installed
	$(BIN)/pytest -n auto --dist loadgroup

# Rebuild the committed GOV.UK Frontend assets (needs Node and npm).
assets: node_modules/.installed
	npm run build:assets

clean:
	rm -rf $(VENV) node_modules joinedup-data
