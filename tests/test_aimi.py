import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import aimi
from aimi import cache, release
from aimi.cli import main as aimi_cli
from collection.vocabulary import tokenize


def test_import_aimi_does_not_import_torch():
    code = "import sys, aimi; aimi.load; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_shipped_release_has_the_paper_numbers_and_clean_splits():
    rows = release.load_release()["triplets"]
    assert [sum(r["split"] == s for r in rows) for s in aimi.SPLITS] == [4296, 230, 230]
    sources = {}
    for r in rows:
        assert sources.setdefault(r["source_id"], r["split"]) == r["split"]
    vocabulary = release.load_release()["vocabulary"]
    train_words = {w for r in rows if r["split"] == "train" for w in tokenize(r["instruction"])}
    assert set(vocabulary[2:]) == train_words  # no word seen only in val or test
    assert len(aimi.Unlabeled(64)) == 161_065
    assert release.load_release()["manifest"]["instructions_simulated"] is True


def test_items_have_the_documented_types_and_the_mask_is_the_pixel_difference(tmp_path):
    ds = aimi.AIMI(root=tmp_path, split="val", size=32, progress=False)
    assert len(ds) == 230
    vocabulary = ds.vocabulary
    for i in (0, 100, -1):
        item = ds[i]
        assert item["source"].shape == item["target"].shape == (32, 32, 3) and item["source"].dtype == np.uint8
        assert item["mask"].shape == (32, 32) and item["mask"].dtype == np.uint8
        assert np.array_equal(item["mask"], np.where((item["source"] != item["target"]).any(-1), 0, 1))
        assert (item["mask"] == 0).any()
        assert item["tokens"].dtype == np.int64
        assert [vocabulary[t] if t > 1 else "?" for t in item["tokens"]] == \
            [w if w in vocabulary else "?" for w in tokenize(item["instruction"])]
        changed = item["source_vector"] != item["target_vector"]
        assert changed.sum() == 1
    with pytest.raises(IndexError):
        ds[230]


def test_bad_split_or_size_lists_the_valid_ones(tmp_path):
    with pytest.raises(ValueError, match="valid: train, val, test"):
        aimi.load("dev", root=tmp_path)
    with pytest.raises(ValueError, match="valid: 32, 64, 128, 256"):
        aimi.load("val", size=48, root=tmp_path)


def test_a_tampered_cache_file_is_detected_and_rebuilt(tmp_path):
    folder = cache.materialize("val", 32, tmp_path, progress=False)
    good = (folder / "source.npy").read_bytes()
    data = bytearray(good)
    data[-5] ^= 0xFF
    (folder / "source.npy").write_bytes(bytes(data))
    assert any("checksum mismatch" in p for p in cache.problems("val", 32, tmp_path))
    assert aimi_cli(["verify", "--split", "val", "--size", "32", "--root", str(tmp_path)]) == 1
    cache.materialize("val", 32, tmp_path, progress=False)
    assert cache.problems("val", 32, tmp_path) == []
    assert (folder / "source.npy").read_bytes() == good


def test_an_interrupted_materialisation_resumes(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "CHUNK", 64)
    calls = {"n": 0}
    real = cache._render_chunk

    def flaky(rows, size):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # killed during the third chunk
        return real(rows, size)

    monkeypatch.setattr(cache, "_render_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        cache.materialize("val", 32, tmp_path / "a", progress=False)
    folder = cache.cache_dir("val", 32, tmp_path / "a")
    assert json.loads((folder / "progress.json").read_text())["chunks"] == [0, 1]
    monkeypatch.setattr(cache, "_render_chunk", real)
    calls["n"] = 0
    cache.materialize("val", 32, tmp_path / "a", progress=False)
    cache.materialize("val", 32, tmp_path / "b", progress=False)
    for name in cache.ARRAYS:
        assert (folder / f"{name}.npy").read_bytes() == \
            (cache.cache_dir("val", 32, tmp_path / "b") / f"{name}.npy").read_bytes()


def test_two_processes_materialising_at_once_agree(tmp_path):
    code = ("import sys; from aimi.cache import materialize; "
            f"materialize('val', 32, {str(tmp_path)!r}, progress=False)")
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    assert cache.problems("val", 32, tmp_path) == []
    assert not list(cache.cache_dir("val", 32, tmp_path).glob("*.partial.npy"))


def test_a_tampered_shipped_release_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "v1"
    shutil.copytree(release.data_dir(), copy)
    (copy / "vocabulary.json").write_text('["<pad>", "<unk>", "evil"]\n')
    monkeypatch.setattr(release, "data_dir", lambda: copy)
    release.load_release.cache_clear()
    try:
        with pytest.raises(release.ReleaseError, match="vocabulary.json does not match"):
            release.load_release()
    finally:
        release.load_release.cache_clear()


def test_dataloader_with_workers(tmp_path):
    torch = pytest.importorskip("torch")
    ds = aimi.load("val", size=32, root=tmp_path)
    loader = torch.utils.data.DataLoader(ds, batch_size=16, num_workers=2, collate_fn=aimi.collate)
    batches = list(loader)
    assert sum(len(b["instruction"]) for b in batches) == 230
    first = batches[0]
    assert first["source"].shape == (16, 32, 32, 3) and first["source"].dtype == torch.uint8
    assert first["tokens"].shape[0] == 16 and first["lengths"].max() == first["tokens"].shape[1]


def test_batched_reads_equal_item_reads(tmp_path):
    torch = pytest.importorskip("torch")
    ds = aimi.load("val", size=32, root=tmp_path)
    indices = [5, 0, 229, 17]
    batched = aimi.collate(ds.__getitems__(indices))
    itemwise = aimi.collate([ds[i] for i in indices])
    assert batched.keys() == itemwise.keys()
    for key, value in batched.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(value, itemwise[key]), key
        else:
            assert value == itemwise[key], key


def test_the_renderer_here_draws_what_made_the_release(monkeypatch):
    assert cache.renderer_problems() == []
    import collection

    monkeypatch.setattr(collection, "render", lambda spec, size: np.zeros((size, size, 3), np.uint8))
    assert len(cache.renderer_problems()) == 16
