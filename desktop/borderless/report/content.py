"""The report's content: the versioned ``borderless-report/1`` document (docs/report-format.md).

Later versions of the app add sections; they never rename or remove one within version 1.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from borderless import __version__, analysis
from borderless.home import home_country, home_country_source
from borderless.pipeline import GEO_DATABASES_SETTING
from borderless.store import Store, utc_now_text

SCHEMA = "borderless-report/1"


def build_report(store: Store) -> dict[str, Any]:
    """The whole report as plain data, ready for JSON."""
    sources = store.sources()
    domains = analysis.domain_summaries(store)
    networks = analysis.host_networks(store)
    return {
        "schema": SCHEMA,
        "generated_at": utc_now_text(),
        "generator": {"name": "Borderless", "version": __version__},
        "home_country": home_country(store),
        "home_country_source": home_country_source(store),
        "period": dataclasses.asdict(analysis.period(store)),
        "totals": dataclasses.asdict(analysis.totals(store)),
        "resolution": _resolution_section(store, domains, networks),
        "countries": [
            dataclasses.asdict(country) for country in analysis.server_countries(domains, networks)
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
            }
            for domain in domains
        ],
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
