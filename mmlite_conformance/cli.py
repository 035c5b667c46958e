"""Command line: `mmlite-conformance emulator|bundle|verify|keygen` (the suite itself runs with `pytest`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Subcommand:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _subcommands() -> list[Subcommand]:
    from mmlite_conformance.bundle import cli as bundle_cli
    from mmlite_conformance.emulator import cli as emulator_cli

    return [
        Subcommand(
            "emulator",
            "serve the MM Lite sandbox emulator on loopback",
            emulator_cli.add_arguments,
            emulator_cli.run,
        ),
        Subcommand(
            "bundle",
            "pack a run's reports, files and a hashed manifest into a certification bundle",
            bundle_cli.add_bundle_arguments,
            bundle_cli.run_bundle,
        ),
        Subcommand(
            "verify",
            "check a certification bundle: files changed, added or removed, and its signature",
            bundle_cli.add_verify_arguments,
            bundle_cli.run_verify,
        ),
        Subcommand(
            "keygen",
            "create an Ed25519 key pair to sign bundles with (needs the signing extra)",
            bundle_cli.add_keygen_arguments,
            bundle_cli.run_keygen,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mmlite-conformance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    registry = {}
    for sub in _subcommands():
        sub_parser = commands.add_parser(sub.name, help=sub.help, description=sub.help)
        sub.add_arguments(sub_parser)
        registry[sub.name] = sub
    args = parser.parse_args(argv)
    return registry[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
