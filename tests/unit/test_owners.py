"""Attribution, flows and the voluntary share, on a small hand-made catalogue and law table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderless import analysis
from borderless.model import Source, SourceKind
from borderless.pipeline import scan
from borderless.resolve.law import LawTable
from borderless.resolve.owners import Catalogue, CatalogueError, Confidence
from tests.helpers import chromium_history_with

BASIS = [{"fact": "f", "source": "https://example.org/", "kind": "company site",
          "checked": "2026-11-25"}]  # fmt: skip
COMPANIES = [
    {"id": "alpha", "name": "Alpha Inc.", "parent": None, "headquarters": "US",
     "incorporated_in": "US", "basis": BASIS},
    {"id": "alpha-eu", "name": "Alpha Europe Ltd.", "parent": "alpha", "headquarters": "IE",
     "incorporated_in": "IE", "basis": BASIS},
    {"id": "dance", "name": "Dance Ltd.", "parent": None, "headquarters": "CN",
     "incorporated_in": "KY", "basis": BASIS},
    {"id": "globo", "name": "Grupo Globo", "parent": None, "headquarters": "BR", "basis": BASIS},
]  # fmt: skip
PLATFORMS = [
    {"id": "tube", "name": "Tube", "category": "video", "operator": "alpha-eu",
     "domains": ["tube.com", "tubecdn.net"], "basis": BASIS},
    {"id": "dancer", "name": "Dancer", "category": "video", "operator": "dance",
     "domains": ["dancer.com"], "basis": BASIS},
    {"id": "g1", "name": "g1", "category": "news", "operator": "globo",
     "domains": ["globo.com"], "basis": BASIS},
]  # fmt: skip
TRACKERS = {
    "entities": [
        {"name": "Alpha Ads", "company": "Alpha", "category": "advertising",
         "domains": ["alphaads.net"], "hosts": ["*.alphaads.net"]},
        {"name": "Mystery Pixel", "company": None, "category": "analytics",
         "domains": ["mystery.io"], "hosts": ["px.mystery.io"]},
    ]
}  # fmt: skip


def write_catalogue(folder: Path, companies=COMPANIES, platforms=PLATFORMS) -> Path:
    (folder / "companies").mkdir(parents=True)
    (folder / "platforms").mkdir(parents=True)
    (folder / "companies" / "a.json").write_text(json.dumps(companies))
    (folder / "platforms" / "a.json").write_text(json.dumps(platforms))
    (folder / "public-sector.json").write_text(
        json.dumps({"suffixes": [{"suffix": "gov.br", "country": "BR", "name": "Brazil"}]})
    )
    (folder / "trackers.json").write_text(json.dumps(TRACKERS))
    (folder / "tracker-companies.json").write_text(json.dumps({"companies": {"Alpha": "alpha"}}))
    return folder


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    return Catalogue.load(write_catalogue(tmp_path / "ownership"))


LAWS = {
    "regions": {
        "EU": {"members": ["DE", "FR", "IE"]},
        "EEA": {"members": ["DE", "FR", "IE", "NO"]},
    },
    "countries": {
        "BR": {"name": "Brazil", "transfers": [{"name": "LGPD art. 33", "instrument": "Lei 13.709",
               "year": 2018, "link": "https://www.planalto.gov.br/", "summary": "s"}]},
        "US": {"name": "United States", "foreign_access": [{"name": "CLOUD Act",
               "instrument": "18 U.S.C. 2713", "year": 2018, "link": "https://www.congress.gov/",
               "summary": "s"}]},
        "DE": {"name": "Germany"},
        "EU": {"name": "European Union", "adequate_countries": ["JP"], "transfers": [
               {"name": "GDPR Chapter V", "instrument": "Regulation (EU) 2016/679",
                "articles": "arts. 44-50", "year": 2016, "link": "https://eur-lex.europa.eu/",
                "summary": "s"}]},
    },
}  # fmt: skip


def test_the_ultimate_parent_decides_the_legal_home(catalogue: Catalogue) -> None:
    tube = catalogue.attribute("www.tube.com", "tube.com")
    assert (tube.platform, tube.operator, tube.parent) == (
        "Tube",
        "Alpha Europe Ltd.",
        "Alpha Inc.",
    )
    assert (tube.legal_home, tube.incorporated_in) == ("US", "US")
    assert tube.confidence is Confidence.ESTABLISHED and tube.is_attributed
    assert "https://example.org/" in tube.sources
    assert catalogue.attribute("v1.tubecdn.net", "tubecdn.net").platform_id == "tube"
    dancer = catalogue.attribute("www.dancer.com", "dancer.com")
    assert (dancer.legal_home, dancer.incorporated_in) == ("CN", "KY")


def test_public_sector_domains_belong_to_their_state(catalogue: Catalogue) -> None:
    found = catalogue.attribute("www.receita.fazenda.gov.br", "fazenda.gov.br")
    assert (found.legal_home, found.category, found.owner_kind) == (
        "BR",
        "government",
        "government",
    )
    assert found.is_attributed


def test_tracker_entities_take_their_home_from_the_catalogue(catalogue: Catalogue) -> None:
    named = catalogue.attribute("x.alphaads.net", "alphaads.net")
    assert (named.platform, named.parent, named.legal_home) == ("Alpha Ads", "Alpha Inc.", "US")
    assert named.confidence is Confidence.NAMED and named.is_attributed
    mystery = catalogue.attribute("px.mystery.io", "mystery.io")
    assert (mystery.platform, mystery.legal_home) == ("Mystery Pixel", None)
    assert mystery.confidence is Confidence.UNPLACED and not mystery.is_attributed


def test_fallbacks_are_labelled_and_never_count_as_fact(catalogue: Catalogue) -> None:
    german = catalogue.attribute("www.unbekannt.de", "unbekannt.de")
    assert (german.legal_home, german.confidence) == ("DE", Confidence.SUGGESTED)
    assert "not proven" in german.basis and not german.is_attributed
    assert catalogue.attribute("a.example.co.uk", "example.co.uk").legal_home == "GB"
    # .io, .tv, .ai and the like say nothing about the operator.
    startup = catalogue.attribute("app.startup.io", "startup.io", network_operator="Amazon.com")
    assert (startup.confidence, startup.legal_home) == (Confidence.HOST_ONLY, None)
    assert startup.hosted_by == "Amazon.com" and "not an owner" in startup.basis
    nothing = catalogue.attribute("www.example.com", "example.com")
    assert (nothing.confidence, nothing.legal_home) == (Confidence.UNKNOWN, None)


@pytest.mark.parametrize(
    ("companies", "platforms", "message"),
    [
        (COMPANIES + [COMPANIES[0]], PLATFORMS, "defined twice"),
        (COMPANIES, PLATFORMS + [{**PLATFORMS[1], "id": "other"}], "belongs to both"),
        (COMPANIES, [{**PLATFORMS[0], "operator": "nobody"}], "is not a company"),
        ([{**COMPANIES[0], "parent": "alpha-eu"}, *COMPANIES[1:]], PLATFORMS, "loop"),
    ],
    ids=["company twice", "domain twice", "unknown operator", "parent loop"],
)
def test_a_contradictory_catalogue_is_refused(tmp_path: Path, companies, platforms, message):
    with pytest.raises(CatalogueError, match=message):
        Catalogue.load(write_catalogue(tmp_path / "ownership", companies, platforms))


def test_flows_name_the_law_on_both_sides() -> None:
    laws = LawTable(LAWS)
    to_us = laws.flow("BR", "US")
    assert to_us.is_transfer and to_us.region is None
    assert [rule.name for rule in to_us.origin_transfer_rules] == ["LGPD art. 33"]
    assert [rule.name for rule in to_us.destination_access_laws] == ["CLOUD Act"]
    within = laws.flow("DE", "IE")
    assert (within.is_transfer, within.region) == (False, "EEA")
    assert "not a transfer" in within.explanation
    from_eu = laws.flow("DE", "JP")
    assert from_eu.adequate is True
    assert [rule.name for rule in from_eu.origin_transfer_rules] == ["GDPR Chapter V"]
    assert laws.flow("DE", "US").adequate is False
    assert not laws.flow("BR", "BR").is_transfer
    assert (laws.region_of("FR"), laws.region_of("NO"), laws.region_of("BR")) == ("EU", "EEA", None)


def test_the_voluntary_share_by_hand(store, chromium_history: Path, catalogue: Catalogue) -> None:
    # Typed visits (started by the person): tube x3 (US), dancer x1 (CN), globo x2 (BR, home),
    # an unknown .de site x1 (suggested only), an unknown .com x1 (unattributed).
    urls = [
        *["https://www.tube.com/"] * 3,
        "https://www.dancer.com/",
        *["https://g1.globo.com/"] * 2,
        "https://www.unbekannt.de/",
        "https://x.example.com/",
    ]
    history = chromium_history_with(chromium_history.with_name("Share"), chromium_history, urls)
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", history)])
    domains = analysis.domain_summaries(store)
    networks = analysis.host_networks(store)
    found = analysis.attributions(domains, networks, catalogue)
    share = analysis.voluntary_share("BR", domains, networks, found, LawTable(LAWS))
    assert share.user_initiated_visits == 8
    assert share.attributed_visits == 6  # tube, dancer, globo
    assert share.foreign_legal_home_visits == 4  # tube (US) and dancer (CN)
    assert share.foreign_legal_home_share == round(4 / 6, 4)
    assert share.outside_region_visits == 4  # Brazil is in no region
    assert (share.suggested_visits, share.unattributed_visits) == (1, 1)
    assert (share.located_visits, share.servers_abroad_share) == (0, None)  # nothing resolved

    platforms = analysis.platform_summaries(domains, networks, found)
    assert [(p.attribution.platform, p.visits) for p in platforms[:3]] == [
        ("Tube", 3), ("g1", 2), ("Dancer", 1)
    ]  # fmt: skip
    flows = analysis.flows("BR", platforms, LawTable(LAWS))
    assert [(f.kind, f.flow.destination, f.visits) for f in flows] == [
        ("legal_home", "US", 3), ("legal_home", "BR", 2), ("legal_home", "CN", 1)
    ]  # fmt: skip


def test_the_eu_region_view(store, chromium_history: Path, catalogue: Catalogue) -> None:
    # From Germany, Alpha Europe's Irish operator does not matter: its parent is at home in the
    # US, outside the EEA. A platform at home in France would be foreign but inside the region.
    companies = COMPANIES + [{"id": "gaule", "name": "Gaule SA", "parent": None,
                              "headquarters": "FR", "basis": BASIS}]  # fmt: skip
    gazette = {"id": "gazette", "name": "Gazette", "category": "news", "operator": "gaule",
               "domains": ["gazette.fr"], "basis": BASIS}  # fmt: skip
    platforms = [*PLATFORMS, gazette]
    own = Catalogue.load(write_catalogue(chromium_history.parent / "own", companies, platforms))
    urls = ["https://www.tube.com/", "https://www.gazette.fr/", "https://www.gazette.fr/"]
    history = chromium_history_with(chromium_history.with_name("Eu"), chromium_history, urls)
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", history)])
    domains = analysis.domain_summaries(store)
    networks = analysis.host_networks(store)
    found = analysis.attributions(domains, networks, own)
    share = analysis.voluntary_share("DE", domains, networks, found, LawTable(LAWS))
    assert share.home_region == "EU"
    assert (share.foreign_legal_home_visits, share.outside_region_visits) == (3, 1)
