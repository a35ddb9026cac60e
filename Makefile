# The front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The supported Pythons: the one list is pyproject.toml's classifiers (MAINTAINING.md says how to
# add one). python3.11 when present (the version these machines hold torch's CPU build for),
# else the newest supported one that runs (a pyenv shim may not); or name one: PYTHON=python3.12
SUPPORTED_MINORS := $(shell sed -n 's/.*Programming Language :: Python :: 3\.\([0-9][0-9]*\)".*/\1/p' pyproject.toml | sort -rn)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell for v in 11 $(SUPPORTED_MINORS); do \
  p=$$(command -v python3.$$v) && $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
endif
VENV := .venv
PY := $(VENV)/bin/python
# The stamp changes with pyproject.toml, so a changed dependency list reinstalls.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# nbval and the test suite run on the tiny stand-in, quietly and reproducibly, starting no
# TensorBoard server. The notebooks' committed outputs come from the default data, `sample`.
QUIET_ENV := TQDM_DISABLE=1 PYTHONHASHSEED=0 MPLBACKEND=Agg HW_TENSORBOARD=0
TEST_ENV := HW_DATASET=tiny $(QUIET_ENV)
NOTEBOOK_ENV := HW_DATASET=sample $(QUIET_ENV)

.PHONY: help setup demo test check slurm gradescope validate student selfcheck submission gt bench lab data verify standin notebooks browser-test clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 14

# torch comes first, alone. On Python 3.11 it is pinned to the build these machines hold on disk
# (the CPU one; a looser requirement pulls gigabytes of CUDA packages). On another Python no such
# build exists, so torch comes from the package index within pyproject.toml's range: on Linux
# the CUDA build, several GB. TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu asks another
# index instead (the CPU build, a few hundred MB).
TORCH_PIN := torch==2.13.0
TORCH_RANGE := torch>=2.1
TORCH_PIN_PYTHON := 3.11
TORCH_INDEX_ARGS = $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL))

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No supported Python found (looked for python3.11, then python3.$(SUPPORTED_MINORS: =, python3.))." \
	  "Install Python 3.11 (python.org, your package manager or pyenv), or name one: make setup PYTHON=/path/to/python3"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed, found " + sys.version.split()[0] + " ($(PYTHON)); install Python 3.11 or pass PYTHON=")'
	@! [ -x $(PY) ] || [ "$$($(PY) -c 'import sys; print(sys.version_info[:2])')" = "$$($(PYTHON) -c 'import sys; print(sys.version_info[:2])')" ] \
	  || { echo "$(VENV) was made with another Python than $(PYTHON): remove it first (rm -rf $(VENV))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	@if [ "$$($(PY) -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "$(TORCH_PIN_PYTHON)" ]; then \
	  echo "$(PY) -m pip install $(TORCH_PIN)"; \
	  $(PY) -m pip install --quiet $(TORCH_INDEX_ARGS) '$(TORCH_PIN)'; \
	else \
	  echo "Python $$($(PY) -c 'import platform; print(platform.python_version())'): torch comes from the package index," \
	    "a large download (on Linux the CUDA build, several GB; TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu: the CPU build)"; \
	  echo "$(PY) -m pip install $(TORCH_INDEX_ARGS) '$(TORCH_RANGE)'"; \
	  $(PY) -m pip install $(TORCH_INDEX_ARGS) '$(TORCH_RANGE)'; \
	fi
	$(PY) -m pip install --quiet --editable '.[dev]' --config-settings editable_mode=compat
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (so-duplicates)" >/dev/null
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP)  ## create .venv and install everything (idempotent)

demo: $(STAMP)  ## the main job: all parts on the stand-in, Hits@K table and plot (QUICK=1: a first look)
	$(PY) -m instructor.demo $(if $(QUICK),--quick) $(if $(DATASET),--dataset $(DATASET))

test: $(STAMP)  ## the test suite and the notebooks under nbval, on the tiny stand-in
	$(TEST_ENV) $(PY) -m pytest tests notebooks --nbval-lax --nbval-sanitize-with maintainers/nbval_sanitize.cfg $(PYTEST_ARGS); \
	status=$$?; if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$status

