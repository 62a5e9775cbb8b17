# lifestyle-trials: the pipeline and the developer commands.
# `make report` builds every analysis in analyses/; `make test` runs the test suite.
# Both create .venv and install the package on first use, at the exact versions of
# constraints.txt (`make lock` rewrites it): `make report` the runtime dependencies only,
# `make test` the dev tools (pytest, ruff, mypy) on top.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# Exact versions of every package the reports and tests run on (pip constraints); pyproject.toml
# keeps the ranges for library users. Numbers, figures and HTML depend on these versions.
LOCK := constraints.txt

.PHONY: help setup test lint bench report reference datasets verify expected lock test-browser \
  clean-reports

help: ## Show the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sort | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

# The runtime environment: what `make report` needs, at the locked versions.
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --constraint $(LOCK) -e .
	touch $@

# The dev tools on top, under the same constraints.
$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --constraint $(LOCK) -e ".[dev]"
	touch $@

setup: $(DEV_STAMP) ## Create .venv with the package (editable) and the dev tools

lock: $(DEV_STAMP) ## Rewrite constraints.txt from .venv's versions (UPGRADE=1: newest in range first)
	$(if $(UPGRADE),$(PY) -m pip install --quiet --upgrade -e ".[dev]")
	$(PY) tools/lock.py $(LOCK)

test: $(DEV_STAMP) ## Run the test suite
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -q -n 2

lint: $(DEV_STAMP) ## ruff and mypy on src/
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

# -- The pipeline ------------------------------------------------------------------------------
# Every analyses/<id>/analysis.toml becomes reports/<id>/index.html through real files:
#   analysis.toml → data/raw/<id>.csv → data/interim/<id>.csv → data/processed/<id>.csv
#   → reports/<id>/fits/*.json → numbers.json → tables/*.csv, figures/*.svg → index.html
# Each recipe is one `python -m lifestyle_trials <verb>` call (`$(LT) --help` lists them);
# each depends on its inputs, its configuration and the source of the code that makes it,
# and writes through temporary files. Data tables carry a .json manifest (stamp, provenance).
#   make report OUT=<dir>        build into <dir>/data and <dir>/reports (make verify does)
#   make report ANALYSES=<dir>   take the analyses from another folder

# Analyses build in parallel: JOBS jobs (default 2), outputs kept whole per step. Not with a
# clean goal, so that `make clean-reports report` cleans first; not in a sub-make (as `make
# verify` runs), which shares its parent's job slots.
JOBS ?= 2
ifeq ($(filter clean%,$(MAKECMDGOALS))$(filter-out 0,$(MAKELEVEL)),)
MAKEFLAGS += --jobs=$(JOBS) --output-sync=target
endif

ANALYSES ?= analyses
OUT ?=
O := $(if $(OUT),$(patsubst %/,%,$(OUT))/,)
IDS := $(patsubst $(ANALYSES)/%/analysis.toml,%,$(wildcard $(ANALYSES)/*/analysis.toml))
RAW := $(O)data/raw
INTERIM := $(O)data/interim
PROCESSED := $(O)data/processed
REPORTS := $(O)reports
LT := $(PY) -m lifestyle_trials
CONFIG = $(ANALYSES)/$*/analysis.toml
# The fit files one `fit` step writes (lifestyle_trials.pipeline.fits.FIT_FILES).
FIT_FILES = $(foreach f,ancova mmrm mixed_anova,$(REPORTS)/%/fits/$(f).json)

# The code each step runs. The virtualenv is an order-only prerequisite: installing it does
# not rebuild reports, but editing the source does.
PKG := src/lifestyle_trials
py_tree = $(shell find $(1) -name '*.py' 2>/dev/null)
SRC_CORE := $(filter-out $(PKG)/figures.py,$(wildcard $(PKG)/*.py)) \
  $(call py_tree,$(PKG)/validation $(PKG)/datasets) $(wildcard $(PKG)/datasets/data/*) \
  $(addprefix $(PKG)/pipeline/,__init__.py files.py trials.py steps.py)
SRC_DATA := $(SRC_CORE) $(PKG)/pipeline/data.py
SRC_FIT := $(SRC_CORE) $(call py_tree,$(PKG)/models) $(PKG)/pipeline/fits.py
SRC_NUMBERS := $(SRC_FIT) $(call py_tree,$(PKG)/report)
SRC_REPORT := $(SRC_CORE) $(call py_tree,$(PKG)/report)
SRC_FIGURES := $(SRC_REPORT) $(PKG)/figures.py $(PKG)/pipeline/figures.py $(PKG)/pipeline/save.py
SRC_HTML := $(SRC_REPORT) $(wildcard $(PKG)/report/templates/*)

REPORT_FILES := $(foreach id,$(IDS),$(REPORTS)/$(id)/index.html $(REPORTS)/$(id)/tables/index.json)

# A print-ready PDF beside each HTML report where Chromium is installed (CHROMIUM=<binary> to
# choose one); without it the reports are HTML only, and `make report` says so. The PDF holds
# its printing date, so `make verify` does not compare it.
CHROMIUM ?= $(or $(wildcard /usr/bin/chromium),$(shell command -v chromium 2>/dev/null))
export CHROMIUM
ifneq ($(CHROMIUM),)
REPORT_FILES += $(foreach id,$(IDS),$(REPORTS)/$(id)/index.pdf)
else ifneq ($(filter report verify,$(MAKECMDGOALS)),)
$(info note: Chromium not found: reports are written as HTML only, no PDF (Debian: apt-get install chromium))
endif
# Power analyses (kind = "power" in analysis.toml): analysis.toml → numbers.json and tables
# (the simulation) → figures and index.html. Explicit rules, so they take precedence over the
# trial analyses' pattern rules for the same file names.
POWER_IDS := $(patsubst $(ANALYSES)/%/analysis.toml,%,$(shell grep -l '^kind *= *"power"' \
  $(wildcard $(ANALYSES)/*/analysis.toml) /dev/null))
SRC_POWER := $(SRC_CORE) $(call py_tree,$(PKG)/models $(PKG)/simulation) $(PKG)/pipeline/power.py
SRC_POWER_REPORT := $(SRC_CORE) $(PKG)/pipeline/power.py $(PKG)/pipeline/save.py \
  $(PKG)/report/power.py $(PKG)/report/format.py $(PKG)/figures.py $(PKG)/report/templates/report.css
define POWER_RULES
$(REPORTS)/$(1)/numbers.json $(REPORTS)/$(1)/tables/index.json &: $(ANALYSES)/$(1)/analysis.toml \
    $(SRC_POWER) | $(STAMP)
	@$(LT) power --config $(ANALYSES)/$(1)/analysis.toml --tables $(REPORTS)/$(1)/tables \
	  -o $(REPORTS)/$(1)/numbers.json
$(REPORTS)/$(1)/figures/index.json $(REPORTS)/$(1)/index.html &: $(REPORTS)/$(1)/numbers.json \
    $(SRC_POWER_REPORT) | $(STAMP)
	@$(LT) power-report $(REPORTS)/$(1)/numbers.json --figures $(REPORTS)/$(1)/figures \
	  -o $(REPORTS)/$(1)/index.html
endef
$(foreach id,$(POWER_IDS),$(eval $(call POWER_RULES,$(id))))

report: $(REPORT_FILES) ## Build every analysis in analyses/ into reports/<id>/index.html

# Keep every file the pipeline makes (none is an intermediate to delete).
.SECONDARY:
.SECONDEXPANSION:

# The three data steps run in one process (raw → validate → derive): each writes its own
# stamped table, and a Python start-up (about 1-3 s of imports) is paid once, not three times.
$(RAW)/%.csv $(RAW)/%.json $(INTERIM)/%.csv $(INTERIM)/%.json $(PROCESSED)/%.csv \
    $(PROCESSED)/%.json &: $(ANALYSES)/%/analysis.toml $$(wildcard $(ANALYSES)/$$*/*) \
    $$(wildcard $$(addprefix $(ANALYSES)/$$*/,$$(shell sed -n -e \
      "s/^\s*path\s*=\s*[\"']\([^\"']*\)[\"'].*/\1/p" \
      $(ANALYSES)/$$*/analysis.toml))) \
    $(SRC_DATA) | $(STAMP)
	@$(LT) data --config $(CONFIG) --raw $(RAW)/$*.csv --interim $(INTERIM)/$*.csv \
	  -o $(PROCESSED)/$*.csv

