"""An editor's run with its inference-only settings changed, without retraining
(``python -m benchmark inference RUN --set hard_keep_eval=true --out OUT``).

Some of ``EditorConfig``'s settings act only at inference: ``passes`` (edit the edit again),
``hard_keep_eval`` (composite through keep > 0.5) and, with a parser, ``restate``. Measuring one of
them on a trained run needs no training: the new run holds the same weights under the changed
config, so ``evaluate``, ``goals``, the demo and ``pretrained`` treat it as any other run.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from collection.files import sha256_file, write_json

from .. import runs
from .checkpoint import load_model, save_checkpoint

INFERENCE_FIELDS = ("passes", "hard_keep_eval", "restate")


def with_inference(run: str | Path, out: str | Path, **settings) -> dict:
    """Write ``out`` (``config.json``, ``best.pt``, and the run's ``metrics.jsonl`` if it has one):
    ``run``'s best editor with ``settings`` (fields of ``INFERENCE_FIELDS``) changed; returns
    ``{"run", "from_run", **settings}``. The weights, the training record and the training seconds
    are the run's; ``config.json`` says where they came from (``inference``)."""
    from ..pretrained import resolve_run

    run, out = resolve_run(run), Path(out)
    if not settings:
        raise ValueError("give at least one inference setting: --set KEY=VALUE with KEY one of "
                         + ", ".join(INFERENCE_FIELDS))
    other = sorted(set(settings) - set(INFERENCE_FIELDS))
    if other:
        raise ValueError(f"{', '.join(other)}: not an inference-only setting (they are {', '.join(INFERENCE_FIELDS)}); "
                         "a setting that changes training needs `python -m benchmark train`")
    if runs.best_path(out).is_file() or runs.config_path(out).is_file():
        raise ValueError(f"{out} already holds a run; choose another --out")
    model, payload = load_model(runs.best_path(run))
    if not hasattr(model.cfg, "hard_keep_eval"):
        raise ValueError(f"{run} holds a {payload['model']!r} model; inference settings are the editors' "
                         "(edit_film, edit_tirg)")
    for key, value in settings.items():           # --set hard_keep_eval=yes must not read as true
        kind = type(getattr(model.cfg, key))
        if type(value) is not kind:
            raise ValueError(f"{key} takes a {kind.__name__} (now {getattr(model.cfg, key)!r}), got {value!r}")
    cfg = replace(model.cfg, **settings)          # the config's own checks (passes >= 1, a known restate)
    description = {**(runs.read_config(run) if runs.config_path(run).is_file() else {}), "model": payload["model"],
                   "model_config": cfg.to_dict(),
                   "inference": {"from_run": str(run), "from_checkpoint": sha256_file(runs.best_path(run)),
                                 "settings": settings, "git": runs.git_state()}}
    out.mkdir(parents=True, exist_ok=True)
    write_json(runs.config_path(out), description)
    if runs.metrics_path(run).is_file():   # the training record (and its seconds) are the run's; shipped weights keep none
        shutil.copyfile(runs.metrics_path(run), runs.metrics_path(out))
    save_checkpoint(runs.best_path(out), {**{k: v for k, v in payload.items() if k not in ("format", "opt_g", "opt_d")},
                                          "model_config": cfg.to_dict(), "inference": description["inference"]})
    return {"run": str(out), "from_run": str(run), **{k: getattr(cfg, k) for k in settings}}


__all__ = ["INFERENCE_FIELDS", "with_inference"]
