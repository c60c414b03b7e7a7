"""Figures from the stored audit: totals, the period covered, and visits per domain.

Pure reads over the store; nothing here writes. Reports and the app show what these return.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from borderless.domains import display_host
from borderless.model import USER_TRANSITIONS
from borderless.store import Store

# A visit the person started on this device (model.USER_TRANSITIONS), as SQL over `visits`.
USER_INITIATED_SQL = (
    "(transition IN ("
    + ", ".join(f"'{name.value}'" for name in sorted(USER_TRANSITIONS))
    + ") AND NOT synced)"
)


def time_text(visited_at_us: int | None) -> str | None:
    """ISO 8601 UTC text for a visit time in microseconds since 1970, to the second."""
    if visited_at_us is None:
        return None
    moment = dt.datetime.fromtimestamp(visited_at_us / 1_000_000, tz=dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Period:
    first_visit: str | None
    last_visit: str | None
    days: int  # calendar days from the first visit to the last, both counted


@dataclass(frozen=True, slots=True)
class Totals:
    visits: int
    user_initiated_visits: int
    synced_visits: int
    domains: int  # distinct hosts
    registrable_domains: int
    sources: int
    sources_with_errors: int


@dataclass(frozen=True, slots=True)
class DomainSummary:
    host: str  # canonical (punycode)
    host_display: str  # Unicode for IDN
    registrable_domain: str | None
    is_ip: bool
    visits: int
    user_initiated_visits: int
    first_seen: str | None
    last_seen: str | None
    source_ids: tuple[int, ...]


def period(store: Store) -> Period:
    first, last = store.connection.execute(
        "SELECT min(visited_at_us), max(visited_at_us) FROM visits"
    ).fetchone()
    if first is None:
        return Period(None, None, 0)
    first_day = dt.datetime.fromtimestamp(first / 1_000_000, tz=dt.UTC).date()
    last_day = dt.datetime.fromtimestamp(last / 1_000_000, tz=dt.UTC).date()
    return Period(time_text(first), time_text(last), (last_day - first_day).days + 1)


def totals(store: Store) -> Totals:
    visits, user_initiated, synced, domains, registrable = store.connection.execute(
        f"""SELECT count(*), coalesce(sum({USER_INITIATED_SQL}), 0), coalesce(sum(synced), 0),
                   count(DISTINCT host_id),
                   (SELECT count(DISTINCT registrable_domain) FROM hosts
                    WHERE id IN (SELECT DISTINCT host_id FROM visits))
            FROM visits"""
    ).fetchone()
    sources, failing = store.connection.execute(
        "SELECT count(*), coalesce(sum(last_status = 'error'), 0) FROM sources"
    ).fetchone()
    return Totals(
        visits=visits,
        user_initiated_visits=user_initiated,
        synced_visits=synced,
        domains=domains,
        registrable_domains=registrable,
        sources=sources,
        sources_with_errors=failing,
    )


def domain_summaries(store: Store) -> list[DomainSummary]:
    """Every host visited, most visited first."""
    rows = store.connection.execute(
        f"""SELECT h.name, h.registrable_domain, h.is_ip, v.visits, v.user_initiated,
                   v.first_us, v.last_us, v.source_ids
            FROM (SELECT host_id, count(*) AS visits, sum({USER_INITIATED_SQL}) AS user_initiated,
                         min(visited_at_us) AS first_us, max(visited_at_us) AS last_us,
                         group_concat(DISTINCT source_id) AS source_ids
                  FROM visits GROUP BY host_id) AS v
            JOIN hosts AS h ON h.id = v.host_id
            ORDER BY v.visits DESC, h.name"""
    ).fetchall()
    return [
        DomainSummary(
            host=name,
            host_display=display_host(name),
            registrable_domain=registrable,
            is_ip=bool(is_ip),
            visits=visits,
            user_initiated_visits=user_initiated,
            first_seen=time_text(first_us),
            last_seen=time_text(last_us),
            source_ids=tuple(sorted(int(part) for part in str(source_ids).split(","))),
        )
        for name, registrable, is_ip, visits, user_initiated, first_us, last_us, source_ids in rows
    ]


@dataclass(frozen=True, slots=True)
class AddressFacts:
    """One address a host resolved to, and what the databases say about it."""

    address: str
    scope: str
    country: str | None
    asn: int | None
    as_organization: str | None
    edge_kind: str | None  # "anycast" or "cdn": the country is that of an edge near the person
    edge_operator: str | None
    country_database: str | None  # the database file that gave the country
    asn_database: str | None


@dataclass(frozen=True, slots=True)
class HostNetwork:
    """Where a host's servers are, as far as DNS and geolocation tell."""

    status: str | None  # model.ResolutionStatus, None when never resolved
    detail: str | None
    resolver: str | None
    resolved_at: str | None
    cname_chain: tuple[str, ...]
    addresses: tuple[AddressFacts, ...]

    @property
    def server_countries(self) -> tuple[str, ...]:
        return tuple(sorted({fact.country for fact in self.addresses if fact.country}))

    @property
    def asns(self) -> tuple[tuple[int, str | None], ...]:
        found = {fact.asn: fact.as_organization for fact in self.addresses if fact.asn is not None}
        return tuple(sorted(found.items()))

    @property
    def anycast(self) -> bool:
        """Whether any of its addresses belongs to an anycast or CDN edge network."""
        return any(fact.edge_kind for fact in self.addresses)


