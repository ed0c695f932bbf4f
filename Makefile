# Daybook: `make demo` to try it, `make test` to check it. See README.md.
#
# Needs only Python 3.11 and Node.js with npm; everything else is installed into .venv/
# (Python packages, pinned with hashes) and node_modules/ (front-end packages, locked).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
TEST_TOOLS_STAMP := $(VENV)/.test-tools-installed
ASSETS_STAMP := build/.assets-installed
NODE_TEST_TOOLS := node_modules/axe-core/axe.min.js
VENDOR := build/static/vendor
PORT ?= 8000
export PORT

.PHONY: help venv test-tools assets demo serve test lint format bench clean

help:
	@echo "make demo    install, load the demo MSP and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test    lint, migration check, then the tests on SQLite and PostgreSQL"
	@echo "make serve   install, migrate and serve without demo data"
	@echo "make lint    ruff check, ruff format --check and the layer contract (lint-imports)"
	@echo "make format  let ruff format and fix what it can"
	@echo "make bench   run the benchmarks bench/*_bench.py (slow; not part of make test)"
	@echo "make assets  build the front-end files into $(VENDOR)/"
	@echo "make clean   remove .venv/, node_modules/, build/ and caches (keeps var/, your data)"

# --- installation -------------------------------------------------------------------------

venv: $(VENV_STAMP)

# Re-runs only when the pins or the package metadata change. The app's own packages only:
# test tools come with `make test` (test-tools below).
$(VENV_STAMP): requirements/base.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed: no python3.11 or python3 on PATH"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed; $(PYTHON) is older"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --require-hashes -r requirements/base.txt
	$(BIN)/python -m pip install --no-deps -e .
	scripts/ensure-fonts
	touch $@

test-tools: $(TEST_TOOLS_STAMP) $(NODE_TEST_TOOLS)

# pytest, ruff, Playwright and the rest (requirements/dev.txt), and axe-core for the
# accessibility checks of the browser tests (package.json's devDependencies).
$(TEST_TOOLS_STAMP): $(VENV_STAMP) requirements/dev.txt
	$(BIN)/python -m pip install --require-hashes -r requirements/base.txt -r requirements/dev.txt
	touch $@

$(NODE_TEST_TOOLS): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: $(ASSETS_STAMP)

# npm ci installs exactly what package-lock.json records. The lock must not name download
# addresses (.npmrc tells npm to leave them out), so it works with any registry mirror.
node_modules/.package-lock.json: package.json package-lock.json
	@! grep -q '"resolved"' package-lock.json \
		|| { echo "package-lock.json records download addresses; rebuild it with npm install"; exit 1; }
	npm ci --omit=dev --no-audit --no-fund

$(ASSETS_STAMP): node_modules/.package-lock.json Makefile
	mkdir -p $(VENDOR)
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $(VENDOR)/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.js node_modules/chart.js/dist/chart.umd.js.map $(VENDOR)/
	touch $@

# --- running ------------------------------------------------------------------------------

# The worker runs beside the web server: it sends follow-ups, digests and timer nudges
# (printed to this terminal, since the demo's email goes to the console), on
# DAYBOOK_WORKER_THREADS threads (default 4), so one slow webhook never holds up the rest.
demo: venv assets
	$(BIN)/daybook migrate --no-input
	$(BIN)/daybook demo
	$(BIN)/daybook collectstatic --no-input -v 0
	$(BIN)/daybook worker --quiet & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT; \
		$(BIN)/daybook serve --port $(PORT)

serve: venv assets
	$(BIN)/daybook migrate --no-input
	$(BIN)/daybook collectstatic --no-input -v 0
	$(BIN)/daybook serve --port $(PORT)

# --- checking -----------------------------------------------------------------------------

lint: test-tools
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint assets
	scripts/ensure-chromium
	$(BIN)/daybook makemigrations --check --dry-run
	scripts/test-matrix

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Each bench/*_bench.py prints its own timings; BENCH_ARGS="--sizes 10000" is passed to each.
bench: test-tools assets
	scripts/ensure-timewarrior
	for script in bench/*_bench.py; do echo "== $$script"; $(BIN)/python "$$script" $(BENCH_ARGS); done

clean:
	rm -rf $(VENV) node_modules build .pytest_cache .ruff_cache .hypothesis src/*.egg-info
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
