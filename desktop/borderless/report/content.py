"""The report's content: the versioned ``borderless-report/1`` document (docs/report-format.md).

Later versions of the app add sections; they never rename or remove one within version 1.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from borderless import __version__, analysis
from borderless.home import home_country, home_country_source
from borderless.store import Store, utc_now_text

SCHEMA = "borderless-report/1"


def build_report(store: Store) -> dict[str, Any]:
    """The whole report as plain data, ready for JSON."""
    sources = store.sources()
    return {
        "schema": SCHEMA,
        "generated_at": utc_now_text(),
        "generator": {"name": "Borderless", "version": __version__},
        "home_country": home_country(store),
        "home_country_source": home_country_source(store),
        "period": dataclasses.asdict(analysis.period(store)),
        "totals": dataclasses.asdict(analysis.totals(store)),
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
            }
            for domain in analysis.domain_summaries(store)
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
