"""Statistics with known answers: percentile bootstrap (plain and clustered), paired tests, and
Krippendorff's alpha. Every function ignores NaN values (items a metric does not apply to)."""

from __future__ import annotations

from typing import Callable

import numpy as np

RESAMPLES, SEED, CONFIDENCE = 1000, 0, 0.95


def bootstrap_ci(values, statistic: Callable = np.mean, resamples: int = RESAMPLES, seed: int = SEED,
                 confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over the finite ``values`` (resampling items)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, x.size, size=(resamples, x.size))
    stats = np.apply_along_axis(statistic, 1, x[picks]) if statistic is not np.mean else x[picks].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    return float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail))


def cluster_bootstrap_ci(values, clusters, statistic: Callable = np.mean, resamples: int = RESAMPLES,
                         seed: int = SEED, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Percentile bootstrap resampling whole clusters (e.g. every rating of one item together)."""
    x = np.asarray(values, dtype=np.float64)
    labels = np.asarray(clusters)
    keep = np.isfinite(x)
    x, labels = x[keep], labels[keep]
    if x.size == 0:
        return (float("nan"), float("nan"))
    groups = [x[labels == label] for label in np.unique(labels)]
    rng = np.random.default_rng(seed)
    stats = np.empty(resamples)
    for r in range(resamples):
        chosen = rng.integers(0, len(groups), size=len(groups))
        stats[r] = statistic(np.concatenate([groups[i] for i in chosen]))
    tail = (1 - confidence) / 2 * 100
    return float(np.percentile(stats, tail)), float(np.percentile(stats, 100 - tail))


def summarize(values, direction: str, resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """``{"value", "low", "high", "n", "n_missing", "direction"}`` of the mean of ``values``."""
    x = np.asarray(values, dtype=np.float64)
    finite = x[np.isfinite(x)]
    low, high = bootstrap_ci(finite, resamples=resamples, seed=seed)
    return {"value": float(finite.mean()) if finite.size else float("nan"), "low": low, "high": high,
            "n": int(finite.size), "n_missing": int(x.size - finite.size), "direction": direction}


def sign_test(differences) -> dict:
    """Two-sided exact sign test on paired differences (zeros dropped)."""
    from scipy.stats import binomtest

    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    positive, negative = int((d > 0).sum()), int((d < 0).sum())
    p = binomtest(positive, positive + negative, 0.5).pvalue if positive + negative else 1.0
    return {"positive": positive, "negative": negative, "zero": int((d == 0).sum()), "p": float(p)}


def wilcoxon_test(differences) -> dict:
    """Two-sided Wilcoxon signed-rank test on paired differences (zeros dropped, as Wilcoxon did)."""
    from scipy.stats import wilcoxon

    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d) & (d != 0)]
    if d.size == 0:
        return {"n": 0, "statistic": float("nan"), "p": 1.0}
    result = wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    return {"n": int(d.size), "statistic": float(result.statistic), "p": float(result.pvalue)}


def paired_comparison(a, b, direction: str, resamples: int = RESAMPLES, seed: int = SEED) -> dict:
    """Model a against model b on the same items (``a[i]``, ``b[i]`` scores of item i): mean
    difference a - b with its bootstrap interval, sign and Wilcoxon tests, and which is better."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired scores need the same items: {a.shape} vs {b.shape}")
    d = a - b
    d = d[np.isfinite(d)]
    low, high = bootstrap_ci(d, resamples=resamples, seed=seed)
    mean = float(d.mean()) if d.size else float("nan")
    better = None
    if d.size and (low > 0 or high < 0):
        better = "a" if (mean < 0) == (direction == "lower") else "b"
    return {"n": int(d.size), "mean_difference": mean, "low": low, "high": high, "sign": sign_test(d),
            "wilcoxon": wilcoxon_test(d), "better": better}


def krippendorff_alpha(ratings, level: str = "ordinal") -> float:
    """Krippendorff's alpha of ``ratings`` (coders x units, NaN = missing) for ``level`` in
    nominal, ordinal, interval. Units with fewer than two ratings are left out."""
    data = np.asarray(ratings, dtype=np.float64)
    return krippendorff_alpha_units([unit[np.isfinite(unit)] for unit in data.T], level)


def krippendorff_alpha_units(units, level: str = "ordinal") -> float:
    """Krippendorff's alpha from the values given to each unit (a list of value lists: every
    pairable value of a unit, whoever gave it, as crowd ratings are), computed by the
    ``krippendorff`` package from the units x values count matrix. NaN with fewer than two values."""
    import krippendorff

    if level not in ("nominal", "ordinal", "interval"):
        raise ValueError(f"level must be nominal, ordinal or interval, got {level!r}")
    units = [np.asarray(u, dtype=np.float64) for u in units]
    units = [u[np.isfinite(u)] for u in units]
    every = np.concatenate(units) if units else np.empty(0)
    values = np.unique(every)
    pairable = [u for u in units if u.size >= 2]
    if values.size < 2 or not pairable:
        return float("nan")
    counts = np.stack([(u[:, None] == values[None, :]).sum(axis=0) for u in pairable])
    return float(krippendorff.alpha(value_counts=counts, value_domain=values, level_of_measurement=level))
