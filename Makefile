# Two commands for a fresh machine: `make run` and `make test`.
# The virtual environment is created and filled on first use; it is refreshed
# whenever pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run demo test test-fast lint bench snapshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || scripts/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,usb,serial]'
	touch $(STAMP)

run demo: $(STAMP)
	@missing=$$(scripts/system-deps --print); [ -z "$$missing" ] || \
	  echo "注意: missing Debian packages: $$missing (receipts may print boxes; run scripts/system-deps as root)" >&2
	$(BIN)/kiosk demo

lint: $(STAMP)
	$(BIN)/ruff check kiosk screens db printers tests benchmarks
	$(BIN)/mypy

# Four workers on 2 cores: the suite waits more than it computes (Pilot pauses, printers
# and servers answering), so 4 keep both cores busy; six and eight finished no sooner
# (647-721 s and 688 s against ~650 s) and made waits time out under the contention.
# Every test keeps to its own temp folder and PostgreSQL schema, so they never meet.
# worksteal: an idle worker takes queued tests from the busy one.
JOBS ?= 4

test: lint
	$(BIN)/python -m pytest -n $(JOBS) --dist worksteal $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -x $(PYTEST_ARGS)

snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/screens --snapshot-update

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
