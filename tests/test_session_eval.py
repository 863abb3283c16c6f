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

    def step(images, tokens, lengths, instructions):
        seen.append((np.array(images), tokens.copy(), lengths.copy(), list(instructions)))
        return step_outputs(len(seen) - 1, images), None

    return step, seen


def test_feeding_back_is_exact_and_teacher_forcing_reads_the_ground_truth(sessions):
    rows, start, truth = sessions
    step, seen = _recording(lambda t, images: np.array(images))         # the identity model
    outputs, masks = chain(step, start, rows, truth, "fed_back")
    assert masks is None and len(seen) == 5
    for t, (images, tokens, lengths, texts) in enumerate(seen):
        assert np.array_equal(images, start)                          # turn t's input is the start
        assert [list(tok[:n]) for tok, n in zip(tokens, lengths)] == [r["turns"][t]["tokens"] for r in rows]
        assert texts == [r["turns"][t]["instruction"] for r in rows]  # raw text for models that read it
    assert np.array_equal(outputs, np.repeat(start[:, None], 5, axis=1))
    # a model that adds 1 to every pixel: turn t's fed-back input is the start + t
    step, seen = _recording(lambda t, images: np.minimum(images.astype(np.int16) + 1, 255).astype(np.uint8))
    chain(step, start, rows, truth, "fed_back")
    for t, (images, *_) in enumerate(seen):
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


@pytest.fixture(scope="module")
def session_pack(tmp_path_factory, data_root):
    from benchmark.evaluation.session_pack import write_session_inputs

    out = tmp_path_factory.mktemp("pack") / "inputs-sessions"
    write_session_inputs(32, out, root=data_root)
    return out


def test_the_sessions_pack_holds_starts_and_instructions_only(session_pack, data_root):
    from PIL import Image

    manifest = json.loads((session_pack / "manifest.json").read_text())
    assert manifest["n"] == 300 and manifest["turns"] == 5 and manifest["kind"] == "aimi-sessions-inputs"
    assert sorted(p.name for p in session_pack.iterdir()) == ["README.txt", "manifest.json", "sessions.jsonl", "starts"]
    lines = [json.loads(line) for line in (session_pack / "sessions.jsonl").read_text().splitlines()]
    rows = aimi.Sessions(data_root, size=32, progress=False).rows
    assert [set(line) for line in lines] == [{"id", "instructions"}] * 300
    assert lines[4]["instructions"] == [t["instruction"] for t in rows[4]["turns"]]
    start = np.asarray(Image.open(session_pack / "starts" / f"{rows[4]['id']}.png"))
    assert np.array_equal(start, aimi.Sessions(data_root, size=32, progress=False)[4]["start"])
    assert "OWN previous output" in (session_pack / "README.txt").read_text()


def test_a_sessions_submission_scores_like_evaluate_and_bad_ones_get_one_line(session_pack, data_root, tmp_path, capsys):
    from PIL import Image

    from benchmark.evaluation.session_pack import score_session_submission
    from benchmark.evaluation.submission import SubmissionError

    data = aimi.Sessions(data_root, size=32, progress=False)
    ids, truth = [r["id"] for r in data.rows], np.array(data.arrays()["image"])
    # the ground truth as a PNG folder, 2x upscaled: BOX brings it back exactly; scores are perfect
    folder = tmp_path / "submission"
    folder.mkdir()
    for i, chain in zip(ids, truth):
        for k, image in enumerate(chain, start=1):
            Image.fromarray(image).resize((64, 64), Image.Resampling.NEAREST).save(folder / f"{i}.turn-{k}.png")
    (folder / "model.json").write_text('{"name": "oracle", "track": "ground truth"}')
    assert main(["score", str(folder), "--sessions", "--size", "32", "--data-root", str(data_root),
                 "--out", str(tmp_path / "results-oracle.json")]) in (0, None)
    results = json.loads((tmp_path / "results-oracle.json").read_text())
    assert results["model"] == "oracle" and results["submission"]["resized_from"] == [64]
    assert list(results["variants"]) == ["fed_back"] and turn_table(results, "fed_back", "all_edits") == [1.0] * 5
    assert (tmp_path / "items-oracle.jsonl").is_file() and (tmp_path / "outputs-oracle.npz").is_file()
    # the same chains as an npz, in another order (evaluate's outputs-sessions.npz: id, fed_back), read the same
    from benchmark.evaluation.session_pack import read_session_npz

    npz = tmp_path / "chains.npz"
    np.savez(npz, id=np.array(ids[::-1]), fed_back=truth[::-1])
    found = read_session_npz(npz, ids, 5, 32)
    assert found["format"] == "npz" and np.array_equal(found["outputs"], np.load(tmp_path / "outputs-oracle.npz")["fed_back"])
    bad = {
        "short.npz": (dict(ids=np.array(ids), images=truth[:, :3]), r"must be \(N, 5, S, S, 3\)"),
        "missing.npz": (dict(ids=np.array(ids[:-2]), images=truth[:-2]), "2 of 300 sessions have no outputs"),
        "float.npz": (dict(ids=np.array(ids), images=truth.astype(np.float32)), "save uint8"),
        "twice.npz": (dict(ids=np.array([ids[0]] * 300), images=truth), "appear twice"),
    }
    for name, (arrays, message) in bad.items():
        np.savez(tmp_path / name, **arrays)
        with pytest.raises(SubmissionError, match=message):
            score_session_submission(tmp_path / name, size=32, root=data_root)
    (folder / f"{ids[3]}.turn-5.png").unlink()
    with pytest.raises(SubmissionError, match="1 sessions lack turns"):
        score_session_submission(folder, size=32, root=data_root)
    (folder / "notes.txt").write_text("hi")
    assert main(["score", str(folder), "--sessions", "--size", "32", "--data-root", str(data_root)]) == 1
    assert "unexpected notes.txt" in capsys.readouterr().err
