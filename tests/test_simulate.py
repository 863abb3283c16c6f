import csv
import json

import pytest

from collection import Job, run_job
from collection.crowd.export import ExportOptions, export_batch
from collection.crowd.ingest import read_results
from collection.crowd.lexicon import names_change
from collection.crowd.panel import measure_panel, pattern
from collection.crowd.simulate import make_panel, simulate


def test_panel_goals_on_5000_pairs():
    figures = measure_panel(5000, seed=0)
    assert figures["simulated"] is True
    assert figures["word_types"] >= 800
    assert figures["distinct_share"] >= 0.80
    assert figures["largest_pattern_share"] <= 0.05
    assert figures["names_change_share"] == 1.0


def test_pattern_abstracts_content_but_keeps_phrasing():
    assert pattern("Give him round glasses.") == pattern("Give her a bob cut.") == "give _ ."
    assert pattern("Could you make his hair red?") != pattern("make his hair red")


def test_panel_is_seeded_and_has_a_spammer():
    assert make_panel(3) == make_panel(3) != make_panel(4)
    assert any(w.persona == "spammer" for w in make_panel(3))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    run_job(Job("pairs", seed=1, count=40, size=32), root / "pairs", progress=False)
    export_batch(root / "pairs", root / "export",
                 ExportOptions(image_base_url="https://example.org/b", gold=2, distractors=4, batch_size=20,
                               display_size=32, assignments=3))
    summary = simulate(root / "export", root / "results", seed=2, panel_size=30)
    return root, summary


def test_every_platform_is_answered_in_its_own_format_and_marked_simulated(simulated):
    root, summary = simulated
    items = 40 + 4 + 2 * 3  # pairs, distractors, 2 gold items in each of 3 batches
    assert summary["answers"] == {"mturk": items * 3, "labelstudio": items * 3, "appen": items * 3}
    with open(root / "results" / "mturk-results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {"HITId", "AssignmentId", "WorkerId", "SubmitTime", "WorkTimeInSeconds", "LifetimeApprovalRate",
            "Input.pair_id", "Answer.instruction", "Approve", "Reject"} <= set(rows[0])
    assert all(r["RequesterAnnotation"] == "aimi-simulated" and r["Simulated"] == "true" for r in rows)
    export = json.loads((root / "results" / "labelstudio-export.json").read_text())
    assert all(t["meta"]["simulated"] and all(a["meta"]["simulated"] for a in t["annotations"]) for t in export)
    with open(root / "results" / "appen-full-report.csv", newline="") as f:
        appen = list(csv.DictReader(f))
    assert all(r["simulated"] == "true" for r in appen) and appen[0]["_worker_id"]


def test_results_round_trip_through_ingest(simulated):
    root, summary = simulated
    results = root / "results"
    judgments = read_results([results / "mturk-results.csv", results / "labelstudio-export.json",
                              results / "appen-full-report.csv"])
    with open(results / "appen-full-report.csv", newline="") as f:
        tainted = sum(1 for r in csv.DictReader(f) if r["_tainted"] == "true")
    assert len(judgments) == sum(summary["answers"].values()) - tainted
    assert all(j.simulated for j in judgments)
    key = {(k["platform"], k["assignment_id"]): k
           for k in map(json.loads, (results / "simulated_key.jsonl").read_text().splitlines())}
    items = {i["item_id"]: i for i in map(json.loads, (root / "export" / "items.jsonl").read_text().splitlines())}
    meanings = set()
    for j in judgments:
        k = key[j.platform, j.assignment_id]
        meanings.add(k["meaning"])
        if k["meaning"] == "valid":
            item = items[j.item_id]
            to_value = item["to_value"] if item["kind"] != "distractor" else None
            assert names_change(j.answer, item["attribute"], to_value), (j.answer, item)
    assert {"valid", "spam"} <= meanings and len(meanings) >= 4
