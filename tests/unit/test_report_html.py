"""The HTML report and its SVG map: self-contained, inert whatever the browsers wrote, complete."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from borderless import analysis, demo, pipeline
from borderless.model import Source, SourceKind
from borderless.report import build_report
from borderless.report.html import SECTIONS, headline, render_html
from borderless.report.svgmap import map_svg
from borderless.resolve.law import shipped_law_table
from borderless.resolve.owners import shipped_catalogue
from tests.conftest import FIXTURES

REPORTS = FIXTURES / "reports"
CONTENT_SMALL = REPORTS / "content-small.json"
GOLDEN = REPORTS / "golden.html"
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
# Sections whose links lead out of the document: the official texts of laws, the data's sources.
LINKING_SECTIONS = {"laws", "methods"}


class ReportParser(HTMLParser):
    """Walks a report and records what a browser would act on."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.links: list[tuple[str | None, str]] = []  # (section, href)
        self.section_ids: list[str] = []
        self.meta: list[dict[str, str | None]] = []
        self._sections: list[str | None] = []
        self._open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        for name, value in attrs:
            self.attributes.append((tag, name, value))
        if tag == "section":
            self._sections.append(values.get("id"))
            if values.get("id"):
                self.section_ids.append(str(values["id"]))
        if tag == "meta":
            self.meta.append(values)
        if tag == "a" and "href" in values:
            section = next((s for s in reversed(self._sections) if s), None)
            self.links.append((section, str(values["href"])))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self._sections:
            self._sections.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(page)
    parser.close()
    return parser


def assert_inert(page: str) -> ReportParser:
    """No scripts, no handlers, nothing fetched; links only to anchors or official texts."""
    parsed = parse(page)
    assert page.startswith("<!DOCTYPE html>")
    assert not {"script", "iframe", "object", "embed", "img", "link", "base", "form"} & set(
        parsed.tags
    )
    for tag, name, value in parsed.attributes:
        assert not name.startswith("on"), (tag, name, value)
        assert name not in ("src", "srcset", "formaction", "xlink:href", "action"), (tag, name)
        if name == "href":
            assert tag == "a", (tag, value)
        if name == "style":
            assert "url(" not in (value or ""), value
    for section, href in parsed.links:
        if href.startswith("#"):
            continue
        assert urlsplit(href).scheme in ("http", "https"), href
        assert section in LINKING_SECTIONS, (section, href)
    policies = [
        m for m in parsed.meta if (m.get("http-equiv") or "").lower() == "content-security-policy"
    ]
    assert policies and policies[0]["content"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    assert {"name": "referrer", "content": "no-referrer"} in parsed.meta
    assert parsed.section_ids == [anchor for anchor, _ in SECTIONS]
    return parsed


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(text) for text in re.findall(r"<svg\b.*?</svg>", page, flags=re.S)]


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    return json.loads(CONTENT_SMALL.read_text(encoding="utf-8"))


@pytest.fixture
def demo_report(demo_store) -> dict[str, Any]:
    """The demo persona's report, resolved offline (as the window's tests build it)."""
    return build_report(demo_store)


@pytest.fixture
def fixture_report(store, chromium_history: Path, firefox_places: Path) -> dict[str, Any]:
    pipeline.scan(
        store,
        [
            Source(SourceKind.CHROMIUM, "Chromium", "Default", chromium_history),
            Source(SourceKind.FIREFOX, "Firefox", "default", firefox_places),
        ],
    )
    return build_report(store)


# Whole reports --------------------------------------------------------------------------------


def test_the_demo_report_is_one_inert_document_with_every_section(demo_report) -> None:
    page = render_html(demo_report)
    parsed = assert_inert(page)
    text = "".join(parsed.text)
    sentence, detail = headline(demo_report)
    share = demo_report["totals"]["voluntary_cross_border_share"]["foreign_legal_home_share"]
    assert sentence.startswith(f"{share:.0%} of the sites you chose to visit are run by companies")
    assert sentence in text and detail in text
    assert "Redaction: paths." in text
    assert len(page.encode()) < 2_000_000
    # Both maps are there: the demo's home resolver log answers for its servers, offline.
    maps = [svg for svg in svgs(page) if "map" in (svg.get("class") or "")]
    assert len(maps) == 2
    assert "No server was located" not in text
    for platform in demo_report["platforms"]:
        assert escape(platform["name"], quote=True) in page


