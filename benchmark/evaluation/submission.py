"""Anybody's outputs, scored: read a submission, check it whole, and score it with the one
evaluator (``score.score_outputs``), as ``evaluate`` scores a checkpoint's predictions.

    python -m benchmark score SUBMISSION --split test [--size 64] --out results-test.json

A submission is either
- a folder with one RGB PNG per id of the split (``<id>.png``), optionally a keep-mask per id
  (``<id>.mask.png``, 8-bit gray, 255 = keep the source; for ``mask_iou``; all ids or none) and
  a ``model.json`` (``name``, ``track``: the training data it declares, ``url``, ``description``);
  hidden files (a leading dot) are ignored, anything else is refused; or
- one ``.npz`` (loaded without pickle) with ``ids`` (N,) strings and ``images`` (N, S, S, 3)
  uint8, optionally ``masks`` (N, S, S) uint8; ``evaluate``'s own ``outputs-<split>.npz``
  (``id``, ``output``, ``mask``) is accepted as the same thing.

Images: PNG only (lossless). 8-bit RGB as is; gray is repeated into R, G and B; a palette is
expanded; an alpha channel is accepted only when every pixel is opaque (a transparent pixel has no
colour to score: flatten it onto the background you mean); 16-bit PNGs are refused (save 8 bits per
channel). The header is read before any pixel is decoded: a side over ``MAX_SIDE`` or more than
``MAX_PIXELS`` pixels is refused (a decompression bomb). Another size than the evaluation's is
resized with one filter, ``PIL.Image.BOX`` (the area average: exact for integer downscales, pixel
repetition for upscales), and the result records ``resized_from``. Every problem is one
``SubmissionError`` line naming the file and the fix, raised before anything is written.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np

from .. import runs
from .score import score_outputs, write_scored
from .stats import RESAMPLES

MAX_SIDE = 4096
MAX_PIXELS = 4096 * 4096
MAX_NPZ_BYTES = 1 << 30                # what an .npz may unpack to
SHOW = 5                               # ids named in a message before "and N more"
MODEL_KEYS = ("name", "track", "url", "description")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {0: "gray", 2: "RGB", 3: "palette", 4: "gray+alpha", 6: "RGBA"}


class SubmissionError(ValueError):
    """A submission that cannot be scored; the message names the file and the fix."""


def _listed(ids) -> str:
    ids = sorted(ids)
    more = f" and {len(ids) - SHOW} more" if len(ids) > SHOW else ""
    return ", ".join(ids[:SHOW]) + more


def png_header(data: bytes, name: str) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR, before any pixel is decoded."""
    if not data.startswith(PNG_SIGNATURE) or len(data) < 33 or data[12:16] != b"IHDR":
        raise SubmissionError(f"{name} is not a PNG image; save every output as PNG (lossless)")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise SubmissionError(f"{name} declares {width}x{height} pixels, over the limit of {MAX_SIDE} a side and "
                              f"{MAX_PIXELS} in all (a decompression bomb?); save it at the evaluation size")
    if depth == 16:
        raise SubmissionError(f"{name} is a 16-bit PNG; save it with 8 bits per channel")
    if colour not in COLOUR_TYPES:
        raise SubmissionError(f"{name} has PNG colour type {colour}, which is not valid PNG; save it again as RGB")
    return width, height, depth, colour


def decode_png(data: bytes, name: str, size: int, mask: bool = False) -> tuple[np.ndarray, int]:
    """(S, S, 3) uint8 (or (S, S) for a mask) at ``size``, and the side it came at."""
    from PIL import Image

    width, height, _, colour = png_header(data, name)
    if width != height:
        raise SubmissionError(f"{name} is {width}x{height}; outputs are square, save it at {size}x{size}")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception as e:   # PIL raises OSError, SyntaxError, ValueError... for broken files
        raise SubmissionError(f"{name} could not be decoded ({type(e).__name__}: {e}); is it truncated? "
                              "write it again") from None
    if mask:
        if image.mode not in ("L", "1", "P"):
            raise SubmissionError(f"{name} is a {image.mode} mask; save keep-masks as 8-bit gray PNG "
                                  "(255 = keep the source)")
        image = image.convert("L")
    else:
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            alpha = np.asarray(image.convert("RGBA"))[..., 3]
            if (alpha < 255).any():
                raise SubmissionError(f"{name} has {int((alpha < 255).sum())} transparent pixels; flatten it "
                                      "onto the background you mean and save it as RGB")
        image = image.convert("RGB")
    array = np.asarray(image, dtype=np.uint8)
    return (array if width == size else _resize(array, size)), width


