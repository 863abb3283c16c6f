import csv
import json
import xml.etree.ElementTree as ET

import pytest

from collection import Job, run_job
from collection.crowd.platforms import mturk
from collection.crowd.export import ExportError, ExportOptions, export_batch
from collection.crowd.platforms.mturk import TemplateError

URL = "https://example.org/aimi/b1"


@pytest.fixture(scope="module")
def pairs_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("pairs")
    run_job(Job("pairs", seed=2, count=12, size=32), out, progress=False)
    return out


def _csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_export_writes_every_platform_with_checks_and_batches(pairs_dir, tmp_path):
    options = ExportOptions(image_base_url=URL, gold=2, distractors=3, batch_size=5, display_size=64)
    manifest = export_batch(pairs_dir, tmp_path, options)
    assert manifest["counts"] == {"pairs": 12, "items": 12 + 3 + 2 * 3, "batches": 3, "gold": 6,
                                  "distractors": 3, "answers_wanted": 63}
    key = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    rows = [r for n in (1, 2, 3) for r in _csv(tmp_path / "mturk" / f"batch-00{n}.csv")]
    assert [r["pair_id"] for r in rows] == [k["item_id"] for k in key]
    assert {k["kind"] for k in key} == {"pair", "gold", "distractor"}
    for k in key:
        if k["kind"] == "distractor":
            assert k["attribute"] is None
    # every image a row names exists next to the batch
    for r in rows:
        for col in ("source_url", "target_url"):
            assert r[col].startswith(URL + "/")
            assert (tmp_path / "images" / r[col][len(URL) + 1:]).is_file()
    # a distractor shows the same picture twice, under two names
    d = next(k for k in key if k["kind"] == "distractor")
    row = next(r for r in rows if r["pair_id"] == d["item_id"])
    src, tgt = (tmp_path / "images" / row[c].rsplit("/", 1)[1] for c in ("source_url", "target_url"))
    assert src != tgt and src.read_bytes() == tgt.read_bytes()
    # Label Studio and Appen carry the same items
    tasks = json.loads((tmp_path / "labelstudio" / "tasks-001.json").read_text())
    assert [t["data"]["pair_id"] for t in tasks] == [r["pair_id"] for r in _csv(tmp_path / "mturk" / "batch-001.csv")]
    config = ET.fromstring((tmp_path / "labelstudio" / "config.xml").read_text())
    assert config.find(".//TextArea").get("name") == "instruction"
    appen = [r for n in (1, 2, 3) for r in _csv(tmp_path / "appen" / f"job-00{n}.csv")]
    assert sum(r["_golden"] == "TRUE" for r in appen) == 6
    assert all(r["instruction_gold"] for r in appen if r["_golden"] == "TRUE")
    assert 'name="instruction"' in (tmp_path / "appen" / "template.cml").read_text()
    # the manifest lists every file with its checksum
    assert "mturk/template.html" in manifest["files"] and "items.jsonl" in manifest["files"]


def test_export_is_deterministic(pairs_dir, tmp_path):
    options = ExportOptions(image_base_url=URL, gold=1, distractors=2, display_size=32, seed=5)
    a = export_batch(pairs_dir, tmp_path / "a", options)
    b = export_batch(pairs_dir, tmp_path / "b", options)
    assert a["files"] == b["files"]


def test_hostile_text_is_escaped_in_pages_and_neutralised_in_csv(pairs_dir, tmp_path):
    hostile = '<script>alert("x")</script> =cmd|\' /C calc\'!A0'
    options = ExportOptions(image_base_url=URL + "/?a=1&b=<x>", display_size=32,
                            task_text=hostile, example=hostile)
    export_batch(pairs_dir, tmp_path, options)
    page = (tmp_path / "mturk" / "template.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page
    cml = (tmp_path / "appen" / "template.cml").read_text()
    assert "<script>alert" not in cml
    raw = (tmp_path / "mturk" / "batch-001.csv").read_text()
    assert "&amp;b=&lt;x&gt;" in raw and "<x>" not in raw
    ET.fromstring((tmp_path / "labelstudio" / "config.xml").read_text())  # still valid XML


def test_csv_cells_that_look_like_formulas_are_neutralised(pairs_dir, tmp_path):
    from collection.crowd.export import Item
    from collection.crowd.task import instruction_task

    item = Item("=1+1", "pair", "p", "eyes", "a", "b", "@x", "-y")
    text = mturk.batch_csv(instruction_task("t", "e", 10), [item.row()])
    assert text.splitlines()[1] == "'=1+1,'@x,'-y"


def test_template_lint():
    with pytest.raises(TemplateError, match="without a batch column: nope"):
        mturk.lint("<p>${pair_id} ${nope}</p>", mturk.COLUMNS)
    with pytest.raises(TemplateError, match="inside a <script>"):
        mturk.lint("<script>var a = `${pair_id}`;</script>", mturk.COLUMNS)
    mturk.lint(mturk.template("t", "e", 10), mturk.COLUMNS)


@pytest.mark.parametrize("kwargs, message", [
    ({"image_base_url": "http://example.org"}, "https://"),
    ({"image_base_url": URL, "platforms": ("toloka",)}, "unknown platform"),
    ({"image_base_url": URL, "gold": -1}, "gold must be >= 0"),
    ({"image_base_url": URL, "batch_size": 0}, "batch_size must be >= 1"),
    ({"image_base_url": URL, "display_size": 100}, "unsupported size"),
])
def test_bad_options_say_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ExportOptions(**kwargs)


def test_missing_or_broken_pairs_are_reported(tmp_path):
    with pytest.raises(ExportError, match="make pairs first"):
        export_batch(tmp_path, tmp_path / "out", ExportOptions(image_base_url=URL))
    (tmp_path / "pairs.jsonl").write_text('{"pair_id": "x"}\n')
    with pytest.raises(ExportError, match="line 1: not a pair record"):
        export_batch(tmp_path, tmp_path / "out", ExportOptions(image_base_url=URL))
    good = tmp_path / "g"
    run_job(Job("pairs", seed=0, count=2, size=32), good, progress=False)
    with pytest.raises(ExportError, match="at most 2"):
        export_batch(good, tmp_path / "out", ExportOptions(image_base_url=URL, gold=3))
