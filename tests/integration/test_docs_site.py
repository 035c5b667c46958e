"""`mmlite-conformance docs`: the site built from the project renders, links, names every requirement and leaks
nothing; a bad output folder or an unresolvable reference is one line."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mmlite_conformance.cli import main
from mmlite_conformance.emulator.assumptions import ASSUMPTIONS
from mmlite_conformance.publish.site.build import MANIFEST
from mmlite_conformance.publish.site.check import scan_page, site_problems
from mmlite_conformance.suite import contract_refs
from mmlite_conformance.suite.constants import API_KEY_PLACEHOLDER, SECRET_PLACEHOLDERS
from mmlite_conformance.suite.redaction import is_pseudonym

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FEATURES = sorted((REPO / "features").glob("*.feature"))
PLATFORM_FEATURES = sorted((REPO / "features" / "platform").glob("*.feature"))
#: each feature file and the page that shows it
PAGES = {
    **{path: f"guide-{path.stem}.html" for path in FEATURES},
    **{path: f"platform-{path.stem}.html" for path in PLATFORM_FEATURES},
}
REQUIREMENT_TAG = re.compile(r"(?<!\S)@((?:S|P)[0-9A-Z][0-9A-Za-z]*)\b")
#: what the site may show as a D360-API-KEY: a placeholder, the environment variable a reproducer reads or the guide's
#: own `<token>` (with or without "Bearer "), or S3d's public wrong key
_VARIABLES = "|".join(SECRET_PLACEHOLDERS.values())
SHOWN_KEYS = re.compile(
    rf"(?:Bearer )?(?:{'|'.join(map(re.escape, SECRET_PLACEHOLDERS))}|\$\{{?(?:{_VARIABLES})\}}?"
    rf"|os\.environ\[\"(?:{_VARIABLES})\"\]|process\.env\.(?:{_VARIABLES})|<token>)|wrong-key-0+"
)
#: a D360-API-KEY header as the site shows it: in a header block, a curl line, a Python dict or a JavaScript object
KEY_HEADER = re.compile(r"d360-api-key\"?:\s*\"?(?P<value>(?:Bearer )?(?:os\.environ\[\"\w+\"\]|[^\s\"',]+))", re.I)
#: a run of digits as long as a phone number with its country code, and the JSON key it is the value of, if any
LONG_NUMBER = re.compile(r'(?:"(?P<key>\w+)"\s*:\s*"?)?(?<![\w.])\+?(?P<digits>\d{11,15})(?!\d)')
#: keys whose long numeric values are the emulator's object ids, not phone numbers
ID_KEYS = frozenset({"id", "phone_number_id"})
#: numbers the contract documents quote from public pages (not anybody's phone)
PUBLISHED = frozenset({"441234567890"})  # 360dialog's example of the international format (CONTRACT §4.1, §8)
WAMID = re.compile(r"wamid\.([A-Za-z0-9+/_=-]{8,})")


def _build(output: Path, *extra: str) -> int:
    return main(["docs", "--output", str(output), *extra])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("docs") / "site"
    assert _build(output) == 0
    return output


def _pages(site: Path, pattern: str = "*.html") -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob(pattern))}


def _guide_pages(site: Path) -> dict[str, str]:
    return _pages(site, "guide-*.html")


def _feature_pages(site: Path) -> dict[str, str]:
    return {page: (site / page).read_text(encoding="utf-8") for page in PAGES.values()}


# --- renders and links ---------------------------------------------------------------------------------------------


def test_every_page_parses_and_every_link_and_anchor_resolves(site: Path) -> None:
    pages = _pages(site)
    expected = set(PAGES.values())
    expected |= {"index.html", "contract.html", "current-api.html", "assumptions.html", "schemas/index.html"}
    assert set(pages) == expected
    assert {name: scan_page(text).problems for name, text in pages.items()} == {name: [] for name in pages}
    assert site_problems(site) == []


def test_the_index_lists_the_feature_files_in_order_with_links(site: Path) -> None:
    index = (site / "index.html").read_text(encoding="utf-8")
    shown = re.findall(r'<h3 id="([\w-]+)"><a href="(\1\.html)">([^<]+)</a></h3>', index)
    titles = [re.search(r"^Feature:\s*(.+)$", path.read_text(encoding="utf-8"), re.M) for path in PAGES]
    assert all(titles)
    expected = [(page, html.escape(t[1].strip())) for page, t in zip(PAGES.values(), titles, strict=True) if t]
    assert [(page, title) for _, page, title in shown] == expected
    assert index.index('<h2 id="guide">') < index.index('<h2 id="platform">')


def test_every_requirement_id_of_the_features_appears_with_an_anchor(site: Path) -> None:
    required = {tag for path in PAGES for tag in REQUIREMENT_TAG.findall(path.read_text(encoding="utf-8"))}
    assert len(required) >= 14 + 15, required
    index = (site / "index.html").read_text(encoding="utf-8")
    assert {rid for rid in required if f'<span class="id">{rid}</span>' not in index} == set()
    anchors = set().union(*(scan_page(text).ids for text in _feature_pages(site).values()))
    assert required - anchors == set()


class _TextOutsideLinks(HTMLParser):
    """The text of a page that is neither in a link nor in code."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.depth += tag in {"a", "pre", "code"}

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in {"a", "pre", "code"}

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.text.append(data)


