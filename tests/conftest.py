import os
import random

import pytest

from collection import sample_spec


def pytest_configure(config):
    # One sprite cache for the whole run, in a fresh folder: tests never read or write the user's
    # ~/.cache, and spawned worker processes inherit the variable.
    if "AIMI_SPRITE_CACHE" not in os.environ:
        import tempfile

        os.environ["AIMI_SPRITE_CACHE"] = tempfile.mkdtemp(prefix="aimi-sprites-")
    os.environ.setdefault("AIMI_QUIET", "1")


@pytest.fixture
def specs():
    """Forty random specs from a private generator."""
    rng = random.Random(1234)
    return [sample_spec(rng) for _ in range(40)]
