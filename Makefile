# Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
COSO := $(VENV)/bin/coso
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers: one per core (`make test PYTEST_WORKERS=0` runs in a single process).
PYTEST_WORKERS ?= auto

.PHONY: demo test test-fast system venv lint lint-imports typecheck migrations-check pytest bench clean \
	screenshots

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

# Debian packages (PostgreSQL, Chromium, fonts, node): only what is missing, so quick to repeat.
system:
	bash scripts/ensure-system-packages.sh

venv: $(UV)
	@UV=$$(command -v uv || echo $(HOME)/.local/bin/uv); $$UV sync --frozen --quiet

# axe-core for the browser tests' accessibility checks, exactly as locked in package-lock.json.
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

demo: system venv
	$(COSO) init
	$(COSO) load-demo --if-empty
	@echo ""
	@$(COSO) ensure-admin
	@echo "Mở http://$(HOST):$(PORT)/ và đăng nhập bằng một tài khoản ở trên (Ctrl+C để dừng)."
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the accounts above (Ctrl+C to stop)."
	$(COSO) serve --host $(HOST) --port $(PORT)

lint: venv
	$(VENV)/bin/ruff check coso tests loadtest
	$(VENV)/bin/ruff format --check coso tests loadtest

typecheck: venv
	$(VENV)/bin/mypy coso

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

# The tests open a connection per test and drop their databases at the end: no kept connections
# (coso/settings.py keeps them a minute on PostgreSQL otherwise).
TEST_ENV := COSO_DB_CONN_MAX_AGE=0

pytest: system venv node_modules/axe-core/axe.min.js
	$(TEST_ENV) $(VENV)/bin/pytest -n $(PYTEST_WORKERS)

test: lint lint-imports typecheck migrations-check pytest

# The loop while working (under 2 minutes on 2 cores): lint, types, and every test but the ones
# marked slow (demo load, schemathesis fuzzing) or browser (Chromium); `make test` runs them all.
test-fast: lint lint-imports typecheck
	$(TEST_ENV) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) -m "not slow and not browser"

# The layer contract ([tool.importlinter] in pyproject.toml).
lint-imports: venv
	$(VENV)/bin/lint-imports

# PNGs of the main pages (desktop and phone) in docs/screenshots/, from a temporary database.
screenshots: venv
	$(PY) tests/browser/screenshots.py docs/screenshots

bench: venv
	$(COSO) bench

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3*
