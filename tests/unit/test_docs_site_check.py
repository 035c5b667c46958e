"""The docs site's checker: quiet on a sound site, one line for each malformed page, broken link or missing anchor."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.publish.site.check import scan_page, site_problems
from mmlite_conformance.publish.site.render import Tab, page, tabs

pytestmark = pytest.mark.unit


def _site(root: Path, pages: dict[str, str]) -> Path:
    for name, body in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page(name, name, body), encoding="utf-8")
    (root / "assets").mkdir(exist_ok=True)
    (root / "assets" / "site.css").write_text("", encoding="utf-8")
    for entry in ("contract.html", "current-api.html", "assumptions.html", "schemas/index.html"):
        if entry not in pages:  # the navigation links every page to these
            (root / entry).parent.mkdir(parents=True, exist_ok=True)
            (root / entry).write_text(page(entry, entry, "<p>x</p>"), encoding="utf-8")
    return root


SOUND = {
    "index.html": '<h1 id="top">Guide</h1><p><a href="guide.html#s1">s1</a> <a href="#top">top</a></p>',
    "guide.html": '<section id="s1"><a href="index.html">back</a> <a href="https://example.org/x#y">out</a></section>'
    '<a href="schemas/index.html">schemas</a>',
    "schemas/index.html": '<a href="../index.html#top">up</a> <a href="a.json">a</a>',
}


def test_a_sound_site_has_no_problem(tmp_path: Path) -> None:
    root = _site(tmp_path, SOUND)
    (root / "schemas" / "a.json").write_text("{}", encoding="utf-8")
    assert site_problems(root) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('<a href="gone.html">x</a>', "index.html:12: link 'gone.html' names no file of the site"),
        (
            '<a href="guide.html#nowhere">x</a>',
            "index.html:12: link 'guide.html#nowhere' names no anchor of guide.html",
        ),
        ('<a href="#missing">x</a>', "index.html:12: link '#missing' names no anchor of index.html"),
        ('<a href="../outside.html">x</a>', "index.html:12: link '../outside.html' leaves the site"),
        ('<a href="assets/site.css#x">x</a>', "has an anchor into a file that is not a page"),
    ],
)
def test_each_broken_link_or_anchor_is_one_line(tmp_path: Path, body: str, problem: str) -> None:
    (tmp_path / "outside.html").write_text("", encoding="utf-8")  # beside the site's folder, not in it
    site = tmp_path / "site"
    _site(site, {**SOUND, "index.html": SOUND["index.html"] + body})
    (site / "schemas" / "a.json").write_text("{}", encoding="utf-8")
    problems = site_problems(site)
    assert len(problems) == 1
    assert problem in problems[0]


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<!DOCTYPE html><div><p>x</div>", "line 1: </div> closes <p> (opened on line 1)"),
        ("<!DOCTYPE html><p>x</p></p>", "line 1: </p> closes nothing"),
        ("<!DOCTYPE html><main>\n<p>x</p>", "line 1: <main> is never closed"),
        ('<!DOCTYPE html><p id="a"></p><p id="a"></p>', "line 1: id 'a' used twice"),
        ("<html></html>", "line 1: no <!DOCTYPE html>"),
    ],
)
def test_a_malformed_page_is_reported(html: str, problem: str) -> None:
    assert scan_page(html).problems == [problem]


def test_void_elements_and_radio_tabs_are_well_formed() -> None:
    html = page("x.html", "x", tabs("g", [Tab("curl", "curl -X POST <url>", "sh"), Tab("Python", "print(1)", "")]))
    scan = scan_page(html)
    assert scan.problems == []
    assert {"g-0", "g-1"} <= scan.ids
    assert html.count('type="radio" name="g"') == 2
    assert "curl -X POST &lt;url&gt;" in html


def test_a_tab_group_must_have_between_one_and_six_tabs() -> None:
    with pytest.raises(ValueError, match="1 to 6 tabs, not 0"):
        tabs("g", [])
