"""AIMI: the Avatar Image Manipulation with Instruction dataset (data version 2).

    import aimi
    train = aimi.load("train", size=64)     # 4,296 triplets; images rendered into ~/.cache/aimi once
    item = train[0]                         # source, target, mask, instruction, tokens, ...
    sessions = aimi.load("sessions", size=64)   # 300 multi-turn sessions: a start and 5 turns each
    unlabeled = aimi.Unlabeled(64)          # 161,065 random avatars, rendered on the fly

The instructions are SIMULATED (see ``aimi/data/v2/DATASHEET.md``). Data version 2 added the
sessions; its triplets are byte-identical to version 1's. ``import aimi`` does not import torch.
"""

from .dataset import AIMI, SIZES, SPLITS, Sessions, Unlabeled, collate, load
from .release import DATA_VERSION

__all__ = ["AIMI", "DATA_VERSION", "SIZES", "SPLITS", "Sessions", "Unlabeled", "collate", "load"]
