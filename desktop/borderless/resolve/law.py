"""Countries to the laws that apply on each side of a cross-border flow of data.

The table is resources/law/laws.json (see its README): per country, its data-protection law, any
duty to keep data inside the country, the rules for sending personal data abroad, and the laws
that let its authorities reach data held by its companies wherever it is stored.

For a flow from the person's home country to a destination (the platform's legal home, or the
country its servers answered from), the home country's transfer rules govern the sending, and
the destination's foreign-access laws say who may reach the data there.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderless.paths import resources_dir

LAW_FILE = Path("law") / "laws.json"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One law or rule, as cited."""

    name: str
    instrument: str
    articles: str | None
    year: int | None
    link: str
    summary: str
    # For foreign-access laws: "reach" (authorities may reach data abroad) or "block" (a
    # blocking statute forbids handing data to foreign authorities: the reverse direction).
    effect: str | None = None


@dataclass(frozen=True, slots=True)
class CountryLaw:
    country: str  # ISO alpha-2, or "EU"
    name: str
    data_protection: tuple[Instrument, ...] = ()
    localisation: tuple[Instrument, ...] = ()
    transfers: tuple[Instrument, ...] = ()
    foreign_access: tuple[Instrument, ...] = ()
    adequacy: dict[str, bool] = field(default_factory=dict)
    adequacy_scope: dict[str, str] = field(default_factory=dict)  # where adequacy is partial
    uncertain: str | None = None
    reviewed: str | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    """The law on both sides of data going from `origin` to `destination`."""

    origin: str
    destination: str
    region: str | None  # "EEA" when both are in it: not a transfer in GDPR's sense
    is_transfer: bool  # whether data protection law treats it as sending data abroad
    origin_localisation: tuple[Instrument, ...]
    origin_transfer_rules: tuple[Instrument, ...]
    destination_access_laws: tuple[Instrument, ...]
    adequate: bool | None  # the origin's (or its region's) view of the destination, if known
    explanation: str


def _instrument(entry: dict[str, Any]) -> Instrument:
    year = entry.get("year")
    return Instrument(
        name=str(entry.get("name", "")),
        instrument=str(entry.get("instrument", "")),
        articles=entry.get("articles"),
        year=int(year) if isinstance(year, int) else None,
        link=str(entry.get("link", "")),
        summary=str(entry.get("summary", "")),
        effect=entry.get("effect"),
    )


def _instruments(entries: Any) -> tuple[Instrument, ...]:
    return tuple(_instrument(entry) for entry in entries or ())


class LawTable:
    """The law table, with the EU/EEA regions."""

    def __init__(self, document: dict[str, Any]):
        self.reviewed = document.get("reviewed")
        self.regions: dict[str, frozenset[str]] = {
            name: frozenset(region.get("members", ()))
            for name, region in document.get("regions", {}).items()
        }
        self.countries: dict[str, CountryLaw] = {}
        for code, entry in document.get("countries", {}).items():
            self.countries[code] = CountryLaw(
                country=code,
                name=str(entry.get("name", code)),
                data_protection=_instruments(entry.get("data_protection")),
                localisation=_instruments(entry.get("localisation")),
                transfers=_instruments(entry.get("transfers")),
                foreign_access=_instruments(entry.get("foreign_access")),
                adequacy=dict(entry.get("adequacy") or {}),
                adequacy_scope=dict(entry.get("adequacy_scope") or {}),
                uncertain=entry.get("uncertain"),
                reviewed=entry.get("reviewed"),
            )
        eu = document.get("countries", {}).get("EU", {})
        self.eu_adequate = frozenset(eu.get("adequate_countries", ()))

    @classmethod
    def load(cls, path: Path | None = None) -> LawTable:
        path = path or resources_dir() / LAW_FILE
        if not path.exists():
            return cls({})
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def region_of(self, country: str) -> str | None:
        """ "EU" or "EEA" (EEA only for Iceland, Liechtenstein and Norway), else None."""
        if country in self.regions.get("EU", ()):
            return "EU"
        if country in self.regions.get("EEA", ()):
            return "EEA"
        return None

    def in_eea(self, country: str) -> bool:
        return country in self.regions.get("EEA", ()) or country in self.regions.get("EU", ())

    def law(self, country: str) -> CountryLaw | None:
        return self.countries.get(country)

    def flow(self, origin: str, destination: str) -> Flow:
        """The rules for data going from `origin` (the home country) to `destination`."""
        home = self.countries.get(origin)
        there = self.countries.get(destination)
        access = tuple(
            law for law in (there.foreign_access if there else ()) if law.effect != "block"
        )
        if origin == destination:
            return Flow(origin, destination, None, False, (), (), access, None,
                        "Data stays in the home country.")  # fmt: skip
        if self.in_eea(origin) and self.in_eea(destination):
            return Flow(
                origin, destination, "EEA", False, (), (), access, None,
                "Both countries are in the EEA: under the GDPR this is not a transfer abroad.",
            )  # fmt: skip
        transfers: tuple[Instrument, ...] = home.transfers if home else ()
        localisation: tuple[Instrument, ...] = home.localisation if home else ()
        adequate: bool | None = None
        side: str | None = None  # whose adequacy view applies
        if self.in_eea(origin):
            eu = self.countries.get("EU")
            if eu is not None:
                # A member's own entry may repeat the GDPR's rules: each is listed once.
                seen = {(rule.name, rule.instrument) for rule in transfers}
                transfers = transfers + tuple(
                    rule for rule in eu.transfers if (rule.name, rule.instrument) not in seen
                )
            adequate, side = destination in self.eu_adequate, "EU"
        elif there is not None and origin == "GB" and "GB" in there.adequacy:
            adequate, side = bool(there.adequacy["GB"]), "GB"
        if home is None:
            explanation = f"The law table has no entry for {origin} yet."
        elif not transfers:
            explanation = f"The law table names no rule of {home.name} for sending data abroad."
        else:
            names = "; ".join(rule.name for rule in transfers)
            explanation = f"Sending personal data from {home.name} abroad falls under: {names}."
        if adequate and there is not None and side in there.adequacy_scope:
            explanation += f" Adequacy covers {there.adequacy_scope[side]}."
        return Flow(
            origin, destination, None, True, localisation, transfers, access, adequate,
            explanation,
        )  # fmt: skip


@functools.cache
def shipped_law_table() -> LawTable:
    return LawTable.load()
