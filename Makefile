# Sphericity Studio: the two commands a new machine needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# torch as it lies on this machine's disk (pip takes it from there); pyproject keeps open ranges.
TORCH_PINS := torch==2.14.1 torchvision==0.29.1

.PHONY: venv test test-core demo lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH_PINS)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q --cov=core --cov-report=term:skip-covered

# Everything not marked slow (no training, no subprocesses): a newcomer's quick check.
.PHONY: test-fast
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m "not slow"

demo: $(STAMP)
	$(BIN)/sphericity demo

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# Benchmarks print each figure beside a plain reference measured in the same run (no timed tests).
bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_store.py --open-images 10000
	$(BIN)/python tests/benchmarks/bench_import.py
	$(BIN)/python tests/benchmarks/bench_phantom.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/bench_canvas.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python tests/benchmarks/bench_window.py
	$(BIN)/sphericity bench --json

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis
