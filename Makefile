# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed
# The demo runs in DEBUG with the embedded emulator unless told otherwise (outside DEBUG the
# settings refuse the development secrets); the tests bring their own secrets (tests/settings.py).
DEMO_ENV := DEBUG=$${DEBUG:-true} EMULATOR_ENABLED=$${EMULATOR_ENABLED:-true}
TEST_ENV := DJANGO_SETTINGS_MODULE=tests.settings
# Compiled translations: built from the .po files here, never kept in git (see README, "Languages").
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# axe-core for the browser tests' accessibility audit (tests/browser/axe.py), pinned in package.json.
AXE := node_modules/axe-core/axe.min.js

.PHONY: demo test fuzz bench lint format setup messages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# compilemessages needs GNU gettext's msgfmt (Debian: gettext); --ignore keeps it out of the venv.
%.mo: %.po $(STAMP)
	$(DEMO_ENV) $(PY) manage.py compilemessages -v0 --ignore $(VENV) --ignore node_modules

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(AXE)

setup: $(STAMP) $(MO_FILES) $(AXE)

# Refresh locale/*/django.po from the code after adding or changing texts, then translate them.
messages: $(STAMP)
	$(DEMO_ENV) $(PY) manage.py makemessages --all --no-location --ignore $(VENV) --ignore node_modules \
	  --ignore staticfiles --ignore tests --ignore bench --ignore emulator

demo: $(STAMP) $(MO_FILES)
	$(DEMO_ENV) $(PY) manage.py migrate --no-input -v0
	$(DEMO_ENV) $(PY) manage.py seed_fleet --if-empty
	$(DEMO_ENV) $(PY) manage.py collectstatic --no-input -v0
	@echo ""
	@echo "  VoltStorage Fleet:  http://$(HOST):$(PORT)/"
	@echo "  Emulated API:       http://$(HOST):$(PORT)/rest  (OpenAPI: /rest/openapi.json)"
	@echo "  Demo accounts:      fleet@example.com (whole fleet),"
	@echo "                      owner1@example.com, owner2@example.com, owner3@example.com"
	@echo "  Password:           voltstorage"
	@echo ""
	$(DEMO_ENV) $(PY) -m dashboard.serve --host $(HOST) --port $(PORT)

test: setup
	$(TEST_ENV) $(PY) manage.py collectstatic --no-input -v0
	$(PY) -m pytest $(PYTEST_ARGS)

# The emulator's property-based tests with many fresh random examples (a few minutes); `make test`
# runs the same tests on a fixed, derandomised set.
FUZZ_EXAMPLES ?= 1500
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz HYPOTHESIS_MAX_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -p no:cacheprovider \
		tests/emulator/test_openapi_fuzz.py tests/emulator/test_params.py $(PYTEST_ARGS)

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(TEST_ENV) $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .
