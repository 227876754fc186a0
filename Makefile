# Two commands matter: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-slow lint docs serve-docs bench clean

## The install goes through uv (from PyPI, into .venv): it fetches and unpacks the hundred-odd
## packages in parallel: 13 s for the whole install from a fresh clone, where pip took 65 s
## (docs/guides/testing.md, "The first install").
## Where uv cannot be had or cannot install (uv reads no pip.conf: a private index set there
## is pip's alone), pip does the same install. A current pip goes in either way: the
## packaging tests build wheels with the venv's pip. The venv starts without one: uv goes in
## through $(PYTHON)'s pip (`--python`) and brings the current pip, so ensurepip's bundled
## pip (about 4 CPU seconds to install) is made only where $(PYTHON) has no pip, or for the
## fallback.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv --without-pip $(VENV)
	if { $(PYTHON) -m pip --python $(BIN)/python install --quiet uv \
			|| { $(BIN)/python -m ensurepip && $(BIN)/python -m pip install --quiet uv; }; } \
		&& $(BIN)/uv pip install --quiet --python $(BIN)/python --upgrade pip -e '.[dev]'; then \
		:; \
	else \
		echo "uv did not install the project; installing with pip (slower)" >&2; \
		$(BIN)/python -m ensurepip --upgrade \
		&& $(BIN)/python -m pip install --quiet --upgrade pip \
		&& $(BIN)/python -m pip install --quiet -e '.[dev]'; \
	fi
	touch $(STAMP)

install: $(STAMP)

## Check the embedded reference server, every documented system.
run: $(STAMP)
	$(BIN)/authconform check --api all

## Lint, then the whole test suite (slow/load/browser tests included, each bounded): the
## independent tests on TEST_WORKERS processes (more than the cores: most of them wait),
## then the `serial` ones (timing, Locust) alone. Both passes always run; the target fails
## if either did (docs/guides/testing.md). Bytecode is kept (in __pycache__, ignored by git)
## even where the environment turns it off: each pass starts a hundred-odd Python processes.
## The serial pass collects only the files that mark a test `serial` (all of them if none).
TEST_WORKERS ?= 4
SERIAL_FILES = $(shell grep -l 'pytest.mark.serial' tests/test_*.py)
test: $(STAMP)
	$(BIN)/ruff check .
	status=0; \
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -m "not serial" -n $(TEST_WORKERS) --dist loadfile \
		--no-loadscope-reorder || status=$$?; \
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -m serial -p no:xdist $(SERIAL_FILES) || status=$$?; \
	exit $$status

## The same tests with about half the CPU (bench/slow_machine.py): a rehearsal for CI on a
## slower machine (docs/guides/testing.md, "A rehearsal on a slower machine").
test-slow: $(STAMP)
	$(BIN)/python bench/slow_machine.py --share 0.5 -- $(MAKE) test

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis build *.egg-info

## Build the published site (runs the conformance check first for its results page).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

serve-docs: docs
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory site 8001

## Benchmarks (see docs/benchmarks.md); not part of `make test`.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/capacity.py
