"""benchmark.evaluation.stats against closed-form or published answers."""

import numpy as np
import pytest

from benchmark.evaluation.stats import (bootstrap_ci, cluster_bootstrap_ci, krippendorff_alpha, paired_comparison, sign_test,
                             summarize, wilcoxon_test)


def test_bootstrap_interval_covers_the_truth_on_synthetic_samples():
    # 200 samples of N(0.3, 1): the 95% interval should cover 0.3 in about 95% of 200 repeats
    rng = np.random.default_rng(0)
    covered = 0
    for repeat in range(200):
        low, high = bootstrap_ci(rng.normal(0.3, 1.0, 200), resamples=500, seed=repeat)
        covered += low <= 0.3 <= high
    assert 0.90 <= covered / 200 <= 0.99
    low, high = bootstrap_ci([2.0] * 10)
    assert low == high == 2.0
    assert np.isnan(bootstrap_ci([np.nan])[0])


def test_summary_counts_missing_items_and_keeps_the_direction():
    s = summarize([0.1, 0.3, np.nan], "lower")
    assert s["value"] == pytest.approx(0.2) and s["n"] == 2 and s["n_missing"] == 1 and s["direction"] == "lower"


def test_cluster_bootstrap_is_wider_than_the_naive_one_for_correlated_ratings():
    rng = np.random.default_rng(1)
    item_effect = rng.normal(0, 1, 50)
    values = np.repeat(item_effect, 6) + rng.normal(0, 0.1, 300)   # six near-identical ratings per item
    clusters = np.repeat(np.arange(50), 6)
    naive = np.subtract(*bootstrap_ci(values)[::-1])
    clustered = np.subtract(*cluster_bootstrap_ci(values, clusters)[::-1])
    assert clustered > 1.8 * naive


def test_sign_and_wilcoxon_tests():
    s = sign_test([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, -1])
    assert (s["positive"], s["negative"], s["zero"]) == (10, 1, 1)
    assert s["p"] == pytest.approx(2 * 12 / 2 ** 11)            # 2 * P(X <= 1), X ~ Bin(11, 1/2)
    w = wilcoxon_test([1, 2, 3, 4, 5, 6, 7, 8])                 # all positive: exact p = 2 / 2^8
    assert w["statistic"] == 0 and w["p"] == pytest.approx(2 / 256)
    paired = paired_comparison([0.01] * 30, [0.02] * 30, "lower")
    assert paired["mean_difference"] == pytest.approx(-0.01) and paired["better"] == "a"
    with pytest.raises(ValueError, match="same items"):
        paired_comparison([1, 2], [1], "lower")


def test_krippendorff_alpha_matches_krippendorffs_own_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 coders x 12 units
    n = np.nan
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(data, "interval") == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]]) == pytest.approx(1.0)
