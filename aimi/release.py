"""The release shipped inside the package (data version 2): read, verify, (re)ship.

Files under ``aimi/data/v2/``: ``triplets.jsonl.gz`` and ``sessions.jsonl.gz`` (gzips of the
builder's files, whose SHA-256 the manifest records), ``vocabulary.json``, ``unlabeled.json``,
``manifest.json``, ``DATASHEET.md``. They come from ``python -m collection release --seed 0`` via
:func:`ship`. Data version 2 added the sessions and kept the triplets of version 1 byte for byte
(``TRIPLETS_VERSION``), so the image caches and download archives of version 1 stay valid.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import shutil
from importlib import resources
from pathlib import Path

from collection.release import DATA_VERSION, TRIPLETS_VERSION, ReleaseError
from collection.release import SPLIT_NAMES as SPLITS

SHIPPED = ("vocabulary.json", "unlabeled.json", "DATASHEET.md")
GZIPPED = ("triplets.jsonl", "sessions.jsonl")


def data_dir() -> Path:
    return Path(str(resources.files("aimi") / "data" / f"v{DATA_VERSION}"))


@functools.cache
def load_release() -> dict:
    """{"triplets": [...], "sessions": [...], "vocabulary": [...], "unlabeled": {...}, "manifest":
    {...}}, every file checked against the manifest's SHA-256 first."""
    folder = data_dir()
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        raw = {name: gzip.decompress((folder / f"{name}.gz").read_bytes()) for name in GZIPPED}
        raw.update({name: (folder / name).read_bytes() for name in SHIPPED})
    except (OSError, ValueError, EOFError) as e:
        raise ReleaseError(f"the shipped release in {folder} cannot be read ({e}); reinstall aimi") from None
    for name, data in raw.items():
        if hashlib.sha256(data).hexdigest() != manifest["files"].get(name):
            raise ReleaseError(f"{folder}/{name} does not match the manifest's SHA-256; reinstall aimi")
    return {
        "triplets": [json.loads(line) for line in raw["triplets.jsonl"].decode().splitlines()],
        "sessions": [json.loads(line) for line in raw["sessions.jsonl"].decode().splitlines()],
        "vocabulary": json.loads(raw["vocabulary.json"]),
        "unlabeled": json.loads(raw["unlabeled.json"]),
        "manifest": manifest,
    }


SESSIONS = "sessions"   # not a split: the multi-turn test sessions (data version 2)


def check_part(part: str) -> str:
    """A split name or ``"sessions"``."""
    if part != SESSIONS:
        check_split(part)
    return part


def part_rows(part: str) -> list[dict]:
    """The rows of a split, or the sessions."""
    return load_release()["sessions"] if check_part(part) == SESSIONS else split_rows(part)


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
    for name in GZIPPED:
        data = (release / name).read_bytes()
        (dest / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    for name in (*SHIPPED, "manifest.json"):
        shutil.copyfile(release / name, dest / name)
    return dest


__all__ = ["DATA_VERSION", "GZIPPED", "SESSIONS", "SHIPPED", "SPLITS", "TRIPLETS_VERSION", "ReleaseError", "check_part",
           "check_split", "data_dir", "load_release", "part_rows", "ship", "split_rows"]