_NEVER_RESOLVED = HostNetwork(None, None, None, None, (), ())


def host_networks(store: Store) -> dict[str, HostNetwork]:
    """The resolution and located addresses of every visited host, by host name."""
    resolutions = store.connection.execute(
        """SELECT h.name, r.status, r.detail, r.resolver, r.resolved_at, r.cname_chain
           FROM resolutions AS r JOIN hosts AS h ON h.id = r.host_id"""
    ).fetchall()
    addresses: dict[str, list[AddressFacts]] = {}
    for name, *facts in store.connection.execute(
        """SELECT h.name, ha.address, coalesce(a.scope, 'unknown'), a.country, a.asn,
                  a.as_organization, a.edge_kind, a.edge_operator, a.country_database,
                  a.asn_database
           FROM host_addresses AS ha JOIN hosts AS h ON h.id = ha.host_id
           LEFT JOIN addresses AS a ON a.address = ha.address
           ORDER BY h.name, instr(ha.address, ':') > 0, ha.address"""
    ):
        addresses.setdefault(name, []).append(AddressFacts(*facts))
    return {
        name: HostNetwork(
            status=status,
            detail=detail,
            resolver=resolver,
            resolved_at=resolved_at,
            cname_chain=tuple(json.loads(chain)),
            addresses=tuple(addresses.get(name, ())),
        )
        for name, status, detail, resolver, resolved_at, chain in resolutions
    }


def network_of(networks: dict[str, HostNetwork], host: str) -> HostNetwork:
    return networks.get(host, _NEVER_RESOLVED)


@dataclass(frozen=True, slots=True)
class CountryVisits:
    """Visits to hosts with a server located in one country."""

    country: str
    visits: int
    hosts: int
    edge_only_visits: int  # visits to hosts located there only through anycast or CDN edges


def server_countries(
    domains: list[DomainSummary], networks: dict[str, HostNetwork]
) -> list[CountryVisits]:
    """Visits per server country, most visited first.

    A host answered from servers in two countries counts toward both, so the visits of all
    countries together may exceed the visits of the audit.
    """
    visits: Counter[str] = Counter()
    hosts: Counter[str] = Counter()
    edge_only: Counter[str] = Counter()
    for domain in domains:
        network = network_of(networks, domain.host)
        for country in network.server_countries:
            here = [fact for fact in network.addresses if fact.country == country]
            visits[country] += domain.visits
            hosts[country] += 1
            if all(fact.edge_kind for fact in here):
                edge_only[country] += domain.visits
    return [
        CountryVisits(country, count, hosts[country], edge_only[country])
        for country, count in sorted(visits.items(), key=lambda item: (-item[1], item[0]))
    ]


@dataclass(frozen=True, slots=True)
class ResolutionTotals:
    """How resolution went for the visited hosts."""

    hosts: int
    resolved: int  # with at least one address
    located: int  # with at least one address placed in a country
    not_resolved: dict[str, int]  # status -> hosts, for every host without an address


def resolution_totals(
    domains: list[DomainSummary], networks: dict[str, HostNetwork]
) -> ResolutionTotals:
    not_resolved: Counter[str] = Counter()
    resolved = located = 0
    for domain in domains:
        network = network_of(networks, domain.host)
        if network.addresses:
            resolved += 1
            located += bool(network.server_countries)
        else:
            not_resolved[network.status or "not_resolved_yet"] += 1
    return ResolutionTotals(len(domains), resolved, located, dict(sorted(not_resolved.items())))
