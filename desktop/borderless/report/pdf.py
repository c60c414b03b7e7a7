"""The PDF report: the report's content as a printable document, its maps and charts as vectors.

This is the only module outside `borderless.gui` that imports PySide6 (STYLE.md). It imports it
lazily, inside the functions that draw, so that importing `borderless.report` (and the CLI) stays
Qt-free; `write_pdf` creates a `QGuiApplication` (offscreen unless QT_QPA_PLATFORM says
otherwise) when none exists.

The document is built in two steps. `plan` turns the content dict (docs/report-format.md) into a
list of plain elements: headings, paragraphs, tables and figures, without Qt. `write_pdf` then
lays them out with Qt's `QTextDocument` and prints it to a `QPdfWriter`. Every string of the
content is untrusted (it comes from browsers and logs), so the document is built only with
`QTextCursor.insertText`, which never interprets markup: a platform called `<b>x</b>` prints as
those eight characters. Maps, the timeline and table bars are text objects (`QPyTextObject`)
that paint with `QPainter`, which a PDF device keeps as vector paths.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderless import worldmap
from borderless.geography import country_name
from borderless.report.figures import headline, legal_home_visits, legal_homes

if TYPE_CHECKING:
    from PySide6.QtCore import QObject, QRect, QRectF, QSizeF
    from PySide6.QtGui import (
        QFont,
        QPainter,
        QPainterPath,
        QPen,
        QTextCharFormat,
        QTextCursor,
        QTextDocument,
        QTextFormat,
        QTextTable,
    )

PAGE_SIZES = ("A4", "Letter")
TITLE = "Borderless privacy report"

# Long tables are cut, with a line saying how many rows more the CSV and JSON exports hold: a
# reader of paper looks at the top of a list. Qt lays out a table row in about 0.7 ms, which is
# most of the time a PDF takes; these limits keep a large audit's PDF near a second and under
# fifty pages or so (the 1,000,000-visit benchmark audit has 2,500 platforms and hosts).
PLATFORM_ROWS = 300
OWNER_ROWS = 300
DOMAIN_ROWS = 300
URL_ROWS = 200
HOST_ROWS = 150
DEVICE_ROWS = 50
COUNTRY_ROWS = 250
LAW_FLOWS = 5

# The writer's resolution: enough for positions on paper; the layout costs the same at any.
RESOLUTION = 300
# Page margins in millimetres (left, top, right, bottom); the footer sits inside the bottom one.
PAGE_MARGINS_MM = (18.0, 16.0, 18.0, 14.0)
FOOTER_GAP_POINTS = 8.0

# Type sizes in points: the body is small enough for wide tables, large enough to read.
BODY_POINTS = 9.0
TABLE_POINTS = 7.5
NOTE_POINTS = 7.5
FIGURE_POINTS = 7.0
HEADING_POINTS = {1: 14.0, 2: 11.0}
TITLE_POINTS = 20.0
HEADLINE_POINTS = 13.0
FONT_FAMILY = "DejaVu Sans"

# Colours of the paper version of the app's look (gui/map_view.py, gui/timeline.py).
NO_DATA_COLOUR = "#d0d0d0"
BORDER_COLOUR = "#ffffff"
HOME_OUTLINE_COLOUR = "#202020"
FLOW_COLOUR = (217, 95, 2, 190)  # orange, a hue viridis does not use
HOME_COLOUR = "#0072B2"  # Okabe-Ito blue: owner at home in the home country
ABROAD_COLOUR = "#E69F00"  # Okabe-Ito orange: owner at home elsewhere
UNKNOWN_COLOUR = "#9E9E9E"
HATCH_COLOUR = (32, 32, 32, 150)
LEGAL_HOME_BAR_COLOUR = "#21918c"
SERVER_BAR_COLOUR = "#3b528b"
BAR_TRACK_COLOUR = "#ececec"
HEADER_BACKGROUND = "#dcdcdc"
STRIPE_BACKGROUND = "#f2f2f2"
LINK_COLOUR = "#1a4f8b"
NOTE_COLOUR = "#505050"

# Sizes of drawn things, in points.
MINIMUM_FLOW_POINTS = 0.6
MAXIMUM_FLOW_POINTS = 4.0
BORDER_POINTS = 0.25
HOME_OUTLINE_POINTS = 1.0
MARKER_POINTS = 4.0
HATCH_SPACING_POINTS = 2.5
BAR_WIDTH_POINTS = 60.0
BAR_HEIGHT_POINTS = 6.0
TIMELINE_HEIGHT_POINTS = 150.0
# A shape smaller than this many scene units cannot be seen on paper: it gets a marker.
SMALLEST_VISIBLE_SHAPE = 1.5
ANTARCTICA = "AQ"

# The one object type of this module's text objects, and the property holding a figure's index.
OBJECT_TYPE_OFFSET = 1
FIGURE_PROPERTY_OFFSET = 1

# Attributions that count as fact (the catalogue's, or a tracker list's naming a known company).


# The plan: plain elements, no Qt ------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A run of text in a paragraph; `link` makes it a hyperlink (shipped URLs only)."""

    text: str
    bold: bool = False
    link: str | None = None


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; `style` is one of title, headline, body, note."""

    spans: tuple[Span, ...]
    style: str = "body"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Bar:
    """A horizontal bar in a table cell: `share` of the column's largest value."""

    share: float
    colour: str


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # percent of the text width
    numeric: bool = False


Cell = str | Bar


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]


@dataclass(frozen=True)
class WorldMap:
    """A world map: countries shaded by value, the home outlined, arcs from home.

    The figure draws its own heading and caption, so that they never stay at the foot of a
    page while the map moves to the next (Qt's layout keeps no heading with what follows).
    """

    title: str
    caption: str
    legend_title: str
    values: Mapping[str, float]
    home: str | None
    flows: tuple[tuple[str, float], ...] = ()  # (destination, visits), from the home
    edges: frozenset[str] = frozenset()  # located only through anycast or CDN edges


@dataclass(frozen=True)
class Timeline:
    """Stacked bars per day or week: owner at home, abroad, unknown."""

    bars: tuple[tuple[str, int, int, int], ...]
    unit: str = "day"


Figure = WorldMap | Timeline | Bar
Element = Heading | Paragraph | Table | WorldMap | Timeline


def _p(*parts: str | Span, style: str = "body") -> Paragraph:
    return Paragraph(tuple(Span(part) if isinstance(part, str) else part for part in parts), style)


def _text(value: object) -> str:
    """A content value as text for a person: nothing for None."""
    return "" if value is None else str(value)


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int | float) else _text(value)


def _share(value: object) -> str:
    return f"{value:.0%}" if isinstance(value, int | float) else "–"


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _count(value: object) -> str:
    """A count of platforms, or their names should a report list them."""
    if isinstance(value, list | tuple):
        return ", ".join(_text(item) for item in value)
    return _number(value)


def _day(value: object) -> str:
    return _text(value)[:10]


def _place(code: object) -> str:
    """A country for a table cell: its name, with the code when the name is not known."""
    if not isinstance(code, str) or not code:
        return ""
    name = country_name(code, in_sentence=False)
    return name if name != code else code


def _host(entry: Mapping[str, Any]) -> str:
    """A host as a person reads it, and its ASCII form too when they differ (IDN)."""
    host = _text(entry.get("host"))
    display = _text(entry.get("host_display")) or host
    return f"{display} ({host})" if display != host else host


def _left_out(content: Mapping[str, Any], what: str, otherwise: str) -> Paragraph:
    """Why a list is empty: its redaction level took it out, or there was nothing."""
    level = _text(_dict(content.get("redaction")).get("level"))
    if level and level not in ("none", "paths"):
        return _p(f"{what} are left out at this report's redaction level ({level}).")
    return _p(otherwise)


def _more(shown: int, total: int, what: str) -> list[Element]:
    if total <= shown:
        return []
    return [_p(f"{total - shown:,} more {what} in the CSV or JSON export.", style="note")]


def _redaction_line(content: Mapping[str, Any]) -> Paragraph:
    redaction = _dict(content.get("redaction"))
    level = _text(redaction.get("level"))
    if not level:
        return _p(
            Span("Redaction: ", bold=True),
            "none recorded. This report may name every site, host and file path of the audit: "
            "treat it like your browsing history.",
        )
    description = _text(redaction.get("description"))
    return _p(Span("Redaction level: ", bold=True), Span(level, bold=True), f". {description}")


