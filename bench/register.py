"""Registration against known transforms (issue 23): every real H&E here, moved by a random rigid transform, registered back.

    python bench/register.py                       # all sections, 20 trials each: the table of target registration error
    python bench/register.py --trials 5 --only mob # a quick look at one data set
    python bench/register.py --md bench/RESULTS.md # also append the tables to RESULTS.md

Each trial takes one section's H&E image and its spots and makes a "moving" copy as a neighbouring section would come
off the slide: any rotation, a mirror half the time, a shift of up to 20 % of the image width, colour and brightness
jitter, a band of about 10 % of the tissue cut away and one edge torn (both blanked in the image, their spots gone),
and the spot lattice moved against the tissue by up to half a pitch (a neighbour's spots never sit where this
section's sat). Patches are sampled at the moved spots as `prepare` would crop them from the moved slide, and
`moest3d.register.align_sections` registers the copy back onto the original from patches and spots alone. The target
registration error (TRE) of a spot is the distance between where the registration puts it and where the known
transform says it belongs (µm). Seeded: trial t of section s always draws the same transform.
"""
from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import platform
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import ndimage  # noqa: E402

from moest3d.core import progress  # noqa: E402
from moest3d.patches import crop_patches, read_image  # noqa: E402
from moest3d.register import align_sections, apply_matrix, register_sections, rigid_matrix, section_image  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PATCH_UM, PATCH_PX = 112.0, 32     # prepare's patch size in µm; few pixels: the registration works at ~8-16 µm anyway


def mob_sections(root):
    "MOB1..4: (name, image, spot pixel centres (x = column, y = row), µm per pixel)."
    from moest3d.st import lattice_fit, read_alignment
    for i in range(1, 5):
        spots = read_alignment(root / f"alignment_table_MOB{i}.tsv")
        ps = lattice_fit(spots)["pixel_size_um"]
        spots = spots[spots.selected == 1]
        yield f"MOB{i}", read_image(root / f"MOB{i}.jpg"), spots[["pixel_x", "pixel_y"]].to_numpy(float), ps


def dlpfc_sections(root):
    "The four DLPFC sections on their low-resolution image (the only one here; ~16 µm per pixel)."
    import json
    from moest3d.visium import lattice_pitch_px
    for s in ("151673", "151674", "151675", "151676"):
        sp = root / s / "spatial"
        pos = pd.read_csv(sp / "tissue_positions_list.csv", header=None, index_col=0)
        pos = pos[pos[1] == 1]
        sf = json.loads((sp / "scalefactors_json.json").read_text())["tissue_lowres_scalef"]
        full = pos[[5, 4]].to_numpy(float)                      # (col, row) full-resolution pixels
        ps_full = 100.0 / lattice_pitch_px(full)                 # Visium's 100 µm centre to centre
        yield s, read_image(sp / "tissue_lowres_image.png"), full * sf, ps_full / sf


def her2st_sections(root):
    "HER2-ST B4, its full-resolution H&E reduced 4× (about 2.8 µm per pixel)."
    from PIL import Image
    from moest3d.her2st import HER2ST_PIXEL_UM, read_spots
    spots = read_spots(root / "ST-spotfiles" / "B4_selection.tsv")
    img = next((root / "ST-imgs" / "B" / "B4").glob("*.jpg"))
    Image.MAX_IMAGE_PIXELS = None
    with Image.open(img) as im: small = np.asarray(im.convert("RGB").reduce(4))
    yield "B4", small, spots[["pixel_x", "pixel_y"]].to_numpy(float) / 4, HER2ST_PIXEL_UM["B"] * 4


def misar_sections(root):
    "MISAR-seq E15.5: the H&E cropped to the 50 × 50 grid, tissue pixels as spots."
    from moest3d.misar import MISAR_CHANNEL_UM, grid_centres_px, read_positions
    img = read_image(root / "E15_5-S1-HE.jpg")
    cr = read_positions(root / "position_E15_5-S1.txt")
    H, W = img.shape[:2]
    yield "E15_5-S1", img, grid_centres_px(cr[:, 0], cr[:, 1], W, H), 99 * MISAR_CHANNEL_UM / W


DATASETS = {"mob": mob_sections, "dlpfc": dlpfc_sections, "her2st": her2st_sections, "misar": misar_sections}


def background(img) -> np.ndarray:
    "The slide's colour: the median of the image border."
    b = np.concatenate([img[:4].reshape(-1, 3), img[-4:].reshape(-1, 3), img[:, :4].reshape(-1, 3), img[:, -4:].reshape(-1, 3)])
    return np.median(b, 0)


