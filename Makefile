# moest3d — two commands do everything on a fresh machine:
#   make figures   create .venv, install, run the whole pipeline on the built-in virtual tissue, write figures/
#   make test      create .venv, check exported code is in sync with the notebooks, run nbdev_test and a smoke run
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# papermill looks up the "python3" kernel here first, so notebooks run in this project's environment
export JUPYTER_DATA_DIR := $(CURDIR)/$(VENV)/share/jupyter
export PYTHONDONTWRITEBYTECODE := 1
# uv installs the same packages as pip in about half the time (.ci/install hands it pip's indexes and constraints);
# make install INSTALLER=pip installs with pip alone
INSTALLER ?= uv
QUIET_PIP := grep -v -e '^WARNING: Location' -e 'is ignored' || true

.PHONY: install scverse lib test test-nbs sync readme-check smoke figures lab clean bench-gpu
.DEFAULT_GOAL := help

help:
	@echo "make figures   run the pipeline on the virtual tissue and write figures/ (creates .venv)"
	@echo "make test      sync check + nbdev_test + end-to-end smoke run (creates .venv)"
	@echo "make lab       JupyterLab on nbs/ with this project's kernel (PORT=8888 IP=localhost; IP=0.0.0.0 on a remote box)"
	@echo "make scverse   the optional SpatialData / squidpy extra (make test installs it)"
	@echo "make lib       export the notebooks to moest3d/ (nbdev_export)"
	@echo "make bench-gpu the prepared GPU benchmark (bench/gpu.sh; BENCH_ARGS='--device cpu --quick' on a CPU)"
	@echo "make clean     remove runs/, caches and the figure stamps (keeps .venv)"

install: $(STAMP)
$(STAMP): setup.py settings.ini .ci/install
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing moest3d and its pinned stack into $(VENV) (first time: about a minute; uv, or pip with INSTALLER=pip: a few minutes)"
	@$(BIN)/python .ci/install $(if $(filter pip,$(INSTALLER)),--pip) -e '.[dev]' 2>&1 | $(QUIET_PIP)
	@$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "moest3d (.venv)" >/dev/null
	@$(BIN)/python -c "import moest3d, torch, timm, nbdev; print('moest3d', moest3d.__version__, '| torch', torch.__version__, '| nbdev', nbdev.__version__)"
	@touch $@

# the optional scverse extra (spatialdata, spatialdata-io, squidpy; settings.ini scverse_requirements): make test covers
# the SpatialData/HEST readers and writers with it. Not in .[dev], so make figures does not install it. .ci/install-extra
# adds only the packages missing here and changes none that is installed (a plain pip install would downgrade python-dateutil)
SCVERSE := $(VENV)/.scverse
scverse: $(SCVERSE)
$(SCVERSE): $(STAMP) settings.ini .ci/install-extra
	@echo "installing the scverse extra into $(VENV) (first time: about a minute)"
	@$(BIN)/python .ci/install-extra scverse 2>&1 | $(QUIET_PIP)
	@$(BIN)/python -c "import spatialdata, spatialdata_io, squidpy" 2>/dev/null
	@touch $@

lib: $(STAMP)
	@env -u IN_TEST $(BIN)/nbdev_export

# exported code must be what the notebooks say: export, then nothing may differ from git
sync: lib
	@if ! git diff --quiet -- moest3d || [ -n "$$(git ls-files --others --exclude-standard -- moest3d)" ]; then \
	  echo "sync check FAILED: moest3d/ differs from the notebooks (edit nbs/, run 'make lib', commit both):"; \
	  git status --short -- moest3d; exit 1; fi
	@echo "sync check: moest3d/ matches the notebooks"

test-nbs: $(STAMP) $(SCVERSE)
	@bash .ci/nbtest

# the README's numbers are the committed figures' tables (moest3d/report.py; make figures fills them)
readme-check: $(STAMP)
	@$(BIN)/python -m moest3d.report README.md --figures figures --check

# the notebook tests and the smoke run side by side: each alone leaves a core idle for its last minute or two
test: sync figures-check readme-check
	@$(MAKE) --no-print-directory -j2 test-nbs smoke
	@echo "make test: all passed"

bench-gpu: $(STAMP)
	@bench/gpu.sh $(BENCH_ARGS)

# make lab PORT=8890 IP=0.0.0.0   (a remote box: listen on every interface, no browser; tunnel or open the printed URL)
PORT ?= 8888
IP   ?= localhost
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=nbs --port=$(PORT) --ip=$(IP) $(if $(filter localhost 127.0.0.1,$(IP)),,--no-browser)

clean:
	rm -rf runs .make _proc _docs .pytest_cache
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +

# the paper's pipeline as a graph of files: figures, smoke (see figures.mk)
include figures.mk
