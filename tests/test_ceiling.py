"""The ceiling's parts: the search over the renderer restarts out of local minima, the parser
prefers the longest lexicon phrase unless it names what the source already shows."""

import numpy as np
import pytest
import torch

from benchmark.ceiling.inverse import read_spec
from benchmark.ceiling.model import CeilingConfig, ParseRender
from collection import ATTRIBUTE_NAMES, attribute, render, sample_spec, seeded_rng, visible_attributes
from collection.crowd.lexicon import phrase_named
from collection.vocabulary import encode


@pytest.mark.parametrize("k", [2, 120])      # seeded avatars whose first search stops above 0
def test_the_search_restarts_until_a_clean_render_is_explained(k):
    spec = sample_spec(seeded_rng("inverse-test", 0, k))
    image = render(spec, 32)
    assert read_spec(image, restarts=0)[1] > 0
    found, error = read_spec(image)
    assert error == 0
    assert np.array_equal(render(found, 32), image)


def test_phrases_are_matched_word_for_word_by_length():
    text = "Kindly replace their big hair with short straight hair which feels punk"
    assert phrase_named(text, "top", "short_flat") == 3
    assert phrase_named(text, "top", "straight_1") == 2
    assert phrase_named(text, "top", "wick") == 0
    assert phrase_named("shorter straight hairs", "top", "short_flat") == 0


def _parser(favour: tuple[str, str]) -> ParseRender:
    cfg = CeilingConfig(attribute_values=tuple(len(attribute(n).values) for n in ATTRIBUTE_NAMES))
    model = ParseRender(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.classes.bias[model.labels.index(favour)] = 5.0     # the classifier's choice, where it decides
    return model


def _parse(model, text, source):
    return model.parse(torch.as_tensor([encode(text, model.vocabulary)]), sources=[source])[0]


def test_the_longest_phrase_wins_over_the_classifier_unless_the_source_shows_it():
    source = sample_spec(seeded_rng("ceiling-test", 0, 0)).replace(
        top="big_hair", hair_color="blonde", facial_hair="beard_medium", facial_hair_color="black", accessory="none")
    assert {"hair_color", "facial_hair_color"} <= set(visible_attributes(source))
    model = _parser(("top", "straight_1"))
    assert _parse(model, "replace their big hair with short straight hair", source) == ("top", "short_flat")
    # "dirty blonde" is a phrase of facial_hair_color=blonde too, but the hair already shows blonde:
    # the phrase says what was, and the classifier chooses among the named changes
    model = _parser(("hair_color", "auburn"))
    assert _parse(model, "replace the dirty blonde with copper on the hair", source) == ("hair_color", "auburn")
