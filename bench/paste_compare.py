"""A second opinion on serial-section registration (issue 23 item 4): PASTE against `moest3d register`.

    python bench/paste_compare.py REGISTERED.h5 [--alpha 0.1] [--max-spots N] [--md bench/RESULTS.md]

REGISTERED.h5 is a file written by `moest3d register`: per section `coords_raw` (the spots before registration, PASTE's
input), `coords_3d` (ours), `expression` (raw counts) and optionally `labels` ('' = none). For each specimen stack (z
order, `moest3d.dataset.specimen_stacks`) PASTE (paste-bio) aligns every neighbouring pair from raw coordinates and
counts (`paste.pairwise_align`: fused Gromov-Wasserstein OT, KL expression cost, numpy backend, float64), and the plans
are chained as `paste.stack_slices_pairwise` chains them (a weighted Procrustes per pair, each section onto its aligned
predecessor). With `--max-spots` a pair's plan is solved on at most N seeded random spots of each section and the
Procrustes transform it gives is applied to all spots; this reproduces `stack_slices_pairwise` exactly when nothing is
subsampled.

Columns, one row per section in stack order (pair metrics for the pair (previous section, this one)):
  paste_s           seconds of `pairwise_align` for the pair
  det               determinant of PASTE's rotation for the pair (-1: PASTE mirrored it; its Procrustes has no guard)
  d_med, d_p95      where PASTE places this section relative to the previous one, against where we place it: |ours −
                    PASTE| over this section's spots (µm), after PASTE's frame is fitted onto ours (orthogonal, least
                    squares) on the previous section's spots, so a mirror or error earlier in PASTE's chain does not count
  expr_raw/ours/paste  nearest-spot expression agreement (`moest3d.register.expression_agreement`, the measure of
                    `moest3d register`'s quality table): per-gene r between b's spots and their nearest a-spots, 250 genes
  lab_raw/ours/paste   `moest3d.register.label_agreement`: share of b's labelled spots whose nearest labelled a-spot agrees
The `stack` row: pair metrics averaged over pairs, seconds summed, distances pooled over all pairs' spots.
PASTE's OT is deterministic; the only randomness (the `--max-spots` subsample) is seeded.
"""
from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import anndata as ad  # noqa: E402
import numpy as np  # noqa: E402
import ot  # noqa: E402
import pandas as pd  # noqa: E402
import paste  # noqa: E402
from importlib.metadata import version  # noqa: E402
from paste.visualization import generalized_procrustes_analysis  # noqa: E402

from moest3d.data import open_h5, read_gene_names, read_section  # noqa: E402
from moest3d.dataset import section_table, specimen_stacks  # noqa: E402
from moest3d.register import expression_agreement, label_agreement  # noqa: E402  (the quality table's own measures)

if "torch" in sys.modules: sys.modules["torch"].set_num_threads(1)
N_HVG = 250


def load(path, name) -> dict:
    "One section: raw and registered plane coordinates, counts (float64), labels (None when the file has none)."
    with open_h5(path) as f: has_labels = "labels" in f[name]
    s = read_section(path, name, ["coords_raw", "coords_3d", "expression"] + ["labels"] * has_labels)
    labels = np.asarray(s["labels"], dtype=object) if has_labels else None
    return dict(name=name, raw=np.asarray(s["coords_raw"], float)[:, :2], ours=np.asarray(s["coords_3d"], float)[:, :2],
                x=np.asarray(s["expression"], np.float64), labels=labels)


def frame_fit(src, dst):
    """Orthogonal (R, t) minimising Σ|R·src + t − dst|² over corresponding rows (no scale; a reflection allowed: two
    frames of one section may differ by a mirror, which says nothing about how a neighbour is placed in them)."""
    ms, md = src.mean(0), dst.mean(0)
    u, _, vt = np.linalg.svd((src - ms).T @ (dst - md))
    R = (u @ vt).T
    return R, md - R @ ms


def subsample(n, max_spots, rng):
    return np.arange(n) if not max_spots or n <= max_spots else np.sort(rng.choice(n, max_spots, replace=False))


def paste_stack(secs, genes, alpha, max_spots, seed, emd_iter):
    """PASTE's pairwise alignment of the stack: (aligned plane coords per section, seconds per pair, det per pair).
    Chained as `paste.stack_slices_pairwise` does; with subsampling each pair's transform is applied to all spots."""
    rng = np.random.default_rng(seed)
    subs = [subsample(len(s["raw"]), max_spots, rng) for s in secs]
    adatas = [ad.AnnData(X=s["x"][sub], obsm=dict(spatial=s["raw"][sub].copy()),
                         var=pd.DataFrame(index=genes), obs=pd.DataFrame(index=[f"{s['name']}_{i}" for i in sub]))
              for s, sub in zip(secs, subs)]
    new, secs_s, dets = [None] * len(secs), [], []
    for i in range(len(secs) - 1):
        t = time.perf_counter()
        pi = paste.pairwise_align(adatas[i], adatas[i + 1], alpha=alpha, backend=ot.backend.NumpyBackend(),
                                  use_gpu=False, gpu_verbose=False, numItermaxEmd=emd_iter)
        secs_s.append(time.perf_counter() - t)
        X = secs[0]["raw"][subs[0]] if i == 0 else new[i][subs[i]]
        _, _, R, tX, tY = generalized_procrustes_analysis(X, secs[i + 1]["raw"][subs[i + 1]], pi,
                                                          output_params=True, matrix=True)
        if i == 0: new[0] = secs[0]["raw"] - tX
        # stack_slices_pairwise keeps y = R(Y − tY) against X − tX; tX is the plan-weighted mean of X (0 for the
        # chained sections when nothing is subsampled), so with a subsample the offset tX is added back.
        new[i + 1] = (R @ (secs[i + 1]["raw"] - tY).T).T + (tX if i > 0 else 0)
        dets.append(float(np.linalg.det(R)))
        print(f"  PASTE {secs[i]['name']} → {secs[i + 1]['name']}: {secs_s[-1]:.1f} s, det {dets[-1]:+.0f}", flush=True)
    return new, secs_s, dets


