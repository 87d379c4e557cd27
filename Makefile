# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
# Compiled translations: built from the .po files here, never kept in git (see README, "Languages").
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# axe-core for the browser tests' accessibility audit (tests/browser/axe.py), pinned in package.json.
AXE := node_modules/axe-core/axe.min.js

.PHONY: demo test bench lint format setup messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# compilemessages needs GNU gettext's msgfmt (Debian: gettext); --ignore keeps it out of the venv.
%.mo: %.po $(STAMP)
	$(PY) manage.py compilemessages -v0 --ignore $(VENV) --ignore node_modules

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

setup: $(STAMP) $(MO_FILES) $(AXE)

# Refresh locale/*/django.po from the code after adding or changing texts, then translate them.
messages: $(STAMP)
	$(PY) manage.py makemessages --all --no-location --ignore $(VENV) --ignore node_modules \
	  --ignore staticfiles --ignore tests --ignore bench --ignore emulator

demo: $(STAMP) $(MO_FILES)
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_fleet --if-empty
	$(PY) manage.py collectstatic --no-input -v0
	@echo ""
	@echo "  VoltStorage Fleet:  http://$(HOST):$(PORT)/"
	@echo "  Emulated API:       http://$(HOST):$(PORT)/rest  (OpenAPI: /rest/openapi.json)"
	@echo "  Demo accounts:      fleet@example.com (whole fleet),"
	@echo "                      owner1@example.com, owner2@example.com, owner3@example.com"
	@echo "  Password:           voltstorage"
	@echo ""
	DEBUG=$${DEBUG:-true} $(PY) -m dashboard.serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
