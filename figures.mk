# figures.mk — the paper's pipeline as a graph of files (included by the Makefile; `make -f figures.mk` works too).
#
#   make figures                              virtual tissue + weight-free morpho encoder -> figures/ (about 5 min on 2 cores)
#   make figures FULL=1                       the paper-scale set: every ablation, 3 sweep levels, 3 stack levels
#                                             -> runs/virtual-morpho-full/figures (about 40 min on 2 cores)
#   make figures QUICK=1                      a tiny smoke configuration -> runs/smoke/figures
#   make figures ENCODER=uni WEIGHTS=models/UNI/pytorch_model.bin
#   make figures DATASET=her2st RAW=../shared/data/her2st      (also misar, openst, st; figures -> runs/<dataset>-<encoder>/figures)
#   make figures FOLDS=5 EPOCHS=60 METHODS="moest ridge" ABLATIONS="no_moe" DEVICE=cuda
#   make figures SWEEP="1 2"                  the heterogeneity levels of figure 9 (SWEEP= skips it); HETEROGENEITY=h: the main tissue's
#   make figures STACK="1/2 1/3"              the --measured rules of figure 10 (stack imputation; STACK= skips it)
#   make figures DLPFC=../shared/data/dlpfc   also routing vs cortical layers on real tissue -> figures/routing_dlpfc.png
#   make smoke                                QUICK=1 from scratch, one check per expected file -> runs/smoke.counts
#
# Every stage is a papermill run of a notebook in nbs/experiments/ (executed copies: $(RUN)/nb/); one run of
# train_fold.ipynb trains all methods and ablations of a fold. Only what changed re-runs: each stage also depends on a
# stamp holding its settings and a hash of its code, rewritten only when they change; a fold keeps its finished runs.
# Folds run side by side ($(JOBS) jobs); each stage prints [i/N elapsed, estimate left].

SHELL := /bin/bash
BIN ?= .venv/bin
JUPYTER_DATA_DIR ?= $(CURDIR)/.venv/share/jupyter
export JUPYTER_DATA_DIR

DATASET   ?= virtual
ENCODER   ?= morpho
WEIGHTS   ?=
RAW       ?=
DEVICE    ?= cpu
SEED      ?= 0
N_GENES   ?= 250
# EPOCHS, MIN_STEPS, BATCH_SPOTS: empty means the library's defaults (moest3d.loop.TrainConfig: 30, 600, 256), the one
# place they are set; the smoke preset sets its own
BATCH_SPOTS ?=
JOBS      ?= 2
THREADS   ?= 1
QUICK     ?=
FULL      ?=
HETEROGENEITY ?= 0
PROTOCOL  ?=
MEASURED  ?=
# a stack level's make (figure 10) reads its parent's input and features: UPSTREAM names the parent run folder
UPSTREAM  ?=
STACK_METHODS ?= moest interp interp+image
STACK_ABLATIONS ?= no_measured
ifeq ($(QUICK),1)
STACK     ?= 1/2
SWEEP     ?= 2
SWEEP_METHODS ?= moest
SWEEP_ABLATIONS ?= no_moe
PRESET    ?= smoke
FOLDS     ?= 2
EPOCHS    ?= 3
MIN_STEPS ?= 0
METHODS   ?= moest mean ridge
ABLATIONS ?= no_moe
RUN       ?= runs/smoke$(if $(filter virtual-morpho,$(DATASET)-$(ENCODER)),,-$(DATASET)-$(ENCODER))
FIGDIR    ?= $(RUN)/figures
else ifeq ($(FULL),1)
STACK     ?= 1/2 1/3 1/5
SWEEP     ?= 0.5 1 2
SWEEP_METHODS ?= moest mlp-pos ridge-pos
SWEEP_ABLATIONS ?= no_moe no_sobel_routing
PRESET    ?= demo
FOLDS     ?= 3
EPOCHS    ?=
MIN_STEPS ?=
METHODS   ?= moest moest-original mean ridge mlp knn ridge-pos mlp-pos
ABLATIONS ?= no_fourier no_sobel_routing no_moe no_grad no_msm no_context no_target_head
RUN       ?= runs/$(DATASET)-$(ENCODER)-full
FIGDIR    ?= $(RUN)/figures
else
# the README's set: every method, the ablations the text discusses, one sweep level and one stack level beside the
# main run (FULL=1 has the rest); the same tissue, folds and training settings as FULL=1, so shared numbers agree
STACK     ?= 1/2
SWEEP     ?= 2
SWEEP_METHODS ?= moest mlp-pos
SWEEP_ABLATIONS ?= no_moe
PRESET    ?= demo
FOLDS     ?= 3
EPOCHS    ?=
MIN_STEPS ?=
METHODS   ?= moest moest-original mean ridge mlp knn ridge-pos mlp-pos
ABLATIONS ?= no_fourier no_moe no_context
RUN       ?= runs/$(DATASET)-$(ENCODER)
FIGDIR    ?= $(if $(filter virtual-morpho,$(DATASET)-$(ENCODER)),figures,$(RUN)/figures)
endif

