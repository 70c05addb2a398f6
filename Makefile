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
ETCD := /usr/bin/etcd
REDIS := /usr/bin/redis-server
POSTGRES_INITDB := /usr/lib/postgresql/*/bin/initdb
PYTEST_WORKERS ?= 2

.PHONY: help venv lab test unit notebooks nbgrader class class-deps browser lint bench clean-notebooks chromium bubblewrap etcd-server redis-server postgresql lock measure-ep53

help:
	@echo "make lab    - install into $(VENV), build your workspace, start JupyterLab"
	@echo "              options for dsu lab: make lab ARGS=\"--no-browser --port 8890 --workspace ~/dsu\""
	@echo "make test   - install into $(VENV), run every test (lint, units, notebooks, nbgrader, browser)"
	@echo "              one stage alone: make lint | unit | notebooks | nbgrader | class | browser"
	@echo "make bench  - run the benchmarks in bench/ and print ratio tables"
	@echo "make measure-ep53 - re-measure the Ep53 three-tier service (shared/data/ep53_three_tier.csv)"
	@echo "make lock   - re-pin requirements.lock from the current $(VENV)"

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test,bench,class]'
	touch $(STAMP)

venv: $(STAMP)

# Options for `dsu lab`, e.g.  make lab ARGS="--no-browser --port 8890"
ARGS ?=

lab: venv
	$(BIN)/dsu lab $(ARGS)

# System programs from Debian that tests and notebooks start themselves. One rule for each:
# present -> nothing to do; as root -> apt-get installs the package; otherwise the exact command.
# $(call debian_package,<program path or glob>,<package>,<what needs it>)
define debian_package
	@if ls $(1) >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's $(2) ($(3))..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2); \
	else \
		echo "Debian's $(2) ($(1)) is needed for $(3)."; \
		echo "Install it with:  sudo apt-get install -y $(2)   then re-run make test."; \
		exit 1; \
	fi
endef

# Chromium drives the browser tests (Playwright cannot download its own browser here).
chromium:
	$(call debian_package,$(CHROMIUM),chromium,the browser tests)

# bubblewrap builds the grading sandbox (an allow-list root for each student's kernel).
bubblewrap:
	$(call debian_package,$(BWRAP),bubblewrap,grading (dsu grade and its tests))

# Ep17 starts a real 3-member etcd cluster and a Redis on loopback (not the packages' own
# services: the kit starts its own processes on free ports and stops them).
etcd-server:
	$(call debian_package,$(ETCD),etcd-server,Ep17's etcd cluster)

redis-server:
	$(call debian_package,$(REDIS),redis-server,Ep17's Redis lock)

# The gradebook tests start a private PostgreSQL from the server programs
# (tests/postgres_support.py) and remove it after; the package's own cluster is not used.
postgresql:
	$(call debian_package,$(POSTGRES_INITDB),postgresql,the PostgreSQL gradebook tests)

lint: venv
	$(BIN)/ruff check course grading certificates dsu tests bench

# `make test` runs its stages one after another (each on $(PYTEST_WORKERS) workers), goes on after a
# failed stage so that one run shows every failure, and prints each stage's wall time as it ends
# and again in a table at the end (so CI's log shows where the minutes go).
STAGES := lint unit notebooks nbgrader class browser
# The nbgrader stage: grading and certification tests with real nbgrader runs and graded course
# roots (the slow part, which grows with every episode).
NBGRADER_TESTS := tests/test_episodes.py tests/test_gradebook_postgres.py $(sort $(wildcard tests/test_grading_*.py tests/test_certify*.py))
PYTEST := $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: venv chromium bubblewrap etcd-server redis-server postgresql
	@failed=""; table=""; begin=$$(date +%s); \
	for stage in $(STAGES); do \
		echo "=== make test: $$stage started at $$(date -u +%H:%M:%S) UTC"; start=$$(date +%s); \
		if $(MAKE) --no-print-directory $$stage; then result=ok; else result=FAILED; failed="$$failed $$stage"; fi; \
		took=$$(( $$(date +%s) - start )); \
		echo "=== make test: $$stage $$result in $$took s"; \
		table="$$table$$(printf '  %-10s %5d s  %s' $$stage $$took $$result)\n"; \
	done; \
	echo "=== make test: time per stage"; printf "$$table"; \
	printf '  %-10s %5d s\n' total $$(( $$(date +%s) - begin )); \
	if [ -n "$$failed" ]; then echo "=== make test: FAILED stages:$$failed"; exit 1; fi

unit: venv bubblewrap etcd-server redis-server
	$(PYTEST) tests -m "not browser" $(addprefix --ignore=,$(NBGRADER_TESTS) $(CLASS_TESTS))

notebooks: venv etcd-server redis-server
	$(PYTEST) --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg series-1 series-3

nbgrader: venv bubblewrap postgresql
	$(PYTEST) $(NBGRADER_TESTS)

# The class stage: a real JupyterHub (class/jupyterhub_config.py) with 20 learners, nbgrader's
# exchange and a graded, certified batch (tests/test_class.py; a few minutes on 2 cores).
CLASS_TESTS := tests/test_class.py
CHP := class/node_modules/.bin/configurable-http-proxy

class: venv bubblewrap postgresql class-deps
	$(PYTEST) $(CLASS_TESTS)

# JupyterHub's proxy (configurable-http-proxy) from npm, at the versions of class/package-lock.json.
class-deps: $(CHP)

$(CHP): class/package.json class/package-lock.json
	@if ! command -v npm >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian's nodejs and npm for JupyterHub's proxy..."; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; \
		else \
			echo "JupyterHub's proxy needs Node.js >= 20 and npm."; \
			echo "Install them with:  sudo apt-get install -y nodejs npm   then re-run make."; \
			exit 1; \
		fi; \
	fi
	npm ci --prefix class --no-audit --no-fund --loglevel=error
	touch $(CHP)

browser: venv chromium
	$(PYTEST) tests -m browser

bench: venv bubblewrap
	$(BIN)/python bench/run.py

# on request only (about two minutes; never in the test suite): re-measure Ep53's three-tier service;
# then update the sha256 of shared/data/ep53_three_tier.csv in shared/data/registry.toml
measure-ep53: venv
	$(BIN)/python bench/measure_three_tier.py

clean-notebooks: venv
	$(BIN)/dsu clean series-1 series-3

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock
