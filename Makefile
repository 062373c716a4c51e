# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+psycopg://127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium
# the suite runs in one process per core (pytest-xdist); WORKERS=0 runs it in this process
WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(WORKERS)
export FLASK_APP := wsgi.py

NODE := $(shell command -v node 2>/dev/null)
CONSOLE_INPUTS := $(shell find console/src console/index.html console/vite.config.ts console/tsconfig.json -type f 2>/dev/null)
# browsers come from the system (Debian's chromium), never from a download
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install install-test run test test-sqlite test-postgres test-console console lint bench clean

# running needs the package alone; the test extras (pytest, schemathesis, moto, ruff, …) come only
# with the targets that test. Each stamp is remade when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/.installed
install-test: $(BIN)/.installed-test

console/node_modules/.installed: console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	touch $@

# the stamp lives in dist/, so a deleted or half-written build is rebuilt, and an unchanged one is not
console/dist/.built: console/node_modules/.installed $(CONSOLE_INPUTS)
	cd console && npm run build
	touch $@

## console: build the 指挥中心 web console into console/dist when Node is installed
console:
ifeq ($(NODE),)
	@echo "!!! Node.js is not installed: the console (/console/) is NOT built; the API starts without it."
	@echo "!!! Install Node 20+ and run make run again to get the console."
else
	@$(MAKE) --no-print-directory console/dist/.built
endif

## run: install (without the test extras), migrate, seed the demo district, replay its 90-day past
## (once, in the background), serve on http://$(HOST):$(PORT) in the development configuration
## (dev-login on); anything else started without SUISHOUPAI_ENV is production
run: export SUISHOUPAI_ENV := development
run: export SUISHOUPAI_DEV_LOGIN := 1
run: install console
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	@mkdir -p instance
	@echo "The demo district's past (90 days of cases, wishes and points) is replayed in the background,"
	@echo "once (instance/demo-history.log); the API answers meanwhile, the stats show the past when it ends."
	$(BIN)/flask demo history > instance/demo-history.log 2>&1 & \
	GUNICORN_BIND=$(HOST):$(PORT) exec $(BIN)/gunicorn -c config/gunicorn.conf.py wsgi:app

## test: install, lint, the whole suite on SQLite and again on PostgreSQL, then the console's
## unit tests (Vitest) and browser tests (Playwright driving the system's Chromium)
test: install-test lint test-sqlite test-postgres test-console

lint: install-test
	$(BIN)/ruff check .

test-sqlite: install-test
	@echo "=== test suite on SQLite ==="
	$(PYTEST)

test-postgres: install-test
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(subst postgresql+psycopg,postgresql,$(PG_TEST_URL))', connect_timeout=3).close()" 2>/dev/null; then \
		echo "=== test suite on PostgreSQL ($(PG_TEST_URL)) ==="; \
		SUISHOUPAI_TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST); \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) is required (REQUIRE_POSTGRES) but unreachable" >&2; exit 1; \
	else \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!! PostgreSQL not reachable at $(PG_TEST_URL):"; \
		echo "!!! the PostgreSQL run of the suite was SKIPPED. Only SQLite was tested."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

test-console: install-test
ifeq ($(NODE),)
	@if [ -n "$$REQUIRE_CONSOLE" ]; then echo "Node.js is required (REQUIRE_CONSOLE) but not installed" >&2; exit 1; fi
	@echo "!!! Node.js is not installed: the console's tests were SKIPPED."
else
	@$(MAKE) --no-print-directory console/dist/.built
	@echo "=== console unit tests (Vitest) ==="
	cd console && npx vitest run
	@echo "=== console browser tests (Playwright, $(CHROMIUM)) ==="
	cd console && SUISHOUPAI_PYTHON=$(abspath $(BIN))/python CHROMIUM=$(CHROMIUM) node e2e/run.mjs
endif

## bench: the two quick benches; the others take options and minutes (README, "Benchmarks print ratios")
bench: install-test
	$(BIN)/python -m bench.routing
	$(BIN)/python -m bench.media

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis console/node_modules console/dist console/test-results
