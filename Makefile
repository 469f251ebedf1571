# Two entry points a fresh clone needs: `make run` and `make test`.
# Both create .venv on first use and reinstall only when the pins change.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint screenshots benchmark clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m ui.app

screenshots: $(STAMP)
	$(BIN)/python -m ui.screenshots docs/screenshots

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

benchmark: $(STAMP)
	$(BIN)/python benchmarks/engine_benchmark.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
