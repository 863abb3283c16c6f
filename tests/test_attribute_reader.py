"""The attribute reader behind edit_acc / keep_acc."""

import random

import numpy as np

from benchmark.evaluation.reader import (attribute_scores, attribute_scores_many, edit_and_keep, read_value,
                                       reader_accuracy)
from collection import make_pair, render, sample_spec


def test_the_reader_recovers_every_visible_attribute_from_the_other_renderer():
    specs = [sample_spec(random.Random(i)) for i in range(12)]
    report = reader_accuracy(specs, 32, renderer="reference")   # rasterised differently from its candidates
    assert report and all(r["accuracy"] == 1.0 for r in report.values())
    noisy = reader_accuracy(specs, 32, noise=0.03)
    assert min(r["accuracy"] for r in noisy.values()) >= 0.9


def test_source_and_target_images_score_as_the_definitions_say():
    for index in range(6):
        pair, source, target, _ = make_pair(11, index, 32)
        s, t = pair.source, pair.target
        edit, keep = edit_and_keep(target, s, t, pair.attribute)
        assert edit and all(keep)
        edit, keep = edit_and_keep(source, s, t, pair.attribute)
        assert not edit and all(keep)
        assert getattr(t, pair.attribute) in read_value(render(t, 32), s, pair.attribute)[1]
    scores = attribute_scores([target], [s], [t], [pair.attribute])
    assert scores["edit_acc"].tolist() == [1.0] and scores["keep_acc"].tolist() == [1.0]


def test_reading_several_outputs_at_once_scores_each_as_reading_it_alone():
    made = [make_pair(12, index, 32) for index in range(8)]
    sources, targets = [m[0].source for m in made], [m[0].target for m in made]
    changed = [m[0].attribute for m in made]
    rng = np.random.default_rng(0)
    blurred = np.stack([np.clip(m[2] + rng.normal(0, 40, m[2].shape), 0, 255).astype(np.uint8) for m in made])
    arrays = [blurred, np.stack([m[1] for m in made]), np.stack([m[2] for m in made])]
    together = attribute_scores_many(arrays, sources, targets, changed)
    for array, scores in zip(arrays, together):
        alone = attribute_scores(array, sources, targets, changed)
        assert all(np.array_equal(alone[k], scores[k], equal_nan=True) for k in alone)
    assert together[2]["edit_acc"].tolist() == [1.0] * 8 and together[1]["edit_acc"].tolist() == [0.0] * 8


def test_reader_check_prints_a_table(capsys):
    from benchmark.cli import main

    assert main(["reader-check", "--n", "5"]) == 0
    out = capsys.readouterr().out
    assert "reference renderer" in out and "background_color" in out


def test_the_edit_bound_guesses_what_the_source_hides_and_counts_the_rest_as_right(capsys):
    from aimi.release import split_rows
    from benchmark.cli import main
    from benchmark.evaluation.reader import edit_bound
    from collection import AvatarSpec, visible_attributes

    rows = split_rows("test")
    pairs = [(AvatarSpec.from_dict(r["source"]), AvatarSpec.from_dict(r["target"]), r["attribute"]) for r in rows]
    reveals = [any(a not in visible_attributes(s) and a != name for a in visible_attributes(t)) for s, t, name in pairs]
    shown = [p for p, r in zip(pairs, reveals) if not r]
    assert edit_bound(*zip(*shown[:5]), 32) == {"n": 5, "hidden": 0, "best": 1.0, "blind": 1.0}
    bound = edit_bound(*zip(*pairs), 32)
    assert bound["n"] == 230 and bound["hidden"] == sum(reveals) == 21
    # the hidden value is the same in source and target and varies in both: no single guess passes for
    # every truth of a new beard's colour, so the best guess stays under 1 (varying the target alone gave 1.0)
    assert 0.95 < bound["blind"] < bound["best"] < 0.995
    assert main(["reader-check", "--bound", "test"]) == 0
    assert "21 of 230 changes reveal a value the source hides" in capsys.readouterr().out
