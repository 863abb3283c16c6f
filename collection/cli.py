"""``python -m collection``: a thin command line over the library.

Library errors (bad attribute, value, size, shard...) become a one-line ``error: ...`` on stderr
and exit 1; unknown flags or malformed numbers exit 2, also with one line.
"""

from __future__ import annotations

import json
import os
import sys

import click

from .version import __version__
from .attributes import SpecError, attribute, sample_spec, schema, seeded_rng, visible_attributes
from .batch import Job, JobError, run_job
from .crowd.export import PLATFORMS
from .files import write_atomic
from .render.compose import SIZES, check_size
from .render.raster import RENDERERS

SIZE = click.option("--size", type=int, default=64, show_default=True,
                    help=f"Image size in pixels, one of {', '.join(map(str, SIZES))}.")
RENDERER = click.option("--renderer", type=click.Choice(RENDERERS), default="sprite",
                        show_default=True,
                        help="sprite: cached layer sprites (fast); reference: whole-document resvg.")
SEED = click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")


def _workers_default() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aimi-collection")
def cli() -> None:
    """Make AIMI avatars and one-attribute pairs.

    \b
    Examples:
      python -m collection attributes
      python -m collection pairs --n 100 --seed 0 --size 64 --out out/pairs
      python -m collection sheet --n 24 --seed 0 --out out/sheet.png
      python -m collection render --count 165000 --seed 0 --size 64 --out out/avatars
      python -m collection show --set top=bob --set accessory=round --out out/one.png
      python -m collection export --pairs out/pairs --out out/batch --image-base-url https://example.org/b1
    """


@cli.command()
def attributes() -> None:
    """List every attribute, its values and when it is visible.

    \b
    Example:
      python -m collection attributes
    """
    for a in schema().values():
        click.echo(f"{a.name} ({len(a.values)}): {a.description}")
        click.echo("    " + ", ".join(a.values))


@cli.command()
@click.option("--n", "n", type=int, required=True, help="Number of pairs.")
@SEED
@SIZE
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--attributes", "attrs", default=None,
              help="Comma-separated attributes allowed to change (default: all).")
@click.option("--png", is_flag=True, help="Also write every image and mask as a PNG file.")
@click.option("--workers", type=int, default=_workers_default, show_default="min(2, cores)")
@click.option("--shard", default=None, help="Run only shard i of N (i/N), e.g. 0/4.")
@click.option("--chunk", type=int, default=256, show_default=True, help="Pairs per resumable part.")
@RENDERER
def pairs(n, seed, size, out, attrs, png, workers, shard, chunk, renderer) -> None:
    """Make N one-attribute pairs with their change masks.

    Writes OUT/pairs.jsonl (pair_id, attribute, from_value, to_value, source, target, source_id,
    target_id, ...) and OUT/source_PX.npy, OUT/target_PX.npy, OUT/mask_PX.npy (mask: 0 where the
    two images differ, 1 elsewhere). Rerunning resumes.

    \b
    Example:
      python -m collection pairs --n 100 --seed 0 --size 64 --out out/pairs --png
    """
    job = Job("pairs", seed=seed, count=n, size=size, chunk=chunk, attributes=_split(attrs), png=png,
              renderer=renderer)
    summary = run_job(job, out, shard=shard, workers=workers)
    click.echo(json.dumps(summary))


@cli.command()
@click.option("--count", type=int, required=True, help="Number of avatars.")
@SEED
@SIZE
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--png", is_flag=True, help="Also write every avatar as a PNG file.")
@click.option("--workers", type=int, default=_workers_default, show_default="min(2, cores)")
@click.option("--shard", default=None, help="Run only shard i of N (i/N), e.g. 0/4.")
@click.option("--chunk", type=int, default=1024, show_default=True, help="Avatars per resumable part.")
@RENDERER
def render(count, seed, size, out, png, workers, shard, chunk, renderer) -> None:
    """Render COUNT random avatars into OUT/images_PX.npy (count, PX, PX, 3) uint8.

    Avatar i is a pure function of (seed, i), so shards can run anywhere; finished parts are
    skipped on a rerun. OUT/avatars.jsonl lists each avatar's attributes.

    \b
    Example:
      python -m collection render --count 165000 --seed 0 --size 64 --out out/avatars
      python -m collection render --count 165000 --seed 0 --size 64 --out out/avatars --shard 1/8
    """
    job = Job("avatars", seed=seed, count=count, size=size, chunk=chunk, png=png, renderer=renderer)
    summary = run_job(job, out, shard=shard, workers=workers)
    click.echo(json.dumps(summary))


