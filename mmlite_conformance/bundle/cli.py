"""The `bundle`, `verify` and `keygen` subcommands: arguments, and one line per problem instead of a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from mmlite_conformance.bundle import signing
from mmlite_conformance.bundle.manifest import BundleError
from mmlite_conformance.bundle.pack import pack
from mmlite_conformance.bundle.verify import verify

#: exit codes: 1 the bundle failed verification, 2 the input could not be used
FAILED, BAD_INPUT = 1, 2


def _guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def guarded(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except BundleError as error:
            print(f"mmlite-conformance {args.command}: {error}", file=sys.stderr)
            return BAD_INPUT
        except OSError as error:  # e.g. the output folder cannot be written
            print(f"mmlite-conformance {args.command}: {error.strerror or error}: {error.filename}", file=sys.stderr)
            return BAD_INPUT

    return guarded


def add_bundle_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="the run's reports folder (reports)")
    parser.add_argument("--output", type=Path, help="the bundle to write (reports/certification-<run id>.zip)")
    parser.add_argument("--sign", type=Path, metavar="KEYFILE", help="sign the manifest with this Ed25519 key")


@_guarded
def run_bundle(args: argparse.Namespace) -> int:
    written = pack(args.reports, args.output, args.sign)
    print(f"wrote {written}" + (" (signed)" if args.sign else " (unsigned: integrity only)"))
    return 0


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", type=Path, metavar="BUNDLE", help="a certification-<run id>.zip")
    parser.add_argument("--public-key", type=Path, metavar="KEYFILE", help="require a signature by this key")


@_guarded
def run_verify(args: argparse.Namespace) -> int:
    found = verify(args.bundle, args.public_key)
    for line in found.lines():
        print(line)
    return 0 if found.ok else FAILED


def add_keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", type=Path, metavar="KEYFILE", help="the private key to create (KEYFILE.pub beside it)")


@_guarded
def run_keygen(args: argparse.Namespace) -> int:
    public, fingerprint = signing.generate(args.key)
    print(f"wrote {args.key} (private: keep it) and {public} (public: share it); fingerprint {fingerprint}")
    return 0
