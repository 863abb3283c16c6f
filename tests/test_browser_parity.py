"""The project's raster agrees with a real browser: Debian's Chromium through Playwright renders the
very SVG documents we rasterise, served from 127.0.0.1 (every other request is aborted)."""

import io
import os
from pathlib import Path

import numpy as np
import pytest

from collection import RENDERERS, compose_svg, render

pytestmark = pytest.mark.browser

@pytest.mark.parametrize("renderer", RENDERERS)
def test_chromium_agrees_with_our_raster_at_64px(server, specs, chromium, renderer):
    from PIL import Image

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

    page = chromium(base, viewport={"width": columns * size, "height": rows * size})
    page.goto(f"{base}/index.html")
    page.wait_for_function("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
    shot = page.screenshot(clip={"x": 0, "y": 0, "width": columns * size, "height": rows * size})
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
