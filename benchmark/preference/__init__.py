"""The five-grade A/B preference study through the crowd platforms."""

__all__: list[str] = []
