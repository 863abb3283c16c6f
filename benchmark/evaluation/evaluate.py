"""Evaluate a trained run on a split: ``evaluate("runs/imi_sim", "test")`` writes

    RUN/results-<split>.json   metrics (value, 95% bootstrap interval, n, direction), the identity
                               floor on the same items, paired tests against it, versions
    RUN/items-<split>.jsonl    per-item scores of the model and of identity
    RUN/outputs-<split>.npz    the outputs (and masks) as uint8, for figures and the preference study

The identity model (output = source) is always evaluated alongside: it is the floor.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from collection.files import sha256_file, write_atomic, write_json

from .. import runs
from ..training.checkpoint import load_model
from .metrics import METRICS, item_mse, mask_iou, region_mse
from .reader import READER_VERSION, attribute_scores
from .stats import RESAMPLES, paired_comparison, summarize

EVALUATOR_VERSION = "2"   # 2: per-attribute results
PIXEL_METRICS = ("mse", "mse_changed", "mse_unchanged")
PER_ATTRIBUTE = ("edit_acc", "keep_acc", "mse")


def per_attribute(scores: dict, attributes, resamples: int = RESAMPLES) -> dict:
    """``{attribute: {metric: summary}}`` over the items whose changed attribute it is, for the
    metrics of ``PER_ATTRIBUTE`` present in ``scores`` (value, 95% interval, n, direction)."""
    attributes = np.asarray(attributes)
    return {a: {name: summarize(np.asarray(scores[name])[attributes == a], METRICS[name][0], resamples)
                for name in PER_ATTRIBUTE if name in scores}
            for a in sorted(set(attributes.tolist()))}


def pixel_scores(output, target, mask, predicted_mask=None) -> dict[str, np.ndarray]:
    """Per-item pixel metrics of ``output`` against ``target`` with ground-truth ``mask``."""
    scores = {"mse": item_mse(output, target),
              "mse_changed": region_mse(output, target, mask, changed=True),
              "mse_unchanged": region_mse(output, target, mask, changed=False)}
    if predicted_mask is not None:
        scores["mask_iou"] = mask_iou(predicted_mask, mask)
    return scores


def score_items(output_u8: np.ndarray, predicted_mask, arrays: dict, specs=None) -> tuple[dict, dict]:
    """Per-item scores of the outputs (N, S, S, 3) uint8 and of the identity floor, on the uint8
    outputs a user would save (so figures and numbers agree). ``arrays``: ``source``, ``target``,
    ``mask``; ``specs``: (source spec, target spec, changed attribute) per item, for edit/keep."""
    output = runs.to_images(output_u8).numpy()
    source, target = runs.to_images(arrays["source"]).numpy(), runs.to_images(arrays["target"]).numpy()
    mask = np.asarray(arrays["mask"], dtype=np.float32)
    predicted = None if predicted_mask is None else predicted_mask.numpy()
    scores = pixel_scores(output, target, mask, predicted)
    floor = pixel_scores(source, target, mask)
    if specs is not None:
        sources, targets, changed = zip(*specs)
        scores.update(attribute_scores(output_u8, sources, targets, changed))
        floor.update(attribute_scores(np.asarray(arrays["source"]), sources, targets, changed))
    return scores, floor


def evaluate(run: str | Path, split: str = "test", root: str | Path | None = None, resamples: int = RESAMPLES,
             batch_size: int = 64, attributes: bool = True, limit: int = 0, out: str | Path | None = None) -> dict:
    """Evaluate ``run``'s best checkpoint on ``split``; returns (and writes) the results dict.
    ``attributes`` adds ``edit_acc`` and ``keep_acc`` read by synthesis (``attributes.py``);
    ``limit`` evaluates only the first N items (smoke runs; the result records it); ``out`` is the
    folder for the result files (default: the run folder)."""
    import aimi

    from ..training.predict import predict_columns

    from ..ceiling.model import BUILDERS

    run = Path(run)
    checkpoint = runs.best_path(run)
    model, payload = load_model(checkpoint, BUILDERS)
    size = model.cfg.size
    dataset = aimi.AIMI(root, split, size, progress=False)
    count = min(limit, len(dataset)) if limit else len(dataset)
    arrays = dataset.__getitems__(list(range(count)))   # read once: the model's input and the scores'
    predicted = predict_columns(model, arrays, batch_size=batch_size)
    output_u8 = runs.from_images(predicted["output"])                     # (N, S, S, 3) uint8
    specs = None
    if attributes:
        from collection import AvatarSpec

        specs = [(AvatarSpec.from_dict(r["source"]), AvatarSpec.from_dict(r["target"]), r["attribute"])
                 for r in dataset.rows[:count]]
    scores, floor = score_items(output_u8, predicted["mask"], arrays, specs)

    config = runs.read_config(run) if runs.config_path(run).is_file() else {}
    results = {
        "format": 1, "evaluator_version": EVALUATOR_VERSION, "model": payload["model"],
        "preset": payload.get("preset"), "seed": payload.get("train_config", {}).get("seed"),
        "run": str(run), "split": split, "n": count, "limited": bool(limit and count < len(dataset)),
        "checkpoint": {"file": checkpoint.name, "phase": payload["phase"], "sha256": sha256_file(checkpoint)},
        "data_version": aimi.DATA_VERSION, "instructions": "simulated",
        "code_version": runs.versions().get("aimi"), "git": runs.git_state(), "trained_with": config.get("git"),
        "model_config": payload["model_config"], "train_config": payload.get("train_config"),
        "metrics": {name: summarize(values, METRICS[name][0], resamples) for name, values in scores.items()},
        "identity": {name: summarize(values, METRICS[name][0], resamples) for name, values in floor.items()},
        "vs_identity": {name: paired_comparison(scores[name], floor[name], METRICS[name][0], resamples)
                        for name in (*PIXEL_METRICS, *(("edit_acc", "keep_acc") if attributes else ()))},
        "training_data": (config.get("data") or payload.get("data") or {}).get("training_data", "paper"),
        "uses_renderer_at_inference": payload["model"] == "parse_render",
        **({"ceiling": payload["ceiling"]} if "ceiling" in payload else {}),
        "per_attribute": {"model": per_attribute(scores, arrays["attribute"], resamples),
                          "identity": per_attribute(floor, arrays["attribute"], resamples)},
        "attribute_reader": {"version": READER_VERSION, "method": "nearest rendering per attribute",
                             "renderer": "sprite", **{k: v for k, v in runs.versions().items()
                                                      if k in ("python-avatars", "resvg")}} if attributes else None,
    }
    items = []
    for i in range(count):
        row = {"id": arrays["id"][i], "pair_id": arrays["pair_id"][i], "attribute": arrays["attribute"][i]}
        row.update({name: _json_float(values[i]) for name, values in scores.items()})
        row.update({f"identity_{name}": _json_float(values[i]) for name, values in floor.items()})
        items.append(row)
    where = Path(out) if out else run
    where.mkdir(parents=True, exist_ok=True)
    write_atomic(runs.items_path(where, split), "".join(json.dumps(r, sort_keys=True) + "\n" for r in items),
                 durable=False)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, id=np.asarray(arrays["id"]), output=output_u8,
                        **({} if predicted["mask"] is None else {"mask": runs.from_masks(predicted["mask"])}))
    write_atomic(runs.outputs_path(where, split), buffer.getvalue(), durable=False)
    write_json(runs.results_path(where, split), clean_json(results))
    return clean_json(results)


def _json_float(value) -> float | None:
    value = float(value)
    return None if not np.isfinite(value) else value


def clean_json(obj):
    """NaN -> None everywhere (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {k: clean_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean_json(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


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
