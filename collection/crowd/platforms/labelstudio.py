"""Label Studio: the XML labeling config, the tasks JSON, the export reader (JSON and JSON_MIN)
and the simulated export writer, for any :class:`~collection.crowd.task.Task`.

A task's ``data`` holds the batch row; a free-text answer is a ``TextArea`` named after the
task's answer field, a graded one ``Choices`` with values "1".."N". Simulated exports carry
``meta.simulated`` on every task and annotation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable
from xml.sax.saxutils import quoteattr

from ...files import write_atomic
from ..judgments import Fields, IngestError, Judgment, iso_utc, need, parse_time, truthy
from ..task import Task, instruction_task

RESULTS = "labelstudio-export.json"


def labeling_config(task: Task) -> str:
    """The XML labeling config of ``task`` (texts quoted as XML attributes)."""
    names = ",".join(im.column.removesuffix("_url") for im in task.images)
    images = "\n".join(f'    <Image name="{im.column.removesuffix("_url")}" value="${im.column}" width="192px"/>'
                       for im in task.images)
    quote = f'  <Text name="{task.quote}" value="${task.quote}"/>\n' if task.quote else ""
    if task.free_text:
        hint = quoteattr(f"Example: {task.example}")
        answer = (f'  <Header value={hint} size="6"/>\n'
                  f'  <TextArea name="{task.answer}" toName="{names}" required="true" maxSubmissions="1"\n'
                  f'            rows="3" placeholder="At least {int(task.min_length)} characters"/>\n')
    else:
        choices = "\n".join(f"    <Choice value=\"{value}\" hint={quoteattr(label)}/>" for value, label in task.choices())
        answer = (f'  <Choices name="{task.answer}" toName="{names}" choice="single" required="true" '
                  f'showInline="false">\n{choices}\n  </Choices>\n')
    return (f"<View>\n  <Header value={quoteattr(task.text)}/>\n{quote}"
            f'  <View style="display: flex; gap: 2em;">\n{images}\n  </View>\n{answer}</View>\n')


def config(task_text: str, example: str, min_length: int) -> str:
    """The instruction task's labeling config (see :func:`labeling_config`)."""
    return labeling_config(instruction_task(task_text, example, min_length))


def tasks(task: Task, rows) -> list[dict]:
    return [{"data": {c: row[c] for c in task.columns}} for row in rows]


def write_batches(task: Task, batches, folder: Path) -> None:
    """``config.xml`` and ``tasks-NNN.json`` for each batch of rows."""
    write_atomic(folder / "config.xml", labeling_config(task))
    for number, rows in enumerate(batches, start=1):
        write_atomic(folder / f"tasks-{number:03d}.json", json.dumps(tasks(task, rows), indent=1) + "\n")


def read_batches(folder: Path, task: Task) -> dict[str, dict]:
    rows = {}
    for path in sorted(folder.glob("tasks-*.json")):
        for entry in json.loads(path.read_text()):
            rows[entry["data"][task.item]] = entry["data"]
    return rows


# --- results ------------------------------------------------------------------------------------

def _worker(value) -> str:
    if isinstance(value, dict):
        value = value.get("email") or value.get("id")
    return "" if value is None else str(value)


def _text(result: list, field: str) -> str:
    for r in result or []:
        if r.get("from_name") == field and r.get("type") in ("textarea", "choices"):
            value = r.get("value") or {}
            text = value.get("text") if r.get("type") == "textarea" else value.get("choices")
            if isinstance(text, list):
                return "\n".join(str(t) for t in text)
            if text is not None:
                return str(text)
    return ""


def _seconds(value, where: str) -> float:
    """``lead_time`` in seconds (absent: 0); anything else that is not a number names the item."""
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        raise IngestError(f"{where}: lead_time must be a number of seconds, got {value!r}") from None