def _home_text(content: Mapping[str, Any]) -> str:
    code = content.get("home_country")
    if not code:
        return "unknown: without a home country no flow or law can be shown."
    how = {
        "set": "set by you (borderless scan --home, or the demo persona's)",
        "timezone": "guessed from the time zone of the computer that wrote the report",
        "locale": "guessed from the language settings of the computer that wrote the report",
    }.get(_text(content.get("home_country_source")), "decided in a way the report does not say")
    region = content.get("home_region")
    inside = f"; a member of the {region}" if region else ""
    return f"{country_name(code, in_sentence=False)} ({code}), {how}{inside}."


def _summary(content: Mapping[str, Any]) -> list[Element]:
    sentence, detail = headline(content)
    totals = _dict(content.get("totals"))
    period = _dict(content.get("period"))
    errors = totals.get("sources_with_errors") or 0
    facts = [
        ("Visits", _number(totals.get("visits", 0))),
        ("Visits you started", _number(totals.get("user_initiated_visits", 0))),
        ("Synced from other devices", _number(totals.get("synced_visits", 0))),
        ("Hosts", _number(totals.get("domains", 0))),
        ("Registrable domains", _number(totals.get("registrable_domains", 0))),
        (
            "Sources read",
            _number(totals.get("sources", 0)) + (f" ({errors:,} with errors)" if errors else ""),
        ),
        (
            "Period",
            f"{_day(period.get('first_visit'))} to {_day(period.get('last_visit'))}"
            f" ({_number(period.get('days', 0))} {'day' if period.get('days') == 1 else 'days'})"
            if period.get("first_visit")
            else "no visits",
        ),
        ("Home country", _home_text(content)),
    ]
    return [
        _p(TITLE, style="title"),
        _p(sentence, style="headline"),
        _p(detail),
        _redaction_line(content),
        Table(
            (Column("", 28), Column("", 72)),
            [(name, value) for name, value in facts],
        ),
    ]


def _legal_home_values(content: Mapping[str, Any]) -> dict[str, float]:
    return {code: float(visits) for code, visits in legal_home_visits(content).items()}


def _arcs(content: Mapping[str, Any], kind: str) -> tuple[tuple[str, float], ...]:
    home = content.get("home_country")
    return tuple(
        (flow["to"], float(flow.get("visits") or 0))
        for flow in _list(content.get("flows"))
        if flow.get("kind") == kind and flow.get("to") and flow.get("to") != home
    )


def _maps(content: Mapping[str, Any]) -> list[Element]:
    home = content.get("home_country")
    legal = _legal_home_values(content)
    rows = [row for row in _list(content.get("countries")) if row.get("country")]
    server = {row["country"]: float(row.get("visits") or 0) for row in rows}
    edges = frozenset(
        row["country"]
        for row in rows
        if row.get("visits") and row.get("edge_only_visits") == row["visits"]
    )
    legal_caption = (
        "Each country is shaded by the visits to platforms whose ultimate owner has its "
        "headquarters there: whose law reaches the data. Arcs run from the home country, wider "
        "for more visits."
    )
    if not legal:
        legal_caption += " No visit could be attributed to an owner yet."
    server_caption = (
        "Each country is shaded by the visits to hosts whose addresses a geolocation database "
        "places there: where the machines are. Hatched countries were seen only through anycast "
        "or CDN edges, which answer from near you, not from where data is kept."
    )
    if not server:
        server_caption += " No server was located: hosts were not resolved (offline), or not yet."
    return [
        WorldMap(
            "Where the companies are at home",
            legal_caption,
            "Visits by legal home:",
            legal,
            home,
            _arcs(content, "legal_home"),
        ),
        WorldMap(
            "Where the servers answered from",
            server_caption,
            "Visits by server country:",
            server,
            home,
            _arcs(content, "server"),
            edges,
        ),
    ]


def _legal_home_cell(entry: Mapping[str, Any]) -> str:
    home = entry.get("legal_home")
    attribution = entry.get("attribution")
    if attribution == "host_only" and entry.get("hosted_by"):
        return f"unknown (hosted by {entry['hosted_by']})"
    if not home:
        return "unknown"
    if attribution == "suggested":
        return f"{_place(home)}? (domain hint)"
    return _place(home)


def _platforms(content: Mapping[str, Any]) -> list[Element]:
    platforms = _list(content.get("platforms"))
    owners = _list(content.get("owners"))
    elements: list[Element] = [Heading("Platforms")]
    if platforms:
        elements.append(
            _p(
                "The services behind the hosts, most visited first. Owner is the ultimate parent "
                "company; its headquarters is the legal home. By you: the visits you started "
                "yourself. Seen in: history (visits), cookies, DNS (lookups)."
            )
        )
        rows: list[tuple[Cell, ...]] = []
        for platform in platforms[:PLATFORM_ROWS]:
            name = _text(platform.get("name"))
            if platform.get("tracks_without_visit"):
                name += " (cookies, never visited)"
            elif platform.get("background"):
                name += " (background only)"
            rows.append(
                (
                    name,
                    _text(platform.get("category")),
                    _text(platform.get("parent") or platform.get("operator")),
                    _legal_home_cell(platform),
                    _number(platform.get("visits", 0)),
                    _number(platform.get("user_initiated_visits", 0)),
                    " ".join(_text(code) for code in _list(platform.get("server_countries"))),
                    ", ".join(_text(kind) for kind in _list(platform.get("evidence"))),
                )
            )
        elements.append(
            Table(
                (
                    Column("Platform", 22),
                    Column("Category", 12),
                    Column("Owner", 17),
                    Column("Legal home", 12),
                    Column("Visits", 8, numeric=True),
                    Column("By you", 8, numeric=True),
                    Column("Servers", 9),
                    Column("Seen in", 12),
                ),
                rows,
            )
        )
        elements += _more(len(rows), len(platforms), "platforms")
    elif owners:
        elements.append(_p("This report names owners rather than platforms (its redaction level)."))
        owner_rows: list[tuple[Cell, ...]] = [
            (
                _text(owner.get("owner")),
                _place(owner.get("legal_home")) or "unknown",
                _number(owner.get("visits", 0)),
                _number(owner.get("user_initiated_visits", 0)),
                _count(owner.get("platforms")),
            )
            for owner in owners[:OWNER_ROWS]
        ]
        elements.append(
            Table(
                (
                    Column("Owner", 34),
                    Column("Legal home", 20),
                    Column("Visits", 12, numeric=True),
                    Column("By you", 12, numeric=True),
                    Column("Platforms", 22),
                ),
                owner_rows,
            )
        )
        elements += _more(len(owner_rows), len(owners), "owners")
    else:
        elements.append(
            _left_out(content, "Platforms and owners", "This report lists no platforms.")
        )
    return elements


def _categories(content: Mapping[str, Any]) -> list[Element]:
    categories = _list(content.get("categories"))
    elements: list[Element] = [Heading("Kinds of platform", level=2)]
    if not categories:
        return [*elements, _p("This report has no breakdown by kind of platform.")]
    rows: list[tuple[Cell, ...]] = [
        (
            _text(entry.get("category")) or "uncategorised",
            _number(entry.get("visits", 0)),
            _number(entry.get("user_initiated_visits", "")),
            _number(entry.get("abroad_visits", "")),
            _count(entry.get("platforms")),
        )
        for entry in categories
    ]
    return [
        *elements,
        Table(
            (
                Column("Kind", 32),
                Column("Visits", 17, numeric=True),
                Column("By you", 17, numeric=True),
                Column("Owners abroad", 17, numeric=True),
                Column("Platforms", 17, numeric=True),
            ),
            rows,
        ),
    ]


def _domains(content: Mapping[str, Any]) -> list[Element]:
    domains = _list(content.get("domains"))
    elements: list[Element] = [Heading("Hosts visited", level=2)]
    if not domains:
        return [*elements, _left_out(content, "Host names", "This report lists no hosts.")]
    rows: list[tuple[Cell, ...]] = [
        (
            _host(domain),
            _text(domain.get("platform")),
            _number(domain.get("visits", 0)),
            _number(domain.get("user_initiated_visits", 0)),
            " ".join(_text(code) for code in _list(domain.get("server_countries"))),
            _text(domain.get("resolution_status")),
        )
        for domain in domains[:DOMAIN_ROWS]
    ]
    return [
        *elements,
        Table(
            (
                Column("Host", 34),
                Column("Platform", 26),
                Column("Visits", 9, numeric=True),
                Column("By you", 9, numeric=True),
                Column("Servers", 10),
                Column("Resolution", 12),
            ),
            rows,
        ),
        *_more(len(rows), len(domains), "hosts"),
    ]


