# atiyeh_reports — the map of the project. `make help` lists the targets.
#
# Two commands are all a new user needs:  make report   and   make test
# Both set everything up first (virtual environment with pinned packages, the
# report font, the bundled sample data); finished steps are not redone.

SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DEFAULT_GOAL := help

YEAR       ?= 1404
PARAMS     ?= params/$(YEAR).yaml
SAMPLE_DIR := data/sample
DATA_DIR   ?= $(SAMPLE_DIR)
OUT_DIR    ?= outputs/$(YEAR)
PYTHON     ?= python3
LAB_ARGS   ?=

VENV       := .venv
BIN        := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed
FONT_DIR   := src/atiyeh_reports/assets/fonts
FONT_VERSION := 33.0.3
FONT_SHA256  := 9506e9e6a27e62b353c04a136c27de0cc3aa9e434658b45a6363f7c98c357090
FONT_STAMP := $(FONT_DIR)/.vazirmatn-$(FONT_VERSION)
SAMPLE_STAMP := $(SAMPLE_DIR)/.generated
LEAN_STAMP := $(VENV)/.lean
SETUP      := $(VENV_STAMP) $(LEAN_STAMP) $(FONT_STAMP)

SRC        := $(shell find src/atiyeh_reports -name '*.py' -o -name '*.css' -o -name '*.csv' 2>/dev/null)
# The reports' notebooks (build.REPORTS); explore.ipynb is the analysts' scratch notebook, not built.
NOTEBOOKS  := $(filter-out notebooks/explore.ipynb,$(wildcard notebooks/*.ipynb))

# The sample data is the default input; real data is passed with DATA_DIR=...
ifeq ($(DATA_DIR),$(SAMPLE_DIR))
DATA_DEPS  := $(SAMPLE_STAMP)
else
DATA_DEPS  := $(shell find $(DATA_DIR)/$(YEAR) -type f 2>/dev/null)
endif

.PHONY: help setup report build sample ingest forms test test-fast lint lab bench clean distclean fonts pdftools chromium officetools

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  variables: YEAR=$(YEAR) PARAMS=$(PARAMS) DATA_DIR=$(DATA_DIR) OUT_DIR=$(OUT_DIR)"

setup: $(SETUP) ## create .venv with the pinned packages and fetch the report font

$(VENV_STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]' \
	  2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
	@touch $@

# rfc3987-syntax (jupyterlab -> jupyter-events -> jsonschema[format-nongpl]) compiles a Lark grammar
# whenever jsonschema is imported: ~1.7 s in every process that imports nbformat (the build, its
# workers). jsonschema only skips the "iri" format check without it; JupyterLab works the same.
# A stamp of its own, so that an existing .venv is slimmed too.
$(LEAN_STAMP): $(VENV_STAMP)
	@$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax 2>&1 | { grep -v "not installed" || true; }
	@touch $@

fonts: $(FONT_STAMP) ## fetch the Vazirmatn font (pinned, checked) from the npm registry

$(FONT_STAMP):
	@mkdir -p $(FONT_DIR)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	if (cd "$$tmp" && npm pack --silent vazirmatn@$(FONT_VERSION) >/dev/null 2>&1) && \
	   echo "$(FONT_SHA256)  $$tmp/vazirmatn-$(FONT_VERSION).tgz" | sha256sum --check --status; then \
	  tar -xzf "$$tmp/vazirmatn-$(FONT_VERSION).tgz" -C "$$tmp" && \
	  cp "$$tmp"/package/fonts/ttf/Vazirmatn-{Regular,Bold}.ttf "$$tmp"/package/OFL.txt $(FONT_DIR)/ && \
	  touch $@ && echo "font: Vazirmatn $(FONT_VERSION) in $(FONT_DIR)"; \
	else \
	  echo "warning: could not fetch Vazirmatn $(FONT_VERSION) (npm missing, offline, or checksum mismatch);" \
	       "reports will use an installed fallback font" >&2; \
	fi

sample: $(SAMPLE_STAMP) ## generate the bundled sample data set (deterministic) into data/sample

# What the sample is made from (the sample package, the form and its writer, the counties, the workbook writer).
SAMPLE_SRC := $(addprefix src/atiyeh_reports/,sample/population.py sample/dirt.py sample/insurer_export.py \
                sample/write.py forms/template.py forms/write.py core/provinces.py io/xlsx.py)

$(SAMPLE_STAMP): $(VENV_STAMP) $(SAMPLE_SRC)
	$(BIN)/atiyeh sample --out $(SAMPLE_DIR)
	@touch $@

report: $(OUT_DIR)/manifest.json ## build YEAR's reports (HTML, PDF, xlsx) into outputs/YEAR

$(OUT_DIR)/manifest.json: $(SETUP) $(DATA_DEPS) $(PARAMS) $(NOTEBOOKS) $(SRC)
	$(BIN)/atiyeh build --year $(YEAR) --params $(PARAMS) --data $(DATA_DIR) --out $(OUT_DIR)

build: $(SETUP) $(DATA_DEPS) ## rebuild YEAR's reports even if make thinks they are up to date
	$(BIN)/atiyeh build --year $(YEAR) --params $(PARAMS) --data $(DATA_DIR) --out $(OUT_DIR)

ingest: $(SETUP) $(DATA_DEPS) ## clean YEAR's forms into DATA_DIR/clean/YEAR with a quality report
	$(BIN)/atiyeh ingest --year $(YEAR) --params $(PARAMS) --data $(DATA_DIR)

forms: $(SETUP) ## write the 31 blank provincial forms for YEAR into outputs/forms/YEAR
	$(BIN)/atiyeh forms --year $(YEAR) --out outputs/forms/$(YEAR)

pdftools: ## make sure pdftotext/pdftoppm (poppler-utils) are there for the PDF tests
	@command -v pdftotext >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing poppler-utils (pdftotext, pdftoppm) for the PDF tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils) >/dev/null; \
	  else echo "warning: pdftotext missing and cannot be installed here; its test is skipped" >&2; fi; }

officetools: ## make sure LibreOffice Writer is there to open the letters' DOCX in the tests
	@{ command -v soffice >/dev/null && [ -e /usr/lib/libreoffice/program/libswlo.so ]; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing libreoffice-writer-nogui (opens the letters' DOCX in the tests)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      libreoffice-writer-nogui) >/dev/null; \
	  else echo "warning: LibreOffice Writer missing and cannot be installed here; the DOCX test is skipped" >&2; fi; }

chromium: ## make sure Debian's chromium is there for the JupyterLab browser test
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (Debian) for the JupyterLab browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
	      || echo "warning: could not install chromium; the browser test is skipped" >&2; \
	  else echo "warning: chromium missing and cannot be installed here; the browser test is skipped" >&2; fi; }

test: $(SETUP) $(SAMPLE_STAMP) pdftools chromium officetools ## run the whole test suite (lint, import contracts, unit, integration, nbval notebooks, browser, end-to-end)
	$(BIN)/python -m pytest -q tests --nbval-lax --nbval-current-env notebooks -p no:cacheprovider --durations=20

test-fast: $(SETUP) ## unit tests only: no sample, no notebook, no build (about a minute)
	$(BIN)/python -m pytest -q tests/unit -p no:cacheprovider

lint: $(SETUP) ## ruff and the import contracts (also part of make test)
	$(BIN)/ruff check src tests benchmarks jupyter
	$(BIN)/lint-imports

lab: $(SETUP) $(SAMPLE_STAMP) ## JupyterLab on notebooks/explore.ipynb, project-local config (jupyter/: RTL, Vazirmatn)
	cd notebooks && ../$(BIN)/python ../jupyter/lab.py explore.ipynb $(LAB_ARGS)

BENCH_ARGS ?=
bench: $(SETUP) $(SAMPLE_STAMP) ## measure the build engine, the ingest and the workbook writer against their floor; writes docs/benchmarks.md
	$(BIN)/python benchmarks/bench_build.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_workbook.py --rows 78000 --no-normal
	$(BIN)/python benchmarks/bench_counts.py

clean: ## remove rendered outputs, cleaned data and the sample (keeps .venv and the font)
	rm -rf outputs/[0-9]* internal/[0-9]* outputs/forms outputs/explore data/clean $(SAMPLE_DIR) .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean ## also remove .venv and the fetched font
	rm -rf $(VENV) $(FONT_DIR) jupyter/custom/fonts
