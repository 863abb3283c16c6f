"""Evaluate a trained run on a split: ``evaluate("runs/imi_sim", "test")`` writes

    RUN/results-<split>.json   metrics (value, 95% bootstrap interval, n, direction), the identity
                               floor on the same items, paired tests against it, versions
    RUN/items-<split>.jsonl    per-item scores of the model and of identity
    RUN/outputs-<split>.npz    the outputs (and masks) as uint8, for figures and the preference study

The identity model (output = source) is always evaluated alongside: it is the floor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from collection.files import sha256_file

from .. import runs
from ..training.checkpoint import load_model
from .metrics import METRICS
from .score import clean_json, score_outputs, write_scored
from .stats import RESAMPLES, paired_comparison


def about_checkpoint(run: Path, payload: dict) -> dict:
    """What a result says of the model it scored when that model is a checkpoint of ours (an editor
    with a sentence parser is its own model, ``NAME+parser``, in tables and figures)."""
    config = runs.read_config(run) if runs.config_path(run).is_file() else {}
    checkpoint = runs.best_path(run)
    return {"model": runs.model_label(payload), "preset": payload.get("preset"),
            "seed": payload.get("train_config", {}).get("seed"), "run": str(run),
            "checkpoint": {"file": checkpoint.name, "phase": payload["phase"], "sha256": sha256_file(checkpoint)},
            "code_version": runs.versions().get("aimi"), "git": runs.git_state(), "trained_with": config.get("git"),
            "model_config": payload["model_config"], "train_config": payload.get("train_config"),
            "training_data": (config.get("data") or payload.get("data") or {}).get("training_data", "paper"),
            "uses_renderer_at_inference": payload["model"] == "parse_render",
            **({"ceiling": payload["ceiling"]} if "ceiling" in payload else {})}


def split_specs(dataset, count: int) -> list:
    """(source spec, target spec, changed attribute) of a split's first ``count`` items."""
    from collection import AvatarSpec

    return [(AvatarSpec.from_dict(r["source"]), AvatarSpec.from_dict(r["target"]), r["attribute"])
            for r in dataset.rows[:count]]


def evaluate(run: str | Path, split: str = "test", root: str | Path | None = None, resamples: int = RESAMPLES,
             batch_size: int = 64, attributes: bool = True, limit: int = 0, out: str | Path | None = None) -> dict:
    """Evaluate ``run``'s best checkpoint on ``split``: predict, then score the uint8 outputs with
    the one evaluator (``score.score_outputs``, as ``score`` does for a submission); returns (and
    writes) the results dict. ``attributes`` adds ``edit_acc`` and ``keep_acc`` read by synthesis;
    ``limit`` evaluates only the first N items (smoke runs; the result records it); ``out`` is the
    folder for the result files (default: the run folder)."""
    import aimi

    from ..ceiling.model import BUILDERS
    from ..training.predict import predict_columns

    run = Path(run)
    model, payload = load_model(runs.best_path(run), BUILDERS)
    dataset = aimi.AIMI(root, split, model.cfg.size, progress=False)
    count = min(limit, len(dataset)) if limit else len(dataset)
    arrays = dataset.__getitems__(list(range(count)))   # read once: the model's input and the scores'
    predicted = predict_columns(model, arrays, batch_size=batch_size)
    output_u8 = runs.from_images(predicted["output"])                     # (N, S, S, 3) uint8
    mask_u8 = None if predicted["mask"] is None else runs.from_masks(predicted["mask"])
    about = {**about_checkpoint(run, payload), "split": split, "limited": bool(limit and count < len(dataset)),
             "data_version": aimi.DATA_VERSION, "instructions": "simulated"}
    results, items = score_outputs(output_u8, mask_u8, arrays, split_specs(dataset, count) if attributes else None,
                                   about, resamples)
    write_scored(out or run, split, results, items, output_u8, mask_u8, arrays["id"])
    return results


def compare(run_a: str | Path, run_b: str | Path, split: str = "test", resamples: int = RESAMPLES) -> dict:
    """Paired comparison of two evaluated runs on the same items (their items-<split>.jsonl)."""
    def read(run):
        return {row["id"]: row for row in runs.read_items(run, split)}

    a, b = read(run_a), read(run_b)
    if set(a) != set(b):
        raise ValueError(f"{run_a} and {run_b} were evaluated on different items")
    ids = sorted(a)
    out = {"a": str(run_a), "b": str(run_b), "split": split, "n": len(ids)}
    for name in METRICS:
        if name in a[ids[0]] and name in b[ids[0]]:
            va = np.array([np.nan if a[i][name] is None else a[i][name] for i in ids])
            vb = np.array([np.nan if b[i][name] is None else b[i][name] for i in ids])
            out[name] = paired_comparison(va, vb, METRICS[name][0], resamples)
    return clean_json(out)