def moved_patches(img, xy_px, ps, rng):
    """(patches of the moved copy, its spot centres px, T: original px -> moved px, flip) for one trial (the module's
    docstring): each patch is sampled from the original image through T⁻¹ (bilinear), as `crop_patches` would cut it from
    the moved slide, which is never drawn whole."""
    H, W = img.shape[:2]
    angle, flip = rng.uniform(0, 360), bool(rng.random() < 0.5)
    c = np.array([W / 2, H / 2])
    T = rigid_matrix(angle, flip, c, c, rng.uniform(-0.2, 0.2, 2) * W)     # original pixel -> moved pixel
    pitch = np.median(np.sort(np.linalg.norm(xy_px[:, None] - xy_px[None, :200], axis=-1), 0)[1])
    xy = apply_matrix(T, xy_px) + rng.uniform(-0.5, 0.5, 2) * pitch       # the lattice moves against the tissue
    # a straight cut through ~10 % of the tissue and a torn (ragged) edge elsewhere: the moved frame's "gone" test
    cuts = []
    for kind in ("cut", "tear"):
        d = rng.normal(size=2); d /= np.linalg.norm(d)
        q = np.quantile(xy @ d, 0.90 if kind == "cut" else 0.95)
        wave = ndimage.gaussian_filter1d(rng.normal(size=512), 6) * 6 * pitch if kind == "tear" else np.zeros(512)
        cuts.append((d, q, wave))
    span = np.linalg.norm([H, W]) * 1.5
    def gone(p):
        out = np.zeros(len(p), bool)
        for d, q, wave in cuts:
            perp = -p[:, 0] * d[1] + p[:, 1] * d[0]
            out |= p @ d > q + np.interp(perp, np.linspace(-span, span, 512), wave)
        return out
    keep = ~gone(xy)
    xy = xy[keep]
    P, w = PATCH_PX, PATCH_UM / ps                                          # patch pixels, patch width in image pixels
    u = ((np.arange(P) + 0.5) / P - 0.5) * w
    grid = xy[:, None, None, :] + np.stack(np.meshgrid(u, u), -1)[None]      # (N, P, P, 2) moved-frame (x, y)
    flat = grid.reshape(-1, 2)
    src = apply_matrix(np.linalg.inv(T), flat)
    bg = background(img)
    out = np.stack([ndimage.map_coordinates(img[..., ch].astype(np.float32), [src[:, 1], src[:, 0]], order=1, cval=float(bg[ch]))
                    for ch in range(3)], -1)
    out[gone(flat)] = bg
    gain, gamma, off = rng.uniform(0.85, 1.15, 3), rng.uniform(0.7, 1.4), rng.uniform(-20, 20)   # colour and brightness
    out = np.clip(255 * ((out / 255.0) ** gamma) * gain + off, 0, 255).astype(np.uint8)
    return out.reshape(len(xy), P, P, 3), xy, T, flip


def fixed_image(name, img, xy_px, ps):
    "The original section as `register` sees it: patches cropped as `prepare` crops them."
    return section_image(xy_px * ps, crop_patches(img, xy_px, ps, PATCH_UM, PATCH_PX, desc=name)[0], PATCH_UM)


def trial(name, img, xy_px, ps, seed, affine=False, fixed=None):
    "One known-transform trial: TRE (µm) of every moved spot, whether the mirror was found, seconds; `fixed`: the section's `fixed_image`, made once for all its trials."
    rng = np.random.default_rng(seed)
    fixed = fixed or fixed_image(name, img, xy_px, ps)
    moving_p, mxy, T, flip = moved_patches(img, xy_px, ps, rng)
    t0 = time.perf_counter()
    al = align_sections(fixed, section_image(mxy * ps, moving_p, PATCH_UM), affine=affine)
    secs = time.perf_counter() - t0
    truth = apply_matrix(np.linalg.inv(T), mxy) * ps           # where each moved spot belongs, in the original's µm
    tre = np.linalg.norm(apply_matrix(al.matrix, mxy * ps) - truth, axis=1)
    return tre, al.flip == flip, al, secs


@functools.lru_cache(maxsize=None)
def sections(root: str, ds: str) -> list:
    "A data set's sections, loaded once per process."
    return list(DATASETS[ds](Path(root) / ds))


@functools.lru_cache(maxsize=None)
def fixed_images(root: str, ds: str, k: int):
    "Section k's `fixed_image`, once per process."
    return fixed_image(*sections(root, ds)[k])


def run_one(task):
    "One (data set, section index, trial) task: its row."
    root, ds, k, t, affine = task
    name, img, xy, ps = sections(root, ds)[k]
    tre, ok, al, secs = trial(name, img, xy, ps, seed=zlib.crc32(name.encode()) + t, affine=affine, fixed=fixed_images(root, ds, k))
    return dict(dataset=ds, section=name, um_per_px=ps, spots=len(xy), trial=t, tre=tre, mirror_right=ok,
                ambiguous=al.ambiguous, margin=al.margin, score=al.score, seconds=secs)


