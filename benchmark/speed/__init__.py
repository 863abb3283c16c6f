"""Speed benchmarks, each a ratio against an anchor timed in the same run: python -m benchmark.speed."""

__all__: list[str] = []
