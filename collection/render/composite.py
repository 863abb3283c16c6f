"""The fast renderer: composite cached sprites (see :mod:`sprites`) with numpy.

Per avatar: the background circle over white; the inner layers (body, clothing, graphic, mouth,
nose, eyes, eyebrows, top segments with facial hair and accessory in their slots) composited
premultiplied "over" into one layer, multiplied once by the group mask, then composited over the
background. Arrays are channel-planar float32 and every sprite touches only its own crop.
"""

from __future__ import annotations

import functools
from typing import Mapping

import numpy as np

from .. import artwork
from ..attributes import AvatarSpec, attribute
from .compose import COLOUR_ATTRIBUTES, check_size
from .sprites import load_or_build, top_colour_attribute


class Memo:
    """A dict of arrays bounded by bytes: emptied when full (a palette's worth fits many times;
    arbitrary hex colours or rare combinations cannot grow it without bound)."""

    def __init__(self, budget_bytes: int):
        self.budget, self.used, self.store = budget_bytes, 0, {}

    def get(self, key, make):
        found = self.store.get(key)
        if found is None:
            found = make()
            size = found.nbytes if isinstance(found, np.ndarray) else found.nbytes()
            if self.used + size > self.budget:
                self.store.clear()
                self.used = 0
            self.store[key] = found
            self.used += size
        return found


class Sprite:
    """A crop at (y, x) of size (h, w): premultiplied RGBA, channel-planar (4, h, w), RGB in
    0..255 and alpha in [0, 1] (so that the final image needs no rescaling).

    A coloured layer keeps its black rendering and the slope towards its white one: its RGB for a
    colour c (0..255 per channel) is ``black + slope * c``; each colour met is computed once.
    """

    __slots__ = ("y", "x", "h", "w", "rows", "cols", "_fixed", "_slope", "keep", "_coloured")

    def __init__(self, y: int, x: int, black: np.ndarray, white: np.ndarray | None):
        self.y, self.x = y, x
        self.h, self.w = black.shape[1:]
        self.rows, self.cols = slice(y, y + self.h), slice(x, x + self.w)
        self._fixed = black
        self._slope = None if white is None else (white[:3] - black[:3]) / 255.0  # per unit of c
        self.keep = 1.0 - black[3]
        self._coloured = Memo(64 * black.nbytes)

    def rgba(self, colour: str | None) -> np.ndarray:
        if self._slope is None or colour is None:
            return self._fixed
        return self._coloured.get(colour, lambda: self._in(colour))

    def _in(self, colour: str) -> np.ndarray:
        found = self._fixed.copy()
        found[:3] += self._slope * _rgb(colour)[:, None, None]
        return found

    @property
    def alpha(self) -> np.ndarray:
        return self._fixed[3]

    def nbytes(self) -> int:
        return self._fixed.nbytes


def _premultiplied(rgba: np.ndarray) -> np.ndarray:
    """(h, w, 4) straight uint8 -> (4, h, w) float32: premultiplied RGB in 0..255, alpha in 0..1."""
    planar = rgba.astype(np.float32).transpose(2, 0, 1).copy()
    planar[3] /= 255.0
    planar[:3] *= planar[3]
    return planar


class SpriteBank:
    """The sprites of one size, decoded once into float32 planar crops."""

    def __init__(self, size: int):
        self.size = check_size(size)
        raw = load_or_build(size)
        data = raw["data"]
        self.chains: dict[str, dict[str, str]] = raw["chains"]
        self.sprites: dict[str, Sprite] = {}
        for entry in raw["index"]:
            h, w, n = entry["h"], entry["w"], entry["variants"]
            block = h * w * 4
            renders = [_premultiplied(data[entry["offset"] + i * block:
                                           entry["offset"] + (i + 1) * block].reshape(h, w, 4))
                       for i in range(n)]
            self.sprites[entry["key"]] = Sprite(entry["y"], entry["x"], renders[0],
                                                renders[1] if n == 2 else None)
        mask = self.sprites["mask"]
        self.mask = np.zeros((size, size), np.float32)  # the group mask over the whole canvas
        self.mask[mask.rows, mask.cols] = mask.alpha
        canvas_bytes = 4 * size * size * 4
        self._canvases = Memo(128 * canvas_bytes)  # backgrounds and bodies, per colour
        self._stacks = Memo(64 * 2**20)

    def get(self, key: str) -> Sprite | None:
        return self.sprites.get(key)

    def stack(self, keys: tuple[str, ...]) -> Sprite | None:
        """Fixed-colour sprites composited into one, memoised ("over" is associative, so a run of
        consecutive layers can be merged once: mouth, nose, eyes and eyebrows take one step)."""
        sprites = [self.sprites[k] for k in keys if k in self.sprites]
        if not sprites:
            return None
        return self._stacks.get(keys, lambda: _stacked(sprites))

    def canvas(self, key: str, hex_colour: str) -> np.ndarray:
        """Sprite ``key`` in ``hex_colour`` alone on a transparent canvas, (4, S, S), memoised
        (the body starts every inner composite; the background is shared by every avatar)."""
        def make() -> np.ndarray:
            canvas = np.zeros((4, self.size, self.size), np.float32)
            _over(canvas, self.sprites[key], hex_colour)
            return canvas
        return self._canvases.get((key, hex_colour), make)

    def over_white(self, hex_colour: str, offset: float = 0.0) -> np.ndarray:
        """The background circle over white, plus ``offset``: (3, S, S) in 0..255, memoised."""
        def make() -> np.ndarray:
            bg = self.canvas("background", hex_colour)
            return bg[:3] + 255.0 * (1.0 - bg[3]) + offset
        return self._canvases.get(("over white", hex_colour, offset), make)


