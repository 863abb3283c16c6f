"""What a training step reads: tensors of collated batches, the change labels, the auxiliary
classes per attribute, the held-out avatars rendered pairs must avoid, the unlabeled batches."""

from __future__ import annotations

import numpy as np
import torch

from ..runs import to_images, to_masks
from .predict import text_inputs


def batch_tensors(columns: dict, instructed: bool, cfg, device, model=None, place: tuple = (0,)) -> dict:
    """Tensors of collated columns: ``source``, ``target`` (and with instruction ``mask``, ``tokens``,
    ``lengths`` (as ``model`` reads the instruction: ``predict.text_inputs``), and ``label``, the
    class of the change asked for, where the vectors are given; for a model with ``rival_weight``,
    ``rivals`` and ``rival_valid`` (:func:`rival_images`, drawn by ``place``: seed, phase, step, rank))."""
    source = to_images(columns["source"], cfg.channels_last).to(device)
    if not instructed:
        return {"source": source, "target": source}
    batch = {"source": source, "target": to_images(columns["target"], cfg.channels_last).to(device),
             "mask": to_masks(columns["mask"]).to(device),
             **dict(zip(("tokens", "lengths"), text_inputs(model, columns, device)))}
    if "source_vector" in columns:    # the (attribute, value) asked for, as one class over every value
        batch["label"] = change_labels(columns["source_vector"], columns["target_vector"]).to(device)
        batch["source_values"] = torch.as_tensor(np.asarray(columns["source_vector"]), dtype=torch.int64).to(device)
        model_cfg = getattr(model, "cfg", None)
        if getattr(model_cfg, "rival_weight", 0):
            rivals, valid = rival_images(columns["source_vector"], columns["target_vector"], model_cfg.rivals,
                                         np.random.default_rng(list(place)), int(columns["source"].shape[1]))
            flat = to_images(rivals.reshape(-1, *rivals.shape[2:]))
            batch["rivals"] = flat.reshape(*rivals.shape[:2], *flat.shape[1:]).to(device)
            batch["rival_valid"] = torch.as_tensor(valid).to(device)
    return batch


def rival_images(source_vector, target_vector, rivals: int, rng: np.random.Generator, size: int):
    """``(images (B, K, S, S, 3) uint8, valid (B, K) bool)``: per item the target's rendering, then
    the target with the changed attribute set to up to ``K - 1`` other values (drawn by ``rng``).
    A rival rendered exactly as the target (a value the picture cannot show) is not valid, nor
    padding where the attribute has fewer values."""
    from collection import ATTRIBUTE_NAMES, AvatarSpec, attribute, render_batch

    source_vector, target_vector = np.asarray(source_vector), np.asarray(target_vector)
    specs, valid = [], np.zeros((len(target_vector), rivals), dtype=bool)
    for i, (before, after) in enumerate(zip(source_vector, target_vector)):
        target = AvatarSpec.from_vector(after)
        name = ATTRIBUTE_NAMES[int((before != after).argmax())]
        others = [v for v in attribute(name).values if v != getattr(target, name)]
        chosen = [others[k] for k in rng.permutation(len(others))[:rivals - 1]]
        specs += [target] + [target.replace(**{name: v}) for v in chosen] + [target] * (rivals - 1 - len(chosen))
        valid[i, :1 + len(chosen)] = True
    images = render_batch(specs, size).reshape(len(target_vector), rivals, size, size, 3)
    valid &= np.concatenate([np.ones((len(images), 1), bool),
                             (images[:, 1:] != images[:, :1]).reshape(len(images), rivals - 1, -1).any(-1)], axis=1)
    return images, valid


def change_labels(source_vector, target_vector) -> torch.Tensor:
    """(B,) class of the changed attribute's new value: offset of the attribute + value index."""
    source_vector, target_vector = np.asarray(source_vector), np.asarray(target_vector)
    offsets = np.concatenate([[0], np.cumsum(attribute_values())[:-1]])
    changed = (source_vector != target_vector).argmax(axis=1)
    rows = np.arange(len(changed))
    return torch.as_tensor(offsets[changed] + target_vector[rows, changed], dtype=torch.int64)


def class_labels(pairs) -> np.ndarray:
    """The (attribute, value) class index of each ``(attribute, to_value)`` pair, in schema order (the
    auxiliary head's and the parsers' classes, as ``change_labels`` numbers them)."""
    from collection import ATTRIBUTE_NAMES, attribute

    offsets = np.concatenate([[0], np.cumsum(attribute_values())[:-1]])
    index = {n: k for k, n in enumerate(ATTRIBUTE_NAMES)}
    return np.asarray([offsets[index[a]] + attribute(a).index(v) for a, v in pairs], dtype=np.int64)


def attribute_values() -> list[int]:
    from collection import ATTRIBUTE_NAMES, attribute

    return [len(attribute(name).values) for name in ATTRIBUTE_NAMES]


def slot_colours() -> list[int]:
    """R, G, B (0-255) of every value of the colour attributes the editor's ``colour_slots`` paint with,
    in the reader's order (``baselines.slots.COLOUR_POSITIONS``): the table's start."""
    from baselines.slots import COLOUR_POSITIONS
    from collection import ATTRIBUTE_NAMES, attribute

    colours = [attribute(ATTRIBUTE_NAMES[k]) for k in COLOUR_POSITIONS]
    return [c for a in colours for value in a.values for c in a.rgb(value)]


def model_data(name: str, preset: str, vocab_size: int, overrides: dict) -> dict:
    """The dataset's facts registry model ``name`` is built with (``get_model``'s ``data``): the vocabulary's
    size, the values per attribute and, where its resolved config (``overrides`` applied) paints with
    colour slots, the schema's slot colours."""
    from baselines import model_config

    data = {"vocab_size": vocab_size, "attribute_values": attribute_values()}
    if getattr(model_config(name, preset, **overrides), "colour_slots", "off") != "off":
        data["slot_colours"] = slot_colours()
    return data


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


__all__ = ["attribute_values", "batch_tensors", "change_labels", "held_out_specs", "model_data", "rival_images",
           "slot_colours", "unlabeled_batch"]
