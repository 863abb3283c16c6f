"""Each platform module writes and reads its own formats for both tasks (the free-text instruction
task and the five-grade preference study): a simulated results file read back through ingest gives
the answers that were written, marked simulated."""

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree as ET

import pytest

from benchmark.preference.study import TASK as PREFERENCE
from collection.crowd.ingest import read_results
from collection.crowd.platforms import PLATFORMS
from collection.crowd.task import instruction_task

INSTRUCTION = instruction_task("Describe the change.", "Give her round glasses.", 10)


def _rows(task):
    return [{c: (f"item-{k}" if c == task.item else f"https://example.org/{k}/{c}.png" if c.endswith("_url")
                 else "make the hair =red") for c in task.columns} for k in range(3)]


@pytest.mark.parametrize("task", [INSTRUCTION, PREFERENCE], ids=lambda t: t.name)
@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_results_round_trip(platform, task, tmp_path):
    module = PLATFORMS[platform]
    rows = _rows(task)
    module.write_batches(task, [rows], tmp_path / platform)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    answers = [{"inputs": row, "worker": f"w{k % 2}", "assignment": f"a{k}", "submit": start + timedelta(minutes=k),
                "seconds": 30 + k, "answer": "give her red hair" if task.free_text else str(k + 3)}
               for k, row in enumerate(rows)]
    path = tmp_path / module.RESULTS
    path.write_text(module.simulated_results(task, answers))
    judgments = read_results([path], task.fields)
    assert [(j.item_id, j.answer, j.platform, j.simulated) for j in judgments] == \
        [(a["inputs"][task.item], a["answer"], platform, True) for a in answers]
    assert [j.work_time_s for j in judgments] == [30.0, 31.0, 32.0]
    assert len({j.worker_id for j in judgments}) == 2


@pytest.mark.parametrize("task", [INSTRUCTION, PREFERENCE], ids=lambda t: t.name)
def test_pages_name_every_column_and_the_answer(task, tmp_path):
    mturk, labelstudio = PLATFORMS["mturk"], PLATFORMS["labelstudio"]
    html = mturk.page(task)
    mturk.lint(html, task.columns)
    assert f'name="{task.answer}"' in html
    assert ("<textarea" in html) == task.free_text and html.count('type="radio"') == len(task.grades)
    config = ET.fromstring(labelstudio.labeling_config(task))
    assert config.find(".//TextArea" if task.free_text else ".//Choices").get("name") == task.answer
    cml = PLATFORMS["appen"].cml(task)
    assert f'name="{task.answer}"' in cml and all(f"{{{{{im.column}}}}}" in cml for im in task.images)
    assert f'name="{task.answer}"' in PLATFORMS["toloka"].interface(task)
