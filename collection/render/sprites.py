"""The sprite cache: every layer of the avatar rendered once per value (and colour) and size.

An avatar is a fixed stack of layers, each depending on one or two attributes (rendering.md, "The
fast path"). Each layer is cut out of a full composed document by wrapping every painted element
outside it in a ``<defs>`` in place (so references and inherited properties stay intact), then
rendered by resvg, exactly as in the full document but alone:

- inner layers (body, clothing, graphic, face parts, top segments, facial hair, accessory) are
  drawn inside the isolated ``Avataaar`` group, whose mask is swapped for a full-cover
  ``userSpaceOnUse`` mask (the group stays isolated, as in the full document, and a small layer is
  not clipped by a bounding-box mask region), with a zero-opacity anchor rect of the body's masked
  skin rect so the isolated layer's box is the one the full document gets;
- the group mask is its own sprite (alpha only), multiplied once into the composite of the inner
  layers;
- a top is cut into segments around its facial-hair and accessory slots; facial-hair and accessory
  sprites are keyed by the chain of groups that holds their slot (it differs between tops);
- a coloured layer is rendered twice, with black and with white: premultiplied RGB is affine in
  the colour, so any hex colour is ``black + (white - black) * c / 255``.

Sprites are stored as uint8 straight-alpha RGBA crops (``.npz``) under
``$AIMI_SPRITE_CACHE`` (else ``$AIMI_HOME/sprites``, else ``~/.cache/aimi/sprites``), in a folder
keyed by the versions of python-avatars, resvg and this format, one file per size, built on first
use under a file lock (a second process waits and then loads), written atomically.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from .. import artwork
from ..attributes import AvatarSpec, attribute, sample_spec, seeded_rng
from .compose import check_size, compose_svg
from ..files import write_atomic
from .rasterise import rasterise_rgba

FORMAT = 1
_NON_RENDERING = {"defs", "mask", "clipPath", "linearGradient", "radialGradient", "filter",
                  "pattern", "symbol", "marker"}
_FULL_MASK_ID = "aimi-full-cover"
_ANCHOR = (0, 36, 264, 244)  # the body's masked skin rect, (0,36)-(264,280)
_LAYER = "data-aimi-layer"
BLACK, WHITE = "#000000", "#FFFFFF"


def _tag(name: str) -> str:
    return f"{{{artwork.SVG_NS}}}{name}"


def cache_root() -> Path:
    if os.environ.get("AIMI_SPRITE_CACHE"):
        return Path(os.environ["AIMI_SPRITE_CACHE"])
    if os.environ.get("AIMI_HOME"):
        return Path(os.environ["AIMI_HOME"]) / "sprites"
    return Path.home() / ".cache" / "aimi" / "sprites"


def cache_key() -> str:
    """Folder name: a change of art, rasteriser or format makes (and uses) a new cache."""
    return (f"python-avatars-{metadata.version('python-avatars')}"
            f"_resvg-{metadata.version('resvg')}_format-{FORMAT}")


def cache_path(size: int) -> Path:
    return cache_root() / cache_key() / f"sprites-{check_size(size)}.npz"


# --- cutting layers out of a composed document ------------------------------------------------

def _parents(root: ET.Element) -> dict[ET.Element, ET.Element]:
    return {child: parent for parent in root.iter() for child in parent}


def _ancestors(el: ET.Element, parents: dict) -> list[ET.Element]:
    chain = []
    while el in parents:
        el = parents[el]
        chain.append(el)
    return chain


def _hide(parent: ET.Element, child: ET.Element) -> None:
    """Replace ``child`` by ``<defs>child</defs>`` in place: not drawn, still referenceable."""
    index = list(parent).index(child)
    defs = ET.Element(_tag("defs"))
    parent.remove(child)
    defs.append(child)
    defs.tail = child.tail
    parent.insert(index, defs)


def _prune(el: ET.Element, through: set, keep) -> None:
    for child in list(el):
        if not isinstance(child.tag, str) or child.tag.rsplit("}", 1)[-1] in _NON_RENDERING:
            continue
        if child in through:
            _prune(child, through, keep)
        elif not keep(child):
            _hide(el, child)


def _find_layer(root: ET.Element, layer: str) -> ET.Element:
    for el in root.iter():
        if el.get(_LAYER) == layer:
            return el
    raise KeyError(layer)


def _find_id(root: ET.Element, element_id: str) -> ET.Element:
    for el in root.iter():
        if el.get("id") == element_id:
            return el
    raise KeyError(element_id)


def _isolate_inner(root: ET.Element) -> None:
    """Swap the Avataaar group's mask for a full-cover one and anchor its layer box."""
    group = _find_id(root, "circle_Avataaar")
    defs = root.find(_tag("defs"))
    size = "200000"
    mask = ET.SubElement(defs, _tag("mask"), {
        "id": _FULL_MASK_ID, "maskUnits": "userSpaceOnUse",
        "x": "-100000", "y": "-100000", "width": size, "height": size})
    ET.SubElement(mask, _tag("rect"), {"x": "-100000", "y": "-100000", "width": size, "height": size,
                                       "fill": "#FFFFFF"})
    group.set("mask", f"url(#{_FULL_MASK_ID})")
    x, y, w, h = _ANCHOR
    group.insert(0, ET.Element(_tag("rect"), {"x": str(x), "y": str(y), "width": str(w),
                                              "height": str(h), "fill": "#000000", "fill-opacity": "0"}))


