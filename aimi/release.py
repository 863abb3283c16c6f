"""The release shipped inside the package (data version 1): read, verify, (re)ship.

Files under ``aimi/data/v1/``: ``triplets.jsonl.gz`` (gzip of the builder's triplets.jsonl, whose
SHA-256 the manifest records), ``vocabulary.json``, ``unlabeled.json``, ``manifest.json``,
``DATASHEET.md``. They come from ``python -m collection release --seed 0`` via :func:`ship`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import shutil
from importlib import resources
from pathlib import Path

from collection.release import DATA_VERSION, ReleaseError
from collection.release import SPLIT_NAMES as SPLITS

SHIPPED = ("vocabulary.json", "unlabeled.json", "DATASHEET.md")


def data_dir() -> Path:
    return Path(str(resources.files("aimi") / "data" / f"v{DATA_VERSION}"))


@functools.cache
def load_release() -> dict:
    """{"triplets": [...], "vocabulary": [...], "unlabeled": {...}, "manifest": {...}}, every
    file checked against the manifest's SHA-256 first."""
    folder = data_dir()
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        raw = {"triplets.jsonl": gzip.decompress((folder / "triplets.jsonl.gz").read_bytes())}
        raw.update({name: (folder / name).read_bytes() for name in SHIPPED})
    except (OSError, ValueError, EOFError) as e:
        raise ReleaseError(f"the shipped release in {folder} cannot be read ({e}); reinstall aimi") from None
    for name, data in raw.items():
        if hashlib.sha256(data).hexdigest() != manifest["files"].get(name):
            raise ReleaseError(f"{folder}/{name} does not match the manifest's SHA-256; reinstall aimi")
    return {
        "triplets": [json.loads(line) for line in raw["triplets.jsonl"].decode().splitlines()],
        "vocabulary": json.loads(raw["vocabulary.json"]),
        "unlabeled": json.loads(raw["unlabeled.json"]),
        "manifest": manifest,
    }


def split_rows(split: str) -> list[dict]:
    check_split(split)
    return [t for t in load_release()["triplets"] if t["split"] == split]


def check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    return split


def ship(release: str | Path, dest: str | Path | None = None) -> Path:
    """Copy a built release (``python -m collection release``) into the package data folder."""
    release, dest = Path(release), Path(dest or data_dir())
    dest.mkdir(parents=True, exist_ok=True)
    data = (release / "triplets.jsonl").read_bytes()
    (dest / "triplets.jsonl.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    for name in (*SHIPPED, "manifest.json"):
        shutil.copyfile(release / name, dest / name)
    return dest
