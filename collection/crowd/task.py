"""What a crowd page asks, independent of the platform: the text, the pictures, the batch's
columns, and the answer (free text, or one of five grades). Each platform module
(``platforms/``) turns a :class:`Task` into its page or template, its batch file, its results
reader's fields and its simulated results writer, so a platform's format lives in one module and
a task's wording in one object.

Two tasks use it: the instruction task of the collection (``instruction_task``: two avatars,
write an instruction) and the benchmark's five-grade A/B preference study.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .judgments import Fields


@dataclass(frozen=True)
class Image:
    column: str      # the batch column holding the picture's URL
    caption: str     # shown under the picture
    alt: str         # the picture's alternative text


@dataclass(frozen=True)
class Task:
    name: str                          # "instruction" or "preference"
    title: str                         # page title (MTurk: the HIT's title)
    text: str                          # what the worker is asked, shown above the pictures
    item: str                          # the batch column naming the item (read back from results)
    answer: str                        # the answer field's name
    images: tuple[Image, ...]          # pictures, in order
    columns: tuple[str, ...]           # the batch's input columns (item first)
    grades: tuple[str, ...] = ()       # the labels of radios 1..N; empty: a free-text answer
    example: str = ""                  # free text: an example answer shown under the pictures
    min_length: int = 1                # free text: characters an answer needs, once trimmed
    quote: str = ""                    # a batch column shown quoted above the pictures (the study's instruction)
    gold: bool = False                 # Appen: the batch carries _golden rows and their accepted answers
    description: str = ""              # MTurk HIT description
    keywords: str = ""                 # MTurk HIT keywords
    reward: str = "$0.05"              # MTurk reward per assignment

    @property
    def fields(self) -> Fields:
        """What the results readers read back: the item column and the answer field."""
        return Fields(item=self.item, answer=self.answer)

    @property
    def free_text(self) -> bool:
        return not self.grades

    def choices(self) -> list[tuple[str, str]]:
        """(value, label) of each grade, values "1".."N"."""
        return [(str(g), label) for g, label in enumerate(self.grades, start=1)]


def instruction_task(text: str, example: str, min_length: int) -> Task:
    """The collection's task: the avatar before and after one change; write the instruction."""
    return Task(name="instruction", title="Describe the change between two avatars", text=text, item="pair_id",
                answer="instruction",
                images=(Image("source_url", "Before", "avatar before the change"),
                        Image("target_url", "After", "avatar after the change")),
                columns=("pair_id", "source_url", "target_url"), example=example, min_length=min_length, gold=True,
                description="Write an instruction", keywords="avatar,image,instruction")


def csv_rows_by_item(paths, task: Task) -> dict[str, dict]:
    """The rows of exported batch CSV files, by the task's item column (later files win)."""
    rows = {}
    for path in sorted(map(Path, paths)):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                rows[row[task.item]] = row
    return rows


__all__ = ["Image", "Task", "csv_rows_by_item", "instruction_task"]
