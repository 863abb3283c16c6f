"""``python -m benchmark``: a thin command line over the library (train, curves, evaluate, compare,
the inputs pack and scoring of any model's outputs, leaderboard, the preference study, the attribute reader's check, and the main job).

Library errors become one ``error: ...`` line on stderr and exit 1; bad flags exit 2.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path

import click

from baselines import MODELS, PRESETS
from collection import __version__
from .evaluation.commands import COMMANDS
from .preference.study import PLATFORMS as STUDY_PLATFORMS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aimi-benchmark")
def cli() -> None:
    """Train and measure the AIMI models.

    \b
    Examples:
      python -m benchmark train --model imi_sim --preset cpu --seed 0 --out runs/imi_sim-cpu-0
      python -m benchmark train --model imi --preset smoke --out runs/smoke --set l1_weight=0
      torchrun --nproc_per_node 2 -m benchmark train --model imi_sim --preset cpu --out runs/ddp
      python -m benchmark curves runs/imi runs/imi_sim runs/identity --out figures/curves
      python -m benchmark evaluate runs/imi runs/imi_sim --split test
      python -m benchmark leaderboard runs/ --out runs/leaderboard
    """


def _value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_settings(pairs: tuple[str, ...]) -> dict:
    """``("lr=1e-4", "join=4")`` -> ``{"lr": 0.0001, "join": "4"}`` (values read as JSON when they parse)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--set takes key=value, got {pair!r}")
        out[key.strip()] = _value(value.strip())
    return out


def split_settings(model: str, changes: dict, train_fields: set[str], train_types=()) -> tuple[dict, dict]:
    """``--set`` values split into (training settings, model settings); a key that is neither, or a
    value of another type than its setting's (``train_types``: the trainer's dataclass fields), is
    a usage error saying what is valid."""
    from baselines import MODELS

    model_fields = {f.name for f in fields(MODELS[model][1])}
    unknown = sorted(set(changes) - train_fields - model_fields)
    if unknown:
        raise click.UsageError(f"--set {', '.join(unknown)}: not a setting of the trainer or of model {model!r}; "
                               f"trainer: {', '.join(sorted(train_fields))}; model: {', '.join(sorted(model_fields))}")
    kinds = {**{f.name: f for f in fields(MODELS[model][1])}, **{f.name: f for f in train_types}}
    for key, value in list(changes.items()):
        if key in kinds:
            if _kind(kinds[key]) == "str" and isinstance(value, (int, float)) and not isinstance(value, bool):
                changes[key] = value = str(value)          # --set join=4 means the text "4"
            _check_type(key, value, kinds[key])
    return ({k: v for k, v in changes.items() if k in train_fields},
            {k: v for k, v in changes.items() if k not in train_fields})


def _kind(field) -> str:
    return field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")


def _check_type(key: str, value, field) -> None:
    """A ``--set`` value must have its setting's declared type: a usage error saying what it
    takes, rather than a traceback from deep in training."""
    kind = _kind(field)
    wrong = {"bool": (not isinstance(value, bool), "true or false"),
             "int": (not isinstance(value, int) or isinstance(value, bool), "an integer"),
             "float": (not isinstance(value, (int, float)) or isinstance(value, bool), "a number"),
             "str": (not isinstance(value, str), "a string")}.get(kind)
    if wrong and wrong[0]:
        raise click.UsageError(f"--set {key}={value!r}: {key} takes {wrong[1]}")


@cli.command()
@click.option("--model", required=True, type=click.Choice(list(MODELS)),
              help="identity, imi (w/o SIM), imi_sim (w/ SIM), and the models beyond the paper.")
@click.option("--preset", default="cpu", show_default=True, type=click.Choice(list(PRESETS)))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Run folder.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its last checkpoint.")
@click.option("--phases", type=int, default=None, help="Phases to train (default: the preset's).")
@click.option("--bf16", is_flag=True, help="bfloat16 autocast.")
@click.option("--channels-last", is_flag=True, help="channels_last memory format.")
@click.option("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice).")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="A training setting (lr, batch_size, eval_every, ...) or a model setting "
                   "(l1_weight, join, gen_loss, ...); repeatable.")
@click.option("--data-root", type=click.Path(file_okay=False), default=None,
              help="Dataset cache folder (default $AIMI_HOME or ~/.cache/aimi).")
