"""An instruction parser over frozen sentence vectors, and the editor's restating of what it did
not understand (``EditorConfig.parser``).

The editor's own text encoder learns from the release's instructions and the simulated panel's,
so it reads those well (its auxiliary head names the change asked for in 0.97 of the test
split) but words it never saw poorly (0.77 of the free-phrasing dev set). all-MiniLM-L6-v2's
sentence vector (``baselines.minilm``, frozen) carries what a billion sentence pairs taught:
"cue-ball smooth", "ginger", "shades". A linear layer over it, trained on the same instructions
(``benchmark.training.restate``), names the (attribute, value) asked for:

    read = (softmax(Aux(TextEnc(x))) + softmax(Linear(10 * MiniLM(x)))) / 2

Where ``read``'s choice differs from the editor's own (its auxiliary head alone), the editor is
given instead the phrasing of that change it reads best (``phrases``, one per class, chosen when
the parser was trained); elsewhere the words stay as written. Only at inference: training reads
the instruction as written.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

SCALE = 10.0                      # the sentence vector is unit length; scaled, a linear layer trains fast


class SentenceParser(nn.Module):
    """``forward(vectors (B, 384))`` -> (B, classes) logits; ``probabilities(texts)``."""

    def __init__(self, classes: int):
        super().__init__()
        from .minilm import DIM

        self.linear = nn.Linear(DIM, classes)

    def forward(self, vectors: torch.Tensor) -> torch.Tensor:
        return self.linear(SCALE * vectors)

    @staticmethod
    def vectors(texts) -> torch.Tensor:
        """(B, 384) MiniLM sentence vectors of raw texts (cached per text); needs the MiniLM weights."""
        from .minilm import DIM, sentence_vector

        rows = [sentence_vector(str(t)) for t in texts]
        return torch.as_tensor(np.stack(rows) if rows else np.zeros((0, DIM), np.float32))

    @torch.no_grad()
    def probabilities(self, texts) -> torch.Tensor:
        weight = self.linear.weight
        return torch.softmax(self(self.vectors(texts).to(weight.device, weight.dtype)).float(), dim=1)


def restated(texts, own: torch.Tensor, parsed: torch.Tensor, phrases, always: bool = False) -> list[str]:
    """``texts`` with each one whose joint reading ((own + parsed) / 2, both (B, classes)
    probabilities) names another class than ``own`` alone (``always``: each one) replaced by that
    class's phrase (kept where the class has none)."""
    joint = ((own + parsed) / 2).argmax(1).tolist()
    alone = own.argmax(1).tolist()
    return [phrases[j] if (always or j != a) and phrases[j] else str(t) for t, j, a in zip(texts, joint, alone)]


__all__ = ["SCALE", "SentenceParser", "restated"]
