"""The paper's training schedule as pure functions of (seed, phase), so that a resumed or
distributed run sees exactly the examples an uninterrupted single-process run sees.

Phases alternate: even phases (0, 2, ...) are "without instruction" (auto-encoding unlabeled
avatars), odd phases "with instruction" (training triplets). Each kind reads its own endless
stream of examples: successive seeded permutations of its dataset, one per epoch.
"""

from __future__ import annotations

import math

import numpy as np

AUTOENCODE, INSTRUCT = "autoencode", "instruct"
LR_DECAYS = ("none", "cosine")
_STREAMS = {AUTOENCODE: 1, INSTRUCT: 2}


def phase_kind(phase: int, alternate: bool = True) -> str:
    """The kind of 0-based ``phase``: the paper starts with a phase without instruction. Without
    ``alternate`` (models trained on triplets only) every phase is with instruction."""
    return AUTOENCODE if alternate and phase % 2 == 0 else INSTRUCT


def lr_factor(decay: str, phase: int, phases: int) -> float:
    """The learning rate of 0-based ``phase`` as a share of the configured one (``TrainConfig.lr_decay``)."""
    return 0.5 * (1 + math.cos(math.pi * phase / phases)) if decay == "cosine" else 1.0


def steps_per_phase(phase_examples: int, batch_size: int) -> int:
    """Full batches per phase: 2,200 examples at batch 64 -> 34 steps (2,176 examples)."""
    return max(1, phase_examples // batch_size)


def _permutation(seed: int, kind: str, epoch: int, n: int) -> np.ndarray:
    return np.random.default_rng([seed, _STREAMS[kind], epoch]).permutation(n)


def phase_batches(seed: int, phase: int, n: int, phase_examples: int, batch_size: int,
                  alternate: bool = True) -> np.ndarray:
    """Indices into the dataset of ``phase``'s kind (size ``n``): (steps, batch_size) int64.

    Phase p of a kind reads positions [k * E, (k + 1) * E) of that kind's stream, where k is the
    number of earlier phases of the same kind and E = steps * batch_size."""
    if n < 1:
        raise ValueError("the dataset for this phase is empty")
    kind = phase_kind(phase, alternate)
    steps = steps_per_phase(phase_examples, batch_size)
    per_phase = steps * batch_size
    start = (phase // 2 if alternate else phase) * per_phase
    out = np.empty(per_phase, dtype=np.int64)
    filled = 0
    while filled < per_phase:
        position = start + filled
        epoch, offset = divmod(position, n)
        take = min(n - offset, per_phase - filled)
        out[filled:filled + take] = _permutation(seed, kind, epoch, n)[offset:offset + take]
        filled += take
    return out.reshape(steps, batch_size)


def shard(batch: np.ndarray, rank: int, world: int) -> np.ndarray:
    """This rank's part of a global batch (rank r takes items r, r + world, ...)."""
    return batch[rank::world]
