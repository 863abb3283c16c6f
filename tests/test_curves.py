"""Validation curves: the convergence claims on curves with known answers, and the figure."""

import json

import pytest

from benchmark.cli import main
from benchmark.evaluation.curves import convergence_claims, first_phase_at_or_below, read_curve


def _run(folder, model, mses, phases=None, preset="cpu"):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model": model, "preset": preset, "train": {"seed": 0}}))
    phases = phases or [10 * (i + 1) for i in range(len(mses))]
    lines = [{"phase": p, "val": {"mse": m, "n": 230}, "losses": {}} for p, m in zip(phases, mses)]
    (folder / "metrics.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    return folder


def test_claims_on_curves_with_a_known_answer(tmp_path):
    base = read_curve(_run(tmp_path / "b", "imi", [0.05, 0.04, 0.03, 0.02, 0.025, 0.02, 0.019, 0.021]))
    sim = read_curve(_run(tmp_path / "s", "imi_sim", [0.04, 0.018, 0.015, 0.03, 0.01, 0.01, 0.01, 0.01]))
    claims = convergence_claims(base, sim)
    assert claims["phases_compared"] == 8
    assert claims["below_share"] == pytest.approx(7 / 8)       # phase 40: 0.03 > 0.02
    assert claims["baseline_best"] == 0.019 and claims["baseline_best_phase"] == 70
    assert claims["proposed_reaches_at"] == 20 and claims["phase_ratio"] == pytest.approx(20 / 70)
    assert first_phase_at_or_below(base, 0.001) is None
    never = convergence_claims(sim, base)
    assert never["proposed_reaches_at"] is None and never["phase_ratio"] is None


def test_curves_command_draws_the_figure_and_prints_the_claims(tmp_path, capsys):
    runs = [_run(tmp_path / "b", "imi", [0.05, 0.03]), _run(tmp_path / "s", "imi_sim", [0.04, 0.02]),
            _run(tmp_path / "i", "identity", [0.012], phases=[0])]
    assert main(["curves", *map(str, runs), "--out", str(tmp_path / "fig" / "curves")]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["below_share"] == 1.0 and out[0]["phase_ratio"] == 1.0
    png = tmp_path / "fig" / "curves.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "fig" / "curves.pdf").stat().st_size > 1000
    assert main(["curves", str(tmp_path), "--out", str(tmp_path / "x")]) == 1   # not a run folder
