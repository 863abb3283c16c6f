"""AIMI data collection: avatar attributes, rendering, one-attribute pairs, batch rendering.

The distribution is named ``aimi``; this package is its ``collection`` part.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("aimi")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

from .attributes import (  # noqa: E402
    ATTRIBUTE_NAMES,
    Attribute,
    AvatarSpec,
    SpecError,
    attribute,
    sample_spec,
    schema,
    seeded_rng,
    visible_attributes,
)
from .batch import Job, JobError, run_job  # noqa: E402
from .compose import SIZES, compose_svg  # noqa: E402
from .pairs import Pair, change_mask, make_pair  # noqa: E402
from .raster import RENDERERS, rasterise, render, render_batch, render_reference  # noqa: E402

__all__ = [
    "ATTRIBUTE_NAMES", "Attribute", "AvatarSpec", "Job", "JobError", "Pair", "RENDERERS", "SIZES",
    "SpecError",
    "attribute", "change_mask", "compose_svg", "make_pair", "rasterise", "render", "render_batch",
    "render_reference",
    "run_job",
    "sample_spec", "schema", "seeded_rng", "visible_attributes", "__version__",
]
