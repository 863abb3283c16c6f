"""The models: ``identity``, ``imi`` (w/o SIM, 2018), ``imi_sim`` (w/ SIM, 2019) and models
beyond the paper (``imi_sim_composite``, ``imi_sim_unet``); the one preset table. Imports nothing
else of this project.

    from baselines import get_model
    model = get_model("imi_sim", "cpu", data={"vocab_size": 881})
    out = model(source, tokens, lengths)      # {"output": (B,3,S,S) in [0,1], "mask": (B,1,S,S), ...}
"""

from .editor import Editor, EditorConfig
from .identity import Identity, IdentityConfig
from .imi import IMI, IMIConfig
from .presets import PRESETS, Preset, get_preset
from .registry import MODELS, TRAINING, build_model, check_model, get_model, model_config

__all__ = ["Editor", "EditorConfig", "IMI", "IMIConfig", "Identity", "IdentityConfig", "MODELS", "PRESETS", "Preset",
           "TRAINING", "build_model",
           "check_model", "get_model", "get_preset", "model_config"]
