import random

import pytest

from collection import sample_spec


@pytest.fixture
def specs():
    """Forty random specs from a private generator."""
    rng = random.Random(1234)
    return [sample_spec(rng) for _ in range(40)]
