"""Where a model stands against the editor's goals, from result files only (never a timed test):

    python -m benchmark goals RUN [RUN ...] [--instructions STEM]

RUNs are seeds of one model, each evaluated on the test split (``results-test.json``) and, for
the free-phrasing goal, with ``--instructions`` (``results-instructions-STEM.json``); where every
run also has ``results-sessions.json`` (``evaluate --sessions``), the multi-turn goals follow. Each
goal is printed with the mean over seeds, the threshold and whether it holds.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import runs

EDIT, EDIT_EACH, KEEP, MSE_RATIO, MINUTES, PHRASING = 0.90, 0.75, 0.98, 0.30, 20.0, 0.80
SESSION_GAP, KEEP_FALL = 0.10, 0.01    # all edits after the last turn within 10 points of one-step edit; keep -1 point a turn
MIN_ITEMS = 10


def goals(run_folders, instructions: str | None = None) -> list[dict]:
    """One row per goal: name, value (mean over the runs), threshold, holds (bool), detail."""
    folders = [Path(r) for r in run_folders]
    results = [json.loads(runs.results_path(r, "test").read_text()) for r in folders]
    mean = lambda values: float(np.mean(values))  # noqa: E731
    edit = mean([r["metrics"]["edit_acc"]["value"] for r in results])
    keep = mean([r["metrics"]["keep_acc"]["value"] for r in results])
    ratio = mean([r["metrics"]["mse"]["value"] / r["identity"]["mse"]["value"] for r in results])
    rows = [{"goal": "edit accuracy, test", "value": edit, "threshold": f">= {EDIT}", "holds": edit >= EDIT},
            {"goal": "keep accuracy, test", "value": keep, "threshold": f">= {KEEP}", "holds": keep >= KEEP},
            {"goal": "mse / identity mse, test", "value": ratio, "threshold": f"<= {MSE_RATIO}", "holds": ratio <= MSE_RATIO}]
    if all("edit_acc_observable" in r["metrics"] for r in results):     # evaluator 3: not a goal, context
        observable = mean([r["metrics"]["edit_acc_observable"]["value"] for r in results])
        rows.append({"goal": "edit accuracy, changes revealing nothing hidden", "value": observable,
                     "threshold": "(context)", "holds": None})
    table = results[0]["per_attribute"]["model"]
    hidden = hidden_counts(folders[0])
    for name in sorted(table):
        n = table[name]["edit_acc"]["n"]
        if n >= MIN_ITEMS:
            value = mean([r["per_attribute"]["model"][name]["edit_acc"]["value"] for r in results])
            note = f", {hidden[name]} hidden" if hidden.get(name) else ""
            rows.append({"goal": f"edit accuracy, {name} (n={n}{note})", "value": value, "threshold": f">= {EDIT_EACH}",
                         "holds": value >= EDIT_EACH})
    seconds = [s for s in map(runs.training_seconds, folders) if s is not None]
    if seconds:
        minutes = mean(seconds) / 60
        threads = {r.get("train_config", {}).get("threads") for r in results}
        rows.append({"goal": f"training minutes (threads {sorted(map(str, threads))})", "value": minutes,
                     "threshold": f"<= {MINUTES} on 2 cores", "holds": minutes <= MINUTES})
    if instructions:
        free = [json.loads((r / f"results-instructions-{instructions}.json").read_text()) for r in folders]
        share = mean([f["metrics"]["edit_acc"]["value"] for f in free]) / edit if edit else 0.0
        rows.append({"goal": f"free-phrasing edit / test edit ({instructions})", "value": share,
                     "threshold": f">= {PHRASING}", "holds": share >= PHRASING})
    if all(runs.results_path(r, "sessions").is_file() for r in folders):
        rows += session_goals([json.loads(runs.results_path(r, "sessions").read_text()) for r in folders], edit)
    for row in rows:
        row["seeds"] = len(folders)
    return rows


def hidden_counts(folder: Path) -> dict[str, int]:
    """Per changed attribute, the test items whose change reveals a value the source hides (a beard's
    colour when one is added, hair under a hat): no model can know that value, so it reads right on
    them only where the shape alone decides the read (the shipped editor: 0.71 of the 21 such test
    items, 0.89 of the others). Empty when the run has no items file of evaluator 3."""
    if not runs.items_path(folder, "test").is_file():
        return {}
    counts: dict[str, int] = {}
    for item in runs.read_items(folder, "test"):
        if "edit_acc_observable" in item and item["edit_acc_observable"] is None:
            counts[item["attribute"]] = counts.get(item["attribute"], 0) + 1
    return counts


def session_goals(sessions: list[dict], edit: float) -> list[dict]:
    """The multi-turn goals (fed back): "all edits so far" after the last turn within
    ``SESSION_GAP`` of the one-step test edit accuracy ``edit``, and keep accuracy falling by at
    most ``KEEP_FALL`` a turn (its mean fall from turn 1 to the last); the teacher-forced figure
    beside it as context."""
    from ..evaluation.sessions import turn_table

    def mean(variant, metric, turn):
        return float(np.mean([turn_table(s, variant, metric)[turn] for s in sessions if variant in s["variants"]]))

    turns = sessions[0]["turns"]
    last = mean("fed_back", "all_edits", -1)
    fall = (mean("fed_back", "keep_acc", 0) - mean("fed_back", "keep_acc", -1)) / max(turns - 1, 1)
    rows = [{"goal": f"sessions: test edit - all edits after turn {turns}", "value": edit - last,
             "threshold": f"<= {SESSION_GAP}", "holds": edit - last <= SESSION_GAP},
            {"goal": "sessions: keep fall per turn (fed back)", "value": fall, "threshold": f"<= {KEEP_FALL}",
             "holds": fall <= KEEP_FALL}]
    if all("teacher_forced" in s["variants"] for s in sessions):
        rows.append({"goal": f"sessions: all edits after turn {turns}, teacher forced", "value":
                     mean("teacher_forced", "all_edits", -1), "threshold": "(context)", "holds": None})
    return rows


def format_goals(rows: list[dict]) -> str:
    lines = [f"{'goal':48s} {'value':>8s}  {'threshold':18s} holds"]
    lines += [f"{r['goal']:48s} {r['value']:8.3f}  {r['threshold']:18s} {'-' if r['holds'] is None else 'yes' if r['holds'] else 'NO'}"
              for r in rows]
    return "\n".join(lines) + f"\n(mean over {rows[0]['seeds'] if rows else 0} seed(s))\n"


__all__ = ["format_goals", "goals"]
