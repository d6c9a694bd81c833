# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run   — serve the demo marketplace on http://127.0.0.1:5000
#   make test  — run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Every package we install, direct and transitive, pinned with its hashes (pip-compile).
LOCK := requirements.lock
# A throwaway environment with the newest releases setup.cfg allows (make test-latest).
LATEST := .venv-latest
# pip-compile reads PyPI only: a machine's own pip.conf (local wheel folders, mirrors) must not
# leak into the lock's hashes or header.
COMPILE := PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --all-extras --all-build-deps \
	--allow-unsafe --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
	--output-file $(LOCK) setup.cfg

.PHONY: run test test-fast test-postgres test-latest lint typecheck lock clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# The stamp re-installs when the lock or the project's metadata changes. Everything comes
# from the lock, hash-checked; TradeRow itself is installed without dependencies and without
# build isolation (its build backend is in the lock too), so pip fetches nothing the lock does
# not name.
$(VENV)/.installed: $(LOCK) setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The embedded default is a developer's machine: debug on, so the demo may load.
run: export TRADEROW_DEBUG ?= true
run: $(VENV)/.installed
	$(BIN)/traderow init
	$(BIN)/traderow demo --if-empty
	$(BIN)/traderow run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed
	$(BIN)/pytest

# Everything but the slow and browser tests, for the edit-test loop.
test-fast: $(VENV)/.installed
	$(BIN)/pytest -m "not slow and not e2e"

test-postgres: $(VENV)/.installed
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

# lint-imports checks .importlinter's contracts: the floors of marketplace/ import downward
# only, no circle at any level, and the libraries import neither flask nor marketplace.
lint: typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# mypy, strict, on the files pyproject.toml's [tool.mypy] names (the pure libraries and the
# services that type-check); CI runs it through `make lint`.
typecheck: $(VENV)/.installed
	$(BIN)/mypy

# Re-pin after changing setup.cfg's requirements: keeps every pin that still fits.
# `make lock UPGRADE=1` moves every package to the newest release setup.cfg allows.
lock: $(VENV)/.installed
	$(COMPILE) $(if $(UPGRADE),--upgrade)

# An early warning, not a gate: the fast suite on the newest releases setup.cfg allows,
# in an environment of its own, so the locked .venv stays as CI has it.
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install --quiet --upgrade pip
	$(LATEST)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test,postgres]'
	$(LATEST)/bin/pip freeze --exclude-editable > $(LATEST)/versions.txt
	$(LATEST)/bin/pytest -m "not slow and not e2e" -p no:cacheprovider

clean:
	rm -rf $(VENV) $(LATEST) instance .pytest_cache .ruff_cache .import_linter_cache .mypy_cache *.egg-info
