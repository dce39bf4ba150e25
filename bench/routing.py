"""Routing on real tissue (issue 13): MoEST+'s arg-max expert per spot beside the tissue's own labels.

    python bench/routing.py runs/real-dlpfc-common --labels LABELLED.h5   # ARI / NMI against the cortical layers
    python bench/routing.py runs/real-mob-common                          # no labels: the routing maps only

RUN_DIR is a `bench/real.py` work folder: its `train/moest-f<k>/predictions.h5` hold the gates of each held-out
section, its `features.h5` the spot ids and coordinates. `--labels` is any H5 with per-spot `labels` and `spot_ids`
(e.g. `moest3d prepare --dataset anndata --raw ../shared/data/dlpfc --out LABELLED.h5`, which reads each folder's
`layer_labels.csv`; by default RUN_DIR/input.h5, which `bench/real.py` prepared that way); spots are matched by id, unlabelled spots are left out of the scores. The labels are never an input of
any model. Prints, per held-out section, the adjusted Rand index and normalised mutual information of routing
against the labels, and the same for a k-means (k = number of experts) of the image features as a yardstick; writes
a figure (default `bench/routing-<name>.png`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def _strs(a) -> np.ndarray:
    from moest3d.data import decode_strs   # the package's one bytes -> str
    return np.array(decode_strs(a))


def collect(run_dir: Path, labels: Path | None) -> list[dict]:
    "[{section, fold, xy, expert, label, feats}] for every held-out section of the MoEST+ runs."
    lab = {}
    if labels:
        with h5py.File(labels) as f:
            for s in f:
                if isinstance(f[s], h5py.Group) and "labels" in f[s]:
                    lab[s] = dict(zip(_strs(f[s]["spot_ids"][...]), _strs(f[s]["labels"][...])))
    out = []
    with h5py.File(run_dir / "features.h5") as feats:
        for k, run in enumerate(sorted((run_dir / "train").glob("moest-f*"))):
            with h5py.File(run / "predictions.h5") as p:
                for s in p:
                    if not (isinstance(p[s], h5py.Group) and "gates" in p[s]): continue
                    ids = _strs(feats[s]["spot_ids"][...]) if "spot_ids" in feats[s] else None
                    y = np.array([lab.get(s, {}).get(i, "") for i in ids]) if ids is not None and s in lab else None
                    out.append(dict(section=s, fold=int(run.name.split("-f")[-1]), xy=p[s]["coords_3d"][:, :2],
                                    expert=p[s]["gates"][...].argmax(1), label=y, feats=feats[s]["uni_features"][...]))
    return out


def scores(items: list[dict], n_experts: int) -> pd.DataFrame:
    "Per labelled section: routing against the labels and, as a yardstick, a k-means of the image features (`metrics.routing_agreement`)."
    from sklearn.cluster import KMeans
    from moest3d.metrics import routing_agreement
    rows = []
    for it in items:
        if it["label"] is None: continue
        ok = it["label"] != ""
        km = KMeans(n_experts, n_init=4, random_state=0).fit_predict((it["feats"] - it["feats"].mean(0)) / (it["feats"].std(0) + 1e-6))
        route, base = routing_agreement(it["expert"][ok], it["label"][ok]), routing_agreement(km[ok], it["label"][ok])
        rows.append(dict(section=it["section"], spots=int(ok.sum()), experts_used=len(np.unique(it["expert"])),
                         ari=route["ari"], nmi=route["nmi"], kmeans_ari=base["ari"], kmeans_nmi=base["nmi"]))
    return pd.DataFrame(rows)


def figure(items: list[dict], out: Path, title: str):
    import matplotlib; matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    has = any(it["label"] is not None for it in items)
    fig, axes = plt.subplots(1 + has, len(items), figsize=(3.2 * len(items), 3.3 * (1 + has)), squeeze=False)
    for j, it in enumerate(items):
        ax = axes[0, j]
        ax.scatter(*it["xy"].T, c=it["expert"], cmap="tab10", vmin=-0.5, vmax=9.5, s=5, lw=0)
        ax.set_title(f"{it['section']}: arg-max expert", fontsize=8)
        if has and it["label"] is not None:
            ax2 = axes[1, j]
            names = sorted(set(it["label"]) - {""})
            code = np.array([names.index(v) if v else -1 for v in it["label"]])
            ax2.scatter(*it["xy"][code < 0].T, color="lightgrey", s=5, lw=0)
            sc = ax2.scatter(*it["xy"][code >= 0].T, c=code[code >= 0], cmap="Set2", s=5, lw=0)
            ax2.set_title(f"{it['section']}: labels", fontsize=8)
            if j == len(items) - 1:
                ax2.legend(sc.legend_elements()[0], names, fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    for ax in axes.ravel(): ax.set_aspect("equal"); ax.invert_yaxis(); ax.set_xticks([]); ax.set_yticks([])
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120, bbox_inches="tight"); plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("run_dir")
    p.add_argument("--labels", default=None, help="an H5 with per-spot labels and spot_ids (default: RUN_DIR/input.h5, if it has them)")
    p.add_argument("--figure", default=None)
    args = p.parse_args(argv)
    run_dir = Path(args.run_dir)
    labels = Path(args.labels) if args.labels else (run_dir / "input.h5" if (run_dir / "input.h5").exists() else None)
    items = collect(run_dir, labels)
    if not items: raise SystemExit(f"{run_dir}: no MoEST+ runs with gates under train/moest-f*")
    import json
    n_exp = json.loads((sorted((run_dir / "train").glob("moest-f*"))[0] / "config.json").read_text())["model"]["n_experts"]
    tab = scores(items, n_exp)
    if len(tab):
        print(tab.round(3).to_string(index=False))
        print(f"mean: routing ARI {tab.ari.mean():.3f}, NMI {tab.nmi.mean():.3f}; k-means of the features ARI {tab.kmeans_ari.mean():.3f}, "
              f"NMI {tab.kmeans_nmi.mean():.3f}")
    else: print("no labels: routing maps only")
    fig = Path(args.figure or f"bench/routing-{run_dir.name}.png")
    figure(items, fig, f"MoEST+ routing on held-out sections ({run_dir.name}; {n_exp} experts)")
    print(f"figure: {fig}")


if __name__ == "__main__":
    main()
