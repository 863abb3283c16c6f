"""The interactive editing page: python -m benchmark.demo --checkpoint RUN."""

__all__: list[str] = []
