# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test demo lint format newman clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## Start the sandbox, the API, a worker and beat; Ctrl-C stops them all.
run: $(STAMP)
	$(PY) -m mobile_backend.devsetup keys
	$(VENV)/bin/flask --app wsgi db upgrade
	$(PY) -m mobile_backend.devrun

## Run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL).
test: $(STAMP)
	$(PY) -m pytest -q

## Against a running `make run`: walk the order-ahead story step by step.
demo: $(STAMP)
	$(PY) scripts/demo.py

## The Postman collection, run with newman against a running `make run`.
newman: $(STAMP)
	$(VENV)/bin/flask --app wsgi create-user --email support@example.com \
		--password 'support-pass-123' --role support --name Support
	npx --yes newman@6 run postman/mobile-backend.postman_collection.json \
		-e postman/local.postman_environment.json

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf instance
