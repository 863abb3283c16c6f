"""Read crowd results from any supported platform into the long table (``judgments.py``).

Platforms are detected from the file itself and read by their own module (``platforms/``):
MTurk results CSV, Label Studio JSON / JSON_MIN, Appen full report, Toloka TSV. :class:`Fields`
names the item column and the answer field (default: the instruction task's ``pair_id`` /
``instruction``; the benchmark's preference study passes ``presentation_id`` / ``grade``).
Simulated rows are recognised by each platform's mark. Merging is idempotent: the same
(platform, assignment) twice is one row. A malformed file raises :class:`IngestError` naming the
file, the row and what is wrong.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable

from .judgments import INSTRUCTION, Fields, IngestError, Judgment
from .platforms import PLATFORMS


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
                text = json.loads(text)
            except json.JSONDecodeError as e:
                raise IngestError(f"{path}: not JSON ({e})") from None
        rows = PLATFORMS[platform].read(text, str(path), fields)
        for judgment in rows:
            found.setdefault(judgment.key(), judgment)
    return sorted(found.values(), key=lambda j: (j.submit_time, j.platform, j.assignment_id))


__all__ = ["detect", "read_results"]
