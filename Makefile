# lifestyle-trials: the pipeline and the developer commands.
# `make report` builds every analysis in analyses/; `make test` runs the test suite.
# Both create .venv and install the package on first use.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help setup test lint bench report reference datasets

help: ## Show the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(STAMP) ## Create .venv with the package (editable) and the dev tools

test: $(STAMP) ## Run the test suite
	$(PY) -m pytest -q -n 2

lint: $(STAMP) ## ruff and mypy on src/
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy

bench: $(STAMP) ## Benchmarks against peers (prints a table of times and ratios)
	$(PY) -m benchmarks

reference: $(STAMP) ## Regenerate tests/reference/*/expected.json with R (needs Rscript)
	@for case in tests/reference/*/; do \
	  echo "reference $$case"; \
	  if [ -f $$case/make_data.py ]; then (cd $$case && ../../../$(PY) make_data.py); fi; \
	  (cd $$case && Rscript --vanilla reference.R); \
	done

datasets: $(STAMP) ## Re-extract the bundled public datasets from R and record their checksums
	$(PY) tools/public_datasets.py
