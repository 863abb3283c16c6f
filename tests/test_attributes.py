import json
import random

import numpy as np
import pytest

from collection import ATTRIBUTE_NAMES, AvatarSpec, SpecError, attribute, render, sample_spec, schema
from collection import seeded_rng, visible_attributes
from collection.attributes import OPAQUE_ACCESSORIES, pick


def test_schema_lists_every_attribute_with_its_values():
    assert tuple(schema()) == ATTRIBUTE_NAMES
    assert len(ATTRIBUTE_NAMES) == 15
    counts = {name: len(a.values) for name, a in schema().items()}
    # 30 hair styles + 7 hats once the blush.design parts are excluded
    assert counts == {
        "top": 37, "hat_color": 14, "hair_color": 10, "facial_hair": 6, "facial_hair_color": 10,
        "eyebrows": 14, "eyes": 12, "nose": 1, "mouth": 12, "skin_color": 7, "accessory": 8,
        "clothing": 9, "clothing_color": 14, "shirt_graphic": 11, "background_color": 12,
    }
    for a in schema().values():
        assert len(set(a.values)) == len(a.values)
        assert len(a.weights) == len(a.values)
        if a.colours:
            assert set(a.colours) == set(a.values)


def test_excluded_art_is_absent():
    assert "custom_text" not in attribute("shirt_graphic").values
    for name in ("astronout", "curly_2", "long_hair_curly", "loose_hair", "chef_cap", "gladiator_helmet"):
        assert name not in attribute("top").values
    assert "big_smile" not in attribute("mouth").values


def _spec(**changes):
    return sample_spec(random.Random(7)).replace(**changes)


def test_spec_is_frozen_hashable_and_round_trips_through_json():
    spec = _spec()
    with pytest.raises(AttributeError):
        spec.top = "bob"  # type: ignore[misc]
    assert {spec: 1}[AvatarSpec.from_dict(json.loads(spec.to_json()))] == 1
    assert list(json.loads(spec.to_json())) == list(ATTRIBUTE_NAMES)
    assert spec.replace(top="bob").id != spec.replace(top="bun").id
    assert len(spec.id) == 16 and int(spec.id, 16) >= 0


def test_spec_round_trips_through_its_value_indices():
    for k in range(20):
        spec = sample_spec(seeded_rng("vector-test", 0, k))
        assert AvatarSpec.from_vector(spec.vector()) == spec
    with pytest.raises(SpecError, match="one per attribute"):
        AvatarSpec.from_vector(_spec().vector()[:-1])


def test_canonical_json_and_id_are_pinned():
    # If this changes, every released id changes: bump the data version instead.
    spec = AvatarSpec(
        top="bob", hat_color="black", hair_color="auburn", facial_hair="none",
        facial_hair_color="black", eyebrows="default", eyes="happy", nose="default", mouth="smile",
        skin_color="light", accessory="round", clothing="hoodie", clothing_color="red",
        shirt_graphic="bat", background_color="blue",
    )
    assert spec.to_json().startswith('{"top":"bob","hat_color":"black",')
    assert spec.id == "b31f4bf45fba8076"


def test_bad_names_and_values_say_what_is_valid():
    with pytest.raises(SpecError, match="unknown attribute 'hat'.*valid: top, hat_color"):
        _spec(hat="red")
    with pytest.raises(SpecError, match="unknown value 'blue' for eyes; valid: closed"):
        _spec(eyes="blue")
    with pytest.raises(SpecError, match="missing attribute"):
        AvatarSpec.from_dict({"top": "bob"})


def test_sampling_is_seeded_and_leaves_global_random_alone():
    random.seed(99)
    before = random.getstate()
    a = [sample_spec(seeded_rng("avatar", 3, i)) for i in range(20)]
    b = [sample_spec(seeded_rng("avatar", 3, i)) for i in range(20)]
    assert a == b
    assert random.getstate() == before
    assert len({s.id for s in a}) == 20
    assert sample_spec(seeded_rng("avatar", 4, 0)) != a[0]


def test_pick_uses_weights():
    rng = random.Random(0)
    draws = [pick(rng, ["a", "b"], [3.0, 1.0]) for _ in range(4000)]
    assert 0.72 < draws.count("a") / len(draws) < 0.78


def test_visibility_rules_hold_on_random_specs():
    """A hidden attribute never changes a pixel; a visible one always can."""
    rng = random.Random(5)
    checked_hidden = set()
    for _ in range(60):
        spec = sample_spec(rng)
        base = render(spec, 64)
        visible = set(visible_attributes(spec))
        for name in ATTRIBUTE_NAMES:
            values = [v for v in attribute(name).values if v != getattr(spec, name)]
            if not values:
                continue
            other = render(spec.replace(**{name: pick(rng, values)}), 64)
            if name not in visible:
                checked_hidden.add(name)
                assert np.array_equal(base, other), f"{name} is hidden but changed pixels in {spec}"
        # a visible attribute has some value that changes the image
        for name in visible & {"top", "hat_color", "hair_color", "facial_hair_color", "accessory",
                               "clothing_color", "shirt_graphic"}:
            alternatives = [v for v in attribute(name).values if v != getattr(spec, name)]
            assert any(not np.array_equal(base, render(spec.replace(**{name: v}), 64))
                       for v in alternatives[:4]), f"{name} is visible but never changes {spec}"
    assert {"hat_color", "hair_color", "shirt_graphic"} <= checked_hidden


def test_opaque_accessories_are_exactly_those_that_hide_the_eyes():
    spec = _spec(top="short_flat")
    for accessory in attribute("accessory").values:
        images = [render(spec.replace(accessory=accessory, eyes=e), 256)
                  for e in ("default", "happy", "x_dizzy")]
        hides = all(np.array_equal(images[0], im) for im in images[1:])
        assert hides == (accessory in OPAQUE_ACCESSORIES), accessory


def test_a_colour_value_has_its_rgb_and_other_asks_are_refused():
    hair = attribute("hair_color")
    for value in hair.values:
        assert "#%02X%02X%02X" % hair.rgb(value) == hair.colours[value].upper()
    with pytest.raises(SpecError, match="unknown value 'teal' for hair_color"):
        hair.rgb("teal")
    with pytest.raises(SpecError, match="top is not a colour attribute"):
        attribute("top").rgb("bob")
