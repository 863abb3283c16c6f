"""The demo under load and under hostile requests, against its real server on 127.0.0.1: 50
concurrent edits are all answered, each byte-equal to the same edit asked alone; a request that
promises a body and never sends it is dropped after the socket timeout; malformed requests get a
4xx with a message, never a 500."""

import base64
import http.client
import json
import socket
import statistics
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmark.demo.server import Editor, serve


@pytest.fixture(scope="module")
def demo(smoke_runs):
    server = serve(Editor([smoke_runs / "imi_sim", smoke_runs / "imi"]), port=0, timeout=1.0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _post(port, path, body: bytes, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, data


def _edit(port, seed: int) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    status, data = _post(port, "/api/edit", json.dumps({"spec": _spec(port, seed), "instruction": "give him a red hat"}).encode())
    return status, data, time.perf_counter() - started


_SPECS = {}


def _spec(port, seed):
    if seed not in _SPECS:
        _SPECS[seed] = json.loads(_post(port, "/api/avatar", json.dumps({"seed": seed}).encode())[1])["spec"]
    return _SPECS[seed]


def test_fifty_concurrent_edits_are_all_answered_as_if_alone(demo):
    seeds = list(range(10)) * 5
    alone = {seed: _edit(demo, seed)[1] for seed in range(10)}
    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda seed: _edit(demo, seed), seeds))
    assert [status for status, _, _ in answers] == [200] * 50
    assert all(data == alone[seed] for seed, (_, data, _) in zip(seeds, answers))
    latencies = sorted(seconds for _, _, seconds in answers)
    print(f"\n50 concurrent edits, 2 models each: all answered; p50 {statistics.median(latencies) * 1e3:.0f} ms, "
          f"p95 {latencies[int(0.95 * len(latencies)) - 1] * 1e3:.0f} ms, max {latencies[-1] * 1e3:.0f} ms")


def test_a_body_that_never_comes_is_dropped_after_the_socket_timeout(demo):
    with socket.create_connection(("127.0.0.1", demo), timeout=10) as sock:
        sock.sendall(b"POST /api/edit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100\r\n\r\n{\"instr")
        started = time.monotonic()
        answer = sock.recv(65536)                      # the server answers 408 and closes
        assert time.monotonic() - started < 5 and (answer == b"" or b" 408 " in answer.split(b"\r\n")[0])
    status, _ = _post(demo, "/api/avatar", b'{"seed": 1}')
    assert status == 200


def _bomb_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


def test_models_that_are_not_names_get_a_400(demo):
    body = json.dumps({"spec": _spec(demo, 1), "instruction": "add a hat", "models": [["x"]]}).encode()
    status, answer = _post(demo, "/api/edit", body)
    assert status == 400 and "models" in json.loads(answer)["error"]


@pytest.mark.parametrize("body, headers, status, says", [
    (json.dumps({"image": "data:image/png;base64," + base64.b64encode(_bomb_png()).decode(),
                 "instruction": "add a hat"}).encode(), {}, 413, "limit"),
    (b"[" * 100_000 + b"]" * 100_000, {}, 400, "nested"),
    (b'{"seed": 1}', {"Content-Length": b"\xb3"}, 411, "Content-Length"),        # latin-1 superscript three
    (b'{"seed": 1}', {"Content-Length": "-5"}, 411, "Content-Length"),
    (json.dumps({"spec": [1], "instruction": "x"}).encode(), {}, 400, "spec"),
    (json.dumps({"image": 5, "instruction": "add a hat"}).encode(), {}, 400, "image"),
])
def test_malformed_requests_get_a_4xx_with_a_message(demo, body, headers, status, says):
    path = "/api/edit"
    connection = http.client.HTTPConnection("127.0.0.1", demo, timeout=30)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", headers.get("Content-Length", str(len(body))))
    connection.endheaders()
    connection.send(body)
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    assert response.status == status and says in answer["error"], answer
