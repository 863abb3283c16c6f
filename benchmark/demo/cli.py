"""``python -m benchmark.demo --checkpoint RUN``: the interactive editing page (see ``server.py``)."""

from __future__ import annotations

import click

from collection.cli import run_click

from .server import NO_CHECKPOINT, Editor, serve


@click.command()
@click.option("--checkpoint", "checkpoints", multiple=True, metavar="RUN",
              help="A run folder, its best.pt, a folder of run folders, or pretrained:NAME; repeat for side by "
                   "side (default: every shipped model).")
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def cli(checkpoints, port, host) -> None:
    """Edit an avatar by typing instructions, one after another, on a page served on 127.0.0.1.

    \b
    Example:
      python -m benchmark.demo --checkpoint runs/imi_sim --checkpoint runs/imi
    """
    if not checkpoints:               # the weights shipped in the package, the ceiling among them
        checkpoints, left_out = shipped_checkpoints()
        if left_out:
            click.echo(f"left out {', '.join(left_out)}: they read MiniLM vectors; bash run.sh installs the weights")
    if not checkpoints:
        raise click.ClickException("no --checkpoint given and no weights shipped; " + NO_CHECKPOINT)
    server = serve(Editor(list(checkpoints)), host, port)
    click.echo(f"AIMI demo on http://{host}:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def shipped_checkpoints() -> tuple[list[str], list[str]]:
    """``pretrained:NAME`` of every shipped model this install can run, and the names left out (those
    that read MiniLM vectors, when the MiniLM weights are not installed)."""
    from baselines.minilm import installed

    from ..pretrained import PREFIX, available

    minilm, shipped = installed(), available()
    runnable = [e["name"] for e in shipped if minilm or "minilm" not in e.get("extras", ())]
    return [PREFIX + n for n in runnable], [e["name"] for e in shipped if e["name"] not in runnable]


def main(argv: list[str] | None = None) -> int:
    return run_click(cli, argv, "python -m benchmark.demo", (FileNotFoundError, ValueError, OSError, ModuleNotFoundError))


__all__ = ["cli", "main", "shipped_checkpoints"]
