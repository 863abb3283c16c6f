"""``python -m aimi``: info, materialize, verify, pack, download, export-parquet, croissant (a thin
layer over the package)."""

from __future__ import annotations

import argparse
import json
import sys

from collection.render.compose import SIZES

from .cache import materialize, problems
from .release import SPLITS, ReleaseError, load_release


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aimi", description="The AIMI dataset.",
                                     epilog="examples: python -m aimi info; python -m aimi materialize --size 64; "
                                            "python -m aimi verify; python -m aimi pack --size 64 --out dist; "
                                            "python -m aimi download --size 64 --mirror https://mirror.example/aimi")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="what the installed release holds")
    for name, text in (("materialize", "render the images of the splits into the cache"),
                       ("verify", "check the shipped release and the cached images")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--split", choices=SPLITS, action="append", help="split(s) (default: all)")
        p.add_argument("--size", type=int, choices=SIZES, action="append", help="size(s) in px (default: 64)")
        p.add_argument("--root", default=None, help="cache folder (default: $AIMI_HOME or ~/.cache/aimi)")
    p = sub.add_parser("pack", help="pack the cached images of one size into a verifiable archive")
    p.add_argument("--size", type=int, choices=SIZES, default=64)
    p.add_argument("--out", required=True, help="folder for aimi-v1-<size>px.tar and its .sha256")
    p.add_argument("--root", default=None)
    p = sub.add_parser("download", help="fetch, verify and unpack a prebuilt archive")
    p.add_argument("--size", type=int, choices=SIZES, default=64)
    p.add_argument("--mirror", default=None, help="URL of the folder holding the archive (default: $AIMI_MIRROR)")
    p.add_argument("--sha256", default=None, help="expected SHA-256 (default: the one pinned in the package)")
    p.add_argument("--root", default=None)
    p.add_argument("--timeout", type=float, default=30.0, help="seconds without data before giving up")
    p = sub.add_parser("export-parquet", help="Hugging Face Parquet files and a dataset card")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, choices=SIZES, default=64)
    p.add_argument("--root", default=None)
    p = sub.add_parser("croissant", help="Croissant JSON-LD describing an export-parquet folder")
    p.add_argument("--parquet", required=True, help="folder written by export-parquet")
    p.add_argument("--out", required=True, help="JSON-LD file (put it in the Parquet folder)")
    args = parser.parse_args(argv)
    try:
        release = load_release()
        if args.command == "info":
            manifest = release["manifest"]
            print(json.dumps({"data_version": manifest["data_version"], "counts": manifest["counts"],
                              "instructions_simulated": manifest["instructions_simulated"],
                              "versions": manifest["versions"]}, indent=1))
            return 0
        if args.command == "pack":
            from .archive import pack

            path, digest = pack(args.size, args.out, args.root)
            print(f"{digest}  {path}")
            return 0
        if args.command == "download":
            from .archive import download

            print(download(args.size, args.sha256, args.mirror, args.root, args.timeout))
            return 0
        if args.command == "export-parquet":
            from .interop import export_parquet

            for path in export_parquet(args.out, args.size, args.root):
                print(path)
            return 0
        if args.command == "croissant":
            from .interop import write_croissant

            write_croissant(args.parquet, args.out)
            print(args.out)
            return 0
        splits, sizes = args.split or list(SPLITS), args.size or [64]
        if args.command == "materialize":
            for size in sizes:
                for split in splits:
                    print(materialize(split, size, args.root))
            return 0
        from .cache import renderer_problems

        found = [p for size in sizes for split in splits for p in problems(split, size, args.root)]
        print("release: ok (every shipped file matches the manifest)")
        drawn = renderer_problems()
        found += drawn
        if not drawn:
            print("renderer: ok (a sample of avatars matches the release's pixel hashes)")
        for line in found:
            print(f"problem: {line}")
        if not found:
            print("cache: ok")
        return 1 if found else 0
    except (ReleaseError, ValueError, OSError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
