"""Where an editor draws and where it does not: its edits of one attribute grouped by the kind of
change (a beard to a moustache, hair to a bald head), on fresh rendered pairs asked for in plain
lexicon phrasing (``collection.crowd.simulate.plain_request``), leaving out every change that
reveals a value the source hides. Neither reading a free phrasing nor guessing a hidden colour is
in these numbers: drawing is.

    python -m benchmark directions RUN [--attribute facial_hair --attribute top] [--n 300] [--seed 0]

Sources are drawn from their own seeded stream (``seeded_rng("directions", seed, i)``); they are
not the test split's, so the numbers say where to look, and the test split says how well.
"""

from __future__ import annotations

import random

import numpy as np

from collection import AvatarSpec, attribute, render, sample_spec, seeded_rng, visible_attributes
from collection.crowd.simulate import plain_request
from collection.pairs import change_mask
from collection.vocabulary import encode

from .instructions import item_arrays

HEADWEAR = ("hat", "hijab", "turban")
BALD = ("no_hair", "sides", "shaved_sides")
# the kind of value, per attribute whose changes differ in kind
FAMILIES = {
    "facial_hair": lambda v: "none" if v == "none" else v.split("_")[0],              # beard, moustache
    "top": lambda v: ("headwear" if v in HEADWEAR or v.startswith("winter_hat") else
                      "bald or sides" if v in BALD else "hair"),
    "accessory": lambda v: "none" if v == "none" else "eyepatch" if v == "eyepatch" else "glasses",
}


def direction_items(name: str, count: int, size: int, vocabulary: list[str], seed: int = 0) -> tuple[dict, list]:
    """``count`` pairs changing ``name`` to a uniformly drawn other value, each revealing nothing
    hidden: (arrays like ``AIMI.__getitems__``, (source, target) specs)."""
    if name not in FAMILIES:
        raise ValueError(f"no kinds of change are defined for {name!r}; choose from {', '.join(FAMILIES)}")
    arrays = {k: [] for k in ("id", "source", "target", "mask", "tokens", "attribute", "instruction")}
    specs: list[tuple[AvatarSpec, AvatarSpec]] = []
    rng, index = random.Random(f"aimi-directions/{seed}/{name}"), 0
    while len(specs) < count:
        index += 1
        source = sample_spec(seeded_rng("directions", seed, index))
        if name not in visible_attributes(source):
            continue
        target = source.replace(**{name: rng.choice([v for v in attribute(name).values if v != getattr(source, name)])})
        if any(a not in visible_attributes(source) and a != name for a in visible_attributes(target)):
            continue
        text = plain_request(rng, name, getattr(target, name))
        images = render(source, size), render(target, size)
        for key, value in zip(arrays, (f"{name}-{len(specs)}", *images, change_mask(*images),
                                       encode(text, vocabulary) or [1], name, text)):
            arrays[key].append(value)
        specs.append((source, target))
    return item_arrays(arrays), specs


def direction_scores(model, name: str, count: int = 300, seed: int = 0, vocabulary: list[str] | None = None) -> dict:
    """``{kind ("beard -> moustache"): {"edit_acc", "n"}}`` of ``model`` on :func:`direction_items`."""
    from aimi.release import load_release

    from .. import runs
    from ..training.predict import predict_columns
    from .reader import edit_and_keep_all

    vocabulary = vocabulary if vocabulary is not None else load_release()["vocabulary"]
    arrays, specs = direction_items(name, count, model.cfg.size, vocabulary, seed)
    outputs = runs.from_images(predict_columns(model, arrays)["output"])
    family = FAMILIES[name]
    kinds: dict[str, list[bool]] = {}
    for output, (source, target) in zip(outputs, specs):
        (edit, _), = edit_and_keep_all([output], source, target, name)
        kinds.setdefault(f"{family(getattr(source, name))} -> {family(getattr(target, name))}", []).append(edit)
    return {k: {"edit_acc": float(np.mean(v)), "n": len(v)} for k, v in sorted(kinds.items())}


__all__ = ["FAMILIES", "direction_items", "direction_scores"]
