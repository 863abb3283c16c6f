"""The parse-and-render ceiling (``parse_render``): it uses the renderer at inference."""

__all__: list[str] = []
