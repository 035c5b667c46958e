"""The docs site's Markdown renderer: the constructs docs/*.md use, and heading anchors as references expect them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlite_conformance.publish.site.check import scan_page
from mmlite_conformance.publish.site.links import (
    DOCUMENTS,
    ContractPages,
    Document,
    UnmappedLinkError,
    UnresolvedReferenceError,
    link_references,
    site_target,
)
from mmlite_conformance.publish.site.markdown import render_markdown
from mmlite_conformance.suite import contract_refs

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]


def _html(markdown: str) -> str:
    return render_markdown(markdown).html


def test_headings_get_github_anchors_and_repeats_are_numbered() -> None:
    rendered = render_markdown("# Title\n## §3.1 `POST /messages` (Cloud API send)\n## Same\n## Same\n")
    assert [h.anchor for h in rendered.headings] == ["title", "31-post-messages-cloud-api-send", "same", "same-1"]
    assert '<h2 id="31-post-messages-cloud-api-send">§3.1 <code>POST /messages</code> (Cloud API send)' in rendered.html
    assert rendered.title == "Title"


def test_paragraphs_emphasis_code_and_escaping() -> None:
    html = _html("Some *words* and **strong `co<de>`** text,\nwith message_status & a <tag>.\n\nNext.")
    assert html == (
        "<p>Some <em>words</em> and <strong>strong <code>co&lt;de&gt;</code></strong> text,\n"
        "with message_status &amp; a &lt;tag&gt;.</p>\n<p>Next.</p>"
    )


def test_underscores_in_identifiers_are_not_emphasis() -> None:
    assert _html("a message_send_ttl_seconds_field") == "<p>a message_send_ttl_seconds_field</p>"


def test_inline_and_reference_links_pass_through_the_rewriter() -> None:
    text = "See [§2](#2-auth), [the doc](other.md#x) and [Meta][meta].\n\n[meta]: https://example.org/meta\n"
    html = render_markdown(text, lambda target: target.replace(".md", ".html")).html
    assert '<a href="#2-auth">§2</a>' in html
    assert '<a href="other.html#x">the doc</a>' in html
    assert '<a href="https://example.org/meta" rel="noopener noreferrer">Meta</a>' in html
    # the definitions themselves are shown where they stand (docs gather them under "Sources")
    assert '<li><code>meta</code>: <a href="https://example.org/meta"' in html


def test_a_reference_link_without_definition_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\[x\]\[nowhere\] has no definition"):
        render_markdown("a [x][nowhere] link")


def test_nested_and_ordered_lists() -> None:
    text = "* one\n  continued\n  * inner\n    more\n* two\n\n1. first\n   still first\n2. second\n"
    assert _html(text) == (
        "<ul>\n<li>one\ncontinued\n<ul>\n<li>inner\nmore</li>\n</ul></li>\n<li>two</li>\n</ul>\n"
        "<ol>\n<li>first\nstill first</li>\n<li>second</li>\n</ol>"
    )


def test_tables_unescape_pipes_and_anchor_checklist_rows() -> None:
    text = "## §2.2 Checklist\n\n| ID | What |\n|---|---|\n| R7 | `a \\| b` |\n| x | y |\n"
    rendered = render_markdown(text)
    assert '<tr id="22-checklist-r7"><td>R7</td><td><code>a | b</code></td></tr>' in rendered.html
    assert "<tr><td>x</td><td>y</td></tr>" in rendered.html
    assert "22-checklist-r7" in rendered.anchors


def test_fenced_code_is_escaped_and_holds_no_heading() -> None:
    rendered = render_markdown('```json\n# not a heading\n{"a": "<b>"}\n```\n')
    assert (
        rendered.html
        == '<pre><code class="language-json"># not a heading\n{&quot;a&quot;: &quot;&lt;b&gt;&quot;}</code></pre>'
    )
    assert rendered.headings == ()


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_the_project_documents_render_well_formed_with_every_anchor_references_use(document: Document) -> None:
    markdown = (REPO / document.source).read_text(encoding="utf-8")
    rendered = render_markdown(markdown, site_target)
    scan = scan_page("<!DOCTYPE html>\n" + rendered.html)
    assert scan.problems == []
    # the anchors GitHub (and contract_refs, which the report links with) computes are ids of the rendered page
    assert contract_refs.anchors(markdown) <= scan.ids
    assert set(contract_refs.section_anchors(markdown).values()) <= rendered.anchors


def test_document_links_map_to_site_pages_and_an_unknown_file_is_refused() -> None:
    assert site_target("contract.md#101-bearer-or-bare-key") == "contract.html#101-bearer-or-bare-key"
    assert site_target("current-api.md") == "current-api.html"
    assert site_target("../README.md#assumptions") == "assumptions.html"
    assert site_target("../schemas/error-wrapped.schema.json") == "schemas/error-wrapped.schema.json"
    assert site_target("https://docs.360dialog.com/x") == "https://docs.360dialog.com/x"
    with pytest.raises(UnmappedLinkError, match=r"'\.\./steps/x\.py'"):
        site_target("../steps/x.py")


def _pages() -> ContractPages:
    documents = {
        "CONTRACT": render_markdown("# C\n## §2 Auth\n## §10 Contradictions\n### §10.1 Bearer\n"),
        "CURRENT-API": render_markdown("# A\n## §2 Platform\n### §2.2 Checklist\n| ID | R |\n|---|---|\n| R7 | x |\n"),
    }
    return ContractPages.of(documents)


def test_references_become_links_relative_to_the_page() -> None:
    html = link_references("see CONTRACT §2 / §10.1 and CURRENT-API §2.2 R7 <b>", _pages(), from_page="a/b.html")
    assert html == (
        'see CONTRACT <a href="../contract.html#2-auth">§2</a> / <a href="../contract.html#101-bearer">§10.1</a> and '
        'CURRENT-API <a href="../current-api.html#22-checklist-r7">§2.2 R7</a> &lt;b&gt;'
    )


def test_a_bare_section_sign_is_text_unless_a_default_document_is_given() -> None:
    assert link_references("status (§2)", _pages(), from_page="x.html") == "status (§2)"
    linked = link_references("status (§2)", _pages(), from_page="x.html", default_document="CONTRACT")
    assert linked == 'status (<a href="contract.html#2-auth">§2</a>)'
    assert link_references("RFC 9110 §2", _pages(), from_page="x.html", default_document="CONTRACT") == "RFC 9110 §2"


@pytest.mark.parametrize(
    ("text", "message"),
    [("CONTRACT §99", "CONTRACT §99 is no heading"), ("CURRENT-API §2.2 R8", "CURRENT-API §2.2 R8 is no heading")],
)
def test_a_reference_that_does_not_resolve_stops_the_build(text: str, message: str) -> None:
    with pytest.raises(UnresolvedReferenceError, match=message):
        link_references(text, _pages(), from_page="x.html")


def test_plain_text_runs_pass_through_the_plain_hook_and_markup_does_not() -> None:
    rendered = render_markdown("x `c` y\n\n- item *[in](#a) link*", plain=lambda text: f"[{text.upper()}]")
    # a link's text is only escaped: links do not nest
    assert rendered.html == (
        '<p>[X ]<code>c</code>[ Y]</p>\n<ul>\n<li>[ITEM ]<em>[]<a href="#a">in</a>[ LINK]</em>[]</li>\n</ul>'
    )
