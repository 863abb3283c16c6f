"""Attributes to pixels: compose the SVG, rasterise it with resvg, or composite cached sprites
(``raster.render``). See ARCHITECTURE.md beside this file."""

__all__: list[str] = []
