"""Measuring AIMI: training (``training/``), evaluation (``evaluation/``), the preference study
(``preference/``), figures and the leaderboard (``report/``), the interactive page (``demo/``),
speed benchmarks (``speed/``) and the main job; ``python -m benchmark --help``."""

__all__: list[str] = []