$(FIT_FILES) &: $(PROCESSED)/%.csv $(PROCESSED)/%.json $(ANALYSES)/%/analysis.toml \
    $(SRC_FIT) | $(STAMP)
	@$(LT) fit $< --config $(CONFIG) -o $(REPORTS)/$*/fits

# numbers.json and the CSV tables made from it come from one process.
$(REPORTS)/%/numbers.json $(REPORTS)/%/tables/index.json &: $(PROCESSED)/%.csv \
    $(PROCESSED)/%.json $(FIT_FILES) $(ANALYSES)/%/analysis.toml $(SRC_NUMBERS) | $(STAMP)
	@$(LT) numbers $< --fits $(REPORTS)/$*/fits --config $(CONFIG) \
	  -o $(REPORTS)/$*/numbers.json --tables $(REPORTS)/$*/tables

# The figures and the HTML that embeds them come from one process.
$(REPORTS)/%/figures/index.json $(REPORTS)/%/index.html &: $(REPORTS)/%/numbers.json \
    $(PROCESSED)/%.csv $(PROCESSED)/%.json $(FIT_FILES) $(SRC_FIGURES) $(SRC_HTML) | $(STAMP)
	@$(LT) report $< --data $(PROCESSED)/$*.csv --fits $(REPORTS)/$*/fits \
	  --figures $(REPORTS)/$*/figures -o $(REPORTS)/$*/index.html

$(REPORTS)/%/index.pdf: $(REPORTS)/%/index.html $(PKG)/pipeline/pdf.py | $(STAMP)
	@$(LT) pdf $< -o $@

# Compared by content within stated tolerances, data files read from <tmp>/data (README,
# "Reproduce and verify"); the rebuild shares this make's job slots.
verify: $(STAMP) ## Rebuild every report in a temporary folder; compare with reports/<id>/expected
	@tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/lifestyle-trials-verify.XXXXXX"); \
	echo "rebuilding the reports in $$tmp"; \
	$(MAKE) --no-print-directory report OUT="$$tmp"; \
	if $(LT) verify --built "$$tmp/reports" --expected $(REPORTS) $(IDS); then \
	  rm -rf "$$tmp"; \
	else \
	  echo "the rebuilt reports are kept in $$tmp"; exit 1; \
	fi

expected: report ## Store the built reports as reports/<id>/expected (review the changes first)
	@$(LT) expected $(foreach id,$(IDS),$(REPORTS)/$(id))

test-browser: report ## Open each report in headless Chromium; fail on console errors or broken images
	@$(PY) tools/browser_check.py $(foreach id,$(IDS),$(REPORTS)/$(id)/index.html)

clean-reports: ## Delete the built data and reports (keeps reports/<id>/expected)
	rm -rf $(RAW) $(INTERIM) $(PROCESSED)
	rm -rf $(foreach id,$(IDS),$(addprefix $(REPORTS)/$(id)/,fits tables figures numbers.json index.html))
