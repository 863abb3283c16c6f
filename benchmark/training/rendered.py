"""Training pairs rendered on the fly by the project's renderer, for models declared to use them
(``TrainConfig.rendered``, recorded as ``training_data: "paper+rendered"``).

Each pair is ``collection.make_pair`` of its own seed stream, its instruction written by the
simulated panel (``collection.crowd.simulate.write_answer``, valid answers only) and encoded with
the release's vocabulary (unknown words become ``<unk>``, as at test time). A pair is a pure
function of (seed, phase, step, rank, position), so a resumed run sees the same pairs, and no
pair ever uses a validation or test avatar (their spec ids are excluded).

With ``colour_names`` (a share), a rendered change of a hat, hair, beard, clothing or background
colour has its new colour's phrase rewritten, at that rate, as a colour name from matplotlib's
tables (xkcd and CSS4) that the release's vocabulary lacks and whose nearest colour of the
attribute's palette, as the renderer paints it (CIELAB, within ``NEAR``), is the new value: "cap
in cherry" for red, "sage green shirt" for pastel green. The simulated panel only ever writes the
lexicon's few colour words; this is the rest of the colour space, grounded in the pixels. It is
rendered training data like the pairs themselves, and never uses the free-phrasing dev set.
Measured without gain (``training/ARCHITECTURE.md``); off by default.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from collection import AvatarSpec, attribute, make_pair, sample_spec, seeded_rng
from collection.attributes import pick
from collection.pairs import changeable
from collection.crowd.lexicon import VALUES
from collection.crowd.simulate import make_panel, write_answer
from collection.vocabulary import encode

SEED_OFFSET = 1_000_003        # the release's pairs use seed 0; these never share its stream
SLOTS = 256                    # pairs per (phase, step) across ranks
RENAMED = ("hat_color", "hair_color", "facial_hair_color", "clothing_color", "background_color")
NEAR = 25.0                    # CIELAB distance within which a colour name may stand for a palette value


@functools.lru_cache(maxsize=None)
def colour_synonyms(name: str, known: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """value -> the colour names (matplotlib's tables) nearest to it in ``name``'s palette, within
    ``NEAR``, with a word outside ``known`` (the vocabulary: its colour words keep the lexicon's
    meaning, "navy" being blue_03 though black is nearer)."""
    import torch

    from baselines.editor import lab
    from baselines.text import colour_names

    def to_lab(rgbs):
        return lab(torch.tensor(rgbs, dtype=torch.float32) / 255)

    table = {n: rgb for n, rgb in colour_names().items() if not set(n.split()) <= known}
    values = attribute(name).values
    palette = to_lab([attribute(name).rgb(v) for v in values])
    names = sorted(table)
    distance = torch.cdist(to_lab([table[n] for n in names]), palette)
    nearest, index = distance.min(dim=1)
    return {v: tuple(n for n, d, k in zip(names, nearest.tolist(), index.tolist()) if k == i and d < NEAR)
            for i, v in enumerate(values)}


def rename_colour(rng, text: str, name: str, value: str, known: frozenset[str]) -> str:
    """``text`` with the last of ``value``'s lexicon phrases in it (the longest) replaced by a
    seeded choice of :func:`colour_synonyms`; unchanged where there is none."""
    choices = colour_synonyms(name, known).get(value, ())
    phrases = sorted(VALUES[name][value][0], key=len, reverse=True)
    for phrase in phrases:
        found = list(re.finditer(rf"\b{re.escape(phrase)}\b", text, flags=re.IGNORECASE))
        if found and choices:
            at = found[-1]
            return text[:at.start()] + pick(rng, choices) + text[at.end():]
    return text


class RenderedPairs:
    """``mix(items, seed, phase, step, rank)``: the batch ``items`` (``AIMI.__getitems__``) with
    its last ``share`` replaced by rendered pairs; a list of per-item dicts for ``aimi.collate``."""

    def __init__(self, size: int, vocabulary: list[str], share: float, exclude: set[str] = frozenset(),
                 focus: tuple[str, ...] = (), colour_names: float = 0.0):
        self.size, self.vocabulary, self.share, self.exclude = size, vocabulary, share, set(exclude)
        self.focus = tuple(focus)      # every other rendered pair changes one of these attributes
        self.colour_names, self.known = colour_names, frozenset(vocabulary)
        self.panel = [w for w in make_panel(0, 60) if w.persona != "spammer"]

    def pair(self, seed: int, index: int) -> dict:
        """Rendered pair ``index`` of ``seed`` as a dataset item (held-out avatars skipped)."""
        allowed = self.focus if self.focus and index % 2 else None
        for attempt in range(100):
            pair, source, target, mask = make_pair(SEED_OFFSET + seed, index + attempt * 10 ** 9, self.size,
                                                   attributes=allowed)
            if pair.source.id not in self.exclude and pair.target.id not in self.exclude:
                break
        else:
            raise RuntimeError("every rendered pair hit a held-out avatar; this should not happen")
        text = self.write(seed, index, pair.attribute, getattr(pair.source, pair.attribute),
                          getattr(pair.target, pair.attribute))
        return {"source": source, "target": target, "mask": mask, "instruction": text,
                "tokens": np.asarray(encode(text, self.vocabulary) or [1], dtype=np.int64),
                "attribute": pair.attribute, "id": f"rendered-{seed}-{index}", "pair_id": pair.pair_id,
                "source_vector": np.asarray(pair.source.vector(), dtype=np.int64),
                "target_vector": np.asarray(pair.target.vector(), dtype=np.int64)}

    def write(self, seed: int, index: int, name: str, old: str, new: str) -> str:
        """A valid instruction for the change, by a seeded member of the simulated panel."""
        rng = seeded_rng("rendered-instruction", seed, index)
        for _ in range(100):
            text, meaning = write_answer(rng, pick(rng, self.panel), name, old, new, "")
            if meaning == "valid":
                break
        if name in RENAMED and self.colour_names and rng.random() < self.colour_names:
            text = rename_colour(rng, text, name, new, self.known)
        return text

    def described(self, seed: int, index: int) -> tuple[str, str, str, AvatarSpec]:
        """(instruction, attribute, new value, source spec) of change ``index`` of ``seed``, drawn as
        ``make_pair`` draws (a visible attribute, a new value) but not rendered: text for a parser,
        by the thousand per second. Held-out avatars are skipped as in ``pair``."""
        for attempt in range(100):
            rng = seeded_rng("described-change", SEED_OFFSET + seed, index + attempt * 10 ** 9)
            source = sample_spec(rng)
            names = changeable(source)
            if not names:
                continue
            name = pick(rng, names)
            old = getattr(source, name)
            new = pick(rng, [v for v in attribute(name).values if v != old])
            if source.id not in self.exclude and source.replace(**{name: new}).id not in self.exclude:
                return self.write(seed, index, name, old, new), name, new, source
        raise RuntimeError("every described change hit a held-out avatar; this should not happen")

    def mix(self, items, seed: int, phase: int, step: int, rank: int = 0) -> list[dict]:
        n = len(items["source"])
        keep = n - int(round(self.share * n))
        out = [{"source": items["source"][i], "target": items["target"][i], "mask": items["mask"][i],
                "instruction": items["instruction"][i], "tokens": items["tokens"][i][:items["lengths"][i]],
                "attribute": items["attribute"][i], "id": items["id"][i], "pair_id": items["pair_id"][i],
                "source_vector": items["source_vector"][i], "target_vector": items["target_vector"][i]}
               for i in range(keep)]
        base = (phase * 10_000 + step) * SLOTS + rank * (SLOTS // 4)
        out += [self.pair(seed, base + j) for j in range(n - keep)]
        return out


__all__ = ["RenderedPairs", "SEED_OFFSET"]
