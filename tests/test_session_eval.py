"""Multi-turn evaluation: feeding back is exact, ground-truth chains score perfectly, the floor is
the identity model, and bad arguments get clear errors."""

import json

import numpy as np
import pytest

import aimi
from benchmark.cli import main
from benchmark.evaluation.sessions import VARIANTS, chain, score_sessions, turn_table

COUNT = 12


@pytest.fixture(scope="module")
def sessions(data_root):
    data = aimi.Sessions(data_root, size=32, progress=False)
    arrays = data.arrays()
    return data.rows[:COUNT], np.asarray(arrays["start"][:COUNT]), np.asarray(arrays["image"][:COUNT])


def _recording(step_outputs):
    seen = []

    def step(images, tokens, lengths):
        seen.append((np.array(images), tokens.copy(), lengths.copy()))
        return step_outputs(len(seen) - 1, images), None

    return step, seen


def test_feeding_back_is_exact_and_teacher_forcing_reads_the_ground_truth(sessions):
    rows, start, truth = sessions
    step, seen = _recording(lambda t, images: np.array(images))         # the identity model
    outputs, masks = chain(step, start, rows, truth, "fed_back")
    assert masks is None and len(seen) == 5
    for t, (images, tokens, lengths) in enumerate(seen):
        assert np.array_equal(images, start)                          # turn t's input is the start
        assert [list(tok[:n]) for tok, n in zip(tokens, lengths)] == [r["turns"][t]["tokens"] for r in rows]
    assert np.array_equal(outputs, np.repeat(start[:, None], 5, axis=1))
    # a model that adds 1 to every pixel: turn t's fed-back input is the start + t
    step, seen = _recording(lambda t, images: np.minimum(images.astype(np.int16) + 1, 255).astype(np.uint8))
    chain(step, start, rows, truth, "fed_back")
    for t, (images, _, _) in enumerate(seen):
        assert np.array_equal(images, np.minimum(start.astype(np.int16) + t, 255).astype(np.uint8))
    step, seen = _recording(lambda t, images: np.zeros_like(images))
    chain(step, start, rows, truth, "teacher_forced")
    assert np.array_equal(seen[0][0], start)
    for t in range(1, 5):
        assert np.array_equal(seen[t][0], truth[:, t - 1])


def test_ground_truth_chains_score_perfectly_and_the_floor_is_the_identity_model(sessions):
    rows, start, truth = sessions
    results, items = score_sessions({v: truth.copy() for v in VARIANTS}, rows, start, truth, {"model": "oracle"},
                                    resamples=50)
    for variant in VARIANTS:
        assert turn_table(results, variant, "mse") == [0.0] * 5
        for metric in ("edit_acc", "keep_acc", "all_edits"):
            assert turn_table(results, variant, metric) == [1.0] * 5
        assert [t["metrics"]["edit_acc"]["n"] for t in results["variants"][variant]["turns"]] == [COUNT] * 5
    assert len(items) == 2 * 5 * COUNT and {i["turn"] for i in items} == {1, 2, 3, 4, 5}
    # outputs equal to the floor's score exactly as the floor does; copying the start keeps everything
    copy = np.repeat(start[:, None], 5, axis=1)
    previous = np.concatenate([start[:, None], truth[:, :-1]], axis=1)
    results, _ = score_sessions({"fed_back": copy, "teacher_forced": previous}, rows, start, truth,
                                {"model": "identity"}, resamples=50)
    for variant in VARIANTS:
        for metric in ("mse", "edit_acc", "keep_acc", "all_edits"):
            assert turn_table(results, variant, metric) == turn_table(results, variant, metric, "identity")
    assert turn_table(results, "fed_back", "keep_acc") == [1.0] * 5
    assert turn_table(results, "fed_back", "all_edits")[-1] == 0.0
    assert turn_table(results, "fed_back", "mse") == sorted(turn_table(results, "fed_back", "mse"))


def test_bad_outputs_and_variants_are_refused(sessions):
    rows, start, truth = sessions
    with pytest.raises(ValueError, match="expected"):
        score_sessions({"fed_back": truth[:, :3]}, rows, start, truth, {})
    with pytest.raises(ValueError, match="valid: fed_back, teacher_forced"):
        score_sessions({"sideways": truth}, rows, start, truth, {})
    with pytest.raises(ValueError, match="valid: fed_back, teacher_forced"):
        chain(lambda *a: (a[0], None), start, rows, truth, "sideways")


def test_evaluate_sessions_end_to_end_on_shipped_weights(data_root, tmp_path, capsys):
    assert main(["evaluate", "pretrained:parse_render-cpu", "--sessions", "--limit", "6", "--out", str(tmp_path),
                 "--data-root", str(data_root)]) in (0, None)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["sessions"] == 6 and len(line["fed_back_all_edits"]) == 5
    results = json.loads((tmp_path / "results-sessions.json").read_text())
    assert results["kind"] == "sessions" and results["limited"] is True and results["instructions"] == "simulated"
    assert set(results["variants"]) == set(VARIANTS) and results["turns"] == 5
    outputs = np.load(tmp_path / "outputs-sessions.npz")
    assert outputs["fed_back"].shape == (6, 5, 32, 32, 3) and list(outputs["id"]) == [f"aimi-session-{i:04d}" for i in range(6)]
    assert len((tmp_path / "items-sessions.jsonl").read_text().splitlines()) == 2 * 5 * 6


def test_bad_session_arguments_get_one_line(capsys):
    assert main(["evaluate", "pretrained:parse_render-cpu", "--sessions", "--instructions",
                 "tests/fixtures/free-phrasing-dev.jsonl"]) == 2
    assert "two different evaluations" in capsys.readouterr().err
    assert main(["evaluate", "pretrained:parse_render-cpu", "--sessions", "--limit", "-1"]) == 2


def test_the_leaderboard_and_the_figures_read_sessions_results(sessions, data_root, tmp_path):
    from benchmark.evaluation.sessions import write_sessions
    from benchmark.report.figures import session_curves, session_strip
    from benchmark.report.leaderboard import build_leaderboard

    rows, start, truth = sessions
    for name, outputs in (("oracle", truth), ("<b>evil</b>", np.repeat(start[:, None], 5, axis=1))):
        results, items = score_sessions({v: outputs for v in VARIANTS}, rows, start, truth,
                                        {"model": name, "preset": "cpu", "seed": 0}, resamples=20)
        write_sessions(tmp_path / name, results, items, {v: outputs for v in VARIANTS}, {v: None for v in VARIANTS},
                       [r["id"] for r in rows])
    files = build_leaderboard([tmp_path], tmp_path / "board")
    text = files["md"].read_text()
    assert f"## Multi-turn sessions (cpu preset, {COUNT} sessions)" in text
    assert "| oracle | fed back | 1.00 / 1.00 / 1.00 |" in text
    assert "| identity (floor) | fed back | " in text and "<b>" not in files["html"].read_text()
    lines = files["sessions_csv"].read_text().splitlines()
    assert lines[0] == "model,preset,seed,n,variant,turn,metric,value,low,high"
    assert len(lines) == 1 + 2 * 2 * 5 * 2 * 4          # models x variants x turns x (model, floor) x metrics
    curves = session_curves([json.loads((tmp_path / "oracle" / "results-sessions.json").read_text())],
                            tmp_path / "curves")
    strip = session_strip([tmp_path / "oracle"], tmp_path / "strip", session=2, root=data_root)
    assert all(p.stat().st_size > 1000 for p in [*curves, *strip])
