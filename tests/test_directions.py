"""Edits per kind of change on fresh pairs (``benchmark.evaluation.directions``): known answers."""

import pytest

from baselines import get_model
from benchmark import runs
from benchmark.ceiling.model import BUILDERS
from benchmark.cli import main
from benchmark.evaluation.directions import FAMILIES, direction_items, direction_scores
from benchmark.pretrained import resolve_run
from benchmark.training.checkpoint import load_model
from collection import visible_attributes


def test_pairs_change_one_attribute_reveal_nothing_hidden_and_are_asked_for_plainly():
    arrays, specs = direction_items("facial_hair", 24, 32, ["<pad>", "<unk>", "beard"], seed=3)
    assert len(specs) == 24 and arrays["source"].shape == (24, 32, 32, 3)
    for (source, target), text in zip(specs, arrays["instruction"]):
        changed = [a for a in source.to_dict() if getattr(source, a) != getattr(target, a)]
        assert changed == ["facial_hair"] and text
        assert set(visible_attributes(target)) - {"facial_hair"} <= set(visible_attributes(source))
    again, _ = direction_items("facial_hair", 24, 32, ["<pad>", "<unk>", "beard"], seed=3)
    assert again["instruction"] == arrays["instruction"]                      # a function of the seed
    with pytest.raises(ValueError, match="facial_hair"):
        direction_items("hair_color", 4, 32, [])


def test_the_identity_floor_draws_nothing_and_the_ceiling_everything(capsys):
    identity = direction_scores(get_model("identity", "cpu"), "top", 30)
    assert sum(k["n"] for k in identity.values()) == 30 and all(k["edit_acc"] == 0 for k in identity.values())
    ceiling, _ = load_model(runs.best_path(resolve_run("pretrained:parse_render-cpu")), BUILDERS)
    scores = direction_scores(ceiling, "facial_hair", 30)
    assert all(k["edit_acc"] == 1.0 for k in scores.values())
    assert {kind.split(" -> ")[0] for kind in scores} <= {FAMILIES["facial_hair"](v) for v in ("beard_light", "moustache_fancy")}
    assert main(["directions", "pretrained:parse_render-cpu", "--attribute", "accessory", "--n", "8"]) == 0
    assert "accessory" in capsys.readouterr().out
