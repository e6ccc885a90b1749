# Codvid backend. `make run` serves the embedded default; `make test` runs every check.
# Installs come from the lock files (exact versions and hashes): requirements.lock is what
# serving needs, requirements-dev.lock adds the test and lint tools. `make lock` renews both.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-stamp
DEV     := $(VENV)/.dev-stamp
PIP     := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: install install-dev run test lint imports fmt typecheck pytest check clean bench lock

install: $(RUNTIME)

install-dev: $(DEV)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "codvid needs Python 3.11 or newer (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): requirements.lock pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	@touch $(RUNTIME)

$(DEV): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r requirements-dev.lock
	$(PIP) install --no-deps -e .
	@touch $(DEV) $(RUNTIME)

run: install
	$(BIN)/codvid serve

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

# The layer contracts in pyproject.toml ([tool.importlinter]).
imports: install-dev
	$(BIN)/lint-imports --no-cache

fmt: install-dev
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

typecheck: install-dev
	$(BIN)/mypy

# A MongoDB-wire-compatible server for the MongoDB adapter's tests (no mongod here);
# CODVID_TEST_MONGODB_URI=mongodb://... runs them against a real server instead.
JONGODB := .cache/jongodb/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb

$(JONGODB):
	npm install --prefix .cache/jongodb --no-audit --no-fund --silent \
		@jongodb/memory-server-bin-linux-x64-gnu@0.1.6

# Headless Chromium draws the growth chart's SVG in the tests; installed here when missing
# (as root, with apt), else those tests skip, saying why.
pytest: install-dev $(JONGODB)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
		|| (command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] \
			&& timeout 900 apt-get update -qq \
			&& DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq chromium) \
		|| echo "make: Chromium could not be installed; the chart's browser tests will skip" >&2
	$(BIN)/pytest

test: lint imports typecheck pytest

check: test

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .cache

# Renew the lock files from pyproject.toml (pip-tools; needs the package index).
lock: install-dev
	$(PIP) install pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		--output-file requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --extra dev \
		--output-file requirements-dev.lock pyproject.toml

# Performance goals, measured in one run (about 45 minutes); see bench/run.py.
bench: install-dev $(JONGODB)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/run.py
