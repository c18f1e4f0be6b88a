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

# the default experiment runs on NP ranks (2 by default; mpiexec comes with the mpich wheel)
NP ?= 2

run: $(STAMP)
	rm -rf output/default
	HYDRA_LAUNCHER=fork HYDRA_IFACE=lo $(BIN)/mpiexec -n $(NP) $(BIN)/lsmc run namelists/default.nml --out output/default

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_coupler.py
	$(BIN)/python benchmarks/bench_ocean.py
	$(BIN)/python benchmarks/bench_land.py --deg 2 1 0.5 --ranks 1 2 --steps 12 --json output/bench_land.json
	$(BIN)/python benchmarks/scaling_model.py --deg 0.5 --json output/scaling_model.json

clean:
	rm -rf $(VENV) output build *.egg-info