def _inside(path: Path, folder: Path, name: str) -> None:
    if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
        raise SubmissionError(f"{name} is a link to {path.resolve()}, outside the submission; copy the file in")


def _check_ids(given: list[str], expected: list[str], other_splits: dict[str, set], where: str) -> None:
    given_set, expected_set = set(given), set(expected)
    extra, missing = given_set - expected_set, expected_set - given_set
    if extra and missing:
        for split, ids in other_splits().items():
            if given_set <= ids:
                raise SubmissionError(f"{where} holds the ids of the {split} split, not this one; score it with "
                                      f"--split {split} or submit the outputs of this split's inputs pack")
    if extra:
        raise SubmissionError(f"{where}: {len(extra)} ids that are not in the split ({_listed(extra)}); "
                              "remove them, the inputs pack lists the ids to answer")
    if missing:
        raise SubmissionError(f"{where}: {len(missing)} of {len(expected)} ids have no output ({_listed(missing)}); "
                              "an output is needed for every id of the inputs pack")


def read_folder(folder: Path, expected: list[str], size: int, other_splits: dict) -> dict:
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    if not files:
        raise SubmissionError(f"{folder} is empty; put one <id>.png per id of the inputs pack in it")
    images, masks, model, unexpected = {}, {}, None, []
    for path in files:
        if path.name == "model.json":
            model = path
        elif path.name.endswith(".mask.png") and path.is_file():
            masks[path.name[:-len(".mask.png")]] = path
        elif path.suffix == ".png" and path.is_file():
            images[path.stem] = path
        else:
            unexpected.append(path.name)
    if unexpected:
        raise SubmissionError(f"{folder}: unexpected {_listed(unexpected)}; a submission holds only <id>.png, "
                              "<id>.mask.png and model.json")
    _check_ids(list(images), expected, other_splits, str(folder))
    if masks and set(masks) != set(images):
        raise SubmissionError(f"{folder}: masks for {len(masks)} of {len(images)} ids "
                              f"(none for {_listed(set(images) - set(masks))}); give a mask for every id or none")
    digest, outputs, keep, sides = hashlib.sha256(), [], [], set()
    for i in expected:
        for kind, path in (("image", images[i]), *((("mask", masks[i]),) if masks else ())):
            _inside(path, folder, path.name)
            data = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(data).digest())
            array, side = decode_png(data, path.name, size, mask=kind == "mask")
            (outputs if kind == "image" else keep).append(array)
            sides.add(side)
    about_model = read_model_json(model, folder, digest) if model else {}
    return {"outputs": np.stack(outputs), "masks": np.stack(keep) if masks else None, "model": about_model,
            "format": "png-folder", "sha256": digest.hexdigest(), "sides": sorted(sides)}


def read_model_json(path: Path, folder: Path, digest) -> dict:
    _inside(path, folder, path.name)
    data = path.read_bytes()
    digest.update(b"model.json\0" + hashlib.sha256(data).digest())
    try:
        about = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SubmissionError(f"{path} is not JSON ({e}); write {{\"name\": ..., \"track\": ...}} or leave it out")
    if not isinstance(about, dict) or not all(isinstance(v, str) for v in about.values()):
        raise SubmissionError(f"{path} must be an object of strings with keys among {', '.join(MODEL_KEYS)}")
    unknown = sorted(set(about) - set(MODEL_KEYS))
    if unknown:
        raise SubmissionError(f"{path} has unknown keys {unknown}; use {', '.join(MODEL_KEYS)}")
    return about


def _npz_bytes(path: Path) -> bytes:
    """The file's bytes, refused before any array is decompressed when its arrays would unpack to
    more than ``MAX_NPZ_BYTES`` (a zip bomb)."""
    data = path.read_bytes()
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise SubmissionError(f"{path} could not be read as .npz without pickle ({e}); save it with "
                              "np.savez(path, ids=np.array(ids), images=uint8_array)") from None
    if unpacked > MAX_NPZ_BYTES:
        raise SubmissionError(f"{path} unpacks to {unpacked:,} bytes, over the limit of {MAX_NPZ_BYTES:,}; "
                              "save the images at the evaluation size")
    return data


