"""Prebuilt image archives: pack the cache of one size, download one, unpack it safely.

``pack(size)`` writes ``aimi-v1-<size>px.tar``: every split's cached arrays and ``done.json``,
in a fixed order with zeroed times and owners, so the same cache gives the same bytes.
``download(size, mirror)`` fetches ``<mirror>/aimi-v1-<size>px.tar`` with ``requests``:
resumes a partial download with an HTTP Range request, writes at most the pinned archive's size
(or the announced one, up to ``MAX_BYTES``) within an overall deadline, checks the SHA-256 against
the expected one before anything is unpacked, refuses entries that escape the folder and any link,
unpacks into a staging folder, checks every split there, and only then moves them into place.
Errors say what happened and what to do, in one line.
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
import time
import zlib
from pathlib import Path

from collection.files import sha256_file

from .cache import ARRAYS, aimi_home, cache_dir, folder_problems, materialize
from .release import SPLITS, TRIPLETS_VERSION as DATA_VERSION  # the triplets of data version 1: same arrays, same archives

MAX_BYTES = 1 << 30            # a download without a pinned size never writes more than 1 GiB


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


def _fetch(url: str, part: Path, timeout: float, deadline: float, max_bytes: int) -> None:
    """Append ``url`` to ``part`` (resuming with a Range request), at most ``max_bytes`` in all
    and within ``deadline`` seconds overall; ``timeout`` bounds each wait for data."""
    import requests
    import urllib3

    done = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={done}-"} if done else {}
    started = time.monotonic()

    def over_deadline() -> DownloadError:
        size = part.stat().st_size if part.exists() else 0
        return DownloadError(f"{url}: not finished within the deadline of {deadline:g} s ({size:,} bytes so far); "
                             "run the download again to resume, or allow more time (--deadline)")

    try:
        with requests.get(url, headers=headers, stream=True, timeout=timeout) as response:
            if response.status_code == 416:  # nothing left to fetch
                return
            if response.status_code >= 400:
                raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason}; check the mirror "
                                    f"(AIMI_MIRROR) and that it holds {url.rsplit('/', 1)[-1]}")
            if done and response.status_code != 206:  # the server ignored the Range: start over
                done = 0
            declared = int(response.headers.get("Content-Length") or 0)
            if done + declared > max_bytes:
                raise _TooLarge(f"{url}: the server announces {done + declared:,} bytes, more than {max_bytes:,} "
                                "bytes allowed for this archive; check the mirror")
            with open(part, "ab" if done else "wb") as f:
                # read1 returns what has arrived (a trickle too), so the deadline is checked often
                while block := response.raw.read1(1 << 16, decode_content=True):
                    done += len(block)
                    if done > max_bytes:
                        raise _TooLarge(f"{url}: the server sent more than {max_bytes:,} bytes allowed for this "
                                        "archive; the partial file was deleted; check the mirror")
                    f.write(block)
                    if time.monotonic() - started > deadline:
                        raise over_deadline()
    except _TooLarge:
        part.unlink(missing_ok=True)
        raise
    except DownloadError:
        raise
    except requests.exceptions.TooManyRedirects:
        raise DownloadError(f"{url}: too many redirects (a redirect loop?); check the mirror URL") from None
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
        if isinstance(e, (requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)) or "timed out" in str(e):
            raise DownloadError(f"{url}: no data for {timeout:g} s (server stalled); run the download again "
                                f"to resume from {part.stat().st_size if part.exists() else 0:,} bytes") from None
        if isinstance(e, requests.exceptions.ChunkedEncodingError):
            raise DownloadError(f"{url}: the transfer was cut; run the download again to resume") from None
        raise DownloadError(f"{url}: connection failed or was cut ({type(e).__name__}); run the download "
                            f"again to resume") from None


class _TooLarge(DownloadError):
    """More bytes than the archive may have: the partial file is garbage and is deleted."""


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
    """Unpack a verified archive into a staging folder, check every split there against its
    ``done.json``, and only then move the splits into the cache: a bad archive changes nothing."""
    home = aimi_home(root)
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home, prefix=".unpack-") as tmp:
        try:
            with tarfile.open(archive) as tar:
                members = _safe_members(tar, size)
                tar.extractall(tmp, members=members, filter="data")
        except (tarfile.TarError, EOFError, zlib.error) as e:
            reason = " ".join(str(e).split()) or type(e).__name__
            raise DownloadError(f"{archive} is not a readable tar archive ({reason}); nothing was replaced; "
                                "download it again") from None
        staged = {split: Path(tmp) / f"v{DATA_VERSION}" / f"{size}px" / split for split in SPLITS}
        bad = []
        for split, folder in staged.items():
            bad += [f"no {split} split at {size} px inside"] if not folder.is_dir() else \
                folder_problems(folder, split, size)
        if bad:
            raise DownloadError(f"{archive} does not check out ({bad[0]}{f'; {len(bad) - 1} more' if len(bad) > 1 else ''}); "
                                "nothing was replaced, the cache is as it was")
        for split, folder in staged.items():
            target = cache_dir(split, size, root)
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                old = Path(tmp) / f"old-{split}"
                os.replace(target, old)          # out of the way in one rename; removed with tmp
            os.replace(folder, target)


def _pins() -> dict:
    import json
    from importlib import resources

    return json.loads((resources.files("aimi") / "data" / f"archives-v{DATA_VERSION}.json").read_text())


def pinned_sha256(size: int) -> str:
    """The SHA-256 of the archive of ``size`` that this package trusts (``data/archives-v1.json``)."""
    pins = _pins()
    try:
        return pins["sha256"][str(size)]
    except KeyError:
        raise DownloadError(f"no archive of {size} px is published for data version {DATA_VERSION} "
                            f"(published: {', '.join(pins['sha256'])} px); render it locally instead "
                            f"(python -m aimi materialize --size {size})") from None


def pinned_bytes(size: int) -> int:
    """The size in bytes of the pinned archive of ``size``: a download of it never writes more."""
    pinned_sha256(size)
    return int(_pins()["bytes"][str(size)])


def download(size: int, sha256: str | None = None, mirror: str | None = None, root: str | Path | None = None,
             timeout: float = 30.0, deadline: float = 3600.0, max_bytes: int | None = None) -> Path:
    """Fetch, verify and unpack the archive of ``size`` from ``mirror`` (or ``$AIMI_MIRROR``);
    ``sha256`` defaults to the hash pinned in the package. At most ``max_bytes`` are written
    (default: the pinned archive's size for the pinned hash, else ``MAX_BYTES``) and the whole
    download must end within ``deadline`` seconds; ``timeout`` bounds each wait for data."""
    pinned = sha256 is None or sha256.lower() == _pins()["sha256"].get(str(size))
    sha256 = sha256 or pinned_sha256(size)
    if max_bytes is None:
        max_bytes = pinned_bytes(size) if pinned else MAX_BYTES
    mirror = mirror or os.environ.get("AIMI_MIRROR")
    if not mirror:
        raise DownloadError("no mirror: pass mirror=... (or --mirror) or set AIMI_MIRROR to the URL of a folder "
                            f"holding {archive_name(size)}")
    url = f"{mirror.rstrip('/')}/{archive_name(size)}"
    home = aimi_home(root)
    home.mkdir(parents=True, exist_ok=True)
    part = home / f"{archive_name(size)}.part"
    _fetch(url, part, timeout, deadline, max_bytes)
    digest = sha256_file(part)
    if digest != sha256.lower():
        part.unlink()
        raise DownloadError(f"{url}: SHA-256 {digest} does not match the expected {sha256}; the download was "
                            f"deleted and nothing was unpacked; check the mirror")
    try:
        unpack(part, size, root)
    finally:
        part.unlink(missing_ok=True)      # verified, then used or refused: never resumed again
    return home
