"""Atomic file writes: a reader never sees half a file, and a killed writer leaves no debris
that a rerun would trust."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temporary(path: Path) -> tuple[int, str]:
    """A temporary file beside ``path``, readable as a plain new file would be (mkstemp's 0600
    would make released data private to its writer)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~_umask())
    return fd, tmp


def write_atomic(path: str | os.PathLike, data: bytes | str, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    ``durable=False`` skips the fsync: still atomic for every reader, but a machine crash may
    lose the file; for files whose loss is detected and repaired (batch parts carry checksums).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, obj: Any, durable: bool = True) -> None:
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n", durable)


def create_once(path: str | os.PathLike, build: Callable[[Path], None]) -> bool:
    """Create ``path`` by ``build(tmp_path)`` unless it exists; safe when processes race.

    The finished temporary file is hard-linked into place, which fails if another process got
    there first (a rename would silently replace the file the other process is writing into).
    Returns True if this call created the file.
    """
    path = Path(path)
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temporary(path)
    os.close(fd)
    try:
        build(Path(tmp))
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
    finally:
        Path(tmp).unlink(missing_ok=True)


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in 4 MiB blocks (arrays and archives can be gigabytes)."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def jsonl_objects(path: str | os.PathLike, keys, error: type[Exception] = ValueError, what: str = "a JSON object"):
    """(where, object) for each non-blank line of the JSON-lines file ``path``: every line must be
    a JSON object holding ``keys``; otherwise ``error`` with a message naming the file and line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{path}: cannot read ({e})") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}, line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise error(f"{where}: not JSON ({e.msg}); each line is {what}") from None
        if not isinstance(row, dict):
            raise error(f"{where}: a {type(row).__name__}; each line is {what} (one JSON object per line)")
        missing = [k for k in keys if k not in row]
        if missing:
            raise error(f"{where}: missing {', '.join(missing)}; each line is {what}")
        yield where, row
