"""Faults of the images cache and of downloads, against real files and a real HTTP server on
127.0.0.1: a bad archive never replaces a good cache, a damaged done.json is reported and rebuilt,
a download is bounded in size and in time, and every failure is one DownloadError line."""

import hashlib
import http.server
import io
import json
import shutil
import tarfile
import threading
import time

import pytest

from aimi import archive, cache

NAME = archive.archive_name(32)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    mode, data = "plain", b""


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        mode = self.server.mode
        if mode == "loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.end_headers()
            return
        self.send_response(200)
        if mode == "plain":
            self.send_header("Content-Length", str(len(self.server.data)))
            self.end_headers()
            self.wfile.write(self.server.data)
            return
        self.end_headers()              # no length: the body ends when the connection does
        try:
            for _ in range(100_000):
                if mode == "flood":
                    self.wfile.write(b"x" * 65536)
                elif mode == "trickle":
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
                elif mode == "stall":
                    self.wfile.write(b"x" * 100)
                    self.wfile.flush()
                    time.sleep(5)
                    return
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


@pytest.fixture
def mirror():
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def packed(tmp_path_factory, data_root):
    """The 32 px archive of the session's cache, and a good cache of our own to protect."""
    root = tmp_path_factory.mktemp("packer")
    shutil.copytree(data_root / "v1", root / "home" / "v1")
    path, _ = archive.pack(32, root / "dist", root=root / "home", progress=False)
    return path.read_bytes(), root / "home"


def _good_cache(packed, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(packed[1], home)
    return home, {p.relative_to(home): hashlib.sha256(p.read_bytes()).hexdigest() for p in home.rglob("*.npy")}


def _rewrite(data: bytes, drop: str | None = None, damage: str | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(data)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src.getmembers():
            if drop and f"/{drop}/" in member.name:
                continue
            body = src.extractfile(member).read()
            if damage and member.name.endswith(damage):
                body = body[:-1] + bytes([body[-1] ^ 0xFF])
            dst.addfile(member, io.BytesIO(body))
    return out.getvalue()


@pytest.mark.parametrize("change", [{"drop": "test"}, {"damage": "train/source.npy"}])
def test_an_archive_that_does_not_check_out_leaves_the_good_cache_untouched(packed, mirror, tmp_path, change):
    home, before = _good_cache(packed, tmp_path)
    server, url = mirror
    server.data = _rewrite(packed[0], **change)
    with pytest.raises(archive.DownloadError, match="nothing was replaced"):
        archive.download(32, hashlib.sha256(server.data).hexdigest(), mirror=url, root=home)
    after = {p.relative_to(home): hashlib.sha256(p.read_bytes()).hexdigest() for p in home.rglob("*.npy")}
    assert after == before and not cache.problems("train", 32, home)
    assert not list(home.glob("*.part")) and not list(home.glob(".unpack-*"))


@pytest.mark.parametrize("content", ["", "garbage{", "{}", "[1, 2]", '{"sha256": 5}'])
def test_a_damaged_done_json_is_reported_and_rebuilt(packed, tmp_path, content):
    import aimi

    home, _ = _good_cache(packed, tmp_path)
    (cache.cache_dir("val", 32, home) / "done.json").write_text(content)
    found = cache.problems("val", 32, home)
    assert len(found) == 1 and "done.json" in found[0] and "damaged" in found[0]
    assert cache.verify(["val"], [32], home)[0] == found
    dataset = aimi.load("val", size=32, root=home)               # rebuilds it
    assert len(dataset) == 230 and not cache.problems("val", 32, home)


def test_a_flooding_server_is_cut_at_the_cap_and_nothing_is_kept(mirror, tmp_path):
    server, url = mirror
    server.mode = "flood"
    with pytest.raises(archive.DownloadError, match="more than 1,000,000 bytes"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path, max_bytes=1_000_000)
    assert not list(tmp_path.glob("*.part"))


def test_the_pinned_archive_is_capped_at_its_pinned_size(mirror, tmp_path):
    server, url = mirror
    server.mode = "flood"
    with pytest.raises(archive.DownloadError, match=f"more than {archive.pinned_bytes(32):,} bytes"):
        archive.download(32, mirror=url, root=tmp_path)
    assert not list(tmp_path.glob("*.part"))


def test_a_trickling_server_meets_the_overall_deadline(mirror, tmp_path):
    server, url = mirror
    server.mode = "trickle"
    started = time.monotonic()
    with pytest.raises(archive.DownloadError, match="deadline of 1.5 s"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path, timeout=0.5, deadline=1.5)
    assert time.monotonic() - started < 5


def test_a_stall_in_the_middle_is_called_a_stall(mirror, tmp_path):
    server, url = mirror
    server.mode = "stall"
    with pytest.raises(archive.DownloadError, match="stalled"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path, timeout=0.5)


def test_a_redirect_loop_names_the_url(mirror, tmp_path):
    server, url = mirror
    server.mode = "loop"
    with pytest.raises(archive.DownloadError, match=f"{url}/{NAME}: .*redirect"):
        archive.download(32, "0" * 64, mirror=url, root=tmp_path)


def test_a_refused_archive_leaves_no_part_file(mirror, tmp_path):
    server, url = mirror
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("v1/32px/../../evil.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    server.data = buffer.getvalue()
    with pytest.raises(archive.DownloadError, match="outside"):
        archive.download(32, hashlib.sha256(server.data).hexdigest(), mirror=url, root=tmp_path)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("kind", ["zip", "truncated", "empty"])
def test_unpacking_a_zip_or_a_truncated_archive_is_one_line(packed, tmp_path, kind):
    import zipfile

    path = tmp_path / "archive.tar"
    if kind == "zip":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("v1/32px/val/done.json", "{}")
    else:
        path.write_bytes(packed[0][:len(packed[0]) // 3] if kind == "truncated" else b"")
    with pytest.raises(archive.DownloadError, match="not a readable tar archive") as caught:
        archive.unpack(path, 32, tmp_path / "home")
    assert "\n" not in str(caught.value)


def test_the_cli_reports_a_damaged_done_json_in_one_line(packed, tmp_path, capsys):
    from aimi.cli import main

    home, _ = _good_cache(packed, tmp_path)
    (cache.cache_dir("test", 32, home) / "done.json").write_text("{")
    assert main(["verify", "--root", str(home), "--size", "32"]) == 1
    out = capsys.readouterr()
    assert "done.json" in out.out + out.err and "Traceback" not in out.out + out.err
    json.loads((cache.cache_dir("train", 32, home) / "done.json").read_text())      # untouched