check: $(STAMP)  ## grade in sandboxes (SUBMISSION=path, SUBMISSIONS=dir/, SEED=n, QUALITY=1|0, SHARD=i/n OUT=dir, CACHE=dir, UNSAFE=1; default: the reference)
	$(PY) -m grader $(if $(SUBMISSION),--submission $(SUBMISSION)) $(if $(SUBMISSIONS),--batch $(SUBMISSIONS)) $(if $(DATASET),--dataset $(DATASET)) $(if $(SEED),--seed $(SEED)) $(if $(QUALITY),$(if $(filter 0,$(QUALITY)),--no-quality,--quality)) $(if $(SHARD),--shard $(SHARD)) $(if $(OUT),--out $(OUT)) $(if $(CACHE),--cache $(CACHE)) $(if $(UNSAFE),--unsafe) $(if $(JOBS),--jobs $(JOBS))

slurm: $(STAMP)  ## grade SUBMISSIONS=dir/ as a Slurm job array (SHARDS=8, SEED=n, OUT=dir), merged into one scores.csv
	@test -n "$(SUBMISSIONS)" || { echo "make slurm needs SUBMISSIONS=dir/ (a folder of submissions)"; exit 2; }
	$(PY) -m grader.slurm --batch $(SUBMISSIONS) --shards $(or $(SHARDS),8) $(if $(SEED),--seed $(SEED)) $(if $(OUT),--out $(OUT))

gradescope: $(STAMP)  ## build the Gradescope autograder (dist/gradescope/autograder.zip)
	$(PY) -m grader.gradescope build

validate: $(STAMP)  ## the reference passes every graded test; the student release fails each with NotImplementedError
	$(PY) -m maintainers.release validate

student: $(STAMP)  ## build the student release in dist/student/
	$(PY) -m maintainers.release build --out dist/student

selfcheck: $(STAMP)  ## self-checks of every graded stage on hw_utils (stored inputs; what GitHub Classroom runs)
	$(PY) -m hw_checks $(STAGES)

submission: $(STAMP)  ## zip hw_utils/ and the executed notebooks into dist/submission.zip
	$(PY) -m student.submission --out dist/submission.zip

gt: $(STAMP)  ## regenerate test_gt.json from the reference solution
	$(PY) -m maintainers.make_gt

bench: $(STAMP)  ## benchmarks; figures printed and kept in benchmarks/results/
	$(PY) -m benchmarks $(BENCH_ARGS)

# .venv/bin first on PATH: `%tensorboard` in a notebook and `tensorboard` in a lab terminal find
# the project's TensorBoard, and the terminals' `python` is the project's.
LAB := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/jupyter lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)  ## JupyterLab on the project's environment (TensorBoard on its PATH)
	$(LAB) $(LAB_ARGS)

data: $(STAMP)  ## download the real data into data/ (or HW_DATA_DIR); HW_DATA_MIRROR=folder copies from a mirror; ASSETS=names
	$(PY) -m sodata download $(ASSETS)

verify: $(STAMP)  ## re-hash the downloaded real data and the stand-ins against their records
	$(PY) -m sodata verify

standin: $(STAMP)  ## generate the stand-in (SCALE=tiny|sample|full, SEED=0)
	$(PY) -m sodata standin --scale $(or $(SCALE),sample) --seed $(or $(SEED),0)

notebooks: $(STAMP)  ## re-execute the notebooks on the sample stand-in, storing their outputs (about 15 minutes)
	$(NOTEBOOK_ENV) $(PY) -m maintainers.nbtools execute notebooks/*.ipynb

browser-test: $(STAMP)  ## JupyterLab in headless Chromium runs every notebook, reference and solved release (needs `apt-get install chromium`)
	@command -v chromium >/dev/null || { echo "chromium is needed: apt-get install -y chromium"; exit 1; }
	$(PY) -c 'import playwright' 2>/dev/null || $(PY) -m pip install --quiet 'playwright>=1.40'
	$(TEST_ENV) BROWSER_TEST_ALL=1 $(PY) -m pytest tests/test_lab_browser.py $(PYTEST_ARGS)

clean:  ## remove build outputs (keeps .venv and data/)
	rm -rf dist .pytest_cache runs benchmarks/tmp notebooks/runs
