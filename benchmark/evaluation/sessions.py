"""Multi-turn evaluation on the sessions (``aimi.load("sessions")``): a model edits a start avatar
turn after turn, and every turn is scored against that turn's exact ground truth.

Two variants, as GeNeVA-style multi-turn benchmarks report them:

- ``fed_back``: turn t's input is the model's own output of turn t-1 (as uint8, what a person
  sees and a page holds), turn 1's the start image. This is interactive use.
- ``teacher_forced``: turn t's input is the ground truth after turn t-1, so single-step error can
  be told apart from drift.

Per turn, with value, 95% interval and n, for the model and the identity floor (whose fed-back
output is the start image at every turn, and whose teacher-forced output is the previous ground
truth): ``mse`` to the turn's ground truth, ``edit_acc`` (the turn's attribute reads as its new
value), ``keep_acc`` (the attributes never edited so far read as the start's) and ``all_edits``
(every attribute edited so far still reads as its latest value). Reads are by the attribute
reader (:func:`reader.turn_scores_many`), all images of a turn against one set of candidate
renderings.

    evaluate_sessions(run)            -> RUN/results-sessions.json, items-sessions.jsonl, outputs-sessions.npz
    evaluate_sessions_many(runs)      -> the same for each run, every turn's images read together
    chain(step, start, tokens, truth, variant) -> the outputs of every turn
    score_sessions(outputs, rows, arrays, about) -> (results, items)
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Callable

import numpy as np

from collection import AvatarSpec
from collection.files import write_atomic, write_json

from .. import runs
from .metrics import METRICS, item_mse
from .reader import READER_VERSION, turn_scores_many
from .score import EVALUATOR_VERSION, clean_json
from .stats import RESAMPLES, summarize

VARIANTS = ("fed_back", "teacher_forced")
SESSION_METRICS = ("mse", "edit_acc", "keep_acc", "all_edits")
STEM = "sessions"

# step(images (B, S, S, 3) uint8, tokens (B, L) int64 padded, lengths (B,), instructions (B,) str)
#   -> (outputs uint8, keep-masks uint8 or None)
Step = Callable[[np.ndarray, np.ndarray, np.ndarray, list], tuple[np.ndarray, "np.ndarray | None"]]


def turn_tokens(rows: list[dict], turn: int) -> tuple[np.ndarray, np.ndarray]:
    """The padded token ids (N, L) and lengths (N,) of every session's ``turn`` (0-based)."""
    seqs = [r["turns"][turn]["tokens"] for r in rows]
    lengths = np.asarray([len(s) for s in seqs], dtype=np.int64)
    tokens = np.zeros((len(seqs), max(1, int(lengths.max(initial=0)))), dtype=np.int64)
    for i, s in enumerate(seqs):
        tokens[i, :len(s)] = s
    return tokens, lengths


