"""The attribute schema of an avatar, the frozen :class:`AvatarSpec`, visibility rules and sampling.

An avatar is a full vector of 15 attributes. Every attribute always holds a value, even when the
rest of the avatar hides it (hair colour under a hat, eyes behind opaque glasses): that is how an
avatar editor keeps state, so that taking the hat off shows the hair that was there, and it makes
"a pair differs in exactly one attribute" literally true of the two specs. Whether a value can be
seen is :func:`visible_attributes`. Only visible attributes are changed when pairs are made.

Randomness: sampling takes a ``random.Random`` and uses nothing but its ``random()`` method, whose
sequence Python guarantees across versions for a given seed; the module never touches global state.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import random
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from . import artwork


class SpecError(ValueError):
    """An attribute name or value that the schema does not know; the message lists valid ones."""


@dataclass(frozen=True)
class Attribute:
    """One attribute: its allowed values in a fixed order, and how it is drawn at random.

    ``colours`` maps each value to its hex colour for colour attributes (empty for part
    attributes). ``weights`` are sampling weights in value order.
    """

    name: str
    values: tuple[str, ...]
    colours: Mapping[str, str]
    weights: tuple[float, ...]
    description: str

    def __post_init__(self) -> None:
        # derived once: value -> index, and the running sums that `pick` walks
        object.__setattr__(self, "_positions", {v: i for i, v in enumerate(self.values)})
        object.__setattr__(self, "_cumulative", tuple(itertools.accumulate(self.weights)))

    def index(self, value: str) -> int:
        try:
            return self._positions[value]
        except (KeyError, TypeError):
            raise SpecError(
                f"unknown value {value!r} for {self.name}; valid: {', '.join(self.values)}"
            ) from None

    def rgb(self, value: str) -> tuple[int, int, int]:
        """The 0-255 RGB of a colour attribute's ``value`` (its ``colours`` hex)."""
        if not self.colours:
            raise SpecError(f"{self.name} is not a colour attribute; it has no RGB per value")
        self.index(value)                                   # an unknown value is refused by name
        hex_colour = self.colours[value].lstrip("#")
        return tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))

    def draw(self, rng: random.Random) -> str:
        """One value by the schema weights (same draws as ``pick(rng, values, weights)``)."""
        u = rng.random() * self._cumulative[-1]
        return self.values[min(bisect.bisect_right(self._cumulative, u), len(self.values) - 1)]


# Colours come from python-avatars' enums (copied here so that importing python-avatars, with its
# import-time random draw, is never needed). Names are the enum names in lower case.
HAIR_COLORS = {
    "auburn": "#A55728", "black": "#2C1B18", "blonde": "#B58143", "blonde_golden": "#D6B370",
    "brown": "#724133", "brown_dark": "#4A312C", "pastel_pink": "#F59797", "platinum": "#ECDCBF",
    "red": "#C93305", "silver_gray": "#E8E1E1",
}
FABRIC_COLORS = {
    "black": "#262E33", "blue_01": "#65C9FF", "blue_02": "#5199E4", "blue_03": "#25557C",
    "gray_01": "#E6E6E6", "gray_02": "#929598", "heather": "#3C4F5C", "pastel_blue": "#B1E2FF",
    "pastel_green": "#A7FFC4", "pastel_orange": "#FFDEB5", "pastel_yellow": "#FFFFB1",
    "pink": "#FF488E", "red": "#FF5C5C", "white": "#FFFFFF",
}
SKIN_COLORS = {
    "tanned": "#FD9841", "yellow": "#F8D25C", "pale": "#FFDBB4", "light": "#EDB98A",
    "brown": "#D08B5B", "dark_brown": "#AE5D29", "black": "#614335",
}
# python-avatars accepts any hex background; AvatarMaker offered a palette, and instructions need
# colour names, so the schema fixes one palette of named colours (its three defaults included).
BACKGROUND_COLORS = {
    "blue": "#65C9FF", "black": "#262E33", "white": "#FFFFFF", "navy": "#25557C",
    "gray": "#929598", "light_gray": "#E6E6E6", "red": "#FF5C5C", "pink": "#FF488E",
    "orange": "#FFA53D", "yellow": "#FFE066", "green": "#6BD18F", "purple": "#9B7BE0",
}
# Accessories whose lenses hide the eyes completely (measured: changing the eyes behind them leaves
# every pixel equal at 256 px; tests/test_attributes.py re-checks this on the rendered art).
OPAQUE_ACCESSORIES = frozenset({"kurt"})
GRAPHIC_SHIRT = "graphic_shirt"

