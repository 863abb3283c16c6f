"""Our composition draws exactly what python-avatars' own Avatar.render() draws."""

import random

import numpy as np

from benchmark.speed.reference import python_avatars_svg
from collection import attribute, rasterise, render_reference, sample_spec


def test_every_top_matches_python_avatars_pixel_for_pixel():
    rng = random.Random(11)
    for top in attribute("top").values:
        spec = sample_spec(rng).replace(top=top)
        ours = render_reference(spec, 64)
        theirs = rasterise(python_avatars_svg(spec, 64))
        assert np.array_equal(ours, theirs), f"top {top} differs from python-avatars ({spec})"


def test_random_specs_match_python_avatars_pixel_for_pixel(specs):
    for spec in specs:
        assert np.array_equal(render_reference(spec, 128), rasterise(python_avatars_svg(spec, 128))), spec
