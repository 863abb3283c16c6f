"""Scoring anybody's outputs: the inputs pack, submissions as PNG folders and .npz, the evaluator's
self-checks (targets score perfectly, sources reproduce the identity row, a run's exported outputs
score exactly as `evaluate` scored them, a second scoring is byte-identical), and one clear line
for every kind of bad submission, with nothing written."""

import json
import shutil
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from benchmark.cli import main
from benchmark.evaluation.evaluate import evaluate
from benchmark.evaluation.inputs import write_inputs
from benchmark.evaluation.submission import SubmissionError, score_submission

SPLIT = "val"


@pytest.fixture(scope="module")
def pack(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("pack") / "inputs"
    write_inputs(SPLIT, 32, out, root=data_root)
    return out


@pytest.fixture(scope="module")
def arrays(data_root):
    import aimi

    dataset = aimi.AIMI(data_root, SPLIT, 32, progress=False)
    return dataset.__getitems__(list(range(len(dataset))))


def _png_folder(folder, ids, images, masks=None):
    folder.mkdir(parents=True, exist_ok=True)
    for i, image in zip(ids, images):
        Image.fromarray(image).save(folder / f"{i}.png")
    for i, mask in zip(ids, masks if masks is not None else []):
        Image.fromarray(mask).save(folder / f"{i}.mask.png")
    return folder


def test_the_inputs_pack_holds_what_a_model_may_see_and_nothing_else(pack, arrays):
    manifest = json.loads((pack / "manifest.json").read_text())
    assert manifest["split"] == SPLIT and manifest["size"] == 32 and manifest["n"] == len(arrays["id"])
    assert sorted(p.name for p in pack.iterdir()) == ["README.txt", "instructions.jsonl", "manifest.json", "sources"]
    lines = [json.loads(line) for line in (pack / "instructions.jsonl").read_text().splitlines()]
    assert [set(line) for line in lines] == [{"id", "instruction"}] * len(arrays["id"])
    assert [line["id"] for line in lines] == list(arrays["id"])
    first = np.asarray(Image.open(pack / "sources" / f"{arrays['id'][0]}.png"))
    assert np.array_equal(first, arrays["source"][0])
    assert len(manifest["files"]) == len(arrays["id"]) + 2 and "score" in (pack / "README.txt").read_text()
    with pytest.raises(ValueError, match="already exists"):
        write_inputs(SPLIT, 32, pack, root=None)


def test_the_targets_score_perfectly_and_the_sources_reproduce_the_identity_row(tmp_path, arrays, data_root):
    np.savez(tmp_path / "targets.npz", ids=np.asarray(arrays["id"]), images=arrays["target"])
    perfect = score_submission(tmp_path / "targets.npz", SPLIT, out=tmp_path / "t" / "results-val.json",
                               root=data_root)
    assert perfect["metrics"]["mse"]["value"] == 0.0
    assert perfect["metrics"]["edit_acc"]["value"] == 1.0 and perfect["metrics"]["keep_acc"]["value"] == 1.0
    observable = perfect["metrics"]["edit_acc_observable"]          # changes that reveal a hidden value left out
    assert observable["value"] == 1.0 and observable["n_missing"] > 0 and observable["n"] + observable["n_missing"] == 230
    assert perfect["identity"]["edit_acc_observable"]["value"] == 0.0
    sources = _png_folder(tmp_path / "sources", arrays["id"], arrays["source"])
    floor = score_submission(sources, SPLIT, out=tmp_path / "s" / "results-val.json", root=data_root)
    assert floor["metrics"] == floor["identity"]
    assert floor["per_attribute"]["model"] == floor["per_attribute"]["identity"]
    assert floor["submission"]["format"] == "png-folder" and floor["training_data"] == "undeclared"


def test_a_runs_outputs_exported_as_pngs_score_exactly_as_evaluate_scored_them(tmp_path, smoke_runs, data_root):
    run = smoke_runs / "imi_sim"
    evaluated = evaluate(run, SPLIT, root=data_root, out=tmp_path / "e")
    saved = np.load(tmp_path / "e" / f"outputs-{SPLIT}.npz")
    folder = _png_folder(tmp_path / "sub", saved["id"], saved["output"], saved["mask"])
    (folder / "model.json").write_text(json.dumps({"name": "imi_sim exported", "track": "paper"}))
    scored = score_submission(folder, SPLIT, out=tmp_path / "s" / "results-val.json", root=data_root)
    for key in ("metrics", "identity", "vs_identity", "per_attribute", "n", "attribute_reader", "evaluator_version"):
        assert scored[key] == evaluated[key], key
    assert "mask_iou" in scored["metrics"] and scored["model"] == "imi_sim exported"
    assert (tmp_path / "s" / f"items-{SPLIT}.jsonl").read_text() == (tmp_path / "e" / f"items-{SPLIT}.jsonl").read_text()
    first = (tmp_path / "s" / "results-val.json").read_bytes()
    score_submission(folder, SPLIT, out=tmp_path / "s" / "results-val.json", root=data_root)
    assert (tmp_path / "s" / "results-val.json").read_bytes() == first          # byte-identical
    board = tmp_path / "board"
    assert main(["leaderboard", str(tmp_path / "s" / "results-val.json"), "--out", str(board)]) == 0
    assert "imi_sim exported" in (board / "leaderboard.md").read_text()


def test_another_size_is_resized_with_the_box_filter_and_recorded(tmp_path, arrays, data_root):
    big = np.repeat(np.repeat(arrays["target"], 2, axis=1), 2, axis=2)          # 64 px, each pixel 2x2
    np.savez(tmp_path / "big.npz", ids=np.asarray(arrays["id"]), images=big)
    scored = score_submission(tmp_path / "big.npz", SPLIT, size=32, out=tmp_path / "results-val.json", root=data_root)
    assert scored["metrics"]["mse"]["value"] == 0.0                              # the area average undoes it
    assert scored["submission"]["resized_from"] == [64] and scored["submission"]["resize_filter"] == "PIL.Image.BOX"


def _bomb_png(path, side=50_000):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


def _break(kind, folder, ids, arrays, outside):
    """Make ``folder`` (a good PNG submission) bad in one way; return the path to score."""
    first = folder / f"{ids[0]}.png"
    if kind == "missing":
        for i in ids[:7]:
            (folder / f"{i}.png").unlink()
    elif kind == "extra":
        shutil.copyfile(first, folder / "aimi-99999.png")
    elif kind == "not an image":
        first.write_text("hello")
    elif kind == "truncated":
        first.write_bytes(first.read_bytes()[:-30])
    elif kind == "bomb":
        _bomb_png(first)
    elif kind == "16-bit":
        Image.fromarray((np.zeros((32, 32)) + 700).astype(np.uint16)).save(first)
    elif kind == "transparent":
        Image.fromarray(np.zeros((32, 32, 4), np.uint8)).save(first)
    elif kind == "outside":
        first.unlink()
        first.symlink_to(outside)
    elif kind == "empty":
        shutil.rmtree(folder)
        folder.mkdir()
    elif kind == "stray file":
        (folder / "notes.txt").write_text("x")
    elif kind == "some masks":
        Image.fromarray(np.full((32, 32), 255, np.uint8)).save(folder / f"{ids[0]}.mask.png")
    elif kind == "bad model.json":
        (folder / "model.json").write_text("{not json")
    elif kind.startswith("npz"):
        images, listed = arrays["target"], np.asarray(ids)
        if kind == "npz duplicate ids":
            listed = listed.copy()
            listed[1] = listed[0]
        extra = {}
        if kind == "npz float":
            images = images.astype(np.float32) / 255
        if kind == "npz nan":
            images = images.astype(np.float32)
            images[0, 0, 0, 0] = np.nan
        if kind == "npz pickle":
            listed = np.asarray(list(ids), dtype=object)
        np.savez(folder.parent / "sub.npz", ids=listed, images=images, **extra)
        return folder.parent / "sub.npz"
    return folder


BAD = {"missing": "7 of 230 ids have no output", "extra": "aimi-99999", "not an image": "not a PNG image",
       "truncated": "could not be decoded", "bomb": "decompression bomb", "16-bit": "16-bit",
       "transparent": "transparent pixels", "outside": "outside the submission", "empty": "is empty",
       "stray file": "unexpected notes.txt", "some masks": "give a mask for every id or none",
       "bad model.json": "not JSON", "npz duplicate ids": "appear twice", "npz float": "save uint8",
       "npz nan": "NaN", "npz pickle": "without pickle"}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_submission_gets_one_line_naming_the_fix_and_nothing_is_written(kind, tmp_path, arrays, data_root,
                                                                              capsys):
    folder = _png_folder(tmp_path / "sub", arrays["id"], arrays["target"])
    outside = tmp_path / "elsewhere.png"
    shutil.copyfile(folder / f"{arrays['id'][0]}.png", outside)
    path = _break(kind, folder, list(arrays["id"]), arrays, outside)
    out = tmp_path / "out" / "results-val.json"
    code = main(["score", str(path), "--split", SPLIT, "--size", "32", "--out", str(out),
                 "--data-root", str(data_root)])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0 and err.startswith("error: ") and BAD[kind] in err, err
    assert not (tmp_path / "out").exists()


def test_the_wrong_split_is_named(tmp_path, arrays, data_root):
    np.savez(tmp_path / "val.npz", ids=np.asarray(arrays["id"]), images=arrays["target"])
    with pytest.raises(SubmissionError, match="ids of the val split"):
        score_submission(tmp_path / "val.npz", "test", out=tmp_path / "results-test.json", root=data_root)
    assert not (tmp_path / "results-test.json").exists()


def test_a_submission_that_does_not_exist_or_a_bad_out_name_is_refused(tmp_path, data_root):
    with pytest.raises(SubmissionError, match="does not exist"):
        score_submission(tmp_path / "nothing", SPLIT, root=data_root)
    (tmp_path / "x.npz").write_bytes(b"")
    with pytest.raises(SubmissionError, match="results-<name>.json"):
        score_submission(tmp_path / "x.npz", SPLIT, out=tmp_path / "scores.json", root=data_root)


def test_an_npz_that_unpacks_too_large_is_refused_before_decompressing(tmp_path, arrays, data_root, monkeypatch):
    from benchmark.evaluation import submission

    np.savez_compressed(tmp_path / "sub.npz", ids=np.asarray(arrays["id"]), images=arrays["target"])
    monkeypatch.setattr(submission, "MAX_NPZ_BYTES", 10_000)     # the real limit is 1 GiB: too big to build here
    with pytest.raises(SubmissionError, match="unpacks to .* over the limit"):
        score_submission(tmp_path / "sub.npz", SPLIT, out=tmp_path / "results-val.json", root=data_root)
    assert not (tmp_path / "results-val.json").exists()
