"""The installed distribution's version, in a module of its own so nothing imports back from
``collection/__init__``."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("aimi")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
