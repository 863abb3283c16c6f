import itertools
import json

import pytest

from collection.crowd.clean import CleanConfig, clean, hash_worker, judge
from collection.crowd.judgments import Judgment, write_answers

PAIR = {"pair_id": "p1", "attribute": "accessory", "from_value": "none", "to_value": "round",
        "source_id": "s", "target_id": "t", "source": {}, "target": {}}
ITEMS = {"p1": {"kind": "pair", "pair": PAIR, "attribute": "accessory", "to_value": "round"},
         "g1": {"kind": "gold", "pair": PAIR, "attribute": "accessory", "to_value": "round"},
         "d1": {"kind": "distractor", "pair": PAIR, "attribute": None, "to_value": None}}
GOOD = "Give him a pair of round glasses."


_COUNTER = itertools.count(1)


def row(answer=GOOD, item="p1", worker="W1", seconds=30.0):
    n = next(_COUNTER)  # a fresh assignment id and second for every row
    return Judgment(item, worker, f"A{n}", "mturk", answer, f"2026-01-01T00:00:{n % 60:02d}Z", seconds, True)


@pytest.mark.parametrize("answer, seconds, reason", [
    ("   ", 30, "empty"),
    ("round", 30, "too_short"),
    ("round glasses " * 30, 30, "too_long"),
    ("n/a", 30, "placeholder"),
    ("Give her round glasses.", 30, "copy_of_example"),
    ("mettez des lunettes rondes", 30, "not_english"),
    (GOOD, 1.0, "too_fast"),
    ("Make his hair red please", 30, "no_mention"),
])
def test_each_rule_catches_its_case(answer, seconds, reason):
    assert reason in judge([row(answer, seconds=seconds)], ITEMS, CleanConfig())[0]


def test_a_good_answer_passes_every_rule():
    assert judge([row(GOOD)], ITEMS, CleanConfig()) == [[]]
    assert judge([row("no difference at all", item="d1")], ITEMS, CleanConfig()) == [[]]


def test_reused_text_over_items_and_failed_checks_and_cap():
    many = {f"p{k}": ITEMS["p1"] for k in range(5)} | ITEMS
    rows = [row("round glasses for him", item=f"p{k}", worker="SPAM") for k in range(3)]
    assert all("reused_text" in r for r in judge(rows, many, CleanConfig()))
    rows = [row("make the hair red", item="g1", worker="BAD"), row("there is a hat", item="d1", worker="BAD"),
            row(GOOD, item="p1", worker="BAD")]
    assert all("failed_checks" in r for r in judge(rows, ITEMS, CleanConfig()))
    texts = [GOOD, "Put round glasses on him.", "He should wear round glasses now."]
    rows = [row(text, item=f"p{k}", worker="W9") for k, text in enumerate(texts)]
    assert [r for r in judge(rows, many, CleanConfig(max_per_worker=2))] == [[], [], ["over_cap"]]


def test_clean_writes_triplets_rejections_report_and_hashed_workers(tmp_path):
    (tmp_path / "pairs.jsonl").write_text(json.dumps(PAIR) + "\n")
    write_answers([row(GOOD, worker="RAW-WORKER-1"), row("ok", worker="RAW-WORKER-2")], tmp_path / "answers.csv")
    report = clean(tmp_path / "answers.csv", tmp_path / "pairs.jsonl", tmp_path / "out", salt="s3cret")
    assert (report["accepted"], report["rejected"], report["rejected_by_rule"]["too_short"]) == (1, 1, 1)
    out = tmp_path / "out"
    triplet = json.loads((out / "triplets.jsonl").read_text())
    assert triplet["instruction"] == GOOD and triplet["worker"] == hash_worker("RAW-WORKER-1", "s3cret")
    rejected = json.loads((out / "rejected.jsonl").read_text())
    assert rejected["reason"] == "too_short" and rejected["answer"] == "ok"
    for name in ("triplets.jsonl", "rejected.jsonl", "report.json", "approve_reject.csv"):
        assert "RAW-WORKER" not in (out / name).read_text()
    lines = (out / "approve_reject.csv").read_text().splitlines()
    assert lines[0] == "platform,AssignmentId,Approve,Reject" and ",x," in lines[1] and "too short" in lines[2]


def test_answers_for_unknown_items_say_to_pass_the_items_file():
    with pytest.raises(ValueError, match="--items"):
        judge([row(item="zzz")], ITEMS, CleanConfig())


def test_mturk_results_come_back_with_approve_and_reject_filled(tmp_path):
    import csv
    from pathlib import Path

    from collection.crowd.ingest import read_results

    fixture = Path(__file__).parent / "fixtures" / "results" / "mturk_classic.csv"
    pair = dict(PAIR, pair_id="p1")
    (tmp_path / "pairs.jsonl").write_text(json.dumps(pair) + "\n")
    write_answers(read_results([fixture]), tmp_path / "answers.csv")
    # the fixture's good answer is close to the default example; use another example here
    config = CleanConfig(example="Paint the background green.")
    clean(tmp_path / "answers.csv", tmp_path / "pairs.jsonl", tmp_path / "out", config=config, salt="x",
          mturk_results=[fixture])
    with open(tmp_path / "out" / "mturk_classic-review.csv", newline="") as f:
        rows = {r["AssignmentId"]: r for r in csv.DictReader(f)}
    assert rows["3A1"]["Approve"] == "x" and rows["3A1"]["Reject"] == ""
    assert rows["3A2"]["Approve"] == "" and rows["3A2"]["Reject"].startswith("Rejected: ")
    assert rows["3A2"]["Answer.instruction"].startswith("'=")  # the hostile answer cannot run
