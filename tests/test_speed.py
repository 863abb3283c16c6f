"""The speed benchmark runs end to end (its numbers are printed, never asserted)."""

from benchmark.speed.cli import main


def test_render_benchmark_prints_ratios(capsys):
    assert main(["render", "--n", "3", "--sizes", "32"]) == 0
    out = capsys.readouterr().out
    assert "pa+resvg/sprite" in out
    row = [line for line in out.splitlines() if line.strip().startswith("32 ")]
    assert len(row) == 1 and row[0].count("x") >= 3


def test_load_benchmark_prints_ratios(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("AIMI_HOME", str(tmp_path))
    assert main(["load", "--size", "32", "--split", "val", "--workers", "0"]) == 0
    out = capsys.readouterr().out
    assert "x the PNG files' best" in out and out.count("samples/s") >= 3


def test_train_benchmark_prints_ratios_against_dcgan(capsys):
    assert main(["train", "--presets", "smoke", "--steps", "1", "--batch", "4", "--options"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.strip().startswith("smoke ")]
    assert [r.split()[1] for r in rows] == ["dcgan", "imi", "imi", "imi", "imi_sim", "imi_sim", "imi_sim"]
    assert all(r.count("x") >= 2 for r in rows)
    assert main(["train", "--presets", "gpu", "--steps", "1"]) == 1


def test_bf16_drift_compares_two_runs(capsys):
    assert main(["train", "--presets", "smoke", "--steps", "2", "--batch", "4", "--bf16-drift"]) == 0
    out = capsys.readouterr().out
    assert "output_rms_difference" in out and "time_ratio_bf16_over_float32" in out


def test_train_benchmark_times_the_editor_with_its_settings(capsys):
    args = ["train", "--presets", "smoke", "--steps", "1", "--batch", "4", "--models", "imi_sim,edit_film"]
    assert main([*args, "--set", "colour_slots=hard", "--set", "text=subword"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.strip().startswith("smoke ")]
    assert [r[1] for r in rows] == ["dcgan", "imi_sim", "edit_film"]
    assert all(float(r[-6]) > 0 for r in rows)           # s/step
    assert main([*args, "--set", "colour_slots=sometimes"]) == 1          # the editor's own check, one line
    assert main([*args[:-1], "edit_flim"]) == 2                            # a model the registry lacks
