# The workbook's commands. `make report` and `make test` set everything up on first use.
QUARTER ?= 2019Q4
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup report test lint lab lock bundle bench clean

setup:
	@bash scripts/setup.sh

report: setup  ## the sample quarter's evaluation report (HTML + PDF) under reports/$(QUARTER)/
	$(BIN)/yqeval run $(QUARTER)

test: setup  ## the test suite and the linter (ruff reads the notebooks too)
	$(BIN)/ruff check src tests benchmarks notebooks
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests benchmarks notebooks

lab: setup  ## JupyterLab with the project's kernel, opened on notebooks/
	$(BIN)/jupyter lab notebooks/

lock: setup  ## re-resolve pyproject.toml (all extras) + requirements.in into requirements.lock, with hashes (uv: PyPI only, no pip.conf)
	$(BIN)/uv pip compile pyproject.toml requirements.in --all-extras --universal --python-version 3.11 \
		--generate-hashes --custom-compile-command "make lock" \
		-q -o requirements.lock

bundle:  ## the offline bundle (wheels, .deb files, install.sh) under dist/; BUNDLE_ARGS="--no-debs" etc.
	bash scripts/bundle.sh $(BUNDLE_ARGS)

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf data/processed/* reports/*
