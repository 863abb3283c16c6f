"""``python -m benchmark.speed render|load|train|reader``: the speed benchmarks (see ``bench.py``)."""

from __future__ import annotations

import os

import click

from collection.cli import run_click

WORKERS = min(2, os.cpu_count() or 1)


@click.group(help=__doc__)
def cli() -> None:
    pass


@cli.command()
@click.option("--n", type=click.IntRange(min=1), default=200, show_default=True, help="Avatars per measurement.")
@click.option("--sizes", default="32,64,128", show_default=True, help="Comma-separated sizes.")
@click.option("--batch-count", type=click.IntRange(min=0), default=0,
              help="Also time the sharded batch job on this many avatars (0: skip).")
@click.option("--workers", type=click.IntRange(min=0), default=WORKERS, show_default=True)
def render(n, sizes, batch_count, workers) -> None:
    """Rendering: sprites vs reference vs python-avatars + resvg / CairoSVG.

    \b
    Example:
      python -m benchmark.speed render --n 200 --sizes 32,64
    """
    from .bench import bench_render

    try:
        parsed = [int(s) for s in sizes.split(",")]
    except ValueError:
        raise click.BadParameter(f"wants numbers like 32,64,128, got {sizes!r}", param_hint="--sizes") from None
    bench_render(n, parsed, batch_count, workers)


@cli.command()
@click.option("--size", type=int, default=64, show_default=True)
@click.option("--workers", type=click.IntRange(min=0), default=WORKERS, show_default=True)
@click.option("--split", type=click.Choice(("train", "val", "test")), default="train", show_default=True)
def load(size, workers, split) -> None:
    """Loading: the aimi cache vs PNG files vs memory, through a DataLoader.

    \b
    Example:
      python -m benchmark.speed load --size 32 --split val
    """
    from .bench import bench_load

    bench_load(size, workers, split)


@cli.command()
@click.option("--presets", default="cpu,paper", show_default=True, help="Comma-separated presets.")
@click.option("--models", default="imi,imi_sim", show_default=True, help="Comma-separated models.")
@click.option("--steps", type=click.IntRange(min=1), default=5, show_default=True, help="Steps per timed pass.")
@click.option("--batch", type=click.IntRange(min=2), default=64, show_default=True)
@click.option("--options", is_flag=True, help="Also time channels_last and bf16 autocast.")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A setting of the editor models (edit_film, edit_tirg), as `train --set` takes it; repeatable.")
@click.option("--bf16-drift", is_flag=True,
              help="Instead: train one phase in float32 and in bf16 from the same start and compare the results.")
def train(presets, models, steps, batch, options, settings, bf16_drift) -> None:
    """Training steps/s of imi and imi_sim (or any registry model) against a plain DCGAN, and GFLOP/s.

    \b
    Examples:
      python -m benchmark.speed train --presets cpu --steps 3 --options
      python -m benchmark.speed train --presets cpu --models imi_sim,edit_film --set colour_slots=hard
    """
    from baselines import MODELS

    from ..cli import parse_settings
    from .train import bench_train, bf16_drift as run_drift

    if bf16_drift:
        run_drift(presets.split(",")[0], steps, batch)
        return
    unknown = [m for m in models.split(",") if m not in MODELS]
    if unknown:
        raise click.UsageError(f"--models {', '.join(unknown)}: not a registry model; valid: {', '.join(MODELS)}")
    # a setting the editors lack, or an unknown preset: a ValueError, one line (run_click)
    bench_train(tuple(presets.split(",")), tuple(models.split(",")), steps, batch, options, parse_settings(settings))


@cli.command()
@click.option("--size", type=click.Choice(["32", "64", "128"]), default="64", show_default=True)
@click.option("--split", type=click.Choice(("train", "val", "test")), default="test", show_default=True)
def reader(size, split) -> None:
    """Scoring's attribute reader: the model and the identity floor read in two passes against one
    shared pass.

    \b
    Example:
      python -m benchmark.speed reader --size 64
    """
    from .bench import bench_reader

    bench_reader(int(size), split)


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m benchmark.speed", (ValueError,))


__all__ = ["cli", "main"]
