"""Command line: `mmlite-conformance emulator|bundle|verify|keygen|export|docs` (the suite runs with `pytest`)."""

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
    from mmlite_conformance.publish import postman_cli
    from mmlite_conformance.publish.site import cli as docs_cli

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
        Subcommand(
            "export",
            "write the guide as a Postman collection (v2.1) and its environment: export postman --output DIR",
            postman_cli.add_arguments,
            postman_cli.run,
        ),
        Subcommand(
            "docs",
            "render the features, the recorded exchanges, the contract and the assumptions as a static site",
            docs_cli.add_arguments,
            docs_cli.run,
        ),
    ]


class VersionAction(argparse.Action):
    """`--version`: prints the installed version and exits; read only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from mmlite_conformance.version import suite_version

        print(f"{parser.prog} {suite_version()}")
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mmlite-conformance", description=__doc__)
    parser.add_argument("--version", action=VersionAction)
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
