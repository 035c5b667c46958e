"""`mmlite-conformance export postman --output DIR`: options here, the export itself imported only when it runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("format", choices=["postman"], help="postman: a collection (v2.1) and its environment")
    parser.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder to write the files into")
    parser.add_argument("--features", type=Path, default=REPO / "features", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--cassettes", type=Path, default=REPO / "cassettes", metavar="DIR", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    from mmlite_conformance.publish.postman import export

    try:
        paths = export(args.output, args.features, args.cassettes)
    except (ValueError, OSError) as exc:  # ExportError and UnknownStepError are ValueErrors
        print(f"mmlite-conformance export: {exc}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0
