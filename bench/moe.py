"""Benchmark MoE expert dispatch: vectorised strategies against the per-expert boolean-mask loop.

Forward + backward time of the same function (E experts d -> 4d -> d, top-k gates) for each batch size; outputs and
input gradients must agree with the loop to 1e-5. `auto` is the model's default (`MoESTConfig.dispatch`).

    python bench/moe.py                       # CPU, batches 1,024 ... 65,536
    python bench/moe.py --device cuda --md bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from moest3d.core import seed_everything  # noqa: E402
from moest3d.model import DISPATCH, Experts, MoESTConfig, auto_dispatch  # noqa: E402

METHODS = ("loop", "sort", "bmm")
DEFAULT = MoESTConfig().dispatch  # "auto": resolved per device and routing by `auto_dispatch`


def routing(B, E, k, skew, device, gen):
    "Random top-k routing: `balanced` (i.i.d. logits) or `skewed` (one expert gets most spots)."
    logits = torch.randn(B, E, generator=gen).to(device)
    if skew: logits[:, 0] += 2.5
    top_p, idx = logits.softmax(-1).topk(k, -1)
    return idx, top_p / top_p.sum(-1, keepdim=True)


def sync(device):
    if device.type == "cuda": torch.cuda.synchronize()


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def fwd_bwd(ex, x, idx, top_p, g, method, device, clock=time.perf_counter):
    "Seconds of one forward + backward, the output and the input gradient."
    x.grad = None
    sync(device); t0 = clock()
    y = ex(x, idx, top_p, method)
    (y * g).sum().backward()
    sync(device)
    return clock() - t0, y.detach(), x.grad.detach().clone()


def time_methods(ex, x, idx, top_p, g, runs, device, clock):
    "Per method: (min seconds over `runs` runs, output, input gradient); methods interleave so load spikes hit all alike."
    res = {m: fwd_bwd(ex, x, idx, top_p, g, m, device, clock) for m in METHODS}  # these outputs are compared
    times = {m: [res[m][0]] for m in METHODS}
    for _ in range(runs - 1):
        for m in METHODS: times[m].append(fwd_bwd(ex, x, idx, top_p, g, m, device, clock)[0])
    return {m: (min(times[m]), res[m][1], res[m][2]) for m in METHODS}


def runs_for(B, device):
    "Runs per method (the best counts, so a slow first run does no harm): fewer at big CPU batches to keep the benchmark to a few minutes."
    if device.type == "cuda": return 20
    return 5 if B <= 4096 else 3 if B <= 16384 else 2


def run(args):
    device = torch.device(args.device)
    if args.threads: torch.set_num_threads(args.threads)
    seed_everything(0)
    ex = Experts(args.d, args.experts, 4, 0.0).to(device)
    gen = torch.Generator().manual_seed(0)
    rows = []
    for B in args.batches:
        x = torch.randn(B, args.d, generator=gen).to(device).requires_grad_()
        g = torch.randn(B, args.d, generator=gen).to(device)
        idx, top_p = routing(B, args.experts, args.k, args.routing == "skewed", device, gen)
        res = time_methods(ex, x, idx, top_p, g, runs_for(B, device), device, CLOCKS[args.clock])
        ref_y, ref_dx = res["loop"][1], res["loop"][2]
        for m in METHODS[1:]:
            torch.testing.assert_close(res[m][1], ref_y, rtol=1e-5, atol=1e-5, msg=lambda s: f"{m} output, B={B}: {s}")
            torch.testing.assert_close(res[m][2], ref_dx, rtol=1e-5, atol=1e-5, msg=lambda s: f"{m} grad, B={B}: {s}")
        cap = int(torch.bincount(idx.reshape(-1), minlength=args.experts).max())
        default = auto_dispatch(device, idx, args.experts) if DEFAULT == "auto" else DEFAULT
        rows.append((B, {m: res[m][0] for m in METHODS}, args.experts * cap / idx.numel(), default))
        print(f"B={B:>6}: " + "  ".join(f"{m} {res[m][0] * 1e3:8.1f} ms" for m in METHODS) + f"  (default: {default})", flush=True)
    return rows


def table(rows, args):
    "Markdown table: best ms per forward+backward and speed-up over the loop."
    head = "| batch | bmm padding (E·C / B·k) | " + " | ".join(f"{m} ms" for m in METHODS) + " | " + \
           " | ".join(f"{m} speed-up vs loop" for m in METHODS[1:]) + " | fastest | default (auto) |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for B, t, pad, default in rows:
        fastest = min(t, key=t.get)
        lines.append(f"| {B:,} | {pad:.2f} | " + " | ".join(f"{t[m] * 1e3:.1f}" for m in METHODS) + " | " +
                     " | ".join(f"{t['loop'] / t[m]:.2f}×" for m in METHODS[1:]) + f" | {fastest} | {default} |")
    return "\n".join(lines)


def cpu_name():
    "The CPU model from /proc/cpuinfo (Linux), else what platform knows."
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"): return line.split(":", 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()


def machine(args):
    dev = torch.device(args.device)
    if dev.type == "cuda": what = torch.cuda.get_device_name(dev)
    else: what = f"CPU {cpu_name()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}"
    return (f"{what}; torch {torch.__version__}; E={args.experts}, k={args.k}, d={args.d}, routing {args.routing}, float32; "
            f"{args.clock} clock, best of {'20' if dev.type == 'cuda' else '5/3/2'} runs; load average {os.getloadavg()[0]:.1f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--batches", type=int, nargs="+", default=[1024, 4096, 16384, 65536])
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--k", type=int, default=2)
    p.add_argument("--d", type=int, default=256)
    p.add_argument("--routing", choices=("balanced", "skewed"), default="balanced")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")
    p.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                   help="wall: elapsed time; cpu: process CPU time (steadier on a shared machine, CPU only, use with --threads 1)")
    p.add_argument("--md", type=Path, help="also append the table (with the machine) to this markdown file")
    args = p.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        p.error("--device cuda but no CUDA device is available")
    if args.clock == "cpu" and not args.device == "cpu": p.error("--clock cpu only measures CPU work; use --clock wall on a GPU")
    assert set(DISPATCH) >= set(METHODS)
    rows = run(args)
    out = f"MoE dispatch, forward + backward ({machine(args)}); default `{DEFAULT}`\n\n{table(rows, args)}\n"
    print("\n" + out)
    slow = [B for B, t, _, default in rows if t[default] > 1.05 * min(t.values())]
    if slow: print(f"note: the default was more than 5% slower than the fastest at B = {slow}")
    if args.md:
        with open(args.md, "a") as f: f.write("\n" + out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
