# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    start the bot (the local shell when no Slack credentials are set)
#   make test   lint, type-check and run every test (SQLite and PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Every runtime and development dependency, pinned with hashes (`make lock` refreshes it from the
# ranges in pyproject.toml). The project itself is installed on top, without its dependencies.
LOCK := requirements.lock

.PHONY: run test lint lock mutants bench-commands bench-fanout bench-startup clean

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	@# setuptools warns that any editable install of a package with a data folder "may" be
	@# shadowed by folders of the same name: not the case here, and not worth a newcomer's worry
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet --no-deps \
	  --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

lock: $(STAMP)
	$(BIN)/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras \
	  --extra dev --no-emit-index-url --no-emit-find-links -o $(LOCK) pyproject.toml

run: $(STAMP)
	$(BIN)/declaration-bot run

lint: $(STAMP)
	$(BIN)/ruff check bot handlers tests bench
	$(BIN)/ruff format --check bot handlers tests bench
	$(BIN)/mypy bot handlers
	$(BIN)/vulture bot handlers vulture_whitelist.py --exclude bot/migrations/versions
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n auto --durations=5

# Mutation testing (mutmut, not part of `make test`: a long run): the score per module and the
# mutants no test catches. MODULES="bot.slack.mrkdwn bot.web" limits it; see bench/mutants.py
mutants: $(STAMP)
	$(BIN)/python bench/mutants.py $(MODULES)

bench-commands: $(STAMP)
	$(BIN)/python bench/commands.py

bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py

bench-startup: $(STAMP)
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis mutants .import_linter_cache
