"""The shipped ownership catalogue and law table: well-formed, sourced, and right by an answer key
written from sources independently of the catalogue."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from borderless import analysis
from borderless.domains import canonical_host
from borderless.home import normalise_country
from borderless.model import Source, SourceKind
from borderless.paths import resources_dir
from borderless.pipeline import scan
from borderless.resolve.law import LawTable
from borderless.resolve.owners import Catalogue, Confidence

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANSWER_KEY = FIXTURES / "ownership" / "answer-key.json"
CATEGORIES = set(
    "search social video music messaging shopping news ai email maps finance government"
    " education reference travel games adult dating jobs productivity software telecom health"
    " sports weather classifieds food-delivery transport advertising analytics cdn cloud"
    " other".split()
)
KINDS = {"company", "government", "public-broadcaster", "non-profit", "cooperative",
         "university", "international"}  # fmt: skip
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Legal-form words that name the same company in different writings ("Alphabet Inc." and
# "Alphabet, Inc."); words that name a different entity ("Holdings", "Group") are kept.
_LEGAL_FORMS = {"inc", "incorporated", "ltd", "limited", "llc", "plc", "corp", "corporation",
                "co", "company", "sa", "s", "a", "ag", "se", "nv", "bv", "gmbh", "ab", "asa",
                "oyj", "spa", "kk", "pte", "pty", "the", "de", "cv", "sab", "ltda", "mkpao",
                "pjsc", "pao", "jsc", "oao", "llp", "lp"}  # fmt: skip


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.fixture(scope="module")
def laws() -> LawTable:
    return LawTable.load()


def test_every_company_is_placed_and_sourced(catalogue: Catalogue) -> None:
    for company in catalogue.companies.values():
        assert _ID.match(company.id), company.id
        assert company.kind in KINDS, (company.id, company.kind)
        assert company.headquarters, f"{company.id} has no headquarters"
        normalise_country(company.headquarters)
        if company.incorporated_in:
            assert re.match(r"^[A-Z]{2}$", company.incorporated_in), company.id
        assert company.basis, f"{company.id} has no basis"
        for basis in company.basis:
            assert basis.source and basis.fact and _DATE.match(basis.checked), company.id


def test_every_platform_is_well_formed(catalogue: Catalogue) -> None:
    for platform in catalogue.platforms.values():
        assert _ID.match(platform.id), platform.id
        assert platform.category in CATEGORIES, (platform.id, platform.category)
        assert platform.domains, platform.id
        assert platform.basis, f"{platform.id} has no basis"
        for basis in platform.basis:
            assert basis.source and _DATE.match(basis.checked), platform.id
        for domain in platform.domains:
            host = canonical_host(domain)
            assert host is not None and host.name == domain, (platform.id, domain)
            # A registrable domain, as the app computes it from a host: else no host matches it.
            assert host.registrable_domain == domain, (platform.id, domain)


def test_the_coverage_the_issue_asks_for(catalogue: Catalogue, laws: LawTable) -> None:
    assert len(catalogue.platforms) >= 400
    assert len(catalogue.by_domain) >= 1500
    homes = {
        catalogue.ultimate_parent(p.operator).headquarters for p in catalogue.platforms.values()
    }
    assert len(homes) >= 40
    assert len([code for code in laws.countries if code != "EU"]) >= 50
    assert "EU" in laws.countries


def test_every_law_entry_cites_its_instrument(laws: LawTable) -> None:
    for code, law in laws.countries.items():
        if code != "EU":
            normalise_country(code)
        for instrument in (*law.data_protection, *law.localisation, *law.transfers,
                           *law.foreign_access):  # fmt: skip
            assert instrument.name and instrument.instrument and instrument.link, code
            assert instrument.link.startswith(("http://", "https://")), (code, instrument.link)


def _normal(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [word for word in re.split(r"[^a-z0-9]+", text) if word and word not in _LEGAL_FORMS]
    return " ".join(words)


def _forms(name: str) -> set[str]:
    """The ways a name may be written: whole, without its parenthesis, or the parenthesis alone
    ("Promotora de Informaciones, S.A. (PRISA)", "French Republic (Government of France)")."""
    inside = re.findall(r"\(([^)]*)\)", name)
    outside = re.sub(r"\([^)]*\)", " ", name)
    return {_normal(form) for form in (name, outside, *inside)} - {""}


def _answer_key() -> list[dict[str, str]]:
    return json.loads(ANSWER_KEY.read_text(encoding="utf-8"))


def test_the_answer_key_is_big_enough() -> None:
    key = _answer_key()
    assert len(key) >= 150
    assert len({entry["domain"] for entry in key}) == len(key)


@pytest.mark.parametrize("entry", _answer_key(), ids=lambda entry: entry["domain"])
def test_the_catalogue_matches_the_answer_key(catalogue: Catalogue, entry) -> None:
    host = canonical_host(entry["domain"])
    assert host is not None
    found = catalogue.attribute(host.name, host.registrable_domain)
    assert found.is_attributed, f"{entry['domain']}: {found.basis}"
    assert found.legal_home == entry["legal_home"], (found.parent, entry)
    names = _forms(found.parent or "")
    if found.parent_id is not None:
        for alias in catalogue.companies[found.parent_id].aliases:
            names |= _forms(alias)
    assert _forms(entry["owner"]) & names, (found.parent, entry["owner"])


def test_every_site_the_fixture_browsers_visited_is_attributed(store, catalogue: Catalogue):
    history = FIXTURES / "browsers" / "chromium" / "Default" / "History"
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "Default", history)])
    visited = analysis.domain_summaries(store)
    assert len(visited) == 24
    unattributed = [
        domain.host
        for domain in visited
        if catalogue.attribute(domain.host, domain.registrable_domain).confidence
        is not Confidence.ESTABLISHED
    ]
    assert unattributed == []


def test_the_demo_personas_sites_are_attributed(catalogue: Catalogue) -> None:
    personas = json.loads((resources_dir() / "demo" / "personas.json").read_text("utf-8"))
    for persona in personas["personas"]:
        for site in persona["sites"]:
            if not site["url"].startswith("http"):
                continue  # a file opened from disk: no host, nothing sent
            host = canonical_host(site["url"].split("/")[2])
            assert host is not None
            found = catalogue.attribute(host.name, host.registrable_domain)
            assert found.confidence is Confidence.ESTABLISHED, (site["url"], found.basis)