def train(model, preset, seed, out, resume, phases, bf16, channels_last, threads, settings, data_root):
    """Train MODEL as the paper did into the run folder --out.

    \b
    Writes OUT/config.json, OUT/metrics.jsonl, OUT/last.pt, OUT/best.pt and OUT/samples/.
    Example: python -m benchmark train --model imi_sim --preset cpu --seed 0 --out runs/sim
    """
    from .training.train import TrainConfig, train as run_training

    train_fields = {f.name for f in fields(TrainConfig)} - {"model", "preset", "model_overrides"}
    train_changes, model_changes = split_settings(model, parse_settings(settings), train_fields, fields(TrainConfig))
    if phases is not None:
        train_changes["phases"] = phases
    if bf16:
        train_changes["bf16"] = True
    if channels_last:
        train_changes["channels_last"] = True
    if threads:
        train_changes["threads"] = threads
    config = TrainConfig.from_preset(model, preset, seed=seed, model_overrides=model_changes, **train_changes)
    summary = run_training(config, out, resume=resume, root=data_root,
                           progress=os.environ.get("AIMI_QUIET") != "1")
    if int(os.environ.get("RANK", "0")) == 0:
        click.echo(json.dumps(summary))


@cli.command()
@click.argument("runs", nargs=-1, required=True)
@click.option("--instructions", default=None, metavar="STEM",
              help="Also the free-phrasing goal, from RUN/results-instructions-STEM.json.")
def goals(runs, instructions):
    """Where the evaluated RUNS (seeds of one model) stand against the editor's goals, from their
    result files (edit/keep accuracy, per attribute, mse against identity, training time, phrasing).

    \b
    Example: python -m benchmark goals runs/edit-0 runs/edit-1 runs/edit-2 --instructions free-phrasing-dev
    """
    from .pretrained import resolve_run
    from .report.goals import format_goals, goals as run_goals

    click.echo(format_goals(run_goals([resolve_run(r) for r in runs], instructions)), nl=False)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead of a table.")
def pretrained(as_json):
    """The weights shipped in the package (use them as pretrained:NAME wherever a run folder goes).

    \b
    Example: python -m benchmark pretrained && python -m benchmark evaluate pretrained:edit_film-cpu
    """
    from .pretrained import available

    entries = available()
    if as_json:
        click.echo(json.dumps(entries, indent=1))
        return
    for e in entries:
        metrics = " ".join(f"{k}={v:.3g}" for k, v in e["metrics"].items())
        click.echo(f"{e['name']:28s} {e['model']:16s} {e['preset']:6s} {e['training_data']:15s} "
                   f"sha256={e['sha256'][:12]}  test: {metrics}")
    if not entries:
        click.echo("no weights are shipped with this version")


@cli.command()
@click.option("--preset", default="cpu", show_default=True, type=click.Choice(list(PRESETS)))
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Run folder.")
@click.option("--data-root", type=click.Path(file_okay=False), default=None)
def ceiling(preset, seed, out, data_root):
    """Train the parse-and-render ceiling (an instruction parser; the source's attributes are read
    from its pixels by search over the renderer) into a run folder; evaluate it like any run.

    \b
    Example: python -m benchmark ceiling --preset cpu --out runs/parse_render && python -m benchmark evaluate runs/parse_render
    """
    from .ceiling.model import train_ceiling

    click.echo(json.dumps(train_ceiling(out, preset, seed, root=data_root)))


@cli.command()
@click.argument("run")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="The new run folder.")
@click.option("--instructions", type=int, default=60_000, show_default=True,
              help="Simulated instructions added to the training triplets'.")
@click.option("--epochs", type=int, default=10, show_default=True)
@click.option("--seed", type=int, default=None, help="Default: the editor's training seed.")
@click.option("--restate", type=click.Choice(["differs", "unseen", "always"]), default="unseen", show_default=True,
              help="Restate where the readings differ; also requests with a word the triplets never used; or all.")
