"""The report as one self-contained HTML page: no scripts, no requests, fit to print and to show.

Every string of the content came from browsers and logs and is untrusted: it is escaped where it is
written, and only http(s) addresses of the law and method sections become links. A content
security policy in the page forbids every request all the same, so even a mistake here cannot
make the page fetch anything.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any
from urllib.parse import urlsplit

from borderless.domains import display_host
from borderless.geography import country_name
from borderless.report.figures import ATTRIBUTED, headline, legal_home_visits
from borderless.report.svgmap import map_source, map_svg

# Okabe-Ito blue and orange and a neutral grey, as the window's timeline (gui/timeline.py).
HOME_COLOUR = "#0072B2"
ABROAD_COLOUR = "#E69F00"
UNKNOWN_COLOUR = "#9E9E9E"
LEGAL_HOME_BAR = "#3b528b"
SERVER_BAR = "#21918c"
EDGE_BAR = "#9fd3cf"
# The laws of this many flows, the most visited first.
LAW_FLOWS = 5
# Lists that can grow to thousands of rows are cut here; the JSON report has them all.
BACKGROUND_ROWS = 500
URL_ROWS = 1000
HOSTS_PER_PLATFORM = 6

REDACTION_LEVELS = {
    "none": "Nothing is left out: every host, and full web addresses where they were kept.",
    "paths": "Host names are shown; the paths and queries of web addresses and the folders of "
    "the browser profiles are not.",
    "hosts": "Platforms, owners and countries are shown; host names are not.",
    "platforms": "Owning companies and countries are shown; platform names are not.",
    "aggregate": "Only totals per country and per category are shown.",
}
HOME_SOURCES = {
    "set": "chosen by you (or the demo persona)",
    "timezone": "guessed from the time zone of the computer that wrote this report",
    "locale": "guessed from the language settings of the computer that wrote this report",
}
ATTRIBUTIONS = {
    "established": "established",
    "named": "named by a tracker list",
    "unplaced": "named, not placed",
    "suggested": "suggested by the domain only",
    "host_only": "only its host is known",
    "unknown": "unknown",
}
SECTIONS = (
    ("summary", "Summary"),
    ("maps", "Maps"),
    ("platforms", "Platforms"),
    ("countries", "Countries"),
    ("timeline", "Timeline"),
    ("laws", "Laws"),
    ("background", "Background traffic and devices"),
    ("sources", "Sources and blind spots"),
    ("methods", "Methods and sources of data"),
)
# Characters that change how text around them reads (bidirectional overrides, isolates) or
# that have no place in a document (controls): a host could hide behind them.
_DIRECTIONAL = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; background: #fff;
  color: #1a1a1a; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "DejaVu Sans", sans-serif; }
h1 { font-size: 1.25rem; margin: 0 0 .5rem; color: #444; font-weight: 600; }
h2 { font-size: 1.6rem; margin: 2.2rem 0 .6rem; border-bottom: 2px solid #1a1a1a;
  padding-bottom: .2rem; }
h3 { font-size: 1.15rem; margin: 1.4rem 0 .4rem; }
p { margin: .4rem 0 .7rem; max-width: 75ch; }
a { color: #0b5394; }
.headline { font-size: clamp(1.9rem, 3.8vw, 3.1rem); line-height: 1.18; font-weight: 750;
  margin: .2rem 0 .8rem; max-width: 30ch; }
.detail { font-size: 1.15rem; color: #333; max-width: 70ch; }
.redaction { border: 3px solid #1a1a1a; padding: .6rem .9rem; margin: 1rem 0; font-size: 1.1rem;
  max-width: 75ch; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 1rem 0; }
.facts dt { font-weight: 600; }
.facts dd { margin: 0; }
nav ol { columns: 2; max-width: 40rem; padding-left: 1.4rem; }
.note, .empty { color: #444; }
.empty { font-style: italic; }
.muted, .puny { color: #555; }
.small { font-size: .85em; }
.figure { margin: .6rem 0 1.2rem; }
svg { max-width: 100%; height: auto; display: block; }
svg.map, svg.timeline { width: 100%; }
table { border-collapse: collapse; width: 100%; font-size: .8rem; line-height: 1.3;
  margin: .4rem 0 1rem; }
table.compact { width: auto; min-width: 50%; }
th, td { text-align: left; vertical-align: top; padding: .22rem .4rem;
  border-bottom: 1px solid #d8d8d8; overflow-wrap: break-word; }
th { border-bottom: 2px solid #1a1a1a; font-weight: 650; }
.host, .address { overflow-wrap: anywhere; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n { white-space: nowrap; }
tbody tr:nth-child(even) { background: #f6f6f6; }
.hosts { display: block; color: #555; font-size: .92em; }
.flag { display: inline-block; border: 1px solid #777; border-radius: 3px; padding: 0 .25em;
  font-size: .85em; white-space: nowrap; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
.flow { border-left: 4px solid #d95f02; padding: .1rem 0 .1rem .9rem; margin: 1rem 0 1.4rem; }
.laws { margin: .3rem 0 .6rem; padding-left: 1.2rem; }
.laws li { margin: .35rem 0; max-width: 80ch; }
.summary-text { display: block; color: #333; }
footer { margin-top: 2.5rem; color: #555; font-size: .85rem; border-top: 1px solid #ccc;
  padding-top: .5rem; }
@media (max-width: 760px) { .pair { grid-template-columns: 1fr; } nav ol { columns: 1; } }
@page { size: A4; margin: 14mm 12mm; }
/* The wide table of platforms gets landscape pages where the browser supports named pages. */
@page wide { size: A4 landscape; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  .headline { font-size: 22pt; }
  .detail, .redaction { font-size: 11pt; }
  h2 { font-size: 16pt; margin-top: 0; }
  section.major { break-before: page; }
  #platforms { page: wide; }
  h2, h3 { break-after: avoid; }
  .figure, svg, tr, .flow li { break-inside: avoid; }
  thead { display: table-header-group; }
  table { font-size: 7.5pt; }
  tbody tr:nth-child(even) { background: none; }
  a { color: inherit; }
  nav { display: none; }
  .pair { grid-template-columns: 1fr; gap: 0; }
}
"""

