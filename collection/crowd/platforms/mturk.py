"""Amazon Mechanical Turk: the HTML template, the batch CSV, the results reader and the simulated
results writer, for any :class:`~collection.crowd.task.Task` (crowd-formats.md).

MTurk replaces every ``${column}`` of the template by that row's cell as plain text, so cells are
HTML-escaped by the exporter (and formula-neutralised for spreadsheets). The page reads
``assignmentId`` (and ``turkSubmitTo``) from its URL; in preview (``ASSIGNMENT_ID_NOT_AVAILABLE``
or no id) the answer box and the submit button are disabled. An answer shorter than
``min_length`` characters, once trimmed, is refused before anything is posted.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterable

from ...files import write_atomic
from ...safety import escape_html, page_csv
from ..judgments import SIMULATED_MARK, Fields, IngestError, Judgment, iso_utc, need, parse_time, truthy
from ..task import Task, csv_rows_by_item, instruction_task

COLUMNS = ("pair_id", "source_url", "target_url")   # the instruction task's batch columns
RESULTS = "mturk-results.csv"
SUBMIT_URL = "https://www.mturk.com/mturk/externalSubmit"
SANDBOX_SUBMIT_URL = "https://workersandbox.mturk.com/mturk/externalSubmit"
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """A template with a placeholder that no column fills, or one MTurk would substitute inside a
    script or a comment."""


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 48em; margin: 1em auto; }}
.pair {{ display: flex; gap: 2em; align-items: flex-start; }}
figure {{ margin: 0; text-align: center; }}
img {{ width: 192px; height: 192px; image-rendering: pixelated; border: 1px solid #ccc; }}
textarea {{ width: 100%; height: 4em; font-size: 1.1em; }}
#error {{ color: #b00; }}
</style>
</head>
<body>
<form id="mturk_form" method="post" action="{submit_url}">
<input type="hidden" name="assignmentId" id="assignmentId" value="">
<input type="hidden" name="{item}" value="${{{item}}}">
<p id="task">{text}</p>
{quote}<div class="pair">
{figures}
</div>
{answer}
<p id="error" role="alert"></p>
<p id="preview" hidden>This is a preview: accept the HIT to answer.</p>
<button type="submit" id="submitButton">Submit</button>
</form>
<script>
(function () {{
  var minLength = {min_length};
  var params = new URLSearchParams(window.location.search);
  var assignment = params.get("assignmentId") || "";
  var form = document.getElementById("mturk_form");
  var box = document.getElementById("{answer_name}");
  var button = document.getElementById("submitButton");
  var error = document.getElementById("error");
  document.getElementById("assignmentId").value = assignment;
  var submitTo = params.get("turkSubmitTo");
  if (submitTo) {{ form.action = submitTo.replace(/\\/$/, "") + "/mturk/externalSubmit"; }}
  if (!assignment || assignment === "ASSIGNMENT_ID_NOT_AVAILABLE") {{
    if (box) {{ box.disabled = true; }}
    button.disabled = true;
    document.getElementById("preview").hidden = false;
  }}
  form.addEventListener("submit", function (event) {{
    if (button.disabled) {{ event.preventDefault(); return; }}
    if (!box) {{ return; }}
    var text = box.value.trim();
    if (text.length < minLength) {{
      event.preventDefault();
      error.textContent = "Please write at least " + minLength + " characters.";
      return;
    }}
    box.value = text;
  }});
}})();
</script>
</body>
</html>
"""


def page(task: Task, sandbox: bool = False) -> str:
    """The HTML template of ``task``; every text of the task is escaped here (they are not batch
    cells, which MTurk pastes in as they are and the exporter escapes)."""
    figures = "\n".join(f'<figure><img id="{im.column.removesuffix("_url")}" src="${{{im.column}}}" '
                         f'alt="{escape_html(im.alt)}"><figcaption>{escape_html(im.caption)}</figcaption></figure>'
                         for im in task.images)
    quote = f'<p>Instruction: <q id="{task.quote}">${{{task.quote}}}</q></p>\n' if task.quote else ""
    if task.free_text:
        answer = (f'<p id="example">Example of an instruction: <q>{escape_html(task.example)}</q></p>\n'
                  f'<label for="{task.answer}">Your instruction:</label>\n'
                  f'<textarea name="{task.answer}" id="{task.answer}" minlength="{int(task.min_length)}" '
                  f'maxlength="300" required></textarea>')
    else:
        radios = "\n".join(f'<label><input type="radio" name="{task.answer}" value="{value}" required> '
                           f'{escape_html(label)}</label><br>' for value, label in task.choices())
        answer = f'<fieldset id="grades"><legend>Your judgement</legend>\n{radios}\n</fieldset>'
    return PAGE.format(title=escape_html(task.title), submit_url=SANDBOX_SUBMIT_URL if sandbox else SUBMIT_URL,
                       item=task.item, text=escape_html(task.text), quote=quote, figures=figures, answer=answer,
                       answer_name=task.answer if task.free_text else "", min_length=int(task.min_length))


def template(task_text: str, example: str, min_length: int, sandbox: bool = False) -> str:
    """The instruction task's page (see :func:`page`)."""
    return page(instruction_task(task_text, example, min_length), sandbox)


