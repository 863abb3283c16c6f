"""Appen (formerly Figure Eight / CrowdFlower, the paper's platform): the CML template, the job
CSV, the full-report reader and the simulated full-report writer, for any
:class:`~collection.crowd.task.Task`.

Columns reach the CML as ``{{column}}`` and are pasted into the page, so cells are HTML-escaped
and formula-neutralised. For the instruction task, gold rows carry ``_golden`` = TRUE,
``instruction_gold`` (the lexicon's key words, one of which a right answer uses) and
``instruction_gold_reason``. In a full report, ``_tainted`` judgments (contributors flagged
later as untrusted) are dropped on reading.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Iterable

from ...files import write_atomic
from ...safety import escape_html, page_csv
from ..judgments import Fields, IngestError, Judgment, iso_utc, need, parse_time, truthy
from ..task import Task, csv_rows_by_item, instruction_task

RESULTS = "appen-full-report.csv"
GOLD_COLUMNS = ("_golden", "instruction_gold", "instruction_gold_reason")
REPORT_COLUMNS = ["_unit_id", "_created_at", "_golden", "_id", "_missed", "_started_at", "_tainted",
                  "_channel", "_trust", "_worker_id", "_country", "_region", "_city", "_ip"]


def cml(task: Task) -> str:
    """The CML template of ``task`` (its texts escaped here)."""
    quote = f"<p>Instruction: <q>{{{{{task.quote}}}}}</q></p>\n" if task.quote else ""
    figures = "\n".join(f'  <figure><img src="{{{{{im.column}}}}}" width="192" height="192" alt="{escape_html(im.caption.lower())}"/>'
                        f"<figcaption>{escape_html(im.caption)}</figcaption></figure>" for im in task.images)
    if task.free_text:
        answer = (f"<p>Example of an instruction: <q>{escape_html(task.example)}</q></p>\n"
                  f'<cml:textarea label="Your instruction" name="{task.answer}" '
                  f'validates="required minLength:{int(task.min_length)}"/>\n')
    else:
        options = "\n".join(f'  <cml:radio label="{escape_html(label)}" value="{value}"/>' for value, label in task.choices())
        answer = f'<cml:radios label="Your judgement" name="{task.answer}" validates="required">\n{options}\n</cml:radios>\n'
    return (f"<p>{escape_html(task.text)}</p>\n{quote}"
            f'<div style="display: flex; gap: 2em;">\n{figures}\n</div>\n{answer}')


def template(task_text: str, example: str, min_length: int) -> str:
    """The instruction task's CML (see :func:`cml`)."""
    return cml(instruction_task(task_text, example, min_length))


def columns(task: Task) -> tuple[str, ...]:
    return task.columns + (GOLD_COLUMNS if task.gold else ())


def job_csv(task: Task, rows) -> str:
    """The job's data CSV; a row without gold cells gets empty ones (the task's gold columns)."""
    return page_csv(columns(task), ([row.get(c, "") for c in columns(task)] for row in rows))


def write_batches(task: Task, batches, folder: Path) -> None:
    """``template.cml`` and ``job-NNN.csv`` for each batch of rows."""
    write_atomic(folder / "template.cml", cml(task))
    for number, rows in enumerate(batches, start=1):
        write_atomic(folder / f"job-{number:03d}.csv", job_csv(task, rows))


def read_batches(folder: Path, task: Task) -> dict[str, dict]:
    return csv_rows_by_item(folder.glob("job-*.csv"), task)


# --- results ------------------------------------------------------------------------------------

def read(text: str, name: str, fields: Fields) -> Iterable[Judgment]:
    """Judgments of an Appen full report; ``_tainted`` rows are skipped."""
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        where = f"{name}, row {n}"
        if truthy(row.get("_tainted", "")):
            continue  # the contributor was later flagged as untrusted
        try:
            created = parse_time(need(row, "_created_at", where))
            started = parse_time(row["_started_at"]) if row.get("_started_at") else created
        except IngestError:
            raise
        except ValueError as e:
            raise IngestError(f"{where}: {e}") from None
        yield Judgment(
            item_id=need(row, fields.item, where), worker_id=need(row, "_worker_id", where),
            assignment_id=need(row, "_id", where), platform="appen", answer=row.get(fields.answer) or "",
            submit_time=iso_utc(created), work_time_s=(created - started).total_seconds(),
            simulated=truthy(row.get("simulated", "")))


def simulated_results(task: Task, answers: list[dict]) -> str:
    """A SIMULATED full report (see ``mturk.simulated_results`` for the answers' keys; ``tainted``
    marks a judgment Appen later flagged), with a ``simulated`` column. Units are numbered in the
    order their items first appear."""
    units: dict[str, int] = {}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS + [task.answer, *task.columns, "simulated"])
    for n, a in enumerate(answers, start=1):
        row = a["inputs"]
        unit = units.setdefault(row[task.item], 3_000_000 + len(units))
        started = a["submit"] - timedelta(seconds=a["seconds"])
        tainted = a.get("tainted", False)
        writer.writerow([unit, a["submit"].strftime("%m/%d/%Y %H:%M:%S"),
                         "true" if row.get("_golden") == "TRUE" else "false", a["assignment"], "",
                         started.strftime("%m/%d/%Y %H:%M:%S"), "true" if tainted else "false", "sim",
                         "0.5" if tainted else "0.95", a["worker"], "SIM", "", "", f"192.0.2.{n % 250 + 1}",
                         a["answer"], *(row[c] for c in task.columns), "true"])
    return buf.getvalue()


__all__ = ["GOLD_COLUMNS", "RESULTS", "cml", "columns", "job_csv", "read", "read_batches", "simulated_results",
           "template", "write_batches"]