Content = Mapping[str, Any]


# Small helpers -------------------------------------------------------------------------------


def _clean(value: object) -> str:
    """Text with controls and direction overrides shown as U+FFFD, so none can hide anything."""
    text = "" if value is None else str(value)
    return "".join(
        "\ufffd"
        if character in _DIRECTIONAL
        or (unicodedata.category(character) in ("Cc", "Cs") and character not in "\t\n")
        else character
        for character in text
    )


def _e(value: object) -> str:
    """Escape untrusted text for HTML (and for SVG, which is XML: no named entities)."""
    return escape(_clean(value), quote=True)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _rows(value: object) -> list[dict[str, Any]]:
    """The objects of a list (a missing or malformed section is an empty one)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def _strings(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(item) for item in value if item is not None]


def _number(value: object) -> str:
    return f"{_int(value):,}"


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def _day(value: object) -> str:
    return _e(str(value)[:10]) if value else "—"


def _country(code: object, *, in_sentence: bool = False) -> str:
    """A country's name for a cell (escaped), or a dash for none."""
    if not code:
        return "—"
    return _e(country_name(str(code), in_sentence=in_sentence))


def _codes(codes: Iterable[str]) -> str:
    """Country codes with their names as tooltips: compact in a table, readable on hover."""
    return ", ".join(
        f'<abbr title="{_e(country_name(code, in_sentence=False))}">{_e(code)}</abbr>'
        for code in codes
    )


def _host(host: object, shown: object = None) -> str:
    """A host as a person reads it; an IDN also in its punycode form, so a look-alike shows."""
    name = "" if host is None else str(host)
    display = str(shown) if shown else display_host(name)
    if display != name:
        return f'<span class="host">{_e(display)} <span class="puny">({_e(name)})</span></span>'
    return f'<span class="host">{_e(name)}</span>'


def _name(name: object) -> str:
    """A platform's name; one that is an IDN domain (nobody catalogued it) in both forms."""
    text = "" if name is None else str(name)
    return _host(text) if "xn--" in text else _e(text)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _visits(count: int) -> str:
    return f"{count:,} visit" if count == 1 else f"{count:,} visits"


def _link(url: object, label: object | None = None) -> str:
    """A link for an http(s) address; anything else is shown as text, never made clickable."""
    text = _clean(url).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    shown = _e(label if label is not None else text)
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.netloc
        or any(character.isspace() for character in text)
    ):
        return shown
    return f'<a href="{_e(text)}" rel="noreferrer noopener">{shown}</a>'


def _empty(sentence: str) -> str:
    return f'<p class="empty">{sentence}</p>'


def _table(
    headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], *, compact: bool = False
) -> str:
    """A table from headers (text, numeric) and rows of cells already escaped; a compact one
    is only as wide as its cells."""
    head = "".join(f"<th{' class=n' if numeric else ''}>{text}</th>" for text, numeric in headers)
    numeric = [flag for _, flag in headers]
    body = "\n".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if flag else ''}>{cell}</td>"
            for cell, flag in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    opening = '<table class="compact">' if compact else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _cut_note(shown: int, total: int, what: str) -> str:
    if total <= shown:
        return ""
    return (
        f'<p class="note">The {shown:,} with the most {what} are shown; the other '
        f"{total - shown:,} are in the JSON report.</p>"
    )


# Derived figures -----------------------------------------------------------------------------


def server_visits(content: Content) -> tuple[dict[str, int], dict[str, int]]:
    """Visits per server country, and of those the visits answered only by edges."""
    visits: dict[str, int] = {}
    edges: dict[str, int] = {}
    for row in _rows(content.get("countries")):
        code = row.get("country")
        if code and _int(row.get("visits")) > 0:
            visits[str(code)] = _int(row.get("visits"))
            edges[str(code)] = _int(row.get("edge_only_visits"))
    return visits, edges


def _flows(content: Content, kind: str) -> list[tuple[str, str, float]]:
    return [
        (str(flow.get("from") or ""), str(flow.get("to") or ""), float(_int(flow.get("visits"))))
        for flow in _rows(content.get("flows"))
        if flow.get("kind") == kind
    ]


def _visited_hosts(content: Content) -> set[str] | None:
    """The hosts a browser visited, or None when a redacted report no longer lists them."""
    domains = _rows(content.get("domains"))
    if not domains and _int(_dict(content.get("totals")).get("domains")):
        return None
    return {str(domain.get("host")) for domain in domains}


# Charts --------------------------------------------------------------------------------------


