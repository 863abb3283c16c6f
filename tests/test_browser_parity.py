"""The project's raster agrees with a real browser: Debian's Chromium through Playwright renders the
very SVG documents we rasterise, served from 127.0.0.1 (every other request is aborted)."""

import functools
import http.server
import io
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from collection import RENDERERS, compose_svg, render

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _need_browser():
    missing = []
    if not os.path.exists(CHROMIUM):
        missing.append("Debian's chromium (apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[test]')")
    if missing:
        message = "browser test needs " + " and ".join(missing) + "; `bash run.sh test` installs both"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def server(tmp_path):
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.parametrize("renderer", RENDERERS)
def test_chromium_agrees_with_our_raster_at_64px(server, specs, tmp_path_factory, renderer):
    _need_browser()
    from PIL import Image
    from playwright.sync_api import sync_playwright

    folder, base = server
    size, columns = 64, 8
    chosen = specs[:32]
    cells = []
    for k, spec in enumerate(chosen):
        (folder / f"a{k}.svg").write_text(compose_svg(spec, size), encoding="utf-8")
        x, y = (k % columns) * size, (k // columns) * size
        cells.append(f'<img src="a{k}.svg" width="{size}" height="{size}" '
                     f'style="position:absolute;left:{x}px;top:{y}px">')
    rows = -(-len(chosen) // columns)
    (folder / "index.html").write_text(
        "<!doctype html><html><body style='margin:0;background:#fff'>" + "".join(cells) + "</body></html>",
        encoding="utf-8")

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": columns * size, "height": rows * size}, device_scale_factor=1)
        try:
            page = context.new_page()
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(base) else route.abort())
            page.goto(f"{base}/index.html")
            page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
            shot = page.screenshot(clip={"x": 0, "y": 0, "width": columns * size, "height": rows * size})
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)
    if os.environ.get("AIMI_SAVE_SHOT"):
        Path(os.environ["AIMI_SAVE_SHOT"]).write_bytes(shot)
    with Image.open(io.BytesIO(shot)) as im:
        browser = np.asarray(im.convert("RGB")).astype(np.int16)
    diffs = []
    for k, spec in enumerate(chosen):
        x, y = (k % columns) * size, (k // columns) * size
        ours = render(spec, size, renderer).astype(np.int16)
        diffs.append(float(np.abs(browser[y:y + size, x:x + size] - ours).mean()))
    worst = max(diffs)
    print(f"{renderer}: mean abs diff vs Chromium at {size}px: mean {np.mean(diffs):.3f}/255, worst {worst:.3f}/255")
    assert worst <= 2.0, f"worst avatar differs by {worst:.2f}/255 on average ({np.round(diffs, 2)})"
