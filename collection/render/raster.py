"""Rasterise avatar SVGs with resvg into RGB uint8 arrays, composited over white."""

from __future__ import annotations

import io
from typing import Sequence

import numpy as np
from PIL import Image

from ..attributes import AvatarSpec
from .compose import check_size, compose_svg
from .composite import composite
from .rasterise import rasterise

RENDERERS = ("sprite", "reference")


def check_renderer(renderer: str) -> str:
    if renderer not in RENDERERS:
        raise ValueError(f"unknown renderer {renderer!r}; valid: {', '.join(RENDERERS)}")
    return renderer


def render_reference(spec: AvatarSpec, size: int = 64) -> np.ndarray:
    """The full document rasterised by resvg: pixel-identical to python-avatars' own rendering."""
    return rasterise(compose_svg(spec, check_size(size)))


def render(spec: AvatarSpec, size: int = 64, renderer: str = "sprite") -> np.ndarray:
    """Render one avatar: ``size`` x ``size`` x 3 uint8 over white. Same spec, same bytes, in any
    process. ``renderer="sprite"`` (default) composites cached layer sprites (within 4/255 of the
    reference, about 30x faster); ``"reference"`` rasterises the whole document with resvg."""
    if check_renderer(renderer) == "reference":
        return render_reference(spec, size)
    return composite(spec, size)


def png_bytes(image: np.ndarray) -> bytes:
    """An (H, W, 3) or (H, W) uint8 array as PNG bytes."""
    buf = io.BytesIO()
    Image.fromarray(np.asarray(image)).save(buf, format="PNG")
    return buf.getvalue()


def render_batch(specs: Sequence[AvatarSpec], size: int = 64, renderer: str = "sprite",
                 out: np.ndarray | None = None) -> np.ndarray:
    """Render many avatars into one (N, size, size, 3) uint8 array (``out`` if given, e.g. a slice
    of a memory-mapped cache). Item i is ``render(specs[i], size, renderer)``."""
    check_size(size)
    check_renderer(renderer)
    if out is None:
        out = np.empty((len(specs), size, size, 3), np.uint8)
    elif out.shape != (len(specs), size, size, 3) or out.dtype != np.uint8:
        raise ValueError(f"out must be a ({len(specs)}, {size}, {size}, 3) uint8 array, "
                         f"got {out.shape} {out.dtype}")
    for i, spec in enumerate(specs):
        out[i] = render(spec, size, renderer)
    return out
