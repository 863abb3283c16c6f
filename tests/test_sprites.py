"""The sprite renderer against the whole-document resvg reference, and its cache."""

import os
import random
import subprocess
import sys

import numpy as np
import pytest

from collection import attribute, compose_svg, rasterise, render_reference, sample_spec
from collection.render.composite import composite
from collection.render.sprites import cache_key, cache_path, load_or_build

MAX_DIFF = 4  # /255, per pixel
MEAN_DIFF = 0.1  # /255, over the sweep


def _sweep(combos, size, seed):
    rng = random.Random(seed)
    worst, total = 0, 0.0
    for top, facial_hair, accessory in combos:
        spec = sample_spec(rng).replace(top=top, facial_hair=facial_hair, accessory=accessory)
        diff = np.abs(composite(spec, size).astype(np.int16) - render_reference(spec, size))
        assert diff.max() <= MAX_DIFF, f"{size}px {spec}: max diff {diff.max()}/255"
        worst = max(worst, int(diff.max()))
        total += float(diff.mean())
    mean = total / len(combos)
    assert mean <= MEAN_DIFF, f"{size}px: mean diff {mean:.3f}/255 over {len(combos)} avatars"
    return worst, mean


def _all_combos():
    return [(t, f, a) for t in attribute("top").values for f in attribute("facial_hair").values
            for a in attribute("accessory").values]


@pytest.mark.parametrize("size", [32, 64])
def test_sprites_match_the_reference_on_a_sample(size):
    combos = random.Random(size).sample(_all_combos(), 120)
    _sweep(combos, size, seed=size)


@pytest.mark.slow
@pytest.mark.parametrize("size", [32, 64])
def test_sprites_match_the_reference_on_every_top_facial_hair_and_accessory(size):
    worst, mean = _sweep(_all_combos(), size, seed=1000 + size)
    print(f"{size}px: {len(_all_combos())} avatars, max diff {worst}/255, mean {mean:.4f}/255")


def test_any_hex_colour_goes_through_the_black_and_white_sprites(specs):
    rng = random.Random(3)
    for spec in specs[:10]:
        colours = {name: "#%02X%02X%02X" % tuple(rng.randrange(256) for _ in range(3))
                   for name in ("hair_color", "hat_color", "skin_color", "clothing_color",
                                "facial_hair_color", "background_color")}
        ours = composite(spec, 64, colours=colours).astype(np.int16)
        reference = rasterise(compose_svg(spec, 64, colours=colours))
        assert np.abs(ours - reference).max() <= MAX_DIFF
    with pytest.raises(ValueError, match="#RRGGBB"):
        composite(specs[0], 64, colours={"skin_color": "pink"})


def test_rgba_output_is_transparent_outside_the_circle_and_matches_over_white(specs):
    spec = specs[0]
    rgba = composite(spec, 64, rgba=True)
    assert rgba.shape == (64, 64, 4) and rgba[0, 0, 3] == 0 and rgba[32, 32, 3] == 255
    a = rgba[:, :, 3:].astype(np.float32) / 255
    over_white = rgba[:, :, :3] * a + 255 * (1 - a)
    assert np.abs(over_white - composite(spec, 64)).max() <= 1.5


def test_cache_is_keyed_by_versions_and_rebuilt_when_corrupt(tmp_path, monkeypatch):
    monkeypatch.setenv("AIMI_SPRITE_CACHE", str(tmp_path))
    path = cache_path(32)
    assert path.parent.name == cache_key()
    assert "python-avatars-1.4.1" in cache_key() and "resvg-0.2.0" in cache_key()
    first = load_or_build(32)
    assert path.exists()
    path.write_bytes(b"not a cache")  # corrupted: detected, rebuilt, same content
    again = load_or_build(32)
    assert np.array_equal(first["data"], again["data"]) and first["index"] == again["index"]
    assert path.read_bytes()[:2] == b"PK"


def test_two_processes_building_at_once_agree(tmp_path):
    env = {**os.environ, "AIMI_SPRITE_CACHE": str(tmp_path)}
    code = ("from collection.render.sprites import load_or_build, cache_path;"
            "import hashlib; load_or_build(32);"
            "print(hashlib.sha256(cache_path(32).read_bytes()).hexdigest())")
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1] and len(outs[0]) == 64
    leftovers = [p.name for p in cache_path(32).parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_cache_content_does_not_depend_on_how_the_build_was_shared():
    from collection.render.sprites import build

    serial = build(32)
    shared = build(32, map, pieces=3)
    assert serial["index"] == shared["index"] and serial["chains"] == shared["chains"]
    assert np.array_equal(serial["data"], shared["data"])