def read(data: list, name: str, fields: Fields) -> Iterable[Judgment]:
    """Judgments of a Label Studio JSON export (tasks with ``annotations``; cancelled ones
    skipped) or JSON_MIN export (one flat object per annotation)."""
    if not isinstance(data, list):
        raise IngestError(f"{name}: a Label Studio export is a JSON list of tasks, got {type(data).__name__}")
    for n, entry in enumerate(data, start=1):
        where = f"{name}, item {n}"
        if not isinstance(entry, dict):
            raise IngestError(f"{where}: expected an object, got {type(entry).__name__}")
        if "annotations" in entry:  # full JSON export
            data = entry.get("data") or {}
            if not isinstance(data, dict):
                raise IngestError(f"{where}: data must be an object, got {type(data).__name__}")
            item = need(data, fields.item, where)
            if not isinstance(entry["annotations"], list):
                raise IngestError(f"{where}: annotations must be a list, got {type(entry['annotations']).__name__}")
            for k, annotation in enumerate(entry["annotations"], start=1):
                if not isinstance(annotation, dict):
                    raise IngestError(f"{where}: annotation {k} must be an object, got {type(annotation).__name__}")
                if annotation.get("was_cancelled"):
                    continue
                try:
                    submit = parse_time(need(annotation, "created_at", where))
                except IngestError:
                    raise
                except ValueError as e:
                    raise IngestError(f"{where}: {e}") from None
                yield Judgment(
                    item_id=item, worker_id=need({"w": _worker(annotation.get("completed_by"))}, "w", where),
                    assignment_id=need(annotation, "id", where), platform="labelstudio",
                    answer=_text(annotation.get("result"), fields.answer), submit_time=iso_utc(submit),
                    work_time_s=_seconds(annotation.get("lead_time"), where),
                    simulated=truthy(((entry.get("meta") or {}) | (annotation.get("meta") or {})).get("simulated", "")))
        else:  # JSON_MIN
            value = entry.get(fields.answer, "")
            if isinstance(value, dict):
                value = value.get("text", value.get("choices", ""))
            if isinstance(value, list):
                value = "\n".join(map(str, value))
            try:
                submit = parse_time(need(entry, "created_at", where))
            except IngestError:
                raise
            except ValueError as e:
                raise IngestError(f"{where}: {e}") from None
            yield Judgment(
                item_id=need(entry, fields.item, where), worker_id=need(entry, "annotator", where),
                assignment_id=str(entry.get("annotation_id") or entry.get("id") or ""), platform="labelstudio",
                answer=str(value), submit_time=iso_utc(submit), work_time_s=_seconds(entry.get("lead_time"), where),
                simulated=truthy(entry.get("simulated", "")))


def simulated_results(task: Task, answers: list[dict]) -> str:
    """A SIMULATED JSON export (see ``mturk.simulated_results`` for the answers' keys); the
    annotator is ``<worker>@simulated.invalid``."""
    exported: dict[str, dict] = {}
    target = task.images[0].column.removesuffix("_url")
    for a in answers:
        item_id = a["inputs"][task.item]
        entry = exported.setdefault(item_id, {"id": len(exported) + 1,
                                              "data": {c: a["inputs"][c] for c in task.columns},
                                              "meta": {"simulated": True}, "annotations": []})
        value = {"text": [a["answer"]]} if task.free_text else {"choices": [str(a["answer"])]}
        entry["annotations"].append({
            "id": a["assignment"],
            "completed_by": {"email": f"{a['worker']}@simulated.invalid"}, "was_cancelled": False,
            "ground_truth": False, "created_at": a["submit"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "lead_time": float(a["seconds"]),
            "result": [{"from_name": task.answer, "to_name": target,
                        "type": "textarea" if task.free_text else "choices", "value": value}],
            "meta": {"simulated": True, "worker_id": a["worker"]}})
    return json.dumps(list(exported.values()), indent=1) + "\n"


__all__ = ["RESULTS", "config", "labeling_config", "read", "read_batches", "simulated_results", "tasks",
           "write_batches"]
