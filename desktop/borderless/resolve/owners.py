"""Domains to platforms, platforms to the companies that own them, and owners to their legal home.

The knowledge is the catalogue in resources/ownership (see its README): companies with their
parents, headquarters and incorporation; platforms with their domains; public-sector domain
suffixes; and tracker entities from third-party-web. Every answer says what it rests on and how
sure it is, because two fallbacks (a country-code domain, and the network that serves a site)
can only suggest, never establish, who runs a site.

"Legal home" is the headquarters country of the ultimate parent: the company at the top of the
chain of controlling owners.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderless.paths import resources_dir

OWNERSHIP_FOLDER = "ownership"

# Country-code top-level domains sold to anyone for their look (.io, .tv, .ai, ...): a site under
# them says nothing about where its operator is.
GENERIC_COUNTRY_CODES = frozenset(
    "ac ai am app cc co fm gg io la ly me ms nu sh so st tk to tv vc ws xyz".split()
)
# Top-level domains that are not a country's code but stand for one.
_SPECIAL_TLDS: dict[str, str | None] = {"uk": "GB", "xn--p1ai": "RU", "su": "RU", "eu": None}


class CatalogueError(Exception):
    """The shipped catalogue contradicts itself: a test or a build catches this, not a person."""


class Confidence(enum.StrEnum):
    """How an attribution was reached, from fact to hint."""

    ESTABLISHED = "established"  # the catalogue (or the public-sector list) says so, with a source
    NAMED = "named"  # a tracker list names the company; the company is in the catalogue
    UNPLACED = "unplaced"  # a tracker list names the entity, but nothing says where it is at home
    SUGGESTED = "suggested"  # only the country-code domain hints at a country
    HOST_ONLY = "host_only"  # only the network that serves the site is known: a host, not an owner
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Basis:
    """The source of one fact."""

    fact: str
    source: str
    kind: str
    checked: str


@dataclass(frozen=True, slots=True)
class Company:
    id: str
    name: str
    kind: str
    parent: str | None
    headquarters: str | None
    incorporated_in: str | None
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    basis: tuple[Basis, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Platform:
    id: str
    name: str
    category: str
    operator: str
    domains: tuple[str, ...]
    basis: tuple[Basis, ...] = ()
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who runs the site a host belongs to, and where that owner is at home."""

    platform: str  # the platform's name, or the registrable domain when none is known
    confidence: Confidence
    basis: str  # what it rests on, in words: "catalogue", "public-sector domain", ...
    platform_id: str | None = None  # None when no platform is known
    category: str | None = None
    operator: str | None = None  # the company that runs it (name)
    parent: str | None = None  # the ultimate parent (name)
    parent_id: str | None = None
    legal_home: str | None = None  # ISO alpha-2 of the ultimate parent's headquarters
    incorporated_in: str | None = None  # where the ultimate parent is incorporated
    sources: tuple[str, ...] = ()  # URLs or references behind it
    hosted_by: str | None = None  # for HOST_ONLY: the network operator serving it
    owner_kind: str | None = None  # company, government, public-broadcaster, ...

    @property
    def is_attributed(self) -> bool:
        """Whether the legal home is a fact of the catalogue, not a guess."""
        return self.legal_home is not None and self.confidence in (
            Confidence.ESTABLISHED,
            Confidence.NAMED,
        )


