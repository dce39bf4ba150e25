"""The real-data benchmark of issue 11: every method, leave-one-section-out, paired per-fold differences against MoEST+.

    python bench/real.py ../shared/data/mob                      # legacy ST folder (or an STUtility sample sheet)
    python bench/real.py ../shared/data/mob --md bench/RESULTS.md  # also append the table to RESULTS.md
    python bench/real.py RAW --dataset anndata --methods moest mlp  # any `moest3d prepare` format
    python bench/real.py ../shared/data/mob --register none          # the same on unregistered coordinates
    python bench/real.py virtual --folds 5                           # the built-in virtual tissue (demo preset, with its oracle)

It runs the real pipeline (`prepare` -> `register` -> `extract --encoder morpho` -> `train` per method and fold ->
`evaluate`) in `--out` (default runs/real-<name>-<register>), skips what is already done (rerun to resume; delete the folder to start again),
and prints the method table: mean ± sd over folds, and each method's paired difference to MoEST+ (mean over folds of
the per-fold difference ± its standard error, with the folds where MoEST+ was ahead). Nothing is tuned here: every method
runs with its defaults; the inner validation section of each fold is the only data that chooses anything.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402
import torch  # noqa: E402

from moest3d.evaluate import comparison_table, compare, load_runs, paired_differences, to_markdown, to_text  # noqa: E402
from moest3d.features import extract  # noqa: E402
from moest3d.prepare import prepare  # noqa: E402
from moest3d.register import register  # noqa: E402
from moest3d.core import parse_set  # noqa: E402
from moest3d.simulate import SimConfig, truth_path, write_virtual_tissue  # noqa: E402
from moest3d.splits import make_split  # noqa: E402
from moest3d.dataset import section_table  # noqa: E402
from moest3d.loop import TrainConfig  # noqa: E402
from moest3d.train import run_fold  # noqa: E402

METHODS = ("moest", "moest-original", "mlp", "ridge", "knn", "mlp-pos", "ridge-pos", "mean")
SPLIT_DATASET = {"st": "st", "her2st": "her2st", "anndata": "st", "misar": "misar", "openst": "openst", "virtual": "virtual"}


def prepare_features(raw, dataset, out, register_mode="common", seed=0, sim=()):
    "prepare (or simulate: raw 'virtual', demo preset with the SimConfig settings `sim`) -> register -> extract morpho into `out`; skips what exists. Returns (features H5, truth H5 or None)."
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    inp, feats = out / "input.h5", out / "features.h5"
    virtual = str(raw) == "virtual"
    if not inp.exists():
        if virtual: write_virtual_tissue(inp, "demo", seed, **parse_set(list(sim), SimConfig))
        else: prepare(dataset, Path(raw), inp)
    reg = out / "registered.h5"
    if register_mode != "none" and not reg.exists():
        q = register(inp, reg, common=register_mode == "common")
        print(q.round(3).to_string(index=False))
    if not feats.exists(): extract(reg if register_mode != "none" else inp, feats, encoder="morpho")
    return feats, (truth_path(inp) if virtual else None)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("raw", help="the raw data (a `moest3d prepare --raw` path)")
    p.add_argument("--dataset", default="st", help="prepare format: st (default), anndata, her2st, misar, openst")
    p.add_argument("--out", default=None, help="work folder (default runs/real-<name of RAW>)")
    p.add_argument("--methods", nargs="+", default=list(METHODS))
    p.add_argument("--ablations", nargs="*", default=[], help="MoEST+ ablations to add (model.ABLATIONS names)")
    p.add_argument("--folds", type=int, default=None, help="default: one per section")
    p.add_argument("--register", choices=("within", "common", "none"), default="common",
                   help="register sections within each specimen, also across specimens (default), or not at all")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sim", action="append", default=[], metavar="KEY=VALUE",
                   help="virtual tissue only: a SimConfig setting of the demo preset (repeatable), e.g. heterogeneity=1")
    p.add_argument("--protocol", default=None, help="split protocol (moest3d train --protocol); default: the dataset's")
    p.add_argument("--measured", default=None, help="--protocol stack: which sections were measured (moest3d train --measured; default 1/2)")
    p.add_argument("--md", default=None, help="append the table to this markdown file")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    raw = Path(args.raw)
    virtual = args.raw == "virtual"
    if args.sim and not virtual: p.error("--sim applies to the virtual tissue only")
    if virtual: args.dataset, args.register = "virtual", "none"   # the virtual tissue is simulated in one frame
    out = Path(args.out or (f"runs/bench-virtual-demo" if virtual else f"runs/real-{raw.stem}-{args.register}"))
    t0 = time.time()
    feats, truth = prepare_features(args.raw, args.dataset, out, args.register, args.seed, args.sim)
    split_ds = SPLIT_DATASET.get(args.dataset, args.dataset)
    n_folds = make_split(section_table(feats, split_ds), split_ds, 0, args.folds, protocol=args.protocol, measured=args.measured).folds
    runs = [(m, None) for m in args.methods] + [("moest", a) for a in args.ablations]
    for method, abl in runs:
        label = method + (f"-{abl}" if abl else "")
        for k in range(n_folds):
            d = out / "train" / f"{label}-f{k}"
            if (d / "metrics.csv").exists(): continue
            if d.exists(): shutil.rmtree(d)   # an interrupted run: start that fold again
            c = run_fold(feats, split_ds, d, method=method, ablation=abl, fold=k, folds=args.folds, seed=args.seed,
                         tcfg=TrainConfig(), truth=truth, log=lambda *a: None, protocol=args.protocol, measured=args.measured)
            print(f"{label:>24s} fold {k}: test r {c['test_r']:.4f}  ({c['seconds']} s)", flush=True)
    fv, table = load_runs(out / "train")
    tab = comparison_table(compare(fv), fv, table, ref="moest")
    pdiff = paired_differences(fv, "moest").set_index("method")
    per = fv.query("gene_set == 'selected' and metric == 'pearson'").pivot(index="fold", columns="method", values="value")
    ahead = {m: int((per["moest"] > per[m]).sum()) for m in per.columns if m != "moest"}
    tab.insert(len(tab.columns) - 1, "folds MoEST+ ahead", [f"{ahead[m]}/{len(per)}" if m in ahead else "—" for m in tab.method])
    keep = [c for c in tab.columns if c in ("method", "inputs", "r", "Δr vs moest (paired ± se)", "folds MoEST+ ahead", "mse", "r=0 genes", "folds")]
    tab = tab[keep]
    secs = ", ".join(section_table(feats).section)
    head = (f"`python bench/real.py {args.raw}" + (f" --dataset {args.dataset}" if args.dataset != "st" else "")
            + (f" --register {args.register}" if args.register != "common" else "")
            + (f" --protocol {args.protocol}" if args.protocol else "") + (f" --measured {args.measured}" if args.measured else "")
            + (" --methods " + " ".join(args.methods) if list(args.methods) != list(METHODS) else "")
            + (" --ablations " + " ".join(args.ablations) if args.ablations else "") + "`: "
            f"{len(per)} folds, {'sections held out' if virtual and args.protocol != 'stack' else 'leave-one-section-out'} over {secs}"
            + (f" (task: stack, {args.measured or '1/2'} of the other sections measured)" if args.protocol == "stack" else "")
            + f"; coordinates {'not registered' if args.register == 'none' else 'registered (' + args.register + ')'}; morpho features, 250 genes; "
            f"r = per-gene Pearson within each test section (mean ± sd over folds); Δr = paired per-fold difference to MoEST+ "
            f"(mean ± standard error); {time.time() - t0:.0f} s on {platform.machine()} ({os.cpu_count()} cores)")
    print(head); print(to_text(tab))
    best = tab.method.iloc[0]
    others = [m for m in pdiff.index if m not in ("moest", "oracle") and not m.startswith("moest-no_")]
    lead = {m: -pdiff.loc[m, "diff"] / pdiff.loc[m, "se"] if pdiff.loc[m, "se"] > 0 else np.nan for m in others}
    print(f"best mean r: {best}; MoEST+ lead in standard errors: " + ", ".join(f"{m} {v:+.1f}" for m, v in lead.items()))
    if args.md:
        with open(args.md, "a") as f: f.write(f"\n### {head}\n\n{to_markdown(tab)}\n")


if __name__ == "__main__":
    main()
