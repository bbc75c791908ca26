# The two set-up commands: `make demo` and `make test`. Both create .venv and install the project.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
export SIGMASIGHT_HOME ?= $(CURDIR)/.sigmasight
# Dagster stores a ranged run's materializations in batches rather than one write each (README "Scale").
export DAGSTER_EVENT_BATCH_SIZE ?= 1000

.PHONY: demo test ui api daemon install clean

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

# `sigmasight init` migrates the results DB and installs dagster.yaml into DAGSTER_HOME first.
ui: install
	DAGSTER_HOME=$${DAGSTER_HOME:-$(SIGMASIGHT_HOME)/dagster} $(BIN)/sigmasight init >/dev/null && \
	DAGSTER_HOME=$${DAGSTER_HOME:-$(SIGMASIGHT_HOME)/dagster} $(BIN)/dagster dev -w workspace.yaml

daemon: install
	DAGSTER_HOME=$${DAGSTER_HOME:-$(SIGMASIGHT_HOME)/dagster} $(BIN)/sigmasight init >/dev/null && \
	DAGSTER_HOME=$${DAGSTER_HOME:-$(SIGMASIGHT_HOME)/dagster} $(BIN)/dagster-daemon run -w workspace.yaml

api: install
	$(BIN)/sigmasight api

clean:
	rm -rf $(VENV) .sigmasight