ATTRIBUTE_NAMES = (
    "top", "hat_color", "hair_color", "facial_hair", "facial_hair_color", "eyebrows", "eyes",
    "nose", "mouth", "skin_color", "accessory", "clothing", "clothing_color", "shirt_graphic",
    "background_color",
)


def _part_values(*kinds: str, with_none: bool) -> tuple[str, ...]:
    names: list[str] = []
    for kind in kinds:
        names.extend(artwork.parts()[kind])
    return (("none",) if with_none else ()) + tuple(names)


def _uniform(values: Sequence[str]) -> tuple[float, ...]:
    return tuple(1.0 for _ in values)


def _favour_none(values: Sequence[str]) -> tuple[float, ...]:
    # Half the avatars have no facial hair / no accessory, as python-avatars' own random() draws.
    rest = len(values) - 1
    return tuple(float(rest) if v == "none" else 1.0 for v in values)


def _build_schema() -> dict[str, Attribute]:
    def colour(name: str, table: dict[str, str], description: str) -> Attribute:
        values = tuple(table)
        return Attribute(name, values, MappingProxyType(dict(table)), _uniform(values), description)

    def part(name: str, values: tuple[str, ...], description: str, favour_none=False) -> Attribute:
        weights = _favour_none(values) if favour_none else _uniform(values)
        return Attribute(name, values, MappingProxyType({}), weights, description)

    tops = _part_values("hair", "hat", with_none=False)
    if len(set(tops)) != len(tops):
        raise artwork.ArtworkError("a hair style and a hat share a name")
    schema = [
        part("top", tops, "hair style or hat"),
        colour("hat_color", FABRIC_COLORS, "colour of the hat (hats only)"),
        colour("hair_color", HAIR_COLORS, "colour of the hair (hair styles that show it)"),
        part("facial_hair", _part_values("facial_hair", with_none=True),
             "beard or moustache (tops with a facial-hair slot)", favour_none=True),
        colour("facial_hair_color", HAIR_COLORS, "colour of the beard or moustache"),
        part("eyebrows", _part_values("eyebrows", with_none=True), "eyebrow shape"),
        part("eyes", _part_values("eyes", with_none=False), "eyes (hidden by opaque glasses)"),
        part("nose", _part_values("nose", with_none=False), "nose"),
        part("mouth", _part_values("mouth", with_none=False), "mouth"),
        colour("skin_color", SKIN_COLORS, "skin colour"),
        part("accessory", _part_values("accessory", with_none=True),
             "glasses or eye patch (tops with an accessory slot)", favour_none=True),
        part("clothing", _part_values("clothing", with_none=False), "clothes"),
        colour("clothing_color", FABRIC_COLORS, "colour of the clothes"),
        part("shirt_graphic", _part_values("shirt_graphic", with_none=False),
             "print on the graphic shirt (graphic shirt only)"),
        colour("background_color", BACKGROUND_COLORS, "colour of the background circle"),
    ]
    table = {a.name: a for a in schema}
    assert tuple(table) == ATTRIBUTE_NAMES
    return table


@functools.cache
def schema() -> Mapping[str, Attribute]:
    """The attribute table, name -> :class:`Attribute`, in canonical order."""
    return MappingProxyType(_build_schema())


def attribute(name: str) -> Attribute:
    """Look an attribute up by name; an unknown name raises :class:`SpecError` listing the valid."""
    try:
        return schema()[name]
    except KeyError:
        raise SpecError(
            f"unknown attribute {name!r}; valid: {', '.join(ATTRIBUTE_NAMES)}"
        ) from None


