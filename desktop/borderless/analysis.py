"""Figures from the stored audit: totals, the period covered, and visits per domain.

Pure reads over the store (and, for DNS blind spots, the browsers' own settings files); nothing
here writes. Reports and the app show what these return.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from borderless.domains import display_host
from borderless.model import USER_TRANSITIONS, Source, SourceKind
from borderless.resolve.law import Flow, LawTable
from borderless.resolve.owners import Attribution, Catalogue, Confidence
from borderless.sources.doh import doh_blind_spot
from borderless.store import Store

# A visit the person started on this device (model.USER_TRANSITIONS), as SQL over `visits`.
USER_INITIATED_SQL = (
    "(transition IN ("
    + ", ".join(f"'{name.value}'" for name in sorted(USER_TRANSITIONS))
    + ") AND NOT synced)"
)


def _ids(concatenated: object) -> tuple[int, ...]:
    """The ids of SQLite's group_concat(DISTINCT id), sorted."""
    return tuple(sorted(int(part) for part in str(concatenated).split(",")))


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


# A time range of visits: (first, last) in microseconds since 1970, both included.
Between = tuple[int, int]


def _visits(between: Between | None) -> tuple[str, list[int]]:
    """The visits table, or the part of it in a time range, as a FROM clause and parameters."""
    if between is None:
        return "visits", []
    return "(SELECT * FROM visits WHERE visited_at_us BETWEEN ? AND ?)", list(between)


def period(store: Store, between: Between | None = None) -> Period:
    table, parameters = _visits(between)
    first, last = store.connection.execute(
        f"SELECT min(visited_at_us), max(visited_at_us) FROM {table}", parameters
    ).fetchone()
    if first is None:
        return Period(None, None, 0)
    first_day = dt.datetime.fromtimestamp(first / 1_000_000, tz=dt.UTC).date()
    last_day = dt.datetime.fromtimestamp(last / 1_000_000, tz=dt.UTC).date()
    return Period(time_text(first), time_text(last), (last_day - first_day).days + 1)