@cli.command()
@click.option("--n", "n", type=int, default=24, show_default=True, help="Number of pairs.")
@SEED
@click.option("--size", type=int, default=128, show_default=True, help="Image size per avatar.")
@click.option("--columns", type=int, default=3, show_default=True, help="Pairs per row.")
@click.option("--attributes", "attrs", default=None, help="Comma-separated attributes to change.")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="PNG file to write.")
@RENDERER
def sheet(n, seed, size, columns, attrs, out, renderer) -> None:
    """Draw a contact sheet of pairs: source, target and mask, labelled with the change.

    \b
    Example:
      python -m collection sheet --n 24 --seed 0 --out out/sheet.png
    """
    import io

    from .sheet import draw_sheet

    check_size(size)
    image = draw_sheet(seed, n, size, columns, _split(attrs), renderer)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    write_atomic(out, buf.getvalue())
    click.echo(out)


@cli.command()
@click.option("--set", "settings", multiple=True, metavar="ATTRIBUTE=VALUE",
              help="Fix one attribute (repeatable); the rest are drawn from --seed.")
@SEED
@click.option("--size", type=int, default=256, show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="PNG (or .svg) to write.")
@RENDERER
def show(settings, seed, size, out, renderer) -> None:
    """Render one avatar, attribute by attribute, to a PNG or SVG file.

    \b
    Example:
      python -m collection show --set top=bob --set hair_color=red --out out/one.png
    """
    from .render.compose import compose_svg
    from .render.raster import png_bytes, render as render_one

    check_size(size)
    changes = {}
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep:
            raise SpecError(f"--set wants ATTRIBUTE=VALUE, got {item!r}")
        attribute(name.strip()).index(value.strip())
        changes[name.strip()] = value.strip()
    spec = sample_spec(seeded_rng("show", seed, 0)).replace(**changes)
    hidden = [n for n in changes if n not in visible_attributes(spec)]
    if out.endswith(".svg"):
        write_atomic(out, compose_svg(spec, size))
    else:
        write_atomic(out, png_bytes(render_one(spec, size, renderer)))
    click.echo(json.dumps({"avatar_id": spec.id, "spec": spec.to_dict(), "hidden": hidden}))


@cli.command(name="export")
@click.option("--pairs", "pairs_dir", type=click.Path(file_okay=False), required=True,
              help="Pairs folder (made by the pairs command).")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--platform", "platforms", multiple=True,
              type=click.Choice([*PLATFORMS, "all"]), default=["all"], show_default=True,
              help="Platform(s) to export for (repeatable).")
@click.option("--image-base-url", required=True,
              help="Public HTTPS folder where OUT/images/ will be served, e.g. https://bucket.example.org/aimi/b1")
@click.option("--assignments", type=int, default=3, show_default=True, help="Answers wanted per item.")
@click.option("--max-per-worker", type=int, default=None, help="Cap on items per worker.")
@click.option("--gold", type=int, default=0, show_default=True, help="Gold items (in every batch).")
@click.option("--distractors", type=int, default=0, show_default=True, help="No-change attention checks.")
@click.option("--batch-size", type=int, default=None, help="Items (pairs and distractors) per batch; gold items come on top (default: one batch).")
@click.option("--min-length", type=int, default=10, show_default=True, help="Shortest answer accepted.")
@click.option("--display-size", type=int, default=256, show_default=True, help="Image size workers see.")
@SEED
def export(pairs_dir, out, platforms, image_base_url, assignments, max_per_worker, gold, distractors,
           batch_size, min_length, display_size, seed) -> None:
    """Export a collection batch for Mechanical Turk, Label Studio and/or Appen.

    Writes OUT/images/, OUT/items.jsonl (the private answer key), one folder per platform with
    its batch files and template, and OUT/manifest.json.

    \b
    Example:
      python -m collection export --pairs out/pairs --out out/batch \\
          --image-base-url https://example.org/aimi/batch1 --gold 5 --distractors 20 --batch-size 500
    """
    from .crowd.export import ExportOptions, export_batch

    chosen = PLATFORMS if "all" in platforms else tuple(dict.fromkeys(platforms))
    options = ExportOptions(platforms=chosen, image_base_url=image_base_url, assignments=assignments,
                            max_per_worker=max_per_worker, gold=gold, distractors=distractors,
                            batch_size=batch_size, min_length=min_length, display_size=display_size,
                            seed=seed)
    manifest = export_batch(pairs_dir, out, options)
    click.echo(json.dumps(manifest["counts"]))


@cli.command()
@click.option("--export", "export_dir", type=click.Path(file_okay=False), required=True,
              help="Export folder (made by the export command).")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder for the results files.")
