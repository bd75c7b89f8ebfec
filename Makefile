# Feedloop's commands. The README's two: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The quick try may send webhooks to receivers on this machine (the SSRF guard allows it).
DEV := DJANGO_DEBUG=1 FEEDLOOP_OUTBOUND_ALLOW_PRIVATE=1

.PHONY: install demo test lint migrations-check deploy-check services browser screenshots shell worker

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

## Quick try: SQLite unless DATABASE_URL is set, tasks run eagerly, DEBUG on.
demo: install
	$(DEV) $(BIN)/python manage.py migrate --noinput
	$(DEV) $(BIN)/python manage.py seed_demo
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## Lint, import layering, migrations check and the whole suite on PostgreSQL
## (with the browser tests in Debian's Chromium). The real-worker tests run first, in
## one process (they drive a Celery worker on Redis); the rest run on two parallel
## workers (pytest-xdist), each with its own test database.
test: install services browser lint migrations-check deploy-check
	$(BIN)/pytest tests/workers
	$(BIN)/pytest -n 2 --ignore=tests/workers

## A screenshot of every labeler page, the review and dashboard pages and the main admin
## pages, desktop and phone width, into var/screenshots/
screenshots: install services browser
	FEEDLOOP_SCREENSHOTS_DIR=var/screenshots $(BIN)/pytest tests/browser/test_screenshots.py -q
	@echo "Screenshots are in var/screenshots/"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(DEV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

migrations-check: install
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

## Django's deployment checks under the production profile (config/production.env), with
## a throwaway secret key and host: no warning may remain.
deploy-check: install
	set -a && . config/production.env && set +a && \
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=feedloop.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

services:
	scripts/start-services

browser:
	scripts/install-browser

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

shell: install
	$(DEV) $(BIN)/python manage.py shell
