from xml.etree import ElementTree as ET

import pytest

from collection import artwork, compose_svg


def test_parts_are_loaded_without_the_excluded_art():
    parts = artwork.parts()
    root = artwork._art_root()
    for kind, by_name in parts.items():
        for name in by_name:
            text = (root / artwork.PART_FOLDERS[kind] / f"{name}.svg").read_text(encoding="utf-8")
            assert artwork.EXCLUDED_NAMESPACE not in text
    assert "custom_text" not in parts["shirt_graphic"]


def test_tops_know_their_slots_in_paint_order():
    tops = artwork.parts()["hair"] | artwork.parts()["hat"]
    assert tops["short_flat"].slots == ("facial_hair", "accessory")
    assert tops["shaggy_mullet"].slots == ("accessory", "facial_hair")
    assert tops["hijab"].slots == ("accessory",)


def test_composed_svg_is_sanitised_and_well_formed(specs):
    for spec in specs[:10]:
        svg = compose_svg(spec, 64)
        root = ET.fromstring(svg)  # well-formed XML
        assert root.get("width") == "64" and root.get("viewBox") == artwork.VIEWBOX
        assert 'fill=""' not in svg
        assert "\x00" not in svg
        for forbidden in ("<script", "<text", "<image", "<title", "<metadata", "rdf:"):
            assert forbidden not in svg


def test_unsafe_art_is_refused():
    bad = ET.fromstring('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                        '<use xlink:href="http://example.com/x.svg#a"/></svg>')
    with pytest.raises(artwork.ArtworkError, match="external reference"):
        artwork._check_safe(bad, "test")
    bad = ET.fromstring('<svg xmlns="http://www.w3.org/2000/svg"><g onload="alert(1)"/></svg>')
    with pytest.raises(artwork.ArtworkError, match="event handler"):
        artwork._check_safe(bad, "test")
    bad = ET.fromstring('<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')
    with pytest.raises(artwork.ArtworkError, match="script"):
        artwork._check_safe(bad, "test")


def test_template_holes_fill_and_reject_unbalanced_markers():
    t = artwork.Template(f"<g>{artwork.hole('a')}</g>{artwork.hole('b')}")
    assert t.holes == {"a", "b"}
    assert t.fill({"a": "x", "b": "y"}) == "<g>x</g>y"
    with pytest.raises(artwork.ArtworkError):
        artwork.Template("a\x00b")