@dataclass(frozen=True)
class AvatarSpec:
    """Every attribute of one avatar. Frozen and hashable; values are checked on construction."""

    top: str
    hat_color: str
    hair_color: str
    facial_hair: str
    facial_hair_color: str
    eyebrows: str
    eyes: str
    nose: str
    mouth: str
    skin_color: str
    accessory: str
    clothing: str
    clothing_color: str
    shirt_graphic: str
    background_color: str

    def __post_init__(self) -> None:
        table = schema()
        for name in ATTRIBUTE_NAMES:
            table[name].index(getattr(self, name))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> AvatarSpec:
        """Build a spec from a mapping holding every attribute; errors name what is wrong."""
        unknown = sorted(set(values) - set(ATTRIBUTE_NAMES))
        if unknown:
            attribute(unknown[0])  # raises with the list of valid names
        missing = [n for n in ATTRIBUTE_NAMES if n not in values]
        if missing:
            raise SpecError(f"missing attribute(s): {', '.join(missing)}")
        return cls(**{n: values[n] for n in ATTRIBUTE_NAMES})

    def to_dict(self) -> dict[str, str]:
        return {n: getattr(self, n) for n in ATTRIBUTE_NAMES}

    def to_json(self) -> str:
        """Canonical JSON: keys in schema order, no spaces. Stable forever for a given spec."""
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=True)

    @property
    def id(self) -> str:
        """Content id: the first 16 hex digits of the SHA-256 of the canonical JSON."""
        return self.id_of(self.to_json())

    @staticmethod
    def id_of(canonical_json: str) -> str:
        return hashlib.sha256(canonical_json.encode("ascii")).hexdigest()[:16]

    def replace(self, **changes: str) -> AvatarSpec:
        for name in changes:
            attribute(name)
        return AvatarSpec(**{**self.to_dict(), **changes})

    def vector(self) -> tuple[int, ...]:
        """The spec as value indices, in schema order (what a model or a classifier consumes)."""
        return tuple(attribute(n).index(getattr(self, n)) for n in ATTRIBUTE_NAMES)

    @classmethod
    def from_vector(cls, indices: Sequence[int]) -> AvatarSpec:
        """The spec of value indices in schema order (the inverse of :meth:`vector`)."""
        if len(indices) != len(ATTRIBUTE_NAMES):
            raise SpecError(f"a spec vector has {len(ATTRIBUTE_NAMES)} value indices, one per attribute "
                            f"({', '.join(ATTRIBUTE_NAMES)}); got {len(indices)}")
        return cls(**{n: attribute(n).values[int(k)] for n, k in zip(ATTRIBUTE_NAMES, indices)})


def visible_attributes(spec: AvatarSpec) -> tuple[str, ...]:
    """The attributes whose value can be seen in the rendering of ``spec``, in schema order.

    Rules (from the art itself): hat colour only on hats; hair colour only on hair styles that
    paint it; facial hair and accessory only where the top has the slot; facial-hair colour only
    with visible facial hair; eyes not behind opaque glasses; clothing colour only on clothes that
    paint it; shirt graphic only on the graphic shirt. Whether a value can be seen never depends on
    that attribute's own value, so a one-attribute change never changes its own visibility.
    """
    all_parts = artwork.parts()
    top = all_parts["hair"].get(spec.top) or all_parts["hat"][spec.top]
    is_hat = top.kind == "hat"
    visible = {"top", "eyebrows", "nose", "mouth", "skin_color", "clothing", "background_color"}
    if is_hat and top.colour_hole:
        visible.add("hat_color")
    if not is_hat and top.colour_hole:
        visible.add("hair_color")
    if "facial_hair" in top.slots:
        visible.add("facial_hair")
        if spec.facial_hair != "none" and all_parts["facial_hair"][spec.facial_hair].colour_hole:
            visible.add("facial_hair_color")
    if "accessory" in top.slots:
        visible.add("accessory")
    if not ("accessory" in visible and spec.accessory in OPAQUE_ACCESSORIES):
        visible.add("eyes")
    if all_parts["clothing"][spec.clothing].colour_hole:
        visible.add("clothing_color")
    if spec.clothing == GRAPHIC_SHIRT:
        visible.add("shirt_graphic")
    return tuple(n for n in ATTRIBUTE_NAMES if n in visible)


def pick(rng: random.Random, values: Sequence[str], weights: Sequence[float] | None = None) -> str:
    """Draw one value using only ``rng.random()`` (stable across Python versions)."""
    if not values:
        raise ValueError("nothing to pick from")
    if weights is None:
        return values[min(int(rng.random() * len(values)), len(values) - 1)]
    total = float(sum(weights))
    u = rng.random() * total
    acc = 0.0
    for value, w in zip(values, weights):
        acc += w
        if u < acc:
            return value
    return values[-1]


def sample_spec(rng: random.Random) -> AvatarSpec:
    """Draw a random avatar: every attribute independently, by its schema weights."""
    return AvatarSpec(**{a.name: a.draw(rng) for a in schema().values()})


def seeded_rng(stream: str, seed: int, index: int) -> random.Random:
    """The generator for item ``index`` of ``stream`` under ``seed``: a pure function of the three.

    String seeds are hashed with SHA-512 by ``random.Random`` (seeding version 2), so the stream is
    the same in every process and on every machine.
    """
    return random.Random(f"aimi/{stream}/{int(seed)}/{int(index)}")
