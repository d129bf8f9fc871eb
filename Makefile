# Grocery shop: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# `make run` serves on HOST:PORT, with the fake Razorpay on FAKE_RAZORPAY_PORT; links in
# customers' emails point to SHOP_PUBLIC_URL, by default this server (http://HOST:PORT).
HOST ?= 127.0.0.1
PORT ?= 8000
FAKE_RAZORPAY_PORT ?= 9100
PUBLIC_HOST := $(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST))

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@# Colour only on a terminal: piped or redirected, the list is plain text.
	@if [ -t 1 ]; then on=$$(printf '\033[36m'); off=$$(printf '\033[0m'); else on=; off=; fi; \
	grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) \
	| awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*?## "}; {printf "  %s%-10s%s %s\n", on, $$1, off, $$2}'
	@echo ""
	@echo "Variables, e.g. make run PORT=8437 FAKE_RAZORPAY_PORT=9437 (make procs takes the same):"
	@echo "  PORT=$(PORT)  HOST=$(HOST)   where make run and make procs serve the shop"
	@echo "  FAKE_RAZORPAY_PORT=$(FAKE_RAZORPAY_PORT)   where make run and make procs start the local fake Razorpay (unless RAZORPAY_BASE_URL is set)"
	@echo "  WS_PORT (environment)   make procs: the websocket server's port, 8001 unless set"
	@echo "  SHOP_PUBLIC_URL (environment)   links in customers' emails; make run, make procs: http://$(PUBLIC_HOST):$(PORT) unless set"

$(BIN)/.installed: requirements/base.txt requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or 3.12 is required, found " + sys.version.split()[0]) if sys.version_info[:2] not in ((3, 11), (3, 12)) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# uv installs the pinned set in seconds; plain pip is the fallback.
	$(PY) -m pip install --quiet uv && $(BIN)/uv pip install --python $(PY) --index-strategy unsafe-best-match \
		-r requirements/base.txt -r requirements/dev.txt \
	|| $(PY) -m pip install --progress-bar on -r requirements/base.txt -r requirements/dev.txt
	@touch $@

.PHONY: install
install: $(BIN)/.installed ## Create the virtualenv and install the pinned requirements

.PHONY: migrate
migrate: install ## Apply database migrations
	$(PY) manage.py migrate --no-input

.PHONY: run
# Links in customers' messages point at this server unless SHOP_PUBLIC_URL says otherwise.
run: export SHOP_PUBLIC_URL ?= http://$(PUBLIC_HOST):$(PORT)
run: migrate ## Run the shop on http://127.0.0.1:PORT (8000) and a local fake Razorpay on FAKE_RAZORPAY_PORT (9100); embedded default: SQLite, no Redis
	$(PY) manage.py ensure_admin
	@mkdir -p var
	@# The demo shop fills in the background (about a minute), so the shop answers at once.
	@echo "Seeding the demo shop in the background: tail -f var/seed.log"
	@$(PY) manage.py seed_demo --if-empty > var/seed.log 2>&1 &
	@echo "Shop:  http://$(PUBLIC_HOST):$(PORT)/   admin: /admin/   API docs: /api/docs/   health: /healthz /readyz"
	@echo "Links in emails: $$SHOP_PUBLIC_URL"
	@# Unless RAZORPAY_BASE_URL points elsewhere, a fake Razorpay runs beside the shop and stops with it.
	@if [ -z "$$RAZORPAY_BASE_URL" ]; then \
		echo "Fake Razorpay: http://127.0.0.1:$(FAKE_RAZORPAY_PORT)/ (webhooks to this shop)"; \
		$(PY) manage.py fake_razorpay --port $(FAKE_RAZORPAY_PORT) \
			--webhook-url http://127.0.0.1:$(PORT)/payments/razorpay/webhook/ & fake=$$!; \
		trap 'kill $$fake 2>/dev/null; wait $$fake 2>/dev/null' EXIT INT TERM; \
		export RAZORPAY_BASE_URL=http://127.0.0.1:$(FAKE_RAZORPAY_PORT); \
	fi; \
	LOG_FORMAT=$${LOG_FORMAT:-console} $(PY) manage.py runserver $(HOST):$(PORT)

.PHONY: test
test: install ## Run the whole test suite (PostgreSQL and Redis on 127.0.0.1)
	$(BIN)/pytest

.PHONY: lint
lint: install ## ruff, the format check, mypy and the import boundaries
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

.PHONY: check
check: lint ## Everything CI could ask: lint, migrations up to date, tests
	DATABASE_URL= REDIS_URL= DJANGO_SETTINGS_MODULE=shop.settings.test SQLITE_PATH=/tmp/shop-makemigrations-check.sqlite3 $(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest

.PHONY: format
format: install ## Format and auto-fix the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: worker
worker: install ## Run a Celery worker (needs REDIS_URL)
	$(BIN)/celery -A shop worker --loglevel=INFO

.PHONY: beat
beat: install ## Run Celery beat, the periodic scheduler (needs REDIS_URL)
	$(BIN)/celery -A shop beat --loglevel=INFO

.PHONY: procs
# The Procfile's processes under honcho, plus Procfile.dev's fake Razorpay unless RAZORPAY_BASE_URL
# is set. `honcho start -p PORT` gives the web PORT (honcho's own default is 5000) and the others
# PORT+100, +200... in PORT, which none of them reads (ws listens on WS_PORT). Setup: README.
procs: export SHOP_PUBLIC_URL ?= http://$(PUBLIC_HOST):$(PORT)
procs: install ## Run the Procfile (web on PORT, ws on WS_PORT 8001, worker, beat) and a fake Razorpay with honcho; setup steps in the README (DATABASE_URL, REDIS_URL, the database, DJANGO_SECRET_KEY, demo data)
	@[ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ] || { echo "make procs needs DATABASE_URL and REDIS_URL (PostgreSQL and Redis): see the README's make procs steps" >&2; exit 2; }
	$(PY) manage.py migrate --no-input
	@mkdir -p var
	@if [ -z "$$RAZORPAY_BASE_URL" ]; then \
		cat Procfile Procfile.dev > var/Procfile.procs; \
		export RAZORPAY_BASE_URL=http://127.0.0.1:$(FAKE_RAZORPAY_PORT) FAKE_RAZORPAY_PORT=$(FAKE_RAZORPAY_PORT) \
			FAKE_RAZORPAY_WEBHOOK_URL=http://127.0.0.1:$(PORT)/payments/razorpay/webhook/; \
		echo "Fake Razorpay: http://127.0.0.1:$(FAKE_RAZORPAY_PORT)/ (webhooks to this shop)"; \
	else \
		cp Procfile var/Procfile.procs; \
	fi; \
	echo "Shop: http://$(PUBLIC_HOST):$(PORT)/   websockets: port $${WS_PORT:-8001}   links in emails: $$SHOP_PUBLIC_URL"; \
	exec $(BIN)/honcho start -f var/Procfile.procs -p $(PORT)

.PHONY: lock
lock: install ## Re-pin requirements/*.txt from requirements/*.in
	$(BIN)/pip-compile --quiet --strip-extras --no-header requirements/base.in -o requirements/base.txt
	$(BIN)/pip-compile --quiet --strip-extras --no-header requirements/dev.in -o requirements/dev.txt

.PHONY: clean
clean: ## Remove the virtualenv, the SQLite database and local files
	rm -rf $(VENV) db.sqlite3 var
