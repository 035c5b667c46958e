"""`mmlite-conformance docs --output DIR`: the features, the contract and the assumptions as a static site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PROG = "mmlite-conformance docs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output", required=True, type=Path, metavar="DIR", help="the folder to write the site to (new or empty)"
    )
    parser.add_argument(
        "--repository",
        type=Path,
        metavar="DIR",
        help="the clone to read features/, cassettes/, docs/ and schemas/ from (default: this package's clone)",
    )


def run(args: argparse.Namespace) -> int:
    """0 when the site is written with no broken link; 1 when the sources or the built site have a problem; 2 when
    the output folder cannot take it."""
    from mmlite_conformance.publish.site.build import OutputError, Sources, build_site

    try:
        sources = Sources.this_checkout() if args.repository is None else Sources.of(args.repository)
        built = build_site(args.output, sources)
    except OutputError as problem:
        print(f"{PROG}: {problem}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as problem:  # a source that does not parse, a link or reference that does not resolve
        print(f"{PROG}: cannot build the site: {problem}", file=sys.stderr)
        return 1
    for line in built.problems:
        print(f"{PROG}: {line}", file=sys.stderr)
    if built.problems:
        print(f"{PROG}: {len(built.problems)} problem(s) in the site written to {args.output}", file=sys.stderr)
        return 1
    print(f"{len(built.pages)} pages written to {args.output}, no broken link: open {args.output / 'index.html'}")
    return 0