def _urls(content: Mapping[str, Any]) -> list[Element]:
    urls = _list(content.get("urls"))
    if not urls:
        return []  # only reports without redaction carry addresses
    rows: list[tuple[Cell, ...]] = [
        (_text(entry.get("url")), _number(entry.get("visits", 0))) for entry in urls[:URL_ROWS]
    ]
    return [
        Heading("Addresses visited", level=2),
        Table((Column("Address", 88), Column("Visits", 12, numeric=True)), rows),
        *_more(len(rows), len(urls), "addresses"),
    ]


def _countries(content: Mapping[str, Any]) -> list[Element]:
    """Per country: visits by legal home and by server location, with bars."""
    homes = legal_homes(content)
    legal = {code: visits for code, (visits, _) in homes.items()}
    server = {row["country"]: row for row in _list(content.get("countries")) if row.get("country")}
    codes = sorted(
        set(legal) | set(server),
        key=lambda code: (-max(legal.get(code, 0), server.get(code, {}).get("visits") or 0), code),
    )
    elements: list[Element] = [
        Heading("Countries"),
        _p(
            "Each country two ways. Owners here: the visits to platforms whose owner is at home "
            "there. Servers here: the visits to hosts whose servers answered from there."
        ),
    ]
    if not codes:
        return [*elements, _p("No visit could be placed in a country yet.")]
    most_legal = max(legal.values(), default=0) or 1
    most_server = max((row.get("visits") or 0 for row in server.values()), default=0) or 1
    rows: list[tuple[Cell, ...]] = []
    for code in codes[:COUNTRY_ROWS]:
        home_visits = legal.get(code, 0)
        located = server.get(code, {})
        server_visits = located.get("visits") or 0
        edge = (
            " (edges only)"
            if server_visits and located.get("edge_only_visits") == server_visits
            else ""
        )
        rows.append(
            (
                f"{_place(code)} ({code})" if _place(code) != code else code,
                _number(int(home_visits)),
                Bar(home_visits / most_legal, LEGAL_HOME_BAR_COLOUR),
                _number(homes[code][1]) if code in homes else "",
                _number(server_visits) + edge,
                Bar(server_visits / most_server, SERVER_BAR_COLOUR),
                _number(located.get("hosts", 0)) if located else "",
            )
        )
    return [
        *elements,
        Table(
            (
                Column("Country", 20),
                Column("Owners here", 13, numeric=True),
                Column("", 15),
                Column("Platforms", 11, numeric=True),
                Column("Servers here", 13, numeric=True),
                Column("", 15),
                Column("Hosts", 8, numeric=True),
            ),
            rows,
        ),
        *_more(len(rows), len(codes), "countries"),
    ]


def _timeline(content: Mapping[str, Any]) -> list[Element]:
    days = _list(content.get("timeline"))
    unit = "week" if content.get("timeline_unit") == "week" else "day"
    elements: list[Element] = [Heading("Timeline")]
    if not days:
        return [*elements, _p("This report has no timeline.")]
    bars = tuple(
        (
            _text(day.get("day")),
            int(day.get("home") or 0),
            int(day.get("abroad") or 0),
            int(day.get("unknown") or 0),
        )
        for day in days
    )
    return [
        *elements,
        _p(
            f"Visits per {unit}: to platforms whose owner is at home in your country, abroad, or "
            "not known."
        ),
        Timeline(bars, unit),
    ]


def _law_spans(law: Mapping[str, Any]) -> list[Element]:
    citation = ", ".join(
        part
        for part in (
            _text(law.get("instrument")),
            _text(law.get("articles")),
            _text(law.get("year")),
        )
        if part
    )
    link = _text(law.get("link"))
    spans = [Span(_text(law.get("name")), bold=True)]
    if citation:
        spans.append(Span(f" ({citation})"))
    elements: list[Element] = [Paragraph(tuple(spans))]
    note: list[Span] = []
    if law.get("summary"):
        note.append(Span(_text(law.get("summary")) + " "))
    if link:
        safe = link if link.startswith(("https://", "http://")) else None
        note.append(Span(link, link=safe))
    if note:
        elements.append(Paragraph(tuple(note), "note"))
    return elements


def _laws(content: Mapping[str, Any]) -> list[Element]:
    home = content.get("home_country")
    elements: list[Element] = [
        Heading("The law on both sides"),
        _p(
            "For the largest flows abroad: the home country's rules on sending personal data "
            "abroad, and the destination's laws that let its authorities reach data held by "
            "companies under its jurisdiction. A guide, not legal advice: each law links to its "
            "official text."
        ),
    ]
    if not home:
        return [*elements, _p("The home country is unknown, so no flow can be described.")]
    chosen: dict[str, dict[str, Any]] = {}
    visits: dict[tuple[str, str], int] = {}
    for flow in _list(content.get("flows")):
        destination = flow.get("to")
        if not destination or destination == home or not flow.get("is_transfer", True):
            continue
        visits[(destination, _text(flow.get("kind")))] = flow.get("visits") or 0
        best = chosen.get(destination)
        if best is None or (flow.get("visits") or 0) > (best.get("visits") or 0):
            chosen[destination] = flow
    top = sorted(chosen.values(), key=lambda flow: -(flow.get("visits") or 0))[:LAW_FLOWS]
    if not top:
        return [*elements, _p("No data was found going abroad.")]
    shown_home_rules: list[Any] | None = None
    for flow in top:
        destination = flow["to"]
        elements.append(
            Heading(
                f"{_place(home) or home} → {_place(destination) or destination}",
                level=2,
            )
        )
        counts = []
        if (destination, "legal_home") in visits:
            counts.append(
                f"{visits[(destination, 'legal_home')]:,} visits to platforms whose owner is at "
                "home there"
            )
        if (destination, "server") in visits:
            counts.append(f"{visits[(destination, 'server')]:,} visits answered from servers there")
        sentence = "; ".join(counts) + ". " if counts else ""
        sentence += _text(flow.get("explanation"))
        if flow.get("region"):
            sentence += f" Both are in the {flow['region']}: not a transfer under its law."
        elif flow.get("adequate") is True:
            sentence += f" {country_name(home, in_sentence=False)} recognises it as adequate."
        elif flow.get("adequate") is False:
            sentence += " It is not recognised as adequate."
        elements.append(_p(sentence))
        home_rules = _list(flow.get("origin_localisation")) + _list(
            flow.get("origin_transfer_rules")
        )
        elements.append(_p(Span(f"In {country_name(home)} (sending data abroad):", bold=True)))
        if not home_rules:
            elements.append(_p("No rule in the law table.", style="note"))
        elif home_rules == shown_home_rules:
            names = ", ".join(_text(law.get("name")) for law in home_rules)
            elements.append(_p(f"The same as above: {names}.", style="note"))
        else:
            for law in home_rules:
                elements += _law_spans(law)
            shown_home_rules = home_rules
        access = _list(flow.get("destination_access_laws"))
        elements.append(
            _p(Span(f"In {country_name(destination)} (authorities' reach):", bold=True))
        )
        if not access:
            elements.append(_p("No such law in the law table.", style="note"))
        for law in access:
            elements += _law_spans(law)
    return elements


