"""Reports are written aside and put in place only once a scenario ran: a run that runs nothing (collect only, no
scenario selected, stopped before the first one) leaves the last run's evidence as it was."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mmlite_conformance.suite.report.files import ARTEFACT_OPTIONS, artefact

STAGING_PREFIX = ".mmlite-staging-"


@dataclass(slots=True)
class Staging:
    """Where each report is written during the run, and where it goes when the run ran something."""

    #: staged file -> the file the partner asked for
    moves: dict[Path, Path] = field(default_factory=dict)
    ran: bool = False
    #: why nothing was put in place (set when the run ends without a scenario)
    withheld: str | None = None

    @property
    def folders(self) -> dict[Path, Path]:
        """staging folder -> final folder"""
        return {staged.parent: final.parent for staged, final in self.moves.items()}


STAGING = pytest.StashKey[Staging]()


def stage_reports(config: pytest.Config, run_id: str) -> None:
    """Point pytest's, pytest-html's and pytest-bdd's writers at a staging folder beside each report; called
    before those plugins read their options."""
    staging = Staging()
    for option in ARTEFACT_OPTIONS:
        final = artefact(config, option)
        if final is None:
            continue
        final = final.absolute()
        staged = final.parent / f"{STAGING_PREFIX}{run_id}" / final.name
        staged.parent.mkdir(parents=True, exist_ok=True)
        setattr(config.option, option, str(staged))
        staging.moves[staged] = final
    config.stash[STAGING] = staging


def scenario_ran(config: pytest.Config) -> None:
    staging = config.stash.get(STAGING, None)
    if staging is not None:
        staging.ran = True


def put_in_place(config: pytest.Config) -> None:
    """After every writer finished: the staged files replace the last run's, or are dropped if nothing ran."""
    staging = config.stash.get(STAGING, None)
    if staging is None:
        return
    for folder, final_folder in staging.folders.items():
        if staging.ran and folder.is_dir():
            for entry in sorted(folder.iterdir()):
                target = final_folder / entry.name
                if entry.is_dir() and target.is_dir():
                    shutil.rmtree(target)  # a report's asset folder belongs to that report alone
                entry.replace(target)
        shutil.rmtree(folder, ignore_errors=True)
    if not staging.ran:
        staging.withheld = "no scenario ran"
        _silence_writers(config)
    else:
        _tell_writers_where(config, staging)


def ran(config: pytest.Config) -> bool:
    """Whether a scenario started (a run without staging counts as one that ran: its files are where it wrote)."""
    staging = config.stash.get(STAGING, None)
    return staging is None or staging.ran


def final_place(config: pytest.Config, path: Path) -> Path:
    """Where a file or folder written in a staging folder will be once the run is put in place."""
    staging = config.stash.get(STAGING, None)
    for folder, final_folder in (staging.folders if staging is not None else {}).items():
        if path.is_relative_to(folder):
            return final_folder / path.relative_to(folder)
    return path


def withheld(config: pytest.Config) -> str | None:
    staging = config.stash.get(STAGING, None)
    return staging.withheld if staging is not None else None


def _silence_writers(config: pytest.Config) -> None:
    """The writers' summary lines would name files that were dropped: they go, as their own unconfigure would."""
    from _pytest.junitxml import LogXML, xml_key

    writers: list[type] = [LogXML]
    try:
        from pytest_html.basereport import BaseReport
    except ImportError:  # pytest-html is optional
        pass
    else:
        writers.append(BaseReport)
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, tuple(writers)):
            config.pluginmanager.unregister(plugin)
    if xml_key in config.stash:
        del config.stash[xml_key]
    cucumber = getattr(config, "_bddcucumberjson", None)
    if cucumber is not None:
        del config._bddcucumberjson  # type: ignore[attr-defined]
        config.pluginmanager.unregister(cucumber)


def _tell_writers_where(config: pytest.Config, staging: Staging) -> None:
    """The writers name their file in the terminal summary: the final one, not the staged one."""
    for option in ARTEFACT_OPTIONS:
        staged = artefact(config, option)
        if staged is not None and staged in staging.moves:
            setattr(config.option, option, str(staging.moves[staged]))
    for plugin in config.pluginmanager.get_plugins():
        for attribute in ("logfile", "_report_path"):
            value = getattr(plugin, attribute, None)
            if isinstance(value, str | Path) and Path(value) in staging.moves:
                final = staging.moves[Path(value)]
                setattr(plugin, attribute, str(final) if isinstance(value, str) else final)
