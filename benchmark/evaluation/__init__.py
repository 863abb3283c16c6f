"""Scoring a trained run: pixel metrics, the attribute reader, statistics, curves."""

__all__: list[str] = []
