"""``python -m benchmark.demo --checkpoint RUN``: edit an avatar by typing instructions, one after
another, in a local web page (the "interactive" of the paper's title).

The page (``static/``) talks to a small JSON API on 127.0.0.1:

    GET  /api/info     the loaded models, the attribute table, the vocabulary size
    POST /api/avatar   {"seed": int} or {"spec": {...}}        -> {"spec", "image"}
    POST /api/edit     {"image": PNG/JPEG data URL, or "spec": {...}, "instruction": str,
                        "models": [ids]}                         -> {"results": [...], "unknown_words"}
    POST /api/session  {"index": int}  a multi-turn test session  -> {"id", "start", "turns": [{"instruction",
                        "attribute", "from_value", "to_value", "image" (the ground truth after the turn)}]}

The page's "replay a session" sends the session's instructions one by one through ``/api/edit``,
each from the previous output, and shows each turn's ground truth beside it.

Images travel as ``data:image/png;base64,...`` URLs. One parser reads every request: a missing or
non-ASCII Content-Length, bodies over ``MAX_BODY`` bytes or cut short, JSON that is invalid or
nested too deeply, uploads that are not PNG/JPEG images or declare too many pixels, and
over-long instructions get a 4xx with a message; a body that does not arrive within the socket
timeout gets a 408. Requests queue for the models (one thread per connection, a listen backlog of
256) rather than being refused. Every text the page shows is set with ``textContent`` (never parsed as HTML), and the
Content-Security-Policy forbids inline scripts.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

import numpy as np

from .. import runs

MAX_BODY = 2 * 1024 * 1024       # bytes of one request
MAX_SIDE = 1024                  # px of an uploaded image
MAX_INSTRUCTION = 300            # characters
STATIC = {"/": ("index.html", "text/html; charset=utf-8"), "/demo.js": ("demo.js", "text/javascript; charset=utf-8"),
          "/demo.css": ("demo.css", "text/css; charset=utf-8")}
CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'"
NO_CHECKPOINT = ("train one first, e.g. `python -m benchmark train --model imi_sim --preset smoke --out runs/smoke`, "
                 "then `python -m benchmark.demo --checkpoint runs/smoke`")


class RequestError(Exception):
    """A bad request: ``status`` and a message for the user."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def find_checkpoints(paths) -> list[Path]:
    """``best.pt`` of each run folder in ``paths``; a folder holding run folders (the main job's
    output) gives all of them except identity runs. Raises FileNotFoundError saying how to get one."""
    from ..pretrained import resolve_run

    found = []
    for path in map(resolve_run, paths):
        if path.is_file() and path.suffix == ".pt":
            found.append(path)
        elif runs.best_path(path).is_file():
            found.append(runs.best_path(path))
        elif path.is_dir():
            for candidate in sorted(path.glob(f"**/{runs.BEST}")):
                if runs.config_path(candidate.parent).is_file() and runs.run_model(candidate.parent) == "identity":
                    continue
                found.append(candidate)
    if not found:
        raise FileNotFoundError(f"no checkpoint (best.pt) in {', '.join(map(str, paths)) or 'nothing given'}; "
                                + NO_CHECKPOINT)
    return found


def data_url(image: np.ndarray) -> str:
    from collection.render.raster import png_bytes

    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def read_image(text) -> np.ndarray:
    """A PNG or JPEG data URL (or bare base64) -> (H, W, 3) uint8; RequestError when it is not one."""
    from PIL import Image, UnidentifiedImageError

    if not isinstance(text, str) or not text:
        raise RequestError(400, "image must be a data URL string (data:image/png;base64,...)")
    payload = text.split(",", 1)[1] if text.startswith("data:") and "," in text else text
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise RequestError(400, "image is not valid base64; send a data:image/png;base64,... URL") from None
    try:
        with Image.open(io.BytesIO(raw)) as probe:      # reads the header only
            kind, side = probe.format, max(probe.size)
            if side > MAX_SIDE:
                raise RequestError(413, f"image is {probe.size[0]}x{probe.size[1]} px; the limit is {MAX_SIDE} px a side")
            probe.verify()
        if kind not in ("PNG", "JPEG"):
            raise RequestError(415, f"the upload is a {kind} image; send a PNG or JPEG")
        image = Image.open(io.BytesIO(raw))
        if max(image.size) > MAX_SIDE:
            raise RequestError(413, f"image is {image.size[0]}x{image.size[1]} px; the limit is {MAX_SIDE} px a side")
        image = image.convert("RGBA")
    except Image.DecompressionBombError:
        raise RequestError(413, f"the image declares too many pixels; the limit is {MAX_SIDE} px a side") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise RequestError(415, "the upload is not an image; send a PNG or JPEG") from None
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))   # avatars are drawn over white
    return np.asarray(Image.alpha_composite(white, image).convert("RGB"))


