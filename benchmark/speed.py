"""Speed benchmarks; every figure is a ratio against an anchor measured in the same run.

``python -m benchmark.speed render`` renders the same random specs through
  (a) this project's path: our composition from cached parts + resvg,
  (b) python-avatars' own ``Avatar(...).render()`` rasterised by the same resvg,
  (c) python-avatars' SVG rasterised by CairoSVG (what py-avataaars users do),
one thread each, warm, and prints ms/image, images/s and the ratios. ``--batch-count N`` also runs
the sharded batch job (``collection render``) for N avatars with ``--workers`` processes and
projects the time for 165,000.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time

import numpy as np

from collection import Job, rasterise, render, run_job, sample_spec, seeded_rng

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


def bench_render(n: int, sizes: list[int], batch_count: int, workers: int) -> None:
    specs = [sample_spec(seeded_rng("speed", 0, i)) for i in range(n)]
    try:
        import cairosvg  # noqa: F401
        have_cairo = True
    except (ImportError, OSError) as e:
        have_cairo = False
        print(f"(c) skipped: CairoSVG unavailable ({e}); pip install -e '.[bench]' and libcairo2")
    print(f"render benchmark: {n} random avatars, one thread, warm caches, RGB uint8 out")
    print(f"{'size':>5} {'ours ms':>8} {'pa+resvg ms':>12} {'pa+cairo ms':>12} {'ours img/s':>11} "
          f"{'x pa+resvg':>11} {'x pa+cairo':>11}")
    for size in sizes:
        ours = _time_per_image(render, specs, size)
        ref = _time_per_image(_python_avatars_resvg, specs, size)
        cairo = _time_per_image(_python_avatars_cairosvg, specs, size) if have_cairo else float("nan")
        print(f"{size:>5} {ours * 1e3:>8.3f} {ref * 1e3:>12.3f} {cairo * 1e3:>12.3f} {1 / ours:>11.0f} "
              f"{ref / ours:>10.2f}x {cairo / ours:>10.2f}x")
    if batch_count:
        with tempfile.TemporaryDirectory() as tmp:
            job = Job("avatars", seed=0, count=batch_count, size=64)
            t0 = time.perf_counter()
            run_job(job, tmp, workers=workers, progress=True)
            seconds = time.perf_counter() - t0
        rate = batch_count / seconds
        print(f"batch: {batch_count} avatars at 64 px into an array file with {workers} process(es): "
              f"{seconds:.1f} s, {rate:.0f} img/s; 165,000 would take {165000 / rate / 60:.1f} min")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmark.speed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    r = sub.add_parser("render", help="rendering: ours vs python-avatars + resvg vs + CairoSVG")
    r.add_argument("--n", type=int, default=200, help="avatars per measurement (default 200)")
    r.add_argument("--sizes", default="32,64,128", help="comma-separated sizes (default 32,64,128)")
    r.add_argument("--batch-count", type=int, default=0,
                   help="also time the sharded batch job on this many avatars (0: skip)")
    r.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if args.n <= 0:
        parser.error("--n must be positive")
    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        parser.error(f"--sizes wants numbers like 32,64,128, got {args.sizes!r}")
    try:
        bench_render(args.n, sizes, args.batch_count, args.workers)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
