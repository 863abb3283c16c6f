import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from collection.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "collection", *args], capture_output=True, text=True)


@pytest.mark.parametrize("args, message", [
    (["pairs", "--n", "0", "--out", "X"], "must be positive"),
    (["pairs", "--n", "3", "--size", "48", "--out", "X"], "unsupported size 48"),
    (["pairs", "--n", "3", "--attributes", "hat", "--out", "X"], "unknown attribute 'hat'"),
    (["render", "--count", "3", "--shard", "2/2", "--out", "X"], "malformed shard '2/2'"),
    (["render", "--count", "3", "--shard", "x", "--out", "X"], "malformed shard"),
    (["show", "--set", "eyes=blue", "--out", "X.png"], "unknown value 'blue' for eyes"),
    (["pairs", "--n", "abc", "--out", "X"], "not a valid integer"),
    (["pairs", "--bogus"], "No such option"),
])
def test_bad_arguments_give_one_line_and_a_nonzero_exit(tmp_path, args, message):
    args = [a.replace("X", str(tmp_path / "o")) for a in args]
    result = run_cli(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not (tmp_path / "o").exists()


def test_pairs_command_writes_records_images_and_masks(tmp_path, capsys):
    out = tmp_path / "pairs"
    assert main(["pairs", "--n", "5", "--seed", "1", "--size", "32", "--out", str(out), "--workers", "1"]) == 0
    records = [json.loads(line) for line in (out / "pairs.jsonl").read_text().splitlines()]
    assert len(records) == 5
    for key in ("pair_id", "attribute", "source", "target", "source_id", "target_id", "from_value", "to_value"):
        assert key in records[0]
    assert np.load(out / "mask_32.npy").shape == (5, 32, 32)
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["complete"] is True


def test_render_sheet_and_show(tmp_path, capsys):
    assert main(["render", "--count", "3", "--size", "32", "--out", str(tmp_path / "a"), "--workers", "1"]) == 0
    assert np.load(tmp_path / "a" / "images_32.npy").shape == (3, 32, 32, 3)
    assert main(["sheet", "--n", "4", "--size", "32", "--columns", "2", "--out", str(tmp_path / "s.png")]) == 0
    assert _size(tmp_path / "s.png")[0] > 2 * 3 * 32
    assert main(["show", "--set", "top=hijab", "--set", "hair_color=red", "--size", "64",
                 "--out", str(tmp_path / "one.png")]) == 0
    shown = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert shown["spec"]["top"] == "hijab" and shown["hidden"] == ["hair_color"]
    assert _size(tmp_path / "one.png") == (64, 64)


def test_help_has_examples():
    for command in ("pairs", "render", "sheet", "show", "attributes"):
        result = run_cli(command, "--help")
        assert result.returncode == 0 and "Example" in result.stdout


def _size(path):
    with Image.open(path) as im:
        return im.size
