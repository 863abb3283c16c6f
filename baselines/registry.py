"""Models by name and preset: ``get_model("imi_sim", "cpu", vocab_size=881)``.

Names are what the CLI, result files and the leaderboard use. A preset fixes the sizes (image
side, widths); every other field keeps the config's default unless overridden.
"""

from __future__ import annotations

from dataclasses import fields

from .editor import Editor, EditorConfig
from .identity import Identity, IdentityConfig
from .imi import IMI, IMIConfig
from .presets import get_preset

# name -> (module class, config class, fixed fields)
MODELS = {
    "identity": (Identity, IdentityConfig, {}),
    "imi": (IMI, IMIConfig, {"sim": False}),                                  # w/o SIM (2018)
    "imi_sim": (IMI, IMIConfig, {"sim": True}),                               # w/ SIM (2019)
    "imi_sim_composite": (IMI, IMIConfig, {"sim": True, "composite": True}),  # beyond the paper
    "imi_sim_unet": (IMI, IMIConfig, {"sim": True, "join": "all"}),          # beyond: masked source at every scale
    "edit_film": (Editor, EditorConfig, {"fusion": "film"}),                 # beyond: where-and-how editor, FiLM
    "edit_tirg": (Editor, EditorConfig, {"fusion": "tirg"}),                 # beyond: the same, TIRG gated residual
}

# a model's own defaults where they differ from its config class's (overridable, unlike the fixed fields;
# the config classes keep the old defaults so that checkpoints saved before a field existed load as saved)
DEFAULTS = {name: {"templates": 8, "text": "subword"} for name in ("edit_film", "edit_tirg")}

# training settings a model family needs other than the preset's schedule (TrainConfig fields):
# the editor is supervised (Adam 1e-3, betas 0.9/0.999) and has no phases without instruction
TRAINING = {"edit_film": {"lr": 1e-3, "beta1": 0.9, "autoencode": False},
            "edit_tirg": {"lr": 1e-3, "beta1": 0.9, "autoencode": False}}

def check_model(name: str) -> str:
    """``name`` if it is a registry model; ValueError listing the valid ones otherwise."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid models: {', '.join(MODELS)}")
    return name


def model_config(name: str, preset: str, data: dict | None = None, **overrides):
    """The resolved config of model ``name`` at ``preset`` with ``overrides`` applied.

    ``data`` holds facts of the dataset (``vocab_size``), used by the models that have such a
    field and ignored by the others. Raises ValueError naming the valid models, presets or fields."""
    check_model(name)
    chosen = get_preset(preset)
    _, config_class, fixed = MODELS[name]
    valid = {f.name for f in fields(config_class)}
    for key in overrides:
        if key not in valid:
            raise ValueError(f"model {name!r} has no setting {key!r}; valid: {', '.join(sorted(valid))}")
        if key in fixed and overrides[key] != fixed[key]:
            raise ValueError(f"{key}={overrides[key]!r} contradicts model {name!r}; pick another model name")
    # command-line values arrive parsed as JSON (--set join=4 gives 4): give each field its type
    types = {f.name: f.type for f in fields(config_class)}
    overrides = {k: (str(v) if types[k] in ("str", str) and not isinstance(v, str) else
                     float(v) if types[k] in ("float", float) and isinstance(v, int) and not isinstance(v, bool) else v)
                 for k, v in overrides.items()}
    values = {k: v for k, v in {"size": chosen.size, **chosen.model}.items() if k in valid}
    values.update({k: v for k, v in (data or {}).items() if k in valid})
    values.update(DEFAULTS.get(name, {}))
    values.update(fixed)
    values.update(overrides)
    return config_class(**values)


def get_model(name: str, preset: str = "paper", data: dict | None = None, **overrides):
    """A fresh model (``torch.nn.Module``) of registry ``name`` at ``preset``; its config is
    ``model.cfg``. Trainable models have ``trainable = True``."""
    cfg = model_config(name, preset, data, **overrides)
    return MODELS[name][0](cfg)


def build_model(name: str, config: dict):
    """A model from a recorded config dict (a checkpoint's or a run's ``config.json``)."""
    module_class, config_class, _ = MODELS[check_model(name)]
    return module_class(config_class.from_dict(config))


__all__ = ["DEFAULTS", "MODELS", "TRAINING", "build_model", "check_model", "get_model", "model_config"]
