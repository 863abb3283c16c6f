"""The avatar art: python-avatars' part files, parsed once, sanitised and kept as SVG templates.

We read python-avatars' SVG files ourselves instead of calling ``Avatar.render()``: its composition
re-parses every part on every call (about as slow as rasterising) and its enums reach for global
state (``Avatar.random()``, the ``clothing`` default drawn at import). Here each part is parsed once,
its ids are prefixed exactly as python-avatars prefixes them, colours and slots become named holes,
and the result is serialised once into a :class:`Template`; composing an avatar is string joins.

Sanitising happens here, at load time, for every part: ``fill=""`` is dropped (resvg paints it
black, browsers ignore it), comments, ``<title>`` and ``<desc>`` go, and a part that carries script,
text, raster images, foreign objects, event handlers or references outside the document is refused.
Parts whose SVG carries the ``design.blush`` namespace (art of unknown licence) are excluded, and so
is the ``custom_text`` shirt graphic (it needs fonts).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

# Folders of python-avatars' avatar_parts, by the kind of part they hold.
PART_FOLDERS = {
    "hair": "top/hair",
    "hat": "top/hat",
    "eyebrows": "eyebrows",
    "eyes": "eyes",
    "nose": "nose",
    "mouth": "mouth",
    "facial_hair": "facial_hair",
    "accessory": "accessories",
    "clothing": "clothes",
    "shirt_graphic": "clothes/graphic",
}
EXCLUDED_NAMESPACE = "design.blush"
EXCLUDED_PARTS = {("shirt_graphic", "custom_text")}  # uses <text>, so its pixels depend on fonts

# The square canvas: python-avatars draws on 264x280; we widen x by 8 on each side so that the
# avatar is centred in a square and nothing is stretched.
VIEWBOX = "-8 0 280 280"

_FORBIDDEN_TAGS = {"script", "text", "tspan", "image", "foreignObject", "style", "iframe"}
_URL_REF = re.compile(r"url\(#(.+)\)")


class ArtworkError(RuntimeError):
    """The installed python-avatars art is not what this project was built against."""


class Template:
    """An SVG string with named holes, filled by :meth:`fill` with plain string joins.

    A hole is written ``\\x00name\\x00`` while building; the NUL byte cannot occur in XML, so no
    part can fake one.
    """

    __slots__ = ("_pieces", "holes")

    def __init__(self, text: str):
        pieces = text.split("\x00")
        if len(pieces) % 2 != 1:
            raise ArtworkError("unbalanced hole marker in template")
        self._pieces = pieces
        self.holes = frozenset(pieces[1::2])

    def fill(self, values: dict[str, str]) -> str:
        out = self._pieces.copy()
        for i in range(1, len(out), 2):
            out[i] = values[out[i]]
        return "".join(out)


def hole(name: str) -> str:
    return f"\x00{name}\x00"


@dataclass(frozen=True)
class Part:
    """One part file, sanitised. ``template`` holds the part's drawable children.

    ``colour_hole`` names the hole that takes the part's colour ("" if the part has no colour
    element, or an empty one: then its colour cannot be seen). ``slots`` lists the slot holes a
    top carries, in paint order ("facial_hair", "accessory"); a graphic shirt carries "graphic".
    """

    kind: str
    name: str
    template: Template
    colour_hole: str
    slots: tuple[str, ...]


def _art_root() -> Path:
    try:
        root = resources.files("python_avatars") / "avatar_parts"
    except ModuleNotFoundError as e:  # pragma: no cover - install problem
        raise ArtworkError("python-avatars is not installed: pip install python-avatars==1.4.1") from e
    return Path(str(root))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _check_safe(root: ET.Element, where: str) -> None:
    for el in root.iter():
        tag = _local(el.tag)
        if tag in _FORBIDDEN_TAGS:
            raise ArtworkError(f"{where}: refusing <{tag}> in avatar art")
        for key, value in el.attrib.items():
            name = _local(key)
            if name.startswith("on"):
                raise ArtworkError(f"{where}: refusing event handler {name!r}")
            if name == "href" and not value.startswith("#"):
                raise ArtworkError(f"{where}: refusing external reference {value!r}")


def _prefix_ids(root: ET.Element, prefix: str) -> None:
    """Prefix every id and internal reference with the file stem, as python-avatars does."""
    href = f"{{{XLINK_NS}}}href"
    for el in root.iter():
        if "id" in el.attrib:
            el.set("id", f"{prefix}_{el.get('id')}")
        for attr in ("clip-path", "filter", "mask"):
            value = el.get(attr)
            if value is not None:
                m = _URL_REF.match(value)
                if m:
                    el.set(attr, f"url(#{prefix}_{m.group(1)})")
        value = el.get(href)
        if value is not None and value.startswith("#"):
            el.set(href, f"#{prefix}_{value[1:]}")


_SHAPES = {"path", "rect", "circle", "ellipse", "polygon", "polyline", "line", "use"}


def _inherits_fill(el: ET.Element) -> bool:
    """True if ``el`` is a shape (wick's colour element is the hair path itself) or a shape below
    it takes its fill from it (no own fill in between)."""
    if _local(el.tag) in _SHAPES:
        return True
    for child in el:
        if child.get("fill"):
            continue
        if _local(child.tag) in _SHAPES or _inherits_fill(child):
            return True
    return False


def _find(root: ET.Element, prefix: str, element_id: str) -> ET.Element | None:
    for el in root.iter():
        if el.get("id") == f"{prefix}_{element_id}":
            return el
    return None


_SPECIAL = re.compile(r'[&<>"]')
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_XLINK_PREFIX = f"{{{XLINK_NS}}}"
_SVG_PREFIX = f"{{{SVG_NS}}}"


def _escape(text: str, attribute: bool) -> str:
    if not _SPECIAL.search(text):
        return text  # the usual case: path data, numbers, colours
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attribute:
        text = text.replace('"', "&quot;")
    return text


def _attr_name(key: str) -> str | None:
    """The attribute's name in our output; None for foreign-namespace metadata (dropped)."""
    if key[0] != "{":
        return key
    if key.startswith(_XLINK_PREFIX):
        return "xlink:" + key[len(_XLINK_PREFIX):]
    return None


def serialise(el: ET.Element, out: list[str]) -> None:
    """Write ``el`` as SVG into ``out`` (deterministic; drops empty fills, comments, title, desc).

    An attribute whose value is a hole marker keeps it; ``el.text`` set to a hole marker becomes
    the element's content.
    """
    if not isinstance(el.tag, str) or not el.tag.startswith(_SVG_PREFIX):
        return  # comments, processing instructions, RDF/Dublin Core metadata
    tag = el.tag[len(_SVG_PREFIX):]
    if tag in ("title", "desc", "metadata"):
        return
    out.append(f"<{tag}")
    for key, value in el.attrib.items():
        name = _attr_name(key)
        if name is None or (key == "fill" and value == ""):
            continue  # resvg paints fill="" black; browsers treat it as absent
        out.append(f' {name}="{_escape(value, True)}"')
    children = list(el)
    text = (el.text or "").strip()
    if not children and not text:
        out.append("/>")
        return
    out.append(">")
    if text:
        out.append(text if "\x00" in text else _escape(text, False))
    for child in children:
        serialise(child, out)
    out.append(f"</{tag}>")


def _children_template(root: ET.Element) -> Template:
    out: list[str] = []
    for child in root:
        serialise(child, out)
    return Template("".join(out))


def _parse(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def _set_hole(el: ET.Element, name: str, where: str) -> None:
    if len(el):
        raise ArtworkError(f"{where}: slot {name!r} is not empty")
    el.text = hole(name)


def _load_part(kind: str, path: Path) -> Part:
    name = path.stem
    root = _parse(path)
    where = f"{PART_FOLDERS[kind]}/{path.name}"
    _check_safe(root, where)
    _prefix_ids(root, name)
    colour_hole = ""
    colour_ids = {
        "hair": "Hair-Color",
        "hat": "Fabric-Color",
        "clothing": "Fabric-Color",
        "facial_hair": "Facial-Hair-Color",
    }
    if kind in colour_ids:
        el = _find(root, name, colour_ids[kind])
        # The colour is seen only if some shape inside inherits the group's fill: no_hair's group
        # is empty and straight_2 paints its own fixed colour (python-avatars' colour is lost too).
        if el is not None and _inherits_fill(el):
            colour_hole = "colour"
            el.set("fill", hole("colour"))
    slots: list[str] = []
    if kind in ("hair", "hat"):
        order = []
        for slot, element_id in (("facial_hair", "Facial-Hair"), ("accessory", "Accessory")):
            el = _find(root, name, element_id)
            if el is not None:
                _set_hole(el, slot, where)
                order.append((list(root.iter()).index(el), slot))
        slots = [slot for _, slot in sorted(order)]
    if kind == "clothing":
        el = _find(root, name, "Graphic")
        if el is not None:
            _set_hole(el, "graphic", where)
            slots = ["graphic"]
    if kind == "shirt_graphic":
        # python-avatars moves every graphic into place (its issue #2).
        graphic_id = "-".join(w.capitalize() for w in name.upper().split("_"))
        el = _find(root, name, f"Clothing/Graphic/{graphic_id}")
        if el is None:
            raise ArtworkError(f"{where}: no element Clothing/Graphic/{graphic_id}")
        el.set("transform", "translate(77.000000, 58.000000)")
    return Part(kind, name, _children_template(root), colour_hole, tuple(slots))


@functools.cache
def parts() -> dict[str, dict[str, Part]]:
    """Every usable part, by kind and name (file stem), in python-avatars' file order (sorted)."""
    root = _art_root()
    found: dict[str, dict[str, Part]] = {}
    for kind, folder in PART_FOLDERS.items():
        found[kind] = {}
        directory = root / folder
        if not directory.is_dir():
            raise ArtworkError(f"python-avatars has no folder {folder}: install python-avatars==1.4.1")
        for path in sorted(directory.glob("*.svg")):
            if (kind, path.stem) in EXCLUDED_PARTS:
                continue
            if EXCLUDED_NAMESPACE in path.read_text(encoding="utf-8"):
                continue
            found[kind][path.stem] = _load_part(kind, path)
    return found


@functools.cache
def style_template() -> Template:
    """The CIRCLE style document with holes for size, colours and every part slot."""
    path = _art_root() / "styles" / "circle.svg"
    root = _parse(path)
    _check_safe(root, "styles/circle.svg")
    _prefix_ids(root, "circle")
    root.set("width", hole("size"))
    root.set("height", hole("size"))
    root.set("viewBox", VIEWBOX)
    for key in [k for k in root.attrib if k not in ("width", "height", "viewBox")]:
        del root.attrib[key]
    fills = {"Background-Color": "background_color", "Skin-Color": "skin_color"}
    for element_id, name in fills.items():
        el = _find(root, "circle", element_id)
        if el is None:
            raise ArtworkError(f"styles/circle.svg: no element {element_id}")
        el.set("fill", hole(name))
    slots = {
        "Top": "top",
        "Eyebrow": "eyebrows",
        "Eyes": "eyes",
        "Nose": "nose",
        "Mouth": "mouth",
        "Clothing": "clothing",
    }
    for element_id, name in slots.items():
        el = _find(root, "circle", element_id)
        if el is None:
            raise ArtworkError(f"styles/circle.svg: no slot {element_id}")
        _set_hole(el, name, "styles/circle.svg")
    return Template(document(root))


def document(root: ET.Element) -> str:
    """A whole SVG document from its (sanitised) root: namespaces declared once, at the root."""
    out = [f'<svg xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"']
    for key, value in root.attrib.items():
        out.append(f' {key}="{_escape(value, True)}"')
    out.append(">")
    for child in root:
        serialise(child, out)
    out.append("</svg>")
    return "".join(out)
