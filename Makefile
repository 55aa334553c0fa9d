# A newcomer's commands: `make up` (the whole service), `make demo` and `make test`. Each sets up .venv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt
	bash scripts/system_deps.sh
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: install up up-offline demo test lint bench refdata
install: $(VENV)/.installed

# Everything on this machine: an embedded Redis, nginx + gunicorn and a worker, with live Yahoo prices (where Yahoo
# can't be reached, each answer says so within the price deadline); prints where to look. Ctrl-C stops it.
up: install
	$(BIN)/python -m enrich up

# The same without any network call: no prices.
up-offline: install
	$(BIN)/python -m enrich up --offline

demo: install
	ENRICH_MARKET_DATA=offline $(BIN)/python -m enrich text examples/article.txt --indent 2

test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

# Every benchmark as a quick trial (about a minute on 2 cores); `.venv/bin/python -m bench --long` for the full runs.
bench: install
	$(BIN)/python -m bench

# schemathesis, all four phases, ~5 minutes against the real service (serve, a worker, Redis; offline): fails on any failure.
.PHONY: fuzz
fuzz: install
	$(BIN)/python scripts/fuzz.py

# Rebuild the bundled reference data (needs requirements-refdata.txt in its own venv).
refdata:
	$(PYTHON) -m venv .venv-refdata
	.venv-refdata/bin/pip install --quiet -r requirements-refdata.txt
	.venv-refdata/bin/python scripts/build_refdata.py