@click.option("--threads", type=int, default=None, help="torch threads (default: torch's).")
@click.option("--data-root", type=click.Path(file_okay=False), default=None)
def parser(run, out, instructions, epochs, seed, restate, threads, data_root):
    """Give the editor of RUN (a run folder or pretrained:NAME) a MiniLM sentence parser: at
    inference, what the parser and the editor's own head together read otherwise than the head
    alone, and (--restate unseen) every request with a word the triplets never used, is restated in
    the phrasing the editor reads best. Needs the MiniLM weights (bash run.sh).

    \b
    Example: python -m benchmark parser pretrained:edit_film-cpu --out runs/edit_film-parsed
    """
    import torch

    from .training.restate import train_parser

    if threads:
        torch.set_num_threads(threads)
    click.echo(json.dumps(train_parser(run, out, instructions, epochs, seed, restate=restate, root=data_root)))


@cli.command()
@click.argument("run")
@click.option("--set", "settings", multiple=True, required=True, metavar="KEY=VALUE",
              help="passes, hard_keep_eval or restate; repeatable.")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="The new run folder.")
def inference(run, settings, out):
    """The editor of RUN (a run folder or pretrained:NAME) with inference-only settings changed, as a
    new run folder: the same weights, so no training (passes: edit the edit again; hard_keep_eval:
    composite through keep > 0.5; restate: the parser's rule).

    \b
    Example: python -m benchmark inference pretrained:edit_film-cpu --set hard_keep_eval=true --out runs/edit-hard
    """
    from .training.inference import with_inference

    click.echo(json.dumps(with_inference(run, out, **parse_settings(settings))))


@cli.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Figure path (writes .png and .pdf).")
def curves(runs, out):
    """Plot validation MSE against phase for RUNS (identity as a line) and print the paper's
    convergence claims for each baseline/SIM pair of the same preset and seed.

    Example: python -m benchmark curves runs/imi runs/imi_sim runs/identity --out figures/curves
    """
    from .evaluation.curves import convergence_claims, read_curve
    from .report.figures import validation_curves

    paths = validation_curves(runs, out)
    read = [read_curve(run) for run in runs]
    for base in (c for c in read if c["model"] == "imi"):
        for sim in (c for c in read if c["model"] == "imi_sim" and (c["preset"], c["seed"]) == (base["preset"], base["seed"])):
            click.echo(json.dumps({"baseline": base["run"], "proposed": sim["run"], **convergence_claims(base, sim)}))
    click.echo(json.dumps({"figure": [str(p) for p in paths]}))


@cli.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Folder for leaderboard.md/.csv/.html.")
def leaderboard(inputs, out):
    """Build the leaderboard from result files (or folders holding them) and print the Markdown.

    Example: python -m benchmark leaderboard runs/ --out runs/leaderboard
    """
    from .report.leaderboard import build_leaderboard

    files = build_leaderboard(inputs, out)
    click.echo(files["md"].read_text(), nl=False)


@cli.command()
@click.option("--out", type=click.Path(file_okay=False), required=True)
@click.option("--preset", type=click.Choice(list(PRESETS)), default="cpu", show_default=True)
@click.option("--seeds", multiple=True, default=("0,1,2",), show_default=True,
              help="Seeds with the project's settings: --seeds 0,1,2 (or repeated: --seeds 0 --seeds 1).")
@click.option("--paper-seeds", multiple=True, default=("0",), show_default=True,
              help="Seeds with the paper's losses (l1_weight=0, join=4), as --seeds.")
@click.option("--phases", type=click.IntRange(min=1), default=None, help="Phases per run (default: the preset's).")
@click.option("--data-root", type=click.Path(file_okay=False), default=None)
def reproduce(out, preset, seeds, paper_seeds, phases, data_root):
    """Each claim of the paper against ours, over seeds, with the paper's losses beside ours:
    trains (resumable), evaluates, runs the study (SIMULATED raters) and writes OUT/REPRODUCTION.md
    and .json from the result files.

    Example: python -m benchmark reproduce --out repro --preset cpu --seeds 0,1,2 --phases 100
    """
    from .report.reproduce import reproduce as run

    seeds, paper_seeds = _seed_list(seeds, "--seeds"), _seed_list(paper_seeds, "--paper-seeds")
    report = run(out, preset, seeds, phases, paper_seeds, root=data_root,
                 progress=os.environ.get("AIMI_QUIET") != "1")
    click.echo(json.dumps({"out": out, **{c["claim"]: c["verdict"] for c in report["claims"]}}, indent=1))