def cut(svg: str, layer: str, segment: int | None = None) -> str:
    """The document ``svg`` (composed with ``mark_layers=True``) reduced to one layer.

    ``layer`` is "background", "body", "mask", or a marked slot ("clothing", "graphic", "mouth",
    "nose", "eyes", "eyebrows", "top", "facial_hair", "accessory"); for "top", ``segment`` k
    keeps the top's painted elements between its k-th and (k+1)-th slot.
    """
    root = ET.fromstring(svg)
    parents = _parents(root)
    if layer == "mask":
        _prune(root, set(), lambda child: False)
        ET.SubElement(root, _tag("use"), {f"{{{artwork.XLINK_NS}}}href": "#circle_path-3",
                                          "fill": "#FFFFFF"})
        return artwork.document(root)
    target = _find_id(root, {"background": "circle_Circle", "body": "circle_Body"}[layer]) \
        if layer in ("background", "body") else _find_layer(root, layer)
    # Layers nested in this one (the graphic in the clothing, the slots in a top) are their own
    # sprites: hide them, and for a top keep only the painted elements of one segment between them.
    nested = [el for el in target.iter() if el is not target and el.get(_LAYER)]
    order = {el: i for i, el in enumerate(root.iter())}
    bounds = [-1] + sorted(order[n] for n in nested) + [len(order)]
    k = segment or 0
    low, high = bounds[k], bounds[k + 1]
    inside = set(target.iter())
    through = set(_ancestors(target, parents)) | {target}
    for n in nested:
        through.update(a for a in _ancestors(n, parents) if a in inside)
    hidden = set(nested)

    def keep(child: ET.Element) -> bool:
        if child not in inside or child in hidden:
            return False
        return segment is None or low < order[child] < high

    _prune(root, through, keep)
    if layer != "background":
        _isolate_inner(root)
    return artwork.document(root)


def slot_chain(svg: str, slot: str) -> str:
    """A key for the chain of groups between the top and one of its slots (slot sprites that
    share it are the same pixels)."""
    root = ET.fromstring(svg)
    parents = _parents(root)
    el = _find_layer(root, slot)
    chain = []
    for a in _ancestors(el, parents):
        if a.get(_LAYER) == "top":
            break
        attrs = {k: v for k, v in a.attrib.items() if k not in ("id", _LAYER)}
        chain.append(json.dumps(attrs, sort_keys=True))
    return "|".join(reversed(chain))


# --- building the cache -------------------------------------------------------------------------

@dataclass(frozen=True)
class SpriteJob:
    """One sprite to render: its key, the cut, and whether it is rendered in black and white."""

    key: str
    spec: AvatarSpec
    layer: str
    segment: int | None
    colour_attribute: str | None


def _base_spec() -> AvatarSpec:
    return sample_spec(seeded_rng("sprite-base", 0, 0)).replace(
        facial_hair="beard_light", accessory="round", clothing="graphic_shirt")


def top_colour_attribute(top: str) -> str | None:
    parts = artwork.parts()
    part = parts["hair"].get(top) or parts["hat"][top]
    if not part.colour_hole:
        return None
    return "hair_color" if part.kind == "hair" else "hat_color"


def sprite_jobs() -> tuple[list[SpriteJob], dict[str, dict[str, str]]]:
    """Every sprite of the schema, and per top the chain keys of its slots."""
    base = _base_spec()
    jobs = [SpriteJob("background", base, "background", None, "background_color"),
            SpriteJob("body", base, "body", None, "skin_color"),
            SpriteJob("mask", base, "mask", None, None)]
    for value in attribute("clothing").values:
        jobs.append(SpriteJob(f"clothing/{value}", base.replace(clothing=value), "clothing", None, "clothing_color"))
    for value in attribute("shirt_graphic").values:
        jobs.append(SpriteJob(f"graphic/{value}", base.replace(shirt_graphic=value), "graphic", None, None))
    for name in ("mouth", "nose", "eyes", "eyebrows"):
        for value in attribute(name).values:
            if value != "none":
                jobs.append(SpriteJob(f"{name}/{value}", base.replace(**{name: value}), name, None, None))
    chains: dict[str, dict[str, str]] = {}
    seen_slots: set[str] = set()
    parts = artwork.parts()
    for top in attribute("top").values:
        spec = base.replace(top=top)
        part = parts["hair"].get(top) or parts["hat"][top]
        for k in range(len(part.slots) + 1):
            jobs.append(SpriteJob(f"top/{top}/{k}", spec, "top", k, top_colour_attribute(top)))
        svg = compose_svg(spec, 64, mark_layers=True)
        chains[top] = {}
        for slot in part.slots:
            chain = slot_chain(svg, slot)
            chains[top][slot] = chain
            if (slot, chain) in seen_slots:
                continue
            seen_slots.add((slot, chain))
            values = attribute(slot).values
            for value in values:
                if value == "none":
                    continue
                colour = "facial_hair_color" if slot == "facial_hair" else None
                jobs.append(SpriteJob(f"{slot}/{value}/{chain}", spec.replace(**{slot: value}), slot, None, colour))
    return jobs, chains