EXP      := nbs/experiments
NBRUN    := $(RUN)/nb
TRAIN    := $(RUN)/train
STAMPS   := $(RUN)/.stamps
INPUT    := $(or $(UPSTREAM),$(RUN))/input.h5
FEATURES := $(or $(UPSTREAM),$(RUN))/features.h5
TRUTH    := $(if $(filter virtual,$(DATASET)),$(or $(UPSTREAM),$(RUN))/input.truth.h5)
# papermill, quiet: the kernel's TCP warning is dropped; a failing cell still prints its traceback and fails the recipe
# (one torch thread per job: with $(JOBS) jobs on a small CPU, more threads only spin and slow everything down)
PM        = set -o pipefail; OMP_NUM_THREADS=$(THREADS) MKL_NUM_THREADS=$(THREADS) .ci/papermill $(BIN)/papermill -k python3 --no-progress-bar --log-level WARNING
QUIET_PM := 2>&1 | sed -u -e '/Kernel is running over TCP/d' -e '/KeyboardInterrupt caught in kernel/d'
MADE_BY  := make figures DATASET=$(DATASET) ENCODER=$(ENCODER) FOLDS=$(FOLDS)$(if $(EPOCHS), EPOCHS=$(EPOCHS)) SEED=$(SEED)$(if $(QUICK), QUICK=$(QUICK))$(if $(FULL), FULL=$(FULL))
# progress: the top-level make counts the notebooks it will run (a dry run) into $(PROGRESS); every stage's first line
# goes through .ci/progress, which numbers it and adds the time spent and an estimate of what is left
export PROGRESS ?= $(abspath $(RUN))/.progress
SAY      = .ci/progress "$(PROGRESS)"

FOLD_IDS    := $(shell seq 0 $$(( $(FOLDS) - 1 )))
RUN_KEYS    := $(sort moest $(METHODS)) $(ABLATIONS:%=moest-%)
METHOD_RUNS := $(foreach m,$(sort moest $(METHODS)),$(foreach k,$(FOLD_IDS),$(TRAIN)/$(m)-f$(k)/metrics.csv))
ABL_RUNS    := $(foreach a,$(ABLATIONS),$(foreach k,$(FOLD_IDS),$(TRAIN)/moest-$(a)-f$(k)/metrics.csv))
FOLD_DONE   := $(FOLD_IDS:%=$(TRAIN)/.fold-%)
# figure 9, the heterogeneity sweep: this run is level 0; each other level is a run folder of its own, made by this file
SWEEP_ON    := $(if $(and $(filter virtual,$(DATASET)),$(filter 0,$(HETEROGENEITY))),$(strip $(SWEEP)))
SWEEP_CMP   := $(foreach h,$(SWEEP_ON),$(RUN)/sweep-h$(h)/train/comparison.csv)
# figure 10, stack imputation: the same folds under --protocol stack, one run folder per --measured rule 1/N (stack-mN)
STACK_ON    := $(if $(and $(filter virtual,$(DATASET)),$(filter 0,$(HETEROGENEITY)),$(if $(PROTOCOL),,yes)),$(strip $(STACK)))
STACK_DIRS  := $(foreach m,$(STACK_ON),$(RUN)/stack-m$(subst 1/,,$(m)))
STACK_CMP   := $(STACK_DIRS:%=%/train/comparison.csv)
FIG_NAMES   := fig1_overview fig2_expression_maps fig3_routing fig4_gfield fig5_methods fig7_3d_expression fig8_training \
               table_methods $(if $(strip $(ABLATIONS)),fig6_ablations table_ablations) $(if $(SWEEP_ON),fig9_heterogeneity) \
               $(if $(STACK_ON),fig10_stack)
