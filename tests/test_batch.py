import json

import numpy as np
import pytest

from collection import Job, JobError, make_pair, render, run_job, sample_spec, seeded_rng
from collection.batch import done_parts, parse_shard, run_part


def _pixels(path):
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im)


def _read(out, name):
    return np.load(out / f"{name}.npy")


def test_avatars_job_fills_the_array_and_lists_the_specs(tmp_path):
    job = Job("avatars", seed=2, count=10, size=32, chunk=4)
    summary = run_job(job, tmp_path, workers=1, progress=False)
    assert summary == {"parts_run": 3, "parts_skipped": 0, "parts_failed": 0, "complete": True}
    images = _read(tmp_path, "images_32")
    assert images.shape == (10, 32, 32, 3) and images.dtype == np.uint8
    records = [json.loads(line) for line in (tmp_path / "avatars.jsonl").read_text().splitlines()]
    assert [r["index"] for r in records] == list(range(10))
    for r in records[:3]:
        spec = sample_spec(seeded_rng("avatar", 2, r["index"]))
        assert r["avatar_id"] == spec.id
        assert np.array_equal(images[r["index"]], render(spec, 32))


def test_one_and_two_processes_give_the_same_bytes(tmp_path):
    job = Job("pairs", seed=5, count=12, size=32, chunk=3)
    run_job(job, tmp_path / "one", workers=1, progress=False)
    run_job(job, tmp_path / "two", workers=2, progress=False)
    for name in ("source_32", "target_32", "mask_32"):
        assert (tmp_path / "one" / f"{name}.npy").read_bytes() == (tmp_path / "two" / f"{name}.npy").read_bytes()
    assert (tmp_path / "one" / "pairs.jsonl").read_bytes() == (tmp_path / "two" / "pairs.jsonl").read_bytes()
    first = json.loads((tmp_path / "one" / "pairs.jsonl").read_text().splitlines()[0])
    pair, src, _, mask = make_pair(5, 0, 32)
    assert first == pair.to_record()
    assert np.array_equal(_read(tmp_path / "one", "mask_32")[0], mask)


def test_shards_resume_and_skip_finished_parts(tmp_path):
    job = Job("avatars", seed=1, count=9, size=32, chunk=2)  # 5 parts
    s0 = run_job(job, tmp_path, shard="0/2", workers=1, progress=False)
    assert s0 == {"parts_run": 3, "parts_skipped": 0, "parts_failed": 0, "complete": False}
    assert done_parts(job, tmp_path) == {0, 2, 4}
    assert not (tmp_path / "avatars.jsonl").exists()
    # an interrupted part: its slice may be half written, but without its stats file it is redone
    (tmp_path / "parts" / "part-00002.json").unlink()
    images = np.load(tmp_path / "images_32.npy", mmap_mode="r+")
    images[4:6] = 0
    images.flush()
    s_all = run_job(job, tmp_path, workers=1, progress=False)
    assert s_all == {"parts_run": 3, "parts_skipped": 2, "parts_failed": 0, "complete": True}
    fresh = tmp_path / "fresh"
    run_job(job, fresh, workers=1, progress=False)
    assert (fresh / "images_32.npy").read_bytes() == (tmp_path / "images_32.npy").read_bytes()
    assert (fresh / "avatars.jsonl").read_bytes() == (tmp_path / "avatars.jsonl").read_bytes()


def test_png_output_when_asked(tmp_path):
    run_job(Job("pairs", seed=0, count=2, size=32, png=True), tmp_path, progress=False)
    src = _pixels(tmp_path / "png" / "0000001_source_32.png")
    assert np.array_equal(src, _read(tmp_path, "source_32")[1])
    mask = _pixels(tmp_path / "png" / "0000001_mask_32.png")
    assert set(np.unique(mask)) <= {0, 255}


