"""The site's one stylesheet: readable pages and language tabs that work without JavaScript (radio buttons)."""

from __future__ import annotations

from pathlib import Path

STYLESHEET = "assets/site.css"
#: how many tabs one group may have: each needs a rule pairing its radio button with its panel
MAX_TABS = 6

_BASE = """\
:root { --ink: #1d2329; --muted: #5b6670; --line: #d6dce1; --soft: #f4f6f8; --accent: #0b6e4f; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
header.site { background: var(--accent); color: #fff; padding: .6rem 1.5rem; }
header.site a { color: #fff; margin-right: 1.2rem; text-decoration: none; }
header.site a.current { text-decoration: underline; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
a { color: var(--accent); }
a.anchor { visibility: hidden; text-decoration: none; color: var(--muted); }
h1:hover a.anchor, h2:hover a.anchor, h3:hover a.anchor, h4:hover a.anchor { visibility: visible; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--soft); border: 1px solid var(--line); padding: .6rem .8rem; overflow-x: auto; }
table { border-collapse: collapse; margin: .8rem 0; width: 100%; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--soft); }
tr:target { background: #fff6d6; }
.ids { white-space: nowrap; }
.id { display: inline-block; background: var(--accent); color: #fff; border-radius: 3px; padding: 0 .35rem;
      font: 600 12px/1.6 ui-monospace, monospace; margin-right: .25rem; text-decoration: none; }
.tag { color: var(--muted); font-size: 13px; margin-right: .4rem; }
section.scenario { border-top: 2px solid var(--line); margin-top: 2rem; padding-top: .5rem; }
section.scenario:target { border-top-color: var(--accent); }
ol.steps { list-style: none; padding-left: 0; font-family: ui-monospace, monospace; font-size: 14px; }
ol.steps li { margin: .15rem 0; }
ol.steps li.background { color: var(--muted); }
ol.steps .keyword { font-weight: 700; color: var(--accent); }
.verdicts { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.verdicts > div { border: 1px solid var(--line); padding: .3rem .8rem; }
.verdicts h4 { margin: .3rem 0; }
.observed h4 { color: var(--warn); }
.exchange { border-left: 3px solid var(--line); padding-left: .8rem; margin: 1rem 0; }
.exchange .status { font-weight: 700; }
.note { color: var(--muted); font-size: 14px; }
ul.sources { font-size: 13px; word-break: break-all; }
.tabs { margin: .5rem 0; }
.tabs > input { position: absolute; opacity: 0; pointer-events: none; }
.tabs > label { display: inline-block; padding: .2rem .8rem; border: 1px solid var(--line); border-bottom: none;
                cursor: pointer; background: var(--soft); font-size: 14px; }
.tabs > input:checked + label { background: #fff; font-weight: 700; }
.tabs > input:focus-visible + label { outline: 2px solid var(--accent); }
.tabs > div.panel { display: none; }
.tabs > div.panel pre { margin-top: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
@media print { .tabs > div.panel { display: block; } .tabs > label { display: none; } }
"""


def stylesheet() -> str:
    """The CSS, with one rule per tab position showing the panel whose radio button is checked."""
    rules = [
        f".tabs > input:nth-of-type({n}):checked ~ div.panel:nth-of-type({n}) {{ display: block; }}"
        for n in range(1, MAX_TABS + 1)
    ]
    return _BASE + "\n".join(rules) + "\n"


def write_assets(root: Path) -> None:
    path = root / STYLESHEET
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stylesheet(), encoding="utf-8")
