# The workbook's commands. `make report` and `make test` set everything up on first use.
QUARTER ?= 2019Q4
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup report test lint lab lock bench clean

setup:
	@bash scripts/setup.sh

report: setup  ## the sample quarter's evaluation report (HTML + PDF) under reports/$(QUARTER)/
	$(BIN)/yqeval run $(QUARTER)

test: setup  ## the test suite and the linter
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks

lab: setup  ## JupyterLab with the project's kernel, opened on notebooks/
	$(BIN)/jupyter lab notebooks/

lock:  ## re-resolve requirements.in into requirements.lock
	$(BIN)/python -m pip install -q -r requirements.in
	$(BIN)/python -m pip freeze --all --exclude-editable --exclude yqeval --exclude pip | grep -v "^-e" > requirements.lock

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/processed/* reports/*
