"""A contact sheet of pairs (source | target | mask, with what changed) for a person to look at."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .pairs import make_pair

GAP = 6
LABEL_HEIGHT = 18


def draw_sheet(seed: int, n: int, size: int = 128, columns: int = 3,
               attributes: list[str] | None = None, renderer: str = "sprite") -> Image.Image:
    """Pairs 0..n-1 of ``seed``, ``columns`` pairs per row; each cell is source, target and mask
    (white = kept, black = changed) above the label "attribute: from -> to"."""
    if n <= 0:
        raise ValueError(f"n must be a positive number of pairs, got {n}")
    if columns <= 0:
        raise ValueError(f"columns must be positive, got {columns}")
    cell_w = 3 * size + 2 * GAP
    cell_h = size + LABEL_HEIGHT
    rows = -(-n // columns)
    sheet = Image.new("RGB", (columns * (cell_w + 3 * GAP) + GAP, rows * (cell_h + GAP) + GAP), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for k in range(n):
        pair, src, tgt, mask = make_pair(seed, k, size, attributes, renderer)
        x0 = GAP + (k % columns) * (cell_w + 3 * GAP)
        y0 = GAP + (k // columns) * (cell_h + GAP)
        mask_rgb = np.repeat(mask[:, :, None] * 255, 3, axis=2).astype(np.uint8)
        for j, image in enumerate((src, tgt, mask_rgb)):
            sheet.paste(Image.fromarray(image), (x0 + j * (size + GAP), y0))
        draw.rectangle([x0 + 2 * (size + GAP), y0, x0 + 3 * size + 2 * GAP - 1, y0 + size - 1], outline="gray")
        label = f"{pair.attribute}: {pair.from_value} -> {pair.to_value}"
        draw.text((x0, y0 + size + 3), label, fill="black", font=font)
    return sheet