def summary(per: pd.DataFrame) -> pd.DataFrame:
    "Per section: TRE median and 95th percentile over all spots of all trials, the worst trial's median, mirrors found."
    rows = []
    for (ds, name), g in per.groupby(["dataset", "section"], sort=False):
        allt = np.concatenate(g.tre.to_list())
        rows.append(dict(dataset=ds, section=name, um_per_px=g.um_per_px.iloc[0], spots=g.spots.iloc[0], trials=len(g),
                         median_um=np.median(allt), p95_um=np.quantile(allt, 0.95),
                         worst_trial_median_um=max(np.median(t) for t in g.tre), mirrors_right=f"{g.mirror_right.sum()}/{len(g)}",
                         ambiguous=int(g.ambiguous.sum()), min_margin=g.margin.min(), s_per_registration=g.seconds.mean()))
    return pd.DataFrame(rows)


def real_pairs(root: Path, work: Path) -> pd.DataFrame:
    "The real neighbouring pairs of MOB and DLPFC, prepared once into `work`: `register_sections`' quality table (labels and expression agreement are checks; neither moves a section)."
    import warnings
    from moest3d.prepare import prepare
    work.mkdir(parents=True, exist_ok=True)
    out = []
    for ds, fmt, common in (("mob", "st", True), ("dlpfc", "anndata", False)):
        h5 = work / f"{ds}.h5"
        if not h5.exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore"); prepare(fmt, root / ds, h5, patch_px=PATCH_PX)
        t0 = time.perf_counter()
        _, q = register_sections(h5, common=common, quiet=True)
        out.append(q.assign(specimen=ds, seconds=round(time.perf_counter() - t0, 1)))
    q = pd.concat(out, ignore_index=True)
    cols = [c for c in ("specimen", "pair", "dice_before", "dice_after", "overlay_before", "overlay_after", "labels_before", "labels_after",
                        "expression_before", "expression_after", "mirror_ambiguous", "seconds") if c in q]
    q = q[cols].round(3)
    print("\nreal neighbouring pairs:"); print(q.to_string(index=False))
    return q


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--only", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--data", default=str(SHARED), help="the shared data folder")
    p.add_argument("--affine", action="store_true", help="refine with an affine transform after the rigid one")
    p.add_argument("--jobs", type=int, default=2, help="processes (default 2: both cores)")
    p.add_argument("--md", default=None, help="append the table to this markdown file")
    p.add_argument("--no-pairs", dest="pairs", action="store_false", help="skip the real neighbouring pairs of MOB and DLPFC")
    p.add_argument("--work", default="runs/bench-register", help="where the prepared MOB and DLPFC files are kept")
    args = p.parse_args(argv)
    t0 = time.time()
    counts = {ds: len(sections(args.data, ds)) for ds in args.only}   # loaded before the fork: the workers inherit them
    tasks = [(args.data, ds, k, t, args.affine) for ds in args.only for k in range(counts[ds]) for t in range(args.trials)]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        per = pd.DataFrame(list(progress(pool.imap(run_one, tasks, chunksize=args.trials), total=len(tasks), desc="register trials", unit="trial")))
    tab = summary(per)
    allt = np.concatenate(per.tre.to_list())
    head = (f"`python bench/register.py --trials {args.trials}{' --affine' if args.affine else ''}`: {len(per)} known-transform trials "
            f"over {len(tab)} sections; TRE over every spot of every trial (µm); {time.time() - t0:.0f} s on {platform.machine()} "
            f"({os.cpu_count()} cores, {args.jobs} processes)")
    fmt = tab.round({"um_per_px": 1, "median_um": 1, "p95_um": 1, "worst_trial_median_um": 1, "min_margin": 3, "s_per_registration": 1})
    overall = (f"overall: TRE median {np.median(allt):.1f} µm, 95th percentile {np.quantile(allt, 0.95):.1f} µm, "
               f"mirrors right {per.mirror_right.sum()}/{len(per)}, ambiguous {per.ambiguous.sum()}; "
               f"goal median ≤ 20 µm, 95th percentile ≤ 50 µm, every mirror right: "
               + ("MET" if np.median(allt) <= 20 and np.quantile(allt, 0.95) <= 50 and per.mirror_right.all() else "NOT MET"))
    print(head); print(fmt.to_string(index=False)); print(overall)
    pairs = real_pairs(Path(args.data), Path(args.work)) if args.pairs else None
    if args.md:
        from moest3d.evaluate import to_markdown
        with open(args.md, "a") as f:
            f.write(f"\n### {head}\n\n{to_markdown(fmt)}\n\n{overall}\n")
            if pairs is not None: f.write(f"\nReal neighbouring pairs (`moest3d register`'s quality table; MOB with `--common-frame`):\n\n{to_markdown(pairs)}\n")


if __name__ == "__main__":
    main()
