"""``evaluate --instructions``: free phrasings applied to test sources, scored in the usual
schema; the ceiling performs lexicon phrasings, the identity floor none; bad files get one line."""

import json

import pytest

from benchmark.ceiling.model import train_ceiling
from benchmark.cli import main
from benchmark.evaluation.instructions import InstructionsError, evaluate_instructions, read_instructions
from benchmark.training.train import TrainConfig, train

KNOWN = [{"attribute": "eyes", "to_value": "heart", "instruction": "give her heart eyes"},
         {"attribute": "mouth", "to_value": "tongue", "instruction": "give him the tongue out"},
         {"attribute": "top", "to_value": "hijab", "instruction": "put on a hijab"},
         {"attribute": "background_color", "to_value": "purple", "instruction": "make the background purple"}]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, data_root):
    folder = tmp_path_factory.mktemp("instruction-runs")
    train(TrainConfig.from_preset("identity", "smoke"), folder / "identity", root=data_root, progress=False)
    train_ceiling(folder / "ceiling", "smoke", root=data_root, check=5)
    return folder


def test_the_ceiling_performs_lexicon_phrasings_and_identity_none(runs, data_root, tmp_path):
    path = tmp_path / "known.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in KNOWN))
    ceiling = evaluate_instructions(runs / "ceiling", path, per_instruction=3, root=data_root, out=tmp_path / "c")
    floor = evaluate_instructions(runs / "identity", path, per_instruction=3, root=data_root, out=tmp_path / "i")
    assert ceiling["n"] == floor["n"] == 12 and ceiling["unseen_token_share"] == 0
    assert ceiling["metrics"]["edit_acc"]["value"] == 1.0
    assert ceiling["metrics"]["keep_acc"]["value"] >= 0.95      # the search over the renderer misreads rarely
    assert floor["metrics"]["edit_acc"]["value"] == 0.0 and floor["metrics"]["keep_acc"]["value"] == 1.0
    assert set(ceiling["per_attribute"]["model"]) == {"eyes", "mouth", "top", "background_color"}
    assert ceiling["uses_renderer_at_inference"] and (tmp_path / "c" / "results-instructions-known.json").is_file()


def test_unseen_words_are_counted(runs, data_root, tmp_path):
    path = tmp_path / "slang.jsonl"
    path.write_text(json.dumps({"attribute": "eyes", "to_value": "heart", "instruction": "gimme lovey-dovey peepers"}) + "\n")
    result = evaluate_instructions(runs / "identity", path, per_instruction=2, root=data_root, out=tmp_path)
    assert 0 < result["unseen_token_share"] <= 1


@pytest.mark.parametrize("text, message", [
    ("", "no instructions"),
    ('{"attribute": "eyes", "to_value": "heart"}', "line 1: missing instruction; each line is one JSON object with attribute, to_value, instruction"),
    ('{"attribute": "nose_ring", "to_value": "x", "instruction": "y"}', "line 1: unknown attribute 'nose_ring'"),
    ('{"attribute": "eyes", "to_value": "laser", "instruction": "y"}', "line 1: 'laser' is not a value of eyes"),
    ('{"attribute": "eyes", "to_value": "heart", "instruction": "  "}', "line 1: the instruction is empty"),
    ("not json", "line 1: not JSON"),
])
def test_bad_instruction_files_get_one_line_errors(tmp_path, capsys, runs, text, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(InstructionsError, match=message):
        read_instructions(path)
    assert main(["evaluate", str(runs / "identity"), "--instructions", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1 and message.split(": ")[-1][:12] in error


def test_the_dev_set_covers_every_changeable_attribute():
    from collection import ATTRIBUTE_NAMES

    rows = read_instructions("tests/fixtures/free-phrasing-dev.jsonl")
    assert len(rows) >= 150 and {r["attribute"] for r in rows} == set(ATTRIBUTE_NAMES) - {"nose"}


def test_the_check_set_covers_every_changeable_attribute_and_shares_no_line_with_the_dev_set():
    from collection import ATTRIBUTE_NAMES

    check = read_instructions("tests/fixtures/free-phrasing-check.jsonl")
    dev = {r["instruction"].lower() for r in read_instructions("tests/fixtures/free-phrasing-dev.jsonl")}
    assert len(check) >= 90 and {r["attribute"] for r in check} == set(ATTRIBUTE_NAMES) - {"nose"}
    assert not {r["instruction"].lower() for r in check} & dev
