"""Run a model over dataset items: batched, eval mode, no gradients."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from aimi import collate

from ..runs import to_images, to_masks


def text_inputs(model, columns: dict, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """``(tokens, lengths)`` as ``model`` reads the instruction: the release's word ids (``columns``'
    ``tokens`` padded, ``lengths``), or, for a model that reads raw text (``encode_texts``, the
    editor's ``text="subword"`` or ``"minilm"``), its own encoding of ``columns["instruction"]``."""
    if getattr(getattr(model, "cfg", None), "text", "words") != "words":
        if "instruction" not in columns:
            raise ValueError("this model reads the instruction's raw text; pass the 'instruction' column")
        tokens, lengths = model.encode_texts(list(columns["instruction"]))
    else:
        lengths = torch.as_tensor(np.asarray(columns["lengths"]))
        tokens = torch.as_tensor(np.asarray(columns["tokens"]))[:, :max(1, int(lengths.max()) if len(lengths) else 1)]
    return tokens.to(device), lengths


def batches(dataset, indices, batch_size: int = 64, device: str | torch.device = "cpu", model=None) -> Iterator[dict]:
    """Tensors of the items ``indices`` of an ``aimi.AIMI`` split, ``batch_size`` at a time:
    ``source``, ``target`` (B, 3, S, S) float, ``mask`` (B, 1, S, S), ``tokens``, ``lengths`` (as
    ``model`` reads the instruction: :func:`text_inputs`), plus ``index`` (np.ndarray) and ``item``
    (the collated columns)."""
    indices = np.asarray(indices, dtype=np.int64)
    for start in range(0, len(indices), batch_size):
        part = indices[start:start + batch_size]
        columns = collate(dataset.__getitems__(part.tolist()))
        yield {"index": part, "item": columns,
               "source": to_images(columns["source"]).to(device),
               "target": to_images(columns["target"]).to(device),
               "mask": to_masks(columns["mask"]).to(device),
               **dict(zip(("tokens", "lengths"), text_inputs(model, columns, device)))}


@torch.no_grad()
def predict(model, dataset, indices=None, batch_size: int = 64, device: str | torch.device = "cpu") -> dict:
    """Outputs of ``model`` (eval mode restored to its previous mode afterwards) for ``indices``
    (default: every item): ``output`` (N, 3, S, S) float32 in [0,1], ``mask`` (N, 1, S, S) or None,
    ``index``."""
    indices = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=np.int64)
    was_training = model.training
    model.eval()
    outputs, masks = [], []
    try:
        for batch in batches(dataset, indices, batch_size, device, model):
            out = model(batch["source"], batch["tokens"], batch["lengths"])
            outputs.append(out["output"].float().cpu())
            if out["mask"] is not None:
                masks.append(out["mask"].float().cpu())
    finally:
        model.train(was_training)
    return {"index": indices, "output": torch.cat(outputs) if outputs else torch.empty(0),
            "mask": torch.cat(masks) if masks else None}


@torch.no_grad()
def predict_columns(model, columns: dict, batch_size: int = 64, device: str | torch.device = "cpu") -> dict:
    """Like :func:`predict`, over items already read (``AIMI.__getitems__``'s columns: ``source``
    (N, S, S, 3) uint8, ``tokens`` (N, T) padded, ``lengths``), so a caller that needs the items too
    reads them once."""
    was_training = model.training
    model.eval()
    outputs, masks = [], []
    try:
        for start in range(0, len(columns["source"]), batch_size):
            part = slice(start, start + batch_size)
            tokens, lengths = text_inputs(model, {k: v[part] for k, v in columns.items()
                                                  if k in ("tokens", "lengths", "instruction")}, device)
            out = model(to_images(columns["source"][part]).to(device), tokens, lengths)
            outputs.append(out["output"].float().cpu())
            if out["mask"] is not None:
                masks.append(out["mask"].float().cpu())
    finally:
        model.train(was_training)
    return {"output": torch.cat(outputs) if outputs else torch.empty(0),
            "mask": torch.cat(masks) if masks else None}


@torch.no_grad()
def validation_scores(model, dataset, indices=None, batch_size: int = 64,
                      device: str | torch.device = "cpu") -> dict:
    """``mse`` (the paper's: pixels in [0,1], mean over items) and, for models with a mask,
    ``mask_mse`` against the ground truth, over ``indices`` (default: all)."""
    indices = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=np.int64)
    was_training = model.training
    model.eval()
    se, mask_se, n = 0.0, 0.0, 0
    try:
        for batch in batches(dataset, indices, batch_size, device, model):
            out = model(batch["source"], batch["tokens"], batch["lengths"])
            se += float(((out["output"].float() - batch["target"]) ** 2).mean(dim=(1, 2, 3)).sum())
            if out["mask"] is not None:
                mask_se += float(((out["mask"].float() - batch["mask"]) ** 2).mean(dim=(1, 2, 3)).sum())
            n += len(batch["index"])
    finally:
        model.train(was_training)
    scores = {"mse": se / max(n, 1), "n": n}
    if getattr(model.cfg, "sim", False):
        scores["mask_mse"] = mask_se / max(n, 1)
    return scores
