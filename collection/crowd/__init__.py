"""Pairs to cleaned instructions through the crowd platforms' own formats: export, (simulated)
answers, ingest, clean. See ARCHITECTURE.md beside this file."""

__all__: list[str] = []
