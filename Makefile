# The two set-up commands: `make demo` and `make test`. Both create .venv and install the project.
# `make lint` runs ruff (lint rules and the formatter's check) as configured in pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
export SIGMASIGHT_HOME ?= $(CURDIR)/.sigmasight
# A ranged run's events: materializations stored in batches, one planned event per asset rather
# than one per day (README "Scale"; failed_partitions_sensor marks a failed range's days failed).
# The CLI sets the same defaults for its own runs.
export DAGSTER_EVENT_BATCH_SIZE ?= 1000
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= true

.PHONY: demo test lint ui api daemon install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/sigmasight demo

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `sigmasight init` migrates the results DB and installs dagster.yaml into DAGSTER_HOME first. Dagster
# then runs in DAGSTER_HOME, since `dagster dev` warns about any dagster.yaml in its working folder but
# DAGSTER_HOME's (this folder holds the template init copies); both homes are made absolute first, and
# a relative path in another SIGMASIGHT_* variable would be read from DAGSTER_HOME.
# `dagster dev` also warns that `dg dev` supersedes it; dg is not part of this install, so that one
# warning is filtered. `make ui UI_PORT=3001` serves the UI on another port.
UI_PORT ?= 3000
DAGSTER_HOMES = export SIGMASIGHT_HOME="$(abspath $(SIGMASIGHT_HOME))" && \
	export DAGSTER_HOME="$$(realpath -m "$${DAGSTER_HOME:-$$SIGMASIGHT_HOME/dagster}")" && \
	$(BIN)/sigmasight init >/dev/null && cd "$$DAGSTER_HOME"

ui: install
	$(DAGSTER_HOMES) && $(abspath $(BIN))/python -W 'ignore:Function `dev_command` is superseded' \
	$(abspath $(BIN))/dagster dev -w "$(CURDIR)/workspace.yaml" -p $(UI_PORT)

daemon: install
	$(DAGSTER_HOMES) && $(abspath $(BIN))/dagster-daemon run -w "$(CURDIR)/workspace.yaml"

api: install
	$(BIN)/sigmasight api

clean:
	rm -rf $(VENV) .sigmasight
