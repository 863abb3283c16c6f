"""pairs -> export (three platforms) -> simulated answers -> ingest -> clean, end to end."""

import json

from collection import Job, run_job
from collection.crowd.clean import clean
from collection.crowd.export import ExportOptions, export_batch
from collection.crowd.ingest import read_results
from collection.crowd.judgments import read_answers, write_answers
from collection.crowd.simulate import simulate


def test_round_trip(tmp_path):
    run_job(Job("pairs", seed=4, count=60, size=32), tmp_path / "pairs", progress=False)
    export_batch(tmp_path / "pairs", tmp_path / "export",
                 ExportOptions(image_base_url="https://example.org/b", gold=2, distractors=6,
                               batch_size=30, display_size=32))
    simulate(tmp_path / "export", tmp_path / "results", seed=4, panel_size=40)
    results = tmp_path / "results"
    files = [results / "mturk-results.csv", results / "labelstudio-export.json", results / "appen-full-report.csv"]
    write_answers(read_results(files), tmp_path / "answers.csv")
    write_answers(read_results(files), tmp_path / "answers.csv")  # ingesting twice changes nothing
    rows = read_answers(tmp_path / "answers.csv")
    report = clean(tmp_path / "answers.csv", tmp_path / "pairs" / "pairs.jsonl", tmp_path / "clean",
                   items_path=tmp_path / "export" / "items.jsonl", salt="test")
    assert report["answers"] == len(rows) == report["accepted"] + report["rejected"]
    assert report["simulated_answers"] == len(rows)
    assert sum(report["rejected_by_rule"].values()) == report["rejected"]

    key = {(k["platform"], k["assignment_id"]): k["meaning"]
           for k in map(json.loads, (results / "simulated_key.jsonl").read_text().splitlines())}
    rejected = {(r["platform"], r["assignment_id"])
                for r in map(json.loads, (tmp_path / "clean" / "rejected.jsonl").read_text().splitlines())}
    invalid = [k for k in ((r.platform, r.assignment_id) for r in rows) if key[k] != "valid"]
    valid = [k for k in ((r.platform, r.assignment_id) for r in rows) if key[k] == "valid"]
    assert invalid and all(k in rejected for k in invalid)  # every planted bad answer is caught
    assert sum(k in rejected for k in valid) <= 0.05 * len(valid)  # and few good ones are lost
