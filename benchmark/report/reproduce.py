"""``python -m benchmark reproduce --out DIR [--preset cpu] [--seeds 0 1 2] [--phases N]``: train
(resumable; finished runs are reused) the identity floor, ``imi`` and ``imi_sim`` with the
project's settings over the seeds and with the paper's losses (``l1_weight=0``, ``join=4``) over
``--paper-seeds``; evaluate them on the test split; run the preference study (SIMULATED raters) on
the first seed; draw validation MSE against phase with a band over seeds; and write
``DIR/REPRODUCTION.md`` and ``.json`` from the result files alone (``claims.py``).

Runs live in ``DIR/runs/<model>-<setting>-<preset>-s<seed>``; rerunning resumes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from collection.files import write_atomic, write_json

from .. import runs as folders

SETTINGS = {"project": {}, "paper_losses": {"l1_weight": 0.0, "join": "4"}}


def run_folder(out: Path, model: str, setting: str, preset: str, seed: int) -> Path:
    return out / "runs" / f"{model}-{setting}-{preset}-s{seed}"


def reproduce(out: str | Path, preset: str = "cpu", seeds=(0, 1, 2), phases: int | None = None,
              paper_seeds=(0,), root=None, progress: bool = True, eval_limit: int = 0,
              study_limit: int = 0) -> dict:
    """Train, evaluate and report (see the module docstring); returns the report dict."""
    from baselines import get_preset

    from ..evaluation.curves import read_curve
    from ..evaluation.evaluate import evaluate
    from ..preference.study import StudyOptions, collect_study, export_study, simulate_study
    from ..training.train import TrainConfig, train
    from .claims import build_report, markdown
    from .figures import seed_band_curves

    import aimi

    out, started = Path(out), time.perf_counter()
    size = get_preset(preset).size
    test_size = len(aimi.AIMI(root, "test", size, progress=progress))
    plan = [("identity", "project", seeds[0])]
    plan += [(m, "project", s) for s in seeds for m in ("imi", "imi_sim")]
    plan += [(m, "paper_losses", s) for s in paper_seeds for m in ("imi", "imi_sim")]
    trained = {}
    for model, setting, seed in plan:
        run = out / "runs" / "identity" if model == "identity" else run_folder(out, model, setting, preset, seed)
        changes = {} if model == "identity" else {"phases": phases} if phases else {}
        config = TrainConfig.from_preset(model, preset, seed=seed, model_overrides=dict(SETTINGS[setting]),
                                         **changes) if model != "identity" else TrainConfig.from_preset(model, preset)
        if progress:
            print(f"reproduce: {model} ({setting}, seed {seed}) -> {run}", flush=True)
        train(config, run, resume=True, root=root, progress=progress)
        if not folders.evaluated(run, "test", min(eval_limit or test_size, test_size)):
            evaluate(run, "test", root=root, limit=eval_limit)
        trained[model, setting, seed] = run

    first = seeds[0]
    study_dir = out / "study"
    if not (study_dir / "study.json").is_file():
        export_study(trained["imi", "project", first], trained["imi_sim", "project", first], study_dir,
                     "https://example.org/aimi-study", StudyOptions(limit=study_limit, seed=first), root=root)
        collect_study(study_dir, [simulate_study(study_dir, "appen", seed=first)])
    study = (study_dir / "study.json", json.loads((study_dir / "study.json").read_text()))

    curves = []
    for (model, setting, seed), run in trained.items():
        if model != "identity":
            curve = read_curve(run)
            curve["model_config"] = folders.read_config(run)["model_config"]
            curves.append((run, curve))
    seed_band_curves([c for _, c in curves], out / "figures" / "validation-seeds")
    results = [(folders.results_path(run, "test"), json.loads(folders.results_path(run, "test").read_text()))
               for run in trained.values()]
    relative = lambda path: str(Path(path).relative_to(out))         # noqa: E731
    results = [(relative(p), r) for p, r in results]
    curves = [(relative(folders.metrics_path(run)), c) for run, c in curves]
    study = (relative(study[0]), study[1])
    budget = {"preset": preset, "size": size, "seeds": list(seeds), "paper_seeds": list(paper_seeds),
              "phases": phases or get_preset(preset).train["phases"],
              "wall_time": f"{sum(folders.training_seconds(run) or 0.0 for run in trained.values()) / 60:.1f} min of training (the runs' own clocks) "
                           f"and {(time.perf_counter() - started) / 60:.1f} min for the last call (evaluation, "
                           "study, report; finished runs are reused)",
              "paper_size": ("The paper's size (64 px, the `paper` preset) was run." if size == 64 else
                             "The paper's size (64 px, the `paper` preset) was not run: it needs a GPU.")}
    report = build_report(results, curves, study, budget)
    write_json(out / "REPRODUCTION.json", _plain(report))
    write_atomic(out / "REPRODUCTION.md", markdown(report))
    return report


def _plain(obj):
    """numpy scalars and arrays to JSON values."""
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


__all__ = ["SETTINGS", "reproduce", "run_folder"]
