"""Amazon Mechanical Turk: batch CSV + classic-form HTML template (crowd-formats.md).

MTurk replaces every ``${column}`` of the template by that row's cell as plain text, so cells are
HTML-escaped by the exporter (and formula-neutralised for spreadsheets). The page reads
``assignmentId`` (and ``turkSubmitTo``) from its URL; in preview (``ASSIGNMENT_ID_NOT_AVAILABLE``
or no id) the answer box and the submit button are disabled. An answer shorter than
``min_length`` characters, once trimmed, is refused before anything is posted.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...files import write_atomic
from ...safety import escape_html, page_csv

COLUMNS = ("pair_id", "source_url", "target_url")
SUBMIT_URL = "https://www.mturk.com/mturk/externalSubmit"
SANDBOX_SUBMIT_URL = "https://workersandbox.mturk.com/mturk/externalSubmit"
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """A template with a placeholder that no column fills, or one MTurk would substitute inside a
    script or a comment."""


TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Describe the change between two avatars</title>
<style>
body {{ font-family: sans-serif; max-width: 44em; margin: 1em auto; }}
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
<input type="hidden" name="pair_id" value="${{pair_id}}">
<p id="task">{task}</p>
<div class="pair">
<figure><img id="source" src="${{source_url}}" alt="avatar before the change"><figcaption>Before</figcaption></figure>
<figure><img id="target" src="${{target_url}}" alt="avatar after the change"><figcaption>After</figcaption></figure>
</div>
<p id="example">Example of an instruction: <q>{example}</q></p>
<label for="instruction">Your instruction:</label>
<textarea name="instruction" id="instruction" minlength="{min_length}" maxlength="300" required></textarea>
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
  var box = document.getElementById("instruction");
  var button = document.getElementById("submitButton");
  var error = document.getElementById("error");
  document.getElementById("assignmentId").value = assignment;
  var submitTo = params.get("turkSubmitTo");
  if (submitTo) {{ form.action = submitTo.replace(/\\/$/, "") + "/mturk/externalSubmit"; }}
  if (!assignment || assignment === "ASSIGNMENT_ID_NOT_AVAILABLE") {{
    box.disabled = true;
    button.disabled = true;
    document.getElementById("preview").hidden = false;
  }}
  form.addEventListener("submit", function (event) {{
    var text = box.value.trim();
    if (button.disabled || text.length < minLength) {{
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


def template(task: str, example: str, min_length: int, sandbox: bool = False) -> str:
    """The HTML template; task text and example are escaped here (they are not batch cells)."""
    return TEMPLATE.format(submit_url=SANDBOX_SUBMIT_URL if sandbox else SUBMIT_URL,
                           task=escape_html(task), example=escape_html(example),
                           min_length=int(min_length))


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


def batch_csv(items) -> str:
    return page_csv(COLUMNS, ([it.row()[c] for c in COLUMNS] for it in items))


def write(batches, folder: Path, options) -> None:
    html = template(options.task_text, options.example, options.min_length)
    lint(html, COLUMNS)
    write_atomic(folder / "template.html", html)
    for number, items in enumerate(batches, start=1):
        write_atomic(folder / f"batch-{number:03d}.csv", batch_csv(items))
