"""Appen (formerly Figure Eight / CrowdFlower, the paper's platform): job CSV + CML template.

Columns reach the CML as ``{{column}}`` and are pasted into the page, so cells are HTML-escaped
and formula-neutralised. Gold rows carry ``_golden`` = TRUE, ``instruction_gold`` (the lexicon's
key words, one of which a right answer uses) and ``instruction_gold_reason``.
"""

from __future__ import annotations

from pathlib import Path

from ...files import write_atomic
from ..lexicon import VALUES
from ...safety import escape_html, page_csv

COLUMNS = ("pair_id", "source_url", "target_url", "_golden", "instruction_gold", "instruction_gold_reason")


def template(task: str, example: str, min_length: int) -> str:
    return f"""<p>{escape_html(task)}</p>
<div style="display: flex; gap: 2em;">
  <figure><img src="{{{{source_url}}}}" width="192" height="192" alt="before"/><figcaption>Before</figcaption></figure>
  <figure><img src="{{{{target_url}}}}" width="192" height="192" alt="after"/><figcaption>After</figcaption></figure>
</div>
<p>Example of an instruction: <q>{escape_html(example)}</q></p>
<cml:textarea label="Your instruction" name="instruction" validates="required minLength:{int(min_length)}"/>
"""


def _gold(it) -> list[str]:
    if it.kind != "gold":
        return ["", "", ""]
    keys = VALUES[it.attribute][it.to_value][1]
    return ["TRUE", ", ".join(keys),
            f"The {it.attribute.replace('_', ' ')} changed to {VALUES[it.attribute][it.to_value][0][0]}."]


def job_csv(items) -> str:
    return page_csv(COLUMNS, ([it.row()[c] for c in COLUMNS[:3]] + _gold(it) for it in items))


def write(batches, folder: Path, options) -> None:
    write_atomic(folder / "template.cml", template(options.task_text, options.example, options.min_length))
    for number, items in enumerate(batches, start=1):
        write_atomic(folder / f"job-{number:03d}.csv", job_csv(items))