def test_every_contract_reference_of_the_features_links_to_its_heading(site: Path) -> None:
    index = contract_refs.project_index(REPO / "docs")
    pages = {"CONTRACT": "contract.html", "CURRENT-API": "current-api.html"}
    for feature, name in PAGES.items():
        page = (site / name).read_text(encoding="utf-8")
        cited = [c for c in contract_refs.citations(feature.read_text(encoding="utf-8")) if c.document]
        assert cited, f"{feature.name} cites nothing: is the scan still reading it?"
        for citation in cited:
            assert citation.document is not None
            anchor = index.anchor(citation.document, citation.section)
            # a checklist row (CURRENT-API §2.2 R7) links to its row, anchored under the heading
            href = f"{pages[citation.document]}#{anchor}" + (f"-{citation.row.lower()}" if citation.row else "")
            assert f'<a href="{href}">§{citation.section}' in page, f"{feature.name}: §{citation.section}"
    for name, text in {**_feature_pages(site), "assumptions.html": (site / "assumptions.html").read_text()}.items():
        parser = _TextOutsideLinks()
        parser.feed(text)
        assert re.findall(r"§\d[\d.]*", "".join(parser.text)) == [], f"{name} has a section sign that is no link"


def test_the_assumptions_table_is_the_emulators_with_bare_sections_linked_to_the_contract(site: Path) -> None:
    page = (site / "assumptions.html").read_text(encoding="utf-8")
    assert set(scan_page(page).ids) >= {a.id.lower() for a in ASSUMPTIONS}
    a03 = re.search(r'<tr id="a03">.*?</tr>', page)
    assert a03 is not None and '(<a href="contract.html#111-http-statuses-of-360dialog-errors">§11.1</a>)' in a03[0]


# --- what each scenario shows --------------------------------------------------------------------------------------


def _scenario(site: Path, page: str, anchor: str) -> str:
    text = (site / page).read_text(encoding="utf-8")
    found = re.search(rf'<section class="scenario" id="{anchor}">.*?</section>', text, re.S)
    assert found is not None, anchor
    return found[0]


def test_strict_checks_and_observations_are_told_apart(site: Path) -> None:
    refused = _scenario(site, "guide-2_first_mm_lite_message.html", "a-ttl-outside-the-marketing-range-is-refused")
    verdicts = re.search(r'class="strict">(.*?)</div><div class="observed">(.*?)</div>', refused, re.S)
    assert verdicts is not None
    strict, observed = verdicts.groups()
    assert "the request is rejected with an error response" in strict
    assert "recorded as an observation" not in strict
    assert re.findall(r"<li>(.*?)</li>", observed) == [
        "the error code is recorded as an observation",
        "the HTTP status is recorded as an observation",
    ]
    assert refused.count("<h4>Example: ttl=") == 4
    sent = _scenario(site, "guide-2_first_mm_lite_message.html", "a-marketing-template-is-sent-through-mm-lite")
    assert "nothing: every Then-step above is judged" in sent
    assert "is recorded, not judged; an undocumented one fails" not in sent
    bearer = _scenario(site, "guide-3_expected_errors.html", "the-api-key-written-with-a-bearer-prefix")
    assert "is recorded, not judged; an undocumented one fails" in bearer  # its @observation tag


def test_each_recorded_exchange_is_shown_with_its_reproducers_in_three_languages(site: Path) -> None:
    recorded = sum(
        path.read_text(encoding="utf-8").count("- request:")
        for feature in FEATURES
        for path in (REPO / "cassettes" / feature.stem).glob("*.yaml")
    )
    pages = _guide_pages(site)
    assert sum(text.count('<div class="exchange">') for text in pages.values()) == recorded
    groups = [g for text in pages.values() for g in re.findall(r'<div class="tabs">.*?</div></div>', text, re.S)]
    assert len(groups) == recorded
    for group in groups:
        assert re.findall(r"<label [^>]*>([^<]+)</label>", group) == ["curl", "Python", "Node.js"]
        # the reproducers read the key from the environment; the placeholder is never sent as the key
        assert html.escape(API_KEY_PLACEHOLDER) not in group
    assert any("os.environ[&quot;D360_API_KEY&quot;]" in g and "process.env.D360_API_KEY" in g for g in groups)


