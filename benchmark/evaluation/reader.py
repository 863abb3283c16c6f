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
