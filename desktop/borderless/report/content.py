"""The report's content: the versioned ``borderless-report/1`` document (docs/report-format.md).

Later versions of the app add sections; they never rename or remove one within version 1.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from borderless import __version__, analysis
from borderless.home import home_country, home_country_source
from borderless.pipeline import GEO_DATABASES_SETTING
from borderless.report.redaction import DEFAULT as DEFAULT_REDACTION
from borderless.report.redaction import Redaction, redact
from borderless.resolve.law import Instrument, LawTable, shipped_law_table
from borderless.resolve.owners import Attribution, Catalogue, shipped_catalogue
from borderless.store import Store, utc_now_text

SCHEMA = "borderless-report/1"


def build_report(
    store: Store,
    catalogue: Catalogue | None = None,
    laws: LawTable | None = None,
    redaction: Redaction = DEFAULT_REDACTION,
) -> dict[str, Any]:
    """The whole report as plain data, ready for JSON (the shipped catalogue and law table
    unless others are given), holding only what `redaction` reveals."""
    laws = laws or shipped_law_table()
    sources = store.sources()
    home = home_country(store)
    audit = analysis.audit(store, home, catalogue or shipped_catalogue(), laws)
    domains, networks, found = audit.domains, audit.networks, audit.attributions
    flows = audit.flows
    totals = dataclasses.asdict(audit.totals)
    totals["voluntary_cross_border_share"] = _share_fields(audit.share)
    content: dict[str, Any] = {
        "schema": SCHEMA,
        "generated_at": utc_now_text(),
        "generator": {"name": "Borderless", "version": __version__},
        "home_country": home,
        "home_country_source": home_country_source(store),
        "home_region": audit.home_region,
        "period": dataclasses.asdict(audit.period),
        "totals": totals,
        "resolution": _resolution_section(store, domains, networks),
        "countries": [dataclasses.asdict(country) for country in audit.server_countries],
        "legal_homes": [
            {
                "country": row.country,
                "visits": row.legal_home_visits,
                "platforms": row.legal_home_platforms,
            }
            for row in sorted(audit.countries, key=lambda r: (-r.legal_home_visits, r.country))
            if row.legal_home_visits
        ],
        "domains": [
            {
                "host": domain.host,
                "host_display": domain.host_display,
                "registrable_domain": domain.registrable_domain,
                "is_ip": domain.is_ip,
                "visits": domain.visits,
                "user_initiated_visits": domain.user_initiated_visits,
                "first_seen": domain.first_seen,
                "last_seen": domain.last_seen,
                "sources": list(domain.source_ids),
                **_network_fields(analysis.network_of(networks, domain.host)),
                **_owner_fields(found[domain.host]),
            }
            for domain in domains
        ],
        "platforms": [_platform_fields(platform) for platform in audit.platforms],
        "categories": _categories(audit),
        "timeline": [
            dataclasses.asdict(day)
            for day in analysis.bucket(analysis.timeline(store, home, found))
        ],
        "cookie_hosts": [dataclasses.asdict(entry) for entry in audit.cookies],
        "dns_hosts": [dataclasses.asdict(entry) for entry in audit.dns],
        "dns_clients": [_client_fields(client) for client in audit.clients],
        "blind_spots": [dataclasses.asdict(spot) for spot in audit.blind_spots],
        "flows": [_flow_fields(flow) for flow in flows],
        "laws": _laws_section(home, flows, laws),
        "sources": [
            {
                "id": source["id"],
                "kind": source["kind"],
                "browser": source["browser"],
                "profile": source["profile"],
                "path": source["path"],
                "records": source["records"],
                "last_scanned_at": source["last_scanned_at"],
                "status": source["last_status"],
                "error": source["last_error"],
            }
            for source in sources
        ],
    }
    days: list[dict[str, Any]] = content["timeline"]
    span = (
        (dt.date.fromisoformat(days[-1]["day"]) - dt.date.fromisoformat(days[0]["day"])).days
        if days
        else 0
    )
    # analysis.bucket counts weeks over long spans, by the same rule.
    content["timeline_unit"] = "week" if span >= analysis.WEEKS_FROM_DAYS else "day"
    if redaction is Redaction.NONE:
        content["urls"] = _urls(store)
    # redact() works on a JSON copy, which also turns the dataclasses' tuples into lists.
    return redact(content, redaction)


def _categories(audit: analysis.Audit) -> list[dict[str, Any]]:
    """Visits per category of platform, with how many went to owners at home abroad."""
    rows: dict[str, dict[str, Any]] = {}
    for platform in audit.platforms:
        category = platform.attribution.category or "uncategorised"
        row = rows.setdefault(
            category,
            {
                "category": category,
                "visits": 0,
                "user_initiated_visits": 0,
                "platforms": 0,
                "abroad_visits": 0,
            },  # fmt: skip
        )
        row["visits"] += platform.visits
        row["user_initiated_visits"] += platform.user_initiated_visits
        row["platforms"] += 1
        attribution = platform.attribution
        if audit.home and attribution.is_attributed and attribution.legal_home != audit.home:
            row["abroad_visits"] += platform.visits
    return sorted(rows.values(), key=lambda row: (-row["visits"], row["category"]))


def _urls(store: Store) -> list[dict[str, Any]]:
    """Full web addresses (only stored when the person chose to keep them), most visited first."""
    return store.rows(
        "SELECT p.url, count(*) AS visits FROM visits AS v JOIN pages AS p ON p.id = v.page_id"
        " GROUP BY v.page_id ORDER BY visits DESC, p.url"
    )


def _network_fields(network: analysis.HostNetwork) -> dict[str, Any]:
    return {
        "resolution_status": network.status or "not_resolved_yet",
        "resolution_detail": network.detail,
        "resolved_at": network.resolved_at,
        "cname_chain": list(network.cname_chain),
        "addresses": [dataclasses.asdict(fact) for fact in network.addresses],
        "server_countries": list(network.server_countries),
        "asns": [{"number": number, "organization": name} for number, name in network.asns],
        "anycast": network.anycast,
    }


def _resolution_section(
    store: Store, domains: list[analysis.DomainSummary], networks: dict[str, analysis.HostNetwork]
) -> dict[str, Any]:
    totals = analysis.resolution_totals(domains, networks)
    return {
        "hosts": totals.hosts,
        "resolved": totals.resolved,
        "located": totals.located,
        "not_resolved": totals.not_resolved,
        "resolvers": sorted({n.resolver for n in networks.values() if n.resolver}),
        "databases": json.loads(store.setting(GEO_DATABASES_SETTING) or "[]"),
    }


def _owner_fields(attribution: Attribution) -> dict[str, Any]:
    return {
        "platform": attribution.platform,
        "owner": attribution.parent,
        "legal_home": attribution.legal_home,
        "attribution": attribution.confidence.value,
    }


def _platform_fields(platform: analysis.PlatformSummary) -> dict[str, Any]:
    attribution = platform.attribution
    return {
        "id": attribution.platform_id,
        "name": attribution.platform,
        "category": attribution.category,
        "operator": attribution.operator,
        "parent": attribution.parent,
        "owner_kind": attribution.owner_kind,
        "legal_home": attribution.legal_home,
        "incorporated_in": attribution.incorporated_in,
        "attribution": attribution.confidence.value,
        "basis": attribution.basis,
        "sources": list(attribution.sources),
        "hosted_by": attribution.hosted_by,
        "visits": platform.visits,
        "user_initiated_visits": platform.user_initiated_visits,
        "domains": list(platform.hosts),
        "server_countries": list(platform.server_countries),
        "anycast": platform.anycast,
        "first_seen": platform.first_seen,
        "last_seen": platform.last_seen,
        "evidence": list(platform.evidence),
        "cookies": platform.cookies,
        "cookie_hosts": list(platform.cookie_hosts),
        "tracks_without_visit": platform.tracks_without_visit,
        "dns_lookups": platform.dns_lookups,
        "blocked_lookups": platform.blocked_lookups,
        "dns_hosts": list(platform.dns_hosts),
        "background": platform.background,
    }


def _client_fields(client: analysis.ClientSummary) -> dict[str, Any]:
    fields = dataclasses.asdict(client)
    fields["platforms"] = [{"platform": name, "lookups": count} for name, count in client.platforms]
    fields["abroad_share"] = client.abroad_share
    return fields


def _instrument_fields(instrument: Instrument) -> dict[str, Any]:
    return dataclasses.asdict(instrument)


def _flow_fields(summary: analysis.FlowSummary) -> dict[str, Any]:
    flow = summary.flow
    return {
        "kind": summary.kind,
        "from": flow.origin,
        "to": flow.destination,
        "region": flow.region,
        "is_transfer": flow.is_transfer,
        "adequate": flow.adequate,
        "visits": summary.visits,
        "user_initiated_visits": summary.user_initiated_visits,
        "platforms": list(summary.platforms),
        "explanation": flow.explanation,
        "origin_localisation": [_instrument_fields(i) for i in flow.origin_localisation],
        "origin_transfer_rules": [_instrument_fields(i) for i in flow.origin_transfer_rules],
        "destination_access_laws": [_instrument_fields(i) for i in flow.destination_access_laws],
    }


def _laws_section(
    home: str | None, flows: list[analysis.FlowSummary], laws: LawTable
) -> dict[str, Any]:
    """The law table's entries for the home country and every destination of a flow."""
    countries = ([home] if home else []) + [flow.flow.destination for flow in flows]
    if home and laws.in_eea(home):
        countries.append("EU")
    section = {}
    for country in dict.fromkeys(countries):
        law = laws.law(country)
        if law is None:
            continue
        section[country] = {
            "name": law.name,
            "data_protection": [_instrument_fields(i) for i in law.data_protection],
            "localisation": [_instrument_fields(i) for i in law.localisation],
            "transfers": [_instrument_fields(i) for i in law.transfers],
            "foreign_access": [_instrument_fields(i) for i in law.foreign_access],
            "uncertain": law.uncertain,
            "reviewed": law.reviewed,
        }
    return section


def _share_fields(share: analysis.VoluntaryShare) -> dict[str, Any]:
    fields = dataclasses.asdict(share)
    fields["foreign_legal_home_share"] = share.foreign_legal_home_share
    fields["outside_region_share"] = share.outside_region_share
    fields["servers_abroad_share"] = share.servers_abroad_share
    return fields
