"""Command line: `mmlite-conformance emulator` (the suite itself runs with `pytest` from a checkout)."""

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
    from mmlite_conformance.emulator import cli as emulator_cli

    return [
        Subcommand(
            "emulator",
            "serve the MM Lite sandbox emulator on loopback",
            emulator_cli.add_arguments,
            emulator_cli.run,
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