def npz_arrays(path: Path) -> tuple[bytes, dict[str, np.ndarray]]:
    """(the file's bytes, its arrays), loaded without pickle after ``_npz_bytes``'s size check;
    one ``SubmissionError`` line when it is not a readable .npz."""
    data = _npz_bytes(path)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            return data, {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise SubmissionError(f"{path} could not be read as .npz without pickle ({e}); save it with "
                              "np.savez(path, ids=np.array(ids), images=uint8_array)") from None


def check_npz_ids(path: Path, ids: np.ndarray, fix: str) -> None:
    """``ids`` must be a 1-d array of distinct strings; ``fix`` ends the duplicates' message."""
    if ids.dtype.kind != "U" or ids.ndim != 1:
        raise SubmissionError(f"{path}: 'ids' must be a 1-d array of strings, got {ids.dtype} {ids.shape}")
    duplicated = {i for i, count in Counter(ids.tolist()).items() if count > 1}
    if duplicated:
        raise SubmissionError(f"{path}: {len(duplicated)} ids appear twice or more ({_listed(duplicated)}); {fix}")


def read_npz(path: Path, expected: list[str], size: int, other_splits: dict) -> dict:
    data, arrays = npz_arrays(path)
    ids, images = arrays.get("ids", arrays.get("id")), arrays.get("images", arrays.get("output"))
    masks = arrays.get("masks", arrays.get("mask"))
    if ids is None or images is None:
        raise SubmissionError(f"{path} holds {sorted(arrays)}; it needs 'ids' and 'images' (and may hold 'masks')")
    check_npz_ids(path, ids, "give one output per id")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        raise SubmissionError(f"{path}: 'images' holds NaN or infinite values; save uint8 values 0-255")
    if images.dtype != np.uint8:
        raise SubmissionError(f"{path}: 'images' is {images.dtype}; save uint8 values 0-255 "
                              "(e.g. (x * 255).round().clip(0, 255).astype(np.uint8))")
    if images.ndim != 4 or images.shape[3] != 3 or images.shape[1] != images.shape[2] or len(images) != len(ids):
        raise SubmissionError(f"{path}: 'images' is {images.shape}; it must be (N, S, S, 3) with N = len(ids) "
                              f"= {len(ids)}")
    if masks is not None and (masks.dtype != np.uint8 or masks.shape != images.shape[:3]):
        raise SubmissionError(f"{path}: 'masks' is {masks.dtype} {masks.shape}; it must be uint8 "
                              f"{images.shape[:3]} (255 = keep the source)")
    _check_ids(ids.tolist(), expected, other_splits, str(path))
    position = {i: k for k, i in enumerate(ids.tolist())}
    order = [position[i] for i in expected]
    images, side = images[order], images.shape[1]
    masks = None if masks is None else masks[order]
    if side != size:
        images = np.stack([_resize(x, size) for x in images])
        masks = None if masks is None else np.stack([_resize(x, size) for x in masks])
    return {"outputs": images, "masks": masks, "model": {}, "format": "npz",
            "sha256": hashlib.sha256(data).hexdigest(), "sides": [side]}


def _resize(array: np.ndarray, size: int) -> np.ndarray:
    """The one resize of a submission: PIL's BOX filter (recorded in the results)."""
    from PIL import Image

    return np.asarray(Image.fromarray(array).resize((size, size), Image.Resampling.BOX), dtype=np.uint8)


def native_size(path: Path) -> int:
    """The side of a submission's first image (the default evaluation size)."""
    if path.is_file():
        arrays = npz_arrays(path)[1]
        images = arrays.get("images", arrays.get("output"))
        if images is None or images.ndim != 4:
            raise SubmissionError(f"{path} has no 'images' of shape (N, S, S, 3); see `python -m benchmark score --help`")
        return int(images.shape[1])
    first = next((p for p in sorted(path.glob("*.png")) if not p.name.endswith(".mask.png")), None)
    if first is None:
        raise SubmissionError(f"{path} holds no <id>.png; put one PNG per id of the inputs pack in it")
    with open(first, "rb") as f:
        return png_header(f.read(33), first.name)[0]


def submission_paths(submission: str | Path, out: str | Path | None, default_stem: str,
                     what: str) -> tuple[Path, Path, str]:
    """(the submission, the folder of the results, their stem) after the checks every submission
    gets: it exists, is a folder or an ``.npz``, and ``out`` is named ``results-<stem>.json``.
    ``what``: the folder's files, for the messages."""
    path = Path(submission)
    if not path.exists():
        raise SubmissionError(f"{path} does not exist; give a folder of {what} or an .npz")
    if path.is_file() and path.suffix != ".npz":
        raise SubmissionError(f"{path} is a file but not an .npz; give a folder of {what} or an .npz")
    out = Path(out) if out else (path.parent / f"results-{default_stem}.json")
    folder, stem = out.parent, out.name.removeprefix("results-").removesuffix(".json")
    if not stem or out != runs.results_path(folder, stem):
        raise SubmissionError(f"--out must be named results-<name>.json (the leaderboard reads those), got {out.name}")
    return path, folder, stem


def check_size(size: int) -> int:
    from aimi import SIZES

    if size not in SIZES:
        raise SubmissionError(f"evaluation size {size} is not one the data comes at ({', '.join(map(str, SIZES))}); "
                              "pass --size")
    return size


def score_submission(submission: str | Path, split: str = "test", size: int | None = None,
                     out: str | Path | None = None, root=None, resamples: int = RESAMPLES) -> dict:
    """Check ``submission`` whole, score it on ``split`` at ``size`` (default: its own size) and
    write ``out`` (default ``results-<split>.json`` beside it), with ``items-`` and ``outputs-``
    files beside ``out``; returns the results (the schema of ``evaluate``)."""
    import aimi
    from aimi import SPLITS

    from .evaluate import split_specs

    path, folder, stem = submission_paths(submission, out, split, "<id>.png")
    if split not in SPLITS:
        raise SubmissionError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    size = check_size(size or native_size(path))
    dataset = aimi.AIMI(root, split, size, progress=False)
    expected = [r["id"] for r in dataset.rows]
    def others() -> dict[str, set]:
        return {s: {r["id"] for r in aimi.AIMI(root, s, size, progress=False).rows} for s in SPLITS if s != split}

    read = read_npz if path.is_file() else read_folder
    found = read(path, expected, size, others)
    arrays = dataset.__getitems__(list(range(len(expected))))
    about = submission_about(found, path, size, split, masks=found["masks"] is not None)
    results, items = score_outputs(found["outputs"], found["masks"], arrays, split_specs(dataset, len(expected)),
                                   about, resamples)
    write_scored(folder, stem, results, items, found["outputs"], found["masks"], expected)
    return results


def submission_about(found: dict, path: Path, size: int, split: str, **details) -> dict:
    """What a result says of a submission it scored (its declared model, hashes, resizing)."""
    import aimi

    model = found["model"]
    return {"model": model.get("name") or path.stem, "preset": _preset_of(size), "seed": None, "run": None,
            "split": split, "limited": False, "data_version": aimi.DATA_VERSION, "instructions": "simulated",
            "code_version": runs.versions().get("aimi"), "git": runs.git_state(),
            "training_data": model.get("track") or "undeclared", "uses_renderer_at_inference": False,
            "submission": {"format": found["format"], "sha256": found["sha256"], "size": size,
                           "resized_from": [s for s in found["sides"] if s != size] or None,
                           "resize_filter": "PIL.Image.BOX", **details, **model}}


def _preset_of(size: int) -> str:
    """A submission sits in the leaderboard beside the preset of its size (32: cpu, 64: paper)."""
    from baselines import PRESETS

    return next((name for name, p in PRESETS.items() if p.size == size and name != "smoke"), f"{size}px")


__all__ = ["MAX_PIXELS", "MAX_SIDE", "SubmissionError", "check_npz_ids", "check_size", "decode_png", "native_size",
           "npz_arrays", "png_header", "read_folder", "read_npz", "score_submission", "submission_paths"]
