"""Training a registry model as the paper did (run folder, resume, DDP, NaN stop)."""

__all__: list[str] = []
