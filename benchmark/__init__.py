"""Measuring AIMI: speed benchmarks now; training, evaluation and the leaderboard later."""