class Editor:
    """The loaded models and the vocabulary; what the API does, without HTTP."""

    def __init__(self, checkpoints):
        from aimi.release import load_release

        from ..ceiling.model import BUILDERS
        from ..training.checkpoint import load_model

        self.vocabulary = load_release()["vocabulary"]
        self.index = {word: i for i, word in enumerate(self.vocabulary)}
        self.models = {}
        for path in find_checkpoints(checkpoints):
            model, payload = load_model(path, BUILDERS)
            vocab = getattr(model.cfg, "vocab_size", len(self.vocabulary))
            if vocab != len(self.vocabulary):
                raise ValueError(f"{path} was trained with {vocab} words, this dataset has {len(self.vocabulary)}")
            key = f"{runs.model_label(payload)}@{path.parent.name}"
            while key in self.models:
                key += "'"
            self.models[key] = {"model": model, "name": runs.model_label(payload), "preset": payload.get("preset"),
                                "phase": payload["phase"], "run": str(path.parent), "size": model.cfg.size,
                                "sim": bool(getattr(model.cfg, "sim", False))}
        self.size = max(m["size"] for m in self.models.values())
        self.lock = threading.Lock()   # torch modules are not re-entrant across threads

    def info(self) -> dict:
        from collection import schema

        return {"models": [{"id": key, "name": m["name"], "preset": m["preset"], "phase": m["phase"],
                            "size": m["size"], "sim": m["sim"]} for key, m in self.models.items()],
                "attributes": [{"name": a.name, "values": list(a.values)} for a in schema().values()],
                "vocabulary_size": len(self.vocabulary), "size": self.size}

    @staticmethod
    def _spec(body: dict):
        """The spec a request names: ``spec`` (every attribute) or ``seed`` (a random avatar)."""
        from collection import AvatarSpec, SpecError, sample_spec, seeded_rng

        try:
            if "spec" in body:
                if not isinstance(body["spec"], dict):
                    raise RequestError(400, "spec must be an object of attribute: value")
                return AvatarSpec.from_dict(body["spec"])
            seed = body.get("seed", 0)
            if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2 ** 63:
                raise RequestError(400, "seed must be a non-negative integer")
            return sample_spec(seeded_rng("demo", seed, 0))
        except SpecError as error:
            raise RequestError(400, str(error)) from None

    def session(self, body: dict) -> dict:
        """A multi-turn test session (``aimi.load("sessions")``), rendered at the demo's size from
        the shipped specs (no dataset cache needed)."""
        from aimi.release import load_release
        from collection import AvatarSpec, render

        sessions = load_release()["sessions"]
        index = body.get("index", 0)
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(sessions):
            raise RequestError(400, f"index must be an integer from 0 to {len(sessions) - 1}")
        row = sessions[index]
        return {"id": row["id"], "index": index, "count": len(sessions),
                "start": data_url(render(AvatarSpec.from_dict(row["start"]), self.size)),
                "turns": [{"instruction": t["instruction"], "attribute": t["attribute"], "from_value": t["from_value"],
                           "to_value": t["to_value"], "image": data_url(render(AvatarSpec.from_dict(t["spec"]), self.size))}
                          for t in row["turns"]], "simulated": True}

    def avatar(self, body: dict) -> dict:
        from collection import render

        spec = self._spec(body)
        return {"spec": spec.to_dict(), "image": data_url(render(spec, self.size))}

    def tokens(self, instruction: str) -> tuple[list[int], list[str]]:
        from collection.vocabulary import tokenize

        words = tokenize(instruction)
        unknown = [w for w in words if w not in self.index]
        return [self.index.get(w, 1) for w in words], list(dict.fromkeys(unknown))

    def edit(self, body: dict) -> dict:
        import torch
        from PIL import Image

        from ..training.predict import text_inputs

        instruction = body.get("instruction")
        if not isinstance(instruction, str) or not instruction.strip():
            raise RequestError(400, "instruction must be a non-empty string")
        if len(instruction) > MAX_INSTRUCTION:
            raise RequestError(400, f"instruction is {len(instruction)} characters; the limit is {MAX_INSTRUCTION}")
        if "image" in body:
            source = read_image(body["image"])
        elif "spec" in body:
            from collection import render

            source = render(self._spec({"spec": body["spec"]}), self.size)
        else:
            raise RequestError(400, "send the source as image (a data URL) or spec")
        wanted = body.get("models") or list(self.models)
        if not isinstance(wanted, list) or any(not isinstance(m, str) or m not in self.models for m in wanted):
            raise RequestError(400, f"models must be a list of loaded models: {', '.join(self.models)}")
        ids, unknown = self.tokens(instruction)
        if not ids:
            raise RequestError(400, "the instruction has no words")
        results = []
        for key in wanted:
            entry = self.models[key]
            size = entry["size"]
            pixels = source if source.shape[0] == size and source.shape[1] == size else \
                np.asarray(Image.fromarray(source).resize((size, size), Image.LANCZOS))
            tensor = runs.to_images(np.array(pixels, dtype=np.uint8)[None])
            with self.lock, torch.no_grad():
                out = entry["model"](tensor, *text_inputs(entry["model"], {"tokens": [ids], "lengths": [len(ids)],
                                                                          "instruction": [instruction]}))
            output = out["output"][0].clamp(0, 1)
            change = ((output - tensor[0]) ** 2).sum(0).div(3).sqrt()            # per-pixel RMS change
            results.append({
                "model": key, "name": entry["name"],
                "output": data_url(runs.from_images(output[None])[0]),
                "mask": None if out["mask"] is None else data_url(runs.from_masks(out["mask"])[0]),
                "change": data_url(_heat(change.numpy())),
                "changed_share": float((change > 16 / 255).float().mean()),
                "read_as": _read_as(entry["model"], instruction),
            })
        return {"instruction": instruction, "tokens": [self.vocabulary[i] for i in ids], "unknown_words": unknown,
                "results": results}


