"""Figures and the leaderboard, made from result files only."""

__all__: list[str] = []
