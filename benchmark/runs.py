"""The run folder, in one place: its file names, its readers, the versions and git state it
records, and the float <-> uint8 conversions between tensors and saved images.

    RUN/config.json            the resolved configs, data version, package versions, git commit
    RUN/metrics.jsonl          one line per evaluation during training
    RUN/last.pt, RUN/best.pt   the latest checkpoint (--resume) and the selected weights
    RUN/samples/phase-N.npz    outputs for a few validation items at each evaluation
    RUN/results-<split>.json   evaluation: metrics with intervals, the identity floor, versions
    RUN/items-<split>.jsonl    evaluation: per-item scores
    RUN/outputs-<split>.npz    evaluation: the outputs (and masks) as uint8

A run's model is read from ``config.json`` (what was asked), never guessed from a checkpoint.
"""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np

CONFIG = "config.json"
METRICS = "metrics.jsonl"
LAST = "last.pt"
BEST = "best.pt"
SAMPLES = "samples"


def config_path(run: str | Path) -> Path:
    return Path(run) / CONFIG


def metrics_path(run: str | Path) -> Path:
    return Path(run) / METRICS


def last_path(run: str | Path) -> Path:
    return Path(run) / LAST


def best_path(run: str | Path) -> Path:
    return Path(run) / BEST


def sample_path(run: str | Path, phase: int) -> Path:
    return Path(run) / SAMPLES / f"phase-{phase:06d}.npz"


def sample_paths(run: str | Path) -> list[Path]:
    return sorted((Path(run) / SAMPLES).glob("phase-*.npz"))


def results_path(run: str | Path, split: str) -> Path:
    return Path(run) / f"results-{split}.json"


def items_path(run: str | Path, split: str) -> Path:
    return Path(run) / f"items-{split}.jsonl"


def outputs_path(run: str | Path, split: str) -> Path:
    return Path(run) / f"outputs-{split}.npz"


def read_config(run: str | Path) -> dict:
    """The run's ``config.json``; FileNotFoundError saying how to make one."""
    path = config_path(run)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: {run} is not a run folder; make one with "
                                f"`python -m benchmark train --out {run}`")
    return json.loads(path.read_text())


def run_model(run: str | Path) -> str:
    """The registry name of the run's model (from ``config.json``)."""
    return read_config(run)["model"]


def read_items(run: str | Path, split: str) -> list[dict]:
    """The per-item scores ``evaluate`` wrote; FileNotFoundError saying how to make them."""
    path = items_path(run, split)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; run `python -m benchmark evaluate {run} --split {split}` first")
    return [json.loads(line) for line in path.read_text().splitlines()]


def read_outputs(run: str | Path, split: str):
    """The uint8 outputs ``evaluate`` saved (an ``np.load`` of the npz)."""
    path = outputs_path(run, split)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; run `python -m benchmark evaluate {run} --split {split}`")
    return np.load(path)


def evaluated(run: str | Path, split: str, n: int) -> bool:
    """Whether ``results-<split>.json`` was made from the run's ``best.pt`` on ``n`` items (then an
    evaluation can be kept rather than redone)."""
    from collection.files import sha256_file

    try:
        done = json.loads(results_path(run, split).read_text())
        return done["checkpoint"]["sha256"] == sha256_file(best_path(run)) and done["n"] == n
    except (OSError, ValueError, KeyError):
        return False


def training_seconds(run: str | Path) -> float | None:
    """The training seconds the run's last metrics line records (None without metrics)."""
    path = metrics_path(run)
    if not path.is_file():
        return None
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return float(lines[-1].get("seconds") or 0.0) if lines else None


def model_label(payload: dict) -> str:
    """A checkpoint's model as tables, figures and the demo name it: the registry name, and
    ``NAME+parser`` for an editor given a sentence parser (``training/restate.py``)."""
    return payload["model"] + ("+parser" if (payload.get("model_config") or {}).get("parser") else "")


def git_state() -> dict:
    """The commit of the source tree and whether it had uncommitted changes (None outside git)."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                    capture_output=True, text=True, timeout=10).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty if commit else None}


def versions() -> dict:
    """Python's, torch's and the packages' versions that decide a result."""
    out = {"python": platform.python_version()}
    try:
        import torch

        out["torch"] = torch.__version__
    except ImportError:
        out["torch"] = None
    for name in ("aimi", "numpy", "python-avatars", "resvg"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = _checkout_version() if name == "aimi" else None
    return out


def _checkout_version() -> str | None:
    """The version in the ``pyproject.toml`` of a source checkout this code runs from uninstalled (a
    machine given the working tree, as a lent GPU was), so its results still name the code."""
    import tomllib

    try:
        project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None
    return str(project.get("version")) if project.get("name") == "aimi" and project.get("version") else None


def to_images(array, channels_last: bool = False):
    """(B, S, S, 3) uint8 -> (B, 3, S, S) float tensor in [0,1]."""
    import torch

    tensor = torch.as_tensor(array).permute(0, 3, 1, 2).float().div_(255)
    return tensor.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)


def to_masks(array):
    """(B, S, S) uint8 {0,1} -> (B, 1, S, S) float tensor."""
    import torch

    return torch.as_tensor(array).float().unsqueeze(1)


def from_images(tensor) -> np.ndarray:
    """The inverse of :func:`to_images`: (B, 3, S, S) float in [0,1] -> (B, S, S, 3) uint8
    (clamped, rounded: what a user would save)."""
    return (tensor.detach().float().cpu().clamp(0, 1) * 255).round().to(dtype=_uint8()).permute(0, 2, 3, 1).numpy()


def from_masks(tensor) -> np.ndarray:
    """(B, 1, S, S) float in [0,1] -> (B, S, S) uint8 in 0..255."""
    return (tensor.detach().float().cpu()[:, 0].clamp(0, 1) * 255).round().to(dtype=_uint8()).numpy()


def _uint8():
    import torch

    return torch.uint8


__all__ = ["BEST", "CONFIG", "LAST", "METRICS", "SAMPLES", "best_path", "config_path", "evaluated", "from_images",
           "from_masks", "git_state", "model_label", "items_path", "last_path", "metrics_path", "outputs_path", "read_config", "read_items",
           "read_outputs", "results_path", "run_model", "sample_path", "sample_paths", "to_images", "to_masks",
           "training_seconds", "versions"]
