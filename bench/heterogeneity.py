"""The numbers behind figure 9 (issue 13): when does morphology-guided routing help?

    make figures                                    # trains level 0 (runs/virtual-morpho) and SWEEP="0.5 1 2" (runs/virtual-morpho/sweep-h*)
    python bench/heterogeneity.py                   # prints the table of those runs
    python bench/heterogeneity.py RUN --md bench/RESULTS.md   # another run folder; append the table to RESULTS.md

At each heterogeneity h the demo virtual tissue (seed 0) is simulated with `SimConfig.heterogeneity = h`, and MoEST+,
MoEST+ without the MoE (`no_moe`), without Sobel routing (`no_sobel_routing`) and the coordinate-aware baselines are
trained on the same 3 folds (`figures.mk`). Per level and method: r / oracle r (the oracle is the simulator's noiseless
means, per fold), the paired per-fold difference of that fraction to MoEST+ (mean ± standard error) and the folds where
MoEST+ was ahead; per level, routing of the MoEST+ runs against the true compartments of the held-out spots (adjusted
Rand index, normalised mutual information, mutual information in bits; mean over folds). The best coordinate-aware
baseline is the one with the higher mean at that level, chosen on the test folds: that flatters the baseline.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from moest3d.evaluate import to_markdown  # noqa: E402
from moest3d.sweep import sweep_summary, sweep_table  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("run", nargs="?", default="runs/virtual-morpho", help="level 0's run folder (holding train/ and sweep-h*/)")
    p.add_argument("--md", default=None, help="append the table to this markdown file")
    args = p.parse_args(argv)
    run = Path(args.run)
    levels = {0.0: (run / "train", run / "input.truth.h5")}
    for d in sorted(run.glob("sweep-h*")):
        levels[float(d.name[len("sweep-h"):])] = (d / "train", d / "input.truth.h5")
    tab, routes = sweep_table(levels)
    show = sweep_summary(tab, routes)
    print(show.to_string(index=False))
    if args.md:
        with open(args.md, "a") as f:
            f.write(f"\n### `python bench/heterogeneity.py {args.run}`\n\n{to_markdown(show)}\n")


if __name__ == "__main__":
    main()
