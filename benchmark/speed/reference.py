"""python-avatars' own rendering path, the anchor our renderer is measured and checked against."""

from __future__ import annotations

from collection import AvatarSpec, attribute

_SQUARE = 'viewBox="-8 0 280 280"'


def _member(enum, value: str):
    for member in enum:
        if member.value == value or (value == "none" and member.value == ""):
            return member
    raise KeyError(f"{enum.__name__} has no value {value!r}")


def python_avatars_svg(spec: AvatarSpec, size: int) -> str:
    """``python_avatars.Avatar(...).render()`` for ``spec``, every attribute passed explicitly
    (its defaults and ``random()`` use global state), squared to ``size`` px with ``fill=""`` stripped
    as our renderer does, so that only the composition differs."""
    import python_avatars as pa

    from collection import artwork

    # "hat" names both a hair style (excluded art) and a hat: ask our art which folder it is in
    top = (_member(pa.HairType, spec.top) if spec.top in artwork.parts()["hair"]
           else _member(pa.HatType, spec.top))
    colours = {n: attribute(n).colours[getattr(spec, n)] for n in (
        "hat_color", "hair_color", "facial_hair_color", "skin_color", "clothing_color", "background_color")}
    avatar = pa.Avatar(
        style=pa.AvatarStyle.CIRCLE,
        background_color=colours["background_color"],
        top=top,
        hat_color=colours["hat_color"],
        eyebrows=_member(pa.EyebrowType, spec.eyebrows),
        eyes=_member(pa.EyeType, spec.eyes),
        nose=_member(pa.NoseType, spec.nose),
        mouth=_member(pa.MouthType, spec.mouth),
        facial_hair=_member(pa.FacialHairType, spec.facial_hair),
        skin_color=colours["skin_color"],
        hair_color=colours["hair_color"],
        facial_hair_color=colours["facial_hair_color"],
        accessory=_member(pa.AccessoryType, spec.accessory),
        clothing=_member(pa.ClothingType, spec.clothing),
        clothing_color=colours["clothing_color"],
        shirt_graphic=_member(pa.ClothingGraphic, spec.shirt_graphic),
    )
    svg = avatar.render()
    svg = svg.replace('width="264px" height="280px" viewBox="0 0 264 280"',
                      f'width="{size}" height="{size}" {_SQUARE}', 1)
    return svg.replace('fill=""', "")
