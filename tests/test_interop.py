"""Interop with the real libraries: Hugging Face datasets reads the Parquet export and decodes the
images; mlcroissant validates the JSON-LD and iterates its records."""

import numpy as np
import pytest

import aimi
from aimi.cli import main as aimi_cli


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("interop")
    assert aimi_cli(["export-parquet", "--out", str(root / "pq"), "--size", "32", "--root", str(root / "home")]) == 0
    assert aimi_cli(["croissant", "--parquet", str(root / "pq"), "--out", str(root / "pq" / "croissant.json")]) == 0
    return root


def test_datasets_reads_the_parquet_and_decodes_images(exported):
    datasets = pytest.importorskip("datasets")
    pq = exported / "pq" / "data"
    loaded = datasets.load_dataset("parquet", data_files={s: str(pq / f"{s}-00000-of-00001.parquet")
                                                          for s in aimi.SPLITS},
                                   cache_dir=str(exported / "hf-cache"))
    assert {s: loaded[s].num_rows for s in aimi.SPLITS} == {"train": 4296, "val": 230, "test": 230}
    row = loaded["val"][3]
    item = aimi.AIMI(root=exported / "home", split="val", size=32)[3]
    assert row["id"] == item["id"] and row["instruction"] == item["instruction"]
    assert np.array_equal(np.asarray(row["source"].convert("RGB")), item["source"])
    assert np.array_equal(np.asarray(row["mask"]) // 255, item["mask"])
    card = (exported / "pq" / "README.md").read_text()
    header = card.split("---")[1]
    for needle in ("license:", "task_categories:", "size_categories:", "num_examples: 4296",
                   "num_examples: 230", "annotations_creators:"):
        assert needle in header
    assert "simulated" in card.lower()


def test_mlcroissant_validates_and_iterates_records(exported):
    mlc = pytest.importorskip("mlcroissant")
    dataset = mlc.Dataset(jsonld=str(exported / "pq" / "croissant.json"))
    assert not dataset.metadata.issues.errors
    records = list(dataset.records("triplets"))
    assert len(records) == 4756
    assert {r["triplets/split"] for r in records} == {b"train", b"val", b"test"}
