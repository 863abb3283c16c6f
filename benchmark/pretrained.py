"""Weights shipped in the package: ``pretrained:NAME`` is accepted wherever a run folder is
(``evaluate``, the demo, the inputs of later commands).

    benchmark/weights/index.json       [{name, model, preset, sha256, training_data, command, metrics}]
    benchmark/weights/<name>/best.pt   the checkpoint (loaded with ``weights_only=True``)
    benchmark/weights/<name>/config.json, results-test.json   what trained it and what it scored

A checkpoint whose SHA-256 differs from the one pinned in the index is refused (reinstall the
package). ``python -m benchmark pretrained [--json]`` lists them; ``ship()`` adds one.
"""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

from collection.files import sha256_file, write_json

from . import runs

PREFIX = "pretrained:"


def weights_dir() -> Path:
    return Path(str(resources.files("benchmark") / "weights"))


def available() -> list[dict]:
    """The index of shipped weights (empty when none are shipped)."""
    path = weights_dir() / "index.json"
    return json.loads(path.read_text()) if path.is_file() else []


def resolve(name: str) -> Path:
    """The verified run folder of shipped weights ``name``; ValueError naming the valid ones or
    saying the file was changed."""
    entries = {e["name"]: e for e in available()}
    if name not in entries:
        raise ValueError(f"no pretrained weights {name!r}; shipped: {', '.join(entries) or 'none'} "
                         f"(python -m benchmark pretrained)")
    folder = weights_dir() / name
    checkpoint = runs.best_path(folder)
    if not checkpoint.is_file() or sha256_file(checkpoint) != entries[name]["sha256"]:
        raise ValueError(f"{checkpoint} does not match the SHA-256 pinned in the package index; it was changed or "
                         f"damaged: reinstall aimi")
    return folder


def resolve_run(text: str | Path) -> Path:
    """A run folder from a path or ``pretrained:NAME``."""
    text = str(text)
    return resolve(text[len(PREFIX):]) if text.startswith(PREFIX) else Path(text)


def is_pretrained(text: str | Path) -> bool:
    return str(text).startswith(PREFIX)


def ship(run: str | Path, name: str, command: str, dest: str | Path | None = None) -> dict:
    """Copy ``run``'s best checkpoint, config and test results into the weights folder under
    ``name`` and pin its SHA-256 in the index (the command that trained it recorded beside it)."""
    run, dest = Path(run), Path(dest or weights_dir())
    results = json.loads(runs.results_path(run, "test").read_text())
    folder = dest / name
    folder.mkdir(parents=True, exist_ok=True)
    for source in (runs.best_path(run), runs.config_path(run), runs.results_path(run, "test")):
        shutil.copyfile(source, folder / source.name)
    (folder / "COMMAND.txt").write_text(command.strip() + "\n")
    config = runs.read_config(run)
    entry = {"name": name, "model": results["model"], "preset": results["preset"],
             "sha256": sha256_file(folder / runs.BEST), "training_data": results.get("training_data", "paper"),
             "uses_renderer_at_inference": results.get("uses_renderer_at_inference", False),
             "phase": results["checkpoint"]["phase"], "command": command.strip(),
             "extras": ["minilm"] if results.get("model_config", {}).get("parser") or
             results.get("model_config", {}).get("text") == "minilm" else [],
             "git": (config.get("git") or {}).get("commit"),
             "metrics": {k: results["metrics"][k]["value"] for k in ("mse", "edit_acc", "keep_acc")
                         if k in results["metrics"]}}
    index = [e for e in (json.loads((dest / "index.json").read_text()) if (dest / "index.json").is_file() else [])
             if e["name"] != name]
    write_json(dest / "index.json", sorted([*index, entry], key=lambda e: e["name"]))
    return entry


__all__ = ["PREFIX", "available", "is_pretrained", "resolve", "resolve_run", "ship", "weights_dir"]