def _background(content: Mapping[str, Any]) -> list[Element]:
    hosts = _list(content.get("dns_hosts"))
    clients = _list(content.get("dns_clients"))
    elements: list[Element] = [Heading("Background traffic and devices")]
    if not hosts and not clients:
        return [
            *elements,
            _p(
                "No DNS evidence was read (a Pi-hole, AdGuard Home or dnsmasq log, or a capture), "
                "so lookups made outside the browsers are not shown."
            ),
        ]
    # A report without host names (its redaction level) still counts the devices' lookups.
    counted = hosts or clients
    lookups = sum(entry.get("lookups") or 0 for entry in counted)
    blocked = sum(entry.get("blocked") or 0 for entry in counted)
    background = [p for p in _list(content.get("platforms")) if p.get("background")]
    seen = f"{len(hosts):,} hosts looked up" if hosts else "lookups"
    elements.append(
        _p(
            f"DNS evidence shows {seen} {lookups:,} times ({blocked:,} refused by a filter: no "
            f"data sent). {len(background):,} platforms were only looked up, never visited: apps, "
            "page scripts or other devices reach them in the background."
        )
    )
    if not hosts:
        elements.append(_left_out(content, "Host names", "No host is listed."))
    if clients:
        elements += [
            Heading("Devices", level=2),
            _p(
                "Each device asking the home network's resolver: its lookups, those a filter "
                "blocked, the hosts it asked for and how many of them no browser visited, and the "
                "share of its lookups for platforms whose owner is at home abroad.",
                style="note",
            ),
        ]
        rows: list[tuple[Cell, ...]] = [
            (
                _text(client.get("client")) or "not recorded",
                _number(client.get("lookups", 0)),
                _number(client.get("blocked", 0)),
                _number(client.get("hosts", 0)),
                _number(client.get("background_hosts", 0)),
                _share(client.get("abroad_share")),
                ", ".join(
                    f"{_text(entry.get('platform'))} ({_number(entry.get('lookups', 0))})"
                    for entry in _list(client.get("platforms"))
                ),
            )
            for client in clients[:DEVICE_ROWS]
        ]
        elements += [
            Table(
                (
                    Column("Device", 15),
                    Column("Lookups", 10, numeric=True),
                    Column("Blocked", 9, numeric=True),
                    Column("Hosts", 8, numeric=True),
                    Column("Unvisited", 10, numeric=True),
                    Column("Abroad", 9, numeric=True),
                    Column("Most looked-up platforms", 39),
                ),
                rows,
            ),
            *_more(len(rows), len(clients), "devices"),
        ]
    if background:
        elements.append(Heading("Platforms reached only in the background", level=2))
        rows = [
            (
                _text(platform.get("name")),
                _text(platform.get("parent") or platform.get("operator")),
                _legal_home_cell(platform),
                _number(platform.get("dns_lookups", 0)),
                _number(platform.get("blocked_lookups", 0)),
            )
            for platform in background[:HOST_ROWS]
        ]
        elements += [
            Table(
                (
                    Column("Platform", 34),
                    Column("Owner", 24),
                    Column("Legal home", 18),
                    Column("Lookups", 12, numeric=True),
                    Column("Blocked", 12, numeric=True),
                ),
                rows,
            ),
            *_more(len(rows), len(background), "background platforms"),
        ]
    if hosts:
        elements.append(Heading("Hosts looked up", level=2))
        rows = [
            (
                _host(host),
                _number(host.get("lookups", 0)),
                _number(host.get("blocked", 0)),
                ", ".join(_text(client) for client in _list(host.get("clients"))),
            )
            for host in hosts[:HOST_ROWS]
        ]
        elements += [
            Table(
                (
                    Column("Host", 46),
                    Column("Lookups", 12, numeric=True),
                    Column("Blocked", 12, numeric=True),
                    Column("Devices", 30),
                ),
                rows,
            ),
            *_more(len(rows), len(hosts), "hosts"),
        ]
    return elements


def _cookies(content: Mapping[str, Any]) -> list[Element]:
    hosts = _list(content.get("cookie_hosts"))
    platforms = _list(content.get("platforms"))
    elements: list[Element] = [Heading("Cookies")]
    # Without host names (the redaction level), the platforms still count their cookies.
    total = sum(host.get("cookies") or 0 for host in hosts or platforms)
    if not total:
        return [*elements, _p("No cookie jar was read, or it held no cookies.")]
    trackers = [p for p in platforms if p.get("tracks_without_visit")]
    if hosts:
        persistent = sum(1 for host in hosts if host.get("persistent"))
        kept = f"for {len(hosts):,} hosts ({persistent:,} of them outlive the session)"
    else:
        kept = f"for {sum(1 for p in platforms if p.get('cookies')):,} platforms"
    elements.append(
        _p(
            f"The browsers keep {total:,} cookies {kept}. {len(trackers):,} platforms keep "
            "cookies although you never visited them: the strongest sign of tracking. Cookie "
            "names and values are never read."
        )
    )
    if trackers:
        rows: list[tuple[Cell, ...]] = [
            (
                _text(platform.get("name")),
                _text(platform.get("parent") or platform.get("operator")),
                _legal_home_cell(platform),
                _number(platform.get("cookies", 0)),
            )
            for platform in trackers[:HOST_ROWS]
        ]
        elements += [
            Heading("Platforms with cookies but no visit", level=2),
            Table(
                (
                    Column("Platform", 36),
                    Column("Owner", 28),
                    Column("Legal home", 22),
                    Column("Cookies", 14, numeric=True),
                ),
                rows,
            ),
            *_more(len(rows), len(trackers), "platforms"),
        ]
    if not hosts:
        return [*elements, _left_out(content, "Host names", "No host is listed.")]
    rows = [
        (
            _host(host),
            _number(host.get("cookies", 0)),
            "yes" if host.get("persistent") else "no",
            _day(host.get("last_accessed")),
        )
        for host in hosts[:HOST_ROWS]
    ]
    return [
        *elements,
        Heading("Hosts with cookies", level=2),
        Table(
            (
                Column("Host", 52),
                Column("Cookies", 14, numeric=True),
                Column("Persistent", 16),
                Column("Last used", 18),
            ),
            rows,
        ),
        *_more(len(rows), len(hosts), "hosts"),
    ]


def _sources(content: Mapping[str, Any]) -> list[Element]:
    sources = _list(content.get("sources"))
    elements: list[Element] = [Heading("Sources and blind spots")]
    if sources:
        rows: list[tuple[Cell, ...]] = [
            (
                f"{_text(source.get('browser'))}: {_text(source.get('profile'))}",
                _text(source.get("kind")),
                _number(source.get("records", 0)),
                _day(source.get("last_scanned_at")),
                _text(source.get("status"))
                + (f": {source['error']}" if source.get("error") else ""),
                _text(source.get("path")),
            )
            for source in sources
        ]
        elements.append(
            Table(
                (
                    Column("Source", 22),
                    Column("Kind", 10),
                    Column("Records", 10, numeric=True),
                    Column("Scanned", 11),
                    Column("Status", 15),
                    Column("File", 32),
                ),
                rows,
            )
        )
    else:
        elements.append(_p("This report lists no sources."))
    spots = _list(content.get("blind_spots"))
    if spots:
        elements.append(
            _p(
                "Blind spots: these browsers send their DNS lookups over HTTPS, so local DNS logs "
                "and captures miss them."
            )
        )
        for spot in spots:
            elements.append(
                _p(
                    f"{_text(spot.get('browser'))}: {_text(spot.get('profile'))}: "
                    f"{_text(spot.get('problem'))}",
                    style="note",
                )
            )
    else:
        elements.append(_p("No blind spot found: no browser read has DNS over HTTPS on."))
    return elements


def _resolution(content: Mapping[str, Any]) -> list[Element]:
    resolution = _dict(content.get("resolution"))
    elements: list[Element] = [Heading("Resolution")]
    if not resolution:
        return [*elements, _p("This report does not say how hosts were resolved.")]
    not_resolved = _dict(resolution.get("not_resolved"))
    reasons = ", ".join(f"{_text(status)} {_number(n)}" for status, n in not_resolved.items())
    resolvers = ", ".join(_text(name) for name in _list(resolution.get("resolvers")))
    elements.append(
        _p(
            f"{_number(resolution.get('hosts', 0))} hosts: {_number(resolution.get('resolved', 0))}"
            f" resolved to an address, {_number(resolution.get('located', 0))} located in a "
            "country"
            + (f"; not resolved: {reasons}" if reasons else "")
            + ". "
            + (f"Resolvers asked: {resolvers}." if resolvers else "No resolver was asked.")
        )
    )
    for database in _list(resolution.get("databases")):
        elements.append(
            _p(
                Span(_text(database.get("name")), bold=True),
                f" (built {_text(database.get('built')) or 'on an unknown date'}): "
                f"{_text(database.get('description'))}",
                style="note",
            )
        )
    return elements


