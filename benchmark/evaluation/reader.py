"""Reading attributes back from an output by synthesis: the attribute reader behind ``edit_acc``
and ``keep_acc``.

To read attribute ``a`` of an image in the context of a spec (what the output should be), render
that spec with every value of ``a`` and take the value whose rendering is nearest (pixel MSE).
Values whose renderings are pixel-identical to the nearest one tie (for instance eye shapes behind
a hat's shadow); the read is right when the true value is among them. The renderer is the
project's own, so the reader is exact on clean renders and needs no trained weights; its version
is ``READER_VERSION`` plus the renderer's.

Why not a trained CNN (as first planned): on this project's 2-core machine a small CNN reached
35% on eyebrows after 3.5 minutes at 32 px, and reaching 98% on every attribute would take over an
hour; the reader below costs about 25 ms per item and is measured on perturbed renders instead
(``reader_accuracy``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np

from collection import AvatarSpec, attribute, render_batch, visible_attributes

READER_VERSION = "1"


def read_values(images, context: AvatarSpec, name: str) -> list[tuple[str, frozenset[str]]]:
    """For each image (S, S, 3 uint8), the value of attribute ``name`` that best explains it when
    every other attribute is as in ``context``, and the set of values tied with it. The candidate
    renderings are made once for all the images (the model's output and the identity floor's)."""
    values = attribute(name).values
    renders = render_batch([context.replace(**{name: v}) for v in values], images[0].shape[0])
    looks = [r.tobytes() for r in renders]              # pixel-identical renderings tie
    candidates = renders.astype(np.float32)
    out = []
    for image in images:
        distance = ((candidates - image.astype(np.float32)[None]) ** 2).mean(axis=(1, 2, 3))
        best = int(np.argmin(distance))
        out.append((values[best], frozenset(v for v, look in zip(values, looks) if look == looks[best])))
    return out


def read_value(image: np.ndarray, context: AvatarSpec, name: str) -> tuple[str, frozenset[str]]:
    """``read_values`` of one image."""
    return read_values([image], context, name)[0]


def edit_and_keep_all(images, source: AvatarSpec, target: AvatarSpec, changed: str) -> list[tuple[bool, list[bool]]]:
    """Per image: (the changed attribute, read in the source's context, is the target's value; [each
    other attribute visible in both source and target reads as the source's value]). The source
    image scores (False, all True) and the target image (True, all True)."""
    edits = [getattr(target, changed) in tied for _, tied in read_values(images, source, changed)]
    keeps: list[list[bool]] = [[] for _ in images]
    shared = set(visible_attributes(source)) & set(visible_attributes(target))
    for name in visible_attributes(target):
        if name == changed or name not in shared or len(attribute(name).values) < 2:
            continue
        # read in the target's context, and if that fails in the source's: an output that copies
        # the source (or one that makes the edit) keeps every other attribute in one of the two
        kept = [getattr(source, name) in tied for _, tied in read_values(images, target, name)]
        failed = [k for k, ok in enumerate(kept) if not ok]
        if failed:
            for k, (_, tied) in zip(failed, read_values([images[k] for k in failed], source, name)):
                kept[k] = getattr(source, name) in tied
        for keep, ok in zip(keeps, kept):
            keep.append(ok)
    return list(zip(edits, keeps))


def edit_and_keep(output: np.ndarray, source: AvatarSpec, target: AvatarSpec, changed: str) -> tuple[bool, list[bool]]:
    """``edit_and_keep_all`` of one image."""
    return edit_and_keep_all([output], source, target, changed)[0]


def attribute_scores_many(outputs: list[np.ndarray], sources: Iterable[AvatarSpec], targets: Iterable[AvatarSpec],
                          changed: Iterable[str]) -> list[dict[str, np.ndarray]]:
    """Per outputs array (N, S, S, 3) uint8, per item: ``edit_acc`` (1.0 or 0.0) and ``keep_acc``
    (share of the other attributes kept). The arrays (a model's outputs and the sources, for the
    identity floor) are read against one set of candidate renderings per item."""
    scores = [{"edit_acc": [], "keep_acc": []} for _ in outputs]
    for i, (s, t, name) in enumerate(zip(sources, targets, changed)):
        for score, (e, k) in zip(scores, edit_and_keep_all([o[i] for o in outputs], s, t, name)):
            score["edit_acc"].append(float(e))
            score["keep_acc"].append(float(np.mean(k)) if k else np.nan)
    return [{key: np.asarray(v) for key, v in score.items()} for score in scores]


def attribute_scores(outputs: np.ndarray, sources: Iterable[AvatarSpec], targets: Iterable[AvatarSpec],
                     changed: Iterable[str]) -> dict[str, np.ndarray]:
    """``attribute_scores_many`` of one outputs array."""
    return attribute_scores_many([outputs], sources, targets, changed)[0]


def read_right(images, contexts: list[AvatarSpec], name: str, expected: str) -> list[bool]:
    """Per image: does attribute ``name`` read as ``expected`` in the first of ``contexts`` (those
    where ``name`` is visible), or, failing that, in any later one? Contexts whose candidate
    renderings would be the same (they differ only in ``name``) are read once."""
    right = [False] * len(images)
    todo, seen = list(range(len(images))), set()
    for context in contexts:
        key = context.replace(**{name: attribute(name).values[0]})
        if key in seen or name not in visible_attributes(context):
            continue
        seen.add(key)
        for k, (_, tied) in zip(todo, read_values([images[k] for k in todo], context, name)):
            right[k] = expected in tied
        todo = [k for k in todo if not right[k]]
        if not todo:
            break
    return right


def turn_scores_many(outputs: list[np.ndarray], states: list[AvatarSpec], names: list[str]) -> list[dict[str, float]]:
    """Turn ``t = len(names)`` of a session, per image (a model's output, the identity floor's...):
    ``states`` are the ground-truth avatars from the start to after turn t, ``names`` the
    attributes changed by turns 1..t. ``edit_acc``: the turn's attribute reads as its new value;
    ``all_edits``: every attribute edited so far reads as its latest value; ``keep_acc``: share of
    the attributes never edited so far (visible at the start and now) that read as the start's.

    Each attribute is read in the context of the current ground truth and, if that fails, of the
    session's earlier ground truths, latest first (``read_right``): the one-step evaluator reads in
    the target's and the source's context for the same reason, so that an output that missed
    another edit (a skin colour left unchanged) is not also charged for the attributes whose
    rendering that other one shifts. An output that copies the start reads every never-edited
    attribute right and every edit wrong."""
    current, contexts = states[-1], states[::-1]
    changed, earlier = names[-1], names[:-1]
    edits = read_right(outputs, contexts, changed, getattr(current, changed))
    all_edits = list(edits)
    shown = set(visible_attributes(current))
    for name in earlier:
        if name in shown:          # always, in a valid session (every change shows at the end)
            all_edits = [a and r for a, r in zip(all_edits, read_right(outputs, contexts, name, getattr(current, name)))]
    keeps: list[list[bool]] = [[] for _ in outputs]
    for name in sorted(shown & set(visible_attributes(states[0])) - set(names)):
        if len(attribute(name).values) < 2:
            continue
        for keep, ok in zip(keeps, read_right(outputs, contexts, name, getattr(states[0], name))):
            keep.append(ok)
    return [{"edit_acc": float(e), "all_edits": float(a), "keep_acc": float(np.mean(k)) if k else np.nan}
            for e, a, k in zip(edits, all_edits, keeps)]


def edit_bound(sources: Iterable[AvatarSpec], targets: Iterable[AvatarSpec], changed: Iterable[str],
               size: int) -> dict:
    """The edit accuracy of an editor that draws every change exactly but cannot see a value the
    source hides (a new beard's colour, the hair under a removed hat): for each such pair, the
    chance that its drawing reads as the asked-for change, over the hidden value's truths weighted
    as the renderer draws them, when it guesses the one value that scores best (``best``) or a
    uniformly random one (``blind``); pairs that reveal nothing count 1. The pair's source and
    target carry the same hidden value, and the edit is read in the source's context, so both vary
    together. ``{"n", "hidden", "best", "blind"}``."""
    n = hidden = 0
    best = blind = 0.0
    for source, target, name in zip(sources, targets, changed):
        n += 1
        revealed = [a for a in visible_attributes(target) if a not in visible_attributes(source) and a != name]
        if not revealed:
            best, blind = best + 1, blind + 1
            continue
        hidden += 1
        choices = list(itertools.product(*[zip(attribute(a).values, attribute(a).weights) for a in revealed]))
        values = [dict(zip(revealed, (v for v, _ in c))) for c in choices]
        weights = np.asarray([np.prod([w for _, w in c]) for c in choices], dtype=float)
        drawn = list(render_batch([target.replace(**v) for v in values], size))
        score = np.zeros(len(values))                    # per guess: the weight of the truths it passes for
        for truth, weight in zip(values, weights):
            reads = edit_and_keep_all(drawn, source.replace(**truth), target.replace(**truth), name)
            score += weight * np.asarray([edit for edit, _ in reads], dtype=float)
        best += score.max() / weights.sum()
        blind += score.mean() / weights.sum()
    return {"n": n, "hidden": hidden, "best": float(best / max(n, 1)), "blind": float(blind / max(n, 1))}


def reader_accuracy(specs: list[AvatarSpec], size: int, noise: float = 0.0, renderer: str = "sprite",
                    seed: int = 0) -> dict[str, dict]:
    """Per attribute: how often the reader recovers the true value of each visible attribute from
    ``specs`` rendered by ``renderer`` with Gaussian pixel noise of ``noise`` (in [0,1] units)."""
    from collection import render

    rng = np.random.default_rng(seed)
    hits: dict[str, list[bool]] = {}
    for spec in specs:
        image = render(spec, size, renderer).astype(np.float32)
        if noise:
            image = image + rng.normal(0, noise * 255, image.shape)
        image = np.clip(np.round(image), 0, 255).astype(np.uint8)
        for name in visible_attributes(spec):
            if len(attribute(name).values) < 2:
                continue
            _, tied = read_value(image, spec, name)
            hits.setdefault(name, []).append(getattr(spec, name) in tied)
    return {name: {"accuracy": float(np.mean(v)), "n": len(v)} for name, v in hits.items()}
