"""AIMI data collection: avatar attributes, rendering, one-attribute pairs, batch rendering.

The distribution is named ``aimi``; this package is its ``collection`` part.
"""

from .version import __version__
from .attributes import (
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
from .batch import Job, JobError, run_job
from .render.compose import SIZES, compose_svg
from .pairs import Pair, change_mask, make_pair
from .render.raster import RENDERERS, rasterise, render, render_batch, render_reference

__all__ = [
    "ATTRIBUTE_NAMES", "Attribute", "AvatarSpec", "Job", "JobError", "Pair", "RENDERERS", "SIZES",
    "SpecError",
    "attribute", "change_mask", "compose_svg", "make_pair", "rasterise", "render", "render_batch",
    "render_reference",
    "run_job",
    "sample_spec", "schema", "seeded_rng", "visible_attributes", "__version__",
]
