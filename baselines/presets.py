"""The one preset table: per preset the image size, the model sizes, the training schedule, the
main job's budget and the ceiling's parser data. Every stage reads it (``baselines.registry`` the
sizes, ``benchmark.training`` the schedule, ``benchmark.main_job`` the budget, ``benchmark.ceiling``
its parser's), so a preset is added in one place. It lives here, not in ``benchmark``, because
``baselines`` imports nothing of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    size: int                                      # image side in pixels
    model: dict = field(default_factory=dict)      # model config fields (widths, feature sizes)
    train: dict = field(default_factory=dict)      # TrainConfig fields (the schedule)
    main: dict = field(default_factory=dict)       # main job: phases per model, eval_limit, study_limit,
                                                   # session_limit (0: all)
    ceiling: dict = field(default_factory=dict)    # the parse_render parser: simulated instructions, epochs


PRESETS = {
    # the paper: 64 px, DCGAN widths 64..512, phi_im 1024, phi_i/phi_fc 128 (a GPU job)
    "paper": Preset(64, {"channels": 64, "image_feature": 1024, "hidden": 128, "embedding": 128},
                    {"phases": 5000, "eval_every": 50, "checkpoint_every": 50},
                    {"phases": 5000, "eval_limit": 0, "study_limit": 0, "session_limit": 0, "parser_instructions": 60_000}, {"instructions": 100_000, "epochs": 6}),
    # 2 CPU cores; the main job trains 64 phases per model to fit five models in 30 minutes
    "cpu": Preset(32, {"channels": 16, "image_feature": 256, "hidden": 128, "embedding": 64},
                  {"phases": 300, "eval_every": 10, "checkpoint_every": 50},
                  {"phases": 64, "eval_limit": 0, "study_limit": 0, "session_limit": 0, "parser_instructions": 60_000}, {"instructions": 100_000, "epochs": 6}),
    # CI: seconds
    "smoke": Preset(32, {"channels": 8, "image_feature": 32, "hidden": 16, "embedding": 16},
                    {"phases": 4, "phase_examples": 64, "batch_size": 16, "eval_every": 2, "checkpoint_every": 2,
                     "val_limit": 32},
                    {"phases": 4, "eval_limit": 24, "study_limit": 12, "session_limit": 6,
                     "parser_instructions": 200}, {"instructions": 2_000, "epochs": 4}),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ValueError listing the valid ones."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; valid presets: {', '.join(PRESETS)}")
    return PRESETS[name]


__all__ = ["PRESETS", "Preset", "get_preset"]
