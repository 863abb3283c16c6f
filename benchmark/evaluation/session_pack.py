"""Multi-turn sessions for models outside this package: an inputs pack, and the scoring of the
chains a submitter made with it, by the evaluator ``evaluate --sessions`` uses.

    python -m benchmark inputs --sessions --size 64 --out DIR
    python -m benchmark score SUBMISSION --sessions [--size 64] --out results-sessions.json

The pack: ``DIR/starts/<id>.png`` (each session's start avatar), ``DIR/sessions.jsonl`` (``id``
and ``instructions``, the turns in order), ``README.txt`` and ``manifest.json`` (SHA-256 of
every file, versions). A submission is the fed-back chain: the submitter's model edits the start
with the first instruction, then its own output with the second, and so on; it is
- a folder of ``<id>.turn-<k>.png`` (k = 1..turns) for every session, optionally ``model.json``;
- or an ``.npz`` with ``ids`` (N,) and ``images`` (N, turns, S, S, 3) uint8
  (``evaluate --sessions``'s own ``outputs-sessions.npz``, ``id`` and ``fed_back``, is accepted).
Only the fed-back variant is scored for submissions: the teacher-forced one needs the ground truth
after every turn as input, which would hand out the answers of the fed-back turns. Images follow
the rules of one-step submissions (PNG only, 8-bit, opaque, BOX resize to the evaluation size).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from collection.files import write_json

from .score import EVALUATOR_VERSION
from .sessions import STEM, score_sessions, write_sessions
from .stats import RESAMPLES
from .submission import (SubmissionError, _listed, _resize, check_npz_ids, decode_png, npz_arrays, png_header,
                         read_model_json)

README = """AIMI sessions inputs pack: {n} multi-turn sessions of {turns} turns, {size} x {size} px (data {data_version}, evaluator {evaluator}).

starts/<id>.png       the start avatar of each session (RGB)
sessions.jsonl        one {{"id", "instructions": [{turns} strings, in order]}} per line
manifest.json         the SHA-256 of every file here, and the versions

Run your model turn after turn, each turn on its OWN previous output (turn 1 on the start): that is
the interactive use the sessions measure. Then write, for every session and turn,

  submission/<id>.turn-<k>.png    k = 1..{turns}: your output after turn k (8-bit RGB PNG)
  submission/model.json           optional: {{"name": ..., "track": "what it was trained on", "url": ..., "description": ...}}

  or one .npz: np.savez("submission.npz", ids=np.array(ids), images=uint8 (N, {turns}, S, S, 3))

  python -m benchmark score submission --sessions --size {size} --out results-sessions.json

