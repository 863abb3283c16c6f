"""benchmark train: run folders, checkpoints, exact resume after a kill, NaN stop, torchrun; benchmark
inference: a run's editor with inference-only settings changed."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from benchmark.training import train as train_module
from benchmark.training.checkpoint import load_checkpoint, load_model
from benchmark.cli import main
from benchmark.training.schedule import AUTOENCODE, INSTRUCT, phase_batches, phase_kind, shard, steps_per_phase
from benchmark.training.train import KILL_HOOK, TrainConfig, TrainingError, train


def _cli(*args):
    return [sys.executable, "-m", "benchmark", "train", "--preset", "smoke", *args]


def _env(**extra):
    env = {key: value for key, value in os.environ.items() if key != KILL_HOOK}
    return {**env, "AIMI_QUIET": "1", **extra}


def _run(args, **env):
    return subprocess.run(args, capture_output=True, text=True, env=_env(**env), timeout=300)


def _metrics(run):
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    for line in lines:
        line.pop("seconds")
    return lines


# --- schedule -------------------------------------------------------------------------------

def test_phases_alternate_and_read_each_stream_in_permutations():
    assert [phase_kind(p) for p in range(4)] == [AUTOENCODE, INSTRUCT, AUTOENCODE, INSTRUCT]
    assert steps_per_phase(2200, 64) == 34
    n = 100
    stream = np.concatenate([phase_batches(7, p, n, 40, 8).ravel() for p in range(1, 12, 2)])  # instruct phases
    assert len(stream) == 240
    for epoch in range(2):                                       # every epoch is a permutation
        assert sorted(stream[epoch * n:(epoch + 1) * n]) == list(range(n))
    assert np.array_equal(phase_batches(7, 5, n, 40, 8), phase_batches(7, 5, n, 40, 8))
    assert not np.array_equal(phase_batches(7, 5, n, 40, 8), phase_batches(8, 5, n, 40, 8))
    batch = phase_batches(7, 5, n, 40, 8)[0]
    assert sorted(np.concatenate([shard(batch, r, 2) for r in range(2)])) == sorted(batch)


# --- runs -----------------------------------------------------------------------------------

def test_a_smoke_run_writes_its_folder_and_safe_checkpoints(tmp_path, data_root):
    run = tmp_path / "sim"
    assert main(["train", "--model", "imi_sim", "--preset", "smoke", "--out", str(run),
                 "--data-root", str(data_root)]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["model"] == "imi_sim" and config["model_config"]["sim"] is True
    assert config["data"]["version"] == 2 and config["data"]["vocab_size"] == 881
    assert config["train"]["phases"] == 4 and "torch" in config["versions"]
    metrics = _metrics(run)
    assert [m["phase"] for m in metrics] == [2, 4]
    assert set(metrics[0]["losses"]) == {AUTOENCODE, INSTRUCT}
    assert metrics[0]["losses"][AUTOENCODE]["g_mask"] == 0.0 and metrics[0]["losses"][INSTRUCT]["g_mask"] > 0
    assert 0 < metrics[-1]["val"]["mse"] < 1 and metrics[-1]["val"]["n"] == 32 and "mask_mse" in metrics[-1]["val"]
    # checkpoints are plain data: torch's safe loader reads them
    raw = torch.load(run / "last.pt", weights_only=True)
    assert raw["phase"] == 4 and "opt_g" in raw and raw["model"] == "imi_sim"
    best = load_checkpoint(run / "best.pt")
    assert best["phase"] == best["best"]["phase"] and "opt_g" not in best
    model, _ = load_model(run / "best.pt")
    assert not model.training and model.cfg.sim
    samples = np.load(run / "samples" / "phase-000004.npz")
    assert samples["output"].shape == (4, 32, 32, 3) and samples["mask"].shape == (4, 32, 32)
    # a second start into the same folder is refused; bad names list the valid ones
    with pytest.raises(TrainingError, match="pass --resume"):
        train(TrainConfig.from_preset("imi_sim", "smoke"), run, root=data_root, progress=False)
    # on the command line they are bad flags (exit 2), the choices taken from the registries
    result = _run(_cli("--model", "imi_sym", "--out", str(tmp_path / "x")))
    assert result.returncode == 2 and "'identity', 'imi', 'imi_sim'" in result.stderr
    result = _run(_cli("--model", "imi", "--preset", "gpu", "--out", str(tmp_path / "x")))
    assert result.returncode == 2 and "'paper', 'cpu', 'smoke'" in result.stderr
    result = _run(_cli("--model", "imi", "--set", "l1_wieght=0", "--out", str(tmp_path / "x")))
    assert result.returncode == 2 and "trainer: autoencode, batch_size" in result.stderr and "model: channels" in result.stderr
    with pytest.raises(ValueError, match="valid models: identity, imi, imi_sim"):
        TrainConfig.from_preset("imi_sym", "smoke")
    with pytest.raises(ValueError, match="valid presets: paper, cpu, smoke"):
        TrainConfig.from_preset("imi", "gpu")


def test_resume_after_a_kill_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, data_root):
    common = ["--model", "imi_sim", "--data-root", str(data_root), "--set", "checkpoint_every=2",
              "--set", "eval_every=1", "--phases", "5", "--threads", "1"]
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    assert _run(_cli(*common, "--out", str(straight))).returncode == 0
    # SIGKILL after phase 3: phase 3's work is lost, last.pt holds phase 2
    result = _run(_cli(*common, "--out", str(killed)), **{KILL_HOOK: "3"})
    assert result.returncode == -9
    assert load_checkpoint(killed / "last.pt")["phase"] == 2
    assert [m["phase"] for m in _metrics(killed)] == [1, 2, 3]
    result = _run(_cli(*common, "--out", str(killed), "--resume"))
    assert result.returncode == 0, result.stderr
    a, b = load_checkpoint(straight / "last.pt"), load_checkpoint(killed / "last.pt")
    assert a["phase"] == b["phase"] == 5
    for key, tensor in a["state"].items():
        assert torch.equal(tensor, b["state"][key]), key
    assert _metrics(straight) == _metrics(killed)                # the cut metrics line was replaced
    assert torch.equal(load_checkpoint(straight / "best.pt")["state"]["generator.fc.weight"],
                       load_checkpoint(killed / "best.pt")["state"]["generator.fc.weight"])
    # resuming with other settings is refused
    result = _run(_cli(*common, "--out", str(killed), "--resume", "--set", "lr=0.001"))
    assert result.returncode == 1 and "train.lr: 0.0002 -> 0.001" in result.stderr


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path, data_root, monkeypatch):
    real_step, calls = train_module.train_step, []

    def poisoned(*args, **kwargs):                               # the 13th step (phase 4) returns NaN
        losses = real_step(*args, **kwargs)
        calls.append(1)
        if len(calls) == 13:
            losses["g_l1"] = torch.tensor(float("nan"))
        return losses

    monkeypatch.setattr(train_module, "train_step", poisoned)
    run = tmp_path / "nan"
    with pytest.raises(TrainingError, match=r"phase 4 \(instruct\), step 1: loss g_l1=nan; training stopped") as e:
        train(TrainConfig.from_preset("imi", "smoke"), run, root=data_root, progress=False)
    assert f"last good checkpoint is {run / 'last.pt'} (phase 2)" in str(e.value)
    assert load_checkpoint(run / "last.pt")["phase"] == 2
    assert [m["phase"] for m in _metrics(run)] == [2]


def test_the_identity_run_is_evaluated_without_training(tmp_path, data_root):
    run = tmp_path / "identity"
    summary = train(TrainConfig.from_preset("identity", "smoke"), run, root=data_root, progress=False)
    assert summary["phases"] == 0
    metrics = _metrics(run)
    assert metrics[0]["phase"] == 0 and 0.005 < metrics[0]["val"]["mse"] < 0.03
    model, payload = load_model(run / "best.pt")
    assert payload["model"] == "identity"


def test_torchrun_with_two_cpu_processes_writes_one_run(tmp_path, data_root):
    run = tmp_path / "ddp"
    args = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
            "-m", "benchmark", "train", "--model", "imi_sim", "--preset", "smoke", "--threads", "1",
            "--out", str(run), "--data-root", str(data_root)]
    result = _run(args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((run / "config.json").read_text())["world_size"] == 2
    assert [m["phase"] for m in _metrics(run)] == [2, 4]
    assert load_checkpoint(run / "last.pt")["phase"] == 4
    assert result.stdout.count('"best_val_mse"') == 1             # only rank 0 reports
    assert sorted(p.name for p in run.iterdir()) == ["best.pt", "config.json", "last.pt", "metrics.jsonl", "samples"]


def test_results_name_the_code_when_it_runs_from_an_uninstalled_checkout(monkeypatch):
    import tomllib
    from importlib import metadata
    from pathlib import Path

    from benchmark import runs

    real = metadata.version

    def missing(name):
        if name == "aimi":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(runs.metadata, "version", missing)
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    assert runs.versions()["aimi"] == pyproject["version"]


def test_an_editor_with_colour_slots_starts_its_table_at_the_schemas_colours(tmp_path, data_root):
    from benchmark.training.batches import slot_colours

    def trained(name, slots):
        config = TrainConfig.from_preset("edit_film", "smoke", phases=1, eval_every=1,
                                         model_overrides={"colour_slots": slots})
        train(config, tmp_path / name, root=data_root, progress=False)
        return json.loads((tmp_path / name / "config.json").read_text())["model_config"]

    on = trained("on", "hard")
    assert on["colour_slots"] == "hard" and on["slot_colours"] == slot_colours()
    assert "read" in _metrics(tmp_path / "on")[-1]["losses"][INSTRUCT]
    off = trained("off", "off")                  # said explicitly: no table, as without the setting
    assert off["colour_slots"] == "off" and off["slot_colours"] == []


def test_the_inference_command_changes_only_inference_settings_of_an_editor(tmp_path, data_root, smoke_runs):
    from benchmark import runs
    from benchmark.evaluation.evaluate import evaluate
    from benchmark.training.inference import with_inference

    editor = tmp_path / "editor"
    train(TrainConfig.from_preset("edit_film", "smoke", phases=1, threads=1), editor, root=data_root, progress=False)
    out = tmp_path / "hard"
    assert main(["inference", str(editor), "--set", "hard_keep_eval=true", "--set", "passes=2", "--out", str(out)]) == 0
    model, payload = load_model(runs.best_path(out))          # weights_only=True
    base, _ = load_model(runs.best_path(editor))
    assert model.cfg.hard_keep_eval and model.cfg.passes == 2 and not base.cfg.hard_keep_eval
    assert model.cfg.to_dict() == {**base.cfg.to_dict(), "hard_keep_eval": True, "passes": 2}
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in base.state_dict().items())   # the same weights
    assert "opt_g" not in payload and runs.read_config(out)["inference"]["from_run"] == str(editor)
    assert runs.training_seconds(out) == runs.training_seconds(editor)
    assert evaluate(out, "test", root=data_root, limit=8, resamples=50)["n"] == 8
    with pytest.raises(ValueError, match="already holds a run"):
        with_inference(editor, out, passes=3)
    with pytest.raises(ValueError, match="not an inference-only setting"):
        with_inference(editor, tmp_path / "lr", lr=0.1)
    with pytest.raises(ValueError, match="passes must be >= 1"):
        with_inference(editor, tmp_path / "none", passes=0)
    with pytest.raises(ValueError, match="hard_keep_eval takes a bool"):
        with_inference(editor, tmp_path / "none", hard_keep_eval="yes")
    with pytest.raises(ValueError, match="the editors'"):
        with_inference(smoke_runs / "imi", tmp_path / "imi", passes=2)
    assert not (tmp_path / "lr").exists() and not (tmp_path / "none").exists()