def test_recordings_say_where_they_come_from(site: Path) -> None:
    tapes = [
        json.loads(path.read_text(encoding="utf-8"))["provenance"]
        for feature in FEATURES
        for path in (REPO / "cassettes" / feature.stem).glob("*.webhooks.json")
    ]
    shown = re.findall(r"Recording: ([^<]+)\.</p>", html.unescape("".join(_guide_pages(site).values())))
    assert len(shown) == len(tapes) > 0
    for provenance in tapes:  # the shipped recordings say they come from the emulator, and the site repeats it
        clock = f"clock at recording {provenance['recorded_at']}"
        real = f"on {provenance['recorded_on']}, " if "recorded_on" in provenance else ""
        assert any(note.startswith(f"{provenance['note']} ({real}{clock}") for note in shown), provenance


# --- nothing leaks -------------------------------------------------------------------------------------------------


def leaks(text: str) -> list[str]:
    """Keys shown other than as a placeholder, and long numbers that are neither pseudonyms nor object ids."""
    # the page's text; a Python or JavaScript reproducer writes a Bearer key as `"Bearer " + <variable>`
    text = html.unescape(re.sub(r"<[^>]+>", " ", text)).replace('"Bearer " + ', "Bearer ")
    found = [f"key {m['value']!r}" for m in KEY_HEADER.finditer(text) if not SHOWN_KEYS.fullmatch(m["value"])]
    inside = []
    for token in WAMID.findall(text):
        try:
            inside.append(base64.b64decode(token + "=" * (-len(token) % 4)).decode("latin-1"))
        except (binascii.Error, ValueError):
            continue
    for source in (text, *inside):
        for match in LONG_NUMBER.finditer(source):
            if not is_pseudonym(match["digits"]) and match["key"] not in ID_KEYS and match["digits"] not in PUBLISHED:
                found.append(f"number {match['digits']}")
    return found


def test_no_key_and_no_real_looking_number_reaches_the_site(site: Path) -> None:
    pages = _pages(site)
    assert {name: leaks(text) for name, text in pages.items()} == {name: [] for name in pages}
    guide = "".join(_guide_pages(site).values())
    assert "5500075443555" in guide, "the recipient's pseudonym is shown: is the scan reading the exchanges?"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("d360-api-key: CanaryKey7f3a9cD360xYz0123456789", ["key 'CanaryKey7f3a9cD360xYz0123456789'"]),
        ('"d360-api-key": "Bearer CanaryKey7f3a9c",', ["key 'Bearer CanaryKey7f3a9c'"]),
        ("-H 'd360-api-key: $OTHER_SECRET'", ["key '$OTHER_SECRET'"]),
        ('{"to": "5521987654321"}', ["number 5521987654321"]),
        ("sent to +5521987654321 today", ["number 5521987654321"]),
        ("wamid." + base64.b64encode(b"\x15\x02\x005521987654321\x15").decode(), ["number 5521987654321"]),
        ('d360-api-key: Bearer &lt;D360-API-KEY&gt; {"to": "5500075443555", "id": "526920729319204"}', []),
        ('"d360-api-key": os.environ["D360_API_KEY"], "d360-api-key: ${D360_NOT_ONBOARDED_API_KEY}"', []),
    ],
)
def test_the_leak_scan_fires_on_a_key_or_a_real_number(text: str, found: list[str]) -> None:
    assert leaks(text) == found


# --- the command ---------------------------------------------------------------------------------------------------


def _one_line_error(capsys: pytest.CaptureFixture[str], code: int, expected: int, fragment: str) -> None:
    out, err = capsys.readouterr()
    assert (code, out) == (expected, "")
    assert err.count("\n") == 1 and fragment in err and "Traceback" not in err, err


def test_a_file_as_output_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("x", encoding="utf-8")
    _one_line_error(capsys, _build(target), 2, f"{target} is a file, not a folder")
    _one_line_error(capsys, _build(target / "site"), 2, f"cannot write the site to {target / 'site'}")


def test_a_folder_with_other_files_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    _one_line_error(capsys, _build(tmp_path), 2, "is not empty and holds no earlier docs build")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_rebuild_replaces_only_its_own_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "site"
    assert _build(output) == 0
    (output / MANIFEST).write_text((output / MANIFEST).read_text() + "guide-removed.html\n", encoding="utf-8")
    (output / "guide-removed.html").write_text("<p>stale</p>", encoding="utf-8")
    (output / "mine.txt").write_text("kept", encoding="utf-8")
    assert _build(output) == 0
    assert not (output / "guide-removed.html").exists() and (output / "mine.txt").exists()
    assert "no broken link" in capsys.readouterr().out


def test_a_reference_to_a_missing_section_stops_the_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clone = tmp_path / "clone"
    for folder in ("features", "cassettes", "docs", "schemas"):
        shutil.copytree(REPO / folder, clone / folder)
    feature = clone / "features" / FEATURES[0].name
    text = feature.read_text(encoding="utf-8")
    feature.write_text(text.replace("\n\n", "\n  See CONTRACT §99.\n\n", 1), encoding="utf-8")
    output = tmp_path / "site"
    _one_line_error(capsys, _build(output, "--repository", str(clone)), 1, "CONTRACT §99 is no heading")
    assert not output.exists(), "nothing is written when a source does not resolve"
