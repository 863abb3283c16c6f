"""The editor's sentence parser (``EditorConfig.parser``): the restating rule, restating only at
inference, and ``python -m benchmark parser`` writing a run that loads, resumes its sentence
vectors and refuses what it cannot use."""

import json

import numpy as np
import pytest
import torch

from baselines import get_model
from baselines import text as subwords
from baselines.parser import restated
from benchmark.training.batches import attribute_values, class_labels
from benchmark.training.restate import GENDERED, sentence_vectors, train_parser

DATA = {"vocab_size": 50, "attribute_values": attribute_values()}
CLASSES = sum(attribute_values())


def test_a_text_is_restated_only_where_the_joint_reading_names_another_change():
    own = torch.tensor([[0.6, 0.3, 0.1], [0.4, 0.35, 0.25], [0.4, 0.35, 0.25], [0.2, 0.1, 0.7]])
    parsed = torch.tensor([[0.1, 0.8, 0.1], [0.0, 0.9, 0.1], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    # joint: 0.35/0.55/0.10 -> 1 (own says 0); 0.20/0.625 -> 1 (own 0); 0.2/0.175/0.625 -> 2 but no phrase; 0.1/0.55/0.35 -> 1
    out = restated(["a", "b", "c", "d"], own, parsed, ["zero", "one", ""])
    assert out == ["one", "one", "c", "one"]
    assert restated(["a"], own[:1], own[:1], ["zero", "one", ""]) == ["a"]      # agreeing readings keep the words
    assert restated(["a", "c"], own[:1].repeat(2, 1), own[:1].repeat(2, 1), ["zero", "one", ""], always=True) == \
        ["zero", "zero"]                                                          # "always": every one restated
    assert restated(["a", "c"], own[:1].repeat(2, 1), own[:1].repeat(2, 1), ["zero", "one", ""],
                    always=[False, True]) == ["a", "zero"]                        # "unseen": the marked ones


def test_a_parser_needs_raw_text_and_one_phrase_per_class():
    with pytest.raises(ValueError, match="one phrase per"):
        get_model("edit_film", "smoke", data=DATA, text="subword", parser=True, phrases=("x",))
    with pytest.raises(ValueError, match="raw text"):
        get_model("edit_film", "smoke", data=DATA, text="words", parser=True, phrases=("x",) * CLASSES)
    with pytest.raises(ValueError, match="restate must be one of differs, unseen, always"):
        get_model("edit_film", "smoke", data=DATA, text="subword", restate="sometimes")


def test_the_editor_restates_at_inference_only_and_round_trips_its_phrases():
    phrases = tuple(f"phrase {k}" for k in range(CLASSES))
    model = get_model("edit_film", "smoke", data=DATA, text="subword", parser=True, phrases=phrases)
    with torch.no_grad():                       # the head reads nothing (class 0); the parser is sure of class 7
        model.aux.weight.zero_(), model.aux.bias.zero_()
        model.parser.linear.weight.zero_(), model.parser.linear.bias.zero_()
        model.parser.linear.bias[7] = 50.0
    texts = ["a crimson hat", "cue-ball smooth"]
    as_written = [torch.as_tensor(a) for a in subwords.encode_texts(texts, model.cfg.buckets)]
    as_restated = [torch.as_tensor(a) for a in subwords.encode_texts(["phrase 7"] * 2, model.cfg.buckets)]
    model.train()
    assert all(torch.equal(a, b) for a, b in zip(model.encode_texts(texts), as_written))
    model.eval()
    assert model.restate(texts) == ["phrase 7", "phrase 7"]
    assert all(torch.equal(a, b) for a, b in zip(model.encode_texts(texts), as_restated))
    with torch.no_grad():
        model.aux.bias[7] = 5.0                 # now the head reads class 7 itself: the words stay
    assert model.restate(texts) == texts
    unseen = get_model("edit_film", "smoke", data=DATA, text="subword", parser=True, phrases=phrases,
                       restate="unseen", known_words=("a", "crimson", "hat")).eval()
    unseen.load_state_dict(model.state_dict())
    assert unseen.restate(texts) == ["a crimson hat", "phrase 7"]     # only the request with a word never seen
    again = type(model.cfg).from_dict(json.loads(json.dumps(model.cfg.to_dict())))
    assert again == model.cfg and again.phrases == phrases


def test_sentence_vectors_match_one_at_a_time_and_are_read_back_from_their_cache(tmp_path):
    from baselines.minilm import sentence_vector

    texts = ["make the hair red", "give him round glasses", "a crimson hat", "no", "make the hair blue"]
    vectors = sentence_vectors(texts, tmp_path / "cache", progress=False)
    single = np.stack([sentence_vector(t) for t in texts])
    assert vectors.shape == (5, 384) and np.abs(vectors - single).max() < 1e-3       # float16 in the cache
    (chunk,) = (tmp_path / "cache").glob("*.npy")
    np.save(chunk, np.full((5, 384), 0.5, np.float16))       # a rerun reads the chunk, it does not recompute it
    assert (sentence_vectors(texts, tmp_path / "cache", progress=False) == 0.5).all()


def test_class_labels_follow_the_schema_order():
    assert class_labels([("top", "big_hair"), ("hat_color", "black"), ("background_color", "purple")]).tolist() == \
        [0, 37, CLASSES - 1]


def test_the_parser_command_writes_a_run_that_loads_and_edits(tmp_path, data_root, smoke_runs):
    from benchmark import runs
    from benchmark.evaluation.evaluate import evaluate
    from benchmark.training.checkpoint import load_model
    from benchmark.training.train import TrainConfig, train

    editor = tmp_path / "editor"
    train(TrainConfig.from_preset("edit_film", "smoke", phases=1, threads=1), editor, root=data_root, progress=False)
    out = tmp_path / "parsed"
    report = train_parser(editor, out, instructions=300, epochs=2, candidates=2, root=data_root, progress=False)
    assert 0 <= report["parse_acc_parser_val"] <= 1 and report["items"] > 0
    model, payload = load_model(runs.best_path(out))          # weights_only=True
    base, _ = load_model(runs.best_path(editor))
    assert model.cfg.parser and len(model.cfg.phrases) == CLASSES and model.cfg.phrases[0]
    assert model.cfg.restate == "unseen" and "the" in model.cfg.known_words and "<unk>" not in model.cfg.known_words
    assert not any(set(subwords.words(p)) & GENDERED for p in model.cfg.phrases)     # "read as" fits any avatar
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in base.state_dict().items())   # the editor unchanged
    assert not (out / "parser-vectors").exists() and "opt_g" not in payload
    config = runs.read_config(out)
    assert config["data"]["training_data"] == "paper+rendered" and config["parser"]["from_run"] == str(editor)
    seconds = runs.training_seconds(out)
    assert seconds == pytest.approx(runs.training_seconds(editor) + config["parser"]["seconds"], abs=0.2)
    results = evaluate(out, "test", root=data_root, limit=8, resamples=50)
    assert results["n"] == 8 and results["training_data"] == "paper+rendered"
    with pytest.raises(ValueError, match="already holds a model"):
        train_parser(editor, out, instructions=10, root=data_root, progress=False)
    with pytest.raises(ValueError, match="already has a parser"):
        train_parser(out, tmp_path / "twice", instructions=10, root=data_root, progress=False)
    with pytest.raises(ValueError, match="an editor"):
        train_parser(smoke_runs / "imi", tmp_path / "imi", instructions=10, root=data_root, progress=False)

