"""The images cache: each split's source, target and mask arrays rendered once per size, and the
sessions' images.

Layout: ``$AIMI_HOME`` (default ``~/.cache/aimi``) ``/v1/<size>px/<split>/`` holds
``source.npy`` (N, S, S, 3) uint8, ``target.npy``, ``mask.npy`` (N, S, S) uint8 (1 = unchanged)
and ``done.json`` (count, size, renderer, SHA-256 of each array). ``v1`` is the data version whose
triplets these are (data version 2 kept them byte for byte, so its users share the cache and the
archives of version 1). ``/v2/<size>px/sessions/`` holds ``start.npy`` (N, S, S, 3), ``image.npy``
(N, T, S, S, 3: the ground truth after each turn), ``mask_previous.npy`` and ``mask_start.npy``
(N, T, S, S: 1 where the turn's image equals the previous image / the start). Materialising:

- takes a file lock, so two processes neither corrupt nor duplicate the work (the second waits,
  then finds the arrays);
- renders in chunks into ``*.partial.npy`` files and records finished chunks in
  ``progress.json``, so an interrupted run resumes where it stopped;
- hashes the arrays, renames them into place and writes ``done.json`` last.

The first use in a process checks the arrays against ``done.json``; a corrupted file is reported
and rebuilt.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

import numpy as np

from collection import AvatarSpec, render_batch
from collection.render.compose import check_size
from collection.files import sha256_file, write_json
from collection.pairs import change_mask

from .release import DATA_VERSION, SESSIONS, TRIPLETS_VERSION, check_part, load_release, part_rows

ARRAYS = ("source", "target", "mask")
SESSION_ARRAYS = ("start", "image", "mask_previous", "mask_start")
CHUNK = 512


def arrays_of(part: str) -> tuple[str, ...]:
    """The array names cached for a split or for the sessions."""
    return SESSION_ARRAYS if part == SESSIONS else ARRAYS


def _shapes(part: str, rows: list[dict], size: int) -> dict[str, tuple[int, ...]]:
    n = len(rows)
    if part == SESSIONS:
        turns = len(rows[0]["turns"]) if rows else 0
        return {"start": (n, size, size, 3), "image": (n, turns, size, size, 3),
                "mask_previous": (n, turns, size, size), "mask_start": (n, turns, size, size)}
    return {"source": (n, size, size, 3), "target": (n, size, size, 3), "mask": (n, size, size)}


def aimi_home(root: str | Path | None = None) -> Path:
    return Path(root or os.environ.get("AIMI_HOME") or Path.home() / ".cache" / "aimi")


def cache_dir(split: str, size: int, root: str | Path | None = None) -> Path:
    """The folder of a split's arrays (or, for ``"sessions"``, the sessions')."""
    version = DATA_VERSION if check_part(split) == SESSIONS else TRIPLETS_VERSION
    return aimi_home(root) / f"v{version}" / f"{check_size(size)}px" / split


def read_done(folder: Path, split: str, size: int) -> dict | None:
    """``folder/done.json`` if it is the record ``materialize`` writes for (split, size), else None."""
    try:
        record = json.loads((folder / "done.json").read_text())
    except (OSError, ValueError):          # unreadable, not UTF-8, not JSON
        return None
    sums = record.get("sha256") if isinstance(record, dict) else None
    if not isinstance(sums, dict) or not all(isinstance(sums.get(a), str) for a in arrays_of(split)):
        return None
    if record.get("split") != split or record.get("size") != size or record.get("count") != len(part_rows(split)):
        return None
    return record


def folder_problems(folder: Path, split: str, size: int) -> list[str]:
    """What is wrong with the arrays of (split, size) in ``folder``; empty when they are good."""
    done = folder / "done.json"
    if not done.exists():
        return [f"{folder}: not materialised (python -m aimi materialize --split {split} --size {size})"]
    record = read_done(folder, split, size)
    if record is None:
        return [f"{done}: damaged (not the record of {split} at {size} px); it is rebuilt on next use "
                f"(python -m aimi materialize --split {split} --size {size})"]
    found = []
    for name in arrays_of(split):
        path = folder / f"{name}.npy"
        if not path.exists():
            found.append(f"{path}: missing")
        elif sha256_file(path) != record["sha256"][name]:
            found.append(f"{path}: checksum mismatch (corrupted or modified)")
    return found


def problems(split: str, size: int, root: str | Path | None = None) -> list[str]:
    """What is wrong with the cached arrays of (split, size); empty when they are good."""
    return folder_problems(cache_dir(split, size, root), split, size)


def verify(splits, sizes, root: str | Path | None = None) -> tuple[list[str], list[str]]:
    """(problems of the cached arrays of every split x size, problems of the renderer against the
    release's pixel hashes); both empty when all is well."""
    cache = [p for size in sizes for split in splits for p in problems(split, size, root)]
    return cache, renderer_problems()


def renderer_problems() -> list[str]:
    """Compare a sample of avatars rendered here with the pixel hashes in the release manifest: a
    different renderer (other art or rasteriser versions) would silently change the images."""
    from collection import render

    manifest = load_release()["manifest"]
    size = manifest["config"]["size"]
    wrong = []
    rows = {r["source_id"]: r for r in load_release()["triplets"]}
    for spec_id, expected in manifest["pixel_sha256"].items():
        spec = AvatarSpec.from_dict(rows[spec_id]["source"])
        if hashlib.sha256(render(spec, size).tobytes()).hexdigest() != expected:
            wrong.append(f"avatar {spec_id} renders differently from the release ({size} px); check the "
                         f"python-avatars and resvg versions ({manifest['versions']})")
    return wrong


def _render_chunk(rows: list[dict], size: int) -> dict[str, np.ndarray]:
    sources = render_batch([AvatarSpec.from_dict(r["source"]) for r in rows], size)
    targets = render_batch([AvatarSpec.from_dict(r["target"]) for r in rows], size)
    masks = np.stack([change_mask(s, t) for s, t in zip(sources, targets)])
    return {"source": sources, "target": targets, "mask": masks}


def _render_sessions(rows: list[dict], size: int) -> dict[str, np.ndarray]:
    turns = len(rows[0]["turns"])
    starts = render_batch([AvatarSpec.from_dict(r["start"]) for r in rows], size)
    images = render_batch([AvatarSpec.from_dict(t["spec"]) for r in rows for t in r["turns"]], size)
    images = images.reshape(len(rows), turns, size, size, 3)
    previous = np.concatenate([starts[:, None], images[:, :-1]], axis=1)
    return {"start": starts, "image": images, "mask_previous": change_mask(previous, images),
            "mask_start": change_mask(np.broadcast_to(starts[:, None], images.shape), images)}


def materialize(split: str, size: int = 64, root: str | Path | None = None, progress: bool = True) -> Path:
    """Render (or resume rendering) the arrays of ``split`` at ``size``; returns their folder."""
    from tqdm import tqdm

    folder = cache_dir(split, size, root)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        bad = problems(split, size, root)
        if not bad:
            return folder
        if (folder / "done.json").exists():  # corrupted: start over
            print(f"aimi: rebuilding the cache: {'; '.join(bad)}")
            for name in ["done.json", "progress.json", *(f"{a}.npy" for a in arrays_of(split))]:
                (folder / name).unlink(missing_ok=True)
        rows = part_rows(split)
        n = len(rows)
        shapes = _shapes(split, rows, size)
        partial = {a: folder / f"{a}.partial.npy" for a in shapes}
        progress_path = folder / "progress.json"
        finished = set(json.loads(progress_path.read_text())["chunks"]) if progress_path.exists() else set()
        if not finished or not all(p.exists() for p in partial.values()):
            finished = set()
            for a in shapes:
                np.lib.format.open_memmap(partial[a], mode="w+", dtype=np.uint8, shape=shapes[a]).flush()
        arrays = {a: np.load(partial[a], mmap_mode="r+") for a in shapes}
        chunks = [c for c in range(-(-n // CHUNK)) if c not in finished]
        with tqdm(total=sum(min(CHUNK, n - c * CHUNK) for c in chunks), unit="session" if split == SESSIONS else "pair",
                  desc=f"aimi {split} {size}px", disable=not progress) as bar:
            for c in chunks:
                lo, hi = c * CHUNK, min(n, (c + 1) * CHUNK)
                rendered = _render_sessions(rows[lo:hi], size) if split == SESSIONS else _render_chunk(rows[lo:hi], size)
                for name, block in rendered.items():
                    arrays[name][lo:hi] = block
                for array in arrays.values():
                    array.flush()
                finished.add(c)
                write_json(progress_path, {"chunks": sorted(finished)}, durable=False)
                bar.update(hi - lo)
        del arrays
        sums = {}
        for a in shapes:
            sums[a] = sha256_file(partial[a])
            os.replace(partial[a], folder / f"{a}.npy")
        version = DATA_VERSION if split == SESSIONS else TRIPLETS_VERSION
        write_json(folder / "done.json", {"data_version": version, "split": split, "size": size,
                                          "count": n, "renderer": "sprite", "sha256": sums})
        progress_path.unlink(missing_ok=True)
    return folder