@dataclass(slots=True)
class Catalogue:
    """The whole ownership knowledge, indexed for lookups."""

    companies: dict[str, Company] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    by_domain: dict[str, str] = field(default_factory=dict)  # registrable domain -> platform id
    public_sector: list[tuple[str, str, str]] = field(default_factory=list)  # suffix, CC, name
    trackers_by_host: dict[str, dict[str, Any]] = field(default_factory=dict)
    trackers_by_domain: dict[str, dict[str, Any]] = field(default_factory=dict)
    tracker_companies: dict[str, str] = field(default_factory=dict)  # tracker company -> id

    @classmethod
    def load(cls, folder: Path | None = None) -> Catalogue:
        """Read every file of the catalogue.

        Raises:
            CatalogueError: an id or domain is defined twice, or a reference leads nowhere.
        """
        folder = folder or resources_dir() / OWNERSHIP_FOLDER
        catalogue = cls()
        for path in sorted((folder / "companies").glob("*.json")):
            for entry in _read_list(path):
                company = _company(entry)
                if company.id in catalogue.companies:
                    raise CatalogueError(f"{path.name}: company {company.id!r} defined twice")
                catalogue.companies[company.id] = company
        for path in sorted((folder / "platforms").glob("*.json")):
            for entry in _read_list(path):
                platform = _platform(entry)
                if platform.id in catalogue.platforms:
                    raise CatalogueError(f"{path.name}: platform {platform.id!r} defined twice")
                catalogue.platforms[platform.id] = platform
                for domain in platform.domains:
                    if domain in catalogue.by_domain:
                        raise CatalogueError(
                            f"{path.name}: {domain} belongs to both {platform.id!r} and"
                            f" {catalogue.by_domain[domain]!r}"
                        )
                    catalogue.by_domain[domain] = platform.id
        public = folder / "public-sector.json"
        if public.exists():
            for entry in json.loads(public.read_text(encoding="utf-8"))["suffixes"]:
                catalogue.public_sector.append(
                    (entry["suffix"], entry["country"], entry.get("name") or "")
                )
            # Longest suffix first: "gov.uk" must not hide a more specific entry below it.
            catalogue.public_sector.sort(key=lambda item: -len(item[0]))
        catalogue._load_trackers(folder)
        catalogue.check()
        return catalogue

    def _load_trackers(self, folder: Path) -> None:
        trackers = folder / "trackers.json"
        if trackers.exists():
            for entity in json.loads(trackers.read_text(encoding="utf-8"))["entities"]:
                for pattern in entity["hosts"]:
                    if not pattern.startswith("*."):
                        self.trackers_by_host.setdefault(pattern, entity)
                for domain in entity["domains"]:
                    self.trackers_by_domain.setdefault(domain, entity)
        mapping = folder / "tracker-companies.json"
        if mapping.exists():
            self.tracker_companies = json.loads(mapping.read_text(encoding="utf-8"))["companies"]

    def check(self) -> None:
        """Every reference leads to a company, and no chain of parents loops."""
        for platform in self.platforms.values():
            if platform.operator not in self.companies:
                raise CatalogueError(
                    f"platform {platform.id!r}: operator {platform.operator!r} is not a company"
                )
        for company in self.companies.values():
            if company.parent is not None and company.parent not in self.companies:
                raise CatalogueError(
                    f"company {company.id!r}: parent {company.parent!r} is not a company"
                )
            self.ultimate_parent(company.id)
        for name, company_id in self.tracker_companies.items():
            if company_id not in self.companies:
                raise CatalogueError(f"tracker company {name!r}: {company_id!r} is not a company")

    def ultimate_parent(self, company_id: str) -> Company:
        """The top of the chain of controlling owners of a company (the company itself if none).

        Raises:
            CatalogueError: the chain loops.
        """
        seen: list[str] = []
        company = self.companies[company_id]
        while company.parent is not None:
            if company.id in seen:
                raise CatalogueError(f"the parents of {company_id!r} loop: {seen}")
            seen.append(company.id)
            company = self.companies[company.parent]
        return company

    def chain(self, company_id: str) -> list[Company]:
        """The company, its parent, and so on up to the ultimate parent."""
        chain = [self.companies[company_id]]
        while chain[-1].parent is not None:
            chain.append(self.companies[chain[-1].parent])  # check() ruled out loops
        return chain

    def attribute(
        self,
        host: str,
        registrable_domain: str | None,
        network_operator: str | None = None,
    ) -> Attribution:
        """Who runs `host`: the catalogue, then public-sector suffixes, then the tracker list,
        then the hint of a country-code domain, then the network that serves it."""
        if registrable_domain is not None and registrable_domain in self.by_domain:
            return self._of_platform(self.platforms[self.by_domain[registrable_domain]])
        for suffix, country, name in self.public_sector:
            if host == suffix or host.endswith("." + suffix):
                return Attribution(
                    platform=registrable_domain or host,
                    category="government",
                    operator=name,
                    parent=name,
                    legal_home=country,
                    incorporated_in=country,
                    confidence=Confidence.ESTABLISHED,
                    basis=f"public-sector domain (.{suffix})",
                    owner_kind="government",
                )
        tracker = self._tracker(host, registrable_domain)
        if tracker is not None:
            return tracker
        label = host.rsplit(".", 1)[-1]
        hinted = label.upper() if len(label) == 2 and label.isalpha() else None
        if label in _SPECIAL_TLDS:
            hinted = _SPECIAL_TLDS[label]
        if hinted is not None and label not in GENERIC_COUNTRY_CODES:
            return Attribution(
                platform=registrable_domain or host,
                legal_home=hinted,
                confidence=Confidence.SUGGESTED,
                basis=f"country-code domain .{label} (suggests an operator there; not proven)",
            )
        if network_operator:
            return Attribution(
                platform=registrable_domain or host,
                confidence=Confidence.HOST_ONLY,
                basis="network of its servers (a host, not an owner)",
                hosted_by=network_operator,
            )
        return Attribution(
            platform=registrable_domain or host,
            confidence=Confidence.UNKNOWN,
            basis="not in the catalogue",
        )

    def _of_platform(self, platform: Platform) -> Attribution:
        operator = self.companies[platform.operator]
        parent = self.ultimate_parent(operator.id)
        sources = tuple(
            dict.fromkeys(
                basis.source
                for company in [*self.chain(operator.id)]
                for basis in (*company.basis,)
            )
        )
        return Attribution(
            platform_id=platform.id,
            platform=platform.name,
            category=platform.category,
            operator=operator.name,
            parent=parent.name,
            parent_id=parent.id,
            legal_home=parent.headquarters,
            incorporated_in=parent.incorporated_in or parent.headquarters,
            confidence=Confidence.ESTABLISHED,
            basis="catalogue",
            sources=tuple(basis.source for basis in platform.basis) + sources,
            owner_kind=parent.kind,
        )

    def _tracker(self, host: str, registrable_domain: str | None) -> Attribution | None:
        entity = self.trackers_by_host.get(host)
        if entity is None and registrable_domain is not None:
            entity = self.trackers_by_domain.get(registrable_domain)
        if entity is None:
            return None
        company_id = self.tracker_companies.get(entity.get("company") or "") or (
            self.tracker_companies.get(entity["name"])
        )
        if company_id is not None:
            parent = self.ultimate_parent(company_id)
            return Attribution(
                platform=entity["name"],
                category=entity["category"],
                operator=self.companies[company_id].name,
                parent=parent.name,
                parent_id=parent.id,
                legal_home=parent.headquarters,
                incorporated_in=parent.incorporated_in or parent.headquarters,
                confidence=Confidence.NAMED,
                basis="third-party-web entity, its company from the catalogue",
                sources=tuple(b.source for b in parent.basis),
                owner_kind=parent.kind,
            )
        return Attribution(
            platform=entity["name"],
            category=entity["category"],
            operator=entity.get("company"),
            confidence=Confidence.UNPLACED,
            basis="third-party-web entity (no country known)",
        )


