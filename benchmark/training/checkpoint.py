"""Checkpoints: plain dicts of tensors and numbers, written atomically, read with
``torch.load(..., weights_only=True)`` (never unpickling code).

A checkpoint holds ``format``, ``model`` (registry name), ``model_config``, ``train_config``,
``phase`` (phases completed), ``state`` (model weights and buffers), ``opt_g`` / ``opt_d``
(optimizer states, absent in weights-only files), ``rng`` and ``best``.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from collection.files import write_atomic

FORMAT = 1


def save_checkpoint(path: str | Path, payload: dict) -> None:
    """Write ``payload`` to ``path`` atomically (a crash leaves the previous file intact)."""
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, **payload}, buffer)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, buffer.getvalue())


def load_checkpoint(path: str | Path) -> dict:
    """Read a checkpoint safely (``weights_only=True``); errors say what the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; train one with `python -m benchmark train`")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated or foreign file
        raise ValueError(f"{path} is not a readable AIMI checkpoint ({error.__class__.__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}); delete it and resume "
                         "from an earlier one, or retrain") from error
    if not isinstance(payload, dict) or payload.get("format") != FORMAT or "state" not in payload:
        raise ValueError(f"{path} is not an AIMI checkpoint of format {FORMAT}")
    return payload


def half_tables(source: str | Path, dest: str | Path, min_elements: int = 2 ** 17) -> list[str]:
    """Copy checkpoint ``source`` to ``dest`` with its large lookup tables (floating tensors of at
    least ``min_elements``: the editor's class templates and subword embeddings) stored in
    float16, for shipping; ``load_model`` copies them back into float32 parameters. Returns the
    names halved. Evaluate the copy, not the source: its outputs may differ in the last bits."""
    payload = load_checkpoint(source)
    halved = [k for k, v in payload["state"].items() if v.is_floating_point() and v.numel() >= min_elements]
    payload["state"] = {k: v.half() if k in halved else v for k, v in payload["state"].items()}
    save_checkpoint(dest, {k: v for k, v in payload.items() if k != "format"})
    return halved


def load_model(path: str | Path, builders: dict | None = None):
    """The model stored in checkpoint ``path``, in eval mode, with its checkpoint dict. Registry
    models are built by ``baselines``; ``builders`` (name -> function of the config dict) builds
    the others (the ceiling, which lives in ``benchmark`` because it uses the renderer)."""
    from baselines import build_model

    payload = load_checkpoint(path)
    build = (builders or {}).get(payload["model"])
    model = build(payload["model_config"]) if build else build_model(payload["model"], payload["model_config"])
    model.load_state_dict(payload["state"])
    return model.eval(), payload