def _methods(content: Mapping[str, Any]) -> list[Element]:
    generator = _dict(content.get("generator"))
    reviewed = sorted(
        {_text(law.get("reviewed")) for law in _dict(content.get("laws")).values() if law} - {""}
    )
    law_date = f", entries reviewed {reviewed[0]} to {reviewed[-1]}" if reviewed else ""
    return [
        Heading("Methods and attributions"),
        _p(
            "A visit is one navigation a browser recorded in its history; a redirect chain counts "
            "once, at its final page. Visits you started exclude reloads, redirects, frames and "
            "visits synced from other devices. The legal home is the headquarters country of a "
            "platform's ultimate parent, from the Borderless ownership catalogue; the server "
            "country is where a geolocation database places a host's addresses. The two answer "
            "different questions: whose law reaches the data, and where the machines are."
        ),
        _p(
            Span("Geolocation: ", bold=True),
            "country data by ip-location-db (geo-whois-asn-country) from the Number Resource "
            "Organization (nro.net); AS data by ip-location-db (asn) from RouteViews "
            "(routeviews.org), the NRO and DB-IP (IP Geolocation by DB-IP, db-ip.com); both under "
            "CC BY 4.0 (",
            Span(
                "https://creativecommons.org/licenses/by/4.0/",
                link="https://creativecommons.org/licenses/by/4.0/",
            ),
            ").",
        ),
        _p(
            Span("Map: ", bold=True),
            "Natural Earth 1:50m (public domain) through world-atlas 2.0.2 (ISC, Mike Bostock); "
            "Equal Earth projection.",
        ),
        _p(
            Span("Trackers: ", bold=True),
            "third-party-web 0.30.0, © 2019 Patrick Hulce, MIT.",
        ),
        _p(
            Span("Ownership and law: ", bold=True),
            "written by the Borderless developers from public sources, each fact with its source "
            f"and the date it was checked (resources/ownership, resources/law{law_date}). The law "
            "summaries are a guide, not legal advice.",
        ),
        _p(
            f"Written by {_text(generator.get('name')) or 'Borderless'} "
            f"{_text(generator.get('version'))} at {_text(content.get('generated_at'))} "
            f"(report format {_text(content.get('schema'))}).",
            style="note",
        ),
    ]


def plan(content: Mapping[str, Any]) -> list[Element]:
    """The report's elements in reading order, from the content dict (no Qt).

    Every section of the content may be missing or empty; a short sentence then says so.
    """
    return [
        *_summary(content),
        *_maps(content),
        *_platforms(content),
        *_categories(content),
        *_domains(content),
        *_urls(content),
        *_countries(content),
        *_timeline(content),
        *_laws(content),
        *_background(content),
        *_cookies(content),
        *_sources(content),
        *_resolution(content),
        *_methods(content),
    ]


# The map's geometry, without Qt ---------------------------------------------------------------


@functools.cache
def _world_bounds() -> tuple[float, float, float, float]:
    """The (left, top, right, bottom) of every shape but Antarctica, in scene units."""
    xs: list[float] = []
    ys: list[float] = []
    for code, shape in worldmap.load_countries().items():
        if code == ANTARCTICA:
            continue
        for ring in shape.rings:
            xs += (x for x, _ in ring)
            ys += (y for _, y in ring)
    return min(xs), min(ys), max(xs), max(ys)


def _legend_entries(figure: WorldMap) -> list[tuple[str, str, str]]:
    """(kind, colour, label) from left to right: the title, steps low to high, no data, then
    the marks."""
    classes = worldmap.classify(figure.values.values())
    colours = worldmap.step_colours(len(classes.lower_bounds))
    entries = [("title", "", figure.legend_title)]
    entries += [
        ("swatch", colour, label) for colour, label in zip(colours, classes.labels(), strict=True)
    ]
    entries.append(("swatch", NO_DATA_COLOUR, "No data"))
    if figure.home:
        entries.append(("home", "", f"Home ({figure.home})"))
    if figure.edges:
        entries.append(("hatch", "", "Edge servers only (anycast, CDN)"))
    if any(visits > 0 for _, visits in figure.flows):
        entries.append(("flow", "", "Visits from home (width)"))
    return entries


# Drawing with Qt ---------------------------------------------------------------------------


def _font(points: float, bold: bool = False) -> QFont:
    from PySide6.QtGui import QFont

    font = QFont(FONT_FAMILY)
    font.setPointSizeF(points)
    font.setBold(bold)
    # No ligatures: text copied from the PDF (or searched in it) must read "Netflix", not
    # "Net\ufb02ix" with the single fl glyph.
    for tag in ("liga", "clig"):
        font.setFeature(QFont.Tag(tag), 0)
    return font


def _legend_layout(
    entries: list[tuple[str, str, str]], width: float, unit: float, device: Any
) -> tuple[list[tuple[float, float]], float]:
    """Positions of the legend entries from the left of the strip, wrapping to new lines.

    `unit` is a point in device units. Returns the positions and the strip's height.
    """
    from PySide6.QtGui import QFontMetricsF

    regular = QFontMetricsF(_font(FIGURE_POINTS), device)
    bold = QFontMetricsF(_font(FIGURE_POINTS, bold=True), device)
    swatch = 12 * unit
    gap = 4 * unit
    line = 11 * unit
    x = y = 0.0
    positions = []
    for kind, _, label in entries:
        if kind == "title":
            entry_width = bold.horizontalAdvance(label) + 2 * gap
        else:
            entry_width = swatch + gap + regular.horizontalAdvance(label) + 3 * gap
        if x and x + entry_width > width:
            x, y = 0.0, y + line
        positions.append((x, y))
        x += entry_width
    return positions, y + line + 2 * unit


def _country_paths() -> dict[str, QPainterPath]:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QPainterPath, QPolygonF

    paths = {}
    for code, shape in worldmap.load_countries().items():
        if not shape.rings or code == ANTARCTICA:
            continue
        path = QPainterPath()
        # The even-odd rule turns rings inside rings into holes.
        path.setFillRule(Qt.FillRule.OddEvenFill)
        for ring in shape.rings:
            path.addPolygon(QPolygonF([QPointF(x, y) for x, y in ring]))
            path.closeSubpath()
        paths[code] = path
    return paths


@dataclass(frozen=True)
class _MapLayout:
    """The heights of a map figure's parts, in device units, from the top."""

    heading: float
    caption: float
    map: float
    legend: float

    @property
    def total(self) -> float:
        return self.heading + self.caption + self.map + self.legend


def _map_layout(figure: WorldMap, width: float, unit: float, device: Any) -> _MapLayout:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QFontMetricsF

    left, top, right, bottom = _world_bounds()
    heading = QFontMetricsF(_font(HEADING_POINTS[1], bold=True), device)
    caption = QFontMetricsF(_font(BODY_POINTS), device)
    wrapped = caption.boundingRect(
        QRectF(0, 0, width, 1e6), Qt.TextFlag.TextWordWrap.value, figure.caption
    )
    _, legend_height = _legend_layout(_legend_entries(figure), width, unit, device)
    return _MapLayout(
        heading=HEADING_POINTS[1] * 1.2 * unit + heading.height() + 3 * unit,
        caption=wrapped.height() + 4 * unit,
        map=width * (bottom - top) / (right - left),
        legend=legend_height + 4 * unit,
    )


def _map_size(figure: WorldMap, width: float, unit: float, device: Any) -> QSizeF:
    from PySide6.QtCore import QSizeF

    return QSizeF(width, _map_layout(figure, width, unit, device).total)


def _hatch(painter: QPainter, bounds: QRectF, pen: QPen, spacing: float) -> None:
    """Diagonal lines over `bounds` (the caller clips them to a shape): vector, unlike Qt's
    pattern brushes, which a PDF keeps as images."""
    from PySide6.QtCore import QLineF, QPointF

    painter.setPen(pen)
    offset = -bounds.height()
    while offset < bounds.width():
        start = QPointF(bounds.left() + offset, bounds.bottom())
        painter.drawLine(QLineF(start, start + QPointF(bounds.height(), -bounds.height())))
        offset += spacing