def _stacked(sprites: list[Sprite]) -> Sprite:
    y0, x0 = min(p.y for p in sprites), min(p.x for p in sprites)
    y1, x1 = max(p.y + p.h for p in sprites), max(p.x + p.w for p in sprites)
    canvas = np.zeros((4, y1 - y0, x1 - x0), np.float32)
    for p in sprites:
        _over(canvas, p, None, y0, x0)
    return Sprite(y0, x0, canvas, None)


@functools.lru_cache(maxsize=4096)
def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    if len(h) != 6 or any(c not in "0123456789abcdefABCDEF" for c in h):
        raise ValueError(f"colour {hex_colour!r} is not a #RRGGBB hex colour")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], np.float32)


def _over(canvas: np.ndarray, sprite: Sprite, colour: str | None, y0: int = 0, x0: int = 0) -> None:
    """canvas = sprite over canvas, on the sprite's crop only (premultiplied, in place); the
    canvas's top-left corner is at (y0, x0) of the avatar."""
    if y0 or x0:
        region = canvas[:, sprite.y - y0:sprite.y - y0 + sprite.h, sprite.x - x0:sprite.x - x0 + sprite.w]
    else:
        region = canvas[:, sprite.rows, sprite.cols]
    region *= sprite.keep
    region += sprite.rgba(colour)


@functools.lru_cache(maxsize=None)
def bank(size: int) -> SpriteBank:
    """The sprite bank of ``size``, built or loaded on first use in this process."""
    return SpriteBank(size)


def layers(spec: AvatarSpec, chains: Mapping[str, Mapping[str, str]],
           colours: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """The inner layers of ``spec`` above the body, in paint order: (sprite key, hex or None)."""
    out: list[tuple[str, str | None]] = [(f"clothing/{spec.clothing}", colours["clothing_color"])]
    if spec.clothing == "graphic_shirt":
        out.append((f"graphic/{spec.shirt_graphic}", None))
    out += [(f"mouth/{spec.mouth}", None), (f"nose/{spec.nose}", None), (f"eyes/{spec.eyes}", None)]
    if spec.eyebrows != "none":
        out.append((f"eyebrows/{spec.eyebrows}", None))
    parts = artwork.parts()
    top = parts["hair"].get(spec.top) or parts["hat"][spec.top]
    top_colour_name = top_colour_attribute(spec.top)
    top_colour = colours[top_colour_name] if top_colour_name else None
    out.append((f"top/{spec.top}/0", top_colour))
    for k, slot in enumerate(top.slots, start=1):
        value = getattr(spec, slot)
        if value != "none":
            colour = colours["facial_hair_color"] if slot == "facial_hair" else None
            out.append((f"{slot}/{value}/{chains[spec.top][slot]}", colour))
        out.append((f"top/{spec.top}/{k}", top_colour))
    return out


_HEX = {name: attribute(name).colours for name in COLOUR_ATTRIBUTES}


def _draw_stack(b: SpriteBank, inner: np.ndarray, keys: list[str]) -> None:
    if keys:
        sprite = b.stack(tuple(keys)) if len(keys) > 1 else b.get(keys[0])
        if sprite is not None:
            _over(inner, sprite, None)


def composite(spec: AvatarSpec, size: int = 64, colours: Mapping[str, str] | None = None,
              rgba: bool = False) -> np.ndarray:
    """Render ``spec`` from sprites: (S, S, 3) uint8 over white, or (S, S, 4) straight RGBA
    (transparent outside the circle) with ``rgba=True``. ``colours`` overrides colour attributes
    with any ``#RRGGBB``."""
    b = bank(size)
    hexes = {name: table[getattr(spec, name)] for name, table in _HEX.items()}
    if colours:
        for name, value in colours.items():
            attribute(name)
            _rgb(value)  # checks the format
            hexes[name] = value
    inner = b.canvas("body", hexes["skin_color"]).copy()
    fixed: list[str] = []  # consecutive fixed-colour layers, drawn as one memoised stack
    for key, colour in layers(spec, b.chains, hexes):
        if colour is None:
            fixed.append(key)
            continue
        _draw_stack(b, inner, fixed)
        fixed = []
        sprite = b.get(key)
        if sprite is not None:  # a layer that paints nothing at this size has no sprite
            _over(inner, sprite, colour)
    _draw_stack(b, inner, fixed)
    if rgba:
        inner *= b.mask  # the Avataaar group's mask, applied once to the composite of its layers
        bg = b.canvas("background", hexes["background_color"])
        out = bg * (1.0 - inner[3]) + inner
        rgb, a = out[:3], out[3]
        straight = np.divide(rgb, a, out=np.zeros_like(rgb), where=a > 0)
        image = np.clip(np.concatenate([straight, a[None] * 255.0]) + 0.5, 0, 255)
    else:
        # background-over-white W, inner (rgb, a) under the group mask m:
        #   W * (1 - m a) + m rgb  =  W + m (rgb - W a)
        # (+0.5 is folded into the last W so that the truncating cast below rounds to nearest).
        # Every step is a convex combination of values in 0..255, so no clip is needed.
        image = b.over_white(hexes["background_color"]) * inner[3]
        np.subtract(inner[:3], image, out=image)
        image *= b.mask
        image += b.over_white(hexes["background_color"], offset=0.5)
    # channel by channel: a (3,S,S)->(S,S,3) transpose-copy costs twice as much at 64 px
    out = np.empty((size, size, image.shape[0]), np.uint8)
    for c in range(image.shape[0]):
        out[:, :, c] = image[c]
    return out