def _seed_list(values, flag: str) -> tuple[int, ...]:
    """``("0,1", "2")`` -> ``(0, 1, 2)``; a usage error for anything that is not a seed."""
    seeds = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not seeds or not all(part.isdigit() for part in seeds):
        raise click.UsageError(f"{flag} takes seeds like 0,1,2, got {', '.join(values)!r}")
    return tuple(dict.fromkeys(int(part) for part in seeds))


@cli.command("main")
@click.option("--preset", default="cpu", show_default=True, help="smoke (CI, about a minute), cpu, or paper (GPU).")
@click.option("--out", type=click.Path(file_okay=False), default="out", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--phases", type=int, default=None, help="Phases per model (default: the preset's main-job schedule).")
@click.option("--data-root", type=click.Path(file_okay=False), default=None)
def main_command(preset, out, seed, phases, data_root):
    """The whole paper: cache, train identity/imi/imi_sim and models beyond the paper, evaluate,
    the preference study with SIMULATED raters, figures, leaderboard (printed). Rerunning resumes.

    Example: python -m benchmark main --preset cpu --out out
    """
    from .main_job import MainConfig, run_main

    summary = run_main(MainConfig(preset=preset, seed=seed, phases=phases), out, root=data_root,
                       progress=os.environ.get("AIMI_QUIET") != "1")
    click.echo(Path(summary["leaderboard"]["md"]).read_text(), nl=False)
    click.echo(f"stage seconds: {json.dumps(summary['seconds'])}")
    click.echo(f"everything is in {os.path.abspath(summary['out'])} (figures/, leaderboard/, study/, runs/)")


@cli.group()
def study():
    """The five-grade A/B preference study: export, simulate (SIMULATED raters), collect.

    \b
    Example:
      python -m benchmark study export runs/imi runs/imi_sim --out study --image-base-url https://example.org/s
      python -m benchmark study simulate study --platform appen
      python -m benchmark study collect study study/results/appen-full-report.csv
    """


@study.command("export")
@click.argument("run_a", type=click.Path(exists=True, file_okay=False))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(file_okay=False), required=True)
@click.option("--image-base-url", required=True, help="https:// URL where OUT/images/ will be served.")
@click.option("--limit", type=int, default=0, help="Only the first N test items (0: all).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--data-root", type=click.Path(file_okay=False), default=None)
def study_export(run_a, run_b, out, image_base_url, limit, seed, data_root):
    """Batches for MTurk, Label Studio and Appen comparing two evaluated runs (A = RUN_A's model)."""
    from .preference.study import StudyOptions, export_study

    manifest = export_study(run_a, run_b, out, image_base_url, StudyOptions(limit=limit, seed=seed), root=data_root)
    click.echo(json.dumps({k: manifest[k] for k in ("model_a", "model_b", "items", "presentations")}))


@study.command("simulate")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--platform", type=click.Choice(STUDY_PLATFORMS), default="appen", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def study_simulate(folder, platform, seed):
    """Answer the study with SIMULATED raters in PLATFORM's results format (never human data)."""
    from .preference.study import simulate_study

    click.echo(str(simulate_study(folder, platform, seed)))


@study.command("collect")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def study_collect(folder, results):
    """Ingest RESULTS, restore the order and write FOLDER/study.json; prints the headline figures."""
    from .preference.study import collect_study

    s = collect_study(folder, results)
    click.echo(json.dumps({"simulated": s["simulated"], "ratings": s["ratings"], "items": s["items"],
                           "proportions": s["proportions"], "prefer_b": s["prefer"]["b"], "prefer_a": s["prefer"]["a"],
                           "sign_p": s["sign"]["p"], "wilcoxon_p": s["wilcoxon"]["p"],
                           "position_bias": s["position_bias"]["value"], "alpha_ordinal": s["alpha_ordinal"]}))


for _command in COMMANDS:          # evaluate, compare, inputs, score, reader-check, directions
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turn every error into one line and a non-zero exit code."""
    from collection.cli import run_click

    from .training.train import TrainingError

    return run_click(cli, argv, "python -m benchmark", (TrainingError, ValueError, FileNotFoundError,
                                                            ModuleNotFoundError))


__all__ = ["cli", "main", "parse_settings"]