FIG_RECORDS := $(filter-out %/fig9_heterogeneity.json %/fig10_stack.json,$(FIG_NAMES:%=$(FIGDIR)/%.json))

.PHONY: figures figures-all figures-check smoke print-outputs FORCE

# how many notebooks a make of figures-all would run (a dry run; $(1): extra make arguments). A sweep level's sub-makes
# both print its simulate and extract: counted once
count_runs = $(MAKE) -n -s --no-print-directory -f $(firstword $(MAKEFILE_LIST)) $(1) figures-all 2>/dev/null | { grep 'ci/papermill' || true; } | sort -u | wc -l
figures: | $(STAMP)
	@mkdir -p $(RUN); rm -f $(PROGRESS).count; \
	 n=$$($(call count_runs)); \
	 echo "$$n $$(date +%s)" > $(PROGRESS); \
	 if [ "$$n" -gt 0 ]; then echo "figures: $$n notebooks to run, $(JOBS) at a time -> $(FIGDIR)"; fi
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -j$(JOBS) figures-all

# routing on real tissue (issue 13): only when DLPFC names the 4 Visium folders, which cannot ship with the repository;
# bench/real.py trains MoEST+ leave-one-section-out (and resumes), bench/routing.py draws experts beside the layers
DLPFC ?=
REAL_FIGS := $(if $(strip $(DLPFC)),$(FIGDIR)/routing_dlpfc.png)
$(FIGDIR)/routing_dlpfc.png: bench/real.py bench/routing.py | $(STAMP)
	@mkdir -p $(FIGDIR) runs; echo "routing on real tissue: $(DLPFC) -> $@ (work folder runs/real-dlpfc-common; log runs/real-dlpfc.log)"
	@OMP_NUM_THREADS=1 $(BIN)/python bench/real.py $(DLPFC) --dataset anndata --methods moest --out runs/real-dlpfc-common > runs/real-dlpfc.log 2>&1
	@$(BIN)/python bench/routing.py runs/real-dlpfc-common --figure $@ | tee -a runs/real-dlpfc.log

figures-all: $(FIGDIR)/MANIFEST.md $(REAL_FIGS)
	@$(if $(filter figures,$(FIGDIR)),$(fig_sources) > figures/SOURCES.sha256.tmp && mv figures/SOURCES.sha256.tmp figures/SOURCES.sha256; \
	  $(BIN)/python -m moest3d.report README.md --figures figures)
	@echo "figures: $(FIGDIR) is up to date (how each file was made: $(FIGDIR)/MANIFEST.md)"

# ---- stamps: settings + code hash of each stage; a stamp's file changes only when its content does -------------------
# a stage's code: the modules its notebook imports and every package module they import, transitively (moest3d/deps.py
# walks the imports without importing anything: any Python 3 runs it, once per make; a new module counts once imported)
comma     := ,
# (computed once per make figures: the sub-makes inherit it)
ifndef STAGE_SRC
STAGE_SRC := $(shell $(or $(PYTHON),python3) moest3d/deps.py --stages simulate=moest3d.simulate,moest3d.data \
               prepare=moest3d.prepare,moest3d.data extract=moest3d.features,moest3d.data train=moest3d.train \
               evaluate=moest3d.evaluate figures=moest3d.figures)