def chain(step: Step, start: np.ndarray, rows: list[dict], truth: np.ndarray, variant: str,
          progress: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Run ``step`` over every turn of every session: (outputs (N, T, S, S, 3) uint8, keep-masks
    (N, T, S, S) uint8 or None). ``truth`` (N, T, S, S, 3) is the ground truth after each turn (the
    teacher-forced inputs; the fed-back chain never reads it)."""
    from tqdm import tqdm

    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; valid: {', '.join(VARIANTS)}")
    n, turns = truth.shape[:2]
    outputs = np.zeros(truth.shape, dtype=np.uint8)
    masks = None
    current = np.array(start)
    for t in tqdm(range(turns), desc=f"sessions {variant}", unit="turn", disable=not progress):
        if t and variant == "teacher_forced":
            current = np.array(truth[:, t - 1])
        tokens, lengths = turn_tokens(rows, t)
        out, mask = step(current, tokens, lengths, [r["turns"][t]["instruction"] for r in rows])
        outputs[:, t] = out
        if mask is not None:
            masks = np.zeros(truth.shape[:-1], dtype=np.uint8) if masks is None else masks
            masks[:, t] = mask
        current = outputs[:, t]
    return outputs, masks


def session_specs(row: dict) -> tuple[list[AvatarSpec], list[str]]:
    """A session row's avatars (start, then after each turn) and changed attributes."""
    return ([AvatarSpec.from_dict(row["start"])] + [AvatarSpec.from_dict(t["spec"]) for t in row["turns"]],
            [t["attribute"] for t in row["turns"]])


def _floor(variant: str, start: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The identity model's outputs: the start at every turn (fed back), the previous ground truth
    (teacher forced)."""
    if variant == "fed_back":
        return np.repeat(np.asarray(start)[:, None], truth.shape[1], axis=1)
    return np.concatenate([np.asarray(start)[:, None], np.asarray(truth)[:, :-1]], axis=1)


def score_sessions(outputs: dict[str, np.ndarray], rows: list[dict], start: np.ndarray, truth: np.ndarray,
                   about: dict, resamples: int = RESAMPLES, progress: bool = False) -> tuple[dict, list[dict]]:
    """(results, per-item rows) for the outputs of each variant given ((N, T, S, S, 3) uint8 each),
    with the identity floor of the same variant."""
    return score_sessions_many([outputs], rows, start, truth, [about], resamples, progress)[0]


def score_sessions_many(models: list[dict[str, np.ndarray]], rows: list[dict], start: np.ndarray,
                        truth: np.ndarray, abouts: list[dict], resamples: int = RESAMPLES,
                        progress: bool = False) -> list[tuple[dict, list[dict]]]:
    """``score_sessions`` of several models on the same sessions at once: every image of a turn
    (each model's, each variant's, the floors') is read against one set of candidate renderings,
    which is most of the cost."""
    from tqdm import tqdm

    n, turns = truth.shape[:2]
    images = {}                              # (model index | "identity", variant) -> (N, T, S, S, 3)
    for m, outputs in enumerate(models):
        unknown = sorted(set(outputs) - set(VARIANTS))
        if unknown or not outputs:
            raise ValueError(f"unknown or no variant(s) {unknown}; valid: {', '.join(VARIANTS)}")
        for variant, out in outputs.items():
            if out.shape != truth.shape or out.dtype != np.uint8:
                raise ValueError(f"{variant} outputs are {out.shape} {out.dtype}; expected {truth.shape} uint8")
            images[m, variant] = out
    for variant in [v for v in VARIANTS if any(v in outputs for outputs in models)]:   # one floor each, shared
        images["identity", variant] = _floor(variant, start, truth)
    keys = list(images)
    scores = {k: {m: np.full((n, turns), np.nan) for m in SESSION_METRICS} for k in keys}
    target = runs.to_images(np.array(truth).reshape(-1, *truth.shape[2:])).numpy()
    for k in keys:
        found = runs.to_images(np.array(images[k]).reshape(-1, *truth.shape[2:])).numpy()
        scores[k]["mse"] = item_mse(found, target).reshape(n, turns)
    for i in tqdm(range(n), desc="reading sessions", unit="session", disable=not progress):
        specs, names = session_specs(rows[i])
        for t in range(turns):
            read = turn_scores_many([images[k][i, t] for k in keys], specs[:t + 2], names[:t + 1])
            for k, r in zip(keys, read):
                for m in ("edit_acc", "keep_acc", "all_edits"):
                    scores[k][m][i, t] = r[m]

    def summaries(key, t):
        return {m: summarize(scores[key][m][:, t], METRICS[m][0], resamples) for m in SESSION_METRICS}

    out = []
    for m, (outputs, about) in enumerate(zip(models, abouts)):
        results = {
            "format": 1, "evaluator_version": EVALUATOR_VERSION, "kind": "sessions", "n": n, "turns": turns, **about,
            "variants": {variant: {"turns": [{"turn": t + 1, "metrics": summaries((m, variant), t),
                                              "identity": summaries(("identity", variant), t)} for t in range(turns)]}
                         for variant in outputs},
            "attribute_reader": {"version": READER_VERSION, "method": "nearest rendering per attribute, in the "
                                 "session's ground-truth contexts latest first", "renderer": "sprite"},
        }
        items = []
        for variant in outputs:
            for i, row in enumerate(rows[:n]):
                for t in range(turns):
                    item = {"id": row["id"], "turn": t + 1, "variant": variant,
                            "attribute": row["turns"][t]["attribute"]}
                    for who, prefix in ((m, ""), ("identity", "identity_")):
                        item.update({prefix + name: _json(scores[who, variant][name][i, t]) for name in SESSION_METRICS})
                    items.append(item)
        out.append((clean_json(results), items))
    return out


def _json(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def write_sessions(folder: str | Path, results: dict, items: list[dict], outputs: dict[str, np.ndarray],
                   masks: dict[str, np.ndarray | None], ids: list[str], stem: str = STEM) -> Path:
    """``results-<stem>.json``, ``items-<stem>.jsonl`` and ``outputs-<stem>.npz`` (``id``, one
    (N, T, S, S, 3) array per variant, ``<variant>_mask`` where the model predicts one); the stem
    is ``sessions`` unless a submitter names the results file otherwise."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(runs.items_path(folder, stem), "".join(json.dumps(r, sort_keys=True) + "\n" for r in items),
                 durable=False)
    buffer = io.BytesIO()
    extra = {f"{v}_mask": m for v, m in masks.items() if m is not None}
    np.savez_compressed(buffer, id=np.asarray(ids), **outputs, **extra)
    write_atomic(runs.outputs_path(folder, stem), buffer.getvalue(), durable=False)
    path = runs.results_path(folder, stem)
    write_json(path, results)
    return path


def model_step(model, batch_size: int = 64) -> Step:
    """A checkpoint's model as a ``Step`` (eval mode, batched, outputs quantised to uint8)."""
    from ..training.predict import predict_columns

    def step(images, tokens, lengths, instructions):
        predicted = predict_columns(model, {"source": images, "tokens": tokens, "lengths": lengths,
                                            "instruction": instructions}, batch_size=batch_size)
        mask = None if predicted["mask"] is None else runs.from_masks(predicted["mask"])
        return runs.from_images(predicted["output"]), mask

    return step


def evaluate_sessions(run: str | Path, root: str | Path | None = None, resamples: int = RESAMPLES,
                      batch_size: int = 64, limit: int = 0, variants: tuple[str, ...] = VARIANTS,
                      out: str | Path | None = None, progress: bool = True) -> dict:
    """Evaluate ``run``'s best checkpoint on the sessions, both variants (see the module
    docstring); writes the result files into ``out`` (default: the run folder) and returns the
    results. ``limit``: only the first N sessions (smoke runs; recorded)."""
    return evaluate_sessions_many([run], root, resamples, batch_size, limit, variants,
                                  None if out is None else [out], progress)[0]


def evaluate_sessions_many(run_list, root: str | Path | None = None, resamples: int = RESAMPLES,
                           batch_size: int = 64, limit: int = 0, variants: tuple[str, ...] = VARIANTS,
                           outs=None, progress: bool = True) -> list[dict]:
    """``evaluate_sessions`` of several runs, scored together (``score_sessions_many``); runs of
    different image sizes are scored in one group per size. ``outs``: a folder per run (default:
    each run's own)."""
    import aimi

    from ..ceiling.model import BUILDERS
    from ..training.checkpoint import load_model
    from .evaluate import about_checkpoint

    run_list = [Path(r) for r in run_list]
    outs = [Path(o) for o in outs] if outs is not None else run_list
    loaded = [load_model(runs.best_path(run), BUILDERS) for run in run_list]
    results: list[dict | None] = [None] * len(run_list)
    for size in sorted({model.cfg.size for model, _ in loaded}):
        group = [k for k, (model, _) in enumerate(loaded) if model.cfg.size == size]
        sessions = aimi.Sessions(root, size=size, progress=False)
        count = min(limit, len(sessions)) if limit else len(sessions)
        arrays = sessions.arrays()
        start, truth = np.array(arrays["start"][:count]), np.array(arrays["image"][:count])
        rows = sessions.rows[:count]
        chains, abouts = [], []
        for k in group:
            model, payload = loaded[k]
            step = model_step(model, batch_size)
            chains.append({v: chain(step, start, rows, truth, v, progress) for v in variants})
            abouts.append({**about_checkpoint(run_list[k], payload), "split": STEM,
                           "limited": bool(limit and count < len(sessions)), "data_version": aimi.DATA_VERSION,
                           "instructions": "simulated"})
        scored = score_sessions_many([{v: c[0] for v, c in ch.items()} for ch in chains], rows, start, truth,
                                     abouts, resamples, progress)
        for k, ch, (result, items) in zip(group, chains, scored):
            write_sessions(outs[k], result, items, {v: c[0] for v, c in ch.items()}, {v: c[1] for v, c in ch.items()},
                           [r["id"] for r in rows])
            results[k] = result
    return results


def turn_table(results: dict, variant: str, metric: str, who: str = "metrics") -> list[float | None]:
    """One metric's value at every turn (``who``: "metrics" for the model, "identity")."""
    return [t[who][metric]["value"] for t in results["variants"][variant]["turns"]]


__all__ = ["SESSION_METRICS", "STEM", "VARIANTS", "chain", "evaluate_sessions", "evaluate_sessions_many", "model_step",
           "score_sessions", "score_sessions_many",
           "session_specs", "turn_table", "turn_tokens", "write_sessions"]
