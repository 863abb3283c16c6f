"""The attribute reader behind edit_acc / keep_acc."""

import random

from benchmark.evaluation.reader import attribute_scores, edit_and_keep, read_value, reader_accuracy
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


def test_reader_check_prints_a_table(capsys):
    from benchmark.cli import main

    assert main(["reader-check", "--n", "5"]) == 0
    out = capsys.readouterr().out
    assert "reference renderer" in out and "background_color" in out
