"""The datasets: ``AIMI`` (triplets of a split), ``Sessions`` (multi-turn test sessions) and
``Unlabeled`` (the random avatars).

Neither imports torch: they are plain sequences that a ``torch.utils.data.DataLoader`` can read
(use :func:`collate` to pad token ids).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from collection import AvatarSpec, render, sample_spec, seeded_rng
from collection.render.compose import SIZES, check_size

from .cache import ARRAYS, SESSION_ARRAYS, cache_dir, materialize, problems
from .release import SESSIONS, SPLITS, check_split, load_release, split_rows

_checked: set[tuple[str, int, str]] = set()


def _ensure_cached(part: str, size: int, root, download: bool, materialize_missing: bool, progress: bool,
                   mirror: str | None) -> Path:
    """The checked cache folder of a split (or the sessions), rendered (or downloaded) if needed."""
    folder = cache_dir(part, size, root)
    key = (part, size, str(folder))
    if key not in _checked:
        found = problems(part, size, root)  # hashes the arrays: once, unless something changes
        if found and download and part != SESSIONS:   # the archives hold the triplet splits
            from .archive import download as fetch

            fetch(size, mirror=mirror, root=root)
            found = problems(part, size, root)
        if found:
            if not materialize_missing:
                raise FileNotFoundError(found[0])
            materialize(part, size, root, progress=progress)
        _checked.add(key)
    return folder


class AIMI:
    """The triplets of ``split`` at ``size`` px, torchvision style.

    ``item = dataset[i]`` is a dict: ``id``, ``source`` and ``target`` ((S, S, 3) uint8), ``mask``
    ((S, S) uint8, 1 = unchanged, 0 = changed), ``instruction`` (str), ``tokens`` (int64 ids),
    ``attribute``, ``source_vector`` and ``target_vector`` (int64 attribute value indices),
    ``source_id``, ``target_id``, ``pair_id``. ``transform`` is applied to that dict.

    Images come from the cache under ``root`` (``$AIMI_HOME``, default ``~/.cache/aimi``). When it
    is missing they are rendered locally (a few seconds), or, with ``download=True``, fetched as a
    prebuilt archive from ``mirror`` (or ``$AIMI_MIRROR``) and checked against the hash pinned in
    the package.
    """

    def __init__(self, root: str | Path | None = None, split: str = "train", size: int = 64,
                 transform: Callable | None = None, download: bool = False, materialize_missing: bool = True,
                 progress: bool = True, mirror: str | None = None):
        self.split, self.size = check_split(split), check_size(size)
        self.root, self.transform = root, transform
        self.rows = split_rows(split)
        self.vocabulary = load_release()["vocabulary"]
        self._folder = _ensure_cached(split, size, root, download, materialize_missing, progress, mirror)
        self._arrays: dict[str, np.ndarray] | None = None  # opened lazily: one memmap per worker
        # per-split tables, so that a batch is a handful of fancy-indexed reads
        self._lengths = np.asarray([len(r["tokens"]) for r in self.rows], dtype=np.int64)
        self._tokens = np.zeros((len(self.rows), int(self._lengths.max(initial=0))), dtype=np.int64)
        for i, r in enumerate(self.rows):
            self._tokens[i, :len(r["tokens"])] = r["tokens"]
        self._vectors = {side: np.asarray([AvatarSpec.from_dict(r[side]).vector() for r in self.rows],
                                          dtype=np.int64).reshape(len(self.rows), -1)
                         for side in ("source", "target")}

    def _open(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            # plain ndarray views of the maps: np.memmap's own indexing costs more than the copy
            self._arrays = {a: np.load(self._folder / f"{a}.npy", mmap_mode="r").view(np.ndarray) for a in ARRAYS}
        return self._arrays

    def __getstate__(self):  # DataLoader workers reopen the memmaps themselves
        state = self.__dict__.copy()
        state["_arrays"] = None
        return state

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} {self.split} triplets")
        row = self.rows[index]
        arrays = self._open()
        item = {
            "id": row["id"], "pair_id": row["pair_id"],
            "source": np.array(arrays["source"][index]), "target": np.array(arrays["target"][index]),
            "mask": np.array(arrays["mask"][index]),
            "instruction": row["instruction"], "tokens": self._tokens[index, :self._lengths[index]].copy(),
            "attribute": row["attribute"],
            "source_vector": self._vectors["source"][index].copy(),
            "target_vector": self._vectors["target"][index].copy(),
            "source_id": row["source_id"], "target_id": row["target_id"],
        }
        return self.transform(item) if self.transform else item

    def __getitems__(self, indices: list[int]):
        """A whole batch at once (torch's DataLoader calls this when it exists): one read per
        array from the memory maps, already stacked; :func:`collate` turns it into tensors. With a
        ``transform`` the items are made one by one."""
        if self.transform is not None:
            return [self[i] for i in indices]
        arrays = self._open()
        order = np.asarray(indices, dtype=np.int64)
        if order.size and (order.min() < -len(self) or order.max() >= len(self)):
            raise IndexError(f"indices out of range for {len(self)} {self.split} triplets")
        rows = [self.rows[i] for i in order]
        lengths = self._lengths[order]
        return _Batch({
            "id": [r["id"] for r in rows], "pair_id": [r["pair_id"] for r in rows],
            "source": arrays["source"][order], "target": arrays["target"][order], "mask": arrays["mask"][order],
            "instruction": [r["instruction"] for r in rows],
            "tokens": self._tokens[order, :int(lengths.max(initial=0))], "lengths": lengths,
            "attribute": [r["attribute"] for r in rows],
            "source_vector": self._vectors["source"][order], "target_vector": self._vectors["target"][order],
            "source_id": [r["source_id"] for r in rows], "target_id": [r["target_id"] for r in rows],
        })

    def __repr__(self) -> str:
        return f"AIMI(split={self.split!r}, size={self.size}, n={len(self)})"


class _Batch(dict):
    """A batch already stacked by :meth:`AIMI.__getitems__` (fields are lists or stacked arrays)."""


class Sessions:
    """The multi-turn test sessions (300 in data version 2) at ``size`` px.

    ``item = sessions[i]`` is a dict: ``id``, ``start`` ((S, S, 3) uint8), ``start_id``,
    ``start_spec`` (the start avatar's attributes, a dict: ``collection.AvatarSpec.from_dict``
    reads it), and ``turns``, a list of dicts (one per turn, in order) with ``instruction``,
    ``tokens`` (int64 ids of the training vocabulary), ``attribute``, ``from_value``, ``to_value``,
    ``image`` (the ground truth after the turn), ``mask_previous`` and ``mask_start`` ((S, S) uint8,
    1 where the turn's image equals the previous turn's image / the start), ``spec`` (dict) and
    ``spec_id``. Every instruction is SIMULATED, like the triplets'. The images are rendered into
    the cache on first use (a few seconds); ``download`` is accepted for symmetry with
    :class:`AIMI` but the archives hold only the triplet splits.
    """

    def __init__(self, root: str | Path | None = None, size: int = 64, transform: Callable | None = None,
                 materialize_missing: bool = True, progress: bool = True, download: bool = False,
                 mirror: str | None = None):
        self.size, self.root, self.transform = check_size(size), root, transform
        self.rows = load_release()["sessions"]
        self.vocabulary = load_release()["vocabulary"]
        self._folder = _ensure_cached(SESSIONS, size, root, download, materialize_missing, progress, mirror)
        self._arrays: dict[str, np.ndarray] | None = None

    @property
    def turns(self) -> int:
        return len(self.rows[0]["turns"]) if self.rows else 0

    def arrays(self) -> dict[str, np.ndarray]:
        """The cached arrays, memory-mapped: ``start`` (N, S, S, 3), ``image`` (N, T, S, S, 3),
        ``mask_previous`` and ``mask_start`` (N, T, S, S)."""
        if self._arrays is None:
            self._arrays = {a: np.load(self._folder / f"{a}.npy", mmap_mode="r").view(np.ndarray)
                            for a in SESSION_ARRAYS}
        return self._arrays

    __getstate__ = AIMI.__getstate__     # workers reopen the memory maps
    __len__ = AIMI.__len__

    def __getitem__(self, index: int) -> dict:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} sessions")
        row, arrays = self.rows[index], self.arrays()
        item = {"id": row["id"], "start": np.array(arrays["start"][index]), "start_id": row["start_id"],
                "start_spec": dict(row["start"]), "turns": [
                    {"instruction": t["instruction"], "tokens": np.asarray(t["tokens"], dtype=np.int64),
                     "attribute": t["attribute"], "from_value": t["from_value"], "to_value": t["to_value"],
                     "image": np.array(arrays["image"][index, k]),
                     "mask_previous": np.array(arrays["mask_previous"][index, k]),
                     "mask_start": np.array(arrays["mask_start"][index, k]),
                     "spec": dict(t["spec"]), "spec_id": t["spec_id"]}
                    for k, t in enumerate(row["turns"])]}
        return self.transform(item) if self.transform else item

    def __repr__(self) -> str:
        return f"Sessions(size={self.size}, n={len(self)}, turns={self.turns})"


class Unlabeled:
    """The random avatars without instructions (161,065 in data version 1), rendered on the fly
    by the sprite renderer (item i is a pure function of the release's seed and i)."""

    def __init__(self, size: int = 64, transform: Callable | None = None):
        self.size = check_size(size)
        self.transform = transform
        info = load_release()["unlabeled"]
        self.seed, self.count, self.stream = info["seed"], info["count"], info["stream"]

    def __len__(self) -> int:
        return self.count

    def spec(self, index: int) -> AvatarSpec:
        if not 0 <= index < self.count:
            raise IndexError(f"index {index} out of range for {self.count} unlabeled avatars")
        return sample_spec(seeded_rng(self.stream, self.seed, index))

    def __getitem__(self, index: int) -> dict:
        spec = self.spec(index)
        item = {"id": spec.id, "image": render(spec, self.size),
                "vector": np.asarray(spec.vector(), dtype=np.int64)}
        return self.transform(item) if self.transform else item


def load(split: str, size: int = 64, root: str | Path | None = None, download: bool = False,
         mirror: str | None = None) -> AIMI | Sessions:
    """The ``split`` ("train", "val", "test") of AIMI at ``size`` px (32, 64, 128 or 256), or with
    ``"sessions"`` the multi-turn test sessions (:class:`Sessions`)."""
    if split == SESSIONS:
        return Sessions(root=root, size=size, download=download, mirror=mirror)
    return AIMI(root=root, split=split, size=size, download=download, mirror=mirror)


def collate(batch):
    """A DataLoader ``collate_fn``: stacks arrays into tensors, pads ``tokens`` with 0 (``<pad>``)
    and adds ``lengths``; strings stay lists. Takes a list of items or a batch that
    :meth:`AIMI.__getitems__` already stacked."""
    import torch

    if isinstance(batch, _Batch):
        columns = dict(batch)
    else:
        columns = {key: [b[key] for b in batch] for key in batch[0]}
    out = {}
    for key, values in columns.items():
        if isinstance(values, np.ndarray):
            out[key] = torch.from_numpy(np.ascontiguousarray(values))
            continue
        if key == "tokens":
            lengths = [len(v) for v in values]
            padded = np.zeros((len(values), max(lengths) if lengths else 0), dtype=np.int64)
            for i, v in enumerate(values):
                padded[i, :len(v)] = v
            out["tokens"], out["lengths"] = torch.from_numpy(padded), torch.tensor(lengths)
        elif values and isinstance(values[0], np.ndarray):
            out[key] = torch.from_numpy(np.stack(values))
        else:
            out[key] = list(values)
    return out


__all__ = ["AIMI", "SIZES", "SPLITS", "Sessions", "Unlabeled", "collate", "load"]
