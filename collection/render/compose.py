"""Compose the SVG document of an avatar from the cached art (no python-avatars code runs)."""

from __future__ import annotations

from typing import Mapping

from .. import artwork
from ..attributes import AvatarSpec, attribute

SIZES = (32, 64, 128, 256)


def check_size(size: int) -> int:
    """Return ``size`` if the renderer supports it, else raise ValueError listing the sizes."""
    if size not in SIZES:
        raise ValueError(f"unsupported size {size!r}; valid: {', '.join(map(str, SIZES))}")
    return size


def _part(kind: str, name: str, colour: str = "", **slots: str) -> str:
    if name == "none":
        return ""
    part = artwork.parts()[kind][name]
    # a top without a slot drops what would go there, exactly as python-avatars does
    values = {hole: slots.get(hole, "") for hole in part.template.holes}
    if part.colour_hole:
        values[part.colour_hole] = colour
    return part.template.fill(values)


COLOUR_ATTRIBUTES = ("hat_color", "hair_color", "facial_hair_color", "clothing_color",
                     "skin_color", "background_color")


def _marked(layer: str, content: str, mark: bool) -> str:
    # A plain group has no rendering effect (usvg flattens it); it lets the sprite cutter find
    # each slot's content in the composed document.
    return f'<g data-aimi-layer="{layer}">{content}</g>' if mark and content else content


def compose_svg(spec: AvatarSpec, size: int = 64, colours: Mapping[str, str] | None = None,
                mark_layers: bool = False) -> str:
    """The SVG document of ``spec``: square, ``size`` px wide, sanitised (see :mod:`artwork`).

    Mirrors ``python_avatars.Avatar.render()`` with the CIRCLE style: the top (hair or hat) holds
    the facial hair and the accessory in its own slots; the graphic goes into the graphic shirt.
    ``colours`` overrides colour attributes with any hex colour (the sprite builder renders black
    and white); ``mark_layers`` wraps each slot's content in a ``data-aimi-layer`` group.
    """
    check_size(size)
    parts = artwork.parts()
    hex_of = {n: attribute(n).colours[getattr(spec, n)] for n in COLOUR_ATTRIBUTES}
    hex_of.update(colours or {})
    m = mark_layers
    facial_hair = _marked("facial_hair", _part("facial_hair", spec.facial_hair, hex_of["facial_hair_color"]), m)
    accessory = _marked("accessory", _part("accessory", spec.accessory), m)
    if spec.top in parts["hair"]:
        top = _part("hair", spec.top, hex_of["hair_color"], facial_hair=facial_hair, accessory=accessory)
    else:
        top = _part("hat", spec.top, hex_of["hat_color"], facial_hair=facial_hair, accessory=accessory)
    graphic = _part("shirt_graphic", spec.shirt_graphic) if spec.clothing == "graphic_shirt" else ""
    clothing = _part("clothing", spec.clothing, hex_of["clothing_color"],
                     graphic=_marked("graphic", graphic, m))
    return artwork.style_template().fill({
        "size": str(size),
        "background_color": hex_of["background_color"],
        "skin_color": hex_of["skin_color"],
        "top": _marked("top", top, m),
        "eyebrows": _marked("eyebrows", _part("eyebrows", spec.eyebrows), m),
        "eyes": _marked("eyes", _part("eyes", spec.eyes), m),
        "nose": _marked("nose", _part("nose", spec.nose), m),
        "mouth": _marked("mouth", _part("mouth", spec.mouth), m),
        "clothing": _marked("clothing", clothing, m),
    })
