"""The one evaluator: score uint8 outputs against their items. ``evaluate`` (a checkpoint's
predictions), ``score`` (anybody's submission) and ``evaluate --instructions`` all end here, so
they can never disagree.

    score_outputs(outputs, masks, arrays, specs, about) -> (results, items)
    write_scored(folder, stem, results, items, outputs, masks)  -> results-<stem>.json, items-, outputs-

``outputs`` are (N, S, S, 3) uint8 (what a user saves), ``masks`` (N, S, S) uint8 keep-masks
(255 = keep the source) or None; ``arrays`` the items' ``source``, ``target``, ``mask``,
``attribute``, ``id``, ``pair_id``; ``specs`` (source spec, target spec, changed attribute) per
item for the attribute reader, or None; ``about`` what was scored (model, checkpoint or
submission), merged into the results.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from collection.files import write_atomic, write_json

from collection import visible_attributes

from .. import runs
from .metrics import METRICS, item_mse, mask_iou, region_mse
from .reader import READER_VERSION, attribute_scores_many
from .stats import RESAMPLES, paired_comparison, summarize

EVALUATOR_VERSION = "3"   # 2: per-attribute results; 3: edit_acc_observable (edit_acc and the rest unchanged)
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


def score_items(output_u8: np.ndarray, mask_u8, arrays: dict, specs=None) -> tuple[dict, dict]:
    """Per-item scores of the outputs (N, S, S, 3) uint8 and of the identity floor. ``mask_u8``:
    (N, S, S) uint8 keep-masks or None."""
    output = runs.to_images(output_u8).numpy()
    source, target = runs.to_images(arrays["source"]).numpy(), runs.to_images(arrays["target"]).numpy()
    mask = np.asarray(arrays["mask"], dtype=np.float32)
    predicted = None if mask_u8 is None else np.asarray(mask_u8, dtype=np.float32) / 255.0
    scores = pixel_scores(output, target, mask, predicted)
    floor = pixel_scores(source, target, mask)
    if specs is not None:
        sources, targets, changed = zip(*specs)
        read, floor_read = attribute_scores_many([output_u8, np.asarray(arrays["source"])], sources, targets, changed)
        observable = np.asarray([not set(visible_attributes(t)) - set(visible_attributes(s))
                                 for s, t in zip(sources, targets)])
        for found in (read, floor_read):
            found["edit_acc_observable"] = np.where(observable, found["edit_acc"], np.nan)
        scores.update(read)
        floor.update(floor_read)
    return scores, floor


def score_outputs(output_u8: np.ndarray, mask_u8, arrays: dict, specs, about: dict,
                  resamples: int = RESAMPLES) -> tuple[dict, list[dict]]:
    """(results, per-item rows): every metric with value, 95% interval, n and direction, the
    identity floor on the same items, paired tests against it, per changed attribute, the
    reader's and the evaluator's versions; ``about`` (what was scored) is merged in."""
    scores, floor = score_items(output_u8, mask_u8, arrays, specs)
    compared = (*PIXEL_METRICS, *(("edit_acc", "keep_acc", "edit_acc_observable") if specs is not None else ()))
    results = {
        "format": 1, "evaluator_version": EVALUATOR_VERSION, "n": len(output_u8), **about,
        "metrics": {name: summarize(values, METRICS[name][0], resamples) for name, values in scores.items()},
        "identity": {name: summarize(values, METRICS[name][0], resamples) for name, values in floor.items()},
        "vs_identity": {name: paired_comparison(scores[name], floor[name], METRICS[name][0], resamples)
                        for name in compared},
        "per_attribute": {"model": per_attribute(scores, arrays["attribute"], resamples),
                          "identity": per_attribute(floor, arrays["attribute"], resamples)},
        "attribute_reader": {"version": READER_VERSION, "method": "nearest rendering per attribute",
                             "renderer": "sprite", **{k: v for k, v in runs.versions().items()
                                                      if k in ("python-avatars", "resvg")}} if specs else None,
    }
    items = []
    for i in range(len(output_u8)):
        row = {"id": arrays["id"][i], "attribute": arrays["attribute"][i],
               **({"pair_id": arrays["pair_id"][i]} if "pair_id" in arrays else {})}
        row.update({name: _json_float(values[i]) for name, values in scores.items()})
        row.update({f"identity_{name}": _json_float(values[i]) for name, values in floor.items()})
        items.append(row)
    return clean_json(results), items


def write_scored(folder: str | Path, stem: str, results: dict, items: list[dict] | None = None,
                 output_u8: np.ndarray | None = None, mask_u8=None, ids=None) -> Path:
    """Write ``results-<stem>.json`` (and, when given, ``items-<stem>.jsonl`` and
    ``outputs-<stem>.npz``) into ``folder``, each atomically; returns the results path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if items is not None:
        write_atomic(runs.items_path(folder, stem), "".join(json.dumps(r, sort_keys=True) + "\n" for r in items),
                     durable=False)
    if output_u8 is not None:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, id=np.asarray(ids), output=output_u8,
                            **({} if mask_u8 is None else {"mask": mask_u8}))
        write_atomic(runs.outputs_path(folder, stem), buffer.getvalue(), durable=False)
    path = runs.results_path(folder, stem)
    write_json(path, results)
    return path


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


__all__ = ["EVALUATOR_VERSION", "PER_ATTRIBUTE", "PIXEL_METRICS", "clean_json", "per_attribute", "pixel_scores",
           "score_items", "score_outputs", "write_scored"]
