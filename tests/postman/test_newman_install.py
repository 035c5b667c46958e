"""Without newman the Postman tests skip with the reason, and fail instead under MMLITE_REQUIRE_NODE=1 (.ci/run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.postman import newman_kit

pytestmark = pytest.mark.unit


@pytest.fixture
def no_newman(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(newman_kit, "NEWMAN", tmp_path / "node_modules" / ".bin" / "newman")


@pytest.mark.usefixtures("no_newman")
def test_missing_newman_skips_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(newman_kit.REQUIRE_NODE_ENV, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/node")
    with pytest.raises(pytest.skip.Exception, match=r"newman is not installed: run `npm ci --prefix tests/postman`"):
        newman_kit.newman_binary()


@pytest.mark.usefixtures("no_newman")
def test_missing_newman_fails_when_node_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(newman_kit.REQUIRE_NODE_ENV, "1")
    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/node")
    with pytest.raises(pytest.fail.Exception, match=r"newman is not installed.*MMLITE_REQUIRE_NODE=1"):
        newman_kit.newman_binary()


def test_missing_node_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(newman_kit.REQUIRE_NODE_ENV, raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="node is needed to run newman"):
        newman_kit.newman_binary()


def test_the_pinned_version_is_exact() -> None:
    package = (newman_kit.FOLDER / "package.json").read_text(encoding="utf-8")
    assert '"newman": "6.2.2"' in package
    assert '"node_modules/newman"' in (newman_kit.FOLDER / "package-lock.json").read_text(encoding="utf-8")