def lint(html: str, columns) -> None:
    """Refuse placeholders without a column, and any ``${`` inside a script or a comment."""
    missing = sorted({name for name in _PLACEHOLDER.findall(html) if name not in columns})
    if missing:
        raise TemplateError(f"template placeholders without a batch column: {', '.join(missing)}; "
                            f"columns are {', '.join(columns)}")
    for block in re.findall(r"<script.*?</script>|<!--.*?-->", html, flags=re.S):
        if "${" in block:
            raise TemplateError("a ${...} inside a <script> or a comment would be substituted by MTurk; "
                                "move the value into a page element and read it from there")


def fill(html: str, row: dict[str, str]) -> str:
    """What MTurk serves for one row: every ``${column}`` replaced by the cell, as is."""
    return _PLACEHOLDER.sub(lambda m: row[m.group(1)], html)


def batch_csv(task: Task, rows) -> str:
    """A batch file: one row per HIT, the task's columns; cells escaped (MTurk pastes them into the
    page as they are) and formula-neutralised."""
    return page_csv(task.columns, ([row[c] for c in task.columns] for row in rows))


def write_batches(task: Task, batches, folder: Path) -> None:
    """``template.html`` and ``batch-NNN.csv`` for each batch of rows (dicts of the task's columns)."""
    html = page(task)
    lint(html, task.columns)
    write_atomic(folder / "template.html", html)
    for number, rows in enumerate(batches, start=1):
        write_atomic(folder / f"batch-{number:03d}.csv", batch_csv(task, rows))


def read_batches(folder: Path, task: Task) -> dict[str, dict]:
    """The exported rows by item (what the results file repeats as ``Input.*``)."""
    return csv_rows_by_item(folder.glob("batch-*.csv"), task)



# --- results ------------------------------------------------------------------------------------

def _answer(row: dict, where: str, field: str) -> str:
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


def read(text: str, name: str, fields: Fields) -> Iterable[Judgment]:
    """Judgments of an MTurk results CSV: the answer is ``Answer.<field>``, a dotted
    ``Answer.<field>.<sub>``, or the ``<field>`` of the JSON in ``Answer.taskAnswers``; the
    ApprovalRate columns may be absent. Simulated rows: ``RequesterAnnotation`` ``aimi-simulated``."""
    for n, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        where = f"{name}, row {n}"
        try:
            submit = parse_time(need(row, "SubmitTime", where))
            seconds = float(need(row, "WorkTimeInSeconds", where))
        except IngestError:
            raise
        except ValueError as e:
            raise IngestError(f"{where}: {e}") from None
        yield Judgment(
            item_id=need(row, f"Input.{fields.item}", where), worker_id=need(row, "WorkerId", where),
            assignment_id=need(row, "AssignmentId", where), platform="mturk",
            answer=_answer(row, where, fields.answer), submit_time=iso_utc(submit), work_time_s=seconds,
            simulated=SIMULATED_MARK in (row.get("RequesterAnnotation") or "") or truthy(row.get("Simulated", "")))


RESULT_COLUMNS = ["HITId", "HITTypeId", "Title", "Description", "Keywords", "Reward", "CreationTime",
                  "MaxAssignments", "RequesterAnnotation", "AssignmentDurationInSeconds",
                  "AutoApprovalDelayInSeconds", "Expiration", "NumberOfSimilarHITs", "LifetimeInSeconds",
                  "AssignmentId", "WorkerId", "AssignmentStatus", "AcceptTime", "SubmitTime",
                  "AutoApprovalTime", "ApprovalTime", "RejectionTime", "RequesterFeedback",
                  "WorkTimeInSeconds", "LifetimeApprovalRate", "Last30DaysApprovalRate",
                  "Last7DaysApprovalRate"]


def _time(moment: datetime) -> str:
    return moment.strftime("%a %b %d %H:%M:%S UTC %Y")


def simulated_results(task: Task, answers: list[dict]) -> str:
    """A SIMULATED results CSV as MTurk's "Download CSV" gives it. Each answer: ``inputs`` (the
    batch row), ``worker``, ``assignment``, ``submit`` (datetime), ``seconds``, ``answer``. Marked
    simulated twice: ``RequesterAnnotation`` and a ``Simulated`` column. Cells are written as the
    platform writes them (no formula guard: ingest reads them, ``answers.csv`` is guarded)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS + [f"Input.{c}" for c in task.columns]
                    + [f"Answer.{task.answer}", "Approve", "Reject", "Simulated"])
    for a in answers:
        item_id = a["inputs"][task.item]
        hit = "3SIM" + hashlib.sha256(item_id.encode()).hexdigest()[:26].upper()
        accept = a["submit"] - timedelta(seconds=a["seconds"])
        row = [hit, "3SIMTYPE", task.title, task.description, task.keywords, task.reward,
               _time(accept - timedelta(hours=1)), "3", SIMULATED_MARK, "600", "259200",
               _time(accept + timedelta(days=3)), "", "259200", a["assignment"], a["worker"], "Submitted",
               _time(accept), _time(a["submit"]), _time(a["submit"] + timedelta(days=3)), "", "", "",
               str(int(a["seconds"])), "100% (10/10)", "100% (10/10)", "100% (3/3)",
               *(a["inputs"][c] for c in task.columns), str(a["answer"]), "", "", "true"]
        writer.writerow(row)
    return buf.getvalue()


__all__ = ["COLUMNS", "RESULTS", "SANDBOX_SUBMIT_URL", "SUBMIT_URL", "TemplateError", "batch_csv", "fill", "lint",
           "page", "read", "read_batches", "simulated_results", "template", "write_batches"]
