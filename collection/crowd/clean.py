"""Clean crowd answers into (source, target, instruction) triplets, keeping every rejection.

Rules, in the order they are tried (a row's ``reason`` is the first that fires; ``reasons``
lists all), each with its reason code:

==================  =================================================================
``empty``           nothing but whitespace
``too_short``       fewer than ``min_chars`` characters
``too_long``        more than ``max_chars`` characters
``placeholder``     a stock non-answer ("none", "same", "ok", "n/a", ...)
``copy_of_example`` (fuzzily) the task's example or task text
``not_english``     function words of another language and none of English
``too_fast``        submitted in under ``min_seconds``
``reused_text``     the worker gave this same text for ``reuse_min_items`` or more items
``no_mention``      names no word of the change in the attribute lexicon (on a no-change
                    item: does not say there is no difference)
``failed_checks``   the worker answered ``min_checks`` or more check items (gold,
                    distractors) and named the right change in less than
                    ``min_check_accuracy`` of them
``over_cap``        beyond the per-worker cap (the worker's earliest answers are kept)
==================  =================================================================

Worker ids are replaced by salted hashes in everything written here except the private salt file.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import secrets
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from .export import EXAMPLE, TASK_TEXT
from ..files import jsonl_objects, write_atomic, write_json
from .judgments import Judgment, read_answers
from .lexicon import names_change, words
from ..pairs import read_pair_records
from ..safety import csv_cell

RULES = ("empty", "too_short", "too_long", "placeholder", "copy_of_example", "not_english", "too_fast",
         "reused_text", "no_mention", "failed_checks", "over_cap")
PLACEHOLDERS = {"none", "same", "ok", "okay", "n/a", "na", "nothing", "idk", "good", "nice", "yes", "no",
                "done", "test", "asdf", ".", "-", "?", "change it", "ok done", "i don't know"}
_ENGLISH = {"the", "a", "an", "to", "his", "her", "their", "him", "them", "make", "give", "change", "and",
            "with", "of", "on", "in", "please", "should", "is", "it", "be", "have", "add", "remove", "put",
            "from", "into", "instead", "no"}
_FOREIGN = {"el", "la", "los", "las", "del", "por", "favor", "una", "un", "le", "les", "des", "du", "et",
            "mettez", "die", "der", "das", "und", "mach", "gli", "il", "metti", "dale", "cambia", "cambie",
            "trocar", "cor", "da", "pele", "pelo", "camisa", "lunettes", "haare", "occhiali", "couleur",
            "fond", "barba", "rondes", "rot"}


@dataclass(frozen=True)
class CleanConfig:
    min_chars: int = 8
    max_chars: int = 300
    min_seconds: float = 3.0
    reuse_min_items: int = 3
    example_similarity: float = 0.85
    min_check_accuracy: float = 0.5
    min_checks: int = 2           # check items a worker must have answered before being judged
    max_per_worker: int | None = None
    example: str = EXAMPLE
    task_text: str = TASK_TEXT


def normalise(text: str) -> str:
    """Whitespace collapsed, trimmed: the instruction as released."""
    return " ".join(text.split())


def _key(text: str) -> str:
    return " ".join(words(text))


def _similar(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _key(a), _key(b)).ratio()


def _not_english(text: str) -> bool:
    tokens = set(words(text))
    return bool(tokens & _FOREIGN) and not tokens & _ENGLISH


ITEM_KEYS = ("item_id", "pair_id", "kind", "attribute", "to_value")


def load_items(pairs_path: str | Path, items_path: str | Path | None) -> dict[str, dict]:
    """item id -> {kind, pair record, attribute, to_value}; without an export's items.jsonl every
    item id must be a pair id."""
    pairs = {record["pair_id"]: record for record in read_pair_records(pairs_path)}
    items = {pid: {"kind": "pair", "pair": r, "attribute": r["attribute"], "to_value": r["to_value"]}
             for pid, r in pairs.items()}
    if items_path:
        for where, it in jsonl_objects(items_path, ITEM_KEYS, what="an item of the export's items.jsonl"):
            if it["pair_id"] not in pairs:
                raise ValueError(f"{where}: item {it['item_id']} refers to pair {it['pair_id']}, "
                                 f"which is not in {pairs_path}")
            items[it["item_id"]] = {"kind": it["kind"], "pair": pairs[it["pair_id"]],
                                    "attribute": it["attribute"], "to_value": it["to_value"]}
    return items


def judge(rows: list[Judgment], items: dict[str, dict], config: CleanConfig) -> list[list[str]]:
    """The reasons (possibly none) against each row, in the order of ``rows``."""
    unknown = sorted({r.item_id for r in rows if r.item_id not in items})
    if unknown:
        raise ValueError(f"{len(unknown)} answer(s) for items not in the pairs/items given, e.g. {unknown[:3]}; "
                         f"pass the export's items.jsonl with --items")
    reasons: list[list[str]] = [[] for _ in rows]
    reuse = defaultdict(set)
    for r in rows:
        if items[r.item_id]["kind"] != "distractor":
            reuse[r.worker_id, _key(r.answer)].add(r.item_id)
    checks = defaultdict(list)
    for i, r in enumerate(rows):
        item = items[r.item_id]
        text = normalise(r.answer)
        key = _key(text)
        found = reasons[i]
        if not text:
            found.append("empty")
        elif len(text) < config.min_chars:
            found.append("too_short")
        if len(text) > config.max_chars:
            found.append("too_long")
        if key in PLACEHOLDERS or text.lower() in PLACEHOLDERS:
            found.append("placeholder")
        if text and max(_similar(text, config.example), _similar(text, config.task_text)) >= config.example_similarity:
            found.append("copy_of_example")
        if _not_english(text):
            found.append("not_english")
        if r.work_time_s < config.min_seconds:
            found.append("too_fast")
        if key and len(reuse[r.worker_id, key]) >= config.reuse_min_items:
            found.append("reused_text")
        to_value = None if item["kind"] == "distractor" else item["to_value"]
        right = names_change(text, item["attribute"] or "", to_value)
        if not right:
            found.append("no_mention")
        if item["kind"] in ("gold", "distractor"):
            checks[r.worker_id].append(right)  # the content is what a check checks
    for i, r in enumerate(rows):
        results = checks.get(r.worker_id, [])
        if len(results) >= config.min_checks and sum(results) / len(results) < config.min_check_accuracy:
            reasons[i].append("failed_checks")
    if config.max_per_worker:
        kept = Counter()
        for i in sorted(range(len(rows)), key=lambda k: rows[k].submit_time):
            if not reasons[i]:
                kept[rows[i].worker_id] += 1
                if kept[rows[i].worker_id] > config.max_per_worker:
                    reasons[i].append("over_cap")
    return reasons


def hash_worker(worker_id: str, salt: str) -> str:
    return "w" + hashlib.sha256(f"{salt}:{worker_id}".encode()).hexdigest()[:16]


def _salt(out: Path, salt: str | None) -> tuple[str, bool]:
    """(the salt, whether it is new and must be kept in ``out/worker_salt.txt``)."""
    if salt:
        return salt, False
    path = out / "worker_salt.txt"  # private: keep it, never release it
    if path.exists():
        return path.read_text().strip(), False
    return secrets.token_hex(16), True


def mturk_review(results_csv: str | Path, decisions: dict[str, list[str]]) -> str:
    """The MTurk results CSV with ``Approve`` (x) or ``Reject`` (a reason) filled for every
    assignment we judged: the file MTurk takes back to approve and reject. Cells are
    formula-neutralised; rows we did not judge are left blank."""
    try:
        with open(results_csv, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"{results_csv}: cannot read the MTurk results ({e}); pass the CSV MTurk gave you") from None
    for name in ("Approve", "Reject"):
        if name not in columns:
            columns.append(name)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        why = decisions.get(row.get("AssignmentId", ""))
        if why is not None:
            row["Approve"] = "" if why else "x"
            row["Reject"] = f"Rejected: {why[0].replace('_', ' ')}" if why else ""
        writer.writerow({k: csv_cell(row.get(k, "")) for k in columns})
    return buf.getvalue()


def clean(answers_path: str | Path, pairs_path: str | Path, out: str | Path,
          items_path: str | Path | None = None, config: CleanConfig = CleanConfig(),
          salt: str | None = None, mturk_results: list[str | Path] = ()) -> dict:
    """Apply the rules; write triplets.jsonl, rejected.jsonl, report.json and
    approve_reject.csv (plus, for each MTurk results file given, the same file with Approve and
    Reject filled, ready to upload) into ``out``; return the report."""
    out = Path(out)
    rows = read_answers(answers_path)
    items = load_items(pairs_path, items_path)
    reasons = judge(rows, items, config)
    salt, new_salt = _salt(out, salt)
    triplets, rejected = [], []
    per_rule = Counter()
    per_attribute = defaultdict(Counter)
    for r, why in zip(rows, reasons):
        item = items[r.item_id]
        pair = item["pair"]
        common = {"item_id": r.item_id, "kind": item["kind"], "pair_id": pair["pair_id"],
                  "assignment_id": r.assignment_id,
                  "worker": hash_worker(r.worker_id, salt), "platform": r.platform,
                  "submit_time": r.submit_time, "work_time_s": r.work_time_s, "simulated": r.simulated}
        attribute = pair["attribute"] if item["kind"] != "distractor" else "(no change)"
        if why:
            per_rule[why[0]] += 1
            per_attribute[attribute]["rejected"] += 1
            rejected.append({**common, "answer": r.answer, "reason": why[0], "reasons": why})
        else:
            per_attribute[attribute]["accepted"] += 1
            if item["kind"] != "distractor":
                triplets.append({**common, "instruction": normalise(r.answer),
                                 **{k: pair[k] for k in ("attribute", "from_value", "to_value", "source_id",
                                                         "target_id", "source", "target")}})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["platform", "AssignmentId", "Approve", "Reject"])
    for r, why in zip(rows, reasons):
        writer.writerow([r.platform, csv_cell(r.assignment_id), "" if why else "x",
                         csv_cell(f"Rejected: {why[0].replace('_', ' ')}") if why else ""])
    decisions = {r.assignment_id: why for r, why in zip(rows, reasons) if r.platform == "mturk"}
    files = {"triplets.jsonl": "".join(json.dumps(t) + "\n" for t in triplets),
             "rejected.jsonl": "".join(json.dumps(t) + "\n" for t in rejected),
             "approve_reject.csv": buf.getvalue()}
    for path in map(Path, mturk_results):
        files[f"{path.stem}-review.csv"] = mturk_review(path, decisions)
    report = {
        "answers": len(rows), "accepted": len(rows) - len(rejected), "rejected": len(rejected),
        "triplets": len(triplets), "simulated_answers": sum(r.simulated for r in rows),
        "rejected_by_rule": {rule: per_rule.get(rule, 0) for rule in RULES},
        "by_attribute": {a: dict(c) for a, c in sorted(per_attribute.items())},
        "config": asdict(config),
    }
    # everything is computed before anything is written; report.json, last, marks a finished clean
    (out / "report.json").unlink(missing_ok=True)
    if new_salt:
        files = {"worker_salt.txt": salt + "\n", **files}
    for name, text in files.items():
        write_atomic(out / name, text)
    write_json(out / "report.json", report)
    return report
