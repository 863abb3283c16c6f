"""Validation curves of run folders and the paper's convergence claims on them.

The paper (section 4): with SIM the validation error is lower at equal phases, and SIM reaches
in under 1,000 phases what the baseline reaches after 4,000 (a quarter of the phases or fewer).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import runs


def read_curve(run: str | Path) -> dict:
    """``{"model", "preset", "seed", "phase": int array, "val_mse": float array, "mask_mse"}`` of
    run folder ``run`` (from config.json and metrics.jsonl)."""
    run = Path(run)
    if not runs.metrics_path(run).is_file():
        raise FileNotFoundError(f"{run} has no metrics.jsonl; is it a run folder of `python -m benchmark train`?")
    config = runs.read_config(run)
    lines = [json.loads(line) for line in runs.metrics_path(run).read_text().splitlines() if line.strip()]
    return {"model": config["model"], "preset": config["preset"], "seed": config["train"]["seed"],
            "run": str(run),
            "phase": np.asarray([m["phase"] for m in lines], dtype=np.int64),
            "val_mse": np.asarray([m["val"]["mse"] for m in lines], dtype=np.float64),
            "mask_mse": np.asarray([m["val"].get("mask_mse", np.nan) for m in lines], dtype=np.float64)}


def first_phase_at_or_below(curve: dict, level: float) -> int | None:
    """The first evaluated phase whose validation MSE is <= ``level`` (None if never)."""
    hits = np.nonzero(curve["val_mse"] <= level)[0]
    return int(curve["phase"][hits[0]]) if len(hits) else None


def convergence_claims(baseline: dict, proposed: dict) -> dict:
    """The paper's two claims, measured on two curves evaluated at the same phases:

    ``below_share``: share of common phases where ``proposed`` has the lower validation MSE;
    ``baseline_best`` (value, phase) and ``proposed_reaches_at``: the first phase where
    ``proposed`` is at or below the baseline's best; ``phase_ratio`` = that phase / the baseline's
    best phase (the paper's claim: <= 0.25)."""
    common, ib, ip = np.intersect1d(baseline["phase"], proposed["phase"], return_indices=True)
    common_mask = common > 0
    below = proposed["val_mse"][ip][common_mask] < baseline["val_mse"][ib][common_mask]
    best = int(np.argmin(baseline["val_mse"]))
    level, at = float(baseline["val_mse"][best]), int(baseline["phase"][best])
    reaches = first_phase_at_or_below(proposed, level)
    return {"phases_compared": int(common_mask.sum()),
            "below_share": float(below.mean()) if below.size else None,
            "baseline_best": level, "baseline_best_phase": at,
            "proposed_best": float(proposed["val_mse"].min()),
            "proposed_best_phase": int(proposed["phase"][int(np.argmin(proposed["val_mse"]))]),
            "proposed_reaches_at": reaches,
            "phase_ratio": (reaches / at) if reaches is not None and at else None}
