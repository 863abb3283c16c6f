"""The paper's five-grade A/B preference study, analysed (section 4).

Ratings are one long table (crowd-kit style), one dict per rating with the columns
``item`` (test item id), ``order`` ("forward": model_a shown as A; "reversed": model_b shown as A),
``worker``, ``grade_shown`` (1: A much better, 2: A better, 3: comparable, 4: B better,
5: B much better) and ``simulated``. :func:`restore_order` adds ``grade`` on one scale for every
rating: 1 = model_a much better ... 5 = model_b much better (reversed ratings: 6 - grade_shown).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..evaluation.stats import RESAMPLES, cluster_bootstrap_ci, krippendorff_alpha_units, sign_test, wilcoxon_test

ORDERS = ("forward", "reversed")


def restore_order(ratings: list[dict]) -> list[dict]:
    """Each rating with ``grade`` on the model_a (1) ... model_b (5) scale; errors name the row."""
    out = []
    for n, rating in enumerate(ratings):
        grade, order = rating.get("grade_shown"), rating.get("order")
        if order not in ORDERS:
            raise ValueError(f"rating {n}: order must be forward or reversed, got {order!r}")
        if not isinstance(grade, (int, np.integer)) or not 1 <= grade <= 5:
            raise ValueError(f"rating {n}: grade_shown must be an integer 1-5, got {grade!r}")
        out.append({**rating, "grade": int(grade) if order == "forward" else 6 - int(grade)})
    return out


def analyse(ratings: list[dict], model_a: str, model_b: str, resamples: int = RESAMPLES, seed: int = 0) -> dict:
    """Grade proportions, the share preferring each model (cluster bootstrap over items), sign and
    Wilcoxon tests on the items' mean grades, position bias, Krippendorff's alpha (ordinal).

    The result is what ``study.json`` holds and the leaderboard reads (``kind: preference``)."""
    rated = restore_order(ratings)
    if not rated:
        raise ValueError("no ratings to analyse")
    grades = np.array([r["grade"] for r in rated])
    shown = np.array([r["grade_shown"] for r in rated])
    items = np.array([str(r["item"]) for r in rated])
    by_item: dict[str, list[int]] = defaultdict(list)
    for r in rated:
        by_item[str(r["item"])].append(r["grade"])
    item_means = np.array([np.mean(v) for v in by_item.values()])

    def share(mask: np.ndarray) -> dict:
        low, high = cluster_bootstrap_ci(mask.astype(float), items, resamples=resamples, seed=seed)
        return {"value": float(mask.mean()), "low": low, "high": high}

    left, right = (shown <= 2).astype(float), (shown >= 4).astype(float)
    bias_low, bias_high = cluster_bootstrap_ci(left - right, items, resamples=resamples, seed=seed)
    workers = defaultdict(int)
    for r in rated:
        workers[r.get("worker")] += 1
    simulated = {bool(r.get("simulated")) for r in rated}
    return {
        "kind": "preference", "model_a": model_a, "model_b": model_b,
        "simulated": True in simulated, "mixed_sources": len(simulated) > 1,
        "ratings": int(grades.size), "items": len(by_item), "workers": len(workers),
        "max_per_worker": max(workers.values()),
        "per_order": {o: int(sum(r["order"] == o for r in rated)) for o in ORDERS},
        "proportions": {str(g): float((grades == g).mean()) for g in range(1, 6)},
        "prefer": {"a": share(grades <= 2), "tie": share(grades == 3), "b": share(grades >= 4)},
        "mean_grade": {"value": float(grades.mean()), **dict(zip(
            ("low", "high"), cluster_bootstrap_ci(grades.astype(float), items, resamples=resamples, seed=seed)))},
        # tests on items (the ratings of one item are not independent): mean grade - 3 per item
        "sign": sign_test(item_means - 3), "wilcoxon": wilcoxon_test(item_means - 3),
        # share preferring the left picture minus the right one; both orders cancel true preference
        "position_bias": {"value": float((left - right).mean()), "low": bias_low, "high": bias_high},
        "alpha_ordinal": krippendorff_alpha_units(list(by_item.values()), "ordinal"),
    }


def ratings_from_proportions(counts: dict[int, int], items: int, per_item: int, seed: int = 0) -> list[dict]:
    """A ratings table with exactly ``counts[g]`` restored grades g, spread over ``items`` items
    with ``per_item`` ratings each (half per order): to feed published proportions through
    :func:`analyse` (the paper reports only the proportions)."""
    total = sum(counts.values())
    if total != items * per_item or per_item % 2:
        raise ValueError(f"{total} ratings do not fill {items} items x {per_item} (an even number: both orders)")
    grades = np.concatenate([np.full(c, g) for g, c in sorted(counts.items())])
    rng = np.random.default_rng(seed)
    # every grade split evenly between the two orders (as a balanced design would), then dealt to items
    forward, reversed_ = rng.permutation(grades[0::2]), rng.permutation(grades[1::2])
    half = per_item // 2
    out = []
    for item in range(items):
        for order, pool in (("forward", forward), ("reversed", reversed_)):
            for k, grade in enumerate(pool[item * half:(item + 1) * half]):
                out.append({"item": f"item-{item:04d}", "order": order, "worker": f"w{(item * per_item + k) % 138:03d}",
                            "grade_shown": int(grade) if order == "forward" else 6 - int(grade), "simulated": False})
    return out
