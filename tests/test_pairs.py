import numpy as np
import pytest

from collection import ATTRIBUTE_NAMES, Pair, change_mask, make_pair, render, visible_attributes
from collection.pairs import min_visible_pixels, visible_pixels


@pytest.fixture(scope="module")
def made():
    return [make_pair(seed=3, index=i, size=64) for i in range(60)]


def test_every_pair_differs_in_exactly_one_visible_attribute(made):
    for pair, *_ in made:
        differing = [n for n in ATTRIBUTE_NAMES if getattr(pair.source, n) != getattr(pair.target, n)]
        assert differing == [pair.attribute]
        assert pair.attribute in visible_attributes(pair.source)
        assert pair.attribute in visible_attributes(pair.target)
        assert pair.from_value != pair.to_value


def test_rendered_difference_is_visible_and_mask_is_the_pixel_difference(made):
    for pair, src, tgt, mask in made:
        assert np.array_equal(src, render(pair.source, 64))
        assert np.array_equal(tgt, render(pair.target, 64))
        assert mask.shape == (64, 64) and mask.dtype == np.uint8
        assert set(np.unique(mask)) <= {0, 1}
        expected = np.where((src != tgt).any(axis=-1), 0, 1)
        assert np.array_equal(mask, expected)
        assert (mask == 0).sum() == pair.changed_pixels > 0
        assert visible_pixels(src, tgt) == pair.visible_pixels >= min_visible_pixels(64)


def test_pairs_cover_many_attributes(made):
    assert len({pair.attribute for pair, *_ in made}) >= 10


def test_change_mask_closed_form():
    a = np.zeros((2, 3, 3), np.uint8)
    b = a.copy()
    b[1, 2, 0] = 1
    assert change_mask(a, b).tolist() == [[1, 1, 1], [1, 1, 0]]
    with pytest.raises(ValueError, match="shape"):
        change_mask(a, b[:1])


def test_invisible_changes_are_rejected():
    # 3 pixels at level 16 are below the 64 px threshold of 4; 4 are enough
    a = np.zeros((64, 64, 3), np.uint8)
    b = a.copy()
    b[0, :3, 1] = 16
    b[1, 0, 2] = 15
    assert visible_pixels(a, b) == 3 < min_visible_pixels(64)
    assert min_visible_pixels(32) == 1 and min_visible_pixels(128) == 16


def test_pairs_are_a_pure_function_of_seed_and_index(made):
    pair, src, _, _ = make_pair(seed=3, index=5, size=64)
    assert pair == made[5][0] and np.array_equal(src, made[5][1])
    assert make_pair(seed=4, index=5, size=64)[0] != pair


def test_record_round_trip_and_fields(made):
    pair = made[0][0]
    record = pair.to_record()
    for key in ("pair_id", "attribute", "source", "target", "source_id", "target_id",
                "from_value", "to_value"):
        assert key in record
    assert record["source_id"] == pair.source.id and record["source"] == pair.source.to_dict()
    assert Pair.from_record(record) == pair


def test_attribute_restriction():
    for i in range(10):
        pair = make_pair(seed=1, index=i, size=32, attributes=["eyes", "mouth"])[0]
        assert pair.attribute in ("eyes", "mouth")
    with pytest.raises(ValueError, match="single value"):
        make_pair(seed=1, index=0, attributes=["nose"])
    with pytest.raises(ValueError, match="unknown attribute"):
        make_pair(seed=1, index=0, attributes=["hat"])


def test_sprite_and_reference_pairs_agree():
    same = 0
    for i in range(15):
        pair, src, tgt, mask = make_pair(seed=8, index=i, size=64, renderer="sprite")
        ref_pair, ref_src, ref_tgt, _ = make_pair(seed=8, index=i, size=64, renderer="reference")
        if pair.source == ref_pair.source and pair.target == ref_pair.target:
            same += 1
            for ours, theirs in ((src, ref_src), (tgt, ref_tgt)):
                assert np.abs(ours.astype(int) - theirs).max() <= 4
    assert same >= 14  # only a change at the visibility threshold could be drawn differently
