"""Gives a trained editor a sentence parser (``baselines.parser``): a new run folder whose
checkpoint is the editor's weights unchanged plus a linear layer over all-MiniLM-L6-v2 sentence
vectors, and the phrasing of each change the editor reads best.

    python -m benchmark parser RUN --out RUN-parsed        (RUN: a run folder or pretrained:NAME)
    python -m benchmark evaluate RUN-parsed --instructions tests/fixtures/free-phrasing-dev.jsonl

The parser learns from the training triplets' instructions and ``instructions`` (60,000) more that the
simulated panel writes for changes the project's generator draws (``RenderedPairs.described``:
never a validation or test avatar), as the ceiling's parser does; the result declares
``paper+rendered``. A class's phrase is, of ``candidates`` the panel writes for it, the one the
editor's auxiliary head gives that class the highest probability. It restates (``restate="unseen"``)
where the two readings differ and every request with a word the triplets never used. The sentence vectors are
computed in chunks kept in ``OUT/parser-vectors/`` until the run is written, so a stopped run
resumes where it was. The run's training seconds are the editor's plus the parser's.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from baselines.text import words
from collection import ATTRIBUTE_NAMES, attribute, seeded_rng
from collection.crowd.simulate import plain_request
from collection.files import sha256_file, write_atomic, write_json

from .. import runs
from .batches import class_labels
from .checkpoint import load_model, save_checkpoint

CHUNK = 8192                   # sentence vectors per cached chunk
GENDERED = {"he", "she", "him", "her", "his", "hers", "guy", "girl"}
INSTRUCTIONS = 60_000          # about 70 s of MiniLM on 2 cores: with the editor's 18.4 min, within 20


def sentence_vectors(texts: list[str], cache: Path, progress: bool = True) -> np.ndarray:
    """(N, 384) float32 MiniLM vectors of ``texts``, each chunk of ``CHUNK`` saved in ``cache``
    (atomically) and read back on a rerun."""
    from baselines.minilm import encoder

    cache.mkdir(parents=True, exist_ok=True)
    chunks = []
    for start in tqdm(range(0, len(texts), CHUNK), desc="sentence vectors", unit="chunk", disable=not progress):
        path = cache / f"{start // CHUNK:05d}-{len(texts)}.npy"
        if path.is_file():
            chunks.append(np.load(path))
            continue
        vectors = encoder().sentence_vectors(texts[start:start + CHUNK]).astype(np.float16)
        partial = path.with_suffix(".part.npy")
        np.save(partial, vectors)
        partial.replace(path)
        chunks.append(vectors)
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, 384), np.float32)


def check_editor(model) -> None:
    from baselines import Editor

    cfg = getattr(model, "cfg", None)
    if not isinstance(model, Editor) or cfg.text == "words" or not cfg.attribute_values:
        raise ValueError("a parser is given to an editor (edit_film / edit_tirg) that reads raw text (text 'subword' "
                         "or 'minilm') and names the change asked for (attribute_values); train one with "
                         "python -m benchmark train --model edit_film")
    if cfg.parser:
        raise ValueError("this editor already has a parser; give the parser to the run it was made from")


def best_phrases(model, seed: int, candidates: int) -> list[str]:
    """Per class, of ``candidates`` plain phrasings (``plain_request``: no old value, no typos, and here
    no gendered word), the one the editor's auxiliary head reads as that class most surely."""
    labels = [(n, v) for n in ATTRIBUTE_NAMES for v in attribute(n).values]
    phrases = []
    for k, (name, value) in enumerate(labels):
        if len(attribute(name).values) < 2:           # an attribute of one value (the nose) is never changed
            phrases.append("")
            continue
        texts = [plain_request(seeded_rng(f"restate-phrase/{k}", seed, j), name, value) for j in range(candidates)]
        texts = [t for t in texts if not set(words(t)) & GENDERED] or texts     # the demo shows it for anyone
        with torch.no_grad():
            own = torch.softmax(model.aux(model.text(*model.encode_written(texts))).float(), dim=1)[:, k]
        phrases.append(texts[int(own.argmax())])
    return phrases


