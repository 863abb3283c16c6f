"""The one place resvg is called: its options, the affine, and the background composited under.

    rasterise(svg)       SVG text -> (H, W, 3) uint8 over white (``BACKGROUND_RGBA``)
    rasterise_rgba(svg)  SVG text -> (H, W, 4) uint8, transparent where nothing is painted (sprites)
"""

from __future__ import annotations

import io

import numpy as np
import resvg
from PIL import Image

# The CIRCLE style leaves the corners transparent. Every consumer (renderer, browser parity test,
# crowd pages) composites over this one colour, what a browser shows on a blank page.
BACKGROUND_RGBA = (255, 255, 255, 255)
AFFINE = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)  # resvg 0.2.0 wants the affine (a, b, c, d, e, f)
OPTIONS = resvg.usvg.Options.default()


def _tree(svg: str):
    return resvg.usvg.Tree.from_str(svg, OPTIONS)


def rasterise(svg: str) -> np.ndarray:
    """SVG text -> (H, W, 3) uint8, at the size the document declares, over white."""
    png = resvg.render(_tree(svg), AFFINE, bg_color=BACKGROUND_RGBA)
    with Image.open(io.BytesIO(png)) as im:
        rgba = np.asarray(im)
    if rgba.ndim != 3 or rgba.shape[2] != 4:
        raise RuntimeError(f"resvg returned an image of shape {rgba.shape}, expected RGBA")
    return np.ascontiguousarray(rgba[:, :, :3])


def rasterise_rgba(svg: str) -> np.ndarray:
    """SVG text -> (H, W, 4) uint8 straight RGBA with no background (a sprite layer)."""
    png = resvg.render(_tree(svg), AFFINE)
    with Image.open(io.BytesIO(png)) as im:
        return np.asarray(im.convert("RGBA"))


__all__ = ["AFFINE", "BACKGROUND_RGBA", "OPTIONS", "rasterise", "rasterise_rgba"]
