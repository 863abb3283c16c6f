"""Read crowd results from any supported platform into one long table.

Columns (one row per judgment), in this order::

    item_id, worker_id, assignment_id, platform, answer, submit_time, work_time_s, simulated

``submit_time`` is UTC ISO 8601 (``2019-06-19T16:35:40Z``), ``work_time_s`` a number of seconds,
``simulated`` ``true``/``false``. Platforms are detected from the file itself:

- Mechanical Turk results CSV (``HITId``, ``AssignmentId``, ``WorkerId``, ``Input.*``,
  ``Answer.*``): the answer is ``Answer.instruction``, a dotted ``Answer.instruction.<sub>``, or
  the ``instruction`` of the JSON in ``Answer.taskAnswers``; the ApprovalRate columns may be absent.
- Label Studio JSON export (tasks with ``annotations``) and JSON_MIN (flat objects).
- Appen full report (``_unit_id``, ``_worker_id``...): ``_tainted`` judgments are dropped.
- Toloka results TSV (``INPUT:``, ``OUTPUT:``, ``ASSIGNMENT:`` columns).

Other tasks name their own item column and answer field with :class:`Fields` (the benchmark's
preference study: ``presentation_id`` and ``grade``, a Label Studio ``choices`` result).

Simulated rows are recognised by a ``simulated`` column/field or the MTurk
``RequesterAnnotation`` ``aimi-simulated``. Merging is idempotent: the same (platform,
assignment) twice is one row. A malformed file raises :class:`IngestError` naming the file, the
row and what is wrong.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

from ..files import write_atomic
from ..safety import csv_cell_reversible, read_cell

COLUMNS = ("item_id", "worker_id", "assignment_id", "platform", "answer", "submit_time",
           "work_time_s", "simulated")
FIELD = "instruction"
SIMULATED_MARK = "aimi-simulated"
_TZ = {"UTC": 0, "GMT": 0, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CST": -6, "CDT": -5,
       "EST": -5, "EDT": -4}


@dataclass(frozen=True)
class Fields:
    """Which input column names the item and which answer field holds the answer: the
    instruction task reads ``pair_id`` / ``instruction``; other tasks (the benchmark's preference
    study: ``presentation_id`` / ``grade``) pass their own."""

    item: str = "pair_id"
    answer: str = FIELD


INSTRUCTION = Fields()


class IngestError(ValueError):
    """A results file that cannot be read; the message names the file, the row and the problem."""


@dataclass(frozen=True)
class Judgment:
    item_id: str
    worker_id: str
    assignment_id: str
    platform: str
    answer: str
    submit_time: str
    work_time_s: float
    simulated: bool

    def key(self) -> tuple[str, str]:
        return self.platform, self.assignment_id


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """MTurk (``Wed Jun 19 09:35:40 PDT 2019``), Appen (``6/19/2019 16:35:40``, UTC) or ISO 8601."""
    text = text.strip()
    parts = text.split()
    if len(parts) == 6 and parts[4] in _TZ:  # MTurk
        naive = datetime.strptime(" ".join(parts[:4] + parts[5:]), "%a %b %d %H:%M:%S %Y")
        return naive.replace(tzinfo=timezone(timedelta(hours=_TZ[parts[4]])))
    for fmt in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"unrecognised time {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "x")


def _need(row: dict, column: str, where: str) -> str:
    value = row.get(column)
    if value is None or str(value).strip() == "":
        raise IngestError(f"{where}: missing {column!r}")
    return str(value)


# --- Mechanical Turk ---------------------------------------------------------------------------

def _mturk_answer(row: dict, where: str, field: str = FIELD) -> str:
    if f"Answer.{field}" in row:
        return row[f"Answer.{field}"] or ""
    dotted = [k for k in row if k.startswith(f"Answer.{field}.")]
    if dotted:
        return " ".join((row[k] or "").strip() for k in sorted(dotted)).strip()
    if "Answer.taskAnswers" in row:
        try:
            answers = json.loads(row["Answer.taskAnswers"] or "[]")
        except json.JSONDecodeError as e:
            raise IngestError(f"{where}: Answer.taskAnswers is not JSON ({e})") from None
        for entry in answers if isinstance(answers, list) else [answers]:
            value = entry.get(field) if isinstance(entry, dict) else None
            if isinstance(value, dict):  # crowd-form widgets may nest {"text": ...}
                value = next(iter(value.values()), "")
            if value is not None:
                return str(value)
        return ""
    raise IngestError(f"{where}: no answer column (Answer.{field}, Answer.{field}.*, Answer.taskAnswers)")


def _read_mturk(text: str, name: str, fields: Fields = INSTRUCTION) -> Iterable[Judgment]:
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        where = f"{name}, row {n}"
        try:
            submit = parse_time(_need(row, "SubmitTime", where))
            seconds = float(_need(row, "WorkTimeInSeconds", where))
        except ValueError as e:
            raise IngestError(f"{where}: {e}") from None
        yield Judgment(
            item_id=_need(row, f"Input.{fields.item}", where), worker_id=_need(row, "WorkerId", where),
            assignment_id=_need(row, "AssignmentId", where), platform="mturk",
            answer=_mturk_answer(row, where, fields.answer), submit_time=_iso(submit), work_time_s=seconds,
            simulated=SIMULATED_MARK in (row.get("RequesterAnnotation") or "") or _truthy(row.get("Simulated", "")))


# --- Appen ---------------------------------------------------------------------------------------

def _read_appen(text: str, name: str, fields: Fields = INSTRUCTION) -> Iterable[Judgment]:
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        where = f"{name}, row {n}"
        if _truthy(row.get("_tainted", "")):
            continue  # the contributor was later flagged as untrusted
        try:
            created = parse_time(_need(row, "_created_at", where))
            started = parse_time(row["_started_at"]) if row.get("_started_at") else created
        except ValueError as e:
            raise IngestError(f"{where}: {e}") from None
        yield Judgment(
            item_id=_need(row, fields.item, where), worker_id=_need(row, "_worker_id", where),
            assignment_id=_need(row, "_id", where), platform="appen", answer=row.get(fields.answer) or "",
            submit_time=_iso(created), work_time_s=(created - started).total_seconds(),
            simulated=_truthy(row.get("simulated", "")))


# --- Toloka --------------------------------------------------------------------------------------

def _read_toloka(text: str, name: str, fields: Fields = INSTRUCTION) -> Iterable[Judgment]:
    for n, row in enumerate(csv.DictReader(io.StringIO(text), delimiter="\t"), start=2):
        where = f"{name}, row {n}"
        try:
            started = parse_time(_need(row, "ASSIGNMENT:started", where))
            submitted = parse_time(row.get("ASSIGNMENT:submitted") or row["ASSIGNMENT:started"])
        except ValueError as e:
            raise IngestError(f"{where}: {e}") from None
        yield Judgment(
            item_id=_need(row, f"INPUT:{fields.item}", where), worker_id=_need(row, "ASSIGNMENT:worker_id", where),
            assignment_id=_need(row, "ASSIGNMENT:assignment_id", where), platform="toloka",
            answer=row.get(f"OUTPUT:{fields.answer}") or "", submit_time=_iso(submitted),
            work_time_s=(submitted - started).total_seconds(),
            simulated=_truthy(row.get("ASSIGNMENT:simulated", "")))


# --- Label Studio --------------------------------------------------------------------------------

def _ls_worker(value) -> str:
    if isinstance(value, dict):
        value = value.get("email") or value.get("id")
    return "" if value is None else str(value)


def _ls_text(result: list, where: str, field: str = FIELD) -> str:
    for r in result or []:
        if r.get("from_name") == field and r.get("type") in ("textarea", "choices"):
            value = r.get("value") or {}
            text = value.get("text") if r.get("type") == "textarea" else value.get("choices")
            if isinstance(text, list):
                return "\n".join(str(t) for t in text)
            if text is not None:
                return str(text)
    return ""


def _read_labelstudio(data: list, name: str, fields: Fields = INSTRUCTION) -> Iterable[Judgment]:
    for n, task in enumerate(data, start=1):
        where = f"{name}, item {n}"
        if not isinstance(task, dict):
            raise IngestError(f"{where}: expected an object, got {type(task).__name__}")
        if "annotations" in task:  # full JSON export
            item = _need(task.get("data") or {}, fields.item, where)
            for annotation in task["annotations"]:
                if annotation.get("was_cancelled"):
                    continue
                try:
                    submit = parse_time(_need(annotation, "created_at", where))
                except ValueError as e:
                    raise IngestError(f"{where}: {e}") from None
                yield Judgment(
                    item_id=item, worker_id=_need({"w": _ls_worker(annotation.get("completed_by"))}, "w", where),
                    assignment_id=_need(annotation, "id", where), platform="labelstudio",
                    answer=_ls_text(annotation.get("result"), where, fields.answer), submit_time=_iso(submit),
                    work_time_s=float(annotation.get("lead_time") or 0.0),
                    simulated=_truthy(((task.get("meta") or {}) | (annotation.get("meta") or {})).get("simulated", "")))
        else:  # JSON_MIN: one flat object per annotation
            value = task.get(fields.answer, "")
            if isinstance(value, dict):
                value = value.get("text", value.get("choices", ""))
            if isinstance(value, list):
                value = "\n".join(map(str, value))
            try:
                submit = parse_time(_need(task, "created_at", where))
            except ValueError as e:
                raise IngestError(f"{where}: {e}") from None
            yield Judgment(
                item_id=_need(task, fields.item, where), worker_id=_need(task, "annotator", where),
                assignment_id=str(task.get("annotation_id") or task.get("id") or ""), platform="labelstudio",
                answer=str(value), submit_time=_iso(submit), work_time_s=float(task.get("lead_time") or 0.0),
                simulated=_truthy(task.get("simulated", "")))


# --- dispatch ------------------------------------------------------------------------------------

def detect(path: Path, text: str) -> str:
    """The platform of a results file, from its content."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("["):
        return "labelstudio"
    first = stripped.splitlines()[0] if stripped else ""
    if "\t" in first and "ASSIGNMENT:assignment_id" in first:
        return "toloka"
    header = next(csv.reader([first]), [])
    if {"AssignmentId", "WorkerId", "HITId"} <= set(header):
        return "mturk"
    if {"_unit_id", "_worker_id"} <= set(header):
        return "appen"
    raise IngestError(f"{path}: not a results file of a known platform (MTurk results CSV, Label Studio "
                      f"JSON/JSON_MIN, Appen full report, Toloka TSV); its first line is {first[:80]!r}")


def read_results(paths: Iterable[str | Path], fields: Fields = INSTRUCTION) -> list[Judgment]:
    """Every judgment in ``paths``, deduplicated by (platform, assignment), in a stable order.
    ``fields`` names the item column and the answer field (default: the instruction task's)."""
    found: dict[tuple[str, str], Judgment] = {}
    for path in map(Path, paths):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as e:
            raise IngestError(f"{path}: cannot read ({e})") from None
        platform = detect(path, text)
        if platform == "labelstudio":
            try:
                rows = _read_labelstudio(json.loads(text), str(path), fields)
            except json.JSONDecodeError as e:
                raise IngestError(f"{path}: not JSON ({e})") from None
        else:
            rows = {"mturk": _read_mturk, "appen": _read_appen, "toloka": _read_toloka}[platform](text, str(path),
                                                                                               fields)
        for judgment in rows:
            found.setdefault(judgment.key(), judgment)
    return sorted(found.values(), key=lambda j: (j.submit_time, j.platform, j.assignment_id))


def answers_csv(judgments: Iterable[Judgment]) -> str:
    """The long table as CSV; text cells are safe to open in a spreadsheet and read back exactly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for j in judgments:
        writer.writerow([csv_cell_reversible(j.item_id), csv_cell_reversible(j.worker_id),
                         csv_cell_reversible(j.assignment_id), j.platform, csv_cell_reversible(j.answer),
                         j.submit_time, f"{j.work_time_s:g}", "true" if j.simulated else "false"])
    return buf.getvalue()


def read_answers(path: str | Path) -> list[Judgment]:
    """Read back a table written by :func:`write_answers`."""
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise IngestError(f"{path}: expected the columns {', '.join(COLUMNS)}; "
                              f"make it with python -m collection ingest")
        return [Judgment(read_cell(r["item_id"]), read_cell(r["worker_id"]), read_cell(r["assignment_id"]),
                         r["platform"], read_cell(r["answer"]), r["submit_time"], float(r["work_time_s"]),
                         r["simulated"] == "true") for r in reader]


def write_answers(judgments: Iterable[Judgment], out: str | Path, merge: bool = True) -> list[Judgment]:
    """Write the table to ``out``; with ``merge`` rows already there are kept (idempotent)."""
    rows = {j.key(): j for j in (read_answers(out) if merge and Path(out).exists() else [])}
    for j in judgments:
        rows.setdefault(j.key(), j)
    ordered = sorted(rows.values(), key=lambda j: (j.submit_time, j.platform, j.assignment_id))
    write_atomic(out, answers_csv(ordered))
    return ordered
