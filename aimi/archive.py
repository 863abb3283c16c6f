"""Prebuilt image archives: pack the cache of one size, download one, unpack it safely.

``pack(size)`` writes ``aimi-v1-<size>px.tar``: every split's cached arrays and ``done.json``,
in a fixed order with zeroed times and owners, so the same cache gives the same bytes.
``download(size, mirror)`` fetches ``<mirror>/aimi-v1-<size>px.tar`` with ``requests``:
resumes a partial download with an HTTP Range request, checks the SHA-256 against the expected
one before anything is unpacked, refuses entries that escape the folder and any link, unpacks
into a temporary folder and moves it into place. Errors say what happened and what to do.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from collection.files import sha256_file

from .cache import ARRAYS, aimi_home, cache_dir, materialize, problems
from .release import DATA_VERSION, SPLITS


class DownloadError(RuntimeError):
    """A download or an archive that cannot be used; the message says why and what to do."""


def archive_name(size: int) -> str:
    return f"aimi-v{DATA_VERSION}-{size}px.tar"


def pack(size: int, out: str | Path, root: str | Path | None = None, progress: bool = True) -> tuple[Path, str]:
    """Materialise (if needed) and pack every split at ``size``; returns (path, SHA-256)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / archive_name(size)
    tmp = path.with_suffix(".tar.tmp")
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for split in SPLITS:
            folder = materialize(split, size, root, progress=progress)
            for name in [*(f"{a}.npy" for a in ARRAYS), "done.json"]:
                data = (folder / name).read_bytes()
                info = tarfile.TarInfo(f"v{DATA_VERSION}/{size}px/{split}/{name}")
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(data))
    os.replace(tmp, path)
    digest = sha256_file(path)
    (out / f"{path.name}.sha256").write_text(f"{digest}  {path.name}\n")
    return path, digest


def _fetch(url: str, part: Path, timeout: float) -> None:
    import requests

    done = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={done}-"} if done else {}
    try:
        with requests.get(url, headers=headers, stream=True, timeout=timeout) as response:
            if response.status_code == 416:  # nothing left to fetch
                return
            if response.status_code >= 400:
                raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason}; check the mirror "
                                    f"(AIMI_MIRROR) and that it holds {url.rsplit('/', 1)[-1]}")
            if done and response.status_code != 206:  # the server ignored the Range: start over
                done = 0
            with open(part, "ab" if done else "wb") as f:
                for block in response.iter_content(1 << 20):
                    f.write(block)
    except requests.exceptions.Timeout:
        raise DownloadError(f"{url}: no data for {timeout:g} s (server stalled); run the download again "
                            f"to resume from {part.stat().st_size if part.exists() else 0} bytes") from None
    except requests.exceptions.ConnectionError as e:
        raise DownloadError(f"{url}: connection failed or was cut ({type(e).__name__}); run the download "
                            f"again to resume") from None
    except requests.exceptions.ChunkedEncodingError:
        raise DownloadError(f"{url}: the transfer was cut; run the download again to resume") from None


def _safe_members(tar: tarfile.TarFile, size: int) -> list[tarfile.TarInfo]:
    prefix = f"v{DATA_VERSION}/{size}px/"
    members = tar.getmembers()
    for m in members:
        name = m.name
        if m.issym() or m.islnk():
            raise DownloadError(f"archive entry {name!r} is a link; refusing the archive")
        if not (m.isfile() or m.isdir()):
            raise DownloadError(f"archive entry {name!r} is not a plain file; refusing the archive")
        parts = Path(name).parts
        if name.startswith("/") or ".." in parts or not name.startswith(prefix):
            raise DownloadError(f"archive entry {name!r} would land outside {prefix}; refusing the archive")
    return members


def unpack(archive: str | Path, size: int, root: str | Path | None = None) -> None:
    """Unpack a verified archive into the cache, atomically per split, refusing unsafe entries."""
    home = aimi_home(root)
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home, prefix=".unpack-") as tmp:
        with tarfile.open(archive) as tar:
            members = _safe_members(tar, size)
            tar.extractall(tmp, members=members, filter="data")
        for split in SPLITS:
            source = Path(tmp) / f"v{DATA_VERSION}" / f"{size}px" / split
            if not source.is_dir():
                raise DownloadError(f"{archive}: no {split} split at {size} px inside")
            target = cache_dir(split, size, root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            os.replace(source, target)
    bad = [p for split in SPLITS for p in problems(split, size, root)]
    if bad:
        raise DownloadError(f"the unpacked archive does not check out: {bad[0]}")


def pinned_sha256(size: int) -> str:
    """The SHA-256 of the archive of ``size`` that this package trusts (``data/archives-v1.json``)."""
    import json
    from importlib import resources

    pins = json.loads((resources.files("aimi") / "data" / f"archives-v{DATA_VERSION}.json").read_text())
    try:
        return pins["sha256"][str(size)]
    except KeyError:
        raise DownloadError(f"no archive of {size} px is published for data version {DATA_VERSION} "
                            f"(published: {', '.join(pins['sha256'])} px); render it locally instead "
                            f"(python -m aimi materialize --size {size})") from None


def download(size: int, sha256: str | None = None, mirror: str | None = None, root: str | Path | None = None,
             timeout: float = 30.0) -> Path:
    """Fetch, verify and unpack the archive of ``size`` from ``mirror`` (or ``$AIMI_MIRROR``);
    ``sha256`` defaults to the hash pinned in the package."""
    sha256 = sha256 or pinned_sha256(size)
    mirror = mirror or os.environ.get("AIMI_MIRROR")
    if not mirror:
        raise DownloadError("no mirror: pass mirror=... (or --mirror) or set AIMI_MIRROR to the URL of a folder "
                            f"holding {archive_name(size)}")
    url = f"{mirror.rstrip('/')}/{archive_name(size)}"
    home = aimi_home(root)
    home.mkdir(parents=True, exist_ok=True)
    part = home / f"{archive_name(size)}.part"
    _fetch(url, part, timeout)
    digest = sha256_file(part)
    if digest != sha256.lower():
        part.unlink()
        raise DownloadError(f"{url}: SHA-256 {digest} does not match the expected {sha256}; the download was "
                            f"deleted and nothing was unpacked; check the mirror")
    unpack(part, size, root)
    part.unlink()
    return home
