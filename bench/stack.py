"""Stack imputation across data sets (issue 24): r against the fraction of measured sections, one panel per data set.

    python bench/stack.py --panel MOB runs/real-mob-new/train "1/2=runs/real-mob-stack/train 1/1=runs/real-mob-stack-m1/train" \
                          --panel DLPFC runs/real-dlpfc-new/train "1/2=runs/real-dlpfc-stack/train" \
                          --figure bench/stack.png --md bench/RESULTS.md

Each panel: a title, the folder of the `section` task's runs (its MoEST+ is fraction 0: H&E only, every other section
trains) and the `--protocol stack` levels (`1/N=FOLDER`, folders of run folders made by
`bench/real.py RAW --protocol stack --measured 1/N --methods moest interp interp+image --ablations no_measured`).
It prints, per panel, each method's r (mean ± sd over folds) and its paired per-fold difference to MoEST+ with measured
context (mean ± standard error, and the folds where MoEST+ was ahead), and draws `moest3d.stack.stack_figure`.
Nothing is trained here.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from moest3d.evaluate import to_markdown  # noqa: E402
from moest3d.stack import parse_levels, stack_figure, stack_summary, stack_table  # noqa: E402

def text_table(title: str, tab) -> str:
    "A panel's `stack_table` as markdown under its title (`stack.stack_summary`, the rows figure 10 writes too)."
    return f"{title}\n{to_markdown(stack_summary(tab))}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--panel", nargs=3, action="append", required=True, metavar=("TITLE", "SECTION_RUNS", "LEVELS"),
                   help="a data set: its title, its section-task runs and its stack levels ('1/N=FOLDER ...')")
    p.add_argument("--figure", default="bench/stack.png", help="the figure to write (PNG)")
    p.add_argument("--md", default=None, help="append the tables to this markdown file")
    args = p.parse_args(argv)
    import matplotlib
    matplotlib.use("Agg")
    from moest3d.drawing import STYLE
    import matplotlib.pyplot as plt
    tables = {title: stack_table(parse_levels(levels), section=Path(sec)) for title, sec, levels in args.panel}
    text = "\n\n".join(text_table(t, tab) for t, tab in tables.items())
    print(text)
    with plt.rc_context(STYLE):
        fig = stack_figure(tables)
        fig.savefig(args.figure, dpi=150, bbox_inches="tight")
    print(f"figure: {args.figure}")
    if args.md:
        cmd = "python bench/stack.py " + " ".join(f"--panel {t} {s} '{lv}'" for t, s, lv in args.panel)
        with open(args.md, "a") as f: f.write(f"\n### `{cmd}`\n\n{text}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
