"""Measuring a panel of simulated workers: the phrasing patterns and figures of its valid answers
(word types, distinct share, the largest pattern's share, the share that names the change).
"""

from __future__ import annotations

import re
from collections import Counter

from ..attributes import attribute as attribute_of, pick, sample_spec, seeded_rng
from ..pairs import changeable
from .lexicon import NOUNS, VALUES, names_change, words
from .simulate import PRONOUNS, make_panel, write_answer

_SLOT_WORDS = None
# Words that shape a sentence rather than name its content: they stay visible in a pattern.
_FUNCTION_WORDS = {"to", "on", "in", "of", "with", "and", "only", "one", "up", "no", "off", "take",
                   "remove", "removed", "get", "rid", "without", "for", "over", "out", "it", "at",
                   "very", "some", "nothing", "same", "change", "make", "give", "put", "add", "set"}
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?|[^\sa-z0-9]+")


def _slot_words() -> set[str]:
    global _SLOT_WORDS
    if _SLOT_WORDS is None:
        found = set()
        for table in VALUES.values():
            for phrases, keys in table.values():
                found.update(words(" ".join(phrases + keys)))
        for nouns in NOUNS.values():
            found.update(words(" ".join(nouns)))
        found.update(words(" ".join(" ".join(p) for p in PRONOUNS)))
        found.update({"a", "an", "the"})
        _SLOT_WORDS = found - _FUNCTION_WORDS
    return _SLOT_WORDS


def pattern(text: str) -> str:
    """The phrasing of an instruction with what it talks about abstracted away: words naming
    attributes and values, pronouns and articles become "_" (runs collapse); function words and
    punctuation stay."""
    out: list[str] = []
    for w in _TOKEN.findall(text.lower()):
        token = "_" if w in _slot_words() else w
        if not (token == "_" and out and out[-1] == "_"):
            out.append(token)
    return " ".join(out)


def panel_figures(answers: list[tuple[str, str | None, str | None]]) -> dict:
    """Figures over valid answers (text, attribute, to_value): word types, distinct share, the
    largest phrasing pattern's share and the share that names the change (:func:`names_change`)."""
    texts = [a[0] for a in answers]
    vocabulary = Counter(w for t in texts for w in words(t))
    patterns = Counter(pattern(t) for t in texts)
    top_pattern, top_count = patterns.most_common(1)[0]
    return {
        "simulated": True,
        "valid_answers": len(texts),
        "word_types": len(vocabulary),
        "distinct_share": round(len(set(t.lower().strip() for t in texts)) / len(texts), 4),
        "largest_pattern": top_pattern,
        "largest_pattern_share": round(top_count / len(texts), 4),
        "names_change_share": round(sum(names_change(t, a, v) for t, a, v in answers) / len(texts), 4),
    }


def measure_panel(n: int = 5000, seed: int = 0, panel_size: int = 60) -> dict:
    """Answer ``n`` random one-attribute changes (one answer each, no rendering needed) and
    return :func:`panel_figures` of the valid ones."""
    rng = seeded_rng("measure-panel", seed, 0)
    panel = [w for w in make_panel(seed, panel_size) if w.persona != "spammer"]
    valid = []
    for _ in range(n):
        spec = sample_spec(rng)
        name = pick(rng, changeable(spec))
        old = getattr(spec, name)
        new = pick(rng, [v for v in attribute_of(name).values if v != old])
        text, meaning = write_answer(rng, pick(rng, panel), name, old, new, "")
        if meaning == "valid":
            valid.append((text, name, new))
    return panel_figures(valid)


__all__ = ["measure_panel", "panel_figures", "pattern"]
