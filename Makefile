# DSU course kit. Two commands matter on a fresh machine:
#   make lab    set everything up and start the course in JupyterLab
#   make test   set everything up and run every test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
BWRAP := /usr/bin/bwrap
PYTEST_WORKERS ?= 2

.PHONY: help venv lab test unit notebooks browser lint bench clean-notebooks chromium bubblewrap lock

help:
	@echo "make lab    - install into $(VENV), build your workspace, start JupyterLab"
	@echo "              options for dsu lab: make lab ARGS=\"--no-browser --port 8890 --workspace ~/dsu\""
	@echo "make test   - install into $(VENV), run every test (lint, units, notebooks, nbgrader, browser)"
	@echo "make bench  - run the benchmarks in bench/ and print ratio tables"
	@echo "make lock   - re-pin requirements.lock from the current $(VENV)"

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

# Options for `dsu lab`, e.g.  make lab ARGS="--no-browser --port 8890"
ARGS ?=

lab: venv
	$(BIN)/dsu lab $(ARGS)

# Debian's Chromium drives the browser tests; Playwright cannot download its own browser here.
chromium:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else \
		echo "The browser tests need Debian's chromium at $(CHROMIUM)."; \
		echo "Install it with:  sudo apt-get install -y chromium   then re-run make test."; \
		exit 1; \
	fi

# Debian's bubblewrap builds the grading sandbox (an allow-list root for each student's kernel).
bubblewrap:
	@if [ -x $(BWRAP) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's bubblewrap for the grading sandbox..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	else \
		echo "Grading (dsu grade and its tests) needs Debian's bubblewrap at $(BWRAP)."; \
		echo "Install it with:  sudo apt-get install -y bubblewrap   then re-run make test."; \
		exit 1; \
	fi

lint: venv
	$(BIN)/ruff check course grading certificates dsu tests bench

test: venv chromium bubblewrap lint
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile \
		--nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg \
		tests series-1 series-3

unit: venv bubblewrap
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) tests -m "not browser"

notebooks: venv
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --nbval-lax \
		--nbval-sanitize-with tests/nbval_sanitize.cfg series-1 series-3

browser: venv chromium
	$(BIN)/python -m pytest tests -m browser

bench: venv bubblewrap
	$(BIN)/python bench/run.py

clean-notebooks: venv
	$(BIN)/dsu clean series-1 series-3

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
