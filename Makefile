# Two commands from a clean clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test install lint format migrations-check deploy-check worker clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp is rebuilt whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) runserver 127.0.0.1:8000

# One pytest process per core (pytest-xdist), each with its own test database; a module's tests
# stay together so its module-scoped fixtures are built once. `make test PYTEST_WORKERS=0` runs
# everything in one process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

# Every app's catalogue (fr, ja, ko): extract the marked strings, then compile. The .mo files
# are committed, so a fresh clone needs no gettext tools; this target needs GNU gettext.
LOCALE_APPS := portal accounts outbox practices
LANGS := fr ja ko
messages: install
	for app in $(LOCALE_APPS); do \
	  mkdir -p $$app/locale && \
	  (cd $$app && PYTHONPATH=$(CURDIR) DJANGO_SETTINGS_MODULE=portal.settings \
	    $(CURDIR)/$(BIN)/django-admin makemessages $(foreach l,$(LANGS),-l $(l)) \
	    --no-obsolete --no-location --ignore=static --ignore=locale) && \
	  (cd $$app && PYTHONPATH=$(CURDIR) DJANGO_SETTINGS_MODULE=portal.settings \
	    $(CURDIR)/$(BIN)/django-admin compilemessages) || exit 1; \
	done

worker: install
	$(BIN)/celery -A portal worker --loglevel=info

clean:
	rm -rf $(VENV) .pytest_cache db.sqlite3
