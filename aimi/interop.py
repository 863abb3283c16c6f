"""Interop: the release as Hugging Face Parquet (with a dataset card) and as Croissant JSON-LD.

``export_parquet(out)`` writes ``out/data/<split>-00000-of-00001.parquet`` through the ``datasets``
library itself, so the files carry its schema (``Image`` features for source, target and mask:
PNG bytes; mask 255 = unchanged, 0 = changed), and ``out/README.md``, a dataset card whose YAML
header gives the license, task categories, sizes, splits with their example counts and the
annotation creators (the instructions are simulated). ``write_croissant(parquet_dir, file)``
describes those Parquet files (SHA-256 of each) and a ``triplets`` record set in Croissant 1.0,
built with ``mlcroissant`` so that it validates.
"""

from __future__ import annotations

import json
from pathlib import Path


from collection.files import sha256_file, write_atomic
from collection.render.raster import png_bytes

from .dataset import AIMI
from .release import DATA_VERSION, SPLITS

SCALARS = ("id", "split", "pair_id", "instruction", "attribute", "from_value", "to_value", "source_id",
           "target_id")
PUBLISHED = "2026-12-03"  # data version 2 (version 1: 2026-11-29)
CITE = ("Shinagawa, Yoshino, Sakti, Suzuki, Nakamura. Interactive Avatar Image Manipulation with "
        "Unconstrained Natural Language Instruction using Source Image Masking.")


def _parquet_name(split: str) -> str:
    return f"{split}-00000-of-00001.parquet"


def export_parquet(out: str | Path, size: int = 64, root: str | Path | None = None) -> list[Path]:
    """Write the three splits at ``size`` px as Parquet plus the dataset card; returns the files."""
    from datasets import Dataset, Features, Image as ImageFeature, Sequence, Value

    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    features = Features({
        **{name: Value("string") for name in SCALARS},
        "source": ImageFeature(), "target": ImageFeature(), "mask": ImageFeature(),
        "tokens": Sequence(Value("int64")),
        "source_vector": Sequence(Value("int64")), "target_vector": Sequence(Value("int64")),
    })
    written, counts = [], {}
    for split in SPLITS:
        ds = AIMI(root=root, split=split, size=size, progress=False)
        columns = {name: [] for name in features}
        for i in range(len(ds)):
            item, row = ds[i], ds.rows[i]
            for name in SCALARS:
                columns[name].append(row[name])
            columns["source"].append({"bytes": png_bytes(item["source"]), "path": None})
            columns["target"].append({"bytes": png_bytes(item["target"]), "path": None})
            columns["mask"].append({"bytes": png_bytes(item["mask"] * 255), "path": None})
            for name in ("tokens", "source_vector", "target_vector"):
                columns[name].append(item[name].tolist())
        path = out / "data" / _parquet_name(split)
        Dataset.from_dict(columns, features=features).to_parquet(str(path))
        written.append(path)
        counts[split] = len(ds)
    write_atomic(out / "README.md", dataset_card(counts, size))
    return written


def dataset_card(counts: dict[str, int], size: int) -> str:
    total = sum(counts.values())
    size_category = "1K<n<10K" if total < 10_000 else "10K<n<100K"
    splits = "\n".join(f"  - name: {s}\n    num_examples: {n}" for s, n in counts.items())
    files = "\n".join(f"  - split: {s}\n    path: data/{_parquet_name(s)}" for s in counts)
    return f"""---
license: other
license_name: aimi-data
license_link: LICENSE
pretty_name: AIMI (Avatar Image Manipulation with Instruction), data version {DATA_VERSION}
task_categories:
- image-to-image
language:
- en
size_categories:
- {size_category}
annotations_creators:
- machine-generated
tags:
- simulated-annotations
- image-editing
- text-guided-image-editing
configs:
- config_name: default
  data_files:
{files}
dataset_info:
  features:
  - name: source
    dtype: image
  - name: target
    dtype: image
  - name: mask
    dtype: image
  - name: instruction
    dtype: string
  splits:
{splits}
---

# AIMI, data version {DATA_VERSION} ({size} px)

Triplets of (source avatar, target avatar, instruction): the two avatars differ in exactly one
attribute; `mask` is 255 where they are equal and 0 where they differ.

**The annotation creators are simulated.** The instructions were written by a seeded panel of
simulated crowd workers (no crowd could be reached); they are not human data. See DATASHEET.md in
the `aimi` package for how they were made and cleaned.

Avatar art: Avataaars by Pablo Stanley (free for personal and commercial use) through
python-avatars (MIT). Code: MIT.

Reference: {CITE}
"""


def croissant_metadata(parquet_dir: str | Path):
    """The Croissant description of an export_parquet folder (an ``mlcroissant.Metadata``)."""
    import mlcroissant as mlc

    parquet_dir = Path(parquet_dir)
    distribution, fields = [], []
    for split in SPLITS:
        name = f"data/{_parquet_name(split)}"
        distribution.append(mlc.FileObject(id=name, name=name, content_url=name,
                                           encoding_formats=["application/x-parquet"],
                                           sha256=sha256_file(parquet_dir / name)))
    sources = [mlc.FileSet(id="parquet-files", name="parquet-files", includes=["data/*.parquet"],
                           encoding_formats=["application/x-parquet"])]
    for column in SCALARS:
        fields.append(mlc.Field(id=f"triplets/{column}", name=column, data_types=[mlc.DataType.TEXT],
                                source=mlc.Source(file_set="parquet-files", extract=mlc.Extract(column=column))))
    record_sets = [mlc.RecordSet(id="triplets", name="triplets",
                                 description="One record per triplet; images are in the Parquet image columns.",
                                 fields=fields)]
    return mlc.Metadata(
        name=f"AIMI-v{DATA_VERSION}",
        description=("Avatar image manipulation with instruction: source and target avatars that differ in one "
                     "attribute, with an instruction. The instructions are SIMULATED (not human data)."),
        url="https://pypi.org/project/aimi/", version=f"{DATA_VERSION}.0.0", date_published=PUBLISHED,
        cite_as=CITE, license=["https://opensource.org/license/mit"],
        distribution=distribution + sources, record_sets=record_sets)


def write_croissant(parquet_dir: str | Path, out_file: str | Path) -> dict:
    """Write the Croissant JSON-LD of ``parquet_dir`` to ``out_file`` (put it in that folder so
    the relative file URLs resolve); returns the JSON."""
    metadata = croissant_metadata(parquet_dir)
    document = metadata.to_json()
    write_atomic(out_file, json.dumps(document, indent=1, default=str) + "\n")
    return document