def _paint_map(
    painter: QPainter,
    rect: QRectF,
    figure: WorldMap,
    paths: dict[str, QPainterPath],
    unit: float,
) -> None:
    """The heading and caption, then countries by value class (viridis steps, grey for none),
    the home outlined, edge-only countries hatched, arcs from home by the square root of
    visits, and the legend in a strip below."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QPainterPath, QPen

    parts = _map_layout(figure, rect.width(), unit, painter.device())
    painter.save()
    painter.setPen(QColor("#000000"))
    heading_font = _font(HEADING_POINTS[1], bold=True)
    painter.setFont(heading_font)
    heading_top = rect.top() + HEADING_POINTS[1] * 1.2 * unit
    painter.drawText(
        QRectF(rect.left(), heading_top, rect.width(), parts.heading),
        Qt.AlignmentFlag.AlignLeft.value | Qt.AlignmentFlag.AlignTop.value,
        figure.title,
    )
    painter.setFont(_font(BODY_POINTS))
    painter.drawText(
        QRectF(rect.left(), rect.top() + parts.heading, rect.width(), parts.caption),
        Qt.TextFlag.TextWordWrap.value | Qt.AlignmentFlag.AlignTop.value,
        figure.caption,
    )
    painter.restore()

    left, top, right, bottom = _world_bounds()
    scale = rect.width() / (right - left)
    map_top = rect.top() + parts.heading + parts.caption
    classes = worldmap.classify(figure.values.values())
    colours = worldmap.step_colours(len(classes.lower_bounds))
    shapes = worldmap.load_countries()

    def colour_of(code: str) -> QColor:
        index = classes.index(figure.values.get(code, 0))
        return QColor(NO_DATA_COLOUR if index is None else colours[index])

    painter.save()
    painter.setRenderHint(painter.RenderHint.Antialiasing)
    painter.translate(rect.left() - left * scale, map_top - top * scale)
    painter.scale(scale, scale)
    # Pens are given in points; the painter's scale would otherwise multiply them.
    per_point = unit / scale
    border = QPen(QColor(BORDER_COLOUR), BORDER_POINTS * per_point)
    border.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(border)
    for code, path in paths.items():
        painter.setBrush(colour_of(code))
        painter.drawPath(path)

    if figure.edges:
        hatch = QPen(QColor(*HATCH_COLOUR), 0.4 * per_point)
        spacing = HATCH_SPACING_POINTS * per_point
        for code in sorted(figure.edges):
            edge_path = paths.get(code)
            if edge_path is not None:
                painter.save()
                painter.setClipPath(edge_path)
                _hatch(painter, edge_path.boundingRect(), hatch, spacing)
                painter.restore()

    outline = QPen(QColor(HOME_OUTLINE_COLOUR), HOME_OUTLINE_POINTS * per_point)
    outline.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if figure.home in paths:
        # Drawn last among the shapes, or neighbours would cover half of its outline.
        painter.setPen(outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(paths[figure.home])

    # A dot for each place with a value (or the home) whose shape is too small to see.
    marked = set(figure.values) | ({figure.home} if figure.home else set())
    radius = MARKER_POINTS / 2 * per_point
    for code in sorted(marked):
        shape = shapes.get(code)
        if shape is None or figure.values.get(code, 0) <= 0 and code != figure.home:
            continue
        country = paths.get(code)
        if country is not None:
            bounds = country.boundingRect()
            if max(bounds.width(), bounds.height()) >= SMALLEST_VISIBLE_SHAPE:
                continue
        pen = QPen(QColor(HOME_OUTLINE_COLOUR), (1.0 if code == figure.home else 0.5) * per_point)
        painter.setPen(pen)
        painter.setBrush(colour_of(code))
        painter.drawEllipse(QPointF(*shape.point), radius, radius)

    origin = shapes.get(figure.home or "")
    drawable = [
        (shapes[destination], visits)
        for destination, visits in figure.flows
        if origin is not None
        and destination in shapes
        and destination != figure.home
        and visits > 0
    ]
    most = max((visits for _, visits in drawable), default=0.0)
    if origin is not None:
        for destination_shape, visits in drawable:
            # Width by the square root of visits, so the area of ink follows the count.
            points = MINIMUM_FLOW_POINTS + (MAXIMUM_FLOW_POINTS - MINIMUM_FLOW_POINTS) * math.sqrt(
                visits / most
            )
            pen = QPen(QColor(*FLOW_COLOUR), points * per_point)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            arc = QPainterPath(QPointF(*origin.point))
            control = worldmap.arc_control(origin.point, destination_shape.point)
            arc.quadTo(QPointF(*control), QPointF(*destination_shape.point))
            painter.drawPath(arc)
    painter.restore()
    _paint_legend(painter, rect.left(), map_top + parts.map + 4 * unit, rect.width(), figure, unit)


def _paint_legend(
    painter: QPainter, left: float, top: float, width: float, figure: WorldMap, unit: float
) -> None:
    """The legend strip: its title, the colour steps with their ranges, no data, the marks."""
    from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPen

    painter.save()
    font = _font(FIGURE_POINTS)
    metrics = QFontMetricsF(font, painter.device())
    entries = _legend_entries(figure)
    positions, _ = _legend_layout(entries, width, unit, painter.device())
    swatch_width, swatch_height = 12 * unit, 7 * unit
    for (kind, colour, label), (x, y) in zip(entries, positions, strict=True):
        box = QRectF(left + x, top + y, swatch_width, swatch_height)
        baseline = box.center().y() + (metrics.ascent() - metrics.descent()) / 2
        if kind == "title":
            bold = _font(FIGURE_POINTS, bold=True)
            painter.setFont(bold)
            painter.setPen(QColor("#202020"))
            painter.drawText(QPointF(box.left(), baseline), label)
            painter.setFont(font)
            continue
        painter.setPen(QPen(QColor("#808080"), 0.4 * unit))
        if kind == "swatch":
            painter.setBrush(QColor(colour))
            painter.drawRect(box)
        elif kind == "home":
            painter.setPen(QPen(QColor(HOME_OUTLINE_COLOUR), HOME_OUTLINE_POINTS * unit))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
        elif kind == "hatch":
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
            painter.save()
            painter.setClipRect(box)
            _hatch(
                painter, box, QPen(QColor(*HATCH_COLOUR), 0.4 * unit), HATCH_SPACING_POINTS * unit
            )
            painter.restore()
        else:
            pen = QPen(QColor(*FLOW_COLOUR), 2.0 * unit)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            middle = box.center().y()
            painter.drawLine(QLineF(box.left(), middle, box.right(), middle))
        painter.setBrush(QBrush())
        painter.setPen(QColor("#202020"))
        painter.drawText(QPointF(box.right() + 4 * unit, baseline), label)
    painter.restore()


def _paint_timeline(painter: QPainter, rect: QRectF, figure: Timeline, unit: float) -> None:
    """Stacked bars (home, abroad, unknown) over a value axis, with first and last dates."""
    from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFontMetricsF, QPen

    painter.save()
    font = _font(FIGURE_POINTS)
    painter.setFont(font)
    metrics = QFontMetricsF(font, painter.device())
    highest = max((home + abroad + unknown for _, home, abroad, unknown in figure.bars), default=0)
    axis_label = f"{highest:,}"
    plot = QRectF(rect).adjusted(
        metrics.horizontalAdvance(axis_label) + 4 * unit,
        metrics.height(),
        0,
        -(2 * metrics.height() + 6 * unit),
    )
    painter.setPen(QPen(QColor("#808080"), 0.4 * unit))
    painter.drawLine(QLineF(plot.bottomLeft(), plot.bottomRight()))
    painter.drawLine(QLineF(plot.bottomLeft(), plot.topLeft()))
    painter.setPen(QColor("#202020"))
    painter.drawText(QPointF(rect.left(), plot.top() + metrics.ascent() / 2), axis_label)
    painter.drawText(
        QPointF(plot.left() - 4 * unit - metrics.horizontalAdvance("0"), plot.bottom()), "0"
    )
    count = len(figure.bars)
    if count and highest:
        slot = plot.width() / count
        gap = slot * 0.15 if slot > 2 * unit else 0.0
        painter.setPen(Qt.PenStyle.NoPen)
        for index, (_, *parts) in enumerate(figure.bars):
            x = plot.left() + index * slot + gap / 2
            y = plot.bottom()
            for value, colour in zip(
                parts, (HOME_COLOUR, ABROAD_COLOUR, UNKNOWN_COLOUR), strict=True
            ):
                if value <= 0:
                    continue
                height = plot.height() * value / highest
                painter.setBrush(QColor(colour))
                painter.drawRect(QRectF(x, y - height, slot - gap, height))
                y -= height
    painter.setPen(QColor("#202020"))
    labels_y = plot.bottom() + metrics.ascent() + 2 * unit
    if figure.bars:
        first, last = figure.bars[0][0], figure.bars[-1][0]
        painter.drawText(QPointF(plot.left(), labels_y), first)
        if count > 1:
            painter.drawText(
                QPointF(plot.right() - metrics.horizontalAdvance(last), labels_y), last
            )
    # The key, under the dates.
    x = plot.left()
    key_y = labels_y + metrics.height() + 2 * unit
    for colour, label in (
        (HOME_COLOUR, "Owner at home"),
        (ABROAD_COLOUR, "Owner abroad"),
        (UNKNOWN_COLOUR, "Owner not known"),
    ):
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRect(QRectF(x, key_y - 6 * unit, 10 * unit, 6 * unit))
        painter.setPen(QColor("#202020"))
        painter.drawText(QPointF(x + 13 * unit, key_y), label)
        x += 13 * unit + metrics.horizontalAdvance(label) + 12 * unit
    painter.restore()


def _paint_bar(painter: QPainter, rect: QRectF, figure: Bar) -> None:
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor

    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(BAR_TRACK_COLOUR))
    painter.drawRect(rect)
    share = min(max(figure.share, 0.0), 1.0)
    if share > 0:
        painter.setBrush(QColor(figure.colour))
        painter.drawRect(
            QRectF(rect.left(), rect.top(), max(rect.width() * share, 0.5), rect.height())
        )
    painter.restore()


@functools.cache
def _figure_handler_class() -> type[Any]:
    """The text object handler's class: made on first use, when Qt may be imported."""
    from PySide6.QtCore import QRectF, QSizeF
    from PySide6.QtGui import QPyTextObject, QTextFormat

    figure_property = QTextFormat.Property.UserProperty + FIGURE_PROPERTY_OFFSET

    class FigureHandler(QPyTextObject):
        """Sizes and paints the figures (maps, the timeline, bars) inside the document."""

        def __init__(
            self, figures: list[Figure], unit: float, width: float, parent: QObject
        ) -> None:
            super().__init__(parent)
            # The builder's own list: figures are added to it while the document is written.
            self.figures = figures
            self.unit = unit  # a point, in the writer's device units
            self.width = width  # between the page margins, in device units
            self.failure: BaseException | None = None
            self._paths: dict[str, QPainterPath] | None = None

        def _figure(self, text_format: QTextFormat) -> Figure:
            return self.figures[int(text_format.property(figure_property))]

        # An exception escaping a virtual method called from C++ crashes the process: both
        # overrides keep it for `render` to raise once Qt is done.

        def intrinsicSize(  # noqa: N802 - Qt's name
            self, document: QTextDocument, position: int, text_format: QTextFormat
        ) -> QSizeF:
            try:
                return self._size(document, self._figure(text_format))
            except Exception as error:  # raised again by render
                self.failure = self.failure or error
                return QSizeF(0, 0)

        def drawObject(  # noqa: N802 - Qt's name
            self,
            painter: QPainter,
            rect: QRectF | QRect,
            document: QTextDocument,
            position: int,
            text_format: QTextFormat,
        ) -> None:
            try:
                self._paint(painter, QRectF(rect), self._figure(text_format))
            except Exception as error:  # raised again by render
                self.failure = self.failure or error

        def _size(self, document: QTextDocument, figure: Figure) -> QSizeF:
            if isinstance(figure, Bar):
                return QSizeF(BAR_WIDTH_POINTS * self.unit, BAR_HEIGHT_POINTS * self.unit)
            if isinstance(figure, Timeline):
                return QSizeF(self.width, TIMELINE_HEIGHT_POINTS * self.unit)
            device = document.documentLayout().paintDevice()
            return _map_size(figure, self.width, self.unit, device)

        def _paint(self, painter: QPainter, rect: QRectF, figure: Figure) -> None:
            if isinstance(figure, Bar):
                _paint_bar(painter, rect, figure)
            elif isinstance(figure, Timeline):
                _paint_timeline(painter, rect, figure, self.unit)
            else:
                if self._paths is None:
                    self._paths = _country_paths()
                _paint_map(painter, rect, figure, self._paths, self.unit)

    return FigureHandler


