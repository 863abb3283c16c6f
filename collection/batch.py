"""Render avatars or pairs at scale: a job is a pure function of (seed, index range).

A job of ``count`` items is cut into parts of ``chunk`` consecutive indices. A part can run in any
process on any machine (``--shard i/N`` takes the parts p with p % N == i); it writes its slice of
the shared memory-mapped ``.npy`` arrays, its records as ``parts/part-NNNNN.jsonl`` and, last, its
stats as ``parts/part-NNNNN.json``: the stats file is the commit marker, so a rerun skips the
parts that have one and redoes the rest. When every part is done the records are joined into one
JSON-lines file. A worker never raises: a failing item is recorded in the part's stats and the
part is left for the next run.

Output folder::

    job.json                  what was asked (a rerun with other settings is refused)
    images_64.npy             avatars: (count, 64, 64, 3) uint8
    source_64.npy, target_64.npy, mask_64.npy     pairs: images and (count, 64, 64) masks
    parts/part-00000.{jsonl,json}
    avatars.jsonl | pairs.jsonl
    png/                      with --png: one PNG per image
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from .version import __version__
from .attributes import sample_spec, seeded_rng
from .render.compose import check_size
from .files import create_once, write_atomic, write_json
from .pairs import check_attributes, make_pair
from .render.raster import check_renderer, png_bytes, render

KINDS = ("avatars", "pairs")


class JobError(ValueError):
    """A job that cannot run as asked; the message says what to change."""


@dataclass(frozen=True)
class Job:
    kind: str
    seed: int
    count: int
    size: int = 64
    chunk: int = 1024
    attributes: tuple[str, ...] | None = None  # pairs only: the attributes allowed to change
    png: bool = False
    renderer: str = "sprite"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise JobError(f"unknown job kind {self.kind!r}; valid: {', '.join(KINDS)}")
        if self.count <= 0:
            raise JobError(f"the number of items (--n, --count) must be positive, got {self.count}")
        if self.chunk <= 0:
            raise JobError(f"chunk must be positive, got {self.chunk}")
        if self.seed < 0:
            raise JobError(f"seed must be >= 0, got {self.seed}")
        check_size(self.size)
        check_renderer(self.renderer)
        if self.attributes is not None:
            object.__setattr__(self, "attributes", check_attributes(self.attributes))

    @property
    def num_parts(self) -> int:
        return -(-self.count // self.chunk)

    def part_range(self, part: int) -> tuple[int, int]:
        start = part * self.chunk
        return start, min(start + self.chunk, self.count)

    def arrays(self) -> dict[str, tuple[tuple[int, ...], str]]:
        s = self.size
        if self.kind == "avatars":
            return {f"images_{s}": ((self.count, s, s, 3), "uint8")}
        return {f"source_{s}": ((self.count, s, s, 3), "uint8"),
                f"target_{s}": ((self.count, s, s, 3), "uint8"),
                f"mask_{s}": ((self.count, s, s), "uint8")}

    @property
    def records_name(self) -> str:
        return f"{self.kind}.jsonl"

    def describe(self) -> dict:
        d = asdict(self)
        d["attributes"] = list(self.attributes) if self.attributes else None
        return d


def parse_shard(text: str | None) -> tuple[int, int]:
    """'i/N' -> (i, N) with 0 <= i < N; None -> (0, 1)."""
    if text is None:
        return 0, 1
    try:
        i_text, n_text = text.split("/")
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise JobError(f"malformed shard {text!r}: expected i/N with 0 <= i < N, e.g. 0/4") from None
    if n < 1 or not 0 <= i < n:
        raise JobError(f"malformed shard {text!r}: expected i/N with 0 <= i < N, e.g. 0/4")
    return i, n


def render_item(job: Job, index: int) -> tuple[str, dict[str, np.ndarray]]:
    """Item ``index`` of ``job``: its JSON record line and its images, keyed like ``job.arrays()``."""
    s = job.size
    if job.kind == "avatars":
        spec = sample_spec(seeded_rng("avatar", job.seed, index))
        canonical = spec.to_json()  # encoded once: the id hashes it and the record embeds it
        line = f'{{"index": {index}, "avatar_id": "{spec.id_of(canonical)}", "spec": {canonical}}}'
        return line, {f"images_{s}": render(spec, s, job.renderer)}
    pair, src, tgt, mask = make_pair(job.seed, index, s, job.attributes, job.renderer)
    return json.dumps(pair.to_record()), {f"source_{s}": src, f"target_{s}": tgt, f"mask_{s}": mask}


def _part_paths(out: Path, part: int) -> tuple[Path, Path]:
    stem = out / "parts" / f"part-{part:05d}"
    return stem.with_suffix(".jsonl"), stem.with_suffix(".json")


def _data_offset(path: Path) -> int:
    """Where the array data starts in a ``.npy`` file (after its header)."""
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            np.lib.format.read_array_header_1_0(f)
        else:
            np.lib.format.read_array_header_2_0(f)
        return f.tell()


def _write_slice(path: Path, start: int, block: np.ndarray) -> None:
    """Write ``block`` as items ``start...`` of the .npy array at ``path``.

    One positioned write of the whole part: writing through a memory map instead costs a page
    fault per 4 KiB. No fsync (it cost a third of the rendering time): a killed process loses
    nothing the kernel holds, and after a machine crash :func:`verify_done_parts` finds any slice
    that did not reach the disk by its checksum and has it rendered again.
    """
    offset = _data_offset(path) + start * block[0].nbytes
    data = memoryview(np.ascontiguousarray(block)).cast("B")
    fd = os.open(path, os.O_WRONLY)
    try:
        written = 0
        while written < len(data):
            written += os.pwrite(fd, data[written:], offset + written)
    finally:
        os.close(fd)


def run_part(job: Job, out: str, part: int) -> dict:
    """Render one part into the arrays under ``out``; returns its stats and never raises."""
    started = time.perf_counter()
    start, stop = job.part_range(part)
    stats = {"part": part, "start": start, "stop": stop, "ok": 0, "failed": 0, "errors": []}
    try:
        outdir = Path(out)
        blocks = {name: np.zeros((stop - start, *shape[1:]), dtype)
                  for name, (shape, dtype) in job.arrays().items()}
        records = []
        for index in range(start, stop):
            try:
                line, images = render_item(job, index)
            except Exception as e:  # recorded, not raised: the part is redone next run
                stats["failed"] += 1
                stats["errors"].append(f"item {index}: {type(e).__name__}: {e}")
                continue
            for name, image in images.items():
                blocks[name][index - start] = image
                if job.png:
                    # not fsynced either: verify_done_parts redoes a part whose PNGs went missing
                    write_atomic(_png_path(outdir, index, name), png_bytes(image * 255 if image.ndim == 2 else image),
                                 durable=False)
            records.append(line)
            stats["ok"] += 1
        if stats["failed"] == 0:
            digest = hashlib.sha256()
            for name, block in blocks.items():
                _write_slice(outdir / f"{name}.npy", start, block)
                digest.update(block.tobytes())
            text = "".join(r + "\n" for r in records).encode("utf-8")
            stats["sha256"] = digest.hexdigest()
            stats["records_sha256"] = hashlib.sha256(text).hexdigest()
            stats["seconds"] = round(time.perf_counter() - started, 3)
            records_path, stats_path = _part_paths(outdir, part)
            # No fsync (see _write_slice): the checksums in the stats catch what a crash lost.
            write_atomic(records_path, text, durable=False)
            write_json(stats_path, stats, durable=False)  # last: the part's commit marker
    except Exception as e:  # nothing of the part is committed: all of it is redone next run
        stats["ok"], stats["failed"] = 0, stop - start
        stats["errors"].append(f"part {part}: {type(e).__name__}: {e}")
    return stats


def _prepare(job: Job, out: Path) -> None:
    """Write job.json and create the arrays, once, even if shards start together."""
    wanted = {"job": job.describe(), "code_version": __version__}
    create_once(out / "job.json", lambda tmp: tmp.write_text(json.dumps(wanted, indent=2, sort_keys=True) + "\n"))
    found = json.loads((out / "job.json").read_text())
    if found["job"] != wanted["job"]:
        raise JobError(f"{out} already holds a different job ({found['job']}); "
                       f"use another --out or delete that folder")
    for name, (shape, dtype) in job.arrays().items():
        def build(tmp: Path, shape=shape, dtype=dtype) -> None:
            np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=shape).flush()
        create_once(out / f"{name}.npy", build)


def done_parts(job: Job, out: Path) -> set[int]:
    """Parts whose stats file exists (their slice and records are complete)."""
    return {p for p in range(job.num_parts) if _part_paths(out, p)[1].exists()}


def _slice_digest(job: Job, out: Path, part: int) -> str:
    start, stop = job.part_range(part)
    digest = hashlib.sha256()
    for name in job.arrays():
        array = np.load(out / f"{name}.npy", mmap_mode="r")
        digest.update(np.ascontiguousarray(array[start:stop]).tobytes())
    return digest.hexdigest()


def _png_path(out: Path, index: int, name: str) -> Path:
    return out / "png" / f"{index:07d}_{name}.png"


def _pngs_present(job: Job, out: Path, part: int) -> bool:
    start, stop = job.part_range(part)
    for index in range(start, stop):
        for name in job.arrays():
            path = _png_path(out, index, name)
            if not path.is_file() or path.stat().st_size == 0:
                return False
    return True


def verify_done_parts(job: Job, out: Path, parts: Iterable[int]) -> list[int]:
    """Check the finished ``parts`` against the checksums in their stats; un-finish (and return)
    those whose pixels or records are not what was written, so that the run renders them again."""
    bad = []
    for part in parts:
        records_path, stats_path = _part_paths(out, part)
        try:
            stats = json.loads(stats_path.read_text())
            ok = (stats.get("records_sha256") == hashlib.sha256(records_path.read_bytes()).hexdigest()
                  and stats.get("sha256") == _slice_digest(job, out, part)
                  and (not job.png or _pngs_present(job, out, part)))
        except (OSError, ValueError):
            ok = False
        if not ok:
            stats_path.unlink(missing_ok=True)
            bad.append(part)
    return bad


def run_job(job: Job, out: str | os.PathLike, shard: str | None = None, workers: int = 1,
            progress: bool = True) -> dict:
    """Run the parts of ``shard`` that are not done yet, with ``workers`` processes.

    Returns a summary: parts done now and before, failures, and whether the whole job is complete
    (then the records file has been written). Raises :class:`JobError` if any part failed.
    """
    from tqdm import tqdm

    out = Path(out)
    i, n = parse_shard(shard)
    if workers < 1:
        raise JobError(f"workers must be >= 1, got {workers}")
    _prepare(job, out)
    mine = [p for p in range(job.num_parts) if p % n == i]
    redone = verify_done_parts(job, out, [p for p in mine if p in done_parts(job, out)])
    already = done_parts(job, out)
    todo = [p for p in mine if p not in already]
    total = sum(job.part_range(p)[1] - job.part_range(p)[0] for p in todo)
    failures: list[dict] = []
    bar = tqdm(total=total, unit="img" if job.kind == "avatars" else "pair",
               desc=f"{job.kind} {job.size}px", disable=not progress or total == 0)
    with bar:
        for stats in _map_parts(job, out, todo, workers):
            bar.update(stats["ok"] + stats["failed"])
            if stats["failed"]:
                failures.append(stats)
    complete = len(done_parts(job, out)) == job.num_parts
    if complete:
        _join_records(job, out)
    summary = {"parts_run": len(todo) - len(failures), "parts_skipped": len(mine) - len(todo),
               "parts_failed": len(failures), "complete": complete}
    if redone:
        summary["parts_redone_after_checksum_mismatch"] = len(redone)
    if failures:
        first = failures[0]["errors"][:3]
        raise JobError(f"{len(failures)} part(s) failed, e.g. {first}; rerun the same command to retry them")
    return summary


def _map_parts(job: Job, out: Path, parts: list[int], workers: int) -> Iterable[dict]:
    from .render.sprites import load_or_build

    if workers == 1 or len(parts) <= 1:
        if job.renderer == "sprite" and parts:
            load_or_build(job.size)
        for p in parts:
            yield run_part(job, str(out), p)
        return
    # spawn, not fork: a worker starts clean, whatever threads the parent has.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=exit_with_parent,
                             initargs=(os.getpid(),)) as pool:
        if job.renderer == "sprite":
            # fill the sprite cache once, with every worker rendering a share of it
            load_or_build(job.size, pool.map, workers)
        futures = [pool.submit(run_part, job, str(out), p) for p in parts]
        for future in as_completed(futures):
            yield future.result()


def exit_with_parent(parent: int, every: float = 0.5) -> None:
    """Pool initializer: a worker whose parent is gone (killed with -9, which runs no cleanup)
    exits instead of rendering on as an orphan. Polls the parent id from a daemon thread."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _join_records(job: Job, out: Path) -> None:
    path = out / job.records_name
    chunks = [_part_paths(out, p)[0].read_bytes() for p in range(job.num_parts)]
    data = b"".join(chunks)
    if not path.exists() or path.read_bytes() != data:
        write_atomic(path, data, durable=False)  # derived from the parts, rewritten if lost
