"""Where `make figures` spends its time: the papermill duration of every executed notebook of a run folder (and of its
sweep-h*/stack-m* sub-runs), grouped by stage, with the core-seconds they add up to.

    python bench/figures_time.py runs/virtual-morpho          # after `make figures`
    python bench/figures_time.py runs/virtual-morpho --md     # the same as a Markdown table

The wall time of the whole run is what `time make figures` says; the sum here is CPU-side work of all jobs together
(2 jobs side by side on the 2-core box), so sum / wall shows how well both cores were used."""
import argparse, json, re
from collections import defaultdict
from pathlib import Path

def stage_of(nb: Path) -> str:
    name = nb.stem
    if name.startswith("train_fold"): return "train (one fold, all its runs)"
    if name.startswith(("fig", "table_")): return "figures and tables"
    return name

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run", type=Path)
    p.add_argument("--md", action="store_true")
    a = p.parse_args()
    rows = defaultdict(lambda: [0, 0.0])
    for nb in sorted(a.run.glob("**/nb/*.ipynb")):
        d = json.loads(nb.read_text())["metadata"].get("papermill", {}).get("duration")
        if d is None: continue
        sub = nb.parent.parent.relative_to(a.run).as_posix()
        key = (re.sub(r"\d.*", "", sub) or "main", stage_of(nb))
        rows[key][0] += 1; rows[key][1] += d
    total = sum(v[1] for v in rows.values())
    if a.md: print("| run | stage | notebooks | seconds |\n|---|---|---|---|")
    for (run, stage), (n, s) in sorted(rows.items(), key=lambda kv: -kv[1][1]):
        print(f"| {run} | {stage} | {n} | {s:.0f} |" if a.md else f"{run:10s} {stage:32s} {n:3d} notebooks {s:7.0f} s")
    print(f"| all | | {sum(v[0] for v in rows.values())} | {total:.0f} |" if a.md else f"{'all':43s} {sum(v[0] for v in rows.values()):3d} notebooks {total:7.0f} s")

if __name__ == "__main__": main()
