"""The reproduction report: generated from result files only (a golden file keeps the generator
honest), and the command end to end at the smoke preset."""

import json
from pathlib import Path

import numpy as np

from benchmark.report.claims import build_report, markdown, over_seeds

FIX = Path(__file__).parent / "fixtures" / "reproduction"


def _inputs():
    data = json.loads((FIX / "inputs.json").read_text())
    curves = [(p, {**c, "phase": np.asarray(c["phase"]), "val_mse": np.asarray(c["val_mse"])})
              for p, c in data["curves"]]
    return [tuple(r) for r in data["results"]], curves, tuple(data["study"]), data["budget"]


def test_the_report_from_fixture_results_matches_the_golden_file():
    report = build_report(*_inputs())
    assert markdown(report) == (FIX / "REPRODUCTION.md").read_text()
    verdicts = {c["claim"]: c["verdict"] for c in report["claims"]}
    assert verdicts["SIM lowers test MSE"] == "holds"
    assert verdicts["SIM converges faster"] == "holds"
    assert verdicts["SIM works better for small changes (nose, mouth, ears)"] == "not measurable here"
    assert verdicts["the paper's losses alone train at this budget"] == "does not hold"   # imi: worse than the floor
    assert all(c["files"] for c in report["claims"])                    # every number is traceable


def test_over_seeds_gives_a_t_interval_and_none_for_one_seed():
    three = over_seeds([1.0, 2.0, 3.0])
    assert three["mean"] == 2.0 and three["sd"] == 1.0 and round(three["high"] - 2.0, 3) == 2.484
    one = over_seeds([5.0])
    assert one["sd"] is None and one["low"] is None and one["seeds"] == 1


def test_the_command_runs_at_the_smoke_preset_and_reuses_finished_runs(tmp_path, data_root):
    from benchmark.cli import main

    argv = ["reproduce", "--out", str(tmp_path), "--preset", "smoke", "--seeds", "0,1",
            "--phases", "2", "--data-root", str(data_root)]
    assert main(argv) == 0
    text = (tmp_path / "REPRODUCTION.md").read_text()
    assert "| SIM lowers test MSE |" in text and "SIMULATED" in text and "was not run" in text
    assert (tmp_path / "figures" / "validation-seeds.png").read_bytes()[:4] == b"\x89PNG"
    report = json.loads((tmp_path / "REPRODUCTION.json").read_text())
    for claim in report["claims"]:
        for name in claim["files"]:
            assert (tmp_path / name).is_file(), name
    stamp = (tmp_path / "runs" / "imi-project-smoke-s0" / "best.pt").stat().st_mtime_ns
    assert main(argv) == 0
    assert (tmp_path / "runs" / "imi-project-smoke-s0" / "best.pt").stat().st_mtime_ns == stamp


def test_bad_seeds_are_a_usage_error(tmp_path, capsys):
    from benchmark.cli import main

    assert main(["reproduce", "--out", str(tmp_path), "--seeds", "0,x"]) == 2
    assert "--seeds takes seeds like 0,1,2" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


GPU = Path(__file__).parents[1] / "benchmark" / "reproduction" / "paper-preset-gpu"


def test_the_paper_preset_record_quotes_its_result_files():
    """Each row of the GPU record's test table is what its results file says (64 px, `paper`)."""
    rows = {}
    for line in (GPU / "README.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| `") or line.startswith("| identity"):
            rows[cells[0].split("`")[1] if "`" in cells[0] else "identity"] = cells
    assert set(rows) == {"identity", "imi", "imi_sim", "edit_film"}
    for model in ("imi", "imi_sim", "edit_film"):
        result = json.loads((GPU / "runs" / f"{model}-paper-s0" / "results-test.json").read_text())
        assert (result["model"], result["preset"], result["model_config"]["size"], result["split"]) == \
            (model, "paper", 64, "test")
        metrics = {k: v["value"] for k, v in result["metrics"].items()}
        identity = result["identity"]["mse"]["value"]
        _, phases, edit, keep, mse, ratio = rows[model]
        assert f"(best: {result['checkpoint']['phase']})" in phases
        assert (edit, keep, mse, ratio) == (f"{metrics['edit_acc']:.3f}", f"{metrics['keep_acc']:.3f}",
                                            f"{metrics['mse']:.5f}", f"{metrics['mse'] / identity:.2f}")
        assert rows["identity"][4] == f"{identity:.5f}"
