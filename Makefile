# L.I.A. 2 — two commands: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := run.py
DEMO_PASSWORD ?= demo-lia2
PORT ?= 8080

.PHONY: run test install segreti migrate demo serve bench clean translations

$(BIN)/activate: requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(BIN)/activate

install: $(BIN)/activate

translations: install
	$(BIN)/pybabel compile -f -d translations >/dev/null

# Random secrets in instance/segreti.env (mode 600) the first time; never changed afterwards.
segreti: install
	$(BIN)/python -m app.segreti

migrate: segreti
	mkdir -p instance
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask lia demo --password "$(DEMO_PASSWORD)"

serve:
	@echo "Il gestionale è su http://127.0.0.1:$(PORT) — accedi come 'admin' / '$(DEMO_PASSWORD)' (altri accessi sopra)."
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

run: translations demo serve

# Both cores (pytest-xdist), whole files per worker: each worker has its own app and database.
test: translations
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

bench: segreti
	$(BIN)/python -m tests.bench

clean:
	rm -rf $(VENV) instance .pytest_cache
