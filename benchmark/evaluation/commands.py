"""The evaluation commands of ``python -m benchmark`` (``benchmark.cli`` adds them to its group):
``evaluate`` (a checkpoint), ``compare`` (two evaluated runs), ``inputs`` (the inputs pack),
``score`` (anybody's outputs), ``reader-check`` (the attribute reader, and with ``--bound`` what
it lets an exact editor reach) and ``directions`` (edits per kind of change, on fresh pairs). All scoring goes through ``score.score_outputs``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from collection.release import SPLIT_NAMES


@click.command()
@click.argument("runs", nargs=-1, required=True)
@click.option("--split", default="test", show_default=True, type=click.Choice(SPLIT_NAMES))
@click.option("--instructions", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A JSONL file of {attribute, to_value, instruction}: apply each to test sources instead.")
@click.option("--sources-per-instruction", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--sessions", is_flag=True,
              help="Evaluate on the multi-turn sessions instead: each turn from the model's own previous output "
                   "(fed back) and from the ground truth (teacher forced).")
@click.option("--limit", type=click.IntRange(min=0), default=0, help="Only the first N items or sessions (smoke runs).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Folder for the result files (default: the run).")
@click.option("--data-root", type=click.Path(file_okay=False), default=None,
              help="Dataset cache folder (default $AIMI_HOME or ~/.cache/aimi).")
def evaluate(runs, split, instructions, sources_per_instruction, sessions, limit, out, data_root):
    """Evaluate each run's best checkpoint on --split: RUN/results-SPLIT.json, items-SPLIT.jsonl
    and outputs-SPLIT.npz; or, with --instructions FILE, on free phrasings applied to test sources:
    RUN/results-instructions-FILE.json; or, with --sessions, on the multi-turn sessions:
    RUN/results-sessions.json (per turn and variant). Prints one summary line per run.

    \b
    Example: python -m benchmark evaluate runs/imi runs/imi_sim --split test
             python -m benchmark evaluate runs/edit --instructions tests/fixtures/free-phrasing-dev.jsonl
             python -m benchmark evaluate pretrained:edit_film-cpu --sessions
    """
    from .evaluate import evaluate as run_evaluation
    from .instructions import evaluate_instructions
    from .sessions import evaluate_sessions_many, turn_table
    from ..pretrained import is_pretrained, resolve_run

    if sessions and instructions:
        raise click.UsageError("--sessions and --instructions are two different evaluations; give one")
    if limit and instructions:
        raise click.UsageError("--limit applies to the split or the sessions, not to --instructions")
    folders, wheres = [], []
    for name in runs:
        run = resolve_run(name)
        if not run.is_dir():
            raise click.BadParameter(f"{name} is not a run folder (or pretrained:NAME)", param_hint="RUNS")
        # shipped weights live inside the installed package: their results go to runs/pretrained-NAME
        folders.append(run)
        wheres.append(out or (Path("runs") / f"pretrained-{run.name}" if is_pretrained(name) else run))
    if sessions:   # every run's turns are read together: the candidate renderings are shared
        if out and len(runs) > 1:
            raise click.UsageError("--out takes one run with --sessions (each run's results-sessions.json needs its folder)")
        for name, results in zip(runs, evaluate_sessions_many(folders, data_root, limit=limit, outs=wheres)):
            click.echo(json.dumps({"run": name, "model": results["model"], "sessions": results["n"], **{
                f"{variant}_{metric}": [round(v, 4) for v in turn_table(results, variant, metric)]
                for variant in results["variants"] for metric in ("edit_acc", "all_edits", "keep_acc")}}))
        return
    for name, run, where in zip(runs, folders, wheres):
        if instructions:
            results = evaluate_instructions(run, instructions, sources_per_instruction, out=where, root=data_root)
            click.echo(json.dumps({"run": name, "model": results["model"], "n": results["n"],
                                   "unseen_token_share": round(results["unseen_token_share"], 4),
                                   **{k: round(results["metrics"][k]["value"], 6) for k in ("mse", "edit_acc", "keep_acc")}}))
            continue
        results = run_evaluation(run, split, root=data_root, out=where, limit=limit)
        summary = {name: round(m["value"], 6) for name, m in results["metrics"].items() if m["value"] is not None}
        click.echo(json.dumps({"run": name, "model": results["model"], "n": results["n"], **summary,
                               "identity_mse": round(results["identity"]["mse"]["value"], 6)}))


@click.command()
@click.argument("run_a", type=click.Path(exists=True, file_okay=False))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False))
@click.option("--split", default="test", show_default=True)
def compare(run_a, run_b, split):
    """Paired tests of two evaluated runs on the same items (mean difference A - B with its
    interval, sign test, Wilcoxon). Example: python -m benchmark compare runs/imi_sim runs/imi"""
    from .evaluate import compare as run_compare

    click.echo(json.dumps(run_compare(run_a, run_b, split), indent=1))


@click.command()
@click.option("--split", default="test", show_default=True, type=click.Choice(SPLIT_NAMES))
@click.option("--sessions", is_flag=True, help="The multi-turn sessions' pack instead (starts and instructions).")
@click.option("--size", type=click.Choice(["32", "64", "128", "256"]), default="64", show_default=True)
@click.option("--out", type=click.Path(file_okay=False), required=True, help="A new (or empty) folder.")
@click.option("--data-root", type=click.Path(file_okay=False), default=None,
              help="Dataset cache folder (default $AIMI_HOME or ~/.cache/aimi).")
def inputs(split, sessions, size, out, data_root):
    """Write the inputs pack of a split: OUT/sources/<id>.png, OUT/instructions.jsonl (id,
    instruction), README.txt (how to submit) and manifest.json (hashes, versions). Nothing a model
    may not see: no attribute, target or mask. With --sessions: OUT/starts/<id>.png and
    OUT/sessions.jsonl (id, instructions of every turn) instead.

    \b
    Example: python -m benchmark inputs --split test --size 64 --out inputs-test
             python -m benchmark inputs --sessions --size 64 --out inputs-sessions
    """
    from .inputs import write_inputs
    from .session_pack import write_session_inputs

    if sessions:
        manifest = write_session_inputs(int(size), out, root=data_root)
    else:
        manifest = write_inputs(split, int(size), out, root=data_root)
    click.echo(json.dumps({"out": out, **{k: manifest[k] for k in ("split", "size", "n", "data_version",
                                                                    "evaluator_version")}}))


@click.command()
@click.argument("submission", type=click.Path())
@click.option("--split", default="test", show_default=True, type=click.Choice(SPLIT_NAMES))
@click.option("--sessions", is_flag=True,
              help="A multi-turn submission: <id>.turn-<k>.png per session and turn, or an .npz of (N, turns, S, S, 3).")
@click.option("--size", type=click.Choice(["32", "64", "128", "256"]), default=None,
              help="Evaluation size (default: the submission's own).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="results-<name>.json (default: results-SPLIT.json beside the submission); items- and outputs- go beside it.")
@click.option("--data-root", type=click.Path(file_okay=False), default=None,
              help="Dataset cache folder (default $AIMI_HOME or ~/.cache/aimi).")
def score(submission, split, sessions, size, out, data_root):
    """Score anybody's outputs: a folder of <id>.png (optional <id>.mask.png, model.json) or an
    .npz of ids and images, with the evaluator `evaluate` uses. A bad submission gets one line
    naming the file and the fix, and nothing is written.

    \b
    Example: python -m benchmark inputs --split test --size 64 --out inputs-test
             (run your model over inputs-test, write submission/<id>.png)
             python -m benchmark score submission --split test --out results-test.json
    """
    from .session_pack import score_session_submission
    from .sessions import turn_table
    from .submission import score_submission

    if sessions:
        results = score_session_submission(submission, int(size) if size else None, out, root=data_root)
        click.echo(json.dumps({"submission": submission, "model": results["model"], "sessions": results["n"],
                               **{f"fed_back_{m}": [round(v, 4) for v in turn_table(results, "fed_back", m)]
                                  for m in ("edit_acc", "all_edits", "keep_acc")}}))
        return
    results = score_submission(submission, split, int(size) if size else None, out, root=data_root)
    summary = {name: round(m["value"], 6) for name, m in results["metrics"].items() if m["value"] is not None}
    click.echo(json.dumps({"submission": submission, "model": results["model"], "n": results["n"], **summary,
                           "identity_mse": round(results["identity"]["mse"]["value"], 6)}))


@click.command("reader-check")
@click.option("--size", type=int, default=32, show_default=True)
@click.option("--n", "count", type=int, default=200, show_default=True, help="Fresh random avatars.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--bound", "bound_split", type=click.Choice(SPLIT_NAMES), default=None,
              help="Instead: the edit accuracy reachable on this split by an editor that draws every change "
                   "exactly but must guess what the source hides.")
def reader_check(size, count, seed, bound_split):
    """Accuracy per attribute of the attribute reader (edit_acc / keep_acc) on fresh renders:
    clean, from the other rasteriser (whole-document resvg), and with pixel noise sigma 0.05.

    \b
    Example: python -m benchmark reader-check --size 32 --n 200
             python -m benchmark reader-check --bound test
    """
    from collection import sample_spec, seeded_rng

    from .reader import READER_VERSION, edit_bound, reader_accuracy

    if bound_split:
        from aimi.release import split_rows
        from collection import AvatarSpec

        rows = split_rows(bound_split)
        b = edit_bound([AvatarSpec.from_dict(r["source"]) for r in rows], [AvatarSpec.from_dict(r["target"]) for r in rows],
                       [r["attribute"] for r in rows], size)
        click.echo(f"{bound_split} split at {size} px: {b['hidden']} of {b['n']} changes reveal a value the source hides. "
                   f"Every change drawn exactly, that value guessed: edit accuracy {b['best']:.3f} with the best "
                   f"guess under the renderer's weights, {b['blind']:.3f} with a blind one (reader v{READER_VERSION})")
        return

    specs = [sample_spec(seeded_rng("reader-check", seed, i)) for i in range(count)]
    conditions = {"clean": {}, "reference renderer": {"renderer": "reference"}, "noise 0.05": {"noise": 0.05}}
    reports = {label: reader_accuracy(specs, size, **kwargs) for label, kwargs in conditions.items()}
    click.echo(f"attribute reader v{READER_VERSION}, {count} fresh avatars at {size} px (accuracy over visible)")
    click.echo(f"  {'attribute':20s}" + "".join(f"{label:>20s}" for label in conditions))
    for name in reports["clean"]:
        click.echo(f"  {name:20s}" + "".join(f"{reports[label][name]['accuracy']:>19.3f} " for label in conditions)
                   + f"  n={reports['clean'][name]['n']}")


@click.command("directions")
@click.argument("runs_", metavar="RUNS...", nargs=-1, required=True)
@click.option("--attribute", "names", multiple=True, default=("facial_hair", "top"), show_default=True,
              type=click.Choice(["accessory", "facial_hair", "top"]), help="Attributes whose changes differ in kind.")
@click.option("--n", "count", type=click.IntRange(min=1), default=300, show_default=True, help="Fresh pairs per attribute.")
@click.option("--seed", type=int, default=0, show_default=True)
def directions(runs_, names, count, seed):
    """Each run's edit accuracy per kind of change (a beard to a moustache, hair to a bald head) on
    fresh rendered pairs asked for in plain lexicon phrasing, none revealing a hidden value: where the
    model draws and where it does not.

    \b
    Example: python -m benchmark directions pretrained:edit_film-cpu --attribute facial_hair
    """
    from .. import runs
    from ..ceiling.model import BUILDERS
    from ..pretrained import resolve_run
    from ..training.checkpoint import load_model
    from .directions import direction_scores

    for run in runs_:
        model, _ = load_model(runs.best_path(resolve_run(run)), BUILDERS)
        for name in names:
            for kind, score in direction_scores(model, name, count, seed).items():
                click.echo(f"{run}  {name:12s} {kind:28s} n={score['n']:4d}  edit {score['edit_acc']:.3f}")


COMMANDS = (evaluate, compare, inputs, score, reader_check, directions)

__all__ = ["COMMANDS", "compare", "directions", "evaluate", "inputs", "reader_check", "score"]
