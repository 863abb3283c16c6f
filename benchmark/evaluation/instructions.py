"""Unconstrained phrasing: apply instructions from a file to test sources and score the edits.

    python -m benchmark evaluate RUN --instructions FILE.jsonl [--sources-per-instruction 20] [--out DIR]

Each line of FILE is ``{"attribute": "hair_color", "to_value": "blonde", "instruction": "..."}``
(the schema's names). An instruction is applied to ``K`` test sources (a seeded choice) on which
the attribute is visible and differs from ``to_value``; the target is the source's spec with the
attribute set, rendered. Writes ``results-instructions-<file stem>.json`` (the usual schema:
metrics with intervals, the identity floor, per attribute) with the share of instruction words the
model's vocabulary lacks (``unseen_token_share``).
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import numpy as np

from collection import AvatarSpec, attribute, render
from collection.attributes import ATTRIBUTE_NAMES
from collection.files import jsonl_objects, sha256_file
from collection.pairs import change_mask, changeable
from collection.vocabulary import encode, tokenize

from .. import runs
from .evaluate import about_checkpoint
from .score import score_outputs, write_scored
from .stats import RESAMPLES

KEYS = ("attribute", "to_value", "instruction")


class InstructionsError(ValueError):
    """An instructions file that cannot be used; the message names the line and the fix."""


def read_instructions(path: str | Path) -> list[dict]:
    """The checked lines of an instructions file (one-line errors naming the line)."""
    path = Path(path)
    rows = []
    for where, row in jsonl_objects(path, KEYS, InstructionsError, f"one JSON object with {', '.join(KEYS)}"):
        if row["attribute"] not in ATTRIBUTE_NAMES:
            raise InstructionsError(f"{where}: unknown attribute {row['attribute']!r}; valid: {', '.join(ATTRIBUTE_NAMES)}")
        values = attribute(row["attribute"]).values
        if row["to_value"] not in values or len(values) < 2:
            raise InstructionsError(f"{where}: {row['to_value']!r} is not a value of {row['attribute']}; "
                                    f"valid: {', '.join(values)}")
        if not str(row["instruction"]).strip():
            raise InstructionsError(f"{where}: the instruction is empty")
        rows.append({k: str(row[k]) for k in KEYS})
    if not rows:
        raise InstructionsError(f"{path}: no instructions; write one JSON object per line with {', '.join(KEYS)}")
    return rows


def instruction_items(rows: list[dict], sources: list[AvatarSpec], size: int, vocabulary: list[str],
                      per_instruction: int = 20, seed: int = 0) -> tuple[dict, list, float]:
    """(arrays like ``AIMI.__getitems__``, (source, target, attribute) specs, unseen-word share)."""
    arrays = {k: [] for k in ("id", "source", "target", "mask", "tokens", "attribute", "instruction")}
    specs, words, unseen = [], 0, 0
    known = set(vocabulary)
    for n, row in enumerate(rows):
        name, value = row["attribute"], row["to_value"]
        fits = [s for s in sources if name in changeable(s) and getattr(s, name) != value]   # changeable: visible
        chosen = random.Random(f"aimi-instructions/{seed}/{n}").sample(fits, min(per_instruction, len(fits)))
        tokens = encode(row["instruction"], vocabulary) or [1]
        words += len(tokenize(row["instruction"]))
        unseen += sum(w not in known for w in tokenize(row["instruction"]))
        for k, spec in enumerate(chosen):
            target = spec.replace(**{name: value})
            source_image, target_image = render(spec, size), render(target, size)
            arrays["id"].append(f"{n}-{k}")
            arrays["source"].append(source_image)
            arrays["target"].append(target_image)
            arrays["mask"].append(change_mask(source_image, target_image))
            arrays["tokens"].append(tokens)
            arrays["attribute"].append(name)
            arrays["instruction"].append(row["instruction"])
            specs.append((spec, target, name))
    if not specs:
        raise InstructionsError("no test source fits any instruction (the attribute must be visible and differ)")
    return item_arrays(arrays), specs, unseen / max(words, 1)


def item_arrays(arrays: dict) -> dict:
    """Lists per item (``source``, ``target``, ``mask`` images, ``tokens`` id lists, text columns) as
    ``AIMI.__getitems__`` gives them: images stacked, ``tokens`` padded with 0, ``lengths``."""
    lengths = np.asarray([len(t) for t in arrays["tokens"]], dtype=np.int64)
    padded = np.zeros((len(lengths), int(lengths.max())), dtype=np.int64)
    for i, t in enumerate(arrays["tokens"]):
        padded[i, :len(t)] = t
    out = {k: (np.stack(v) if k in ("source", "target", "mask") else v) for k, v in arrays.items()}
    out.update(tokens=padded, lengths=lengths)
    return out


def evaluate_instructions(run: str | Path, path: str | Path, per_instruction: int = 20, seed: int = 0,
                          out: str | Path | None = None, root=None, resamples: int = RESAMPLES) -> dict:
    """Score ``run``'s best checkpoint on the instructions of ``path`` (see the module docstring)."""
    import aimi

    from ..ceiling.model import BUILDERS
    from ..training.checkpoint import load_model
    from ..training.predict import predict_columns

    rows = read_instructions(path)
    run, path = Path(run), Path(path)
    model, payload = load_model(runs.best_path(run), BUILDERS)
    size = model.cfg.size
    test = aimi.AIMI(root, "test", size, progress=False)
    sources = list({r["source_id"]: AvatarSpec.from_dict(r["source"]) for r in test.rows}.values())
    arrays, specs, unseen = instruction_items(rows, sources, size, test.vocabulary, per_instruction, seed)
    predicted = predict_columns(model, arrays)
    output_u8 = runs.from_images(predicted["output"])
    mask_u8 = None if predicted["mask"] is None else runs.from_masks(predicted["mask"])
    about = {**about_checkpoint(run, payload), "kind": "instructions", "split": f"instructions:{path.stem}",
             "instructions_file": path.name, "instructions_sha256": sha256_file(path), "instructions": len(rows),
             "per_instruction": per_instruction, "unseen_token_share": unseen, "data_version": aimi.DATA_VERSION,
             "items_sha256": hashlib.sha256(json.dumps(arrays["id"]).encode()).hexdigest()}
    results, _ = score_outputs(output_u8, mask_u8, arrays, specs, about, resamples)
    write_scored(out or run, f"instructions-{path.stem}", results)
    return results


__all__ = ["InstructionsError", "KEYS", "evaluate_instructions", "instruction_items", "item_arrays", "read_instructions"]
