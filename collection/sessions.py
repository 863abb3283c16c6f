"""Multi-turn sessions: a start avatar and ``turns`` successive one-attribute changes, each turn
a pair (the avatar before, the avatar after) that the crowd path describes like any other pair.

A session is a pure function of (seed, index, size, turns, the avatars to avoid), drawn from its
own stream (``seeded_rng("session", seed, index)``) so it never disturbs the triplets:

- the start avatar is random; each turn picks, uniformly, an attribute of the current avatar that
  is visible, can take another value and was not changed earlier in the session, and a new value
  uniformly, as :func:`collection.pairs.make_pair` does for one pair;
- each turn's change must be visible when it is made (``visible_pixels`` >= the pairs' threshold);
- every change must still show at the end: the attribute is visible in the final avatar and
  putting its previous value back changes a visible number of pixels (a hair colour later hidden
  by a hat, or a hat colour whose hat is later removed, rejects the draw);
- no avatar of the session (start or after any turn) is an avatar of ``avoid`` (the release
  passes every source and target of every triplet, so no session starts from a split's avatar).

A draw that breaks a rule is redrawn from the same stream, so the result stays a pure function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

from .attributes import AvatarSpec, attribute, pick, sample_spec, seeded_rng, visible_attributes
from .pairs import Pair, change_mask, changeable, min_visible_pixels, visible_pixels
from .render.raster import render

TURNS = 5
MAX_TRIES = 1000


@dataclass(frozen=True)
class Session:
    """A start avatar and its successive avatars (``specs[0]`` is the start)."""

    seed: int
    index: int
    size: int
    specs: tuple[AvatarSpec, ...]
    attributes: tuple[str, ...]
    tries: int

    @property
    def start(self) -> AvatarSpec:
        return self.specs[0]

    def pairs(self) -> list[Pair]:
        """One :class:`Pair` per turn (the avatar before -> after), for the crowd export; ``index``
        is ``session index * turns + turn``."""
        out = []
        for t, name in enumerate(self.attributes):
            before, after = self.specs[t], self.specs[t + 1]
            a, b = render(before, self.size), render(after, self.size)
            mask = change_mask(a, b)
            out.append(Pair(self.seed, self.index * len(self.attributes) + t, self.size, name, before, after,
                            changed_pixels=int(mask.size - mask.sum()), visible_pixels=visible_pixels(a, b),
                            tries=self.tries))
        return out


def _draw(rng, turns: int, size: int, need: int, avoid: Collection[str]) -> tuple[list[AvatarSpec], list[str]] | None:
    spec = sample_spec(rng)
    if spec.id in avoid:
        return None
    specs, names = [spec], []
    image = render(spec, size)
    for _ in range(turns):
        options = [n for n in changeable(spec) if n not in names]
        if not options:
            return None
        name = pick(rng, options)
        new = pick(rng, [v for v in attribute(name).values if v != getattr(spec, name)])
        after = spec.replace(**{name: new})
        after_image = render(after, size)
        if after.id in avoid or visible_pixels(image, after_image) < need:
            return None
        specs.append(after)
        names.append(name)
        spec, image = after, after_image
    final = specs[-1]
    shown = set(visible_attributes(final))
    for t, name in enumerate(names):
        if name not in shown:
            return None
        undone = final.replace(**{name: getattr(specs[t], name)})
        if visible_pixels(image, render(undone, size)) < need:
            return None
    return specs, names


def make_session(seed: int, index: int, size: int = 64, turns: int = TURNS,
                 avoid: Collection[str] = frozenset()) -> Session:
    """Session ``index`` of ``seed`` (see the module docstring for the rules)."""
    if turns < 1:
        raise ValueError(f"a session needs at least one turn, got {turns}")
    rng = seeded_rng("session", seed, index)
    need = min_visible_pixels(size)
    for tries in range(1, MAX_TRIES + 1):
        drawn = _draw(rng, turns, size, need, avoid)
        if drawn is not None:
            specs, names = drawn
            return Session(seed, index, size, tuple(specs), tuple(names), tries)
    raise RuntimeError(f"no valid session after {MAX_TRIES} draws (seed {seed}, index {index}, {turns} turns); "
                       f"ask for fewer turns")


def check_session(specs: list[AvatarSpec], names: list[str], size: int) -> list[str]:
    """What breaks the rules in a session given by its avatars and changed attributes; empty when
    valid. Used by the tests and by the loader's users who build their own sessions."""
    wrong = []
    need = min_visible_pixels(size)
    if len(set(names)) != len(names):
        wrong.append(f"an attribute changes twice: {names}")
    for t, name in enumerate(names):
        before, after = specs[t], specs[t + 1]
        differ = [k for k in before.to_dict() if k != "id" and getattr(before, k, None) != getattr(after, k, None)]
        if differ != [name]:
            wrong.append(f"turn {t + 1} changes {differ}, not exactly {name}")
        if visible_pixels(render(before, size), render(after, size)) < need:
            wrong.append(f"turn {t + 1} ({name}) is not visible")
    final = specs[-1]
    for t, name in enumerate(names):
        undone = final.replace(**{name: getattr(specs[t], name)})
        if name not in visible_attributes(final) or visible_pixels(render(final, size), render(undone, size)) < need:
            wrong.append(f"turn {t + 1} ({name}) no longer shows at the end")
    return wrong


__all__ = ["MAX_TRIES", "TURNS", "Session", "check_session", "make_session"]
