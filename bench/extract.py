"""Throughput of the step-2 encoders: patches/s, FLOPs per patch, and the fraction of the device's matmul peak reached.

    python bench/extract.py [--device cpu|cuda|cuda:N] [--encoders morpho,sobel,uni,uni2-h] [--batches K] [--threads T]

Random weights (nothing to download). Each row times `--batches` batches after one warm-up batch of random uint8 patches
already on the device (no disk reading): the encoder's forward pass, resize and normalisation included. `sobel` is the
Sobel maps + router descriptor that `extract` adds to every encoder. FLOPs are counted once on the meta device with
torch.utils.flop_counter.FlopCounterMode (matmuls and convolutions; timm's fused attention is switched to its explicit
form so the attention matmuls count too; element-wise work is not counted). The peak is a large torch.matmul in the same
precision on the same device.
"""
from __future__ import annotations

import argparse
import platform
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from moest3d.encoders import PRESETS, MorphoEncoder, create_timm, get_encoder
from moest3d.features import parse_device
from moest3d.sobel import SobelDescriptor

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


def sync(dev):
    if dev.type == "cuda": torch.cuda.synchronize(dev)


def matmul_peak(dev, precision: str, n: int, reps: int) -> float:
    "FLOP/s of an n×n×n torch.matmul in `precision` on `dev`."
    a = torch.randn(n, n, device=dev, dtype=DTYPES[precision])
    b = torch.randn(n, n, device=dev, dtype=DTYPES[precision])
    for _ in range(2): a @ b
    sync(dev)
    t = time.perf_counter()
    for _ in range(reps): a @ b
    sync(dev)
    return 2 * n ** 3 * reps / (time.perf_counter() - t)


def flops_per_patch(name: str, px: int) -> float:
    "Matmul/conv FLOPs of one patch, counted on the meta device (nothing allocated, nothing run)."
    x = torch.empty(1, px, px, 3, dtype=torch.uint8, device="meta")
    if name in PRESETS:
        s = PRESETS[name]
        model = create_timm(s.arch, meta=True, **s.kwargs())
        for m in model.modules():
            if hasattr(m, "fused_attn"): m.fused_attn = False   # explicit attention matmuls, which the counter sees
        fn, x = model, torch.empty(1, 3, s.img_size, s.img_size, device="meta")
    elif name == "morpho": fn = MorphoEncoder().to("meta")
    else: fn = SobelDescriptor().to("meta")
    with torch.inference_mode(), FlopCounterMode(display=False) as fc: fn(x)
    return float(fc.get_total_flops())


def time_batches(enc, x, batches, dev) -> float:
    "Patches/s of `enc` on `x` over `batches` batches after one warm-up batch."
    with torch.inference_mode():
        enc(x); sync(dev)
        t = time.perf_counter()
        for _ in range(batches): enc(x)
        sync(dev)
    return len(x) * batches / (time.perf_counter() - t)


def rows(name, dev, gpu, batches):
    "Yield (precision, px, batch, patches/s) for one encoder, built once (random weights)."
    patches = lambda b, px: torch.randint(0, 256, (b, px, px, 3), dtype=torch.uint8,
                                          generator=torch.Generator().manual_seed(0)).to(dev)
    if name in ("morpho", "sobel"):
        enc = SobelDescriptor().to(dev) if name == "sobel" else get_encoder("morpho", device=dev)
        b = 1024 if gpu else 256
        for px in (64, 224): yield "fp32", px, b, time_batches(enc, patches(b, px), batches, dev)
        return
    enc = get_encoder(name, device=dev, random_init=True)
    b = {"uni": 256, "uni2-h": 128}[name] if gpu else {"uni": 2, "uni2-h": 1}[name]
    for prec in ("fp32", "bf16"):
        enc.precision = prec
        yield prec, 224, b, time_batches(enc, patches(b, 224), batches, dev)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--encoders", default="morpho,sobel,uni,uni2-h")
    p.add_argument("--batches", type=int, help="timed batches per row (default: 2 on CPU, 10 on GPU)")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    args = p.parse_args(argv)
    dev = parse_device(args.device)
    gpu = dev.type == "cuda"
    if args.threads: torch.set_num_threads(args.threads)
    batches = args.batches or (10 if gpu else 2)
    names = [n.strip() for n in args.encoders.split(",") if n.strip()]
    bad = [n for n in names if n not in ("morpho", "sobel", *PRESETS)]
    if bad: p.error(f"unknown encoders {bad}; choose from morpho, sobel, {', '.join(PRESETS)}")
    precs = ["fp32"] + (["bf16"] if any(n in PRESETS for n in names) else [])
    peak = {pr: matmul_peak(dev, pr, 8192 if gpu else 2048, 20 if gpu else 3) for pr in precs}
    where = torch.cuda.get_device_name(dev) if gpu else f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
    print(f"device: {dev} ({where}); torch {torch.__version__}; {batches} timed batches per row after 1 warm-up")
    print("matmul peak: " + ", ".join(f"{pr} {v / 1e12:.2f} TFLOP/s" for pr, v in peak.items()))
    head = f"{'encoder':8} {'prec':5} {'px':>4} {'batch':>5} {'patches/s':>10} {'GFLOP/patch':>12} {'TFLOP/s':>8} {'% peak':>7}"
    print(head); print("-" * len(head))
    for name in names:
        for prec, px, batch, rate in rows(name, dev, gpu, batches):
            f = flops_per_patch(name, px)
            tf = rate * f
            print(f"{name:8} {prec:5} {px:>4} {batch:>5} {rate:>10.2f} {f / 1e9:>12.3f} {tf / 1e12:>8.4f} {100 * tf / peak[prec]:>6.1f}%",
                  flush=True)


if __name__ == "__main__":
    main()
