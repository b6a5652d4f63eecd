# reseller-api: `make run` starts the server, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml client/pyproject.toml | md5sum | cut -c1-8)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat pyproject.toml client/pyproject.toml | md5sum | cut -c1-8)
PG_TESTS ?= 1
# `make run PORT=8001 HOST=0.0.0.0`: where the server listens.
HOST ?= 127.0.0.1
PORT ?= 8000
# These start their own PostgreSQL, Redis and processes whatever --db says: run them once.
SCALE_OUT_TESTS := $(wildcard tests/integration/test_scale_out*.py)

.PHONY: run test test-scale-out lint typecheck unit docs-check bench bench-all bench-sqlite \
	bench-postgresql bench-memory bench-writes bench-scale-out bench-sandbox clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The server depends on reseller-api-client, which is not on PyPI: both are installed in one pip
# command, the client from its path (./client), so pip never asks an index for it. In a venv
# made before the split, the server's old install owned `resellerctl`, and uninstalling it
# removes the script the client just installed: the client is then installed once more.
$(STAMP): $(BIN)/python pyproject.toml client/pyproject.toml
	$(BIN)/pip install --quiet -e ./client -e .
	test -x $(BIN)/resellerctl || $(BIN)/pip install --quiet --no-deps --force-reinstall -e ./client
	touch $@

$(DEV_STAMP): $(BIN)/python pyproject.toml client/pyproject.toml
	$(BIN)/pip install --quiet -e ./client -e '.[dev]'
	test -x $(BIN)/resellerctl || $(BIN)/pip install --quiet --no-deps --force-reinstall -e ./client
	touch $@ $(STAMP)

run: $(STAMP)  ## install, migrate and serve on http://$(HOST):$(PORT) (SQLite, embedded jobs)
	$(BIN)/reseller-api serve --host $(HOST) --port $(PORT)

lint: $(DEV_STAMP)  ## ruff and mypy
	$(BIN)/ruff check src client tests bench
	$(BIN)/ruff format --check src client tests bench
	$(BIN)/mypy

test: $(DEV_STAMP) lint  ## install with dev extras; lint, then every test on SQLite and again on PostgreSQL
ifeq ($(PG_TESTS),1)
	@# The suite mostly waits (jobs, servers, browsers): the PostgreSQL leg runs alongside, its
	@# output kept in a log and shown after the SQLite leg; either failing fails the target.
	@mkdir -p var; \
	$(BIN)/python -m pytest -p no:cacheprovider --durations=25 tests/api tests/integration --db postgresql \
	  $(SCALE_OUT_TESTS:%=--ignore=%) > var/test-postgresql.log 2>&1 & postgresql=$$!; \
	$(BIN)/python -m pytest --durations=25; sqlite=$$?; \
	wait $$postgresql; pg=$$?; \
	echo "=== the API and integration tests again, on PostgreSQL (ran alongside; var/test-postgresql.log) ==="; \
	if [ $$pg -eq 0 ]; then tail -n 3 var/test-postgresql.log; else cat var/test-postgresql.log; fi; \
	test $$sqlite -eq 0 -a $$pg -eq 0
else
	$(BIN)/python -m pytest
endif

test-scale-out: $(DEV_STAMP)  ## the API suite on PostgreSQL + Redis + procrastinate (CI runs it after make test)
	$(BIN)/python -m pytest tests/api --runner procrastinate

bench-scale-out: $(DEV_STAMP)  ## 1 vs 2 workers and 1 vs 2 API processes on PostgreSQL + Redis: PASS/FAIL
	$(BIN)/python bench/scale_out.py --check

docs-check: $(DEV_STAMP)  ## every command of README.md and docs/ parsed or run (make test runs it too)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/docs

unit: $(DEV_STAMP)  ## only the fast tests
	$(BIN)/python -m pytest tests/unit tests/api -q

bench: $(DEV_STAMP)  ## the signed GET on SQLite against bare Starlette (see README: Performance)
	$(BIN)/python bench/signed_get.py

# Each target of the performance issue, one command each (PASS/FAIL, exit 1 on a FAIL).
bench-sqlite: $(DEV_STAMP)  ## SQLite: ratio to bare Starlette, p99.9 at 64 and p99 at 8 connections
	$(BIN)/python bench/signed_get.py --check

bench-postgresql: $(DEV_STAMP)  ## PostgreSQL + Redis: ratio to bare Starlette at 64, p99 at 8 connections
	$(BIN)/python bench/signed_get.py --layout postgresql --check

bench-memory: $(DEV_STAMP)  ## SQLite: the server's RSS after 500k signed requests
	$(BIN)/python bench/signed_get.py --memory --check

bench-writes: $(DEV_STAMP)  ## signed POST of DNS records: PostgreSQL against SQLite
	$(BIN)/python bench/writes.py --check

bench-sandbox: $(DEV_STAMP)  ## the sandbox's reset of the example fixture: under a second
	$(BIN)/python bench/sandbox_reset.py --check

bench-all: bench-sqlite bench-postgresql bench-memory bench-writes bench-scale-out bench-sandbox  ## every target above

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