@click.option("--workers", "panel_size", type=int, default=60, show_default=True, help="Simulated workers.")
@SEED
def simulate(export_dir, out, panel_size, seed) -> None:
    """Answer an exported batch with a seeded panel of SIMULATED workers, in each platform's own
    results format (MTurk results CSV, Label Studio JSON export, Appen full report). Every row is
    marked simulated; OUT/simulated_key.jsonl says what each answer was meant to be.

    \b
    Example:
      python -m collection simulate --export out/batch --out out/results --seed 0
    """
    from .crowd.simulate import simulate as run

    click.echo(json.dumps(run(export_dir, out, seed=seed, panel_size=panel_size)))


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="answers.csv to write or extend.")
def ingest(files, out) -> None:
    """Read crowd results (MTurk CSV, Label Studio JSON/JSON_MIN, Appen full report, Toloka TSV)
    into one table: item_id, worker_id, assignment_id, platform, answer, submit_time, work_time_s,
    simulated. Rows already in OUT are kept; the same assignment twice is one row.

    \b
    Example:
      python -m collection ingest results/*.csv results/export.json --out out/answers.csv
    """
    from .crowd.ingest import read_results
    from .crowd.judgments import write_answers

    rows = write_answers(read_results(files), out)
    by_platform: dict[str, int] = {}
    for row in rows:
        by_platform[row.platform] = by_platform.get(row.platform, 0) + 1
    click.echo(json.dumps({"rows": len(rows), "by_platform": by_platform,
                           "simulated": sum(r.simulated for r in rows)}))


@cli.command(name="clean")
@click.argument("answers", type=click.Path(dir_okay=False, exists=True))
@click.option("--pairs", "pairs_path", type=click.Path(dir_okay=False, exists=True), required=True,
              help="pairs.jsonl the answers are about.")
@click.option("--items", "items_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="The export's items.jsonl (needed when the batch had gold or distractor items).")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Output folder.")
@click.option("--min-chars", type=int, default=8, show_default=True)
@click.option("--min-seconds", type=float, default=3.0, show_default=True)
@click.option("--max-per-worker", type=int, default=None, help="Keep at most this many answers per worker.")
@click.option("--salt", default=None, envvar="AIMI_WORKER_SALT",
              help="Salt for hashing worker ids (default: a random one kept in OUT/worker_salt.txt).")
@click.option("--mturk-results", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="Original MTurk results CSV(s): also write them back with Approve/Reject filled.")
def clean_command(answers, pairs_path, items_path, out, min_chars, min_seconds, max_per_worker, salt,
                  mturk_results) -> None:
    """Clean ANSWERS (made by ingest) into triplets with named rules; every rejected answer is
    kept with its reason. Writes OUT/triplets.jsonl, OUT/rejected.jsonl, OUT/report.json and
    OUT/approve_reject.csv (and with --mturk-results, each results file with Approve/Reject
    filled, to upload back to MTurk).

    \b
    Example:
      python -m collection clean out/answers.csv --pairs out/pairs/pairs.jsonl \\
          --items out/batch/items.jsonl --out out/clean
    """
    from .crowd.clean import CleanConfig, clean

    config = CleanConfig(min_chars=min_chars, min_seconds=min_seconds, max_per_worker=max_per_worker)
    report = clean(answers, pairs_path, out, items_path, config, salt, mturk_results)
    click.echo(json.dumps({k: report[k] for k in ("answers", "accepted", "rejected", "triplets")}
                          | {"rejected_by_rule": report["rejected_by_rule"]}))


@cli.command()
@SEED
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Release folder.")
def release(seed, out) -> None:
    """Build the AIMI release (4,296 / 230 / 230 cleaned triplets with SIMULATED instructions,
    161,065 unlabeled avatars as a seed and a count, vocabulary, manifest, datasheet) through
    pairs -> Appen export -> simulated answers -> ingest -> clean. Same seed, same bytes.

    \b
    Example:
      python -m collection release --seed 0 --out out/release
    """
    from .release import ReleaseConfig, build_release

    manifest = build_release(out, ReleaseConfig(seed=seed))
    click.echo(json.dumps(manifest["counts"]))


def run_click(group: click.Group, argv: list[str] | None, prog_name: str, errors: tuple[type[Exception], ...]) -> int:
    """Run a click ``group`` and turn every error into one ``error: ...`` line and an exit code:
    usage errors 2, ``errors`` (the library's) and click failures 1. Shared by this package's CLI
    and ``python -m benchmark``."""
    try:
        result = group.main(args=argv, prog_name=prog_name, standalone_mode=False)
        if isinstance(result, int) and not isinstance(result, bool):   # click returns Exit(code)'s code
            return result
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.exceptions.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except click.UsageError as e:
        print(f"error: {e.format_message()} (see --help)", file=sys.stderr)
        return 2
    except click.ClickException as e:
        print(f"error: {e.format_message()}", file=sys.stderr)
        return 1
    except errors as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turn every error into one line and a non-zero exit code."""
    return run_click(cli, argv, "python -m collection", (SpecError, JobError, ValueError))


__all__ = ["cli", "main", "run_click"]
