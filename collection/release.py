"""Build the AIMI release: the paper's numbers, made through the real collection path.

pairs -> Appen export (the paper's platform) -> SIMULATED answers -> ingest -> clean -> exactly
``triplets`` cleaned triplets, split train/val/test (grouped by source avatar so no source is in
two splits, stratified by attribute), plus the unlabeled avatars as a seed and a count, the
vocabulary (training split only), the multi-turn sessions (data version 2: each turn described by
the same path, after the triplets, from streams of their own so the triplets' bytes do not move), a
manifest and a datasheet. The same config rebuilds byte-identical files. Output folder::

    triplets.jsonl     one object per triplet: id, split, pair fields, instruction, token ids...
    sessions.jsonl     one object per session: id, start spec, turns (attribute, values, spec,
                       instruction, token ids of the training vocabulary...)
    vocabulary.json    the token list (index = id)
    unlabeled.json     how to regenerate the unlabeled avatars (stream, seed, count)
    manifest.json      counts, SHA-256 of every file, versions, pixel hashes of a sample, simulated,
                       what each data version changed
    DATASHEET.md       how the data was made, and that the instructions are simulated
    work/              the intermediate collection (pairs, export, results, answers, clean;
                       work/sessions/ the same for the sessions' turns)
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from .version import __version__
from .attributes import AvatarSpec
from .batch import Job, run_job
from .crowd.clean import CleanConfig, clean
from .crowd.export import ExportOptions, export_batch
from .files import write_atomic, write_json
from .crowd.ingest import read_results
from .crowd.judgments import write_answers
from .render.raster import render
from .crowd.simulate import simulate
from .vocabulary import build_vocabulary, encode

DATA_VERSION = 2
TRIPLETS_VERSION = 1   # the data version whose triplets (and so image caches and archives) this one keeps
CHANGES = {
    "1": "4,296 / 230 / 230 triplets, vocabulary, 161,065 unlabeled avatars",
    "2": "adds sessions.jsonl (multi-turn sessions); triplets.jsonl, vocabulary.json and unlabeled.json "
         "are byte-identical to data version 1",
}
SPLITS = (("train", 4296), ("val", 230), ("test", 230))
SPLIT_NAMES = tuple(name for name, _ in SPLITS)


class ReleaseError(ValueError):
    """A release that cannot be built as asked, or a shipped one that is damaged; the message says
    what to change (or to reinstall)."""


@dataclass(frozen=True)
class ReleaseConfig:
    seed: int = 0
    splits: tuple[tuple[str, int], ...] = SPLITS
    unlabeled: int = 161_065
    size: int = 64
    candidates: int | None = None  # pairs to collect; default 20% more than the triplets needed
    distractors: int = 100
    panel_size: int = 120
    sessions: int = 300
    session_turns: int = 5

    @property
    def triplets(self) -> int:
        return sum(n for _, n in self.splits)


def _order(seed: int, key: str) -> str:
    return hashlib.sha256(f"aimi-release/{seed}/{key}".encode()).hexdigest()


def _quotas(counts: Counter, total: int, size: int) -> dict[str, int]:
    """Per-attribute share of a split of ``size`` proportional to ``counts`` (largest remainder)."""
    raw = {a: size * c / total for a, c in counts.items()}
    quota = {a: int(v) for a, v in raw.items()}
    for a in sorted(raw, key=lambda a: (-(raw[a] - quota[a]), a))[: size - sum(quota.values())]:
        quota[a] += 1
    return quota


def assign_splits(triplets: list[dict], config: ReleaseConfig) -> list[dict]:
    """Choose exactly ``config.triplets`` triplets and give each a split (see module docstring)."""
    if len(triplets) < config.triplets:
        raise ReleaseError(f"cleaning kept {len(triplets)} triplets, fewer than the {config.triplets} "
                           f"wanted; collect more candidate pairs (ReleaseConfig.candidates)")
    ranked = sorted(triplets, key=lambda t: _order(config.seed, t["pair_id"]))
    chosen = ranked[:config.triplets]
    groups: dict[str, list[dict]] = defaultdict(list)  # source avatar -> its triplets
    for t in chosen:
        groups[t["source_id"]].append(t)
    counts = Counter(t["attribute"] for t in chosen)
    assigned: dict[str, str] = {}
    for split, size in reversed(config.splits[1:]):  # test, then val; train takes the rest
        quota = _quotas(counts, len(chosen), size)
        taken = 0
        for source in sorted(groups, key=lambda s: _order(config.seed, split + s)):
            members = groups[source]
            if source in assigned or any(quota.get(t["attribute"], 0) <= 0 for t in members):
                continue
            if taken + len(members) > size:
                continue
            assigned[source] = split
            taken += len(members)
            for t in members:
                quota[t["attribute"]] -= 1
        if taken != size:
            raise ReleaseError(f"could not fill the {split} split ({taken} of {size}) with whole source groups")
    out = []
    for t in chosen:
        out.append({**t, "split": assigned.get(t["source_id"], config.splits[0][0])})
    return out


def build_release(out: str | Path, config: ReleaseConfig = ReleaseConfig(), progress: bool = True) -> dict:
    """Run the collection path and write the release into ``out``; returns the manifest."""
    out = Path(out)
    work = out / "work"
    candidates = config.candidates or int(config.triplets * 1.2) + 1
    pairs = work / "pairs"
    run_job(Job("pairs", seed=config.seed, count=candidates, size=config.size), pairs, progress=progress)
    first, report = describe(pairs, work, config, assignments=1)
    triplets = assign_splits(list(first.values()), config)
    train_texts = [t["instruction"] for t in triplets if t["split"] == config.splits[0][0]]
    vocabulary = build_vocabulary(train_texts)
    rows = []
    for n, t in enumerate(sorted(triplets, key=lambda t: ([s for s, _ in config.splits].index(t["split"]),
                                                        _order(config.seed, t["pair_id"])))):
        rows.append({
            "id": f"aimi-{n:05d}", "split": t["split"], "pair_id": t["pair_id"], "attribute": t["attribute"],
            "from_value": t["from_value"], "to_value": t["to_value"], "source_id": t["source_id"],
            "target_id": t["target_id"], "source": t["source"], "target": t["target"],
            "instruction": t["instruction"], "tokens": encode(t["instruction"], vocabulary),
            "worker": t["worker"], "simulated": t["simulated"]})
    write_atomic(out / "triplets.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    write_atomic(out / "vocabulary.json", json.dumps(vocabulary) + "\n")
    avoid = frozenset(r[k] for r in rows for k in ("source_id", "target_id"))
    sessions = collect_sessions(work / "sessions", config, avoid, vocabulary, progress) if config.sessions else []
    write_atomic(out / "sessions.jsonl", "".join(json.dumps(s) + "\n" for s in sessions))
    write_json(out / "unlabeled.json", {"stream": "avatar", "seed": config.seed, "count": config.unlabeled,
                                        "how": "collection.sample_spec(collection.seeded_rng('avatar', seed, i))"})
    write_atomic(out / "DATASHEET.md", _datasheet(config, rows, report, vocabulary))
    sample = [AvatarSpec.from_dict(r["source"]) for r in rows[:: max(1, len(rows) // 16)][:16]]
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(out.iterdir()) if p.is_file() and p.name != "manifest.json"}
    manifest = {
        "data_version": DATA_VERSION, "triplets_version": TRIPLETS_VERSION, "changes": CHANGES,
        "code_version": __version__, "config": asdict(config),
        "counts": {"triplets": len(rows), **{s: sum(r["split"] == s for r in rows) for s, _ in config.splits},
                   "unlabeled": config.unlabeled, "vocabulary": len(vocabulary),
                   "sessions": len(sessions), "session_turns": config.session_turns,
                   "attributes": dict(sorted(Counter(r["attribute"] for r in rows).items()))},
        "instructions_simulated": all(r["simulated"] for r in rows),
        "versions": {name: metadata.version(name) for name in ("python-avatars", "resvg")},
        "pixel_sha256": {s.id: hashlib.sha256(render(s, config.size).tobytes()).hexdigest() for s in sample},
        "files": files,
    }
    write_json(out / "manifest.json", manifest)
    return manifest


def describe(pairs: Path, work: Path, config: ReleaseConfig, assignments: int) -> tuple[dict[str, dict], dict]:
    """The crowd path over ``pairs/pairs.jsonl``: an Appen export into ``work/export``, SIMULATED
    answers, ingest, clean into ``work/clean``. Returns ({pair_id: its first cleaned triplet},
    the cleaning report)."""
    export_batch(pairs, work / "export",
                 ExportOptions(platforms=("appen",), image_base_url="https://example.org/aimi/release",
                               assignments=assignments, distractors=config.distractors, display_size=config.size,
                               seed=config.seed))
    simulate(work / "export", work / "results", seed=config.seed, panel_size=config.panel_size)
    write_answers(read_results([work / "results" / "appen-full-report.csv"]), work / "answers.csv", merge=False)
    # simulated workers only: a salt derived from the seed keeps the release reproducible
    report = clean(work / "answers.csv", pairs / "pairs.jsonl", work / "clean",
                   items_path=work / "export" / "items.jsonl", config=CleanConfig(),
                   salt=f"aimi-release-{config.seed}")
    cleaned = [json.loads(line) for line in (work / "clean" / "triplets.jsonl").read_text().splitlines()]
    first = {}
    for t in cleaned:  # one instruction per pair (gold repeats are not used)
        first.setdefault(t["pair_id"], t)
    return first, report


def collect_sessions(work: Path, config: ReleaseConfig, avoid: frozenset[str], vocabulary: list[str],
                     progress: bool = True) -> list[dict]:
    """``config.sessions`` sessions of ``config.session_turns`` turns (:mod:`collection.sessions`),
    every turn described through :func:`describe` with two assignments (a turn keeps its first
    answer that cleaning accepts). 25% spare sessions are drawn; a session with a turn left without
    an accepted instruction is dropped, the first ``config.sessions`` complete ones (by index) kept."""
    from tqdm import tqdm

    from .sessions import make_session

    wanted = config.sessions
    drawn = [make_session(config.seed, i, config.size, config.session_turns, avoid)
             for i in tqdm(range(wanted + wanted // 4 + 1), desc="sessions", unit="session", disable=not progress)]
    pairs = work / "pairs"
    pairs.mkdir(parents=True, exist_ok=True)
    turns = [[p.to_record() for p in s.pairs()] for s in drawn]
    write_atomic(pairs / "pairs.jsonl", "".join(json.dumps(r) + "\n" for s in turns for r in s))
    first, _ = describe(pairs, work, config, assignments=2)
    out = []
    for session, records in zip(drawn, turns):
        if len(out) == wanted:
            break
        if any(r["pair_id"] not in first for r in records):
            continue
        out.append({
            "id": f"aimi-session-{len(out):04d}", "index": session.index, "start_id": session.start.id,
            "start": session.start.to_dict(), "simulated": True,
            "turns": [{"pair_id": r["pair_id"], "attribute": r["attribute"], "from_value": r["from_value"],
                       "to_value": r["to_value"], "spec_id": r["target_id"], "spec": r["target"],
                       "instruction": first[r["pair_id"]]["instruction"],
                       "tokens": encode(first[r["pair_id"]]["instruction"], vocabulary),
                       "worker": first[r["pair_id"]]["worker"], "simulated": first[r["pair_id"]]["simulated"]}
                      for r in records]})
    if len(out) < wanted:
        raise ReleaseError(f"only {len(out)} of {wanted} sessions kept an accepted instruction for every turn; "
                           f"ask for fewer sessions (ReleaseConfig.sessions)")
    return out


def _datasheet(config: ReleaseConfig, rows: list[dict], report: dict, vocabulary: list[str]) -> str:
    per_split = ", ".join(f"{s} {sum(r['split'] == s for r in rows):,}" for s, _ in config.splits)
    return f"""# AIMI data version {DATA_VERSION}: datasheet

