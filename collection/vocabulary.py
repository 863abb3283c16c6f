"""The instruction tokenizer and vocabulary (built from the training split only).

Tokens are lower-case words (hyphenated words kept whole, as the lexicon reads them); ids 0 and 1
are ``<pad>`` and ``<unk>``; the rest are ordered by descending count, then alphabetically, so
the same training texts always give the same ids.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from .crowd.lexicon import words

PAD, UNK = "<pad>", "<unk>"


def tokenize(text: str) -> list[str]:
    return words(text)


def build_vocabulary(texts: Iterable[str], min_count: int = 1) -> list[str]:
    """``[PAD, UNK, word, ...]`` for the words seen at least ``min_count`` times in ``texts``."""
    counts = Counter(token for text in texts for token in tokenize(text))
    kept = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
    return [PAD, UNK, *kept]


def encode(text: str, vocabulary: list[str]) -> list[int]:
    """Token ids of ``text``; unknown words map to the ``<unk>`` id."""
    index = {w: i for i, w in enumerate(vocabulary)}
    return [index.get(token, 1) for token in tokenize(text)]