def test_a_different_job_in_the_same_folder_is_refused(tmp_path):
    run_job(Job("avatars", seed=1, count=2, size=32), tmp_path, progress=False)
    with pytest.raises(JobError, match="already holds a different job"):
        run_job(Job("avatars", seed=2, count=2, size=32), tmp_path, progress=False)


def test_failed_items_are_recorded_not_raised(tmp_path, monkeypatch):
    job = Job("avatars", seed=1, count=3, size=32)
    run_job(job, tmp_path, shard="0/1", workers=1, progress=False)
    (tmp_path / "parts" / "part-00000.json").unlink()

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("collection.batch.render", broken)
    stats = run_part(job, str(tmp_path), 0)
    assert stats["failed"] == 3 and "disk on fire" in stats["errors"][0]
    assert not (tmp_path / "parts" / "part-00000.json").exists()
    with pytest.raises(JobError, match="rerun the same command"):
        run_job(job, tmp_path, workers=1, progress=False)


@pytest.mark.parametrize("text", ["1", "a/b", "2/2", "-1/3", "0/0", "1/2/3"])
def test_malformed_shards_are_refused(text):
    with pytest.raises(JobError, match="expected i/N"):
        parse_shard(text)


def test_bad_jobs_are_refused():
    with pytest.raises(JobError, match="must be positive"):
        Job("avatars", seed=0, count=0)
    with pytest.raises(ValueError, match="valid: 32, 64"):
        Job("avatars", seed=0, count=1, size=50)
    with pytest.raises(JobError, match="unknown job kind"):
        Job("faces", seed=0, count=1)


def test_a_part_that_cannot_be_written_is_a_failure(tmp_path):
    job = Job("avatars", seed=1, count=3, size=32)
    run_job(job, tmp_path, workers=1, progress=False)
    (tmp_path / "parts" / "part-00000.json").unlink()
    (tmp_path / "images_32.npy").unlink()  # the array vanished under the job
    stats = run_part(job, str(tmp_path), 0)
    assert stats["ok"] == 0 and stats["failed"] == 3 and "images_32.npy" in stats["errors"][0]
    assert not (tmp_path / "parts" / "part-00000.json").exists()


def test_a_finished_part_whose_pixels_were_lost_is_rendered_again(tmp_path):
    job = Job("avatars", seed=4, count=6, size=32, chunk=2)
    run_job(job, tmp_path, workers=1, progress=False)
    fresh = (tmp_path / "images_32.npy").read_bytes()
    images = np.load(tmp_path / "images_32.npy", mmap_mode="r+")
    images[2:4] = 0  # as after a crash that lost the page cache: stats say done, pixels are not
    images.flush()
    del images
    summary = run_job(job, tmp_path, workers=1, progress=False)
    assert summary["parts_run"] == 1 and summary["parts_redone_after_checksum_mismatch"] == 1
    assert (tmp_path / "images_32.npy").read_bytes() == fresh


def test_a_finished_part_whose_records_were_lost_is_rendered_again(tmp_path):
    job = Job("pairs", seed=4, count=4, size=32, chunk=2)
    run_job(job, tmp_path, workers=1, progress=False)
    fresh = (tmp_path / "pairs.jsonl").read_bytes()
    (tmp_path / "parts" / "part-00001.jsonl").write_text("")  # emptied by a crash
    summary = run_job(job, tmp_path, workers=1, progress=False)
    assert summary["parts_redone_after_checksum_mismatch"] == 1
    assert (tmp_path / "pairs.jsonl").read_bytes() == fresh


def test_a_finished_part_whose_png_was_lost_is_rendered_again(tmp_path):
    job = Job("avatars", seed=4, count=4, size=32, chunk=2, png=True)
    run_job(job, tmp_path, workers=1, progress=False)
    (tmp_path / "png" / "0000003_images_32.png").unlink()
    summary = run_job(job, tmp_path, workers=1, progress=False)
    assert summary["parts_redone_after_checksum_mismatch"] == 1
    assert (tmp_path / "png" / "0000003_images_32.png").stat().st_size > 0
