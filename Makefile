# make run   : create .venv on first use, install lsmc, run the default experiment
# make test  : create .venv on first use, install lsmc with test extras, run every test (MPI ones too)
# make bench : throughput benchmarks (not tests)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	rm -rf output/default
	$(BIN)/lsmc run namelists/default.nml --out output/default

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_coupler.py
	$(BIN)/python benchmarks/bench_ocean.py
	$(BIN)/python benchmarks/bench_land.py --deg 10 5 --ranks 1 2

clean:
	rm -rf $(VENV) output build *.egg-info
