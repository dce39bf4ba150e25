"""Scale benchmark: `moest3d train` and `moest3d predict` from 0.1 to 2 million cells (Open-ST's 3D release size).

Open-ST's 3D release holds ~19 sections and over a million segmented cells. This benchmark shows how the two commands
scale with the number of spots: time should grow linearly (constant time per spot) and peak memory should stay flat
(bounded by `--max-memory-gb`, not by the file).

For each size it writes a synthetic Open-ST-like features H5 (`moest3d.data.H5Writer`, one section at a time, never
the whole file in memory): one specimen of sections stacked 10 µm apart in z, ~`--section-cells` cells each (at
least 5 sections: a split needs training, validation and test sections, and the openst protocol holds out interior
sections only), cells ~10 µm apart on an elliptical tissue a few mm across, rows in scanline order (by y, then x) as a
segmentation numbers them. Each cell has 1,024-d float32 `uni_features`, `coords_3d` in µm, a `morph_descriptor`
with the columns `moest3d extract` writes (`sobel.descriptor_columns()`: `sobel_mean` ... `boundary`), and integer
counts over 2,000 genes (sparse, a few hundred per cell, Poisson around a library size times softmax proportions).
Features, morphology and counts all depend on one low-rank latent field that is smooth in 3D, so training has
something to learn.

Then, each in its own child process (the library's CLI, exactly as a user runs it):
  (a) `python -m moest3d train --data F --dataset openst --split 80/20 --out RUN --epochs 1 --min-steps 0
       --max-memory-gb M --threads T` (one epoch; the command also validates the file, fits the normalisation, validates,
       predicts the test sections and scores them: all of it is timed);
  (b) `python -m moest3d predict --data F --checkpoint RUN --out P.h5ad` (every spot of the file).
For each: wall time, spots/s (training: training spots / wall time of the whole train command; prediction: predicted
spots / wall time), and the peak RSS of exactly that child (`os.wait4` on its pid; ru_maxrss also covers any process
the child itself waited for, as a max, not a sum). The child's output goes to a log file in the work folder; on a
failure the bench prints the command and the log's last lines, goes on with the next step it can, and exits 1.

It prints a table (with the run's test r, to show the epoch learned something) and two checks, PASS/FAIL (a report,
not a test: the exit code is 0 unless a command failed). A child's fixed start-up (imports, ~5 s) weighs on small
sizes, so the time-per-spot ratio means most between large ones:
  - time per spot at the largest size / at the smallest, for train and predict (acceptance: <= 1.5x);
  - peak RSS of every child <= --max-memory-gb + 1 GB (acceptance: <= 4 GB at 2 M spots with --max-memory-gb 3).

    python bench/scale.py                                  # full: 0.1, 0.5, 1, 2 M cells
    python bench/scale.py --md bench/RESULTS.md            # also append the table to RESULTS.md
    python bench/scale.py --quick                          # 0.02 and 0.05 M cells, 10k-cell sections, 500 genes
                                                           # (0.02 M: the minimum 5 sections, of 4k)
    python bench/scale.py --sizes 1 --workdir /scratch     # one size, files on another disk

Needs: disk for the largest size's files at a time (they are deleted after each size; with --keep, for all sizes):
4.2 kB a cell of features, morphology and coordinates, ~0.5 B a cell and gene of gzip'd counts, and ~2.5 kB a cell
of predictions (predict's .h5ad, train's test predictions): ~8.4 + 2 + 5 GB at 2 M cells. It says how much before
it starts and stops if the disk lacks it. Time: writing takes ~10 s per 50k-cell section of 2,000 genes (half of it
the writer's gzip of the counts), ~7 min for the 2 M file. Train and predict ran at ~600-700 and ~1,700-2,300 spots/s on one
thread of the shared 2-core box (quick mode), so the full run takes hours there; quick mode about 2 minutes.
Memory: the bench itself holds one section (~1 GB at 50k cells x 2,000 genes) besides the child it measures.
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from moest3d.data import H5Writer, Section  # noqa: E402

FEAT_DIM, RANK, CELL_UM, Z_STEP_UM = 1024, 8, 10.0, 10.0
MIN_SECTIONS = 5
GB = 1e9


def morph_columns() -> list:
    "The `morph_descriptor` columns `moest3d extract` writes (imports torch, so only when needed)."
    from moest3d.sobel import descriptor_columns
    return list(descriptor_columns())


# ---------------------------------------------------------------------------------------------------------- data
class Tissue:
    "A seeded synthetic specimen: a smooth low-rank latent field in 3D and the maps from it to features, morphology and counts."
    def __init__(self, n_genes: int, n_morph: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.n_genes, self.n_morph = n_genes, n_morph
        K = 64                                                           # random Fourier features of position
        scale = np.array([1 / 400.0, 1 / 400.0, 1 / 150.0])              # length scales in µm: smooth over a few hundred µm
        self.omega = (rng.normal(size=(3, K)) * scale[:, None]).astype(np.float32)
        self.phase = rng.uniform(0, 2 * np.pi, K).astype(np.float32)
        self.mix = (rng.normal(size=(K, RANK)) * np.sqrt(2.0 / K)).astype(np.float32)  # -> latent, ~unit variance
        self.feat_w = (rng.normal(size=(RANK, FEAT_DIM)) / np.sqrt(RANK)).astype(np.float32)
        self.morph_w = (rng.normal(size=(RANK, n_morph)) * 0.3).astype(np.float32)
        self.morph_b = rng.uniform(0.5, 2.0, n_morph).astype(np.float32)
        self.gene_base = (rng.normal(size=n_genes) * 1.2).astype(np.float32)   # Zipf-like spread of mean expression
        self.gene_w = (rng.normal(size=(RANK, n_genes)) * 0.6).astype(np.float32)
        self.shape_seed = int(rng.integers(1 << 31))

    def latent(self, xyz):
        return np.cos(xyz.astype(np.float32) @ self.omega + self.phase) @ self.mix

    def coords(self, n: int, k: int, rng):
        "n cells of section k: a jittered 10 µm lattice on an ellipse that drifts slowly with z, in scanline order."
        s = np.random.default_rng([self.shape_seed, 0])
        a0, b0 = s.uniform(0.8, 1.25, 2)
        ph = s.uniform(0, 2 * np.pi, 2)
        a = a0 * (1 + 0.08 * np.sin(0.15 * k + ph[0])); b = b0 * (1 + 0.08 * np.sin(0.11 * k + ph[1]))
        r = math.sqrt(n / (math.pi * a * b)) * 1.08 + 2                   # lattice radius (cells) with a margin
        side = int(2 * r * max(a, b)) + 3
        g = np.arange(side, dtype=np.float32) - side / 2
        gx, gy = np.meshgrid(g, g)
        gx, gy = gx.ravel(), gy.ravel()
        d = (gx / a) ** 2 + (gy / b) ** 2
        keep = np.argpartition(d, n - 1)[:n]                             # the n lattice points closest to the centre
        x = (gx[keep] + rng.uniform(-0.3, 0.3, n)) * CELL_UM + 2500.0
        y = (gy[keep] + rng.uniform(-0.3, 0.3, n)) * CELL_UM + 2500.0
        o = np.lexsort((x, np.round(gy[keep])))                         # raster order: row of the lattice, then x
        return np.c_[x[o], y[o], np.full(n, k * Z_STEP_UM)]

    def section(self, name: str, k: int, n: int, cols: list, seed: int, chunk: int = 8192) -> Section:
        rng = np.random.default_rng([seed, k])
        xyz = self.coords(n, k, rng)
        feats = np.empty((n, FEAT_DIM), np.float32)
        morph = np.empty((n, self.n_morph), np.float32)
        expr = np.empty((n, self.n_genes), np.int32)
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            z = self.latent(xyz[a:b])
            f = rng.standard_normal((b - a, FEAT_DIM), dtype=np.float32)
            f *= 0.7
            f += np.tanh(z) @ self.feat_w
            feats[a:b] = f
            m = np.logaddexp(0, z @ self.morph_w + self.morph_b + 0.2 * rng.standard_normal((b - a, self.n_morph), dtype=np.float32))
            m[:, cols.index("boundary")] = np.exp(-3.0 * np.abs(z[:, 0]))       # high where the first latent crosses 0
            morph[a:b] = m
            logit = z @ self.gene_w + self.gene_base
            logit -= logit.max(1, keepdims=True)
            p = np.exp(logit, out=logit)
            lib = rng.lognormal(np.log(300.0), 0.4, b - a).astype(np.float32)      # a few hundred counts a cell
            p *= (lib / p.sum(1))[:, None]
            expr[a:b] = rng.poisson(p)
        attrs = {"patient": "P1", "specimen": "P1", "z_um": float(k * Z_STEP_UM), "thickness_um": Z_STEP_UM,
                 "spot_diameter_um": CELL_UM, "uni_features.encoder": "synthetic-uni", "morph_descriptor.columns": list(cols)}
        return Section(name, {"coords_3d": xyz, "uni_features": feats, "morph_descriptor": morph, "expression": expr}, attrs)


def layout(n_cells: int, section_cells: int) -> list:
    "Cells per section: about `section_cells` each, at least MIN_SECTIONS sections, summing to n_cells."
    k = max(MIN_SECTIONS, round(n_cells / section_cells))
    sizes = np.full(k, n_cells // k); sizes[: n_cells - sizes.sum()] += 1
    return [int(s) for s in sizes]


def write_file(path: Path, sizes: list, n_genes: int, cols: list, seed: int) -> float:
    "Write the features H5, one section at a time; return seconds."
    t0 = time.perf_counter()
    tissue = Tissue(n_genes, len(cols), seed)
    with H5Writer(path, [f"GENE{j:04d}" for j in range(n_genes)], {"dataset": "openst", "source": "bench/scale.py synthetic"}) as w:
        for k, n in enumerate(sizes):
            w.add(tissue.section(f"S{k:02d}", k, n, cols, seed))
    return time.perf_counter() - t0


def bytes_needed(n_cells: int, n_genes: int, n_morph: int, panel: int = 250) -> float:
    "Disk for one size: features + morphology + coords, counts (gzip; measured ~0.45 B per cell and gene at ~10 % non-zero), the run's test predictions and predict's .h5ad (X and counts layer, float32)."
    per_cell = FEAT_DIM * 4 + n_morph * 4 + 3 * 8 + 0.6 * n_genes + 0.3 * panel * 8 + panel * 8 + 200
    return n_cells * per_cell + 50e6


# ---------------------------------------------------------------------------------------------------------- children
def run_child(cmd: list, log: Path, env: dict) -> dict:
    "Run `cmd` with its output in `log`; wall time, exit status and the peak RSS (GB) of exactly this child."
    with open(log, "w") as fh:
        fh.write("$ " + shlex.join(cmd) + "\n"); fh.flush()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=str(REPO))
        try: _, status, ru = os.wait4(p.pid, 0)
        except BaseException:                                            # Ctrl-C, SIGTERM: the child goes too
            p.kill(); p.wait(); raise
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)                 # reaped here: tell Popen
    ok = p.returncode == 0
    if not ok:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        why = f"exit {p.returncode}" if p.returncode >= 0 else f"killed by signal {-p.returncode}" + (" (SIGKILL: out of memory?)" if p.returncode == -9 else "")
        print(f"\nFAILED ({why}, after {wall:.1f} s, peak RSS {ru.ru_maxrss * 1024 / GB:.2f} GB): {shlex.join(cmd)}\n"
              f"  log {log}, last lines:\n    " + "\n    ".join(tail), flush=True)
    return dict(ok=ok, rc=p.returncode, wall=wall, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss * 1024 / GB)  # ru_maxrss: KiB on Linux


def help_lists(env: dict, sub: str, option: str) -> bool:
    out = subprocess.run([sys.executable, "-m", "moest3d", sub, "--help"], capture_output=True, text=True, env=env, cwd=str(REPO))
    return option in out.stdout


def run_summary(run: Path, sizes: list) -> tuple:
    "Spots of the training sections of the run (its config.json's split) and its test r."
    cfg = json.loads((run / "config.json").read_text())
    n = {f"S{k:02d}": s for k, s in enumerate(sizes)}
    return sum(n[s] for s in cfg["split"]["train"]), cfg.get("test_r")


# ---------------------------------------------------------------------------------------------------------- report
def git_commit() -> str:
    try:
        h = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True).stdout.strip()
        return h + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError): return "unknown"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"): cpu = line.split(":", 1)[1].strip(); break
    except OSError: pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else float("nan")
    return f"{cpu}, {os.cpu_count()} CPUs, {ram:.0f} GiB RAM, load average {os.getloadavg()[0]:.1f}"


def fmt(v, spec):
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def table(rows) -> list:
    lines = ["| size (M) | spots | sections | file GB | write s | train s | train CPU s | train spots | train spots/s | train peak RSS GB "
             "| predict s | predict CPU s | predict spots/s | predict peak RSS GB | test r |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['size']:g} | {r['spots']:,} | {r['sections']} | {r['file_gb']:.2f} | {r['write_s']:.1f} | "
                     f"{fmt(r.get('train_s'), '.1f')} | {fmt(r.get('train_cpu'), '.1f')} | {fmt(r.get('train_spots'), ',')} | "
                     f"{fmt(r.get('train_sps'), ',.0f')} | {fmt(r.get('train_rss'), '.2f')} | {fmt(r.get('pred_s'), '.1f')} | "
                     f"{fmt(r.get('pred_cpu'), '.1f')} | {fmt(r.get('pred_sps'), ',.0f')} | "
                     f"{fmt(r.get('pred_rss'), '.2f')} | {fmt(r.get('test_r'), '.3f')} |")
    return lines


def checks(rows, max_gb: float) -> list:
    out = []
    lo, hi = rows[0], rows[-1]
    for clock, suffix in (("wall", "_s"), ("CPU", "_cpu")):   # CPU time (user + sys) is the fair clock on a shared machine
        ratios = {}
        for what, t, n in (("train", "train" + suffix, "train_spots"), ("predict", "pred" + suffix, "spots")):
            if lo.get(t) and hi.get(t) and lo.get(n) and hi.get(n):
                ratios[what] = (hi[t] / hi[n]) / (lo[t] / lo[n])
        if len(rows) < 2 or len(ratios) < 2:
            out.append(f"{clock} time per spot: not measured (needs two sizes whose train and predict both ran)")
        else:
            ok = all(v <= 1.5 for v in ratios.values())
            out.append(f"{clock} time per spot at {hi['size']:g} M / at {lo['size']:g} M: train {ratios['train']:.2f}x, predict "
                       f"{ratios['predict']:.2f}x (acceptance <= 1.5x): {'PASS' if ok else 'FAIL'}")
    rss = [(r[k], r["size"], w) for r in rows for k, w in (("train_rss", "train"), ("pred_rss", "predict")) if r.get(k) is not None]
    if not rss: out.append("peak RSS: not measured (no command ran to the end)")
    else:
        peak, size, what = max(rss)
        bound = max_gb + 1.0
        flat = {w: rows[-1][k] / rows[0][k] for k, w in (("train_rss", "train"), ("pred_rss", "predict"))
                if rows[0].get(k) and rows[-1].get(k)}
        out.append(f"peak RSS: max {peak:.2f} GB ({what}, {size:g} M spots) with --max-memory-gb {max_gb:g} (acceptance <= "
                   f"{bound:g} GB, i.e. 4 GB at 2 M spots with 3): {'PASS' if peak <= bound else 'FAIL'}; largest / smallest size: "
                   + ", ".join(f"{w} {v:.2f}x" for w, v in flat.items()))
    return out


# ---------------------------------------------------------------------------------------------------------- main
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=float, nargs="+", default=None, help="millions of cells (default 0.1 0.5 1 2; --quick: 0.02 0.05)")
    p.add_argument("--section-cells", type=int, default=None, help="cells per section (default 50,000; --quick: 10,000)")
    p.add_argument("--genes", type=int, default=None, help="genes in the file (default 2,000; --quick: 500)")
    p.add_argument("--max-memory-gb", type=float, default=3.0, help="passed to train (and to predict when it has the option)")
    p.add_argument("--threads", type=int, default=1, help="torch threads of the children (train --threads, OMP_NUM_THREADS); 0: torch's default")
    p.add_argument("--quick", action="store_true", help="0.02 and 0.05 M cells in 10k-cell sections, 500 genes: a few minutes")
    p.add_argument("--workdir", default=None, help="the temporary folder goes under this one (default: the system temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the files (default: each size's files are deleted after it ran)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--md", default=None, help="append the table (with date, machine, command and commit) to this markdown file")
    args = p.parse_args(argv)
    sizes = args.sizes or ([0.02, 0.05] if args.quick else [0.1, 0.5, 1, 2])
    section_cells = args.section_cells or (10_000 if args.quick else 50_000)
    n_genes = args.genes or (500 if args.quick else 2000)
    if min(sizes) <= 0 or section_cells < 1 or n_genes < 1: p.error("sizes, --section-cells and --genes must be > 0")
    sizes = sorted(sizes)
    cols = morph_columns()
    plan = [(s, layout(int(round(s * 1e6)), section_cells)) for s in sizes]

    base = Path(args.workdir or tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    need = [bytes_needed(sum(l), n_genes, len(cols)) for _, l in plan]
    need_total = sum(need) if args.keep else max(need)
    free = shutil.disk_usage(base).free
    print(f"disk: needs about {need_total / GB:.1f} GB under {base} ({'all sizes kept' if args.keep else 'the largest size at a time'}); "
          f"{free / GB:.1f} GB free", flush=True)
    if free < need_total * 1.1:
        print(f"not enough disk under {base}: need {need_total * 1.1 / GB:.1f} GB with a 10 % margin; use --workdir elsewhere or fewer --sizes")
        return 1
    work = Path(tempfile.mkdtemp(prefix="moest3d-scale-", dir=base))
    print(f"work folder {work}", flush=True)

    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + [q for q in os.environ.get("PYTHONPATH", "").split(os.pathsep) if q]))
    if args.threads > 0: env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    pred_mem = help_lists(env, "predict", "--max-memory-gb")
    pred_threads = help_lists(env, "predict", "--threads")
    if not pred_mem: print("note: `moest3d predict` has no --max-memory-gb option: it runs with its default", flush=True)

    rows, t_all = [], time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))            # a SIGTERM cleans up as Ctrl-C does
    try: failed = measure(plan, work, env, args, cols, n_genes, pred_mem, pred_threads, rows)
    except BaseException:                                                # Ctrl-C, SIGTERM or a bug: leave no GBs behind
        if not args.keep: shutil.rmtree(work, ignore_errors=True)
        else: print(f"\nfiles kept in {work}")
        raise
    total = time.perf_counter() - t_all
    report(rows, args, cols, n_genes, pred_mem, total, argv)
    if failed: print(f"\na command failed: logs kept in {work}")
    elif args.keep: print(f"\nfiles kept in {work}")
    else: shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def measure(plan, work, env, args, cols, n_genes, pred_mem, pred_threads, rows) -> bool:
    "Write, train and predict each size in turn, appending to `rows`; True if a command failed."
    failed = False
    for size, secs in plan:
        n = sum(secs)
        d = work / f"{size:g}M"; d.mkdir()
        data, run, pred = d / "features.h5", d / "run", d / "pred.h5ad"
        print(f"\n== {size:g} M: {n:,} cells in {len(secs)} sections of ~{secs[0]:,}, {n_genes} genes", flush=True)
        write_s = write_file(data, secs, n_genes, cols, args.seed)
        row = dict(size=size, spots=n, sections=len(secs), file_gb=data.stat().st_size / GB, write_s=write_s)
        print(f"   wrote {data.stat().st_size / GB:.2f} GB in {write_s:.1f} s ({n / write_s:,.0f} cells/s)", flush=True)
        cmd = [sys.executable, "-m", "moest3d", "train", "--data", str(data), "--dataset", "openst", "--split", "80/20",
               "--out", str(run), "--epochs", "1", "--min-steps", "0", "--max-memory-gb", f"{args.max_memory_gb:g}",
               "--threads", str(args.threads), "--seed", str(args.seed)]
        r = run_child(cmd, d / "train.log", env)
        if r["ok"]:
            ts, test_r = run_summary(run, secs)
            row.update(train_s=r["wall"], train_cpu=r["cpu"], train_spots=ts, train_sps=ts / r["wall"], train_rss=r["rss"], test_r=test_r)
            print(f"   train: {r['wall']:.1f} s ({r['cpu']:.1f} CPU s), {ts:,} training spots, {ts / r['wall']:,.0f} spots/s, peak RSS {r['rss']:.2f} GB, "
                  f"test r {fmt(test_r, '.3f')}", flush=True)
            cmd = [sys.executable, "-m", "moest3d", "predict", "--data", str(data), "--checkpoint", str(run), "--out", str(pred)]
            if pred_mem: cmd += ["--max-memory-gb", f"{args.max_memory_gb:g}"]
            if pred_threads and args.threads > 0: cmd += ["--threads", str(args.threads)]
            r = run_child(cmd, d / "predict.log", env)
            if r["ok"]:
                row.update(pred_s=r["wall"], pred_cpu=r["cpu"], pred_sps=n / r["wall"], pred_rss=r["rss"])
                print(f"   predict: {r['wall']:.1f} s ({r['cpu']:.1f} CPU s), {n / r['wall']:,.0f} spots/s, peak RSS {r['rss']:.2f} GB", flush=True)
            else: failed = True
        else: failed = True
        rows.append(row)
        if not args.keep:                                                 # the big files; logs and run metadata stay until the end
            for f in [data, pred, run / "predictions.h5"]:
                if f.exists(): f.unlink()
    return failed


def report(rows, args, cols, n_genes, pred_mem, total, argv):
    "Print the table and the checks; append them to --md."
    cmdline = "python bench/scale.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    head = (f"`{cmdline}`: synthetic Open-ST-like stack (one specimen, 10 µm apart in z, cells 10 µm apart in scanline order), "
            f"{FEAT_DIM}-d features, {len(cols)}-column morphology, {n_genes} genes; `train --dataset openst --split 80/20 --epochs 1 "
            f"--min-steps 0 --max-memory-gb {args.max_memory_gb:g} --threads {args.threads}`, then `predict` on every spot"
            + ("" if pred_mem else " (predict has no --max-memory-gb)") + f"; each a child process, peak RSS from os.wait4. "
            f"{datetime.date.today().isoformat()}, {machine()}, commit {git_commit()}; {total:.0f} s in all")
    lines = table(rows)
    chk = checks(rows, args.max_memory_gb)
    print("\n" + head + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(chk))
    if args.md:
        with open(args.md, "a") as f: f.write(f"\n### {head}\n\n" + "\n".join(lines) + "\n\n" + "\n".join(f"- {c}" for c in chk) + "\n")


if __name__ == "__main__":
    sys.exit(main())
