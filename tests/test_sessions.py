"""The multi-turn sessions of data version 2: valid, disjoint from the splits, and the triplets of
version 1 untouched."""

import gzip
import hashlib
import json

import numpy as np
import pytest

import aimi
from aimi import release
from collection import AvatarSpec, render
from collection.pairs import change_mask
from collection.release import ReleaseConfig, build_release
from collection.sessions import check_session, make_session

# the SHA-256 of data version 1's files, as its manifest recorded them: version 2 must not move them
V1_SHA256 = {"triplets.jsonl": "2d6537d163cf78a3f0ed24491536d47b14a671adb109c2549d1202eccd83d6f9",
             "vocabulary.json": "8c0257af67481aef8c421ac61de3813aebdfba375501bb9637a8a8de08e2f44d",
             "unlabeled.json": "d99d0c310954add39697cd6cb9c2e449d704ddc220b69e72e0956f6e325235b5"}


def _specs(row):
    return [AvatarSpec.from_dict(row["start"])] + [AvatarSpec.from_dict(t["spec"]) for t in row["turns"]]


def test_the_triplets_vocabulary_and_unlabeled_are_byte_identical_to_data_version_1():
    folder = release.data_dir()
    manifest = release.load_release()["manifest"]
    assert manifest["data_version"] == 2 and manifest["triplets_version"] == 1
    assert "byte-identical" in manifest["changes"]["2"]
    data = {"triplets.jsonl": gzip.decompress((folder / "triplets.jsonl.gz").read_bytes()),
            "vocabulary.json": (folder / "vocabulary.json").read_bytes(),
            "unlabeled.json": (folder / "unlabeled.json").read_bytes()}
    assert {name: hashlib.sha256(d).hexdigest() for name, d in data.items()} == V1_SHA256
    # the cache and the archives of version 1 stay in use (their pinned hashes are tested by test_download)
    assert aimi.dataset.cache_dir("test", 32, "/x").parts[-3:] == ("v1", "32px", "test")


def test_shipped_sessions_are_valid_and_start_nowhere_near_a_split():
    loaded = release.load_release()
    rows = loaded["sessions"]
    assert len(rows) == 300 == loaded["manifest"]["counts"]["sessions"]
    split_avatars = {t[k] for t in loaded["triplets"] for k in ("source_id", "target_id")}
    vocabulary = {w: i for i, w in enumerate(loaded["vocabulary"])}
    for row in rows:
        specs = _specs(row)
        names = [t["attribute"] for t in row["turns"]]
        assert len(names) == 5 and len(set(names)) == 5
        assert row["start_id"] == specs[0].id and all(t["spec_id"] == s.id for t, s in zip(row["turns"], specs[1:]))
        assert not {s.id for s in specs} & split_avatars
        for t, turn in enumerate(row["turns"]):
            assert getattr(specs[t], turn["attribute"]) == turn["from_value"] != turn["to_value"]
            assert turn["simulated"] is True and turn["instruction"].strip()
            assert all(0 <= k < len(vocabulary) for k in turn["tokens"])
        assert check_session(specs, names, 64) == []
    assert len({r["start_id"] for r in rows}) == 300


def test_check_session_names_what_breaks_a_rule():
    session = make_session(7, 0)
    specs, names = list(session.specs), list(session.attributes)
    assert check_session(specs, names, 64) == []
    assert any("changes twice" in w for w in check_session(specs, names[:-1] + names[:1], 64))
    # a hat on top of a hair colour change hides it at the end
    spec = AvatarSpec.from_dict({**specs[0].to_dict(), "top": "short_flat", "hair_color": "black"})
    blonde = spec.replace(hair_color="blonde")
    hat = blonde.replace(top="hat")
    wrong = check_session([spec, blonde, hat], ["hair_color", "top"], 64)
    assert any("no longer shows" in w for w in wrong)


def test_make_session_is_a_pure_function_and_avoids_what_it_is_told():
    a, b = make_session(3, 5), make_session(3, 5)
    assert a == b
    avoided = make_session(3, 5, avoid={a.start.id})
    assert avoided.start.id != a.start.id
    with pytest.raises(ValueError, match="at least one turn"):
        make_session(3, 5, turns=0)


def test_a_small_release_rebuilds_its_sessions_byte_for_byte(tmp_path):
    config = ReleaseConfig(seed=5, splits=(("train", 40), ("val", 8), ("test", 8)), unlabeled=10, size=32,
                           candidates=70, distractors=4, panel_size=30, sessions=6, session_turns=3)
    first = build_release(tmp_path / "a", config, progress=False)
    again = build_release(tmp_path / "b", config, progress=False)
    assert first == again and first["counts"]["sessions"] == 6
    assert (tmp_path / "a" / "sessions.jsonl").read_bytes() == (tmp_path / "b" / "sessions.jsonl").read_bytes()
    rows = [json.loads(line) for line in (tmp_path / "a" / "sessions.jsonl").read_text().splitlines()]
    triplets = [json.loads(line) for line in (tmp_path / "a" / "triplets.jsonl").read_text().splitlines()]
    assert all(len(r["turns"]) == 3 for r in rows)
    assert not {r["start_id"] for r in rows} & {t[k] for t in triplets for k in ("source_id", "target_id")}


def test_loader_items_follow_the_documented_layout(tmp_path):
    sessions = aimi.load("sessions", size=32, root=tmp_path)
    assert len(sessions) == 300 and sessions.turns == 5
    item = sessions[11]
    row = release.load_release()["sessions"][11]
    assert item["id"] == row["id"] and item["start_id"] == row["start_id"]
    assert item["start"].shape == (32, 32, 3) and item["start"].dtype == np.uint8
    assert np.array_equal(item["start"], render(AvatarSpec.from_dict(item["start_spec"]), 32))
    previous = item["start"]
    for turn, raw in zip(item["turns"], row["turns"]):
        assert set(turn) == {"instruction", "tokens", "attribute", "from_value", "to_value", "image",
                             "mask_previous", "mask_start", "spec", "spec_id"}
        assert turn["tokens"].dtype == np.int64 and turn["tokens"].tolist() == raw["tokens"]
        assert np.array_equal(turn["image"], render(AvatarSpec.from_dict(turn["spec"]), 32))
        assert np.array_equal(turn["mask_previous"], change_mask(previous, turn["image"]))
        assert np.array_equal(turn["mask_start"], change_mask(item["start"], turn["image"]))
        previous = turn["image"]
    with pytest.raises(IndexError, match="300 sessions"):
        sessions[300]
    # a second load finds the cache; a tampered array is found and rebuilt
    from aimi import cache

    assert cache.problems("sessions", 32, tmp_path) == []
    path = cache.cache_dir("sessions", 32, tmp_path) / "image.npy"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    assert any("checksum" in p for p in cache.problems("sessions", 32, tmp_path))
    cache.materialize("sessions", 32, tmp_path, progress=False)
    assert cache.problems("sessions", 32, tmp_path) == []
