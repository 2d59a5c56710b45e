# Owner dashboard: `make run` on a fresh clone, `make test` for the whole suite.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST := 127.0.0.1
PORT := 8000

# `make test` and `make bench` run against real PostgreSQL and Redis unless told otherwise.
TEST_DATABASE_URL := postgres://postgres@127.0.0.1:5432/dashboard
TEST_REDIS_URL := redis://127.0.0.1:6379/0
WITH_SERVICES := DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" \
	REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}"

.DEFAULT_GOAL := help
.PHONY: help venv install migrate seed run serve worker beat test bench loadcheck lint format clean

help:
	@echo "make run     set up .venv, migrate, load the demo and serve on http://$(HOST):$(PORT)/"
	@echo "make test    ruff + the whole test suite on PostgreSQL (benchmarks excluded)"
	@echo "make bench   timing figures for the calendar and participant pages (PostgreSQL)"
	@echo "make loadcheck  100 concurrent requests against gunicorn (part of make bench)"
	@echo "make serve   production: collectstatic, gunicorn + WhiteNoise (DEBUG=0, SECRET_KEY, DATABASE_URL)"
	@echo "make worker  a Celery worker with beat (needs REDIS_URL; BEAT=0 on every further machine)"
	@echo "make lint    ruff check + ruff format --check + lint-imports (the architecture contracts)"
	@echo "make format  ruff format + ruff check --fix"

# (Re)create .venv when it is missing or its Python is older than 3.12.
venv:
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
		python="$$(.ci/find-python)"; \
		echo "Creating $(VENV) with $$python"; \
		rm -rf $(VENV); \
		"$$python" -m venv $(VENV); \
	fi

# This machine's pip config names local indexes that may be absent: pip warns once per package.
PIP_NOISE := ^WARNING: Location '.*' is ignored: it is neither a file nor a directory.$$

# Install only when pyproject.toml is newer than the stamp (or there is no stamp yet).
install: venv
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ]; then \
		echo "Installing the project and its dev dependencies into $(VENV)"; \
		$(PY) -m pip install -q -e ".[dev]" 2>&1 | { grep -v "$(PIP_NOISE)" || true; }; \
		touch $(STAMP); \
	fi

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py extend_events_views

run: seed
	@echo
	@echo "Owner dashboard: http://$(HOST):$(PORT)/"
	@echo "  owner  owner / demo-owner-pass"
	@echo "  staff  staff / demo-staff-pass"
	@echo "  admin  admin / demo-admin-pass  (Django admin: http://$(HOST):$(PORT)/admin/)"
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production web process (see README "Production"): migrate first with `make migrate`.
serve: install
	@if [ "$${DEBUG:-}" != "0" ] || [ -z "$${SECRET_KEY:-}" ] || [ -z "$${DATABASE_URL:-}" ]; then \
		echo "error: make serve needs DEBUG=0, SECRET_KEY and DATABASE_URL (deploy/production.env.example)" >&2; exit 1; \
	fi
	$(PY) manage.py collectstatic --noinput -v 0
	$(VENV)/bin/gunicorn --config gunicorn.conf.py

# A worker child runs one task at a time, so it keeps its database connection (as a gunicorn
# worker does): with DB_CONN_MAX_AGE=0 Celery would close it after every task and reconnect.
worker: install
	@if [ -z "$${REDIS_URL:-}" ]; then \
		echo "error: make worker needs REDIS_URL (without it tasks run in-process)" >&2; exit 1; \
	fi
	@mkdir -p var
	DB_CONN_MAX_AGE="$${DB_CONN_MAX_AGE:-600}" $(VENV)/bin/celery -A config worker -l info \
		$$( [ "$${BEAT:-1}" = "1" ] && echo "-B --schedule var/celerybeat-schedule" )

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/vulture

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Two pytest-xdist workers (this machine has two cores), each with a test database and a Redis
# database of its own (tests/worker_services.py); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

test: lint
	$(WITH_SERVICES) $(PY) -m pytest -m "not benchmark" -n $(TEST_WORKERS)

bench: install
	$(WITH_SERVICES) $(PY) -m pytest tests/benchmarks -m benchmark -s
	DATABASE_URL= BENCH_SQLITE=1 $(PY) -m pytest tests/benchmarks/test_calendar_bench.py \
		-m benchmark -s -k month_page_server_time

# Only the gunicorn load check of `make bench` (100 concurrent requests against `make serve`).
loadcheck: install
	$(WITH_SERVICES) $(PY) -m pytest tests/benchmarks/test_serve_load.py -m benchmark -s

clean:
	rm -rf $(VENV) var/db.sqlite3 var/bench-results.txt
