"""Per-item metrics on images in [0,1] (DESIGN.md, "Metric definitions"). Inputs are float
arrays: images (N, 3, S, S), masks (N, 1, S, S) or (N, S, S) with 1 = unchanged, 0 = changed.
Each returns one score per item, NaN where the metric does not apply to that item."""

from __future__ import annotations

import numpy as np

# name -> (direction, what it measures)
METRICS = {
    "mse": ("lower", "the paper's MSE to the target over all pixels"),
    "mse_changed": ("lower", "MSE to the target where the ground truth changes (mask = 0)"),
    "mse_unchanged": ("lower", "MSE to the target where the ground truth keeps the source (mask = 1)"),
    "mask_iou": ("higher", "IoU of the predicted change region (mask < 0.5) with the true one"),
    "edit_acc": ("higher", "the changed attribute reads as the target value (attribute reader)"),
    "edit_acc_observable": ("higher", "edit_acc over the items whose change reveals no attribute the source hides "
                                      "(a hidden value, e.g. hair colour under a hat, cannot be known from the source)"),
    "keep_acc": ("higher", "the other visible attributes read as the source's (attribute reader)"),
    "all_edits": ("higher", "sessions: every attribute edited so far reads as its latest value (attribute reader)"),
}


def _masks(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask, dtype=np.float64)
    return mask[:, 0] if mask.ndim == 4 else mask                  # (N, S, S)


def item_mse(output, target) -> np.ndarray:
    """Mean over pixels and channels of (output - target)^2, per item: (N,)."""
    diff = np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return (diff ** 2).reshape(diff.shape[0], -1).mean(axis=1)


def region_mse(output, target, mask, changed: bool) -> np.ndarray:
    """MSE restricted to the pixels where the ground-truth ``mask`` is 0 (``changed``) or 1; NaN
    for an item without such pixels."""
    squared = ((np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64)) ** 2).mean(axis=1)
    region = (_masks(mask) < 0.5) if changed else (_masks(mask) >= 0.5)      # (N, S, S)
    count = region.reshape(region.shape[0], -1).sum(axis=1)
    total = (squared * region).reshape(region.shape[0], -1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def mask_iou(predicted, truth) -> np.ndarray:
    """IoU of {predicted < 0.5} with {truth = 0} per item; NaN when both regions are empty."""
    pred, true = _masks(predicted) < 0.5, _masks(truth) < 0.5
    inter = (pred & true).reshape(pred.shape[0], -1).sum(axis=1)
    union = (pred | true).reshape(pred.shape[0], -1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1), np.nan)
