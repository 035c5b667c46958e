"""Every link of a generated HTML report resolves, beside the report and inside a certification bundle: the evidence
files, and each contract reference to its heading in the copy of docs/contract.md or docs/current-api.md."""

from __future__ import annotations

import html
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pytest

from mmlite_conformance.bundle.manifest import BundleError
from mmlite_conformance.bundle.pack import pack
from mmlite_conformance.suite.contract_refs import anchors
from tests.integration.conftest import SuiteRun

pytestmark = [pytest.mark.integration, pytest.mark.slow]

_HREF = re.compile(r"""href=(?P<q>['"])(?P<target>.*?)(?P=q)""")
#: a replay run cites the contract in descriptions and observations dozens of times: far fewer means links were lost
MINIMUM_CONTRACT_LINKS = 50


def report_links(page: str) -> list[str]:
    """The relative links of the report's scenario extras (pytest-html keeps them in its JSON blob)."""
    match = re.search(r'data-jsonblob="([^"]*)"', page)
    assert match, "no data-jsonblob in the HTML report"
    blob = json.loads(html.unescape(match.group(1)))
    links = []
    for runs in blob["tests"].values():
        for run in runs:
            for extra in run.get("extras", []):
                content = str(extra.get("content", ""))
                if extra.get("format_type") == "url":
                    links.append(content)
                elif extra.get("format_type") == "html":
                    links += [html.unescape(m["target"]) for m in _HREF.finditer(content)]
    return [link for link in links if not link.startswith(("http://", "https://", "data:", "#"))]


def broken(links: list[str], read: Callable[[str], str | None]) -> list[str]:
    """Each link whose file (read by its path relative to the report; None: absent) or Markdown anchor is missing."""
    problems = []
    for link in sorted(set(links)):
        target, _, fragment = link.partition("#")
        text = read(unquote(target))
        if text is None:
            problems.append(f"{link}: no such file")
        elif fragment and target.endswith(".md") and fragment not in anchors(text):
            problems.append(f"{link}: no heading with this anchor")
    return problems


def _read_beside(folder: Path) -> Callable[[str], str | None]:
    def read(relative: str) -> str | None:
        path = folder / relative
        return path.read_text(encoding="utf-8") if path.is_file() else None

    return read


def _read_in(bundle: zipfile.ZipFile, folder: str) -> Callable[[str], str | None]:
    names = set(bundle.namelist())

    def read(relative: str) -> str | None:
        name = str(PurePosixPath(folder) / relative)
        return bundle.read(name).decode("utf-8") if name in names else None

    return read


def test_every_link_of_the_report_resolves_beside_it_and_in_its_bundle(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    run = run_suite()  # its verdicts are other tests' subject: links must resolve whatever they are
    assert (run.reports / "report.html").is_file(), run.output[-3000:]
    page = (run.reports / "report.html").read_text(encoding="utf-8")
    links = report_links(page)
    contract_links = [link for link in links if ".md#" in link]
    assert len(contract_links) >= MINIMUM_CONTRACT_LINKS, f"only {len(contract_links)} contract links"
    assert {link.split("#")[0] for link in contract_links} == {
        "contract/contract.md",
        "contract/current-api.md",
    }
    assert broken(links, _read_beside(run.reports)) == []
    ids = re.findall(r"id='([^']+)'", html.unescape(page))  # the reproducer tabs' radio inputs, all rows expanded
    assert len(ids) >= 3 * 35 and len(set(ids)) == len(ids), "a tab id is repeated on the page"
    with zipfile.ZipFile(pack(run.reports, tmp_path / "bundle.zip")) as bundle:
        assert broken(links, _read_in(bundle, "reports")) == []


def test_a_missing_file_and_a_wrong_anchor_are_reported() -> None:
    files = {"contract/contract.md": "# C\n## §5 Sending\n", "evidence/a.json": "{}"}
    links = [
        "contract/contract.md#5-sending",
        "contract/contract.md#6-nothing",
        "evidence/a.json",
        "evidence/b%20c.json",
    ]
    assert broken(links, files.get) == [
        "contract/contract.md#6-nothing: no heading with this anchor",
        "evidence/b%20c.json: no such file",
    ]


def test_a_bundle_packs_the_documents_run_json_names_and_refuses_one_outside_its_folder(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "contract").mkdir(parents=True)
    (reports / "contract" / "contract.md").write_text("# C\n", encoding="utf-8")
    record = {"run_id": "r1", "documents": {"folder": "contract", "files": ["contract.md"]}}
    (reports / "run.json").write_text(json.dumps(record), encoding="utf-8")
    with zipfile.ZipFile(pack(reports, tmp_path / "ok.zip")) as bundle:
        assert bundle.read("reports/contract/contract.md") == b"# C\n"
    for name in ("../run.json", ".."):
        record["documents"] = {"folder": "contract", "files": [name]}
        (reports / "run.json").write_text(json.dumps(record), encoding="utf-8")
        with pytest.raises(BundleError, match=f"the document {re.escape(name)} is outside its folder"):
            pack(reports, tmp_path / "refused.zip")
