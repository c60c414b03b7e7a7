"""DNS lookups from Pi-hole's long-term database, ``pihole-FTL.db``, read from a private copy.

Format facts (Pi-hole FTL's source: ``src/database/query-table.h`` and ``src/enums.h``, and the
Pi-hole documentation's "Query database" page):

- Since FTL v5.10 (database version 10) queries live in the table ``query_storage``, whose
  ``domain``, ``client`` and ``forward`` columns are ids into ``domain_by_id``,
  ``client_by_id`` (``ip``, ``name``) and ``forward_by_id``; the view ``queries`` joins them
  back into text. Older databases have a plain ``queries`` table with the same column names,
  so this reader only ever reads the ``queries`` view or table.
- ``timestamp`` is Unix seconds (an integer before FTL v6, a real number since).
- ``type``: 1 A, 2 AAAA, 3 ANY, 4 SRV, 5 SOA, 6 PTR, 7 TXT, 8 NAPTR, 9 MX, 10 DS, 11 RRSIG,
  12 DNSKEY, 13 NS, 14 OTHER, 15 SVCB, 16 HTTPS. A number above 100 is read as 100 + the
  record type's own number, as FTL is said to store types it has no name for (not verified
  against FTL's source; a number that fits neither reads "OTHER").
- ``status`` (``enum query_status``): 0 unknown (no answer yet), 1 gravity, 2 forwarded,
  3 cache, 4 regex, 5 denylist (exact), 6 upstream blocked with a known address, 7 upstream
  blocked with a null address, 8 upstream blocked with NXDOMAIN and RA unset, 9 gravity (CNAME
  inspection), 10 regex (CNAME), 11 denylist (CNAME), 12 retried, 13 retried after a DNSSEC
  failure, 14 in progress, 15 database busy, 16 special domain, 17 stale cache (FTL v6).
  Blocked are 1, 4-11, 15 and 16; the rest were allowed.
- ``reply_type`` (FTL v5.5+, ``enum reply_type``): 0 unknown, 1 NODATA, 2 NXDOMAIN, 3 CNAME,
  4 IP, 5 domain, 6 RRNAME, 7 SERVFAIL, 8 REFUSED, 9 NOTIMP, 10 other, 11 DNSSEC, 12 none,
  13 blob. The database keeps no addresses, so lookups from it carry none.

A real database reaches tens of millions of rows: lookups are streamed from a cursor, a time
range is filtered by SQLite (``timestamp`` is indexed), and `pihole_counts` sums in SQL.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dns.rdatatype

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.errors import SourceError
from borderless.sources.snapshot import describe_database_error, open_read_only, snapshot

QUERY_TYPES = {
    1: "A",
    2: "AAAA",
    3: "ANY",
    4: "SRV",
    5: "SOA",
    6: "PTR",
    7: "TXT",
    8: "NAPTR",
    9: "MX",
    10: "DS",
    11: "RRSIG",
    12: "DNSKEY",
    13: "NS",
    14: "OTHER",
    15: "SVCB",
    16: "HTTPS",
}
BLOCKED_STATUSES = frozenset({1, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16})
CACHED_STATUSES = frozenset({3, 17})
WAITING_STATUSES = frozenset({0, 14})  # no answer recorded yet
_REPLY_OUTCOMES = {
    1: LookupOutcome.NO_DATA,
    2: LookupOutcome.NXDOMAIN,
    7: LookupOutcome.FAILED,
    8: LookupOutcome.FAILED,
    9: LookupOutcome.FAILED,
}
_BATCH = 10_000


@dataclass(frozen=True, slots=True)
class DomainCounts:
    """How often Pi-hole let one domain through and blocked it, and when it was first and last
    asked for."""

    allowed: int
    blocked: int
    first_us: int
    last_us: int


def record_type(code: int) -> str:
    """The name of a Pi-hole query type number."""
    if code > 100:
        return (
            dns.rdatatype.to_text(dns.rdatatype.RdataType.make(code - 100))
            if code - 100 < 65536
            else "OTHER"
        )
    return QUERY_TYPES.get(code, "OTHER")


def outcome(status: int, reply_type: int | None) -> LookupOutcome:
    """What a Pi-hole status and reply type say about how the lookup ended."""
    if status in BLOCKED_STATUSES:
        return LookupOutcome.BLOCKED
    if status in WAITING_STATUSES:
        return LookupOutcome.UNANSWERED
    return _REPLY_OUTCOMES.get(reply_type or 0, LookupOutcome.ANSWERED)


def _range(since_us: int | None, until_us: int | None) -> tuple[str, list[float]]:
    clauses, parameters = [], []
    if since_us is not None:
        clauses.append("timestamp >= ?")
        parameters.append(since_us / 1_000_000)
    if until_us is not None:
        clauses.append("timestamp < ?")
        parameters.append(until_us / 1_000_000)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), parameters


def _columns(path: Path, connection: sqlite3.Connection) -> set[str]:
    columns = {row[1] for row in connection.execute("PRAGMA table_info(queries)")}
    missing = {"timestamp", "type", "status", "domain", "client"} - columns
    if missing:
        raise SourceError(f"{path}: not a Pi-hole query database (no queries table)")
    return columns


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[sqlite3.Connection]:
    with snapshot(path) as copy:
        connection = open_read_only(copy)
        try:
            yield connection
        except sqlite3.DatabaseError as error:
            raise SourceError(f"{path}: {describe_database_error(error)}") from error
        finally:
            connection.close()


def read_pihole(
    path: Path, *, since_us: int | None = None, until_us: int | None = None
) -> Iterator[DnsLookup]:
    """Every query in a Pi-hole database, oldest row first.

    Args:
        path: ``pihole-FTL.db``; only a private copy of it is opened.
        since_us: only lookups at or after this moment (microseconds since 1970 UTC).
        until_us: only lookups before this moment.

    Raises:
        SourceError: the file is missing, damaged, or not a Pi-hole database.
    """
    with _opened(path) as connection:
        columns = _columns(path, connection)
        reply = "reply_type" if "reply_type" in columns else "NULL"
        where, parameters = _range(since_us, until_us)
        cursor = connection.execute(
            f"SELECT timestamp, type, status, domain, client, {reply} FROM queries{where}"
            " ORDER BY id",
            parameters,
        )
        while rows := cursor.fetchmany(_BATCH):
            for timestamp, type_code, status, domain, client, reply_type in rows:
                if not isinstance(domain, str) or not isinstance(timestamp, int | float):
                    continue  # a row whose id points nowhere: nothing to report
                yield DnsLookup(
                    time_us=round(timestamp * 1_000_000),
                    name=domain.rstrip(".").lower(),
                    record_type=record_type(type_code if isinstance(type_code, int) else 0),
                    outcome=outcome(status, reply_type if isinstance(reply_type, int) else None),
                    client=client if isinstance(client, str) else None,
                    cached=status in CACHED_STATUSES,
                )


def _has_table(connection: sqlite3.Connection, name: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]
    ).fetchone()
    return row is not None


def pihole_counts(
    path: Path, *, since_us: int | None = None, until_us: int | None = None
) -> dict[str, DomainCounts]:
    """Per domain (lower case), the lookups Pi-hole allowed and blocked, summed by SQLite.

    "Allowed" is every lookup Pi-hole did not block, answered or not, so that
    ``allowed + blocked`` is the number of rows `read_pihole` yields for the domain.

    Raises:
        SourceError: as `read_pihole`.
    """
    blocked_list = ", ".join(str(status) for status in sorted(BLOCKED_STATUSES))
    result: dict[str, DomainCounts] = {}
    with _opened(path) as connection:
        _columns(path, connection)
        where, parameters = _range(since_us, until_us)
        sums = (
            f"sum(status NOT IN ({blocked_list})), sum(status IN ({blocked_list})),"
            " min(timestamp), max(timestamp)"
        )
        if _has_table(connection, "query_storage") and _has_table(connection, "domain_by_id"):
            # FTL 5.10 and later: group the stored rows by their domain id, then name each
            # group once. Going through the `queries` view looks the name up for every row,
            # which is several times slower on tens of millions of rows.
            sql = (
                "SELECT coalesce(d.domain, g.domain), g.a, g.b, g.f, g.l FROM (SELECT domain,"
                f" sum(status NOT IN ({blocked_list})) AS a, sum(status IN ({blocked_list})) AS b,"
                f" min(timestamp) AS f, max(timestamp) AS l FROM query_storage{where}"
                " GROUP BY domain) AS g LEFT JOIN domain_by_id AS d"
                " ON typeof(g.domain) = 'integer' AND d.id = g.domain"
            )
        else:
            sql = f"SELECT domain, {sums} FROM queries{where} GROUP BY domain"
        cursor = connection.execute(sql, parameters)
        for domain, allowed, blocked, first, last in cursor:
            if not isinstance(domain, str) or not isinstance(first, int | float):
                continue
            name = domain.rstrip(".").lower()
            counts = DomainCounts(
                allowed, blocked, round(first * 1_000_000), round(last * 1_000_000)
            )
            known = result.get(name)
            if known is not None:  # the same name in two spellings
                counts = DomainCounts(
                    known.allowed + counts.allowed,
                    known.blocked + counts.blocked,
                    min(known.first_us, counts.first_us),
                    max(known.last_us, counts.last_us),
                )
            result[name] = counts
    return result
