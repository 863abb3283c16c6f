"""benchmark.evaluation.metrics on tiny images with known answers."""

import numpy as np
import pytest

from benchmark.evaluation.metrics import METRICS, item_mse, mask_iou, region_mse


def _tiny():
    target = np.zeros((2, 3, 2, 2))
    output = np.zeros((2, 3, 2, 2))
    output[0, :, 0, 0] = 1.0          # item 0: one wrong pixel (all channels) in the top-left corner
    output[1, 0, 1, 1] = 0.5          # item 1: one channel of one pixel off by 0.5
    mask = np.ones((2, 1, 2, 2))
    mask[0, 0, 0, 0] = 0              # item 0 changes the top-left pixel
    mask[1, 0, 0, 1] = 0              # item 1 changes the top-right pixel
    return output, target, mask


def test_mse_overall_and_split_by_the_change_region():
    output, target, mask = _tiny()
    assert item_mse(output, target) == pytest.approx([3 / 12, 0.25 / 12])
    assert region_mse(output, target, mask, changed=True) == pytest.approx([1.0, 0.0])
    assert region_mse(output, target, mask, changed=False) == pytest.approx([0.0, (0.25 / 3) / 3])
    all_kept = np.ones((2, 2, 2))
    assert np.isnan(region_mse(output, target, all_kept, changed=True)).all()


def test_mask_iou():
    truth = np.ones((1, 2, 2))
    truth[0, 0, :] = 0                                  # the top row changes
    predicted = np.ones((1, 1, 2, 2))
    predicted[0, 0, 0, 0] = 0.2                         # predicts one of its two pixels...
    predicted[0, 0, 1, 1] = 0.4                         # ...and one wrong pixel
    assert mask_iou(predicted, truth) == pytest.approx([1 / 3])
    assert mask_iou(truth[:, None], truth) == pytest.approx([1.0])
    assert np.isnan(mask_iou(np.ones((1, 2, 2)), np.ones((1, 2, 2))))[0]


def test_every_metric_states_its_direction():
    assert {d for d, _ in METRICS.values()} == {"lower", "higher"}
