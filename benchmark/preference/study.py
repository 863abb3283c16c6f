"""The five-grade A/B preference study of the paper (section 4), through the crowd platforms.

    export_study(run_a, run_b, out, image_base_url)   pages and batches for MTurk, Label Studio, Appen
    simulate_study(out, platform)                      SIMULATED raters answer in that platform's format
    collect_study(out, result_files)                   ingest, restore the order, analyse -> study.json

Each test item is shown twice (model_a as A, then as B), each presentation to ``ratings`` raters,
at most ``max_per_worker`` presentations per rater (extra ratings are dropped and counted). Images
have opaque names: neither a URL nor a presentation id tells which model is which. ``key.jsonl``
(private, never uploaded) maps presentations back to items and orders.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from collection.files import sha256_file, write_atomic, write_json
from collection.crowd.ingest import read_results
from collection.crowd.platforms import PLATFORMS as PLATFORM_MODULES
from collection.crowd.task import Image, Task
from collection.render.raster import png_bytes
from collection.safety import data_csv

from ..runs import read_items, read_outputs, run_model
from .analysis import analyse

COLUMNS = ("presentation_id", "source_url", "a_url", "b_url", "instruction")
GRADES = ("1: A is much better than B", "2: A is better than B", "3: the results are comparable",
          "4: B is better than A", "5: B is much better than A")
TASK = Task(name="preference", title="Which edited avatar is better?",
            text=("An avatar (left) and an instruction were given to two programs, A and B. Which result follows "
                  "the instruction better while keeping the rest of the avatar?"),
            item="presentation_id", answer="grade",
            images=(Image("source_url", "Before", "the avatar before"), Image("a_url", "A", "result A"),
                    Image("b_url", "B", "result B")),
            columns=COLUMNS, grades=GRADES, quote="instruction",
            description="Compare two edits of an avatar", keywords="avatar,image,comparison")
PLATFORMS = ("mturk", "labelstudio", "appen")


@dataclass
class StudyOptions:
    split: str = "test"
    ratings: int = 3              # raters per presentation (paper: 3)
    max_per_worker: int = 10      # presentations per rater (paper: up to 10)
    display_size: int = 192       # px of the pictures on the page
    seed: int = 0
    limit: int = 0                # 0: every evaluated item


def _opaque(seed: int, *parts) -> str:
    return hashlib.sha256("/".join(map(str, (seed, *parts))).encode()).hexdigest()[:16]


def _upscale(image: np.ndarray, size: int) -> np.ndarray:
    factor = max(1, size // image.shape[0])
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def export_study(run_a: str | Path, run_b: str | Path, out: str | Path, image_base_url: str,
                 options: StudyOptions | None = None, root: str | Path | None = None) -> dict:
    """Write the study's images, the three platforms' batches, ``key.jsonl`` and ``manifest.json``
    into ``out`` from two evaluated runs (``outputs-<split>.npz``); returns the manifest."""
    import aimi

    options = options or StudyOptions()
    if not image_base_url.startswith("https://"):
        raise ValueError("image_base_url must be an https:// URL where the images/ folder will be served")
    runs = [Path(run_a), Path(run_b)]
    outputs, models = [], []
    for run in runs:
        outputs.append(read_outputs(run, options.split))
        models.append(run_model(run))
    if not np.array_equal(outputs[0]["id"], outputs[1]["id"]):
        raise ValueError(f"{run_a} and {run_b} were evaluated on different items")
    size = outputs[0]["output"].shape[1]
    dataset = aimi.AIMI(root, options.split, size, progress=False)
    count = len(dataset) if not options.limit else min(options.limit, len(dataset))
    data = dataset.__getitems__(list(range(count)))
    out = Path(out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    base = image_base_url.rstrip("/")
    rows, key = [], []
    for i in range(count):
        names = {}
        for role, image in (("source", data["source"][i]), ("a", outputs[0]["output"][i]), ("b", outputs[1]["output"][i])):
            names[role] = _opaque(options.seed, "image", data["id"][i], role) + ".png"
            write_atomic(out / "images" / names[role], png_bytes(_upscale(image, options.display_size)), durable=False)
        for order in ("forward", "reversed"):
            shown = ("a", "b") if order == "forward" else ("b", "a")
            pid = _opaque(options.seed, "presentation", data["id"][i], order)
            rows.append({"presentation_id": pid, "source_url": f"{base}/images/{names['source']}",
                         "a_url": f"{base}/images/{names[shown[0]]}", "b_url": f"{base}/images/{names[shown[1]]}",
                         "instruction": data["instruction"][i]})
            key.append({"presentation_id": pid, "item": data["id"][i], "pair_id": data["pair_id"][i], "order": order,
                        "shown_as_a": models[0] if order == "forward" else models[1],
                        "shown_as_b": models[1] if order == "forward" else models[0]})
    order = random.Random(options.seed).sample(range(len(rows)), len(rows))   # no item's two orders side by side
    rows = [rows[k] for k in order]
    for platform in PLATFORMS:
        (out / platform).mkdir(exist_ok=True)
    for platform in PLATFORMS:
        PLATFORM_MODULES[platform].write_batches(TASK, [rows], out / platform)
    write_atomic(out / "key.jsonl", "".join(json.dumps(k, sort_keys=True) + "\n" for k in key))
    files = sorted([*(p for platform in PLATFORMS for p in (out / platform).iterdir() if p.is_file()), out / "key.jsonl"])
    manifest = {"kind": "preference-export", "model_a": models[0], "model_b": models[1],
                "runs": [str(r) for r in runs], "items": count, "presentations": len(rows),
                "options": asdict(options), "image_base_url": base,
                "platform_settings": {"assignments_per_presentation": options.ratings,
                                      "max_presentations_per_worker": options.max_per_worker},
                "files": {str(p.relative_to(out)): sha256_file(p) for p in files}}
    write_json(out / "manifest.json", manifest)
    return manifest


def _key(folder: Path) -> dict[str, dict]:
    path = folder / "key.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; make the study with `python -m benchmark study export`")
    return {row["presentation_id"]: row for row in map(json.loads, path.read_text().splitlines())}


def simulate_study(folder: str | Path, platform: str = "appen", seed: int = 0, raters: int = 0) -> Path:
    """Answer the exported study with a seeded panel of SIMULATED raters, in ``platform``'s own
    results format, every row marked simulated. A rater's judgement is grounded in the pictures:
    the difference of the two outputs' squared error to the edit the instruction asked for (the
    target), scaled, plus the rater's own noise and a lean toward picture A (position bias)."""
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}; valid: {', '.join(PLATFORMS)}")
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    key = _key(folder)
    options = StudyOptions(**manifest["options"])
    runs = [Path(r) for r in manifest["runs"]]
    # each output's squared error to the target, as evaluate scored it (items-<split>.jsonl)
    error = {m: {row["id"]: row["mse"] for row in read_items(r, options.split)}
             for m, r in zip((manifest["model_a"], manifest["model_b"]), runs)}
    rng = random.Random(seed)
    presentations = list(key)
    needed = len(presentations) * options.ratings
    size_panel = raters or max(options.ratings + 1, -(-needed // options.max_per_worker) + 5)
    panel = [{"id": f"sim-{k:03d}", "noise": rng.uniform(0.4, 1.0), "lean": rng.gauss(0.15, 0.15),
              "gain": rng.uniform(0.7, 1.3), "done": 0} for k in range(size_panel)]
    start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    answers = []
    for number, pid in enumerate(presentations):
        row = key[pid]
        free = [r for r in panel if r["done"] < options.max_per_worker]
        if len(free) < options.ratings:
            raise ValueError("the simulated panel is too small for this study; pass more raters")
        item = row["item"]
        # positive: B is closer to what was asked; 0.01 MSE apart is one grade step
        evidence = (error[row["shown_as_a"]][item] - error[row["shown_as_b"]][item]) / 0.01
        for rater in rng.sample(free, options.ratings):
            latent = rater["gain"] * evidence - rater["lean"] + rng.gauss(0, rater["noise"])
            grade = 3 + int(np.clip(np.round(latent), -2, 2))
            rater["done"] += 1
            submitted = start + timedelta(seconds=37 * number + rng.randint(0, 30))
            answers.append({"presentation_id": pid, "worker": rater["id"], "answer": str(grade), "submit": submitted,
                            "seconds": round(rng.lognormvariate(3.0, 0.4), 1),
                            "assignment": _opaque(seed, "assignment", pid, rater["id"])})
    module = PLATFORM_MODULES[platform]
    inputs = module.read_batches(folder / platform, TASK)
    for answer in answers:
        answer["inputs"] = inputs[answer["presentation_id"]]
    out = folder / "results"
    out.mkdir(exist_ok=True)
    path = out / module.RESULTS
    write_atomic(path, module.simulated_results(TASK, answers))
    return path


def collect_study(folder: str | Path, result_files, out: str | Path | None = None, salt: str = "aimi-study") -> dict:
    """Ingest ``result_files`` (any supported platform), join the private key, drop unreadable
    grades and ratings over the per-worker limit (counted), restore the order and analyse. Writes
    ``study.json`` and ``ratings.csv`` (worker ids hashed with ``salt``) next to the export."""
    folder = Path(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    key = _key(folder)
    limit = manifest["platform_settings"]["max_presentations_per_worker"]
    judgments = read_results(result_files, TASK.fields)
    ratings, dropped, per_worker = [], {"unknown_presentation": 0, "bad_grade": 0, "over_worker_limit": 0}, {}
    for j in judgments:                       # read_results orders by submit time: a rater's first ones count
        row = key.get(j.item_id)
        if row is None:
            dropped["unknown_presentation"] += 1
            continue
        if j.answer.strip() not in ("1", "2", "3", "4", "5"):
            dropped["bad_grade"] += 1
            continue
        per_worker[j.worker_id] = per_worker.get(j.worker_id, 0) + 1
        if per_worker[j.worker_id] > limit:
            dropped["over_worker_limit"] += 1
            continue
        worker = hashlib.sha256(f"{salt}/{j.worker_id}".encode()).hexdigest()[:12]
        ratings.append({"item": row["item"], "order": row["order"], "worker": worker,
                        "grade_shown": int(j.answer.strip()), "simulated": j.simulated,
                        "platform": j.platform})
    study = analyse(ratings, manifest["model_a"], manifest["model_b"])
    study.update(dropped=dropped, platforms=sorted({r["platform"] for r in ratings}),
                 runs=manifest["runs"], note=("SIMULATED raters: not human judgements" if study["simulated"] else ""))
    columns = ("item", "order", "worker", "grade_shown", "simulated", "platform")
    write_atomic(folder / "ratings.csv", data_csv(columns, ([str(r[c]) for c in columns] for r in ratings)))
    write_json(Path(out) if out else folder / "study.json", study)
    return study
