"""Hostile input to the command lines: one `error:` line naming the file (once) and the fix, a
non-zero exit, and no traceback; a failed clean writes nothing; a results file with a huge answer
is read (cleaning rejects the answer as too long) instead of failing the batch."""

import json
import shutil
from pathlib import Path

import pytest

from collection.cli import main as collection_main

FIX = Path(__file__).parent.parent / "fixtures" / "results"
PAIR = {"pair_id": "p1", "attribute": "hair_color", "from_value": "black", "to_value": "blonde",
        "source_id": "s", "target_id": "t", "source": {}, "target": {}}


def _one_line(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in captured.err + captured.out and err.count("\n") == 0 and err.startswith("error: "), \
        captured.err
    return err


@pytest.mark.parametrize("content, says", [
    ([{"data": {"pair_id": "p1"}, "annotations": 5}], "annotations must be a list"),
    ([{"data": {"pair_id": "p1"}, "annotations": ["a", "b"]}], "annotation 1 must be an object"),
    ([{"data": "str", "annotations": []}], "data must be an object"),
    ([{"pair_id": "p1", "annotator": "w", "created_at": "2024-01-01T00:00:00Z", "instruction": "x",
       "lead_time": "soon"}], "lead_time"),
])
def test_malformed_label_studio_json_is_one_line_naming_the_file(tmp_path, capsys, content, says):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(content))
    assert collection_main(["ingest", str(path), "--out", str(tmp_path / "answers.csv")]) == 1
    err = _one_line(capsys)
    assert says in err and err.count(str(path)) == 1, err
    assert not (tmp_path / "answers.csv").exists()


def test_a_missing_column_names_the_file_and_row_once(tmp_path, capsys):
    path = tmp_path / "only_ids.csv"
    path.write_text("HITId,AssignmentId,WorkerId,SubmitTime,WorkTimeInSeconds,Input.pair_id,Answer.instruction\n"
                    "H,A,W,,30,p,x\n")
    assert collection_main(["ingest", str(path), "--out", str(tmp_path / "answers.csv")]) == 1
    err = _one_line(capsys)
    assert err.count("row 2") == 1 and err.count("only_ids.csv") == 1, err


def test_an_mturk_answer_over_the_csv_field_limit_is_read_and_rejected_as_too_long(tmp_path):
    from collection.crowd.clean import clean
    from collection.crowd.ingest import read_results
    from collection.crowd.judgments import write_answers

    text = (FIX / "mturk_classic.csv").read_text().splitlines()
    header, first = text[0], text[1]
    columns = next(__import__("csv").reader([header]))
    cells = next(__import__("csv").reader([first]))
    cells[columns.index("Answer.instruction")] = "make the hair blonde " * 10_000       # 210,000 characters
    cells[columns.index("Input.pair_id")] = "p1"
    path = tmp_path / "huge.csv"
    import csv
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows([columns, cells])
    rows = read_results([path])
    assert len(rows) == 1 and len(rows[0].answer) == 210_000
    write_answers(rows, tmp_path / "answers.csv")
    (tmp_path / "pairs.jsonl").write_text(json.dumps(PAIR) + "\n")
    report = clean(tmp_path / "answers.csv", tmp_path / "pairs.jsonl", tmp_path / "out", salt="s")
    assert report["rejected_by_rule"]["too_long"] == 1


@pytest.mark.parametrize("items, says", [
    ('[{"item_id": "g1", "pair_id": "p1", "kind": "gold", "attribute": "hair_color", "to_value": "blonde"}]',
     "one JSON object per line"),
    ('{"item_id": "g1"}', "missing"),
    ("not json", "line 1"),
])
def test_clean_with_a_bad_items_file_is_one_line_and_writes_nothing(tmp_path, capsys, items, says):
    from collection.crowd.ingest import read_results
    from collection.crowd.judgments import write_answers

    write_answers(read_results([FIX / "mturk_classic.csv"]), tmp_path / "answers.csv")
    (tmp_path / "pairs.jsonl").write_text(json.dumps(PAIR) + "\n")
    (tmp_path / "items.jsonl").write_text(items + "\n")
    code = collection_main(["clean", str(tmp_path / "answers.csv"), "--pairs", str(tmp_path / "pairs.jsonl"),
                            "--items", str(tmp_path / "items.jsonl"), "--out", str(tmp_path / "out")])
    err = _one_line(capsys)
    assert code == 1 and says in err and "items.jsonl" in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_clean_that_fails_late_writes_nothing(tmp_path, capsys):
    from collection.crowd.ingest import read_results
    from collection.crowd.judgments import write_answers

    write_answers(read_results([FIX / "mturk_classic.csv"]), tmp_path / "answers.csv")
    (tmp_path / "pairs.jsonl").write_text(json.dumps(dict(PAIR, pair_id="p1")) + "\n")
    bad = tmp_path / "results.csv"                          # fails in the last step: the MTurk review file
    bad.write_bytes(b"\xff\xfe not utf-8 \xff")
    code = collection_main(["clean", str(tmp_path / "answers.csv"), "--pairs", str(tmp_path / "pairs.jsonl"),
                            "--out", str(tmp_path / "out"), "--mturk-results", str(bad), "--salt", "s"])
    _one_line(capsys)
    assert code == 1
    left = sorted(p.name for p in (tmp_path / "out").iterdir()) if (tmp_path / "out").exists() else []
    assert left == [], left


@pytest.mark.parametrize("setting, says", [("lr=abc", "lr takes a number"), ("phases=1.5", "phases takes an integer"),
                                           ("autoencode=3", "autoencode takes true or false")])
def test_a_setting_of_the_wrong_type_is_a_usage_error(tmp_path, capsys, setting, says):
    from benchmark.cli import main

    code = main(["train", "--model", "imi", "--preset", "smoke", "--out", str(tmp_path / "run"), "--set", setting])
    err = _one_line(capsys)
    assert code == 2 and says in err, err
    assert not (tmp_path / "run").exists()


def test_a_killed_render_job_leaves_no_orphaned_workers(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "render"
    process = subprocess.Popen([sys.executable, "-m", "collection", "render", "--count", "20000", "--size", "64",
                                "--workers", "2", "--out", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        children = []
        while time.monotonic() < deadline and len(children) < 2:
            time.sleep(0.2)
            children = _children(process.pid)
        assert len(children) >= 2, "the render job did not start its workers"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.2)
        assert not any(_alive(c) for c in children), "workers outlived their killed parent"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(out, ignore_errors=True)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
