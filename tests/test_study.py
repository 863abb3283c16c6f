"""The preference study through the three platforms' real file formats, answered by SIMULATED raters."""

import csv
import io
import json

import pytest

from benchmark.evaluation.evaluate import evaluate
from benchmark.preference.study import PLATFORMS, StudyOptions, collect_study, export_study, simulate_study
from collection.crowd.platforms.mturk import fill


@pytest.fixture(scope="module")
def evaluated(smoke_runs, data_root):
    for name in ("imi", "imi_sim"):
        evaluate(smoke_runs / name, "test", root=data_root, resamples=200)
    return smoke_runs


@pytest.mark.parametrize("platform", PLATFORMS)
def test_export_simulate_ingest_and_analyse(evaluated, data_root, tmp_path, platform):
    options = StudyOptions(limit=20, seed=3)
    manifest = export_study(evaluated / "imi", evaluated / "imi_sim", tmp_path, "https://example.org/study",
                            options)
    assert manifest["presentations"] == 40 and manifest["model_a"] == "imi" and manifest["model_b"] == "imi_sim"
    rows = list(csv.DictReader(io.StringIO((tmp_path / "mturk" / "batch-001.csv").read_text())))
    assert len(rows) == 40
    for row in rows:                                         # nothing on the page tells the models apart
        assert "imi" not in row["a_url"] + row["b_url"] + row["presentation_id"]
    key = [json.loads(line) for line in (tmp_path / "key.jsonl").read_text().splitlines()]
    assert sorted(k["order"] for k in key).count("forward") == 20
    page = fill((tmp_path / "mturk" / "template.html").read_text(), {**rows[0], "instruction": "&lt;b&gt;x"})
    assert 'name="grade" value="5"' in page and "&lt;b&gt;x" in page

    results = simulate_study(tmp_path, platform, seed=1)
    study = collect_study(tmp_path, [results])
    assert study["simulated"] and study["note"].startswith("SIMULATED")
    assert study["ratings"] == 120 and study["items"] == 20 and study["per_order"] == {"forward": 60, "reversed": 60}
    assert study["max_per_worker"] <= 10 and study["platforms"] == [platform]
    assert sum(study["proportions"].values()) == pytest.approx(1.0)
    assert json.loads((tmp_path / "study.json").read_text())["kind"] == "preference"
    ratings = (tmp_path / "ratings.csv").read_text()
    assert "sim-0" not in ratings                            # worker ids are hashed in what is written
    # ingest is idempotent: the same file twice gives the same study
    assert collect_study(tmp_path, [results, results])["ratings"] == 120


def test_a_worker_over_the_limit_is_cut_and_counted(evaluated, data_root, tmp_path):
    export_study(evaluated / "imi", evaluated / "imi_sim", tmp_path, "https://example.org/s",
                 StudyOptions(limit=10, max_per_worker=2))
    with pytest.raises(ValueError, match="panel is too small"):
        simulate_study(tmp_path, "mturk", seed=0, raters=4)
    results = simulate_study(tmp_path, "mturk", seed=0)
    header, *body = list(csv.reader(io.StringIO(results.read_text())))
    worker, assignment = header.index("WorkerId"), header.index("AssignmentId")
    # the same rater answers three more presentations than allowed
    extra = [[*row[:worker], body[0][worker], *row[worker + 1:]] for row in body[1:4]]
    for n, row in enumerate(extra):
        row[assignment] = f"X{n}"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *body, *extra])
    results.write_text(buffer.getvalue())
    study = collect_study(tmp_path, [results])
    assert study["dropped"]["over_worker_limit"] >= 3 and study["max_per_worker"] <= 2


def test_export_refuses_a_non_https_base_and_missing_outputs(evaluated, tmp_path, data_root):
    with pytest.raises(ValueError, match="https://"):
        export_study(evaluated / "imi", evaluated / "imi_sim", tmp_path, "http://x")
    with pytest.raises(FileNotFoundError, match="benchmark evaluate"):
        export_study(tmp_path, tmp_path, tmp_path / "o", "https://x")