def _read_as(model, instruction: str) -> str | None:
    """What an editor with a parser edited by when it restated the instruction (None when it did not)."""
    if getattr(model, "parser", None) is None:
        return None
    (said,) = model.restate([instruction])          # no gradients: restate runs under torch.no_grad
    return None if said == instruction else said


def _heat(values: np.ndarray) -> np.ndarray:
    """[0,1] -> white (no change) to dark red (large change), (H, W, 3) uint8."""
    v = np.clip(values * 2, 0, 1)[..., None]
    white, red = np.array([255, 255, 255.0]), np.array([150, 0, 0.0])
    return (white * (1 - v) + red * v).round().astype(np.uint8)


class _Handler(BaseHTTPRequestHandler):
    editor: Editor = None
    server_version = "aimi-demo"
    sys_version = ""

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: dict) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == "/api/info":
            return self._json(200, self.editor.info())
        if path in STATIC:
            name, kind = STATIC[path]
            return self._send(200, resources.files("benchmark.demo").joinpath("static", name).read_bytes(), kind)
        self._json(404, {"error": f"no such page: {path}"})

    def _body(self) -> dict:
        """The one request parser: Content-Length (ASCII digits, at most ``MAX_BODY``), JSON,
        an object; every other case a RequestError with a 4xx."""
        length = self.headers.get("Content-Length")
        if length is None or not (length.isascii() and length.isdigit()):
            raise RequestError(411, "send a Content-Length of ASCII digits")
        if int(length) > MAX_BODY:
            left = int(length)
            while 0 < left <= 8 * MAX_BODY:       # read it, so that the client sees the answer
                chunk = self.rfile.read(min(65536, left))
                if not chunk:
                    break
                left -= len(chunk)
            raise RequestError(413, f"the request is {int(length)} bytes; the limit is {MAX_BODY}")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            raise RequestError(415, "send JSON (Content-Type: application/json)")
        data = self.rfile.read(int(length))
        if len(data) < int(length):
            raise RequestError(400, f"the body ended after {len(data)} of {length} bytes")
        try:
            body = json.loads(data)
        except RecursionError:
            raise RequestError(400, "the JSON is nested too deeply") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise RequestError(400, f"the body is not valid JSON ({error.__class__.__name__})") from None
        if not isinstance(body, dict):
            raise RequestError(400, "the body must be a JSON object")
        return body

    def do_POST(self):
        path = self.path.split("?", 1)[0]
        try:
            actions = {"/api/avatar": self.editor.avatar, "/api/edit": self.editor.edit,
                       "/api/session": self.editor.session}
            if path not in actions:
                raise RequestError(404, f"no such endpoint: {path}")
            answer = actions[path](self._body())
            self._json(200, answer)
        except RequestError as error:
            self.close_connection = True
            self._json(error.status, {"error": str(error)})
        except TimeoutError:               # a body promised and not sent within the socket timeout
            self.close_connection = True
            self._json(408, {"error": f"the request body did not arrive within {self.timeout:g} s"})
        except Exception as error:  # a bug of ours: say so instead of dropping the connection
            self._json(500, {"error": f"internal error ({error.__class__.__name__}: {error})"})


class DemoServer(ThreadingHTTPServer):
    """One thread per connection, so requests queue for the models (one at a time, behind the
    editor's lock) instead of being refused; a deep listen backlog, so a burst of connections is
    accepted rather than reset (the default of 5 lost requests at 20 in parallel)."""

    daemon_threads = True
    request_queue_size = 256


def serve(editor: Editor, host: str = "127.0.0.1", port: int = 8765, timeout: float = 30.0) -> DemoServer:
    """An HTTP server for ``editor`` (not yet serving: call ``serve_forever``). Loopback only;
    ``timeout``: seconds a connection may stay silent (a body that never comes) before a 408."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the demo serves on the loopback address only (127.0.0.1), not {host!r}")
    handler = type("Handler", (_Handler,), {"editor": editor, "timeout": timeout})
    return DemoServer((host, port), handler)
