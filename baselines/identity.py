"""The identity floor: the output is the source. Every model is compared with it (about 90% of a
pair's pixels do not change, so copying the source already scores a low MSE)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class IdentityConfig:
    size: int = 64

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "IdentityConfig":
        return cls(size=int(data.get("size", 64)))


class Identity(nn.Module):
    """``forward(source, tokens, lengths)`` -> ``{"output": source, "mask": None}``; nothing to train."""

    trainable = False

    def __init__(self, cfg: IdentityConfig):
        super().__init__()
        self.cfg = cfg

    def forward(self, source: torch.Tensor, tokens=None, lengths=None) -> dict:
        return {"output": source, "generated": source, "mask": None, "phi_fc": None}


__all__ = ["Identity", "IdentityConfig"]