**The instructions in this release are SIMULATED.** They were written by a seeded panel of simulated
crowd workers (`collection/simulate.py`), because no crowd can be reached from the machines this
project is built on. They are not human data. The collection path is the real one: a real crowd's
results go through the same ingest and cleaning.

- Triplets: {len(rows):,} (source avatar, target avatar, instruction): {per_split}. No source avatar is
  in two splits; attributes are stratified across splits.
- Unlabeled avatars: {config.unlabeled:,}, defined by a seed ({config.seed}) and a count (`unlabeled.json`).
- Avatars: python-avatars 1.4.1 art (Avataaars by Pablo Stanley), composed and rendered by this project;
  a pair differs in exactly one visible attribute, with a visible rendered difference.
- Collection: {report['answers']:,} simulated answers on an Appen export ({config.distractors} no-change
  attention checks), ingested and cleaned by named rules: {report['rejected']:,} rejected
  ({', '.join(f'{k} {v}' for k, v in report['rejected_by_rule'].items() if v)}).
- Sessions: {config.sessions:,} multi-turn sessions (a start avatar in no split's pairs, then
  {config.session_turns} one-attribute changes, a different attribute each turn, each visible when made and
  still visible at the end), every turn described by the same SIMULATED path (two answers asked per
  turn, the first accepted one kept); tokens from the training vocabulary.
- Data version {DATA_VERSION}: {CHANGES[str(DATA_VERSION)]}.
- Vocabulary: {len(vocabulary):,} tokens (with `<pad>` and `<unk>`), from the training split only.
- Worker ids: salted hashes (the salt is derived from the seed: all workers are simulated).
- Seed {config.seed}; rebuilding with the same seed and package versions gives byte-identical files.
"""