_SENTINEL = "#FE01FD"  # a colour no part uses: cut once, then paint it black and white


def _render_job(job: SpriteJob, size: int) -> list[np.ndarray]:
    """The job's RGBA render(s) at ``size``: one, or black then white for a coloured layer."""
    if not job.colour_attribute:
        return [rasterise_rgba(cut(compose_svg(job.spec, size, mark_layers=True), job.layer, job.segment))]
    if _SENTINEL in compose_svg(job.spec, size, mark_layers=True):
        raise RuntimeError(f"sentinel colour {_SENTINEL} occurs in the art; choose another")
    svg = compose_svg(job.spec, size, colours={job.colour_attribute: _SENTINEL}, mark_layers=True)
    layer = cut(svg, job.layer, job.segment)
    return [rasterise_rgba(layer.replace(_SENTINEL, colour)) for colour in (BLACK, WHITE)]


def render_crops(size: int, numbers: list[int]) -> list[tuple | None]:
    """Render sprite jobs ``numbers`` (positions in ``sprite_jobs()``): per job (y, x, [crops])
    cropped to the painted box, or None for a layer that paints nothing at this size. A pure
    function, so the work can be spread over processes."""
    jobs, _ = sprite_jobs()
    out: list[tuple | None] = []
    for n in numbers:
        renders = _render_job(jobs[n], size)
        alpha = np.maximum.reduce([r[:, :, 3] for r in renders])
        ys, xs = np.nonzero(alpha)
        if len(ys) == 0:
            out.append(None)
            continue
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        out.append((int(y0), int(x0), [np.ascontiguousarray(r[y0:y1, x0:x1]) for r in renders]))
    return out


def build(size: int, map_fn=map, pieces: int = 1) -> dict:
    """Render every sprite at ``size``: {"index": [...], "data": uint8 buffer, "chains": {...}}.

    ``map_fn`` (e.g. a process pool's ``map``) runs ``render_crops`` over ``pieces`` interleaved
    shares of the jobs; the result does not depend on how the work was shared.
    """
    jobs, chains = sprite_jobs()
    if os.environ.get("AIMI_QUIET") != "1":
        print(f"building the {size} px sprite cache ({len(jobs)} layers, once) in {cache_path(size).parent}",
              file=sys.stderr)
    shares = [list(range(k, len(jobs), pieces)) for k in range(pieces)]
    rendered: list[tuple | None] = [None] * len(jobs)
    for share, crops in zip(shares, map_fn(render_crops, [size] * pieces, shares)):
        for n, crop in zip(share, crops):
            rendered[n] = crop
    index, chunks, offset = [], [], 0
    for job, found in zip(jobs, rendered):
        if found is None:
            continue
        y0, x0, crops = found
        h, w = crops[0].shape[:2]
        chunks.extend(c.tobytes() for c in crops)
        index.append({"key": job.key, "y": y0, "x": x0, "h": h, "w": w,
                      "offset": offset, "variants": len(crops)})
        offset += sum(c.nbytes for c in crops)
    return {"index": index, "data": np.frombuffer(b"".join(chunks), np.uint8), "chains": chains}


def _save(path: Path, built: dict) -> None:
    meta = json.dumps({"index": built["index"], "chains": built["chains"], "key": cache_key()})
    buf = io.BytesIO()
    np.savez(buf, meta=np.frombuffer(meta.encode("utf-8"), np.uint8), data=built["data"])
    write_atomic(path, buf.getvalue())


def _load_file(path: Path) -> dict:
    with np.load(path) as npz:
        meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
        data = npz["data"]
    if meta.get("key") != cache_key():
        raise ValueError("sprite cache from another version")
    return {"index": meta["index"], "data": data, "chains": meta["chains"]}


def load_or_build(size: int, map_fn=map, pieces: int = 1) -> dict:
    """The sprites at ``size`` from the cache, building them first if needed (once, locked;
    ``map_fn`` and ``pieces`` as in :func:`build`)."""
    path = cache_path(size)
    try:
        return _load_file(path)
    except (FileNotFoundError, ValueError, KeyError, OSError, json.JSONDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second process waits here, then finds the file
        try:
            return _load_file(path)
        except (FileNotFoundError, ValueError, KeyError, OSError, json.JSONDecodeError):
            built = build(size, map_fn, pieces)
            _save(path, built)
            return built
