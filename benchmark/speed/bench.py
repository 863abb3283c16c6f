"""Speed benchmarks; every figure is a ratio against an anchor measured in the same run.

``python -m benchmark.speed render`` renders the same random specs through
  sprite     this project's default: cached layer sprites composited with numpy,
  reference  this project's whole document (composed from cached parts) rasterised by resvg,
  pa+resvg   python-avatars' own ``Avatar(...).render()`` rasterised by the same resvg,
  pa+cairo   python-avatars' SVG rasterised by CairoSVG (what py-avataaars users do),
one thread each, warm caches, and prints ms/avatar and the ratios against the sprite path.
``python -m benchmark.speed load`` times the dataset cache through a DataLoader against PNG files;
``python -m benchmark.speed train`` times training steps against a plain DCGAN (speed/train.py).
``--batch-count N`` also runs the sharded batch job (``collection render``) for N avatars at 64 px
with ``--workers`` processes into an array file, starting from an empty sprite cache (the fill is
included in the time).
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time

import numpy as np

from collection import Job, rasterise, render, render_reference, run_job, sample_spec, seeded_rng

from .reference import python_avatars_svg


def _time_per_image(fn, specs, size, repeats=3) -> float:
    """Median over ``repeats`` passes of seconds per image."""
    for spec in specs[:5]:
        fn(spec, size)  # warm caches
    passes = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for spec in specs:
            fn(spec, size)
        passes.append((time.perf_counter() - t0) / len(specs))
    return statistics.median(passes)


def _python_avatars_resvg(spec, size):
    return rasterise(python_avatars_svg(spec, size))


def _python_avatars_cairosvg(spec, size):
    import cairosvg
    from PIL import Image

    png = cairosvg.svg2png(bytestring=python_avatars_svg(spec, size).encode("utf-8"),
                           output_width=size, output_height=size, background_color="white")
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGB"))


def _sprite(spec, size):
    return render(spec, size, "sprite")


def bench_render(n: int, sizes: list[int], batch_count: int, workers: int) -> None:
    specs = [sample_spec(seeded_rng("speed", 0, i)) for i in range(n)]
    try:
        import cairosvg  # noqa: F401
        have_cairo = True
    except (ImportError, OSError) as e:
        have_cairo = False
        print(f"pa+cairo skipped: CairoSVG unavailable ({e}); pip install -e '.[bench]' and libcairo2")
    print(f"render benchmark: {n} random avatars, one thread, warm caches, RGB uint8 out; ms/avatar")
    print(f"{'size':>5} {'sprite':>8} {'reference':>10} {'pa+resvg':>9} {'pa+cairo':>9} | "
          f"{'ref/sprite':>10} {'pa+resvg/sprite':>15} {'pa+cairo/sprite':>15} {'pa+resvg/ref':>12}")
    for size in sizes:
        sprite = _time_per_image(_sprite, specs, size)
        reference = _time_per_image(render_reference, specs, size)
        pa = _time_per_image(_python_avatars_resvg, specs, size)
        cairo = _time_per_image(_python_avatars_cairosvg, specs, size) if have_cairo else float("nan")
        print(f"{size:>5} {sprite * 1e3:>8.3f} {reference * 1e3:>10.3f} {pa * 1e3:>9.3f} {cairo * 1e3:>9.3f} | "
              f"{reference / sprite:>9.1f}x {pa / sprite:>14.1f}x {cairo / sprite:>14.1f}x {pa / reference:>11.2f}x")
    if batch_count:
        saved = os.environ.get("AIMI_SPRITE_CACHE")
        with tempfile.TemporaryDirectory() as tmp:
            # an empty sprite cache, so that its fill is part of the measured time
            os.environ["AIMI_SPRITE_CACHE"] = os.path.join(tmp, "sprites")
            try:
                job = Job("avatars", seed=0, count=batch_count, size=64, chunk=1024)
                t0 = time.perf_counter()
                run_job(job, os.path.join(tmp, "out"), workers=workers, progress=True)
                seconds = time.perf_counter() - t0
            finally:
                if saved is None:
                    del os.environ["AIMI_SPRITE_CACHE"]
                else:
                    os.environ["AIMI_SPRITE_CACHE"] = saved
        rate = batch_count / seconds
        print(f"batch: {batch_count} avatars at 64 px into an array file, {workers} process(es), "
              f"sprite cache filled from empty: {seconds:.1f} s ({rate:.0f} avatars/s)")


class _PngFolder:
    """The anchor: a dataset that reads one PNG file per image (source, target, mask) per item."""

    def __init__(self, folder, n):
        self.folder, self.n = folder, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        from PIL import Image

        out = {}
        for name in ("source", "target", "mask"):
            with Image.open(os.path.join(self.folder, f"{i:05d}_{name}.png")) as im:
                out[name] = np.array(im)
        return out


class _InMemory:
    """The ceiling: the same bytes already in memory."""

    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays["source"])

    def __getitem__(self, i):
        return {name: self.arrays[name][i] for name in ("source", "target", "mask")}


def _loader_rate(dataset, workers: int, epochs: int = 2, collate_fn=None) -> float:
    import torch

    loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True, num_workers=workers,
                                         generator=torch.Generator().manual_seed(0), collate_fn=collate_fn,
                                         persistent_workers=workers > 0)
    for _ in loader:  # warm: workers started, files in the page cache
        break
    t0 = time.perf_counter()
    n = 0
    for _ in range(epochs):
        for batch in loader:
            n += len(batch["source"])
    return n / (time.perf_counter() - t0)


def bench_load(size: int, workers: int, split: str = "train") -> None:
    from PIL import Image

    import aimi

    train = aimi.load(split, size=size)
    arrays = {name: np.array(train._open()[name]) for name in ("source", "target", "mask")}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(len(train)):
            for name in ("source", "target", "mask"):
                image = arrays[name][i] * (255 if name == "mask" else 1)
                Image.fromarray(image).save(os.path.join(tmp, f"{i:05d}_{name}.png"))
        print(f"load benchmark: {len(train)} {split} triplets at {size} px, batches of 64, shuffled, "
              f"samples/s through a DataLoader (a sample = source + target + mask; aimi's also carries "
              f"instruction, tokens, vectors and ids)")
        print(f"  {'dataset':24s} " + " ".join(f"{f'{w} worker(s)':>14s}" for w in sorted({0, workers})))
        best = {}
        for name, dataset, collate_fn in (("aimi cache (memmap)", train, aimi.collate),
                                          ("one PNG file per image", _PngFolder(tmp, len(train)), None),
                                          ("plain copy in memory", _InMemory(arrays), None)):
            rates = [_loader_rate(dataset, w, collate_fn=collate_fn) for w in sorted({0, workers})]
            best[name] = max(rates)
            print(f"  {name:24s} " + " ".join(f"{r:14.0f}" for r in rates))
    anchor = best["one PNG file per image"]
    for name, rate in best.items():
        print(f"  best {name:24s} {rate:10.0f} samples/s  {rate / anchor:6.1f}x the PNG files' best")


def bench_reader(size: int, split: str = "test", noise: float = 0.05, root=None) -> dict:
    """Scoring's slow part, the attribute reader, on a split: a model's outputs (the targets with
    seeded pixel noise) and the identity floor read in two passes (the anchor: how scoring read
    them before) against one pass sharing each item's candidate renderings; checks they agree."""
    import aimi

    from ..evaluation.evaluate import split_specs
    from ..evaluation.reader import attribute_scores, attribute_scores_many

    dataset = aimi.AIMI(root, split, size, progress=False)
    arrays = dataset.__getitems__(list(range(len(dataset))))
    sources, targets, changed = zip(*split_specs(dataset, len(dataset)))
    noisy = np.random.default_rng(0).normal(0, noise * 255, arrays["target"].shape) + arrays["target"]
    outputs, floor = np.clip(np.round(noisy), 0, 255).astype(np.uint8), np.asarray(arrays["source"])
    attribute_scores(outputs[:5], sources[:5], targets[:5], changed[:5])          # warm the sprite cache
    t0 = time.perf_counter()
    apart = [attribute_scores(outputs, sources, targets, changed), attribute_scores(floor, sources, targets, changed)]
    t1 = time.perf_counter()
    shared = attribute_scores_many([outputs, floor], sources, targets, changed)
    t2 = time.perf_counter()
    same = all(np.array_equal(a[k], b[k], equal_nan=True) for a, b in zip(apart, shared) for k in a)
    n = len(outputs)
    print(f"reader benchmark: {n} {split} items at {size} px, a model's outputs and the identity floor, one thread")
    print(f"  two passes (anchor)    {(t1 - t0) / n * 1e3:8.2f} ms/item  {t1 - t0:6.2f} s")
    print(f"  one shared pass        {(t2 - t1) / n * 1e3:8.2f} ms/item  {t2 - t1:6.2f} s  "
          f"{(t1 - t0) / (t2 - t1):5.2f}x faster; same scores: {same}")
    return {"anchor_s": t1 - t0, "shared_s": t2 - t1, "same": same}
