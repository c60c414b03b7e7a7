"""Figures from the stored audit: totals, the period covered, and visits per domain.

Pure reads over the store; nothing here writes. Reports and the app show what these return.
"""

from __future__ import annotations

import datetime as dt
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
