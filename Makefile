# Two commands for a new user: `make run` and `make test`. Both bootstrap .venv
# from pyproject.toml on first use and again whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench e2e soak clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/raytui $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check tui workloads tests
	$(BIN)/mypy
	$(BIN)/lint-imports

# Long fault runs (issue 15): the 20-minute watch soak (SOAK_MINUTES=2 for a short one),
# then the fault tests too long for `make test`. Each takes the shared Ray lock.
SOAK_MINUTES ?= 20
soak: $(STAMP)
	flock /tmp/raytui-ray.lock $(BIN)/python -m tests.faults.soak --minutes $(SOAK_MINUTES)
	flock /tmp/raytui-ray.lock $(BIN)/python -m pytest tests/faults/long_outlive.py \
		tests/faults/long_replay.py
	flock /tmp/raytui-ray.lock $(BIN)/python -m pytest -m soak

bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
