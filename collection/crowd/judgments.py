"""The long table between the crowd stages: one row per judgment, fixed columns, in this order::

    item_id, worker_id, assignment_id, platform, answer, submit_time, work_time_s, simulated

``submit_time`` is UTC ISO 8601 (``2019-06-19T16:35:40Z``), ``work_time_s`` a number of seconds,
``simulated`` ``true``/``false``. The platform readers (``platforms/``) make these rows,
:func:`write_answers` keeps them in ``answers.csv`` (idempotent merge by (platform, assignment)),
cleaning and the preference study read them. :class:`Fields` names which input column is the item
and which answer field is the answer (the instruction task's ``pair_id`` / ``instruction``; the
preference study's ``presentation_id`` / ``grade``).
"""

from __future__ import annotations

import csv
import io
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

# An answer may be longer than the csv module's default field limit (131,072 characters): read it,
# and let cleaning reject it as too long, instead of failing the whole results file.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))


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


def iso_utc(moment: datetime) -> str:
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


def truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "x")


def need(row: dict, column: str, where: str) -> str:
    value = row.get(column)
    if value is None or str(value).strip() == "":
        raise IngestError(f"{where}: missing {column!r}")
    return str(value)


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


__all__ = ["COLUMNS", "FIELD", "Fields", "INSTRUCTION", "IngestError", "Judgment", "SIMULATED_MARK", "answers_csv",
           "iso_utc", "need", "parse_time", "read_answers", "truthy", "write_answers"]
