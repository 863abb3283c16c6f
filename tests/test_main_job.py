"""The README's main job, end to end, at the smoke preset (about a minute)."""

import json

from benchmark.cli import main


def test_the_main_job_runs_the_whole_paper_and_resumes(tmp_path, data_root, capsys):
    out = tmp_path / "out"
    assert main(["main", "--preset", "smoke", "--out", str(out), "--data-root", str(data_root)]) == 0
    printed = capsys.readouterr().out
    assert "# AIMI leaderboard" in printed and "SIMULATED raters" in printed and str(out) in printed
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["runs"]) == {"identity", "imi", "imi_sim", "imi_sim_composite", "imi_sim_unet"}
    for run in summary["runs"].values():
        results = json.loads((out / "runs" / run.split("/")[-1] / "results-test.json").read_text())
        assert results["n"] == 24 and results["metrics"]["edit_acc"]["direction"] == "higher"
    study = json.loads((out / "study" / "study.json").read_text())
    assert study["simulated"] and study["ratings"] == 72
    for name in ("validation-mse", "examples-by-phase", "qualitative", "preference"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (out / "figures" / f"{name}.pdf").is_file()
    leaderboard = (out / "leaderboard" / "leaderboard.md").read_text()
    assert leaderboard.count("| smoke | test |") == 5
    # a rerun keeps what is done: same leaderboard, no retraining
    before = (out / "runs" / "imi-smoke-0" / "last.pt").stat().st_mtime_ns
    assert main(["main", "--preset", "smoke", "--out", str(out), "--data-root", str(data_root)]) == 0
    assert (out / "runs" / "imi-smoke-0" / "last.pt").stat().st_mtime_ns == before
    assert (out / "leaderboard" / "leaderboard.md").read_text() == leaderboard
    assert len((out / "runs" / "identity-smoke-0" / "metrics.jsonl").read_text().splitlines()) == 1
