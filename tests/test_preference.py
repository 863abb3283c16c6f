"""The preference study's statistics, and the paper's reported proportions fed through them."""

import numpy as np
import pytest

from benchmark.preference.analysis import analyse, ratings_from_proportions, restore_order


def test_restore_order_flips_reversed_presentations():
    rows = [{"item": "x", "order": "forward", "grade_shown": 4}, {"item": "x", "order": "reversed", "grade_shown": 4},
            {"item": "x", "order": "reversed", "grade_shown": 1}]
    assert [r["grade"] for r in restore_order(rows)] == [4, 2, 5]
    with pytest.raises(ValueError, match="integer 1-5"):
        restore_order([{"item": "x", "order": "forward", "grade_shown": 6}])
    with pytest.raises(ValueError, match="forward or reversed"):
        restore_order([{"item": "x", "order": "sideways", "grade_shown": 3}])


def test_the_papers_proportions_give_the_papers_conclusion():
    # 1,380 ratings (230 items x 2 orders x 3 raters): 8.8 / 14 / 13 / 37 / 27 % (largest remainders)
    counts = {1: 122, 2: 194, 3: 180, 4: 511, 5: 373}
    study = analyse(ratings_from_proportions(counts, items=230, per_item=6), "imi", "imi_sim")
    assert study["ratings"] == 1380 and study["items"] == 230
    assert [round(100 * study["proportions"][g], 1) for g in "12345"] == [8.8, 14.1, 13.0, 37.0, 27.0]
    assert study["prefer"]["b"]["value"] == pytest.approx(884 / 1380)          # 64.1%: "over 60%"
    assert round(100 * study["prefer"]["b"]["value"]) == 64
    assert study["prefer"]["a"]["value"] == pytest.approx(316 / 1380)
    low, high = study["prefer"]["b"]["low"], study["prefer"]["b"]["high"]
    assert low < 884 / 1380 < high and low > 0.6 and high - low < 0.08
    assert study["sign"]["positive"] > 3 * study["sign"]["negative"] and study["sign"]["p"] < 1e-10
    assert study["wilcoxon"]["p"] < 1e-10
    assert abs(study["position_bias"]["value"]) < 0.005      # both orders get each grade equally: no bias
    assert study["mean_grade"]["value"] == pytest.approx((122 + 2 * 194 + 3 * 180 + 4 * 511 + 5 * 373) / 1380)
    assert -0.1 < study["alpha_ordinal"] < 0.1                 # grades dealt at random: no agreement


def test_position_bias_and_agreement_are_measured():
    rng = np.random.default_rng(0)
    rows = []
    for item in range(100):
        truth = rng.choice([1, 5])                             # raters agree on each item's winner...
        for order in ("forward", "reversed"):
            for worker in range(3):
                shown = truth if order == "forward" else 6 - truth
                if worker == 0:
                    shown = 1                                  # ...except one who always picks the left picture
                rows.append({"item": item, "order": order, "worker": f"w{worker}", "grade_shown": int(shown)})
    study = analyse(rows, "a", "b")
    assert study["position_bias"]["value"] == pytest.approx(1 / 3, abs=1e-9)
    assert study["position_bias"]["low"] > 0.2
    assert 0.2 < study["alpha_ordinal"] < 0.9 and not study["simulated"]
