# The front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# The stamp changes with pyproject.toml, so a changed dependency list reinstalls.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# nbval and the test suite run on the tiny stand-in, quietly and reproducibly.
TEST_ENV := HW_DATASET=tiny TQDM_DISABLE=1 PYTHONHASHSEED=0 MPLBACKEND=Agg

.PHONY: help setup demo test check validate student submission gt bench lab data standin notebooks browser-test clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	# torch is pinned and installed first: a looser requirement pulls gigabytes of CUDA packages.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet --editable '.[dev]' --config-settings editable_mode=compat
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (so-duplicates)" >/dev/null
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)  ## create .venv and install everything (idempotent)

demo: $(STAMP)  ## the main job: all parts on the stand-in, Hits@K table and plot (QUICK=1: a first look)
	$(PY) -m tools.demo $(if $(QUICK),--quick) $(if $(DATASET),--dataset $(DATASET))

test: $(STAMP)  ## the test suite and the notebooks under nbval, on the tiny stand-in
	$(TEST_ENV) $(PY) -m pytest tests notebooks --nbval-lax --nbval-sanitize-with tools/nbval_sanitize.cfg $(PYTEST_ARGS); \
	status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

check: $(STAMP)  ## grade a submission (SUBMISSION=path, SUBMISSIONS=dir/; default: the reference)
	$(PY) -m tools.grader $(if $(SUBMISSION),--submission $(SUBMISSION)) $(if $(SUBMISSIONS),--batch $(SUBMISSIONS)) $(if $(DATASET),--dataset $(DATASET))

validate: $(STAMP)  ## the reference passes every graded test; the student release fails each with NotImplementedError
	$(PY) -m tools.release validate

student: $(STAMP)  ## build the student release in dist/student/
	$(PY) -m tools.release build --out dist/student

submission: $(STAMP)  ## zip hw_utils/ and the executed notebooks into dist/submission.zip
	$(PY) -m tools.submission --out dist/submission.zip

gt: $(STAMP)  ## regenerate test_gt.json from the reference solution
	$(PY) -m tools.make_gt

bench: $(STAMP)  ## benchmarks; figures printed and kept in benchmarks/results/
	$(PY) -m tools.bench $(BENCH_ARGS)

# .venv/bin first on PATH: `%tensorboard` in a notebook and `tensorboard` in a lab terminal find
# the project's TensorBoard, and the terminals' `python` is the project's.
LAB := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)  ## JupyterLab on the project's environment (TensorBoard on its PATH)
	$(LAB) $(LAB_ARGS)

data: $(STAMP)  ## download the real data into data/ (or HW_DATA_DIR); HW_DATA_MIRROR=folder copies from a mirror; ASSETS=names
	$(PY) -m sodata download $(ASSETS)

standin: $(STAMP)  ## generate the stand-in (SCALE=tiny|sample|full, SEED=0)
	$(PY) -m sodata standin --scale $(or $(SCALE),sample) --seed $(or $(SEED),0)

notebooks: $(STAMP)  ## re-execute the notebooks on the tiny stand-in, storing the outputs nbval compares
	$(TEST_ENV) $(PY) -m tools.nbtools execute notebooks/*.ipynb

browser-test: $(STAMP)  ## JupyterLab in headless Chromium runs Part 1 (needs `apt-get install chromium`)
	@command -v chromium >/dev/null || { echo "chromium is needed: apt-get install -y chromium"; exit 1; }
	$(PY) -c 'import playwright' 2>/dev/null || $(PY) -m pip install --quiet 'playwright>=1.40'
	$(TEST_ENV) $(PY) -m pytest tests/test_lab_browser.py $(PYTEST_ARGS)

clean:  ## remove build outputs (keeps .venv and data/)
	rm -rf dist .pytest_cache runs benchmarks/tmp notebooks/runs