def totals(store: Store, between: Between | None = None) -> Totals:
    table, parameters = _visits(between)
    visits, user_initiated, synced, domains, registrable = store.connection.execute(
        f"""SELECT count(*), coalesce(sum({USER_INITIATED_SQL}), 0), coalesce(sum(synced), 0),
                   count(DISTINCT host_id),
                   (SELECT count(DISTINCT registrable_domain) FROM hosts
                    WHERE id IN (SELECT DISTINCT host_id FROM {table}))
            FROM {table}""",
        parameters * 2,
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


def domain_summaries(store: Store, between: Between | None = None) -> list[DomainSummary]:
    """Every host visited (in the time range, if one is given), most visited first."""
    table, parameters = _visits(between)
    rows = store.connection.execute(
        f"""SELECT h.name, h.registrable_domain, h.is_ip, v.visits, v.user_initiated,
                   v.first_us, v.last_us, v.source_ids
            FROM (SELECT host_id, count(*) AS visits, sum({USER_INITIATED_SQL}) AS user_initiated,
                         min(visited_at_us) AS first_us, max(visited_at_us) AS last_us,
                         group_concat(DISTINCT source_id) AS source_ids
                  FROM {table} GROUP BY host_id) AS v
            JOIN hosts AS h ON h.id = v.host_id
            ORDER BY v.visits DESC, h.name""",
        parameters,
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
            source_ids=_ids(source_ids),
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


# Ownership, flows and the voluntary cross-border share ------------------------------------------


def attributions(
    domains: list[DomainSummary], networks: dict[str, HostNetwork], catalogue: Catalogue
) -> dict[str, Attribution]:
    """Who runs each visited host (see resolve.owners), by host name."""
    found = {}
    for domain in domains:
        network = network_of(networks, domain.host)
        operator = next((f.as_organization for f in network.addresses if f.as_organization), None)
        found[domain.host] = catalogue.attribute(domain.host, domain.registrable_domain, operator)
    return found


@dataclass(frozen=True, slots=True)
class PlatformSummary:
    """Visits to one platform (or, where none is known, one registrable domain)."""

    key: str  # the platform id, or "domain:<registrable domain>"
    attribution: Attribution
    visits: int
    user_initiated_visits: int
    hosts: tuple[str, ...]
    server_countries: tuple[str, ...]
    anycast: bool
    first_seen: str | None = None
    last_seen: str | None = None
    evidence: tuple[str, ...] = ("history",)  # kinds of evidence: history, cookies (DNS later)
    cookies: int = 0  # cookies kept for its hosts, in every jar read
    cookie_hosts: tuple[str, ...] = ()
    dns_lookups: int = 0  # lookups of its hosts in DNS evidence
    blocked_lookups: int = 0  # of those, refused by a filter
    dns_hosts: tuple[str, ...] = ()

    @property
    def background(self) -> bool:
        """Looked up (by an app, a page's scripts, another device) but never visited."""
        return self.dns_lookups > 0 and self.visits == 0

    @property
    def tracks_without_visit(self) -> bool:
        """Cookies of it are on the machine, yet the person never visited it."""
        return self.cookies > 0 and self.visits == 0


@dataclass(frozen=True, slots=True)
class CookieEvidence:
    """A host some browser keeps cookies for (never their names or values)."""

    host: str
    registrable_domain: str | None
    cookies: int
    persistent: bool
    last_accessed: str | None
    sources: tuple[int, ...]


def cookie_evidence(store: Store) -> list[CookieEvidence]:
    """Every host with cookies in a jar read so far, most cookies first."""
    rows = store.connection.execute(
        """SELECT h.name, h.registrable_domain, sum(c.cookies), max(c.persistent),
                  max(c.last_accessed_us), group_concat(DISTINCT c.source_id)
           FROM cookie_hosts AS c JOIN hosts AS h ON h.id = c.host_id
           GROUP BY c.host_id ORDER BY 3 DESC, h.name"""
    ).fetchall()
    return [
        CookieEvidence(
            host=name,
            registrable_domain=registrable,
            cookies=int(count),
            persistent=bool(persistent),
            last_accessed=time_text(last) if last else None,
            sources=_ids(sources),
        )
        for name, registrable, count, persistent, last, sources in rows
    ]


@dataclass(frozen=True, slots=True)
class DnsEvidence:
    """A host some DNS log, database or capture saw looked up."""

    host: str
    registrable_domain: str | None
    lookups: int
    blocked: int  # attempts a filter refused: no data was sent
    clients: tuple[str, ...]  # the asking devices, where recorded
    sources: tuple[int, ...]


def _lookups(between: Between | None) -> tuple[str, list[int]]:
    """The dns_lookups table, or its part in a time range, as a FROM clause and parameters."""
    if between is None:
        return "dns_lookups", []
    return "(SELECT * FROM dns_lookups WHERE time_us BETWEEN ? AND ?)", list(between)


def dns_evidence(store: Store, between: Between | None = None) -> list[DnsEvidence]:
    """Every host seen in DNS evidence (in the time range, if one is given), most looked up
    first."""
    table, parameters = _lookups(between)
    rows = store.connection.execute(
        f"""SELECT h.name, h.registrable_domain, count(*), sum(l.outcome = 'blocked'),
                   group_concat(DISTINCT l.client), group_concat(DISTINCT l.source_id)
            FROM {table} AS l JOIN hosts AS h ON h.id = l.host_id
            GROUP BY l.host_id ORDER BY 3 DESC, h.name""",
        parameters,
    ).fetchall()
    return [
        DnsEvidence(
            host=name,
            registrable_domain=registrable,
            lookups=int(lookups),
            blocked=int(blocked or 0),
            clients=tuple(sorted(str(clients).split(","))) if clients else (),
            sources=_ids(sources),
        )
        for name, registrable, lookups, blocked, clients, sources in rows
    ]


@dataclass(frozen=True, slots=True)
class ClientSummary:
    """One device as DNS evidence saw it: a home resolver's log names every phone, laptop and
    television behind it, and what each of them looked up."""

    client: str | None  # its address; None for evidence that does not say who asked
    lookups: int
    blocked: int  # attempts a filter refused: no data was sent
    hosts: int
    background_hosts: int  # hosts it looked up that no browser history visited
    attributed_lookups: int  # allowed lookups of platforms whose owner's home is known
    abroad_lookups: int  # of those, platforms whose owner is at home outside the home country
    platforms: tuple[tuple[str, int], ...]  # the platforms it looked up most, with counts
    first_seen: str | None
    last_seen: str | None

    @property
    def abroad_share(self) -> float | None:
        """Of its allowed lookups of attributed platforms, the share run from abroad."""
        return self.abroad_lookups / self.attributed_lookups if self.attributed_lookups else None


# How many platforms a device's summary names.
CLIENT_TOP_PLATFORMS = 5


def client_summaries(
    store: Store,
    home: str | None,
    found: dict[str, Attribution],
    visited: set[str],
    between: Between | None = None,
) -> list[ClientSummary]:
    """Per asking device, what the DNS evidence says it looked up, most active first.

    Args:
        store: the audit.
        home: the person's home country, for the abroad counts (None: nothing is abroad).
        found: attributions of every host in DNS evidence (`audit` makes them).
        visited: hosts some browser history visited; the rest are background traffic.
        between: only lookups in this time range.
    """
    table, parameters = _lookups(between)
    rows = store.connection.execute(
        f"""SELECT l.client, h.name, count(*), sum(l.outcome = 'blocked'),
                   min(l.time_us), max(l.time_us)
            FROM {table} AS l JOIN hosts AS h ON h.id = l.host_id
            GROUP BY l.client, l.host_id""",
        parameters,
    ).fetchall()
    by_client: dict[str | None, list[tuple[str, int, int, int, int]]] = {}
    for client, host, lookups, blocked, first, last in rows:
        by_client.setdefault(client, []).append(
            (host, int(lookups), int(blocked or 0), int(first), int(last))
        )
    summaries = []
    for client, hosts in by_client.items():
        platforms: dict[str, int] = {}
        attributed = abroad = 0
        for host, lookups, blocked, _, _ in hosts:
            attribution = found.get(host)
            allowed = lookups - blocked
            if attribution is None or allowed <= 0:
                continue
            platforms[attribution.platform] = platforms.get(attribution.platform, 0) + allowed
            if attribution.is_attributed:
                attributed += allowed
                if home is not None and attribution.legal_home != home:
                    abroad += allowed
        top = sorted(platforms.items(), key=lambda item: (-item[1], item[0]))
        summaries.append(
            ClientSummary(
                client=client,
                lookups=sum(entry[1] for entry in hosts),
                blocked=sum(entry[2] for entry in hosts),
                hosts=len(hosts),
                background_hosts=sum(1 for entry in hosts if entry[0] not in visited),
                attributed_lookups=attributed,
                abroad_lookups=abroad,
                platforms=tuple(top[:CLIENT_TOP_PLATFORMS]),
                first_seen=time_text(min(entry[3] for entry in hosts)),
                last_seen=time_text(max(entry[4] for entry in hosts)),
            )
        )
    summaries.sort(key=lambda summary: (-summary.lookups, summary.client or ""))
    return summaries


@dataclass(frozen=True, slots=True)
class BlindSpot:
    """A browser whose lookups the DNS evidence on this computer cannot see."""

    source: int
    browser: str
    profile: str
    problem: str


def blind_spots(store: Store) -> list[BlindSpot]:
    """Browsers with DNS over HTTPS on: local DNS logs and captures miss their lookups.

    The browsers' own settings files are read (never changed) at the path stored for each
    history, so a profile that has gone since its scan says nothing.
    """
    spots = []
    for row in store.sources():
        try:
            kind = SourceKind(row["kind"])
        except ValueError:
            continue
        reason = doh_blind_spot(Source(kind, row["browser"], row["profile"], Path(row["path"])))
        if reason is not None:
            problem = (
                f"{reason}: DNS logs and captures on this computer miss its lookups, "
                "so DNS evidence for it is incomplete"
            )
            spots.append(BlindSpot(int(row["id"]), row["browser"], row["profile"], problem))
    return spots


def platform_summaries(
    domains: list[DomainSummary],
    networks: dict[str, HostNetwork],
    found: dict[str, Attribution],
    cookies: list[CookieEvidence] = [],  # noqa: B006 - never mutated
    dns: list[DnsEvidence] = [],  # noqa: B006 - never mutated
) -> list[PlatformSummary]:
    """Hosts grouped by the platform that runs them, most visited first. Hosts known only from
    cookies (every one needs an attribution in `found`) join their platform, or make one of
    their own: a platform that tracks the person without a visit."""
    groups: dict[str, list[DomainSummary]] = {}
    cookie_groups: dict[str, list[CookieEvidence]] = {}
    for domain in domains:
        attribution = found[domain.host]
        key = attribution.platform_id or f"domain:{attribution.platform}"
        groups.setdefault(key, []).append(domain)
    for cookie_host in cookies:
        attribution = found[cookie_host.host]
        key = attribution.platform_id or f"domain:{attribution.platform}"
        cookie_groups.setdefault(key, []).append(cookie_host)
    dns_groups: dict[str, list[DnsEvidence]] = {}
    for looked_up in dns:
        attribution = found[looked_up.host]
        key = attribution.platform_id or f"domain:{attribution.platform}"
        dns_groups.setdefault(key, []).append(looked_up)
    summaries = []
    for key in {**groups, **cookie_groups, **dns_groups}:
        members = groups.get(key, [])
        jars = cookie_groups.get(key, [])
        names = dns_groups.get(key, [])
        countries = sorted(
            {c for m in members for c in network_of(networks, m.host).server_countries}
        )
        kinds = (
            (("history",) if members else ())
            + (("cookies",) if jars else ())
            + (("dns",) if names else ())
        )
        first_host = (members or jars or names)[0].host
        summaries.append(
            PlatformSummary(
                key=key,
                attribution=found[first_host],
                visits=sum(m.visits for m in members),
                user_initiated_visits=sum(m.user_initiated_visits for m in members),
                hosts=tuple(m.host for m in members),
                server_countries=tuple(countries),
                anycast=any(network_of(networks, m.host).anycast for m in members),
                first_seen=min((m.first_seen for m in members if m.first_seen), default=None),
                last_seen=max((m.last_seen for m in members if m.last_seen), default=None),
                evidence=kinds,
                cookies=sum(jar.cookies for jar in jars),
                cookie_hosts=tuple(jar.host for jar in jars),
                dns_lookups=sum(name.lookups for name in names),
                blocked_lookups=sum(name.blocked for name in names),
                dns_hosts=tuple(name.host for name in names),
            )
        )
    summaries.sort(key=lambda summary: (-summary.visits, -summary.cookies, summary.key))
    return summaries


@dataclass(frozen=True, slots=True)
class VoluntaryShare:
    """Of the visits the person started, how many went to platforms at home abroad.

    Every share states its denominator; what could not be attributed is counted, not hidden.
    """

    home_country: str | None
    home_region: str | None  # "EU" / "EEA" when the home country is in it
    user_initiated_visits: int  # all visits the person started on this device
    attributed_visits: int  # of those, to platforms whose legal home the catalogue knows
    foreign_legal_home_visits: int  # of the attributed, to platforms at home in another country
    outside_region_visits: int  # of the attributed, at home outside the home region (or country)
    suggested_visits: int  # only a country-code domain hints at the operator's country
    unattributed_visits: int  # no legal home known at all
    located_visits: int  # visits to hosts with at least one server placed in a country
    servers_abroad_visits: int  # of the located, to hosts with no server in the home country

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def foreign_legal_home_share(self) -> float | None:
        return self._share(self.foreign_legal_home_visits, self.attributed_visits)

    @property
    def outside_region_share(self) -> float | None:
        return self._share(self.outside_region_visits, self.attributed_visits)

    @property
    def servers_abroad_share(self) -> float | None:
        return self._share(self.servers_abroad_visits, self.located_visits)


def voluntary_share(
    home: str | None,
    domains: list[DomainSummary],
    networks: dict[str, HostNetwork],
    found: dict[str, Attribution],
    laws: LawTable,
) -> VoluntaryShare:
    """The voluntary cross-border share of the visits the person started themselves."""
    region = laws.region_of(home) if home else None
    started = attributed = foreign = outside = suggested = unknown = located = abroad = 0
    for domain in domains:
        count = domain.user_initiated_visits
        if not count:
            continue
        started += count
        attribution = found[domain.host]
        if attribution.is_attributed and attribution.legal_home is not None:
            attributed += count
            if home is not None and attribution.legal_home != home:
                foreign += count
                if not (region and laws.in_eea(home) and laws.in_eea(attribution.legal_home)):
                    outside += count
        elif attribution.confidence is Confidence.SUGGESTED:
            suggested += count
        else:
            unknown += count
        countries = network_of(networks, domain.host).server_countries
        if countries:
            located += count
            if home is not None and home not in countries:
                abroad += count
    return VoluntaryShare(
        home_country=home,
        home_region=region,
        user_initiated_visits=started,
        attributed_visits=attributed,
        foreign_legal_home_visits=foreign,
        outside_region_visits=outside,
        suggested_visits=suggested,
        unattributed_visits=unknown,
        located_visits=located,
        servers_abroad_visits=abroad,
    )


@dataclass(frozen=True, slots=True)
class FlowSummary:
    """Visits whose data went from the home country to one destination, and the law around it."""

    kind: str  # "legal_home": to the owner's country; "server": to where servers answered
    flow: Flow
    visits: int
    user_initiated_visits: int
    platforms: tuple[str, ...]  # the most visited first, up to ten


def flows(
    home: str | None,
    platforms: list[PlatformSummary],
    laws: LawTable,
) -> list[FlowSummary]:
    """Flows from the home country to each legal home and each server country, most visited
    first. Nothing when the home country is unknown."""
    if home is None:
        return []
    buckets: dict[tuple[str, str], list[PlatformSummary]] = {}
    for platform in platforms:
        legal_home = platform.attribution.legal_home
        if legal_home is not None and platform.attribution.is_attributed:
            buckets.setdefault(("legal_home", legal_home), []).append(platform)
        for country in platform.server_countries:
            buckets.setdefault(("server", country), []).append(platform)
    result = [
        FlowSummary(
            kind=kind,
            flow=laws.flow(home, destination),
            visits=sum(p.visits for p in members),
            user_initiated_visits=sum(p.user_initiated_visits for p in members),
            platforms=tuple(p.attribution.platform for p in members[:10]),
        )
        for (kind, destination), members in buckets.items()
    ]
    result.sort(key=lambda item: (item.kind != "legal_home", -item.visits, item.flow.destination))
    return result


@dataclass(frozen=True, slots=True)
class CountryRow:
    """One destination country seen two ways: as the legal home of platforms, and as the place
    servers answered from."""

    country: str
    legal_home_visits: int
    legal_home_platforms: int
    server_visits: int
    server_hosts: int
    edge_only_server_visits: int


@dataclass(frozen=True, slots=True)
class Audit:
    """Everything the report and the window show, computed once from the store."""

    home: str | None
    home_region: str | None
    totals: Totals
    period: Period
    domains: list[DomainSummary]
    networks: dict[str, HostNetwork]
    attributions: dict[str, Attribution]
    platforms: list[PlatformSummary]
    server_countries: list[CountryVisits]
    countries: list[CountryRow]
    flows: list[FlowSummary]
    share: VoluntaryShare
    home_source: str | None = None  # "set", "timezone", "locale": how the home was decided
    cookies: list[CookieEvidence] = field(default_factory=list)
    dns: list[DnsEvidence] = field(default_factory=list)
    clients: list[ClientSummary] = field(default_factory=list)
    blind_spots: list[BlindSpot] = field(default_factory=list)


def country_rows(platforms: list[PlatformSummary], server: list[CountryVisits]) -> list[CountryRow]:
    """Per country, visits by legal home and by server location, most visits first."""
    by_home: dict[str, list[PlatformSummary]] = {}
    for platform in platforms:
        home = platform.attribution.legal_home
        # Platforms only seen in cookies or DNS are in `platforms` too; this table counts visits.
        if home is not None and platform.attribution.is_attributed and platform.visits:
            by_home.setdefault(home, []).append(platform)
    by_server = {row.country: row for row in server}
    rows = []
    for country in sorted(set(by_home) | set(by_server)):
        members = by_home.get(country, [])
        located = by_server.get(country)
        rows.append(
            CountryRow(
                country=country,
                legal_home_visits=sum(p.visits for p in members),
                legal_home_platforms=len(members),
                server_visits=located.visits if located else 0,
                server_hosts=located.hosts if located else 0,
                edge_only_server_visits=located.edge_only_visits if located else 0,
            )
        )
    rows.sort(key=lambda row: (-max(row.legal_home_visits, row.server_visits), row.country))
    return rows


def audit(
    store: Store,
    home: str | None,
    catalogue: Catalogue,
    laws: LawTable,
    between: Between | None = None,
    home_source: str | None = None,
) -> Audit:
    """The whole analysed audit for `home` (the person's home country, or None), of the visits
    in a time range if one is given."""
    domains = domain_summaries(store, between)
    networks = host_networks(store)
    found = attributions(domains, networks, catalogue)
    # Cookies are the state of a jar now, not events in time: a period leaves them out.
    cookies = cookie_evidence(store) if between is None else []
    # Lookups are events in time, like visits: a period keeps those inside it.
    looked_up = dns_evidence(store, between)
    seen_elsewhere: list[tuple[str, str | None]] = [
        (entry.host, entry.registrable_domain) for entry in cookies
    ] + [(entry.host, entry.registrable_domain) for entry in looked_up]
    for host, registrable in seen_elsewhere:
        if host not in found:
            found[host] = catalogue.attribute(host, registrable)
    platforms = platform_summaries(domains, networks, found, cookies, looked_up)
    server = server_countries(domains, networks)
    return Audit(
        home=home,
        home_region=laws.region_of(home) if home else None,
        totals=totals(store, between),
        period=period(store, between),
        domains=domains,
        networks=networks,
        attributions=found,
        platforms=platforms,
        server_countries=server,
        countries=country_rows(platforms, server),
        flows=flows(home, platforms, laws),
        share=voluntary_share(home, domains, networks, found, laws),
        home_source=home_source,
        cookies=cookies,
        dns=looked_up,
        clients=client_summaries(store, home, found, {domain.host for domain in domains}, between),
        blind_spots=blind_spots(store),
    )


@dataclass(frozen=True, slots=True)
class DayVisits:
    """Visits of one UTC day by where the platform's owner is at home."""

    day: str  # YYYY-MM-DD
    home: int  # owner at home in the home country
    abroad: int  # owner at home elsewhere
    unknown: int  # owner not known


def timeline(store: Store, home: str | None, found: dict[str, Attribution]) -> list[DayVisits]:
    """Visits per UTC day, home against abroad by legal home, in order of days.

    `found` holds the attributions of every visited host (from `attributions`).
    """
    # Each host's column (0 home, 1 abroad, 2 unknown) goes into a scratch table of this
    # connection, keyed by host, so the counting is one pass over the visits in SQLite rather
    # than a row per day and host here (half a million rows for a big history).
    kinds: list[tuple[int, int]] = []
    for host_id, name in store.connection.execute(
        "SELECT id, name FROM hosts WHERE id IN (SELECT DISTINCT host_id FROM visits)"
    ):
        attribution = found.get(name)
        if attribution is None or not attribution.is_attributed or home is None:
            kinds.append((host_id, 2))
        elif attribution.legal_home == home:
            kinds.append((host_id, 0))
        else:
            kinds.append((host_id, 1))
    execute = store.connection.execute
    execute("CREATE TEMP TABLE IF NOT EXISTS timeline_kinds (host_id INTEGER PRIMARY KEY, kind)")
    days: dict[int, list[int]] = {}
    try:
        execute("DELETE FROM temp.timeline_kinds")
        store.connection.executemany("INSERT INTO temp.timeline_kinds VALUES (?, ?)", kinds)
        for day_number, kind, count in execute(
            # Whole days since 1970, rounded down also before it (SQLite rounds towards zero).
            """SELECT v.visited_at_us / 86400000000
                      - (v.visited_at_us < 0 AND v.visited_at_us % 86400000000 != 0),
                      k.kind, count(*)
               FROM visits AS v JOIN temp.timeline_kinds AS k ON k.host_id = v.host_id
               GROUP BY 1, 2"""
        ):
            days.setdefault(int(day_number), [0, 0, 0])[int(kind)] += count
    finally:
        execute("DELETE FROM temp.timeline_kinds")
    epoch = dt.date(1970, 1, 1)
    return [
        DayVisits((epoch + dt.timedelta(days=number)).isoformat(), *counts)
        for number, counts in sorted(days.items())
    ]


# Above this many days, a timeline counts weeks: a bar per day would be thinner than a pixel.
WEEKS_FROM_DAYS = 120


def bucket(days: list[DayVisits]) -> list[DayVisits]:
    """Days as they are, or summed into ISO weeks (labelled by their Monday) for long spans."""
    if not days:
        return []
    first = dt.date.fromisoformat(days[0].day)
    last = dt.date.fromisoformat(days[-1].day)
    if (last - first).days < WEEKS_FROM_DAYS:
        return days
    weeks: dict[str, list[int]] = {}
    for day in days:
        date = dt.date.fromisoformat(day.day)
        monday = (date - dt.timedelta(days=date.weekday())).isoformat()
        counts = weeks.setdefault(monday, [0, 0, 0])
        counts[0] += day.home
        counts[1] += day.abroad
        counts[2] += day.unknown
    return [DayVisits(monday, *counts) for monday, counts in sorted(weeks.items())]


def day_range(first_day: str, last_day: str) -> Between:
    """The microsecond range covering two UTC days, both whole."""
    start = dt.datetime.fromisoformat(first_day).replace(tzinfo=dt.UTC)
    end = dt.datetime.fromisoformat(last_day).replace(tzinfo=dt.UTC) + dt.timedelta(days=1)
    return int(start.timestamp() * 1_000_000), int(end.timestamp() * 1_000_000) - 1