def _bar_chart(
    rows: Sequence[tuple[str, int, int]], colour: str, title: str, home: str | None
) -> str:
    """Horizontal bars per country: (code, visits, of those drawn lighter: edge-only)."""
    width, label_width, value_width, row_height = 520, 170, 70, 20
    top = 26
    height = top + row_height * len(rows) + 6
    most = max((count for _, count, _ in rows), default=0) or 1
    span = width - label_width - value_width
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{_e(title)}" font-size="12" class="bars">',
        f"<title>{_e(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="700" fill="#1a1a1a">{_e(title)}</text>',
    ]
    for index, (code, count, lighter) in enumerate(rows):
        y = top + index * row_height
        name = country_name(code, in_sentence=False)
        bar = span * count / most
        light = span * min(lighter, count) / most
        weight = ' font-weight="700"' if code == home else ""
        label = f"{name} (home)" if code == home else name
        parts.append(
            f"<g><title>{_e(name)}: {count:,} visits"
            + (f", {lighter:,} only from edge servers" if lighter else "")
            + "</title>"
            f'<text x="{label_width - 6}" y="{y + 14}" text-anchor="end" fill="#1a1a1a"'
            f"{weight}>{_e(label[:26])}</text>"
            f'<rect x="{label_width}" y="{y + 3}" width="{max(bar - light, 0):.1f}" height="14" '
            f'fill="{colour}"/>'
            + (
                f'<rect x="{label_width + bar - light:.1f}" y="{y + 3}" width="{light:.1f}" '
                f'height="14" fill="{EDGE_BAR}"/>'
                if light
                else ""
            )
            + f'<text x="{label_width + bar + 4:.1f}" y="{y + 14}" fill="#1a1a1a">{count:,}</text>'
            "</g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _timeline_rows(content: Content) -> tuple[list[dict[str, Any]], str]:
    section = content.get("timeline")
    unit = content.get("timeline_unit")
    if isinstance(section, dict):
        unit = section.get("unit", unit)
        section = section.get("days") or section.get("bars") or section.get("entries")
    rows = [row for row in _rows(section) if row.get("day")]
    if unit not in ("day", "week"):
        days = [str(row["day"])[:10] for row in rows[:2]]
        try:
            gap = (dt.date.fromisoformat(days[1]) - dt.date.fromisoformat(days[0])).days
        except (IndexError, ValueError):
            gap = 1
        unit = "week" if gap == 7 else "day"
    return rows, str(unit)


def _timeline_svg(rows: list[dict[str, Any]], unit: str, home: str | None) -> str:
    width, height = 960, 260
    left, right, top, bottom = 56, 12, 40, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = [_int(r.get("home")) + _int(r.get("abroad")) + _int(r.get("unknown")) for r in rows]
    highest = max(totals, default=0) or 1
    # A few days would make blocks, not bars: a bar is at most 60 pixels wide.
    bar_width = min(plot_width / len(rows), 60.0)
    home_label = f"company at home in {country_name(home, in_sentence=False)}" if home else "home"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Visits per {unit}" font-size="12" '
        'class="timeline">',
        f"<title>Visits per {unit}</title>",
    ]
    legend_x = left
    for colour, label in (
        (HOME_COLOUR, home_label),
        (ABROAD_COLOUR, "company at home abroad"),
        (UNKNOWN_COLOUR, "owner not known"),
    ):
        parts.append(
            f'<rect x="{legend_x}" y="10" width="14" height="14" fill="{colour}"/>'
            f'<text x="{legend_x + 20}" y="22" fill="#1a1a1a">{_e(label)}</text>'
        )
        legend_x += 40 + len(label) * 7
    for index, row in enumerate(rows):
        x = left + index * bar_width
        y = float(top + plot_height)
        counts = (
            (_int(row.get("home")), HOME_COLOUR, "at home"),
            (_int(row.get("abroad")), ABROAD_COLOUR, "abroad"),
            (_int(row.get("unknown")), UNKNOWN_COLOUR, "not known"),
        )
        tip = f"{str(row.get('day'))[:10]}: " + ", ".join(f"{c:,} {w}" for c, _, w in counts)
        parts.append(f"<g><title>{_e(tip)}</title>")
        for count, colour, _ in counts:
            bar = plot_height * count / highest
            if bar > 0:
                parts.append(
                    f'<rect x="{x + bar_width * 0.1:.1f}" y="{y - bar:.1f}" '
                    f'width="{max(bar_width * 0.8, 0.5):.1f}" height="{bar:.1f}" fill="{colour}"/>'
                )
            y -= bar
        parts.append("</g>")
    base = top + plot_height
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + bar_width * len(rows):.1f}" y2="{base}" '
        'stroke="#1a1a1a"/>'
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#1a1a1a"/>'
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="#1a1a1a">{highest:,}</text>'
        f'<text x="{left - 6}" y="{base}" text-anchor="end" fill="#1a1a1a">0</text>'
    )
    # The first bar labelled, then about every sixth of the axis.
    step = max(1, len(rows) // 6)
    for index in range(0, len(rows), step):
        x = left + (index + 0.5) * bar_width
        parts.append(
            f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle" fill="#1a1a1a">'
            f"{_e(str(rows[index].get('day'))[:10])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# Sections ------------------------------------------------------------------------------------


def _summary(content: Content) -> str:
    sentence, detail = headline(content)
    home = content.get("home_country")
    source = content.get("home_country_source")
    period = _dict(content.get("period"))
    totals = _dict(content.get("totals"))
    redaction = _dict(content.get("redaction"))
    level = str(redaction.get("level") or "")
    if redaction:
        meaning = redaction.get("description") or REDACTION_LEVELS.get(level, "")
        redaction_html = (
            f"<strong>Redaction: {_e(level or 'unknown')}.</strong> {_e(meaning)}"
            " Treat this report like the browsing history it comes from."
        )
    else:
        redaction_html = (
            "<strong>Redaction: not recorded.</strong> This report may hold every host visited "
            "and the paths of the browser profiles. Treat it like the browsing history it comes "
            "from."
        )
    home_text = (
        f"{_country(home)} ({_e(home)}), {_e(HOME_SOURCES.get(str(source), 'source not recorded'))}"
        if home
        else "not known: nothing counts as abroad"
    )
    region = content.get("home_region")
    if region:
        home_text += (
            f"; in the {_e(region)}, where data moving between member states is not a transfer"
        )
    first, last = period.get("first_visit"), period.get("last_visit")
    period_text = (
        f"{_day(first)} to {_day(last)}"
        f" ({_number(period.get('days'))} {'day' if period.get('days') == 1 else 'days'})"
        if first
        else "no visits"
    )
    facts = [
        ("Period", period_text),
        ("Home country", home_text),
        ("Visits", _number(totals.get("visits"))),
        ("Started by you", _number(totals.get("user_initiated_visits"))),
        ("Synced from other devices", _number(totals.get("synced_visits"))),
        (
            "Hosts",
            f"{_number(totals.get('domains'))} ({_number(totals.get('registrable_domains'))} "
            "registrable domains)",
        ),
        (
            "Sources",
            f"{_number(totals.get('sources'))}"
            + (
                f" ({_number(totals.get('sources_with_errors'))} with errors)"
                if _int(totals.get("sources_with_errors"))
                else ""
            ),
        ),
    ]
    fact_list = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    contents = "".join(f'<li><a href="#{anchor}">{name}</a></li>' for anchor, name in SECTIONS[1:])
    return (
        '<section id="summary">'
        "<h1>Borderless report: where your data goes</h1>"
        f'<p class="headline">{_e(sentence)}</p>'
        f'<p class="detail">{_e(detail)}</p>'
        f'<p class="redaction">{redaction_html}</p>'
        f'<dl class="facts">{fact_list}</dl>'
        f"<nav><h3>Contents</h3><ol>{contents}</ol></nav>"
        "</section>"
    )


def _maps(content: Content) -> str:
    home = content.get("home_country") or None
    legal = legal_home_visits(content)
    servers, edges = server_visits(content)
    parts = ['<section id="maps" class="major"><h2>Maps</h2>']
    parts.append(
        "<p>Each country shaded by visits (darker: more), the home country outlined, and orange "
        "arcs from home whose width grows with the visits. Hover over a country for its "
        "figures.</p>"
    )
    if legal:
        parts.append(
            '<div class="figure">'
            + map_svg(
                legal,
                home,
                _flows(content, "legal_home"),
                "Where the companies are at home",
                legend="Visits by the legal home of the platform's owner",
                id_prefix="map-legal",
            )
            + '<p class="note">The legal home is the headquarters country of the ultimate '
            "parent company; only platforms whose owner the catalogue knows count.</p></div>"
        )
    else:
        parts.append(
            _empty(
                "No visited platform could be attributed to a company, so there is no map by "
                "legal home."
            )
        )
    if servers:
        edge_only = [code for code, count in servers.items() if edges.get(code, 0) >= count]
        parts.append(
            '<div class="figure">'
            + map_svg(
                servers,
                home,
                _flows(content, "server"),
                "Where the servers answered from",
                legend="Visits by server country",
                edge_only=edge_only,
                id_prefix="map-server",
            )
            + '<p class="note">A host with servers in two countries counts in both. Hatched: '
            "only anycast or CDN edge servers answered there, which says where the nearest copy "
            "is, not where the data is kept.</p></div>"
        )
    else:
        parts.append(
            _empty(
                "No server was located (the hosts were not looked up: offline, or not resolved "
                "yet), so there is no map by server location."
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _platform_row(
    platform: dict[str, Any], total_visits: int, displays: dict[str, str]
) -> list[str]:
    hosts = _strings(platform.get("domains"))
    host_text = ", ".join(_host(host, displays.get(host)) for host in hosts[:HOSTS_PER_PLATFORM])
    if len(hosts) > HOSTS_PER_PLATFORM:
        host_text += f" and {len(hosts) - HOSTS_PER_PLATFORM:,} more"
    name = str(platform.get("name") or "")
    # A platform nobody catalogued is named by its domain: show it like a host.
    name_html = _host(name) if platform.get("id") is None and "." in name else _e(name)
    if host_text and hosts != [name]:
        name_html += f'<span class="hosts">{host_text}</span>'
    parent, operator = platform.get("parent"), platform.get("operator")
    owner = _e(parent) if parent else "—"
    if operator and operator != parent:
        owner += f'<span class="hosts">run by {_e(operator)}</span>'
    if platform.get("hosted_by"):
        owner += f'<span class="hosts">hosted by {_e(platform["hosted_by"])}</span>'
    attribution = str(platform.get("attribution") or "unknown")
    legal = _country(platform.get("legal_home"))
    if platform.get("legal_home") and attribution not in ATTRIBUTED:
        legal = f"<em>{legal}?</em>"
    incorporated = platform.get("incorporated_in")
    servers = _codes(_strings(platform.get("server_countries")))
    if servers and platform.get("anycast"):
        servers += ' <span class="flag" title="anycast or CDN edge">edge</span>'
    evidence = []
    for kind in _strings(platform.get("evidence")):
        if kind == "cookies" and _int(platform.get("cookies")):
            evidence.append(f"cookies ({_number(platform.get('cookies'))})")
        elif kind == "dns" and _int(platform.get("dns_lookups")):
            blocked = _int(platform.get("blocked_lookups"))
            evidence.append(
                f"DNS ({_number(platform.get('dns_lookups'))} lookups"
                + (f", {blocked:,} blocked" if blocked else "")
                + ")"
            )
        else:
            evidence.append(_e(kind))
    if platform.get("tracks_without_visit"):
        evidence.append('<span class="flag">cookies, never visited</span>')
    elif platform.get("background"):
        evidence.append('<span class="flag">background only</span>')
    visits = _int(platform.get("visits"))
    return [
        name_html,
        _e(platform.get("category") or "—"),
        owner,
        legal,
        _country(incorporated) if incorporated else "—",
        servers or "—",
        f"{visits:,}",
        _share(visits, total_visits) if visits else "—",
        _number(platform.get("user_initiated_visits")),
        f'<span title="{_e(platform.get("basis") or "")}">'
        f"{_e(ATTRIBUTIONS.get(attribution, attribution))}</span>",
        ", ".join(evidence) or "—",
    ]


def _platforms(content: Content) -> str:
    totals = _dict(content.get("totals"))
    total_visits = _int(totals.get("visits"))
    platforms = sorted(
        _rows(content.get("platforms")),
        key=lambda p: (-_int(p.get("visits")), -_int(p.get("dns_lookups")), str(p.get("name"))),
    )
    displays = {
        str(d.get("host")): str(d.get("host_display") or d.get("host"))
        for d in _rows(content.get("domains"))
    }
    parts = ['<section id="platforms" class="major"><h2>Platforms</h2>']
    categories = _rows(content.get("categories"))
    parts.append("<h3>Categories</h3>")
    if categories:
        rows = [
            [
                _e(row.get("category") or "uncategorised"),
                _number(row.get("visits")),
                _share(_int(row.get("visits")), total_visits) if _int(row.get("visits")) else "—",
                _number(row.get("abroad_visits")) if "abroad_visits" in row else "—",
                _number(row.get("platforms"))
                if not isinstance(row.get("platforms"), list)
                else f"{len(row['platforms']):,}",
            ]
            for row in categories
        ]
        parts.append(
            _table(
                [
                    ("Category", False),
                    ("Visits", True),
                    ("Share", True),
                    ("Owner abroad", True),
                    ("Platforms", True),
                ],
                rows,
                compact=True,
            )
        )
    else:
        parts.append(_empty("This report has no categories."))
    parts.append("<h3>Every platform</h3>")
    if platforms:
        parts.append(
            "<p>Most visited first. Share: of all visits. Legal home: the ultimate parent's "
            "headquarters (with a question mark where only a hint suggests it). Server "
            "countries are ISO codes: hover for the name.</p>"
        )
        parts.append(
            _table(
                [
                    ("Platform", False),
                    ("Category", False),
                    ("Owner", False),
                    ("Legal home", False),
                    ("Incorporated in", False),
                    ("Servers in", False),
                    ("Visits", True),
                    ("Share", True),
                    ("Started by you", True),
                    ("Attribution", False),
                    ("Evidence", False),
                ],
                (_platform_row(platform, total_visits, displays) for platform in platforms),
            )
        )
    else:
        parts.append(_empty("This report names no platforms."))
    owners = _rows(content.get("owners"))
    if owners:
        parts.append("<h3>Owning companies</h3>")
        parts.append(
            _table(
                [
                    ("Company", False),
                    ("Legal home", False),
                    ("Visits", True),
                    ("Share", True),
                    ("Started by you", True),
                    ("Platforms", True),
                ],
                (
                    [
                        _e(owner.get("owner") or "—"),
                        _country(owner.get("legal_home")),
                        _number(owner.get("visits")),
                        _share(_int(owner.get("visits")), total_visits),
                        _number(owner.get("user_initiated_visits")),
                        _number(owner.get("platforms"))
                        if not isinstance(owner.get("platforms"), list)
                        else f"{len(owner['platforms']):,}",
                    ]
                    for owner in owners
                ),
                compact=True,
            )
        )
    urls = _rows(content.get("urls"))
    if urls:
        parts.append("<h3>Web addresses</h3>")
        parts.append(
            '<p class="note">Full addresses, kept because you chose to keep them. Shown as '
            "text, never as links.</p>"
        )
        parts.append(
            _table(
                [("Address", False), ("Visits", True)],
                (
                    [
                        f'<span class="address">{_e(row.get("url"))}</span>',
                        _number(row.get("visits")),
                    ]
                    for row in urls[:URL_ROWS]
                ),
            )
        )
        parts.append(_cut_note(URL_ROWS, len(urls), "visits"))
    parts.append("</section>")
    return "".join(parts)


def _countries(content: Content) -> str:
    home = content.get("home_country") or None
    legal = legal_home_visits(content)
    servers, edges = server_visits(content)
    parts = ['<section id="countries" class="major"><h2>Countries</h2>']
    parts.append(
        "<p>Visits by the country where the platform's owner is at home, and by the country "
        "its servers answered from: whose law reaches the company, and where the machines "
        "are.</p>"
    )
    charts = []
    if legal:
        rows = sorted(legal.items(), key=lambda item: (-item[1], item[0]))
        charts.append(
            _bar_chart(
                [(code, count, 0) for code, count in rows],
                LEGAL_HOME_BAR,
                "By legal home",
                home,
            )
        )
    else:
        charts.append(_empty("No platform's owner could be placed in a country."))
    if servers:
        rows = sorted(servers.items(), key=lambda item: (-item[1], item[0]))
        charts.append(
            _bar_chart(
                [(code, count, edges.get(code, 0)) for code, count in rows],
                SERVER_BAR,
                "By server location",
                home,
            )
            + '<p class="note small">Lighter: visits answered only by anycast or CDN edges '
            "there. A host with servers in two countries counts in both.</p>"
        )
    else:
        charts.append(_empty("No server was located."))
    parts.append('<div class="pair">' + "".join(f"<div>{c}</div>" for c in charts) + "</div>")
    parts.append("</section>")
    return "".join(parts)


def _timeline(content: Content) -> str:
    rows, unit = _timeline_rows(content)
    parts = ['<section id="timeline" class="major"><h2>Timeline</h2>']
    if rows:
        parts.append(
            f"<p>Visits per {_e(unit)}"
            + (" (each bar a week, from its Monday)" if unit == "week" else " (UTC days)")
            + ", by where the company behind the platform is at home.</p>"
        )
        parts.append(
            '<div class="figure">'
            + _timeline_svg(rows, unit, content.get("home_country") or None)
            + "</div>"
        )
    else:
        parts.append(_empty("This report has no timeline."))
    parts.append("</section>")
    return "".join(parts)


def _instrument(law: dict[str, Any]) -> str:
    instrument, articles = str(law.get("instrument") or ""), str(law.get("articles") or "")
    # The instrument's citation often names the article already ("18 U.S.C. § 2713").
    if articles and articles in instrument:
        articles = ""
    details = [text for text in (instrument, articles, str(law.get("year") or "")) if text]
    link = law.get("link")
    effect = (
        ' <span class="flag">blocks disclosure to foreign authorities</span>'
        if law.get("effect") == "block"
        else ""
    )
    return (
        f"<li><strong>{_e(law.get('name') or 'Unnamed instrument')}</strong>{effect}"
        + (f" — {_e(', '.join(details))}" if details else "")
        + (f". {_link(link, 'Official text')}" if link else "")
        + (
            f'<span class="summary-text">{_e(law.get("summary"))}</span>'
            if law.get("summary")
            else ""
        )
        + "</li>"
    )


def _instruments(laws: list[dict[str, Any]], none: str) -> str:
    if not laws:
        return _empty(none)
    return '<ul class="laws">' + "".join(_instrument(law) for law in laws) + "</ul>"


def _reviewed(content: Content) -> list[str]:
    """The dates the law table's entries in this report were checked."""
    table = _dict(content.get("laws"))
    return sorted(
        {
            str(law["reviewed"])
            for law in table.values()
            if isinstance(law, dict) and law.get("reviewed")
        }
    )


def _laws(content: Content) -> str:
    home = content.get("home_country") or None
    table = _dict(content.get("laws"))
    flows = _rows(content.get("flows"))
    parts = ['<section id="laws" class="major"><h2>Laws</h2>']
    parts.append(
        "<p>A guide to what the law says on both sides of the main flows, written for people "
        "who are not lawyers: not legal advice. Each instrument links to its official text.</p>"
    )
    abroad = [flow for flow in flows if flow.get("to") and flow.get("to") != flow.get("from")]
    if home is None:
        parts.append(_empty("No home country is known, so no flow and no law can be shown."))
    elif not abroad:
        parts.append(
            _empty(f"No visit went to a company or a server outside {_e(country_name(home))}.")
        )
    else:
        first = max(abroad, key=lambda flow: _int(flow.get("visits")))
        home_law = _dict(table.get(home))
        localisation = _rows(first.get("origin_localisation")) or _rows(
            home_law.get("localisation")
        )
        transfers = _rows(first.get("origin_transfer_rules")) or _rows(home_law.get("transfers"))
        parts.append(f"<h3>Leaving {_e(country_name(home))}</h3>")
        parts.append("<p>Rules for sending personal data abroad:</p>")
        parts.append(_instruments(transfers, "None known to us."))
        parts.append("<p>Duties to keep data in the country:</p>")
        parts.append(_instruments(localisation, "None known to us."))
        if home_law.get("uncertain"):
            parts.append(f'<p class="note">Unsettled: {_e(home_law["uncertain"])}</p>')
        # One entry per destination: a company's home and its servers' country share their laws.
        destinations: dict[str, list[dict[str, Any]]] = {}
        for flow in sorted(abroad, key=lambda flow: -_int(flow.get("visits"))):
            destinations.setdefault(str(flow["to"]), []).append(flow)
        for destination, members in list(destinations.items())[:LAW_FLOWS]:
            main = members[0]
            by_kind = {str(flow.get("kind")): _int(flow.get("visits")) for flow in members}
            counts = []
            if "legal_home" in by_kind:
                counts.append(f"{_visits(by_kind['legal_home'])} to companies at home there")
            if "server" in by_kind:
                counts.append(f"{_visits(by_kind['server'])} answered by servers there")
            platforms = _strings(main.get("platforms"))
            law = _dict(table.get(destination))
            access = _rows(main.get("destination_access_laws")) or _rows(law.get("foreign_access"))
            adequate = main.get("adequate")
            adequacy = (
                f" {_capitalised(country_name(destination))} is recognised as adequate."
                if adequate is True
                else " It is not recognised as adequate: sending data there needs safeguards."
                if adequate is False
                else ""
            )
            region = (
                f" Both are in the {_e(main['region'])}: not a transfer under the GDPR."
                if main.get("region")
                else ""
            )
            parts.append(
                '<div class="flow">'
                f"<h3>{_e(country_name(home, in_sentence=False))} → "
                f"{_e(country_name(destination, in_sentence=False))}</h3>"
                f"<p>{_e('; '.join(counts))}.{_e(adequacy)}{region}"
                + (
                    f" Platforms: {', '.join(_name(name) for name in platforms)}."
                    if platforms
                    else ""
                )
                + "</p>"
                + (f"<p>{_e(main.get('explanation'))}</p>" if main.get("explanation") else "")
                + f"<p>Laws of {_e(country_name(destination))} that reach data held by its "
                "companies, wherever it is stored:</p>"
                + _instruments(
                    access,
                    "None known to us (which is not to say there is none).",
                )
                + (
                    f'<p class="note">Unsettled: {_e(law["uncertain"])}</p>'
                    if law.get("uncertain")
                    else ""
                )
                + "</div>"
            )
        if len(destinations) > LAW_FLOWS:
            parts.append(
                f'<p class="note">{len(destinations) - LAW_FLOWS:,} smaller flows are in the '
                "JSON report, with their laws.</p>"
            )
    reviewed = _reviewed(content)
    if reviewed:
        parts.append(f'<p class="note">Law table reviewed: {_e(", ".join(reviewed))}.</p>')
    parts.append("</section>")
    return "".join(parts)


def _background(content: Content) -> str:
    parts = ['<section id="background" class="major"><h2>Background traffic and devices</h2>']
    parts.append(
        "<p>From DNS evidence (a home resolver's log, a DNS capture, the system's cache): every "
        "lookup of a name, by any app or device, whether or not a browser visited it. A lookup "
        "blocked by a filter sent nothing.</p>"
    )
    clients = _rows(content.get("dns_clients"))
    parts.append("<h3>Devices</h3>")
    if clients:
        rows = []
        for client in clients[:BACKGROUND_ROWS]:
            attributed = _int(client.get("attributed_lookups"))
            top = ", ".join(
                f"{_name(entry.get('platform'))} ({_number(entry.get('lookups'))})"
                for entry in _rows(client.get("platforms"))
            )
            rows.append(
                [
                    _e(client.get("client")) if client.get("client") else "not recorded",
                    _number(client.get("lookups")),
                    _number(client.get("blocked")),
                    _number(client.get("hosts")),
                    _number(client.get("background_hosts")),
                    _share(_int(client.get("abroad_lookups")), attributed),
                    top or "—",
                    f"{_day(client.get('first_seen'))} to {_day(client.get('last_seen'))}",
                ]
            )
        parts.append(
            _table(
                [
                    ("Device", False),
                    ("Lookups", True),
                    ("Blocked", True),
                    ("Hosts", True),
                    ("Never visited", True),
                    ("Owner abroad", True),
                    ("Most looked up", False),
                    ("Seen", False),
                ],
                rows,
            )
        )
        parts.append(_cut_note(BACKGROUND_ROWS, len(clients), "lookups"))
    else:
        parts.append(_empty("No DNS evidence names the devices that asked."))
    platforms = _rows(content.get("platforms"))
    dns_owner = {
        host: platform for platform in platforms for host in _strings(platform.get("dns_hosts"))
    }
    cookie_owner = {
        host: platform for platform in platforms for host in _strings(platform.get("cookie_hosts"))
    }
    visited = _visited_hosts(content)
    hosts = _rows(content.get("dns_hosts"))
    parts.append("<h3>Hosts looked up that no browser visited</h3>")
    if visited is not None:
        hosts = [row for row in hosts if str(row.get("host")) not in visited]
    elif hosts:
        parts.append(
            '<p class="note">Every host looked up (this report does not list the visited ones).</p>'
        )
    if hosts:
        rows = []
        for row in hosts[:BACKGROUND_ROWS]:
            owner = dns_owner.get(str(row.get("host")), {})
            rows.append(
                [
                    _host(row.get("host")),
                    _name(owner.get("name")) if owner else "—",
                    _country(owner.get("legal_home")) if owner else "—",
                    _number(row.get("lookups")),
                    _number(row.get("blocked")),
                    _e(", ".join(_strings(row.get("clients")))) or "—",
                ]
            )
        parts.append(
            _table(
                [
                    ("Host", False),
                    ("Platform", False),
                    ("Legal home", False),
                    ("Lookups", True),
                    ("Blocked", True),
                    ("Devices", False),
                ],
                rows,
            )
        )
        parts.append(_cut_note(BACKGROUND_ROWS, len(hosts), "lookups"))
    else:
        parts.append(_empty("None in this report."))
    cookies = _rows(content.get("cookie_hosts"))
    parts.append("<h3>Cookies</h3>")
    trackers = [p for p in platforms if p.get("tracks_without_visit")]
    if trackers:
        parts.append(
            "<p><strong>Cookies of platforms you never visited</strong> (the strongest sign of "
            "tracking): " + ", ".join(_name(p.get("name")) for p in trackers) + ".</p>"
        )
    if cookies:
        parts.append(
            '<p class="note">Hosts the browsers keep cookies for; their names and values were '
            "never read.</p>"
        )
        rows = []
        for row in cookies[:BACKGROUND_ROWS]:
            owner = cookie_owner.get(str(row.get("host")), {})
            rows.append(
                [
                    _host(row.get("host")),
                    _name(owner.get("name")) if owner else "—",
                    _country(owner.get("legal_home")) if owner else "—",
                    _number(row.get("cookies")),
                    "yes" if row.get("persistent") else "no",
                    _day(row.get("last_accessed")),
                ]
            )
        parts.append(
            _table(
                [
                    ("Host", False),
                    ("Platform", False),
                    ("Legal home", False),
                    ("Cookies", True),
                    ("Outlive the session", False),
                    ("Last used", False),
                ],
                rows,
            )
        )
        parts.append(_cut_note(BACKGROUND_ROWS, len(cookies), "cookies"))
    else:
        parts.append(
            _empty(
                "No cookie jar was read, or it holds no cookies, or this report leaves them out."
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _sources(content: Content) -> str:
    parts = ['<section id="sources" class="major"><h2>Sources and blind spots</h2>']
    sources = _rows(content.get("sources"))
    parts.append("<h3>Sources read</h3>")
    if sources:
        rows = []
        for source in sources:
            status = str(source.get("status") or "not scanned")
            if source.get("error"):
                status += f": {source['error']}"
            rows.append(
                [
                    _e(source.get("browser") or "—"),
                    _e(source.get("profile") or "—"),
                    _e(source.get("kind") or "—"),
                    _e(status),
                    _number(source.get("records")),
                    _day(source.get("last_scanned_at")),
                ]
            )
        parts.append(
            _table(
                [
                    ("Browser or log", False),
                    ("Profile", False),
                    ("Format", False),
                    ("Status", False),
                    ("Records", True),
                    ("Last read", False),
                ],
                rows,
            )
        )
    else:
        parts.append(_empty("This report lists no sources."))
    spots = _rows(content.get("blind_spots"))
    parts.append("<h3>Blind spots</h3>")
    if spots:
        parts.append(
            "<ul>"
            + "".join(
                f"<li><strong>{_e(spot.get('browser') or 'A browser')}</strong>"
                + (f" ({_e(spot['profile'])})" if spot.get("profile") else "")
                + f": {_e(spot.get('problem'))}</li>"
                for spot in spots
            )
            + "</ul>"
        )
    else:
        parts.append(
            _empty("None found: no browser read has DNS over HTTPS on, as far as its settings say.")
        )
    resolution = _dict(content.get("resolution"))
    parts.append("<h3>Resolution</h3>")
    if resolution:
        failed = _dict(resolution.get("not_resolved"))
        failed_text = ", ".join(
            f"{_e(status)}: {_number(count)}" for status, count in sorted(failed.items())
        )
        resolvers = _strings(resolution.get("resolvers"))
        parts.append(
            f"<p>{_number(resolution.get('hosts'))} hosts: {_number(resolution.get('resolved'))} "
            f"resolved to addresses, {_number(resolution.get('located'))} placed in a country"
            + (f"; not resolved: {failed_text}" if failed_text else "")
            + ". Resolvers: "
            + (_e(", ".join(resolvers)) if resolvers else "none asked")
            + ".</p>"
        )
        databases = _rows(resolution.get("databases"))
        if databases:
            parts.append(
                "<ul>"
                + "".join(
                    f"<li><strong>{_e(db.get('name'))}</strong>"
                    + (f" (data of {_e(db['built'])})" if db.get("built") else "")
                    + (f": {_e(db['description'])}" if db.get("description") else "")
                    + "</li>"
                    for db in databases
                )
                + "</ul>"
            )
    else:
        parts.append(_empty("This report does not say how hosts were resolved."))
    parts.append("</section>")
    return "".join(parts)


def _methods(content: Content) -> str:
    generator = _dict(content.get("generator"))
    databases = _rows(_dict(content.get("resolution")).get("databases"))
    built = sorted({str(db.get("built")) for db in databases if db.get("built")})
    reviewed = _reviewed(content)
    return (
        '<section id="methods" class="major"><h2>Methods and sources of data</h2>'
        "<h3>How each number was computed</h3><ul>"
        "<li><strong>Visits</strong>: one navigation a browser recorded in its history; a "
        "redirect chain counts once, at its final page. <strong>Started by you</strong>: typed, "
        "followed a link, opened a bookmark, submitted a form and the like, on this device "
        "(visits synced from other devices never count).</li>"
        "<li><strong>The headline share</strong> (voluntary share abroad): of the visits you "
        "started to platforms whose owner the catalogue knows, the share whose owner's legal "
        "home is not your home country. Visits to platforms nobody could attribute are counted "
        "apart, never guessed.</li>"
        "<li><strong>Servers abroad</strong>: of the visits you started to hosts whose servers "
        "were placed in a country, the share to hosts with no server in your home country.</li>"
        "<li><strong>Legal home</strong>: the headquarters country of the ultimate parent "
        "company (the top of the chain of controlling owners), per the catalogue of "
        "ownership shipped with the app; where the parent is incorporated is shown beside it "
        "when it differs. A country-code domain only suggests a country and is never counted "
        "as fact.</li>"
        "<li><strong>Server location</strong>: each host resolved once (A and AAAA, following "
        "CNAMEs), each address placed by a geolocation database. That is the country of the "
        "server that answered you, not where the data is stored or processed later. Anycast "
        "and CDN addresses answer from the edge nearest you, so their country says where a copy "
        "was, not where the company keeps the data.</li>"
        "<li><strong>DNS evidence</strong> counts lookups, not visits: every app and device "
        "looking up a name. A lookup a filter blocked sent no data; a browser with DNS over "
        "HTTPS on is invisible to local DNS logs (see the blind spots).</li>"
        "<li><strong>Flows and laws</strong>: from the home country to each legal home and each "
        "server country, with the home country's rules on transfers and the destination's "
        "laws on access to data held by its companies.</li>"
        "</ul>"
        "<h3>Data and attributions</h3><ul>"
        "<li>Geolocation: "
        + _link("https://github.com/sapics/ip-location-db", "ip-location-db")
        + ", data of the Number Resource Organization, RouteViews and DB-IP under "
        + _link("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0")
        + " ("
        + _link("https://db-ip.com", "IP Geolocation by DB-IP")
        + ")"
        + (f"; data of {_e(', '.join(built))}" if built else "")
        + ".</li>"
        "<li>Map: "
        + _link("https://www.naturalearthdata.com/", "Natural Earth")
        + " (public domain), through "
        + _link("https://github.com/topojson/world-atlas", "world-atlas")
        + f" (ISC licence, Michael Bostock): {_e(map_source())}. Equal Earth projection "
        "(Šavrič, Patterson and Jenny, 2018). Boundaries are Natural Earth's and are no "
        "endorsement.</li>"
        "<li>Ownership: the Borderless catalogue, written from annual reports, regulator "
        "filings, company sites and Wikidata, each fact with its source and date; trackers from "
        + _link("https://github.com/patrickhulce/third-party-web", "third-party-web")
        + " (MIT licence, Patrick Hulce).</li>"
        "<li>Laws: the Borderless law table, summaries by the Borderless developers (MIT "
        "licence), each instrument linked to its official text"
        + (f", reviewed {_e(', '.join(reviewed))}" if reviewed else "")
        + ". Not legal advice.</li>"
        "<li>Colours: viridis (van der Walt and Smith) for maps, Okabe-Ito for the timeline: "
        "readable with the common colour-vision deficiencies and in greyscale.</li>"
        "</ul>"
        "<h3>This report</h3>"
        f"<p>Written by {_e(generator.get('name') or 'Borderless')} "
        f"{_e(generator.get('version') or '')} at "
        f"{_e(content.get('generated_at') or 'an unknown time')}"
        f" (report format {_e(content.get('schema') or 'unknown')}). It makes no request and "
        "runs no script: everything it shows is in this file.</p>"
        "</section>"
    )


def render_html(content: dict[str, Any]) -> str:
    """The report's content (borderless.report.content.build_report) as one HTML5 document.

    Self-contained (inline style, inline SVG), without scripts, and forbidding every request by
    its content security policy. Every value of the content is escaped. The output depends only
    on the content (and the shipped map), so the same content always gives the same bytes.
    """
    period = _dict(content.get("period"))
    first = str(period.get("first_visit") or "")[:10]
    last = str(period.get("last_visit") or "")[:10]
    title = "Borderless report" + (f": {first} to {last}" if first else "")
    sections = [
        _summary(content),
        _maps(content),
        _platforms(content),
        _countries(content),
        _timeline(content),
        _laws(content),
        _background(content),
        _sources(content),
        _methods(content),
    ]
    generator = _dict(content.get("generator"))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">\n"
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{_e(generator.get("name") or "Borderless")} '
        f'{_e(generator.get("version") or "")}">\n'
        f"<title>{_e(title)}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(sections)
        + f"\n<footer>{_e(title)}. Generated at {_e(content.get('generated_at') or '')}. "
        "Treat this report like the browsing history it comes from.</footer>\n"
        "</body>\n</html>\n"
    )
