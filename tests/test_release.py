import json
from collections import Counter

import pytest

from collection.release import ReleaseConfig, ReleaseError, assign_splits, build_release
from collection.vocabulary import tokenize

SMALL = ReleaseConfig(seed=3, splits=(("train", 70), ("val", 14), ("test", 14)), unlabeled=500,
                      size=32, candidates=120, distractors=4, panel_size=30, sessions=12)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    manifest = build_release(root / "a", SMALL, progress=False)
    return root, manifest


def _rows(folder):
    return [json.loads(line) for line in (folder / "triplets.jsonl").read_text().splitlines()]


def test_split_sizes_are_exact_and_sources_never_cross_splits(built):
    root, manifest = built
    rows = _rows(root / "a")
    assert Counter(r["split"] for r in rows) == {"train": 70, "val": 14, "test": 14}
    assert manifest["counts"]["triplets"] == 98
    by_source = {}
    for r in rows:
        assert by_source.setdefault(r["source_id"], r["split"]) == r["split"]
    assert len({r["pair_id"] for r in rows}) == len(rows)
    assert manifest["instructions_simulated"] is True and all(r["simulated"] for r in rows)


def test_vocabulary_comes_from_the_training_split_only(built):
    root, _ = built
    rows = _rows(root / "a")
    vocabulary = json.loads((root / "a" / "vocabulary.json").read_text())
    train = {w for r in rows if r["split"] == "train" for w in tokenize(r["instruction"])}
    assert vocabulary[:2] == ["<pad>", "<unk>"] and set(vocabulary[2:]) == train
    for r in rows:
        assert r["tokens"] == [vocabulary.index(w) if w in vocabulary else 1 for w in tokenize(r["instruction"])]


def test_rebuilding_gives_identical_bytes(built):
    root, manifest = built
    again = build_release(root / "b", SMALL, progress=False)
    assert again == manifest
    for name in ("triplets.jsonl", "sessions.jsonl", "vocabulary.json", "unlabeled.json", "manifest.json",
                 "DATASHEET.md"):
        assert (root / "a" / name).read_bytes() == (root / "b" / name).read_bytes()
    assert "SIMULATED" in (root / "a" / "DATASHEET.md").read_text()


def test_attributes_are_stratified():
    rows = [{"pair_id": f"p{i}", "source_id": f"s{i}", "attribute": "eyes" if i % 4 else "top"} for i in range(400)]
    config = ReleaseConfig(seed=1, splits=(("train", 300), ("val", 40), ("test", 40)))
    out = assign_splits(rows, config)
    for split in ("val", "test"):
        counts = Counter(r["attribute"] for r in out if r["split"] == split)
        assert counts == {"eyes": 30, "top": 10}


def test_too_few_triplets_says_what_to_do():
    with pytest.raises(ReleaseError, match="collect more candidate pairs"):
        assign_splits([{"pair_id": "p", "source_id": "s", "attribute": "eyes"}], ReleaseConfig())


@pytest.mark.slow
def test_the_shipped_release_is_what_the_builder_makes(tmp_path):
    """Rebuild the shipped data version (about 25 s) and compare it with the files shipped in aimi."""
    from aimi.release import data_dir, ship

    build_release(tmp_path / "release", ReleaseConfig(seed=0), progress=False)
    ship(tmp_path / "release", tmp_path / "shipped")
    for path in sorted(data_dir().iterdir()):
        assert (tmp_path / "shipped" / path.name).read_bytes() == path.read_bytes(), path.name
