"""The Node SDK install: skipped with its reason where node or npm is missing, a failure when CI requires Node."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.sdks.node_sdks import CACHE_ENV, REQUIRE_NODE_ENV, install_key, install_node_sdks

NODE_FOLDER = Path(__file__).parent / "node"
pytestmark = pytest.mark.unit


def _no_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)


def test_missing_node_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_node(monkeypatch)
    monkeypatch.delenv(REQUIRE_NODE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="node and npm are needed"):
        install_node_sdks(NODE_FOLDER)


def test_missing_node_fails_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_node(monkeypatch)
    monkeypatch.setenv(REQUIRE_NODE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match=f"node and npm are needed.*{REQUIRE_NODE_ENV}=1"):
        install_node_sdks(NODE_FOLDER)


def test_a_failed_install_fails_when_required(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "package.json").write_text('{"name": "broken", "dependencies": {"left-pad": "1.3.0"}}')
    (source / "package-lock.json").write_text("{not json")  # npm ci refuses it before any download
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(REQUIRE_NODE_ENV, "1")
    if shutil.which("npm") is None:
        pytest.skip("npm is not on PATH")
    with pytest.raises(pytest.fail.Exception, match="npm ci of the pinned Node SDKs failed"):
        install_node_sdks(source)
    assert not (tmp_path / "cache" / install_key(source)).exists(), "a failed install must not be cached"


def test_the_install_key_follows_the_lockfile(tmp_path: Path) -> None:
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(NODE_FOLDER / name, tmp_path / name)
    before = install_key(tmp_path)
    assert install_key(NODE_FOLDER) == before
    (tmp_path / "package-lock.json").write_text("{}")
    assert install_key(tmp_path) != before