def test_the_headline_is_the_windows(demo_store) -> None:
    """The same words as the window's headline, which cannot be imported without Qt."""
    pytest.importorskip("PySide6")
    from borderless.gui.main_window import headline_text

    person = demo.persona(None)
    audit = analysis.audit(demo_store, person.home_country, shipped_catalogue(),
                           shipped_law_table())  # fmt: skip
    assert headline(build_report(demo_store)) == headline_text(audit)


def test_the_fixture_browsers_report_shows_both_forms_of_an_idn(fixture_report) -> None:
    page = render_html(fixture_report)
    assert_inert(page)
    assert 'президент.рф <span class="puny">(xn--d1abbgf6aiiy.xn--p1ai)</span>' in page
    for element in svgs(page):
        assert element.tag == f"{SVG_NAMESPACE}svg"


def test_the_small_report_matches_the_golden_file(small) -> None:
    """The page of a fixed, hand-checked content, byte for byte.

    After a deliberate change, look at the page, then run this test with
    BORDERLESS_UPDATE_GOLDEN=1 to rewrite the golden file (that run's session check reports
    the changed fixture; the next run passes) and commit both.
    """
    page = render_html(small)
    if os.environ.get("BORDERLESS_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(page, encoding="utf-8", newline="\n")
    assert_inert(page)
    assert page == GOLDEN.read_text(encoding="utf-8"), (
        "the HTML report changed: look at it, then rewrite the golden file with "
        "BORDERLESS_UPDATE_GOLDEN=1"
    )


def test_the_small_report_shows_every_section_it_holds(small) -> None:
    page = render_html(small)
    text = "".join(parse(page).text)
    assert (
        "67% of the sites you chose to visit are run by companies based outside Germany; "
        "27% answered from servers abroad." in text
    )
    assert "2026-11-02 to 2026-11-08 (7 days)" in text
    assert "Germany (DE), chosen by you" in text
    assert "Redaction: none." in text
    # Both maps, their legends, a country tooltip and the hatching of an edge-only country.
    maps = [svg for svg in svgs(page) if "map" in (svg.get("class") or "")]
    assert [m.findtext(f"{SVG_NAMESPACE}title") for m in maps] == [
        "Where the companies are at home",
        "Where the servers answered from",
    ]
    assert 'id="map-server-edge"' in page and "Netherlands: 2 visits (edge servers only)" in page
    assert "Germany: 3 visits (home)" in page
    assert "Germany → United States: 6 visits" in page
    # The tables and charts.
    assert 'bücher.example <span class="puny">(xn--bcher-kva.example)</span>' in page
    assert "https://www.google.com/search?q=wetter+berlin" in text
    assert "Cayman Islands" in text  # TikTok's owner's place of incorporation
    assert "cookies, never visited" in text
    assert "2026-11-02: 1 at home, 2 abroad, 0 not known" in page
    assert "Leaving Germany" in text and "GDPR Chapter V" in text
    assert "It is not recognised as adequate" in text  # China
    assert "192.168.1.31" in text and "ad.doubleclick.net" in text
    assert "the database is locked" in text
    assert "DNS over HTTPS is on" in text
    assert "Written by Borderless 0.1.0 at 2026-11-09T10:00:00Z" in text
    assert "CC BY 4.0" in text and "Natural Earth" in text and "third-party-web" in text


# Untrusted strings -----------------------------------------------------------------------------

HOSTILE_HOST = "<script>alert(1)</script>.example"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def hostile(content: dict[str, Any]) -> dict[str, Any]:
    evil = copy.deepcopy(content)
    platform = evil["platforms"][0]
    platform["name"] = HOSTILE_NAME
    platform["parent"] = '"><svg onload=alert(2)>'
    platform["category"] = "</td></tr></table><script>alert(3)</script>"
    platform["domains"].append(HOSTILE_HOST)
    evil["dns_hosts"].append(
        {"host": HOSTILE_HOST, "registrable_domain": None, "lookups": 1, "blocked": 0,
         "clients": ["<b onmouseover=alert(4)>x</b>"], "sources": [2]}
    )  # fmt: skip
    evil["cookie_hosts"][0]["host"] = "javascript:alert(5)//"
    evil["sources"][0]["profile"] = "</title><script>alert(6)</script>"
    evil["sources"][2]["error"] = "<style>*{background:url(https://evil.example/x)}</style>"
    evil["dns_clients"][0]["client"] = "<iframe src=https://evil.example/>"
    evil["dns_clients"][0]["platforms"][0]["platform"] = "<a href=https://evil.example>x</a>"
    evil["blind_spots"][0]["problem"] = (
        "<meta http-equiv=refresh content='0;url=https://e.example'>"
    )
    evil["blind_spots"][0]["browser"] = "\u202eexe.txt"
    law = evil["flows"][0]["destination_access_laws"][0]
    law["name"] = "<script>alert(7)</script>"
    law["link"] = "javascript:alert(8)"
    law["summary"] = '<a href="https://evil.example">official</a>'
    evil["flows"][0]["destination_access_laws"][1]["link"] = 'https://ok.example/" onclick="x'
    evil["laws"]["US"]["uncertain"] = "<script>alert(9)</script>"
    evil["urls"][0]["url"] = "https://evil.example/<script>alert(10)</script>"
    evil["redaction"]["description"] = "<script>alert(11)</script>"
    evil["generated_at"] = "<script>alert(12)</script>"
    evil["countries"][0]["country"] = "<script>alert(15)</script>"
    evil["legal_homes"][0]["country"] = "<script>alert(16)</script>"
    evil["categories"][0]["category"] = "<script>alert(13)</script>"
    evil["timeline"][0]["day"] = "<script>alert(14)</script>"
    return evil


def test_hostile_strings_come_out_escaped_and_inert(small) -> None:
    page = render_html(hostile(small))
    parsed = assert_inert(page)
    text = "".join(parsed.text)
    # Every hostile string is there, as text (a law's address only as its label; a day cut).
    for number in set(range(1, 17)) - {8, 14}:
        assert f"alert({number})" in page, number
    assert "<script" not in page.lower() and "<iframe" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.example" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert HOSTILE_NAME in text and HOSTILE_HOST in text
    assert "javascript:" not in {href.split(":")[0] + ":" for _, href in parsed.links}
    # A law's link that is not http(s) is shown as text, never followed.
    assert not any("alert(8)" in href or "evil.example" in href for _, href in parsed.links)
    assert "javascript:alert(8)" not in page  # the label, not the address, is shown
    # A hostile home country is a name the map does not know, shown as text.
    evil = hostile(small)
    evil["home_country"] = "<script>alert(17)</script>"
    page = render_html(evil)
    assert_inert(page)
    assert "<script" not in page and "alert(17)" in page
    # The direction override cannot turn text around.
    assert "\u202e" not in page and "\ufffdexe.txt" in page
    for element in svgs(page):  # the maps and charts are still well-formed XML
        assert element.tag == f"{SVG_NAMESPACE}svg"


def test_a_link_with_a_quote_cannot_break_out_of_its_attribute(small) -> None:
    evil = copy.deepcopy(small)
    evil["flows"][0]["destination_access_laws"][0]["link"] = 'https://a.example/"onmouseover="x'
    parsed = assert_inert(render_html(evil))
    assert ("laws", 'https://a.example/"onmouseover="x') in parsed.links


# Missing and empty sections ------------------------------------------------------------------

OPTIONAL = (
    "redaction",
    "timeline",
    "timeline_unit",
    "categories",
    "owners",
    "urls",
    "countries",
    "legal_homes",
    "platforms",
    "domains",
    "cookie_hosts",
    "dns_hosts",
    "dns_clients",
    "blind_spots",
    "flows",
    "laws",
    "sources",
    "resolution",
)
SENTENCES = (
    "Redaction: not recorded.",
    "This report has no timeline.",
    "This report has no categories.",
    "This report names no platforms.",
    "No server was located",
    "No visited platform could be attributed to a company",
    "No DNS evidence names the devices that asked.",
    "No cookie jar was read",
    "None found: no browser read has DNS over HTTPS on",
    "This report lists no sources.",
    "This report does not say how hosts were resolved.",
)


@pytest.mark.parametrize("how", ["absent", "empty"])
def test_missing_or_empty_sections_get_a_short_sentence(small, how: str) -> None:
    content = copy.deepcopy(small)
    for key in OPTIONAL:
        if how == "absent":
            content.pop(key)
        else:
            content[key] = (
                {}
                if isinstance(content[key], dict)
                else []
                if isinstance(content[key], list)
                else None
            )
    page = render_html(content)
    text = "".join(assert_inert(page).text)
    for sentence in SENTENCES:
        assert sentence in text, sentence
    assert "No visit went to a company or a server outside Germany." in text


def test_an_empty_content_still_renders_every_section() -> None:
    text = "".join(assert_inert(render_html({})).text)
    assert "Nothing scanned yet." in text
    assert "No home country is known, so no flow and no law can be shown." in text


def test_a_report_redacted_to_owners_draws_the_map_from_them(small) -> None:
    content = copy.deepcopy(small)
    content["redaction"] = {"level": "platforms", "description": "Owners and countries only."}
    for key in ("platforms", "domains", "dns_hosts", "cookie_hosts", "legal_homes", "urls"):
        content[key] = []
    page = render_html(content)
    text = "".join(assert_inert(page).text)
    assert "Redaction: platforms. Owners and countries only." in text
    assert "This report names no platforms." in text
    assert "Owning companies" in text and "ByteDance Ltd." in text
    assert "United States: 6 visits" in page  # the legal-home map, from the owners
    assert "China: 1 visit" in page


def test_a_guessed_home_is_said_to_be_a_guess(small) -> None:
    content = dict(small, home_country_source="timezone")
    sentence, _ = headline(content)
    assert sentence.endswith(
        "(Home is Germany, guessed from the time zone of the computer that wrote this report.)"
    )


def test_weekly_timelines_say_so(small) -> None:
    content = dict(small, timeline_unit="week")
    assert "Visits per week (each bar a week, from its Monday)" in render_html(content)


# The map ---------------------------------------------------------------------------------------


def test_the_map_is_a_small_standalone_svg_document() -> None:
    document = map_svg(
        {"US": 1645, "BR": 301, "CN": 172, "SG": 108, "GI": 3},
        "BR",
        [("BR", "US", 1645), ("", "CN", 172), ("BR", "BR", 301), ("BR", "ZZ", 5)],
        "Where the companies are at home",
        standalone=True,
    )
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert len(document.encode()) < 400_000
    root = ET.fromstring(document)
    assert root.tag == f"{SVG_NAMESPACE}svg" and root.get("viewBox", "").startswith("0 0 960 ")
    titles = [element.findtext(f"{SVG_NAMESPACE}title") or "" for element in root.iter()]
    assert "Brazil: 301 visits (home)" in titles
    assert "United States: 1,645 visits" in titles and "France: no visits" in titles
    # Two arcs: to the home itself and to an unknown place none is drawn; "" starts at home.
    assert sorted(t for t in titles if "→" in t) == [
        "Brazil → China: 172 visits",
        "Brazil → United States: 1,645 visits",
    ]
    # Places too small to see (Singapore) or without a shape (Gibraltar) get a marker.
    markers = {c.findtext(f"{SVG_NAMESPACE}title") for c in root.iter(f"{SVG_NAMESPACE}circle")}
    assert {"Singapore: 108 visits", "Gibraltar: 3 visits"} <= markers
    # The home is outlined, and drawn last so its neighbours do not cover the outline.
    paths_drawn = [
        p for p in root.iter(f"{SVG_NAMESPACE}path") if p.get("fill") not in (None, "none")
    ]
    countries = [p for p in paths_drawn if p.findtext(f"{SVG_NAMESPACE}title")]
    assert countries[-1].findtext(f"{SVG_NAMESPACE}title") == "Brazil: 301 visits (home)"
    assert countries[-1].get("stroke-width") == "2"
    assert not any("Antarctica" in t for t in titles)
    text = "".join(element.text or "" for element in root.iter(f"{SVG_NAMESPACE}text"))
    assert "No data" in text and "Home: Brazil" in text and "670–1,645" in text


def test_the_map_escapes_its_title_and_keeps_ids_apart() -> None:
    first = map_svg({"US": 1}, None, [], "<b>&", edge_only=["US"], id_prefix="a")
    second = map_svg({"US": 1}, None, [], "t", edge_only=["US"], id_prefix='b"><x')
    assert "&lt;b&gt;&amp;" in first and 'id="a-edge"' in first
    assert 'id="bx-edge"' in second
    ET.fromstring(first)
    ET.fromstring(second)


def test_the_report_modules_do_not_import_qt() -> None:
    code = (
        "import sys, borderless.report.html, borderless.report.svgmap; "
        "assert not [m for m in sys.modules if m.startswith('PySide6')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_redaction_level_renders_inert(demo_store) -> None:
    """Whatever a level leaves out, the page renders what is left and says what is missing."""
    redaction = pytest.importorskip("borderless.report.redaction")
    for level in redaction.Redaction:
        content = build_report(demo_store, redaction=level)
        text = "".join(assert_inert(render_html(content)).text)
        assert f"Redaction: {level.value}." in text
        if not content["platforms"]:
            assert "This report names no platforms." in text
        assert "Where the companies are at home" in text  # the map survives every level
