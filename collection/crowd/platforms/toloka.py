"""Toloka: the task interface (HTML with Toloka's ``{{...}}`` fields), the tasks TSV to upload,
the results TSV reader and the simulated results writer, for any
:class:`~collection.crowd.task.Task` (crowd-formats.md: ``INPUT:<f>``, ``OUTPUT:<f>``,
``GOLDEN:<f>``, ``ASSIGNMENT:assignment_id``, ``ASSIGNMENT:worker_id``, ``ASSIGNMENT:started``,
``ASSIGNMENT:status``). Not one of the exported platforms by default (``ExportOptions.platforms``);
its results are read like the others'.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Iterable

from ...files import write_atomic
from ...safety import escape_html, page_cell
from ..judgments import Fields, IngestError, Judgment, iso_utc, need, parse_time, truthy
from ..task import Task

RESULTS = "toloka-results.tsv"


def interface(task: Task) -> str:
    """The task interface's HTML block; Toloka fills ``{{img src=...}}`` and ``{{field ...}}``."""
    quote = f"<p>Instruction: <q>{{{{{task.quote}}}}}</q></p>\n" if task.quote else ""
    figures = "\n".join(f'  <figure>{{{{img src={im.column} width="192px" height="192px"}}}}'
                        f"<figcaption>{escape_html(im.caption)}</figcaption></figure>" for im in task.images)
    if task.free_text:
        answer = (f"<p>Example of an instruction: <q>{escape_html(task.example)}</q></p>\n"
                  f'{{{{field type="textarea" name="{task.answer}" placeholder="At least {int(task.min_length)} '
                  f'characters"}}}}\n')
    else:
        answer = "".join(f'{{{{field type="radio" name="{task.answer}" value="{value}" label="{escape_html(label)}"}}}}\n'
                         for value, label in task.choices())
    return f"<p>{escape_html(task.text)}</p>\n{quote}<div style=\"display: flex; gap: 2em;\">\n{figures}\n</div>\n{answer}"


def tasks_tsv(task: Task, rows) -> str:
    """The upload file: ``INPUT:<column>`` per task column; cells escaped and formula-neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow([f"INPUT:{c}" for c in task.columns])
    writer.writerows([page_cell(row[c]) for c in task.columns] for row in rows)
    return buf.getvalue()


def write_batches(task: Task, batches, folder: Path) -> None:
    """``interface.html`` and ``tasks-NNN.tsv`` for each batch of rows."""
    write_atomic(folder / "interface.html", interface(task))
    for number, rows in enumerate(batches, start=1):
        write_atomic(folder / f"tasks-{number:03d}.tsv", tasks_tsv(task, rows))


def read(text: str, name: str, fields: Fields) -> Iterable[Judgment]:
    """Judgments of a Toloka results TSV (``INPUT:``, ``OUTPUT:``, ``ASSIGNMENT:`` columns)."""
    for n, row in enumerate(csv.DictReader(io.StringIO(text), delimiter="\t"), start=2):
        where = f"{name}, row {n}"
        try:
            started = parse_time(need(row, "ASSIGNMENT:started", where))
            submitted = parse_time(row.get("ASSIGNMENT:submitted") or row["ASSIGNMENT:started"])
        except IngestError:
            raise
        except ValueError as e:
            raise IngestError(f"{where}: {e}") from None
        yield Judgment(
            item_id=need(row, f"INPUT:{fields.item}", where), worker_id=need(row, "ASSIGNMENT:worker_id", where),
            assignment_id=need(row, "ASSIGNMENT:assignment_id", where), platform="toloka",
            answer=row.get(f"OUTPUT:{fields.answer}") or "", submit_time=iso_utc(submitted),
            work_time_s=(submitted - started).total_seconds(),
            simulated=truthy(row.get("ASSIGNMENT:simulated", "")))


def simulated_results(task: Task, answers: list[dict]) -> str:
    """A SIMULATED results TSV (see ``mturk.simulated_results`` for the answers' keys), with an
    ``ASSIGNMENT:simulated`` column."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow([*(f"INPUT:{c}" for c in task.columns), f"OUTPUT:{task.answer}", "ASSIGNMENT:assignment_id",
                     "ASSIGNMENT:worker_id", "ASSIGNMENT:status", "ASSIGNMENT:started", "ASSIGNMENT:submitted",
                     "ASSIGNMENT:simulated"])
    for a in answers:
        started = a["submit"] - timedelta(seconds=a["seconds"])
        writer.writerow([*(a["inputs"][c] for c in task.columns), a["answer"], a["assignment"], a["worker"],
                         "SUBMITTED", started.strftime("%Y-%m-%dT%H:%M:%S"), a["submit"].strftime("%Y-%m-%dT%H:%M:%S"),
                         "true"])
    return buf.getvalue()


__all__ = ["RESULTS", "interface", "read", "simulated_results", "tasks_tsv", "write_batches"]
