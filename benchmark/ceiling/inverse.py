"""Inverse rendering by search over the renderer: the spec whose rendering is nearest to an
image, found by coordinate descent (each attribute in turn takes the value whose rendering, with
the others fixed, is nearest in pixels), sweeping until nothing changes. It reads the pixels
only; a source's spec is never consulted. Hidden attributes (hair colour under a hat) read as
whatever they were when every value renders the same.

Coordinate descent can stop in a local minimum (a winter hat read as long hair with sunglasses). A
clean render is explained exactly (error 0), so a search that ends above 0 starts again from
other seeded specs (``restarts``) and the nearest reading wins: on the test sources the first
search leaves 9 of 230 above 0, the restarts 0 (``python -m benchmark ceiling`` reports the
read accuracy).
"""

from __future__ import annotations

import numpy as np

from collection import ATTRIBUTE_NAMES, AvatarSpec, attribute, render, sample_spec, seeded_rng

# large areas first: the background, skin and clothes fix most pixels before the small parts
ORDER = ("background_color", "skin_color", "clothing", "clothing_color", "shirt_graphic", "top", "hat_color",
         "hair_color", "facial_hair", "facial_hair_color", "accessory", "eyes", "eyebrows", "mouth", "nose")
assert sorted(ORDER) == sorted(ATTRIBUTE_NAMES)


# attributes whose values only show together (a colour needs its part): searched as pairs
COUPLED = (("top", "hair_color"), ("top", "hat_color"), ("top", "facial_hair"), ("facial_hair", "facial_hair_color"),
           ("clothing", "clothing_color"), ("clothing", "shirt_graphic"), ("top", "accessory"), ("accessory", "eyes"))


def start_spec(k: int = 0) -> AvatarSpec:
    """Starting point ``k`` of the search (a seeded sample, the same for every image)."""
    return sample_spec(seeded_rng("inverse-start", 0, k))


def read_spec(image: np.ndarray, sweeps: int = 4, restarts: int = 4) -> tuple[AvatarSpec, float]:
    """(spec, mean squared error of its rendering) for an (S, S, 3) uint8 image: the nearest of
    up to ``1 + restarts`` searches, stopping at the first that explains the image exactly."""
    best = None
    for k in range(1 + restarts):
        found = _search(image, start_spec(k), sweeps)
        if best is None or found[1] < best[1]:
            best = found
        if best[1] == 0:
            break
    return best


def _search(image: np.ndarray, spec: AvatarSpec, sweeps: int) -> tuple[AvatarSpec, float]:
    size = image.shape[0]
    target = np.asarray(image, dtype=np.float32)

    def error(candidate: AvatarSpec) -> float:
        return float(((render(candidate, size).astype(np.float32) - target) ** 2).mean())

    def improve(moves) -> bool:
        nonlocal spec, best
        changed = False
        for move in moves:
            candidate = spec.replace(**move)
            if candidate == spec:
                continue
            score = error(candidate)
            if score < best - 1e-9:
                spec, best, changed = candidate, score, True
        return changed

    def singles():
        for name in ORDER:
            for value in attribute(name).values:
                yield {name: value}

    def pairs():
        for a, b in COUPLED:
            for va in attribute(a).values:
                for vb in attribute(b).values:
                    yield {a: va, b: vb}

    best = error(spec)
    for _ in range(sweeps):
        if not improve(singles()) and (best == 0 or not improve(pairs())):
            break
    return spec, best / 255 ** 2


__all__ = ["ORDER", "read_spec", "start_spec"]
