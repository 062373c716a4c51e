# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
PG_TEST_URL ?= postgresql+psycopg://127.0.0.1:5432/test
export FLASK_APP := wsgi.py

.PHONY: install run test test-sqlite test-postgres lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(BIN)/.installed

## run: install, migrate, seed the demo district, serve on http://$(HOST):$(PORT) in the development
## configuration (dev-login on); anything else started without SUISHOUPAI_ENV is production
run: export SUISHOUPAI_ENV := development
run: export SUISHOUPAI_DEV_LOGIN := 1
run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	GUNICORN_BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c config/gunicorn.conf.py wsgi:app

## test: install, lint, then the whole suite on SQLite and again on PostgreSQL
test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check .

test-sqlite: install
	@echo "=== test suite on SQLite ==="
	$(BIN)/pytest

test-postgres: install
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(subst postgresql+psycopg,postgresql,$(PG_TEST_URL))', connect_timeout=3).close()" 2>/dev/null; then \
		echo "=== test suite on PostgreSQL ($(PG_TEST_URL)) ==="; \
		SUISHOUPAI_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL at $(PG_TEST_URL) is required (REQUIRE_POSTGRES) but unreachable" >&2; exit 1; \
	else \
		echo ""; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
		echo "!!! PostgreSQL not reachable at $(PG_TEST_URL):"; \
		echo "!!! the PostgreSQL run of the suite was SKIPPED. Only SQLite was tested."; \
		echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

## bench: the two quick benches; the others take options and minutes (README, "Benchmarks print ratios")
bench: install
	$(BIN)/python -m bench.routing
	$(BIN)/python -m bench.media

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis
