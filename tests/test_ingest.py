from pathlib import Path

import pytest

from collection.crowd.ingest import detect, read_results
from collection.crowd.judgments import IngestError, parse_time, read_answers, write_answers

FIX = Path(__file__).parent / "fixtures" / "results"
ALL = sorted(FIX.iterdir())


def _by_assignment(judgments):
    return {(j.platform, j.assignment_id): j for j in judgments}


def test_every_platform_and_shape_is_read():
    rows = _by_assignment(read_results(ALL))
    assert len(rows) == 8  # the tainted Appen and the cancelled Label Studio judgments are gone
    a = rows["mturk", "3A1"]
    assert (a.item_id, a.worker_id, a.answer, a.submit_time, a.work_time_s, a.simulated) == \
        ("p1", "A1WORKER", "Give him round glasses.", "2019-06-19T16:35:40Z", 30.0, False)
    assert rows["mturk", "3B1"].answer == "make the background red"  # dotted, old header
    assert rows["mturk", "3B1"].submit_time == "2013-12-02T18:05:42Z"  # PST
    c = rows["mturk", "3C1"]
    assert c.answer == "she should wear a hijab" and c.simulated  # taskAnswers JSON, marked simulated
    ls = rows["labelstudio", "101"]
    assert (ls.item_id, ls.worker_id, ls.answer, ls.work_time_s) == ("p4", "7", "change the eyes to hearts", 12.5)
    assert ls.submit_time == "2024-05-01T10:00:00Z"
    m = rows["labelstudio", "201"]
    assert (m.item_id, m.worker_id, m.answer, m.submit_time) == ("p5", "9", "give him a beard", "2024-05-01T09:00:00Z")
    ap = rows["appen", "5001"]
    assert (ap.item_id, ap.worker_id, ap.answer, ap.work_time_s) == ("p6", "45001", "turn the shirt blue", 30.0)
    assert ("appen", "5002") not in rows
    t = rows["toloka", "0001"]
    assert (t.item_id, t.worker_id, t.answer, t.work_time_s) == ("p7", "w-toloka-1", "remove the hat", 31.0)


def test_detection():
    names = {p.name: detect(p, p.read_text()) for p in ALL}
    assert names == {"appen_full.csv": "appen", "labelstudio.json": "labelstudio",
                     "labelstudio_min.json": "labelstudio", "mturk_classic.csv": "mturk",
                     "mturk_old_dotted.csv": "mturk", "mturk_taskanswers.csv": "mturk",
                     "toloka.tsv": "toloka"}


def test_merging_is_idempotent_and_the_table_round_trips(tmp_path):
    out = tmp_path / "answers.csv"
    first = write_answers(read_results(ALL), out)
    again = write_answers(read_results([FIX / "mturk_classic.csv", FIX / "toloka.tsv"]), out)
    assert first == again == read_answers(out)
    text = out.read_text()
    assert "'=HYPERLINK" in text and '\n=HYPERLINK' not in text  # safe to open in a spreadsheet
    assert _by_assignment(read_answers(out))["mturk", "3A2"].answer == '=HYPERLINK("http://evil")'


def test_times():
    assert parse_time("Wed Jun 19 09:35:40 PDT 2019").isoformat() == "2019-06-19T09:35:40-07:00"
    assert parse_time("6/19/2019 16:35:40").isoformat() == "2019-06-19T16:35:40+00:00"
    with pytest.raises(ValueError, match="unrecognised time"):
        parse_time("yesterday")


@pytest.mark.parametrize("content, message", [
    ("HITId,AssignmentId,WorkerId,SubmitTime,WorkTimeInSeconds,Input.pair_id,Answer.instruction\n"
     "H,A,W,,30,p,x\n", "row 2: missing 'SubmitTime'"),
    ("HITId,AssignmentId,WorkerId,SubmitTime,WorkTimeInSeconds,Input.pair_id,Answer.instruction\n"
     "H,A,W,soon,30,p,x\n", "row 2: unrecognised time 'soon'"),
    ("HITId,AssignmentId,WorkerId,SubmitTime,WorkTimeInSeconds,Input.pair_id\n"
     "H,A,W,Wed Jun 19 09:35:40 PDT 2019,30,p\n", "row 2: no answer column"),
    ("name,score\nx,1\n", "not a results file of a known platform"),
    ("[{\"annotations\": []}]", "item 1: missing 'pair_id'"),
    ("[1, 2]", "item 1: expected an object"),
])
def test_malformed_files_name_the_file_row_and_problem(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(IngestError, match=message) as e:
        read_results([path])
    assert str(path) in str(e.value)
