"""Command line: `mmlite-conformance emulator|bundle|verify|keygen|export|docs` (the suite runs with `pytest`)."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class Subcommand:
    """A command, and where its arguments and its run are: imported only when the command is chosen (the emulator's
    cold start paid about 15 ms for the bundle and publish modules it never used)."""

    name: str
    help: str
    module: str
    add_arguments: str = "add_arguments"
    run: str = "run"

    def load(self) -> tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]:
        module = importlib.import_module(self.module)
        return getattr(module, self.add_arguments), getattr(module, self.run)


SUBCOMMANDS = (
    Subcommand("emulator", "serve the MM Lite sandbox emulator on loopback", "mmlite_conformance.emulator.cli"),
    Subcommand(
        "bundle",
        "pack a run's reports, files and a hashed manifest into a certification bundle",
        "mmlite_conformance.bundle.cli",
        "add_bundle_arguments",
        "run_bundle",
    ),
    Subcommand(
        "verify",
        "check a certification bundle: files changed, added or removed, and its signature",
        "mmlite_conformance.bundle.cli",
        "add_verify_arguments",
        "run_verify",
    ),
    Subcommand(
        "keygen",
        "create an Ed25519 key pair to sign bundles with (needs the signing extra)",
        "mmlite_conformance.bundle.cli",
        "add_keygen_arguments",
        "run_keygen",
    ),
    Subcommand(
        "export",
        "write the guide as a Postman collection (v2.1) and its environment: export postman --output DIR",
        "mmlite_conformance.publish.postman_cli",
    ),
    Subcommand(
        "docs",
        "render the features, the recorded exchanges, the contract and the assumptions as a static site",
        "mmlite_conformance.publish.site.cli",
    ),
)


class VersionAction(argparse.Action):
    """`--version`: prints the installed version and exits; read only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from mmlite_conformance.version import suite_version

        print(f"{parser.prog} {suite_version()}")
        parser.exit()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)  # the only global option takes no value
    gc.disable()  # loading a command frees almost nothing: no cycle collection meanwhile
    try:
        parser = argparse.ArgumentParser(prog="mmlite-conformance", description=__doc__)
        parser.add_argument("--version", action=VersionAction)
        commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        runs = {}
        for sub in SUBCOMMANDS:
            sub_parser = commands.add_parser(sub.name, help=sub.help, description=sub.help)
            if sub.name == chosen:
                add_arguments, runs[sub.name] = sub.load()
                add_arguments(sub_parser)
        args = parser.parse_args(argv)
    finally:
        gc.enable()
    return runs[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
