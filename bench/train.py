"""Benchmark MoEST+ training and prediction on a HER2-ST-sized problem with random data.

13,620 spots in 36 sections of 8 patients (6 or 3 serial sections each), 1,024-d features, 250 genes, a 16-column
morphology descriptor. The data go through the real path: a features H5 on disk -> `SpotData` (in memory) ->
`BlockSampler` spatial blocks -> `total_loss` -> AdamW. Prints training and prediction throughput (spots/s) and peak
memory (process RSS on CPU; `torch.cuda.max_memory_allocated` on GPU).

    python bench/train.py                          # CPU
    python bench/train.py --device cuda --md bench/RESULTS.md
"""
from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from moest3d.core import seed_everything  # noqa: E402
from moest3d.data import Section, write_h5  # noqa: E402
from moest3d.dataset import fit_norm, section_table  # noqa: E402
from moest3d.losses import total_loss  # noqa: E402
from moest3d.model import MoESTPlus  # noqa: E402
from moest3d.loop import TrainConfig, block_seed, lr_factor, predict_moest  # noqa: E402
from moest3d.spots import BlockSampler, SpotData, to_batch  # noqa: E402
from moest3d.train import model_config  # noqa: E402

PATIENTS = {p: 6 if p in "ABCD" else 3 for p in "ABCDEFGH"}   # 36 sections, as HER2-ST
N_SPOTS, FEAT_DIM, N_GENES, MORPH = 13_620, 1024, 250, 16


def make_data(path, seed=0, n_spots=N_SPOTS):
    "A HER2-ST-shaped features H5 of random numbers, `n_spots` spots over its 36 sections (200 µm grid, z = 16 µm per section), written section by section."
    rng = np.random.default_rng(seed)
    names = [f"{p}{i + 1}" for p, n in PATIENTS.items() for i in range(n)]
    sizes = np.full(len(names), n_spots // len(names)); sizes[: n_spots - sizes.sum()] += 1
    cols = ["sobel_mean", "boundary"] + [f"m{j}" for j in range(MORPH - 2)]
    def sections():
        for name, n in zip(names, sizes):
            side = int(np.ceil(np.sqrt(n)))
            xy = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)[:n] * 200.0
            z = (int(name[1:]) - 1) * 16.0
            yield Section(name, {"coords_3d": np.c_[xy, np.full(n, z)],
                                 "uni_features": rng.normal(size=(n, FEAT_DIM)).astype(np.float32),
                                 "morph_descriptor": rng.uniform(size=(n, MORPH)).astype(np.float32),
                                 "expression": rng.poisson(4.0, size=(n, N_GENES)).astype(np.int32)},
                          {"patient": name[0], "specimen": name[0], "z_um": z,
                           "uni_features.encoder": "random", "morph_descriptor.columns": list(cols)})
    write_h5(path, sections(), [f"G{j}" for j in range(N_GENES)], attrs={"dataset": "her2st"})
    return path


def peak_memory(device) -> str:
    if device.type == "cuda": return f"{torch.cuda.max_memory_allocated(device) / 2**20:,.0f} MiB GPU (max allocated)"
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MiB RSS (process peak)"


def bench(method, data, device, epochs, batch_spots, overrides):
    "Train `epochs` epochs of `method` on all spots and predict them all; return a result row."
    table = section_table(data)
    norm = fit_norm(data, list(table.section), table=table, genes=[f"G{j}" for j in range(N_GENES)])
    cfg = model_config(method, norm, N_GENES, overrides=overrides)
    sd = SpotData(data, list(table.section), norm, [f"G{j}" for j in range(N_GENES)], table=table, pool_k=cfg.pool_k)
    seed_everything(0)
    model = MoESTPlus(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    sampler = BlockSampler(sd, batch_spots)
    amp = device.type == "cuda"
    if device.type == "cuda": torch.cuda.reset_peak_memory_stats(device)
    spots, t_train = 0, 0.0
    for epoch in range(epochs + 1):                       # epoch 0 is a warm-up, not timed
        blocks = sampler.epoch(epoch)
        if device.type == "cuda": torch.cuda.synchronize()
        t0 = time.perf_counter()
        for bi, b in enumerate(blocks):
            torch.manual_seed(block_seed(0, epoch, bi))
            batch = to_batch(sd.get(b), device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                out = model(batch["feats"], batch["coords"], batch["morph"], None, batch["sobel_mean"], batch.get("ctx"))
            out = {k: (v.float() if torch.is_tensor(v) and v.is_floating_point() else v) for k, v in out.items()}
            loss, _ = total_loss(out, batch, cfg)
            opt.zero_grad(set_to_none=True); loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
            if epoch: spots += len(b)
        if device.type == "cuda": torch.cuda.synchronize()
        if epoch: t_train += time.perf_counter() - t0
    inputs = SpotData(data, list(table.section), norm, table=table, pool_k=cfg.pool_k)
    t0 = time.perf_counter()
    predict_moest(model, inputs, list(table.section), table, device, eval_spots=4096, context_sections=1)
    if device.type == "cuda": torch.cuda.synchronize()
    t_pred = time.perf_counter() - t0
    return dict(method=method, device=str(device), d_model=cfg.d_model, batch=batch_spots,
                train_sps=spots / t_train, pred_sps=len(inputs) / t_pred, epoch_s=t_train / epochs, peak=peak_memory(device))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default=None, help="cpu, cuda[:N]; default: cpu, and cuda too when available")
    p.add_argument("--methods", nargs="+", default=["moest", "moest-original"])
    p.add_argument("--epochs", type=int, default=1, help="timed epochs (after one warm-up epoch)")
    p.add_argument("--batch-spots", type=int, default=TrainConfig().batch_spots)
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="MoESTConfig override")
    p.add_argument("--spots", type=int, default=N_SPOTS, help=f"spots in all (default {N_SPOTS:,}, HER2-ST's; e.g. 1000000)")
    p.add_argument("--md", default=None, help="append the table to this markdown file")
    args = p.parse_args(argv)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    if args.threads: torch.set_num_threads(args.threads)
    from moest3d.core import parse_set
    from moest3d.model import MoESTConfig
    devices = [args.device] if args.device else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    with tempfile.TemporaryDirectory() as d:
        data = make_data(Path(d) / "bench.h5", n_spots=args.spots)
        rows = [bench(m, data, torch.device(dev), args.epochs, args.batch_spots, parse_set(args.set, MoESTConfig))
                for dev in devices for m in args.methods]
    head = (f"{'HER2-ST-sized' if args.spots == N_SPOTS else 'HER2-ST-shaped'} random problem: {args.spots:,} spots, {FEAT_DIM}-d features, {N_GENES} genes; "
            f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {platform.processor() or platform.machine()}"
            + (f", {torch.cuda.get_device_name()}" if torch.cuda.is_available() else "")
            + f"; process RSS after imports {base_rss:,.0f} MiB (the CPU peak below includes it and is cumulative over rows)")
    lines = ["| method | device | d_model | spots/block | train spots/s | epoch s | predict spots/s | peak memory |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['device']} | {r['d_model']} | {r['batch']} | {r['train_sps']:,.0f} | {r['epoch_s']:.1f} | "
              f"{r['pred_sps']:,.0f} | {r['peak']} |" for r in rows]
    print(head); print("\n".join(lines))
    if args.md:
        with open(args.md, "a") as f: f.write(f"\n{head}\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
