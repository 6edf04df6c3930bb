# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    start the bot (the local shell when no Slack credentials are set)
#   make test   lint, type-check and run every test (SQLite and PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench-commands bench-fanout clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/declaration-bot run

lint: $(STAMP)
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/ruff format --check bot handlers tests bench
	$(BIN)/mypy bot handlers

test: lint
	$(BIN)/pytest

bench-commands: $(STAMP)
	$(BIN)/python bench/commands.py

bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
