"""When does the mixture of experts earn its place? A compute-matched test (issue 29).

A sparse MoE holds E experts' parameters but spends k experts' FLOPs per spot. MoEST+ (8 experts, top-2, routed on
the hidden state and the Sobel morphology descriptor) is compared, all else equal (the same data, folds, seed, losses,
TrainConfig and so the same steps budget), with
  dense-flops   one expert 2x as wide: the same active FLOPs per spot (`model.dense_match(cfg, "flops")`)
  dense-params  one expert 8x as wide: the same expert parameters, 4x the experts' FLOPs (`dense_match(cfg, "params")`)
  no-balance    MoEST+ without the Switch load-balancing loss (w_balance = 0, router z-loss kept)
  image-routing MoEST+ routed on the hidden state (image features, position, context) alone, no Sobel descriptor
  sobel-routing MoEST+ routed on the encoded Sobel descriptor alone
Per run: test r (per-gene Pearson within each held-out section, selected genes), the inner-validation r that early
stopping saw (`best_val_r`: the only number that may choose a default), parameters and matmul FLOPs per spot
(`model.model_cost`, counted by torch's FLOP counter), wall time, epochs, and for the MoE runs the experts' load on
the held-out spots (share of top-k assignments per expert) and its entropy (1 = every expert used equally).

    python bench/moe_scale.py virtual                               # demo virtual tissue, heterogeneity 2, 3 folds
    python bench/moe_scale.py virtual --spots 50000                 # a larger virtual tissue (bigger sections)
    python bench/moe_scale.py ../shared/data/mob                    # MOB, leave-one-section-out (registered)
    python bench/moe_scale.py ../shared/data/dlpfc --dataset anndata --variants moest dense-flops dense-params
    python bench/moe_scale.py --figure bench/moe_scale.png runs/moe-*/moe_scale.csv   # the figure from finished runs
    add --md bench/RESULTS.md to append the table; --device cuda on a GPU (bench/gpu.sh runs 500 k and 2 M spots)

Work goes to --out (default runs/moe-<name>); finished runs are kept, so a rerun resumes. The preparation (prepare,
register, extract) is bench/real.py's, so the MOB and DLPFC features are the ones of the real-data benchmark.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from moest3d.dataset import section_table  # noqa: E402
from moest3d.evaluate import fold_values, paired_differences, to_markdown  # noqa: E402
from moest3d.loop import TrainConfig  # noqa: E402
from moest3d.model import MoESTConfig, dense_match, model_cost  # noqa: E402
from moest3d.splits import make_split  # noqa: E402
from moest3d.train import run_fold  # noqa: E402
from real import SPLIT_DATASET, prepare_features  # noqa: E402

BASE = MoESTConfig()
VARIANTS = {
    "moest": {},
    "dense-flops": dense_match(BASE, "flops"),
    "dense-params": dense_match(BASE, "params"),
    "no-balance": dict(w_balance=0.0),
    "image-routing": dict(router_input="hidden"),
    "sobel-routing": dict(router_input="morph"),
}
DEMO_SPOTS = 3100   # the demo preset: 8 sections of about 390 spots at tissue radius 1,000 µm


def expert_load(pred_file) -> tuple[np.ndarray, float]:
    "Share of the top-k assignments that went to each expert over the held-out spots, and its entropy / log E."
    with h5py.File(pred_file) as p:
        gates = np.concatenate([p[s]["gates"][...] for s in p if isinstance(p[s], h5py.Group) and "gates" in p[s]])
    load = (gates > 0).sum(0) / max(1, (gates > 0).sum())
    nz = load[load > 0]
    return load, float(-(nz * np.log(nz)).sum() / math.log(len(load))) if len(load) > 1 else 1.0


def run_all(feats, split_ds, out, variants, folds, seed, device, truth, max_memory_gb) -> pd.DataFrame:
    "Train every variant on every fold (finished runs are kept) and return one row per run."
    n_folds = make_split(section_table(feats, split_ds), split_ds, 0, folds).folds
    rows, costs = [], {}
    for v in variants:
        for k in range(n_folds):
            d = out / "train" / f"{v}-f{k}"
            if not (d / "metrics.csv").exists():
                if d.exists(): shutil.rmtree(d)   # an interrupted run: that fold again
                run_fold(feats, split_ds, d, method="moest", fold=k, folds=folds, seed=seed, tcfg=TrainConfig(), truth=truth,
                         overrides=VARIANTS[v] or None, device=device, max_memory_gb=max_memory_gb, log=lambda *a: None)
            cfg = json.loads((d / "config.json").read_text())
            m = pd.read_csv(d / "metrics.csv").assign(method=lambda x: np.where(x.method == "oracle", "oracle", v))
            mcfg = MoESTConfig.from_dict(cfg["model"])
            if v not in costs: costs[v] = model_cost(mcfg)   # the same for every fold of a variant
            cost = costs[v]
            load, ent = expert_load(d / "predictions.h5") if mcfg.moe else (np.full(1, np.nan), float("nan"))
            r = fold_values(m).query("method == @v and gene_set == 'selected' and metric == 'pearson'").value.mean()
            rows.append(dict(variant=v, fold=k, test_r=r, val_r=cfg.get("best_val_r"), params=cost["params"],
                             expert_params=cost["expert_params"], mflops_per_spot=cost["flops_per_spot"] / 1e6,
                             seconds=cfg["seconds"], epochs=cfg.get("epochs_run"), load_entropy=ent,
                             max_load=float(load.max()), load=" ".join(f"{x:.2f}" for x in load)))
            print(f"{v:>14s} fold {k}: test r {r:.4f}, val r {rows[-1]['val_r']:.4f}, {cfg['seconds']} s"
                  + (f", load entropy {ent:.2f}" if mcfg.moe else ""), flush=True)
    return pd.DataFrame(rows)


def paired(runs: pd.DataFrame, col: str = "test_r") -> pd.DataFrame:
    "`evaluate.paired_differences` to MoEST+ of one per-fold column of the runs table, per data set: index (data, variant), columns diff, sd, se, n_folds."
    out = []
    for n, g in runs.groupby("data", sort=False):
        fv = g.rename(columns={"variant": "method", col: "value"}).assign(gene_set="selected", metric="pearson")
        out.append(paired_differences(fv, "moest").assign(data=n))
    return pd.concat(out).rename(columns={"method": "variant"}).set_index(["data", "variant"])


def summary(runs: pd.DataFrame) -> pd.DataFrame:
    "One row per data set and variant: mean ± sd of r over folds, its paired difference to MoEST+ (± se), the same for inner-validation r, cost, load."
    dr, dval = paired(runs, "test_r"), paired(runs, "val_r")
    out = []
    for (n, v), g in runs.groupby(["data", "variant"], sort=False):
        test = runs[runs.data == n].pivot(index="fold", columns="variant", values="test_r")
        out.append(dict(data=n, variant=v, r=f"{g.test_r.mean():.3f} ± {g.test_r.std(ddof=1):.3f}",
                        dr=("—" if v == "moest" else f"{dr.loc[(n, v), 'diff']:+.3f} ± {dr.loc[(n, v), 'se']:.3f}"),
                        ahead=("—" if v == "moest" else f"{int((test['moest'] > test[v]).sum())}/{len(g)}"),
                        dval=("—" if v == "moest" else f"{dval.loc[(n, v), 'diff']:+.3f} ± {dval.loc[(n, v), 'se']:.3f}"),
                        params=f"{g.params.iloc[0] / 1e6:.2f} M", expert_params=f"{g.expert_params.iloc[0] / 1e6:.2f} M",
                        mflops=f"{g.mflops_per_spot.iloc[0]:.2f}", seconds=f"{g.seconds.mean():.0f}",
                        entropy=("—" if np.isnan(g.load_entropy).all() else f"{g.load_entropy.mean():.2f}"),
                        max_load=("—" if np.isnan(g.load_entropy).all() else f"{g.max_load.mean():.2f}")))
    t = pd.DataFrame(out)
    return t.rename(columns={"dr": "Δr vs moest (paired ± se)", "ahead": "folds MoEST+ ahead", "dval": "Δ inner-val r (paired ± se)",
                             "expert_params": "expert params", "mflops": "MFLOPs/spot", "seconds": "s/run",
                             "entropy": "load entropy", "max_load": "max expert load"})


def across(runs: pd.DataFrame) -> pd.DataFrame:
    "Per variant: the paired inner-validation difference to MoEST+ in each data set, and their mean with each data set weighted equally (what chooses the default)."
    t = paired(runs, "val_r")["diff"].unstack("data")
    t = t.reindex([v for v in VARIANTS if v in t.index])[list(dict.fromkeys(runs.data))]
    t["mean over data sets"] = t.mean(1, skipna=False)
    return t


def figure(csvs, path):
    "a: paired Δr to MoEST+ per data set and variant (± se), each variant's cost beside its name; b: MoEST+'s expert load."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    runs = pd.concat([pd.read_csv(c) for c in csvs], ignore_index=True)
    names = list(dict.fromkeys(runs.data))
    variants = [v for v in VARIANTS if v != "moest" and v in set(runs.variant)]
    cost = runs.groupby("variant")[["mflops_per_spot", "expert_params"]].first()
    rel = lambda v, c: cost.loc[v, c] / cost.loc["moest", c]  # noqa: E731
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4.4), gridspec_kw=dict(width_ratios=[1.5, 1]))
    w = 0.8 / max(1, len(variants))
    labelled, dr = set(), paired(runs, "test_r")
    for i, n in enumerate(names):
        here = [v for v in variants if (n, v) in dr.index]   # each data set's bars centred on its own tick
        for j, v in enumerate(here):
            lab = None if v in labelled else f"{v} ({rel(v, 'mflops_per_spot'):.2f}× FLOPs, {rel(v, 'expert_params'):.2f}× expert params)"
            labelled.add(v)
            a.bar(i + (j - (len(here) - 1) / 2) * w, dr.loc[(n, v), "diff"], w, yerr=np.nan_to_num(dr.loc[(n, v), "se"]),
                  capsize=3, color=f"C{variants.index(v)}", label=lab)
    a.axhline(0, color="k", lw=0.8)
    a.set_xticks(range(len(names)), [f"{n}\n({runs[runs.data == n].fold.nunique()} folds)" for n in names])
    a.set_ylabel("test r − MoEST+'s r\n(paired per fold, mean ± se)")
    a.set_title("a  against MoEST+ (8 experts, top-2), all else equal")
    a.legend(fontsize=7.5, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    for i, n in enumerate(names):
        for v, ls in (("moest", "-"), ("no-balance", "--")):
            g = runs[(runs.data == n) & (runs.variant == v)]
            if g.empty: continue
            load = np.sort(np.array([[float(x) for x in s.split()] for s in g.load]), axis=1)[:, ::-1].mean(0)
            b.plot(np.arange(1, len(load) + 1), load, ls, marker="o", ms=3, color=f"C{i}",
                   label=f"{n}, {'MoEST+' if v == 'moest' else 'no balance loss'} (entropy {g.load_entropy.mean():.2f})")
    E = BASE.n_experts
    b.axhline(1 / E, color="0.5", lw=0.8, ls=":")
    b.text(E, 1 / E, " uniform", va="bottom", ha="right", fontsize=7, color="0.4")
    b.set_xlabel("expert, from most to least used"); b.set_ylabel("share of top-2 assignments (held-out spots)")
    b.set_title("b  expert load (mean over folds)")
    b.legend(fontsize=7, frameon=False, loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
    print(f"figure: {path}")
    t = across(runs)
    print("paired inner-validation r difference to MoEST+ (what may choose a default; a data set without the variant: NaN)")
    print(t.round(4).to_string())
    ok = t["mean over data sets"].drop("moest").dropna()
    best = ok.idxmax() if len(ok) and ok.max() > 0 else "moest"
    print(f"default by inner validation over {t.shape[1] - 1} data sets: {best}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("raw", nargs="*", help="'virtual', or the raw data (a `moest3d prepare --raw` path); with --figure: result CSVs")
    p.add_argument("--dataset", default="st", help="prepare format: st (default), anndata, her2st, misar, openst")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--spots", type=int, default=None, help="virtual tissue: about this many spots (sections grow; 8 sections)")
    p.add_argument("--heterogeneity", type=float, default=2.0, help="virtual tissue: SimConfig.heterogeneity (figure 9's top level)")
    p.add_argument("--sim", action="append", default=[], metavar="KEY=VALUE", help="virtual tissue: another SimConfig setting (repeatable)")
    p.add_argument("--folds", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-memory-gb", type=float, default=4.0, help="sections stream from disk beyond this")
    p.add_argument("--out", default=None)
    p.add_argument("--md", default=None, help="append the table to this markdown file")
    p.add_argument("--figure", default=None, help="draw the figure from the CSVs given as arguments (no training)")
    args = p.parse_args(argv)
    if args.figure:
        return figure(args.raw, args.figure)
    if len(args.raw) != 1: p.error("give one data set: 'virtual' or a raw data path")
    torch.set_num_threads(1)
    raw = args.raw[0]
    virtual = raw == "virtual"
    sim = []
    if virtual:
        sim.append(f"heterogeneity={args.heterogeneity}")
        if args.spots: sim.append(f"tissue_radius_um={1000.0 * math.sqrt(args.spots / DEMO_SPOTS):.0f}")
        sim += args.sim
    name = (f"virtual-h{args.heterogeneity:g}" + (f"-{args.spots // 1000}k" if args.spots else "")) if virtual else Path(raw).stem
    out = Path(args.out or f"runs/moe-{name}")
    t0 = time.time()
    feats, truth = prepare_features(raw, "virtual" if virtual else args.dataset, out, "none" if virtual else "common", args.seed, sim)
    split_ds = SPLIT_DATASET.get("virtual" if virtual else args.dataset, args.dataset)
    runs = run_all(feats, split_ds, out, args.variants, args.folds, args.seed, args.device, truth, args.max_memory_gb)
    runs.insert(0, "data", name)
    runs.to_csv(out / "moe_scale.csv", index=False)
    tab = summary(runs)
    sections = section_table(feats)
    n_spots = int(sections.n_spots.sum()) if "n_spots" in sections else None
    head = (f"`python bench/moe_scale.py {raw}" + (f" --dataset {args.dataset}" if args.dataset != "st" and not virtual else "")
            + (f" --spots {args.spots}" if args.spots else "") + (" --variants " + " ".join(args.variants) if args.variants != list(VARIANTS) else "")
            + f"`: {name}, {runs.fold.nunique()} folds" + (f", {n_spots:,} spots" if n_spots else "")
            + f"; r = per-gene Pearson within each held-out section; Δ = paired per-fold difference to MoEST+ (mean ± se);"
            f" inner-val r = the validation section's r at the kept epoch; training {runs.seconds.sum():.0f} s in all (the runs' own clocks;"
            f" this call {time.time() - t0:.0f} s) on {platform.machine()} ({os.cpu_count()} cores, {args.device})")
    print(head); print(tab.to_string(index=False))
    if args.md:
        with open(args.md, "a") as f: f.write(f"\n### {head}\n\n{to_markdown(tab)}\n")


if __name__ == "__main__":
    main()
