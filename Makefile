# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run   — serve the demo marketplace on http://127.0.0.1:5000
#   make test  — run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast test-postgres lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp files re-install only when setup.cfg changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

# The embedded default is a developer's machine: debug on, so the demo may load.
run: export TRADEROW_DEBUG ?= true
run: $(VENV)/.installed
	$(BIN)/traderow init
	$(BIN)/traderow demo --if-empty
	$(BIN)/traderow run --host 127.0.0.1 --port 5000

test: $(VENV)/.installed-test
	$(BIN)/pytest

# Everything but the slow and browser tests, for the edit-test loop.
test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -m "not slow and not e2e"

test-postgres: $(VENV)/.installed-test
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
