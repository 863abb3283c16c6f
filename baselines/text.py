"""Instruction text read as subwords, for models that must survive words they never saw
(``EditorConfig.text = "subword"``; the default ``"words"`` reads the release's word ids).

Each word becomes (fastText's trick) the hashed ids of the whole word and of its character 3-, 4-
and 5-grams, so "blond", "turbn" or "squinty" share most of their pieces with "blonde", "turban"
and "squint". Colour words carry what no training sentence can teach: the RGB of the word (or of
the two-word name ending at it: "midnight blue") in matplotlib's colour tables (the 949 names of
the xkcd colour survey and the 148 CSS4 names), so "crimson" or "cobalt" arrive near "red" and
"blue" the model has learnt. One row per word: ``PIECES`` piece ids (0 = none), then a colour
flag and r, g, b in 0..255, and with ``meaning`` (``text="minilm"``) the word's all-MiniLM-L6-v2
vector (``baselines.minilm``) in fixed point, ``MEANING`` ints of value * ``MEANING_SCALE``.
"""

from __future__ import annotations

import functools
import re
import zlib

import numpy as np

PIECES = 24                     # piece ids kept per word (the whole word first, then 3-, 4-, 5-grams)
COLOUR = 4                      # flag, r, g, b
WIDTH = PIECES + COLOUR
MEANING = 384                   # the MiniLM vector's width (baselines.minilm.DIM), after WIDTH with meaning=True
MEANING_SCALE = 4096            # fixed point: the rows are integers
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")      # the lexicon's tokens (collection.crowd.lexicon)


# the eleven basic colour terms (Berlin and Kay), as prototype sRGB 0..255: a colour word's nearness to each
# (EditorConfig.colour_terms) lets "crimson" and "scarlet" read as "red" even where their RGB is far from it
BASIC_TERMS = {"black": (0, 0, 0), "white": (255, 255, 255), "red": (220, 20, 30), "green": (40, 160, 40),
               "yellow": (250, 220, 30), "blue": (30, 60, 220), "brown": (120, 70, 20), "purple": (130, 40, 160),
               "pink": (250, 150, 190), "orange": (250, 140, 20), "grey": (128, 128, 128)}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def pieces(word: str, buckets: int) -> list[int]:
    """Hashed ids in 1..buckets-1 of ``<word>`` and its character 3- to 5-grams."""
    marked = f"<{word}>"
    grams = [marked] + [marked[i:i + n] for n in (3, 4, 5) for i in range(len(marked) - n + 1)]
    return [1 + zlib.crc32(g.encode()) % (buckets - 1) for g in grams[:PIECES]]


@functools.lru_cache(maxsize=1)
def colour_names() -> dict[str, tuple[int, int, int]]:
    """Colour name (lower case, spaces) -> RGB 0..255; where both tables name a colour, xkcd's wins."""
    from matplotlib import colors

    table = {}
    for source, prefix in ((colors.CSS4_COLORS, ""), (colors.XKCD_COLORS, "xkcd:")):
        for name, hex_ in source.items():
            rgb = tuple(int(round(255 * c)) for c in colors.to_rgb(hex_))
            table[name[len(prefix):].replace("-", " ")] = rgb
    return table


def colour_of(previous: str | None, word: str) -> tuple[int, int, int] | None:
    """The RGB a word names, trying the two-word name ending at it, the word, its hyphenated parts
    (last first) and the word without a trailing "y" / "ish" ("minty", "reddish")."""
    table = colour_names()
    tries = ([f"{previous} {word}"] if previous else []) + [word.replace("-", " "), *reversed(word.split("-"))]
    for suffix in ("ish", "y"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            tries.append(word[:-len(suffix)])
    for name in tries:
        if name in table:
            return table[name]
    return None


def encode_text(text: str, buckets: int, meaning: bool = False) -> np.ndarray:
    """(max(1, words), WIDTH (+ MEANING)) int64 rows of ``text`` (an empty text gives one empty row)."""
    tokens = words(text)
    rows = np.zeros((max(1, len(tokens)), WIDTH + (MEANING if meaning else 0)), dtype=np.int64)
    if meaning and tokens:
        from .minilm import word_vector

        rows[:len(tokens), WIDTH:] = np.round(np.stack([word_vector(w) for w in tokens]) * MEANING_SCALE)
    for i, word in enumerate(tokens):
        ids = pieces(word, buckets)
        rows[i, :len(ids)] = ids
        rgb = colour_of(tokens[i - 1] if i else None, word)
        if rgb is not None:
            rows[i, PIECES:WIDTH] = (1, *rgb)
    return rows


def encode_texts(texts, buckets: int, meaning: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(tokens (B, T, WIDTH (+ MEANING)) int64, lengths (B,) int64)`` of a batch of texts, zero-padded."""
    rows = [encode_text(str(t), buckets, meaning) for t in texts]
    lengths = np.asarray([len(r) for r in rows], dtype=np.int64)
    tokens = np.zeros((len(rows), int(lengths.max(initial=1)), WIDTH + (MEANING if meaning else 0)), dtype=np.int64)
    for i, r in enumerate(rows):
        tokens[i, :len(r)] = r
    return tokens, lengths


__all__ = ["BASIC_TERMS", "COLOUR", "MEANING", "MEANING_SCALE", "PIECES", "WIDTH", "colour_names", "colour_of",
           "encode_text", "encode_texts", "pieces", "words"]