class _Builder:
    """Writes the plan into a QTextDocument, as plain text only (never markup)."""

    def __init__(self, document: QTextDocument) -> None:
        from PySide6.QtGui import QTextCursor, QTextFormat

        self.cursor: QTextCursor = QTextCursor(document)
        self.figures: list[Figure] = []
        self.object_type = QTextFormat.ObjectTypes.UserObject + OBJECT_TYPE_OFFSET
        self.figure_property = QTextFormat.Property.UserProperty + FIGURE_PROPERTY_OFFSET
        self.first_block = True
        # Headings to keep on the page of what they introduce: (the heading's position, the
        # table it heads or the position of its figure's block).
        self.kept: list[tuple[int, QTextTable | int]] = []
        self._heading: int | None = None  # a heading waiting for its table or figure
        self._paragraphs_since = 0

    def char_format(
        self, points: float, bold: bool = False, colour: str | None = None
    ) -> QTextCharFormat:
        from PySide6.QtGui import QColor, QTextCharFormat

        char_format = QTextCharFormat()
        char_format.setFont(_font(points, bold))
        if colour:
            char_format.setForeground(QColor(colour))
        return char_format

    def block(self, top: float, bottom: float) -> None:
        """Start a block (the document's first block is already there) with these margins."""
        from PySide6.QtGui import QTextBlockFormat

        block_format = QTextBlockFormat()
        block_format.setTopMargin(top)
        block_format.setBottomMargin(bottom)
        if self.first_block:
            self.cursor.setBlockFormat(block_format)
            self.first_block = False
        else:
            self.cursor.insertBlock(block_format)

    def add(self, element: Element) -> None:
        if isinstance(element, Heading):
            points = HEADING_POINTS.get(element.level, HEADING_POINTS[2])
            self.block(points * 1.2, points * 0.3)
            # A section's heading, its intro and a sub-heading go with the table after them.
            if self._heading is None or self._paragraphs_since > 1:
                self._heading = self.cursor.block().position()
            self._paragraphs_since = 0
            self.cursor.insertText(element.text, self.char_format(points, bold=True))
        elif isinstance(element, Paragraph):
            self.paragraph(element)
            self._paragraphs_since += 1
        elif isinstance(element, Table):
            table = self.table(element)
            if table is not None:
                self._keep(table)
        else:
            self.block(4, 6)
            self._keep(self.cursor.block().position())
            self.cursor.insertText("\ufffc", self.object_format(element))

    def _keep(self, anchor: QTextTable | int) -> None:
        if self._heading is not None and self._paragraphs_since <= 2:
            self.kept.append((self._heading, anchor))
        self._heading = None

    def object_format(self, figure: Figure) -> QTextCharFormat:
        from PySide6.QtGui import QTextCharFormat

        object_format = QTextCharFormat()
        object_format.setObjectType(self.object_type)
        object_format.setProperty(self.figure_property, len(self.figures))
        object_format.setVerticalAlignment(QTextCharFormat.VerticalAlignment.AlignMiddle)
        self.figures.append(figure)
        return object_format

    def paragraph(self, paragraph: Paragraph) -> None:
        from PySide6.QtGui import QColor

        style = paragraph.style
        if style == "title":
            self.block(0, 4)
            points, bold, colour = TITLE_POINTS, True, None
        elif style == "headline":
            self.block(4, 4)
            points, bold, colour = HEADLINE_POINTS, True, None
        elif style == "note":
            self.block(0, 3)
            points, bold, colour = NOTE_POINTS, False, NOTE_COLOUR
        else:
            self.block(0, 4)
            points, bold, colour = BODY_POINTS, False, None
        for span in paragraph.spans:
            char_format = self.char_format(points, bold or span.bold, colour)
            if span.link:
                char_format.setAnchor(True)
                char_format.setAnchorHref(span.link)
                char_format.setForeground(QColor(LINK_COLOUR))
            self.cursor.insertText(span.text, char_format)

    def table(self, table: Table) -> QTextTable | None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import (
            QColor,
            QTextBlockFormat,
            QTextCursor,
            QTextLength,
            QTextTableFormat,
        )

        headed = any(column.title for column in table.columns)
        rows = len(table.rows) + (1 if headed else 0)
        if not rows:
            return None
        table_format = QTextTableFormat()
        table_format.setWidth(QTextLength(QTextLength.Type.PercentageLength, 100))
        table_format.setColumnWidthConstraints(
            [QTextLength(QTextLength.Type.PercentageLength, c.width) for c in table.columns]
        )
        table_format.setCellPadding(4)
        table_format.setCellSpacing(0)
        # No ruled lines but shaded rows: Qt lays out a table with collapsed borders at half
        # the speed, and rows of a thousand hosts read as well striped.
        table_format.setBorder(0)
        table_format.setTopMargin(2)
        table_format.setBottomMargin(6)
        if headed:
            # Repeated at the top of every page the table runs onto.
            table_format.setHeaderRowCount(1)
        self.block(0, 0)
        qt_table = self.cursor.insertTable(rows, len(table.columns), table_format)
        text_format = self.char_format(TABLE_POINTS)
        right = QTextBlockFormat()
        right.setAlignment(Qt.AlignmentFlag.AlignRight)
        offset = 0

        def shade(row: int, colour: str) -> None:
            for index in range(len(table.columns)):
                cell = qt_table.cellAt(row, index)
                cell_format = cell.format()
                cell_format.setBackground(QColor(colour))
                cell.setFormat(cell_format)

        if headed:
            header_format = self.char_format(TABLE_POINTS, bold=True)
            shade(0, HEADER_BACKGROUND)
            for index, column in enumerate(table.columns):
                cursor = qt_table.cellAt(0, index).firstCursorPosition()
                if column.numeric:
                    cursor.setBlockFormat(right)
                cursor.insertText(column.title, header_format)
            offset = 1
        for row_index, row in enumerate(table.rows, start=offset):
            if (row_index - offset) % 2:
                shade(row_index, STRIPE_BACKGROUND)
            for index, (column, value) in enumerate(zip(table.columns, row, strict=True)):
                cursor = qt_table.cellAt(row_index, index).firstCursorPosition()
                if isinstance(value, Bar):
                    cursor.insertText("\ufffc", self.object_format(value))
                    continue
                if column.numeric:
                    cursor.setBlockFormat(right)
                cursor.insertText(value, text_format)
        self.cursor.movePosition(QTextCursor.MoveOperation.End)
        # The block after a table is new: its margins are the next element's.
        self.first_block = False
        return qt_table


