"""The inputs pack: what a model may see of a split, and nothing else.

    python -m benchmark inputs --split test --size 64 --out DIR

writes ``DIR/sources/<id>.png`` (the source avatars), ``DIR/instructions.jsonl`` (``id``,
``instruction`` per line, in the split's order), ``DIR/README.txt`` (how to submit) and
``DIR/manifest.json`` (the SHA-256 of every file, the split, size, count, and the data and
evaluator versions). Never the attribute, the target or the mask. The pack is built in a
temporary folder beside ``DIR`` and renamed into place, so a stopped run leaves no half pack.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from collection.files import write_json

from .score import EVALUATOR_VERSION

README = """AIMI inputs pack: split {split}, {n} items, {size} x {size} px (data {data_version}, evaluator {evaluator}).

sources/<id>.png      the source avatar of each item (RGB)
instructions.jsonl    one {{"id", "instruction"}} per line: the edit asked for
manifest.json         the SHA-256 of every file here, and the versions

To be scored, write one output per id and run the evaluator:

  submission/<id>.png         the edited avatar, 8-bit RGB PNG (another size is resized with PIL's BOX filter)
  submission/<id>.mask.png    optional: your keep-mask, 8-bit gray, 255 = kept from the source (for mask_iou)
  submission/model.json       optional: {{"name": ..., "track": "what it was trained on", "url": ..., "description": ...}}

  or one .npz: np.savez("submission.npz", ids=np.array(ids), images=uint8 (N, S, S, 3)[, masks=uint8 (N, S, S)])

  python -m benchmark score submission --split {split} --size {size} --out results-{split}.json

Every id must be answered, and no other. The results file has the schema of `python -m benchmark
evaluate` (intervals, the identity floor on the same items, per-attribute scores) and the
leaderboard reads it: python -m benchmark leaderboard results-{split}.json --out leaderboard
"""


class InputsError(ValueError):
    """An inputs pack that cannot be written where asked."""


def write_inputs(split: str = "test", size: int = 64, out: str | Path = "inputs", root=None) -> dict:
    """Write the inputs pack of ``split`` at ``size`` into ``out`` (which must not hold anything);
    returns its manifest."""
    import aimi
    from PIL import Image

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputsError(f"{out} already exists and is not an empty folder; choose a new --out or remove it")
    dataset = aimi.AIMI(root, split, size, progress=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    os.chmod(work, 0o755)              # mkdtemp makes it private; the pack is meant to be shared
    try:
        (work / "sources").mkdir()
        files = {}
        for start in range(0, len(dataset), 256):
            part = list(range(start, min(start + 256, len(dataset))))
            items = dataset.__getitems__(part)
            for item_id, source in zip(items["id"], items["source"]):
                buffer = io.BytesIO()
                Image.fromarray(source).save(buffer, format="PNG")
                name = f"sources/{item_id}.png"
                (work / name).write_bytes(buffer.getvalue())
                files[name] = hashlib.sha256(buffer.getvalue()).hexdigest()
        lines = "".join(json.dumps({"id": r["id"], "instruction": r["instruction"]}) + "\n" for r in dataset.rows)
        text = README.format(split=split, n=len(dataset), size=size, data_version=aimi.DATA_VERSION,
                             evaluator=EVALUATOR_VERSION)
        for name, content in (("instructions.jsonl", lines), ("README.txt", text)):
            (work / name).write_text(content)
            files[name] = hashlib.sha256(content.encode()).hexdigest()
        manifest = {"kind": "aimi-inputs", "split": split, "size": size, "n": len(dataset),
                    "data_version": aimi.DATA_VERSION, "evaluator_version": EVALUATOR_VERSION,
                    "files": dict(sorted(files.items()))}
        write_json(work / "manifest.json", manifest, durable=False)
        if out.exists():
            out.rmdir()                  # empty, checked above
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


__all__ = ["InputsError", "write_inputs"]
