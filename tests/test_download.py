"""Downloads against a real HTTP server on 127.0.0.1 (Range requests, cuts, stalls, 404)."""

import hashlib
import http.server
import io
import tarfile
import threading
import time

import pytest

from aimi import archive, cache


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, bytes] = {}
    cut_after: int | None = None  # close the connection after this many bytes, once
    stall: float = 0.0


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        data = self.server.files.get(self.path.lstrip("/"))
        if data is None:
            self.send_error(404, "Not Found")
            return
        if self.server.stall:
            time.sleep(self.server.stall)
        start = 0
        if self.headers.get("Range", "").startswith("bytes="):
            start = int(self.headers["Range"][6:].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.cut_after is not None:
            self.wfile.write(body[:self.server.cut_after])
            self.wfile.flush()
            self.server.cut_after = None
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    root = tmp_path_factory.mktemp("packer")
    path, digest = archive.pack(32, root / "dist", root=root / "home", progress=False)
    return path.read_bytes(), digest


@pytest.fixture
def mirror():
    server = _Server(("127.0.0.1", 0), _Handler)
    server.files, server.cut_after, server.stall = {}, None, 0.0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


NAME = archive.archive_name(32)


def test_pack_is_deterministic(packed, tmp_path):
    data, digest = packed
    again, digest2 = archive.pack(32, tmp_path / "dist", root=tmp_path / "home", progress=False)
    assert digest2 == digest == hashlib.sha256(data).hexdigest() and again.read_bytes() == data
    assert digest == archive.pinned_sha256(32)  # the hash the package trusts is what pack makes


def test_good_archive_is_downloaded_verified_and_unpacked(packed, mirror, tmp_path):
    data, digest = packed
    server, url = mirror
    server.files[NAME] = data
    archive.download(32, digest, mirror=url, root=tmp_path)
    for split in ("train", "val", "test"):
        assert cache.problems(split, 32, tmp_path) == []
    assert not list(tmp_path.glob("*.part"))


def test_wrong_hash_leaves_nothing_unpacked(packed, mirror, tmp_path):
    data, _ = packed
    server, url = mirror
    server.files[NAME] = data
    with pytest.raises(archive.DownloadError, match="does not match the expected"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path)
    assert not (tmp_path / "v1").exists() and not list(tmp_path.glob("*.part"))


def test_a_cut_download_resumes_with_a_range_request(packed, mirror, tmp_path):
    data, digest = packed
    server, url = mirror
    server.files[NAME] = data
    server.cut_after = len(data) // 3
    with pytest.raises(archive.DownloadError, match="run the download again"):
        archive.download(32, digest, mirror=url, root=tmp_path, timeout=5)
    part = tmp_path / f"{NAME}.part"
    assert 0 < part.stat().st_size < len(data)
    archive.download(32, digest, mirror=url, root=tmp_path, timeout=5)
    assert cache.problems("val", 32, tmp_path) == []


def test_404_and_a_stalled_server_give_clear_errors(mirror, tmp_path):
    server, url = mirror
    with pytest.raises(archive.DownloadError, match="HTTP 404"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path)
    server.files[NAME] = b"x" * 10
    server.stall = 2.0
    with pytest.raises(archive.DownloadError, match="stalled"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path, timeout=0.5)
    with pytest.raises(archive.DownloadError, match="AIMI_MIRROR"):
        archive.download(32, "0" * 64, mirror="", root=tmp_path)


def _tar(entries) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, kind in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = 1
                tar.addfile(info, io.BytesIO(b"x"))
            else:
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = "/etc/passwd"
                tar.addfile(info)
    return buf.getvalue()


@pytest.mark.parametrize("entries, message", [
    ([("v1/32px/../../../evil.txt", "file")], "outside"),
    ([("/tmp/evil.txt", "file")], "outside"),
    ([("v1/32px/val/source.npy", "symlink")], "is a link"),
    ([("v1/32px/val/source.npy", "hardlink")], "is a link"),
])
def test_archives_with_escaping_entries_or_links_are_refused(mirror, tmp_path, entries, message):
    server, url = mirror
    data = _tar(entries)
    server.files[NAME] = data
    with pytest.raises(archive.DownloadError, match=message):
        archive.download(32, hashlib.sha256(data).hexdigest(), mirror=url, root=tmp_path / "home")
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "home" / "v1").exists()


def test_load_with_download_uses_the_pinned_hash(packed, mirror, tmp_path):
    import aimi

    data, _ = packed
    server, url = mirror
    server.files[NAME] = data
    ds = aimi.load("test", size=32, root=tmp_path, download=True, mirror=url)
    assert len(ds) == 230 and ds[0]["source"].shape == (32, 32, 3)
    with pytest.raises(archive.DownloadError, match="no archive of 128 px"):
        archive.download(128, mirror=url, root=tmp_path)