Every turn is scored against its exact ground truth: MSE, this turn's edit, all edits so far, and
the attributes never edited kept, with intervals and the identity floor. The instructions are
SIMULATED (written by a simulated crowd panel).
"""


def write_session_inputs(size: int = 64, out: str | Path = "inputs-sessions", root=None) -> dict:
    """Write the sessions inputs pack at ``size`` into ``out`` (which must not hold anything)."""
    import aimi
    from PIL import Image

    from .inputs import InputsError

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputsError(f"{out} already exists and is not an empty folder; choose a new --out or remove it")
    sessions = aimi.Sessions(root, size=size, progress=False)
    starts = sessions.arrays()["start"]
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    os.chmod(work, 0o755)
    try:
        (work / "starts").mkdir()
        files = {}
        for row, start in zip(sessions.rows, starts):
            buffer = io.BytesIO()
            Image.fromarray(np.asarray(start)).save(buffer, format="PNG")
            name = f"starts/{row['id']}.png"
            (work / name).write_bytes(buffer.getvalue())
            files[name] = hashlib.sha256(buffer.getvalue()).hexdigest()
        lines = "".join(json.dumps({"id": r["id"], "instructions": [t["instruction"] for t in r["turns"]]}) + "\n"
                        for r in sessions.rows)
        text = README.format(n=len(sessions), turns=sessions.turns, size=size, data_version=aimi.DATA_VERSION,
                             evaluator=EVALUATOR_VERSION)
        for name, content in (("sessions.jsonl", lines), ("README.txt", text)):
            (work / name).write_text(content)
            files[name] = hashlib.sha256(content.encode()).hexdigest()
        manifest = {"kind": "aimi-sessions-inputs", "split": STEM, "size": size, "n": len(sessions),
                    "turns": sessions.turns, "data_version": aimi.DATA_VERSION,
                    "evaluator_version": EVALUATOR_VERSION, "files": dict(sorted(files.items()))}
        write_json(work / "manifest.json", manifest, durable=False)
        if out.exists():
            out.rmdir()
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _check_sessions(given: list[str], expected: list[str], where: str) -> None:
    extra, missing = set(given) - set(expected), set(expected) - set(given)
    if extra:
        raise SubmissionError(f"{where}: {len(extra)} ids that are not sessions ({_listed(extra)}); the sessions "
                              "inputs pack lists the ids to answer")
    if missing:
        raise SubmissionError(f"{where}: {len(missing)} of {len(expected)} sessions have no outputs "
                              f"({_listed(missing)}); every session needs all its turns")


def read_session_folder(folder: Path, expected: list[str], turns: int, size: int) -> dict:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if not files:
        raise SubmissionError(f"{folder} is empty; put <id>.turn-<k>.png for every session and turn in it")
    found: dict[str, dict[int, Path]] = {}
    model, unexpected = None, []
    for path in files:
        stem, _, turn = path.name.removesuffix(".png").rpartition(".turn-")
        if path.name == "model.json":
            model = path
        elif path.suffix == ".png" and path.is_file() and stem and turn.isdigit() and 1 <= int(turn) <= turns:
            found.setdefault(stem, {})[int(turn)] = path
        else:
            unexpected.append(path.name)
    if unexpected:
        raise SubmissionError(f"{folder}: unexpected {_listed(unexpected)}; a sessions submission holds only "
                              f"<id>.turn-<k>.png (k = 1..{turns}) and model.json")
    _check_sessions(list(found), expected, str(folder))
    short = [i for i in expected if len(found[i]) != turns]
    if short:
        raise SubmissionError(f"{folder}: {len(short)} sessions lack turns ({_listed(short)}); write "
                              f"<id>.turn-1.png to <id>.turn-{turns}.png for each")
    digest, images, sides = hashlib.sha256(), [], set()
    for i in expected:
        chain = []
        for k in range(1, turns + 1):
            path = found[i][k]
            if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
                raise SubmissionError(f"{path.name} is a link outside the submission; copy the file in")
            data = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())
            array, side = decode_png(data, path.name, size)
            chain.append(array)
            sides.add(side)
        images.append(np.stack(chain))
    about = read_model_json(model, folder, digest) if model else {}
    return {"outputs": np.stack(images), "model": about, "format": "png-folder", "sha256": digest.hexdigest(),
            "sides": sorted(sides)}


def read_session_npz(path: Path, expected: list[str], turns: int, size: int) -> dict:
    data, arrays = npz_arrays(path)
    ids, images = arrays.get("ids", arrays.get("id")), arrays.get("images", arrays.get("fed_back"))
    if ids is None or images is None:
        raise SubmissionError(f"{path} holds {sorted(arrays)}; it needs 'ids' and 'images' (N, {turns}, S, S, 3)")
    check_npz_ids(path, ids, "one chain per session")
    if images.dtype != np.uint8:
        raise SubmissionError(f"{path}: 'images' is {images.dtype}; save uint8 values 0-255")
    if images.ndim != 5 or images.shape[1] != turns or images.shape[2] != images.shape[3] or images.shape[4] != 3 \
            or len(images) != len(ids):
        raise SubmissionError(f"{path}: 'images' is {images.shape}; it must be (N, {turns}, S, S, 3) with N = "
                              f"len(ids) = {len(ids)}")
    _check_sessions(ids.tolist(), expected, str(path))
    position = {i: k for k, i in enumerate(ids.tolist())}
    images, side = images[[position[i] for i in expected]], images.shape[2]
    if side != size:
        images = np.stack([np.stack([_resize(x, size) for x in chain]) for chain in images])
    return {"outputs": images, "model": {}, "format": "npz", "sha256": hashlib.sha256(data).hexdigest(),
            "sides": [side]}


def _native_size(path: Path) -> int:
    if path.is_file():
        arrays = npz_arrays(path)[1]
        images = arrays.get("images", arrays.get("fed_back"))
        if images is None or images.ndim != 5:
            raise SubmissionError(f"{path} has no 'images' of shape (N, turns, S, S, 3)")
        return int(images.shape[2])
    first = next((p for p in sorted(path.glob("*.turn-1.png"))), None)
    if first is None:
        raise SubmissionError(f"{path} holds no <id>.turn-1.png; write one PNG per session and turn")
    with open(first, "rb") as f:
        return png_header(f.read(33), first.name)[0]


def score_session_submission(submission: str | Path, size: int | None = None, out: str | Path | None = None,
                             root=None, resamples: int = RESAMPLES) -> dict:
    """Check a sessions submission whole, score its fed-back chains and write ``out`` (default
    ``results-sessions.json`` beside it) with ``items-`` and ``outputs-`` beside it."""
    import aimi

    from .submission import check_size, submission_about, submission_paths

    path, folder, stem = submission_paths(submission, out, STEM, "<id>.turn-<k>.png")
    size = check_size(size or _native_size(path))
    sessions = aimi.Sessions(root, size=size, progress=False)
    expected = [r["id"] for r in sessions.rows]
    read = read_session_npz if path.is_file() else read_session_folder
    found = read(path, expected, sessions.turns, size)
    arrays = sessions.arrays()
    start, truth = np.array(arrays["start"]), np.array(arrays["image"])
    about = submission_about(found, path, size, STEM)
    results, items = score_sessions({"fed_back": found["outputs"]}, sessions.rows, start, truth, about, resamples)
    write_sessions(folder, results, items, {"fed_back": found["outputs"]}, {"fed_back": None}, expected, stem)
    return results


__all__ = ["read_session_folder", "read_session_npz", "score_session_submission", "write_session_inputs"]