def specimen_rows(secs, genes, alpha, max_spots, seed, emd_iter) -> pd.DataFrame:
    "The table rows of one specimen stack (see the module docstring)."
    pas, secs_s, dets = paste_stack(secs, genes, alpha, max_spots, seed, emd_iter)
    rows, pooled = [], []
    for i, s in enumerate(secs):
        row = dict(section=s["name"], n_spots=len(s["raw"]))
        if i > 0:
            a = secs[i - 1]
            # Where PASTE puts b relative to a, against where we put it: PASTE's frame is fitted onto ours on a's spots.
            R, t = frame_fit(pas[i - 1], a["ours"])
            d = np.linalg.norm(s["ours"] - ((R @ pas[i].T).T + t), axis=1)
            pooled.append(d)
            row.update(d_med=np.median(d), d_p95=np.percentile(d, 95))
            row.update(pair=f"{a['name']}→{s['name']}", paste_s=secs_s[i - 1], det=dets[i - 1])
            for k, ca, cb in (("raw", a["raw"], s["raw"]), ("ours", a["ours"], s["ours"]), ("paste", pas[i - 1], pas[i])):
                row[f"expr_{k}"] = expression_agreement(ca, a["x"], cb, s["x"], N_HVG)
                if s["labels"] is not None and a["labels"] is not None:
                    row[f"lab_{k}"] = label_agreement(ca, a["labels"], cb, s["labels"])
        rows.append(row)
    df = pd.DataFrame(rows)
    pairs = df.dropna(subset=["pair"]) if "pair" in df else df.iloc[:0]
    d = np.concatenate(pooled) if pooled else np.zeros(0)
    stack = {c: pairs[c].mean() for c in df.columns if c.startswith(("expr_", "lab_"))}
    stack.update(section="stack", pair="", n_spots=int(df.n_spots.sum()), paste_s=pairs.paste_s.sum(),
                 det=np.nan, d_med=np.median(d), d_p95=np.percentile(d, 95))
    return pd.concat([df, pd.DataFrame([stack])], ignore_index=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("h5", help="a file written by `moest3d register` (coords_raw and coords_3d per section)")
    p.add_argument("--alpha", type=float, default=0.1, help="PASTE's alpha (its default 0.1)")
    p.add_argument("--max-spots", type=int, default=0, help="solve each pair's plan on at most this many spots per section (0: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the --max-spots subsample")
    p.add_argument("--emd-iter", type=int, default=1_000_000,
                   help="iterations of each inner exact OT solve (POT's numItermaxEmd; its default 100000 stops short on "
                        "3,600-spot DLPFC pairs, and the plan it returns then mirrors a section)")
    p.add_argument("--md", help="append a markdown section (command line and table) to this file")
    args = p.parse_args(argv)
    np.random.seed(args.seed)
    genes = read_gene_names(args.h5)
    stacks = specimen_stacks(section_table(args.h5))
    tables = []
    for spec, order in stacks.items():
        if len(order) < 2: continue
        secs = [load(args.h5, s) for s in order]
        if genes is None: genes = [f"g{j}" for j in range(secs[0]["x"].shape[1])]
        print(f"{spec or '(no specimen)'}: {len(order)} sections, {sum(len(s['raw']) for s in secs)} spots, {len(genes)} genes", flush=True)
        df = specimen_rows(secs, genes, args.alpha, args.max_spots, args.seed, args.emd_iter)
        df.insert(0, "specimen", spec)
        tables.append(df)
    table = pd.concat(tables, ignore_index=True)
    cols = ["specimen", "section", "pair", "n_spots", "paste_s", "det", "d_med", "d_p95"] + \
           [c for c in table.columns if c.startswith(("expr_", "lab_"))]
    table = table[cols]
    text = table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="")
    env = (f"paste-bio {version('paste-bio')}, POT {ot.__version__}, numpy backend float64, alpha {args.alpha}, "
           f"max-spots {args.max_spots or 'all'}, EMD iterations {args.emd_iter}, seed {args.seed}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, "
           f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(env)
    print(text)
    if args.md:
        cmd = " ".join(["python", "bench/paste.py"] + [shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])])
        with open(args.md, "a") as f:
            f.write(f"\n## PASTE against moest3d register: {Path(args.h5).name}\n\n`{cmd}`\n\n{env}\n\n"
                    f"Distances in µm; expression and label agreement by nearest spot (see bench/paste_compare.py).\n\n")
            f.write(table.to_markdown(index=False, floatfmt=".3f") if _has_tabulate() else f"```\n{text}\n```")
            f.write("\n")
    return 0


def _has_tabulate() -> bool:
    try: import tabulate  # noqa: F401
    except ImportError: return False
    return True


if __name__ == "__main__":
    sys.exit(main())
