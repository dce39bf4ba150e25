"""When does morphology-guided routing help? The virtual tissue at heterogeneity 0, 0.5, 1, 2 (issue 13).

    python bench/heterogeneity.py                      # the sweep (resumes; runs/hetero/), table + figure
    python bench/heterogeneity.py --md bench/RESULTS.md  # also append the table to RESULTS.md

At each heterogeneity h the demo virtual tissue is simulated (seed 0, `SimConfig.heterogeneity = h`, every other
setting the demo's) and `bench/real.py virtual` runs MoEST+, MoEST+ without the MoE (`no_moe`), without Sobel routing
(`no_sobel_routing`) and the coordinate-aware baselines (`mlp-pos`, `ridge-pos`) on the same folds. For each method
it reports r / oracle r (the oracle: the simulator's noiseless means, per fold) and the paired per-fold difference to
MoEST+ (mean ± standard error). Routing is scored on the test sections of the MoEST+ runs: the adjusted Rand index and
the normalised mutual information between each spot's arg-max expert and its true compartment, and the mutual
information in bits. The "best coordinate-aware baseline" is the one with the higher mean r at that h (chosen on the
test folds, so it flatters the baseline, not MoEST+).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import real  # noqa: E402
from moest3d.evaluate import load_runs  # noqa: E402

LEVELS = (0.0, 0.5, 1.0, 2.0)
METHODS = ("moest", "mlp-pos", "ridge-pos")
ABLATIONS = ("no_moe", "no_sobel_routing")


def routing_scores(run: Path, truth: Path) -> dict:
    "ARI, NMI and MI (bits) between arg-max experts and true compartments over a run's test sections."
    from sklearn.metrics import adjusted_rand_score, mutual_info_score, normalized_mutual_info_score
    ex, cl = [], []
    with h5py.File(run / "predictions.h5") as p, h5py.File(truth) as t:
        for s in p:
            if isinstance(p[s], h5py.Group) and "gates" in p[s]:
                ex.append(p[s]["gates"][...].argmax(1)); cl.append(t[s]["compartment"][...])
    ex, cl = np.concatenate(ex), np.concatenate(cl)
    return dict(ari=adjusted_rand_score(cl, ex), nmi=normalized_mutual_info_score(cl, ex),
                mi_bits=mutual_info_score(cl, ex) / np.log(2), experts_used=int(len(np.unique(ex))))


def sweep(root: Path, folds: int, levels=LEVELS) -> tuple[pd.DataFrame, pd.DataFrame]:
    "Run (or resume) every level; return per-fold values and the routing scores."
    rows, routes = [], []
    for h in levels:
        out = root / f"h{h:g}"
        real.main(["virtual", "--folds", str(folds), "--sim", f"heterogeneity={h}", "--methods", *METHODS,
                   "--ablations", *ABLATIONS, "--out", str(out)])
        fv, _ = load_runs(out / "train")
        per = fv.query("gene_set == 'selected' and metric == 'pearson'").pivot(index="fold", columns="method", values="value")
        for m in per.columns:
            for k, v in per[m].items(): rows.append(dict(h=h, method=m, fold=k, r=v, oracle=per.loc[k, "oracle"]))
        for k in range(folds):
            routes.append(dict(h=h, fold=k, **routing_scores(out / "train" / f"moest-f{k}", out / "input.truth.h5")))
    return pd.DataFrame(rows), pd.DataFrame(routes)


def summarise(vals: pd.DataFrame, routes: pd.DataFrame) -> pd.DataFrame:
    "One row per (h, method): mean r / oracle r, and the paired per-fold difference of r / oracle to MoEST+ ± se."
    vals = vals.assign(frac=vals.r / vals.oracle)
    out = []
    for h, g in vals.groupby("h"):
        wide = g.pivot(index="fold", columns="method", values="frac")
        base = [m for m in ("mlp-pos", "ridge-pos") if m in wide]
        best = max(base, key=lambda m: wide[m].mean())
        for m in ["moest", "moest-no_moe", "moest-no_sobel_routing", best]:
            d = wide[m] - wide["moest"]
            out.append(dict(h=h, method=m if m != best else f"{m} (best coord-aware)", frac=wide[m].mean(),
                            diff=d.mean(), se=d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan,
                            ahead=f"{int((d < 0).sum())}/{len(d)}"))
    tab = pd.DataFrame(out)
    rt = routes.groupby("h")[["ari", "nmi", "mi_bits"]].mean()
    return tab.merge(rt, left_on="h", right_index=True)


def figure(tab: pd.DataFrame, routes: pd.DataFrame, out: Path):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(12, 3.6))
    names = {"moest": "MoEST+", "moest-no_moe": "− MoE", "moest-no_sobel_routing": "− Sobel routing"}
    for i, (m, g) in enumerate(tab.groupby(tab.method.str.split(" ").str[0], sort=False)):
        lab = names.get(m, g.method.iloc[0].replace(" (best coord-aware)", " (best baseline)"))
        a.plot(g.h, g.frac, "o-", label=lab, color=f"C{i}")
        if m != "moest":
            b.errorbar(g.h + 0.03 * (i - 2), g["diff"], yerr=g.se, fmt="o-", capsize=3, label=lab, color=f"C{i}")
    a.set(xlabel="heterogeneity", ylabel="r / oracle r", title="accuracy, as a fraction of the oracle"); a.legend(fontsize=7)
    b.axhline(0, color="grey", lw=0.8)
    b.set(xlabel="heterogeneity", ylabel="Δ (r / oracle) vs MoEST+", title="paired per-fold difference ± se"); b.legend(fontsize=7)
    rm = routes.groupby("h")[["ari", "nmi"]].agg(["mean", "std"])
    for k, lab in (("ari", "ARI"), ("nmi", "NMI")):
        c.errorbar(rm.index, rm[(k, "mean")], yerr=rm[(k, "std")], fmt="o-", capsize=3, label=lab)
    c.set(xlabel="heterogeneity", ylabel="agreement", title="routing (arg-max expert) vs true compartment", ylim=(0, 1)); c.legend(fontsize=7)
    fig.suptitle("When does routing help? The virtual tissue with compartment-dependent responses (3 folds, demo preset)", fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=130, bbox_inches="tight"); plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="runs/hetero")
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--levels", type=float, nargs="+", default=list(LEVELS))
    p.add_argument("--figure", default="bench/heterogeneity.png")
    p.add_argument("--md", default=None, help="append the table to this markdown file")
    args = p.parse_args(argv)
    vals, routes = sweep(Path(args.out), args.folds, args.levels)
    tab = summarise(vals, routes)
    vals.to_csv(Path(args.out) / "values.csv", index=False); routes.to_csv(Path(args.out) / "routing.csv", index=False)
    show = tab.assign(frac=tab.frac.map("{:.3f}".format), diff=[f"{d:+.3f} ± {s:.3f}" for d, s in zip(tab["diff"], tab.se)],
                      ari=tab.ari.map("{:.2f}".format), nmi=tab.nmi.map("{:.2f}".format), mi_bits=tab.mi_bits.map("{:.2f}".format))
    show = show[["h", "method", "frac", "diff", "ahead", "ari", "nmi", "mi_bits"]].rename(columns={
        "frac": "r / oracle", "diff": "Δ vs MoEST+ (paired ± se)", "ahead": "folds MoEST+ ahead", "ari": "routing ARI",
        "nmi": "routing NMI", "mi_bits": "MI (bits)"})
    print(show.to_string(index=False))
    figure(tab, routes, Path(args.figure))
    print(f"figure: {args.figure}")
    if args.md:
        with open(args.md, "a") as f:
            f.write(f"\n### `python bench/heterogeneity.py` ({args.folds} folds, demo preset, seed 0)\n\n")
            f.write("| " + " | ".join(show.columns) + " |\n|" + "---|" * len(show.columns) + "\n")
            for r in show.itertuples(index=False): f.write("| " + " | ".join(map(str, r)) + " |\n")


if __name__ == "__main__":
    main()