def train_parser(run: str | Path, out: str | Path, instructions: int = INSTRUCTIONS, epochs: int = 10,
                 seed: int | None = None,
                 candidates: int = 12, lr: float = 3e-3, restate: str = "unseen", root=None,
                 progress: bool = True) -> dict:
    """Write ``out`` (``config.json``, ``metrics.jsonl``, ``best.pt``): the editor of ``run`` with a
    parser; returns the validation report (parse accuracy of the head alone, the parser alone, both).
    ``seed`` (the simulated instructions, the phrases, the parser's start) defaults to the editor's."""
    import aimi
    from baselines import Editor

    from ..pretrained import resolve_run
    from .batches import held_out_specs
    from .rendered import RenderedPairs

    run, out = resolve_run(run), Path(out)
    if runs.best_path(out).is_file():
        raise ValueError(f"{out} already holds a model; choose another --out")
    model, payload = load_model(runs.best_path(run))
    check_editor(model)
    seed = int(payload.get("train_config", {}).get("seed", 0)) if seed is None else seed
    started = time.perf_counter()
    train_set, val_set = (aimi.AIMI(root, split, model.cfg.size, progress=False) for split in ("train", "val"))
    writer = RenderedPairs(model.cfg.size, train_set.vocabulary, 1.0, exclude=held_out_specs(root, model.cfg.size))
    described = [writer.described(seed, i) for i in tqdm(range(instructions), desc="simulated instructions",
                                                         disable=not progress or instructions < 10_000)]
    texts = [r["instruction"] for r in train_set.rows] + [text for text, *_ in described]
    labels = torch.as_tensor(class_labels([(r["attribute"], r["to_value"]) for r in train_set.rows]
                                          + [(name, value) for _, name, value, _ in described]))
    unique = sorted(set(texts))
    position = {t: k for k, t in enumerate(unique)}
    vectors = torch.as_tensor(sentence_vectors(unique, out / "parser-vectors", progress))
    rows = torch.as_tensor([position[t] for t in texts])

    torch.manual_seed(seed)
    known = tuple(w for w in train_set.vocabulary if not w.startswith("<"))      # the triplets' words
    cfg = replace(model.cfg, parser=True, phrases=tuple(best_phrases(model, seed, candidates)), restate=restate,
                  known_words=known)
    parsed = Editor(cfg)
    missing, unexpected = parsed.load_state_dict(model.state_dict(), strict=False)
    if unexpected or any(not k.startswith("parser.") for k in missing):
        raise RuntimeError(f"the editor's weights do not fit its config: {missing}, {unexpected}")
    opt = torch.optim.Adam(parsed.parser.parameters(), lr=lr)
    for _ in tqdm(range(epochs), desc="parser epochs", disable=not progress):
        for batch in torch.randperm(len(texts)).split(256):
            loss = F.cross_entropy(parsed.parser(vectors[rows[batch]]), labels[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    parsed.eval()
    report = parse_report(parsed, val_set.rows)
    seconds = time.perf_counter() - started
    editor_seconds = runs.training_seconds(run)          # None where the run kept no metrics (shipped weights)
    description = {**(runs.read_config(run) if runs.config_path(run).is_file() else {}), "model": payload["model"],
                   "model_config": cfg.to_dict(),
                   "parser": {"from_run": str(run), "from_checkpoint": sha256_file(runs.best_path(run)),
                              "instructions": instructions, "epochs": epochs, "seed": seed, "lr": lr,
                              "candidates": candidates, "restate": restate, "seconds": round(seconds, 1),
                              "git": runs.git_state(),
                              "editor_seconds": editor_seconds and round(editor_seconds, 1), "val": report}}
    description["data"] = {**description.get("data", {}), "training_data": "paper+rendered"}
    out.mkdir(parents=True, exist_ok=True)
    write_json(runs.config_path(out), description)
    write_atomic(runs.metrics_path(out), json.dumps({"phase": payload["phase"], "losses": {}, "val": report,
                                                     "seconds": round((editor_seconds or 0.0) + seconds, 3)}) + "\n")
    save_checkpoint(runs.best_path(out), {**{k: v for k, v in payload.items() if k not in ("opt_g", "opt_d")},
                                          "model_config": cfg.to_dict(), "state": parsed.state_dict(),
                                          "data": description["data"], "parser": description["parser"]})
    shutil.rmtree(out / "parser-vectors", ignore_errors=True)
    return {"run": str(out), **report, "seconds": round(seconds, 1)}


def parse_report(model, rows) -> dict:
    """Share of ``rows`` (a split's) whose change is named by the auxiliary head alone, the parser alone
    and both (the restating rule's reading)."""
    texts = [r["instruction"] for r in rows]
    truth = torch.as_tensor(class_labels([(r["attribute"], r["to_value"]) for r in rows]))
    with torch.no_grad():
        tokens, lengths = model.encode_written(texts)
        own = torch.softmax(model.aux(model.text(tokens, lengths)).float(), dim=1)
        parsed = model.parser.probabilities(texts)
    share = lambda p: round(float((p.argmax(1) == truth).float().mean()), 4)  # noqa: E731
    return {"parse_acc_head_val": share(own), "parse_acc_parser_val": share(parsed),
            "parse_acc_val": share((own + parsed) / 2), "items": len(rows)}


__all__ = ["CHUNK", "GENDERED", "INSTRUCTIONS", "best_phrases", "check_editor", "parse_report", "sentence_vectors", "train_parser"]
