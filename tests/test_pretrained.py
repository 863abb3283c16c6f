"""Shipped weights: listed, loaded as pretrained:NAME with weights_only=True, refused when a byte
of a shipped file changes."""

import json
import shutil

import pytest

from benchmark import pretrained, runs
from benchmark.cli import main
from benchmark.training.checkpoint import load_checkpoint


def test_every_shipped_checkpoint_matches_its_pin_and_loads_safely():
    entries = pretrained.available()
    assert entries, "the package ships no weights"
    for entry in entries:
        folder = pretrained.resolve_run(pretrained.PREFIX + entry["name"])
        payload = load_checkpoint(folder / "best.pt")          # torch.load(weights_only=True) inside
        assert runs.model_label(payload) == entry["model"] and (folder / "COMMAND.txt").read_text().strip() == entry["command"]
        assert {"mse", "edit_acc", "keep_acc"} <= set(entry["metrics"])


def test_a_tampered_shipped_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "weights"
    shutil.copytree(pretrained.weights_dir(), copy)
    monkeypatch.setattr(pretrained, "weights_dir", lambda: copy)
    name = pretrained.available()[0]["name"]
    assert pretrained.resolve(name) == copy / name
    data = bytearray((copy / name / "best.pt").read_bytes())
    data[len(data) // 2] ^= 0x01
    (copy / name / "best.pt").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="does not match the SHA-256 pinned"):
        pretrained.resolve(name)
    with pytest.raises(ValueError, match="no pretrained weights 'nope'"):
        pretrained.resolve("nope")


def test_the_listing_command(capsys):
    assert main(["pretrained", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [e["name"] for e in listed] == [e["name"] for e in pretrained.available()]
    assert all({"name", "model", "preset", "sha256", "training_data", "metrics"} <= set(e) for e in listed)