endif
export STAGE_SRC
src_of     = $(subst $(comma), ,$(patsubst $(1):%,%,$(filter $(1):%,$(STAGE_SRC))))
ARGS_simulate := $(PRESET) $(SEED) $(HETEROGENEITY)
SRC_simulate  := $(call src_of,simulate)
ARGS_prepare  := $(DATASET) $(abspath $(RAW))
SRC_prepare   := $(call src_of,prepare)
ARGS_extract  := $(ENCODER) $(WEIGHTS)
SRC_extract   := $(call src_of,extract)
ARGS_train    := $(DATASET) $(FOLDS) $(EPOCHS) $(MIN_STEPS) $(SEED) $(N_GENES) $(BATCH_SPOTS) $(PROTOCOL) $(MEASURED)
SRC_train     := $(call src_of,train)
WIPE_train    := $(TRAIN)
SRC_evaluate  := $(call src_of,evaluate)
SRC_figures   := $(call src_of,figures)

# ---- what made the committed figures: figures/SOURCES.sha256 (written by make figures) holds the SHA-256 of everything
# that decides them: each stage's code for this data set, the experiment notebooks, and this file's settings (the line
# `figures.mk:settings`, a hash of FIG_SETTINGS' names and values, so an edit elsewhere in this file does not count).
# make test runs figures-check, which fails when the code at HEAD is not the code that made figures/ (and README's numbers).
FIG_STAGES   := $(if $(filter virtual,$(DATASET)),simulate,prepare) extract train evaluate figures
FIG_SOURCES   = $(sort $(foreach s,$(FIG_STAGES),$(SRC_$(s))) $(wildcard $(EXP)/*.ipynb))
FIG_SETTINGS := DATASET ENCODER WEIGHTS RAW DEVICE SEED N_GENES PRESET FOLDS EPOCHS MIN_STEPS BATCH_SPOTS HETEROGENEITY \
                METHODS ABLATIONS SWEEP SWEEP_METHODS SWEEP_ABLATIONS STACK STACK_METHODS STACK_ABLATIONS
fig_sources   = { sha256sum $(FIG_SOURCES); printf '%s  figures.mk:settings\n' \
                  "$$(echo '$(foreach v,$(FIG_SETTINGS),$(v)=$(strip $($(v))))' | sha256sum | cut -d' ' -f1)"; }
figures-check:
	@test -s figures/SOURCES.sha256 || { echo "figures-check: figures/SOURCES.sha256 is missing: run make figures, commit figures/ and README.md"; exit 1; }
	@mkdir -p runs; $(fig_sources) > runs/SOURCES.sha256; \
	 if cmp -s figures/SOURCES.sha256 runs/SOURCES.sha256; then \
	   echo "figures-check: figures/ were made by the code at HEAD ($$(wc -l < runs/SOURCES.sha256) files)"; \
	 else echo "figures-check: figures/ were not made by the code at HEAD; files changed, added or removed since:"; \
	   diff figures/SOURCES.sha256 runs/SOURCES.sha256 | sed -n 's/^[<>] [0-9a-f]*  /  /p' | sort -u; \
	   echo "figures-check: run make figures, then commit figures/ and README.md with the code"; exit 1; fi

# Stamps are brought up to date when make reads this file (for the figure goals only), before it decides anything: so
# a dry run (which counts the notebooks to run) sees exactly what the real run will. A changed train stamp removes
# $(TRAIN): every run in it is stale. (A features file written again is caught by train_fold, which keeps only runs of
# the file as it is now.)
ARGS_keys := $(RUN_KEYS)
NOT_FIGURE_GOALS := help install scverse lib sync readme-check figures-check test test-nbs smoke lab clean bench-gpu
define update_stamp
$(if $(or $(SRC_$(1)),$(filter keys,$(1))),,$(error figures.mk: no source files for stage $(1) (moest3d/deps.py failed?)))
$(shell mkdir -p $(STAMPS) && { echo '$(ARGS_$(1))'; $(if $(SRC_$(1)),cat $(SRC_$(1)) | sha256sum;) } > $(STAMPS)/$(1).tmp && \
  if cmp -s $(STAMPS)/$(1).tmp $(STAMPS)/$(1); then rm -f $(STAMPS)/$(1).tmp; else $(if $(WIPE_$(1)),rm -rf $(WIPE_$(1));) mv -f $(STAMPS)/$(1).tmp $(STAMPS)/$(1); fi)
endef
ifneq ($(filter-out $(NOT_FIGURE_GOALS),$(or $(MAKECMDGOALS),help)),)
$(foreach st,$(if $(UPSTREAM),,simulate prepare extract) train evaluate figures keys,$(eval $(call update_stamp,$(st))))
endif
$(STAMPS)/%: ;
FORCE:

# ---- step 1: the input H5 --------------------------------------------------------------------------------------------
ifneq ($(UPSTREAM),)
$(INPUT) $(FEATURES) $(TRUTH): ;
else ifeq ($(DATASET),virtual)
$(INPUT): $(EXP)/simulate.ipynb $(STAMPS)/simulate | $(STAMP)
	@mkdir -p $(NBRUN); $(SAY) "simulate: virtual tissue, preset $(PRESET), seed $(SEED)$(if $(filter-out 0,$(HETEROGENEITY)), heterogeneity $(HETEROGENEITY)) -> $@"
	@$(PM) $< $(NBRUN)/simulate.ipynb -p out $@ -p preset $(PRESET) -p seed $(SEED) -p heterogeneity $(HETEROGENEITY) $(QUIET_PM)
# simulate writes both files; the truth file can end up a moment older than the input, and an empty rule would then
# count it as remade at every make and retrain every fold: it takes the input's time instead (the smoke run checks that
# a second make does nothing)
$(TRUTH): $(INPUT)
	@touch -c -r $(INPUT) $@
else
$(INPUT): $(EXP)/prepare.ipynb $(STAMPS)/prepare | $(STAMP)
	@if [ -z "$(RAW)" ]; then echo "figures: DATASET=$(DATASET) needs RAW=path/to/the/downloaded/release"; exit 1; fi
	@mkdir -p $(NBRUN); $(SAY) "prepare: $(DATASET) from $(RAW) -> $@"
	@$(PM) $< $(NBRUN)/prepare.ipynb -p dataset $(DATASET) -p raw $(RAW) -p out $@ $(QUIET_PM)
endif

# ---- step 2: features ------------------------------------------------------------------------------------------------
ifeq ($(UPSTREAM),)
$(FEATURES): $(INPUT) $(EXP)/extract.ipynb $(STAMPS)/extract $(WEIGHTS)
	@mkdir -p $(NBRUN); $(SAY) "extract: $(ENCODER) features of $(INPUT) -> $@"
	@$(PM) $(EXP)/extract.ipynb $(NBRUN)/extract.ipynb -p inp $(INPUT) -p out $@ -p encoder $(ENCODER) \
	  -p weights "$(WEIGHTS)" -p device $(DEVICE) $(QUIET_PM)
endif

# the folds must exist before anything trains (one real section cannot be split: stop here with the reason)
$(RUN)/folds.txt: $(FEATURES) $(STAMPS)/train
	@$(BIN)/python -c "import sys; from moest3d.figures import check_folds; sys.exit(check_folds('$(FEATURES)', '$(DATASET)', $(FOLDS), '$@'))"

# ---- train every method and ablation of one fold (one notebook run; the runs it already finished are kept) --------------
# its lines "train RUN fold i/N · run j/M KEY: ..." come as each run ends (the notebook's stdout, through papermill)
TRAIN_DEPS := $(FEATURES) $(TRUTH) $(RUN)/folds.txt $(EXP)/train_fold.ipynb $(STAMPS)/train $(STAMPS)/keys
$(FOLD_DONE): $(TRAIN)/.fold-%: $(TRAIN_DEPS)
	@mkdir -p $(NBRUN) $(TRAIN); $(SAY) "train: fold $$(( $* + 1 ))/$(FOLDS) of $(RUN), $(words $(RUN_KEYS)) runs$(if $(PROTOCOL), under --protocol $(PROTOCOL)$(if $(MEASURED), --measured $(MEASURED)))"
	@$(PM) --stdout-file /dev/stdout $(EXP)/train_fold.ipynb $(NBRUN)/train_fold-f$*.ipynb -p data $(FEATURES) -p dataset $(DATASET) \
	  -p runs $(TRAIN) -p keys "$(RUN_KEYS)" -p fold $* -p folds $(FOLDS) $(if $(EPOCHS),-p epochs $(EPOCHS)) $(if $(MIN_STEPS),-p min_steps $(MIN_STEPS)) $(if $(BATCH_SPOTS),-p batch_spots $(BATCH_SPOTS)) \
	  -p seed $(SEED) -p n_genes $(N_GENES) -p device $(DEVICE) -p truth "$(TRUTH)" \
	  -p protocol "$(PROTOCOL)" -p measured "$(MEASURED)" $(QUIET_PM)
	@touch $@

# ---- evaluate: mean ± sd over folds ------------------------------------------------------------------------------------
$(TRAIN)/comparison.csv: $(FOLD_DONE) $(EXP)/evaluate.ipynb $(STAMPS)/evaluate
	@$(SAY) "evaluate: $(TRAIN) -> $@"
	@$(PM) $(EXP)/evaluate.ipynb $(NBRUN)/evaluate.ipynb -p runs $(TRAIN) $(QUIET_PM)

# ---- figures and tables: one notebook each; the .json provenance record is written last -----------------------------------
$(FIG_RECORDS): $(FIGDIR)/%.json: $(EXP)/%.ipynb $(TRAIN)/comparison.csv $(INPUT) $(STAMPS)/figures
	@mkdir -p $(FIGDIR) $(NBRUN); $(SAY) "figure: $* -> $(FIGDIR)/$*.png"
	@$(PM) $< $(NBRUN)/$*.ipynb -p runs $(TRAIN) -p data $(FEATURES) -p inp $(INPUT) -p truth "$(TRUTH)" \
	  -p out $(FIGDIR) -p command "$(MADE_BY)" $(QUIET_PM)

# ---- figure 9: the same pipeline at each heterogeneity level (a make of this file per level; silent when up to date) -------
# (a sub-make holds a job slot while it runs: the main run's first folds go first, so that the longest jobs start first)
# (its tissue and features wait for nothing: they fill the second core while the main run simulates and extracts)
# ($(MAKE) stays in the recipe itself, so that the dry run which counts the notebooks runs these makes too)
SWEEP_ARGS = -s --no-print-directory -f $(firstword $(MAKEFILE_LIST)) RUN=$(RUN)/sweep-h$* HETEROGENEITY=$* SWEEP= \
	  METHODS="$(SWEEP_METHODS)" ABLATIONS="$(SWEEP_ABLATIONS)"
.PRECIOUS: $(RUN)/sweep-h%/features.h5
$(RUN)/sweep-h%/features.h5: FORCE | $(STAMP)
	@$(MAKE) $(SWEEP_ARGS) $@
$(RUN)/sweep-h%/train/comparison.csv: FORCE | $(STAMP) $(INPUT) $(firstword $(FOLD_DONE)) $(RUN)/sweep-h%/features.h5
	@$(MAKE) $(SWEEP_ARGS) $@
$(FIGDIR)/fig9_heterogeneity.json: $(EXP)/fig9_heterogeneity.ipynb $(TRAIN)/comparison.csv $(SWEEP_CMP) $(INPUT) $(STAMPS)/figures
	@mkdir -p $(FIGDIR) $(NBRUN); $(SAY) "figure: fig9_heterogeneity (levels 0 $(SWEEP_ON)) -> $(FIGDIR)/fig9_heterogeneity.png"
	@$(PM) $< $(NBRUN)/fig9_heterogeneity.ipynb -p runs $(TRAIN) -p data $(FEATURES) -p inp $(INPUT) -p truth "$(TRUTH)" \
	  -p out $(FIGDIR) -p command "$(MADE_BY)" -p sweep "$(foreach h,$(SWEEP_ON),$(h)=$(RUN)/sweep-h$(h))" $(QUIET_PM)

# ---- figure 10: the main run's folds under --protocol stack, a make of this file per --measured rule ------------------------
$(RUN)/stack-m%/train/comparison.csv: FORCE | $(STAMP) $(FEATURES) $(TRUTH) $(word 2,$(FOLD_DONE))
	@$(MAKE) -s --no-print-directory -f $(firstword $(MAKEFILE_LIST)) RUN=$(RUN)/stack-m$* UPSTREAM=$(RUN) PROTOCOL=stack \
	  MEASURED=1/$* SWEEP= STACK= METHODS="$(STACK_METHODS)" ABLATIONS="$(STACK_ABLATIONS)" $@
$(FIGDIR)/fig10_stack.json: $(EXP)/fig10_stack.ipynb $(TRAIN)/comparison.csv $(STACK_CMP) $(INPUT) $(STAMPS)/figures
	@mkdir -p $(FIGDIR) $(NBRUN); $(SAY) "figure: fig10_stack (measured $(STACK_ON)) -> $(FIGDIR)/fig10_stack.png"
	@$(PM) $< $(NBRUN)/fig10_stack.ipynb -p runs $(TRAIN) -p data $(FEATURES) -p inp $(INPUT) -p truth "$(TRUTH)" \
	  -p out $(FIGDIR) -p command "$(MADE_BY)" -p levels "$(foreach m,$(STACK_ON),$(m)=$(RUN)/stack-m$(subst 1/,,$(m))/train)" $(QUIET_PM)

$(FIGDIR)/MANIFEST.md: $(FIG_RECORDS) $(if $(SWEEP_ON),$(FIGDIR)/fig9_heterogeneity.json) $(if $(STACK_ON),$(FIGDIR)/fig10_stack.json)
	@$(BIN)/python -c "from moest3d.figures import write_manifest; write_manifest('$(FIGDIR)')"

# ---- smoke: the whole chain, tiny, from scratch; one check per expected file ------------------------------------------------
print-outputs:
	@printf '%s\n' $(INPUT) $(TRUTH) $(FEATURES) $(RUN)/folds.txt $(METHOD_RUNS) $(METHOD_RUNS:metrics.csv=predictions.h5) \
	  $(ABL_RUNS) $(TRAIN)/comparison.csv \
	  $(foreach n,$(FIG_NAMES),$(FIGDIR)/$(n).png $(FIGDIR)/$(n).pdf $(FIGDIR)/$(n).json $(NBRUN)/$(n).ipynb) \
	  $(foreach n,$(filter table_%,$(FIG_NAMES)),$(FIGDIR)/$(n).csv $(FIGDIR)/$(n).md) $(FIGDIR)/MANIFEST.md

SMOKE_MAKE = $(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) QUICK=1
smoke: | $(STAMP)
	@rm -rf runs/smoke runs/smoke.counts runs/smoke.log; mkdir -p runs
	@echo "smoke: the whole chain through papermill on a tiny virtual tissue (QUICK=1) -> runs/smoke (log: runs/smoke.log)"
	+@t0=$$(date +%s); rc=0; $(SMOKE_MAKE) -k -j$(JOBS) figures-all > runs/smoke.log 2>&1 || rc=$$?; \
	 p=0; f=0; for x in $$($(SMOKE_MAKE) print-outputs); do \
	   if [ -s "$$x" ]; then p=$$((p + 1)); else f=$$((f + 1)); echo "smoke: missing or empty: $$x"; fi; done; \
	 if [ $$rc -ne 0 ]; then f=$$((f + 1)); echo "smoke: make failed (exit $$rc); end of runs/smoke.log:"; tail -n 30 runs/smoke.log; fi; \
	 again=$$($(call count_runs,QUICK=1)); \
	 if [ $$rc -eq 0 ] && [ "$$again" -eq 0 ]; then p=$$((p + 1)); else f=$$((f + 1)); echo "smoke: a second make would run $$again notebooks again (it must do nothing)"; fi; \
	 echo "$$p $$f" > runs/smoke.counts; \
	 echo "smoke: $$p checks passed, $$f failed in $$(( $$(date +%s) - t0 )) s"; [ $$f -eq 0 ]
