"""Memory of scoring: where a `moest3d train` run's test scoring takes its memory, stage by stage.

Re-runs the end of a finished run (`run_fold(..., resume=True)` on a copy of its folder, without its metrics and
predictions: training is skipped, the model is loaded, every test section is predicted, read and scored again) and
prints, for each call of the stages below, the process's resident memory before it, its peak during it (Linux's
VmHWM, reset before each call through /proc/self/clear_refs) and after it:

  predict_moest (a test section's predictions), SpotData.targets (its targets), TidyMetrics.add (its metrics),
  PooledPearson.add, and prepare_fold / train_moest (the fold's set-up and the resumed, skipped training).

A nested call resets the peak, so an outer stage's peak covers only what came after its last inner call.

    python bench/scale.py --sizes 0.4 --keep --workdir /scratch     # a 0.4 M-cell file in 50k-cell sections, and a run
    python bench/score_memory.py --data /scratch/moest3d-scale-*/0.4M/features.h5 --run /scratch/moest3d-scale-*/0.4M/run

Numbers: bench/RESULTS.md ("Scoring memory").
"""
from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def status() -> tuple:
    "(VmRSS, VmHWM) of this process in GB."
    d = {l.split(":")[0]: int(l.split()[1]) / 1e6 for l in open("/proc/self/status") if l.startswith(("VmRSS", "VmHWM"))}
    return d["VmRSS"], d["VmHWM"]


def watch(owner, name: str, label: str, rows: list):
    "Wrap `owner.name` so that each call records (label, before, peak, after, seconds)."
    f = getattr(owner, name)

    @functools.wraps(f)
    def g(*a, **k):
        r0 = status()[0]
        Path("/proc/self/clear_refs").write_text("5")     # reset the peak (VmHWM) to the current RSS
        t = time.time()
        out = f(*a, **k)
        r1, peak = status()
        rows.append((label, r0, peak, r1, time.time() - t))
        print(f"{label:>18}: before {r0:.2f}  peak {peak:.2f} (+{peak - r0:.2f})  after {r1:.2f} GB  {time.time() - t:6.1f} s", flush=True)
        return out
    setattr(owner, name, g)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="the features H5 the run trained on")
    p.add_argument("--run", required=True, help="a finished `moest3d train --method moest` run folder (config.json, last.pt)")
    p.add_argument("--max-memory-gb", type=float, default=3.0, help="as passed to the run's train (scale.py's default: 3)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    import moest3d.evaluate as E, moest3d.metrics as M, moest3d.spots as S, moest3d.train as T
    from moest3d.loop import TrainConfig
    src = Path(args.run)
    cfg = json.loads((src / "config.json").read_text())
    rows: list = []
    for owner, name, label in ((T, "prepare_fold", "prepare_fold"), (T, "train_moest", "train_moest (skipped)"),
                               (T, "predict_moest", "predict_moest"), (S.SpotData, "targets", "targets"),
                               (E.TidyMetrics, "add", "TidyMetrics.add"), (M.PooledPearson, "add", "PooledPearson.add")):
        watch(owner, name, label, rows)
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "run"
        shutil.copytree(src, run, ignore=shutil.ignore_patterns("metrics.csv", "predictions.h5"))
        cfg["status"] = "running"
        (run / "config.json").write_text(json.dumps(cfg))
        start = status()[0]
        print(f"{'start':>18}: {start:.2f} GB", flush=True)
        split = cfg["split_name"] if "/" in str(cfg.get("split_name")) else None
        T.run_fold(args.data, cfg["dataset"], out=run, method=cfg["method"], fold=cfg["fold"], folds=None if split else cfg["folds"],
                   split=split, seed=cfg["seed"], n_genes=cfg["n_genes"], ablation=cfg["ablation"], overrides=cfg["overrides"] or None,
                   resume=True, max_memory_gb=args.max_memory_gb, tcfg=TrainConfig(**cfg["train"]))
    first = next(i for i, r in enumerate(rows) if r[0] == "predict_moest")     # scoring starts with the first test section
    base, top = rows[first][1], max(r[2] for r in rows[first:])
    print(f"scoring: peak {top:.2f} GB, {top - base:.2f} GB above the {base:.2f} GB held before the first test section")


if __name__ == "__main__":
    from moest3d.core import MoestError
    try: main()
    except MoestError as e: sys.exit(f"score_memory: {e}")
