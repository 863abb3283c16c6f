"""AIMI: the Avatar Image Manipulation with Instruction dataset (data version 1).

    import aimi
    train = aimi.load("train", size=64)     # 4,296 triplets; images rendered into ~/.cache/aimi once
    item = train[0]                         # source, target, mask, instruction, tokens, ...
    unlabeled = aimi.Unlabeled(64)          # 161,065 random avatars, rendered on the fly

The instructions of data version 1 are SIMULATED (see ``aimi/data/v1/DATASHEET.md``).
``import aimi`` does not import torch.
"""

from .dataset import AIMI, SIZES, SPLITS, Unlabeled, collate, load
from .release import DATA_VERSION

__all__ = ["AIMI", "DATA_VERSION", "SIZES", "SPLITS", "Unlabeled", "collate", "load"]