def _basis(entries: Iterable[dict[str, Any]]) -> tuple[Basis, ...]:
    return tuple(
        Basis(
            fact=str(entry.get("fact", "")),
            source=str(entry.get("source", "")),
            kind=str(entry.get("kind", "")),
            checked=str(entry.get("checked", "")),
        )
        for entry in entries
    )


def _company(entry: dict[str, Any]) -> Company:
    return Company(
        id=entry["id"],
        name=entry["name"],
        kind=entry.get("kind", "company"),
        parent=entry.get("parent"),
        headquarters=entry.get("headquarters"),
        incorporated_in=entry.get("incorporated_in"),
        aliases=tuple(entry.get("aliases", ())),
        wikidata=entry.get("wikidata"),
        basis=_basis(entry.get("basis", ())),
        note=entry.get("note"),
    )


def _platform(entry: dict[str, Any]) -> Platform:
    return Platform(
        id=entry["id"],
        name=entry["name"],
        category=entry["category"],
        operator=entry["operator"],
        domains=tuple(domain.lower() for domain in entry["domains"]),
        basis=_basis(entry.get("basis", ())),
        note=entry.get("note"),
    )


def _read_list(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise CatalogueError(f"{path.name}: not valid JSON ({error})") from error
    if isinstance(data, dict):  # a file may wrap its list with a note on top
        data = data.get("companies", data.get("platforms", []))
    if not isinstance(data, list):
        raise CatalogueError(f"{path.name}: expected a list of entries")
    return data


@functools.cache
def shipped_catalogue() -> Catalogue:
    """The catalogue shipped with the app, loaded once."""
    return Catalogue.load()