def _keep_headings(
    document: QTextDocument, kept: list[tuple[int, QTextTable | int]], page: float
) -> bool:
    """Move each heading left at the foot of a page, away from the table or figure it
    introduces, to the next page. Qt's layout keeps no heading with what follows it.

    Returns whether a heading moved (the document is then laid out again when next asked).
    """
    from PySide6.QtGui import QTextBlockFormat, QTextCursor, QTextFormat, QTextTable

    layout = document.documentLayout()
    document.pageCount()  # the first layout, which the checks below read
    moved = []
    for heading, anchor in kept:
        block = document.findBlock(heading)
        top = layout.blockBoundingRect(block).top()
        if isinstance(anchor, QTextTable):
            # A table whose first row goes to the next page goes there whole.
            anchor_page = layout.frameBoundingRect(anchor).top() // page
        else:
            # A figure's block starts where the last one ended, but the figure, never cut,
            # may be on the next page: where the block ends says.
            anchor_page = layout.blockBoundingRect(document.findBlock(anchor)).bottom() // page
        # Only from a page's lower half: a heading higher up gains nothing from a new page
        # (and one at the top would leave a blank page behind).
        if int(anchor_page) > int(top // page) and top % page > page / 2:
            moved.append(block)
    if not moved:
        return False
    page_break = QTextBlockFormat()
    page_break.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
    cursor = QTextCursor(document)
    cursor.beginEditBlock()
    for block in moved:
        cursor.setPosition(block.position())
        cursor.mergeBlockFormat(page_break)
    cursor.endEditBlock()
    return True


def _application() -> None:
    """Make sure a QGuiApplication exists: the text layout needs fonts."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    existing = QCoreApplication.instance()
    if existing is None:
        arguments = ["borderless"]
        if not os.environ.get("QT_QPA_PLATFORM"):
            # A PDF needs no screen: the offscreen platform also works with no display at all.
            arguments += ["-platform", "offscreen"]
        _KEEP.append(QGuiApplication(arguments))
    elif not isinstance(existing, QGuiApplication):
        raise RuntimeError("a PDF needs a QGuiApplication, and a QCoreApplication runs already")


# The application made here lives as long as the process: Qt allows one per process.
_KEEP: list[Any] = []


def render(content: Mapping[str, Any], page_size: str = "A4") -> bytes:
    """The report as the bytes of a PDF file (see `write_pdf`)."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r} is not one of {', '.join(PAGE_SIZES)}")
    elements = plan(content)
    _application()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, QSizeF
    from PySide6.QtGui import (
        QAbstractTextDocumentLayout,
        QColor,
        QFontMetricsF,
        QPageLayout,
        QPageSize,
        QPainter,
        QPdfWriter,
        QTextDocument,
        QTextOption,
    )

    from borderless import __version__

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setTitle(TITLE)
    writer.setCreator(f"Borderless {__version__}")
    writer.setResolution(RESOLUTION)
    page_id = QPageSize.PageSizeId.A4 if page_size == "A4" else QPageSize.PageSizeId.Letter
    writer.setPageSize(QPageSize(page_id))
    writer.setPageMargins(QMarginsF(*PAGE_MARGINS_MM), QPageLayout.Unit.Millimeter)
    unit = writer.resolution() / 72
    footer_font = _font(NOTE_POINTS)
    metrics = QFontMetricsF(footer_font, writer)
    body = QSizeF(writer.width(), writer.height() - metrics.height() - FOOTER_GAP_POINTS * unit)

    document = QTextDocument()
    document.setUndoRedoEnabled(False)
    document.setDefaultFont(_font(BODY_POINTS))
    # The writer's page margins are the only margins.
    document.setDocumentMargin(0)
    option = QTextOption()
    # Hosts, addresses and paths have no spaces: they must still wrap inside their cells, or a
    # table runs off the right edge of the page.
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    document.setDefaultTextOption(option)
    # The document is laid out on the writer itself, in its device units (RESOLUTION dots per
    # inch), so type keeps its size in points; and on its page from the start, so it is laid
    # out once. (QTextDocument.print_ would lay out a copy, with fixed 2 cm margins; a page
    # size in screen pixels on the writer would shrink the type to a third.)
    layout = document.documentLayout()
    layout.setPaintDevice(writer)
    document.setPageSize(body)
    builder = _Builder(document)
    # The text width less a point, for rounding to whole device units.
    handler = _figure_handler_class()(builder.figures, unit, body.width() - unit, document)
    layout.registerHandler(builder.object_type, handler)
    # One edit block: the layout runs once at its end, not after every cell (which made a
    # table of a thousand rows take seconds).
    builder.cursor.beginEditBlock()
    for element in elements:
        builder.add(element)
    builder.cursor.endEditBlock()
    _keep_headings(document, builder.kept, body.height())
    pages = document.pageCount()
    footer_left = f"{TITLE}, {_text(content.get('generated_at'))}"

    painter = QPainter(writer)
    try:
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            view = QRectF(QPointF(0, 0), body)
            painter.setClipRect(view)
            painter.translate(0, -page * body.height())
            context = QAbstractTextDocumentLayout.PaintContext()
            # A hair inside the page: a figure starting right at the next page's top would
            # otherwise be drawn here too (clipped away, but all its paths in the file).
            context.clip = view.adjusted(0, 0, 0, -1).translated(0, page * body.height())
            layout.draw(painter, context)
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor(NOTE_COLOUR))
            baseline = writer.height() - metrics.descent()
            painter.drawText(QPointF(0, baseline), footer_left)
            number = f"Page {page + 1} of {pages}"
            painter.drawText(
                QPointF(writer.width() - metrics.horizontalAdvance(number), baseline), number
            )
    finally:
        painter.end()
    buffer.close()
    if handler.failure is not None:
        raise handler.failure
    return bytes(data.data())


def write_pdf(content: Mapping[str, Any], path: Path, page_size: str = "A4") -> None:
    """Write the report (`build_report`'s dict) to `path` as a PDF.

    Args:
        content: the report's content; sections may be missing or empty.
        path: the file to write (replaced if it exists; created readable by its owner only).
        page_size: "A4" or "Letter".

    Raises:
        ValueError: an unknown page size.
        OSError: the file cannot be written.
    """
    data = render(content, page_size)
    if not data.startswith(b"%PDF"):
        raise RuntimeError("Qt wrote no PDF")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def _main(arguments: Iterable[str]) -> None:
    """`python -m borderless.report.pdf REPORT.json OUT.pdf [A4|Letter]`, for looking at it."""
    import json

    source, target, *rest = arguments
    content = json.loads(Path(source).read_text(encoding="utf-8"))
    write_pdf(content, Path(target), rest[0] if rest else "A4")


if __name__ == "__main__":
    _main(sys.argv[1:])
