"""What a training step reads: tensors of collated batches, the change labels, the auxiliary
classes per attribute, the held-out avatars rendered pairs must avoid, the unlabeled batches."""

from __future__ import annotations

import numpy as np
import torch

from ..runs import to_images, to_masks
from .predict import text_inputs


def batch_tensors(columns: dict, instructed: bool, cfg, device, model=None) -> dict:
    """Tensors of collated columns: ``source``, ``target`` (and with instruction ``mask``, ``tokens``,
    ``lengths`` (as ``model`` reads the instruction: ``predict.text_inputs``), and ``label``, the
    class of the change asked for, where the vectors are given)."""
    source = to_images(columns["source"], cfg.channels_last).to(device)
    if not instructed:
        return {"source": source, "target": source}
    batch = {"source": source, "target": to_images(columns["target"], cfg.channels_last).to(device),
             "mask": to_masks(columns["mask"]).to(device),
             **dict(zip(("tokens", "lengths"), text_inputs(model, columns, device)))}
    if "source_vector" in columns:    # the (attribute, value) asked for, as one class over every value
        batch["label"] = change_labels(columns["source_vector"], columns["target_vector"]).to(device)
    return batch


def change_labels(source_vector, target_vector) -> torch.Tensor:
    """(B,) class of the changed attribute's new value: offset of the attribute + value index."""
    source_vector, target_vector = np.asarray(source_vector), np.asarray(target_vector)
    offsets = np.concatenate([[0], np.cumsum(attribute_values())[:-1]])
    changed = (source_vector != target_vector).argmax(axis=1)
    rows = np.arange(len(changed))
    return torch.as_tensor(offsets[changed] + target_vector[rows, changed], dtype=torch.int64)


def attribute_values() -> list[int]:
    from collection import ATTRIBUTE_NAMES, attribute

    return [len(attribute(name).values) for name in ATTRIBUTE_NAMES]


def held_out_specs(root, size: int) -> set[str]:
    """The spec ids of every validation and test avatar: rendered training pairs never use them."""
    import aimi

    found = set()
    for split in ("val", "test"):
        for row in aimi.AIMI(root, split, size, progress=False).rows:
            found.update((row["source_id"], row["target_id"]))
    return found


def unlabeled_batch(unlabeled, indices: np.ndarray) -> dict:
    from collection import render_batch

    return {"source": render_batch([unlabeled.spec(int(i)) for i in indices], unlabeled.size)}


__all__ = ["attribute_values", "batch_tensors", "change_labels", "held_out_specs", "unlabeled_batch"]
