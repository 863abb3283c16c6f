"""Export a collection batch for crowd workers: items, attention checks, images, batches, manifest.

Input: a pairs folder made by ``python -m collection pairs`` (its ``pairs.jsonl``; the images
workers see are rendered from the specs at ``display_size``, 256 px by default). Output folder::

    images/<token>.png          the avatars, under opaque names (a worker cannot tell a check item
                                from its URL); referenced as <image-base-url>/<token>.png
    items.jsonl                 the private key: item id -> kind (pair, gold, distractor), pair,
                                attribute, values. Not for upload.
    mturk/       batch-001.csv ... + template.html      (see platforms/mturk.py)
    labelstudio/ tasks-001.json ... + config.xml         (see platforms/labelstudio.py)
    appen/       job-001.csv ... + template.cml          (see platforms/appen.py)
    manifest.json               seed, options, counts, code version, SHA-256 of every file

Attention checks: *distractors* are no-change pairs (the source shown twice), whose right answer
is "no difference"; *gold* items repeat a pair whose change is checked strictly at cleaning (and,
on Appen, are `_golden` rows). Each batch holds its share of distractors and every gold item.
Assignments per item and the per-worker cap are platform settings: they are written into the
manifest (and applied again at cleaning), not into the CSV.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


from ..version import __version__
from ..attributes import AvatarSpec, seeded_rng
from ..render.compose import check_size
from ..render.raster import png_bytes, render
from ..files import write_atomic, write_json
from ..pairs import read_pair_records
from .lexicon import VALUES
from .platforms import PLATFORMS as PLATFORM_MODULES
from .task import instruction_task

PLATFORMS = ("mturk", "labelstudio", "appen")
TASK_TEXT = ("The avatar on the right was made from the avatar on the left by changing one thing. "
             "Write the instruction you would give an artist to turn the left avatar into the right "
             "one. If you see no difference, write \"no difference\".")
EXAMPLE = "Give her round glasses."


class ExportError(ValueError):
    """An export that cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class ExportOptions:
    platforms: tuple[str, ...] = PLATFORMS
    image_base_url: str = "https://example.org/aimi"
    assignments: int = 3          # answers wanted per item (a platform setting, recorded)
    max_per_worker: int | None = None  # per-worker cap (a platform setting, re-applied at cleaning)
    gold: int = 0                 # gold items, repeated in every batch
    distractors: int = 0          # no-change pairs, spread over the batches
    batch_size: int | None = None  # pairs and distractors per batch (gold on top); None = one batch
    min_length: int = 10          # characters an instruction needs
    display_size: int = 256       # pixels of the images workers see (rendered from the specs)
    seed: int = 0
    task_text: str = TASK_TEXT
    example: str = EXAMPLE

    def __post_init__(self) -> None:
        unknown = [p for p in self.platforms if p not in PLATFORMS]
        if unknown or not self.platforms:
            raise ExportError(f"unknown platform(s) {unknown or '(none)'}; valid: {', '.join(PLATFORMS)}")
        url = self.image_base_url
        local = url.startswith(("http://127.0.0.1", "http://localhost"))
        if not (url.startswith("https://") or local):
            raise ExportError(f"--image-base-url must be an https:// URL (crowd pages load images over "
                              f"HTTPS; http://127.0.0.1 is allowed for local tests), got {url!r}")
        for name in ("assignments", "min_length"):
            if getattr(self, name) < 1:
                raise ExportError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("gold", "distractors"):
            if getattr(self, name) < 0:
                raise ExportError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.max_per_worker is not None and self.max_per_worker < 1:
            raise ExportError(f"max_per_worker must be >= 1, got {self.max_per_worker}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ExportError(f"batch_size must be >= 1, got {self.batch_size}")
        check_size(self.display_size)


@dataclass(frozen=True)
class Item:
    """One thing a worker answers. ``item_id`` is what the platform sees (column ``pair_id``)."""

    item_id: str
    kind: str  # "pair", "gold" or "distractor"
    pair_id: str
    attribute: str | None
    from_value: str | None
    to_value: str | None
    source_url: str = ""
    target_url: str = ""
    batch: int = 0
    extra: dict = field(default_factory=dict)

    def row(self) -> dict[str, str]:
        """The columns a platform receives (never the kind or the answer); gold items also carry
        Appen's gold cells (the lexicon's key words a right answer uses, and the reason shown)."""
        row = {"pair_id": self.item_id, "source_url": self.source_url, "target_url": self.target_url}
        if self.kind == "gold":
            names, keys = VALUES[self.attribute][self.to_value]
            row.update({"_golden": "TRUE", "instruction_gold": ", ".join(keys),
                        "instruction_gold_reason": f"The {self.attribute.replace('_', ' ')} changed to {names[0]}."})
        return row


def load_pairs(pairs_dir: str | Path) -> list[dict]:
    """The records of ``pairs.jsonl`` in a pairs folder, checked."""
    path = Path(pairs_dir) / "pairs.jsonl"
    if not path.exists():
        raise ExportError(f"{path} not found: make pairs first (python -m collection pairs --out {pairs_dir})")
    try:
        records = read_pair_records(path)
    except ValueError as e:
        raise ExportError(str(e)) from None
    for line_no, record in enumerate(records, start=1):
        try:
            record["source_spec"] = AvatarSpec.from_dict(record["source"])
            record["target_spec"] = AvatarSpec.from_dict(record["target"])
        except (KeyError, TypeError, ValueError) as e:
            raise ExportError(f"{path}, line {line_no}: not a pair record ({type(e).__name__}: {e})") from None
    if not records:
        raise ExportError(f"{path} holds no pairs")
    return records


def _token(seed: int, *parts: str) -> str:
    return hashlib.sha256("/".join(("aimi-export", str(seed), *parts)).encode()).hexdigest()[:16]


def plan_items(records: list[dict], options: ExportOptions) -> list[list[Item]]:
    """The batches: pairs in file order, distractors at seeded places, gold items in every batch."""
    rng = seeded_rng("export", options.seed, 0)
    if options.gold > len(records) or options.distractors > len(records):
        raise ExportError(f"asked for {options.gold} gold and {options.distractors} distractor items "
                          f"from {len(records)} pairs; use at most {len(records)} of each")
    order = list(range(len(records)))
    picks = sorted(order, key=lambda _: rng.random())
    gold_idx, distractor_idx = picks[:options.gold], picks[len(picks) - options.distractors:]
    s = options.seed

    def item(kind: str, i: int) -> Item:
        r = records[i]
        if kind == "pair":
            item_id = r["pair_id"]
        else:
            item_id = _token(s, kind, r["pair_id"])
        changed = kind != "distractor"
        return Item(item_id, kind, r["pair_id"], r["attribute"] if changed else None,
                    r["from_value"] if changed else None, r["to_value"] if changed else None,
                    extra={"index": i})

    work = [item("pair", i) for i in order]
    for i in distractor_idx:
        work.insert(int(rng.random() * (len(work) + 1)), item("distractor", i))
    size = options.batch_size or len(work)
    batches = [work[k:k + size] for k in range(0, len(work), size)]
    gold = [item("gold", i) for i in gold_idx]
    out = []
    for b, batch in enumerate(batches, start=1):
        batch = list(batch)
        for g in gold:
            batch.insert(int(rng.random() * (len(batch) + 1)), g)
        out.append([Item(**{**asdict(it), "batch": b}) for it in batch])
    return out


def _with_images(batches: list[list[Item]], records: list[dict], out: Path,
                 options: ExportOptions) -> list[list[Item]]:
    """Render each item's two images at the display size and give the items their URLs."""
    base = options.image_base_url.rstrip("/")
    written: set[str] = set()
    result = []
    for batch in batches:
        placed = []
        for it in batch:
            r = records[it.extra["index"]]
            sides = (("source", r["source_spec"]),
                     ("target", r["source_spec"] if it.kind == "distractor" else r["target_spec"]))
            urls = {}
            for side, spec in sides:
                token = _token(options.seed, "image", it.item_id, side)
                if token not in written:
                    write_atomic(out / "images" / f"{token}.png", png_bytes(render(spec, options.display_size)))
                    written.add(token)
                urls[side] = f"{base}/{token}.png"
            placed.append(Item(**{**asdict(it), "source_url": urls["source"], "target_url": urls["target"]}))
        result.append(placed)
    return result


def export_batch(pairs_dir: str | Path, out: str | Path, options: ExportOptions) -> dict:
    """Write the export described in the module docstring; returns the manifest."""
    out = Path(out)
    records = load_pairs(pairs_dir)
    batches = _with_images(plan_items(records, options), records, out, options)
    items = [it for batch in batches for it in batch]
    key = "".join(json.dumps({k: v for k, v in asdict(it).items() if k != "extra"}) + "\n" for it in items)
    write_atomic(out / "items.jsonl", key)
    task = instruction_task(options.task_text, options.example, options.min_length)
    for platform in options.platforms:
        PLATFORM_MODULES[platform].write_batches(task, [[it.row() for it in batch] for batch in batches], out / platform)
    files = {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(out.rglob("*")) if p.is_file() and p.name != "manifest.json"}
    kinds = [it.kind for it in items]
    manifest = {
        "code_version": __version__,
        "pairs": str(Path(pairs_dir)),
        "pairs_sha256": hashlib.sha256((Path(pairs_dir) / "pairs.jsonl").read_bytes()).hexdigest(),
        "seed": options.seed,
        "options": {**asdict(options), "platforms": list(options.platforms)},
        "counts": {"pairs": len(records), "items": len(items), "batches": len(batches),
                   "gold": kinds.count("gold"), "distractors": kinds.count("distractor"),
                   "answers_wanted": len(items) * options.assignments},
        "files": files,
    }
    write_json(out / "manifest.json", manifest)
    return manifest
