"""``python -m aimi``: info, materialize, verify, pack, download, export-parquet, croissant (a thin
layer over the package; errors become one ``error:`` line and exit 1, bad flags exit 2)."""

from __future__ import annotations

import json

import click

from collection.cli import run_click
from collection.render.compose import SIZES

from .release import SESSIONS, SPLITS, ReleaseError, load_release

_root = click.option("--root", default=None, type=click.Path(file_okay=False),
                     help="Cache folder (default: $AIMI_HOME or ~/.cache/aimi).")
_size = click.option("--size", type=click.Choice([str(s) for s in SIZES]), default="64", show_default=True,
                     help="Image size in px.")


@click.group()
def cli() -> None:
    """The AIMI dataset.

    \b
    Examples:
      python -m aimi info
      python -m aimi materialize --size 64
      python -m aimi verify
      python -m aimi pack --size 64 --out dist
      python -m aimi download --size 64 --mirror https://mirror.example/aimi
    """


@cli.command()
def info() -> None:
    """What the installed release holds."""
    manifest = load_release()["manifest"]
    click.echo(json.dumps({"data_version": manifest["data_version"], "counts": manifest["counts"],
                           "instructions_simulated": manifest["instructions_simulated"],
                           "versions": manifest["versions"]}, indent=1))


def _splits_and_sizes(command):
    command = click.option("--split", "splits", type=click.Choice([*SPLITS, SESSIONS]), multiple=True,
                           help="Split(s), or the multi-turn sessions (default: the three splits).")(command)
    command = click.option("--size", "sizes", type=click.Choice([str(s) for s in SIZES]), multiple=True,
                           help="Size(s) in px (default: 64).")(command)
    return _root(command)


@cli.command()
@_splits_and_sizes
def materialize(splits, sizes, root) -> None:
    """Render the images of the splits into the cache."""
    from .cache import materialize as run

    for size in map(int, sizes or ("64",)):
        for split in splits or SPLITS:
            click.echo(run(split, size, root))


@cli.command()
@_splits_and_sizes
def verify(splits, sizes, root) -> None:
    """Check the shipped release, the renderer and the cached images (exit 1 on any problem)."""
    from .cache import verify as run

    load_release()
    click.echo("release: ok (every shipped file matches the manifest)")
    cache, renderer = run(splits or SPLITS, [int(s) for s in sizes or ("64",)], root)
    if not renderer:
        click.echo("renderer: ok (a sample of avatars matches the release's pixel hashes)")
    for line in renderer + cache:
        click.echo(f"problem: {line}")
    if renderer or cache:
        raise click.exceptions.Exit(1)
    click.echo("cache: ok")


@cli.command()
@_size
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for aimi-v1-<size>px.tar and its .sha256.")
@_root
def pack(size, out, root) -> None:
    """Pack the cached images of one size into a verifiable archive."""
    from .archive import pack as run

    path, digest = run(int(size), out, root)
    click.echo(f"{digest}  {path}")


@cli.command()
@_size
@click.option("--mirror", default=None, help="URL of the folder holding the archive (default: $AIMI_MIRROR).")
@click.option("--sha256", default=None, help="Expected SHA-256 (default: the one pinned in the package).")
@_root
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Seconds without data before giving up.")
@click.option("--deadline", type=float, default=3600.0, show_default=True,
              help="Seconds for the whole download (a server that trickles is cut; run again to resume).")
def download(size, mirror, sha256, root, timeout, deadline) -> None:
    """Fetch, verify and unpack a prebuilt archive (at most the pinned archive's size is written)."""
    from .archive import download as run

    click.echo(run(int(size), sha256, mirror, root, timeout, deadline))


@cli.command("export-parquet")
@click.option("--out", required=True, type=click.Path(file_okay=False))
@_size
@_root
def export_parquet(out, size, root) -> None:
    """Hugging Face Parquet files and a dataset card."""
    from .interop import export_parquet as run

    for path in run(out, int(size), root):
        click.echo(path)


@cli.command()
@click.option("--parquet", required=True, type=click.Path(file_okay=False), help="Folder written by export-parquet.")
@click.option("--out", required=True, help="JSON-LD file (put it in the Parquet folder).")
def croissant(parquet, out) -> None:
    """Croissant JSON-LD describing an export-parquet folder."""
    from .interop import write_croissant

    write_croissant(parquet, out)
    click.echo(out)


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m aimi", (ReleaseError, ValueError, OSError, RuntimeError))


__all__ = ["cli", "main"]
