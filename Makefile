# Tousu: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements/lock.txt

.PHONY: run test lint messages install install-dev lock bench clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/pip install -q -c $(LOCK) -e .
	bash scripts/ensure-tesseract.sh
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install -q -c $(LOCK) -e '.[dev]'
	bash scripts/ensure-chromium.sh
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: migrate var/tousu.sqlite3, load demo data once, serve site + API + worker on :8000
run: install
	TOUSU_LOCAL=1 $(BIN)/tousu run

## test: the whole suite on SQLite, and on PostgreSQL too when CI or DATABASE_URL says so
test: install-dev
	bash scripts/test.sh

## bench: the benchmark suite (reads with wrk, API intake, worker memory, periodic jobs) on a
## database of SIZE complaints (DB=sqlite|postgres); prints a table, writes var/bench/*.json
SIZE ?= 20000
DB   ?= sqlite
bench: install-dev
	@command -v wrk >/dev/null || sudo apt-get install -y wrk || apt-get install -y wrk
	$(BIN)/python bench/run.py --complaints $(SIZE) --database $(DB)

## lint: ruff + mypy (django-stubs) + makemigrations --check
lint: install-dev
	$(BIN)/ruff check .
	TOUSU_LOCAL=1 $(BIN)/mypy
	mkdir -p var && TOUSU_LOCAL=1 $(BIN)/tousu makemigrations --check --dry-run

## messages: extract the strings to translate into src/tousu/locale/en (django.po, needs GNU
## gettext), then compile django.mo; translate the new entries and run it again
messages: install
	cd src/tousu && TOUSU_LOCAL=1 ../../$(BIN)/tousu makemessages -l en
	cd src/tousu && TOUSU_LOCAL=1 ../../$(BIN)/tousu compilemessages -l en
	msgfmt --check --statistics -o /dev/null src/tousu/locale/en/LC_MESSAGES/django.po

## screenshots: PNGs of the main pages at phone and desktop width into docs/screenshots/
screenshots: install-dev
	@fc-list :lang=zh | grep -q . || { [ "$$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null; } || echo "install fonts-noto-cjk for readable Chinese"
	$(BIN)/python scripts/screenshots.py

## lock: re-resolve the pinned versions after changing dependencies in pyproject.toml
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/pip install -q -e '.[dev]'
	.lockenv/bin/pip freeze --exclude-editable | grep -v '^-e' > $(LOCK)
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
