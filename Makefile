# LeadReview. `make run` serves the demo; `make test` runs the whole suite on PostgreSQL.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/leadreview)

# uv: never download a Python; use the venv we name; no .python-version (pyenv shim trap).
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install run test lint format migrations-check deploy-check browsers bench clean

help:
	@echo "make run    install, migrate, seed the demo and serve http://127.0.0.1:8000 (SQLite)"
	@echo "make test   install and run the whole suite against PostgreSQL (browser tests too)"
	@echo "make bench  run the benchmarks against PostgreSQL"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

## The venv from the lock file, dev dependencies included.
install: $(UV)
	$(UV) sync --locked --python $(PYTHON)

## The demo: SQLite file in the repo, tasks inline, seeded once.
run: export DEBUG := true
run: export DATABASE_URL :=
run: export CELERY_BROKER_URL :=
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo
	@echo "  LeadReview demo: http://127.0.0.1:8000/   (logins above; Ctrl-C stops)"
	@echo
	$(PY) manage.py runserver 127.0.0.1:8000

## Debian's Chromium for the browser tests (Playwright cannot download its own here).
browsers:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Browser tests need Chromium: sudo apt-get install -y chromium"; exit 1; \
	  fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrations-check: install
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run

## Production settings must pass Django's deployment checklist with no warning.
deploy-check: install
	DEBUG=false ALLOWED_HOSTS=leadreview.example.com SITE_URL=https://leadreview.example.com \
	  DATABASE_URL=$(TEST_DATABASE_URL) \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING

test: install browsers
	@$(PY) scripts/check_postgres.py "$(TEST_DATABASE_URL)"
	$(MAKE) --no-print-directory lint migrations-check deploy-check
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest

## Every benchmark script (helpers start with "_"), then one table of their headline figures.
bench: install
	@$(PY) scripts/check_postgres.py "$(TEST_DATABASE_URL)"
	@rm -f .bench-results.jsonl
	@# The shared 100,000-lead dataset lives in its own database on the same server
	@# (BENCH_DATABASE_URL overrides); scripts that need another make their own there.
	@for script in benchmarks/[!_]*.py; do \
	  BENCH_RESULTS=.bench-results.jsonl \
	  DATABASE_URL=$(or $(BENCH_DATABASE_URL),$(dir $(TEST_DATABASE_URL))leadreview_bench) \
	  $(PY) $$script || exit 1; \
	done
	@$(PY) benchmarks/_results.py .bench-results.jsonl

clean:
	rm -rf $(VENV) $(TOOLS) demo.sqlite3 demo.sqlite3-* staticfiles .pytest_cache .ruff_cache
