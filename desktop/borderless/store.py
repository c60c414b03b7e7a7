"""The audit database: the only module that writes SQL.

One SQLite file in the data folder, readable by its owner only (it holds a person's browsing
history). The schema is versioned with ``PRAGMA user_version`` and migrated forward on open. A scan
writes inside a transaction, so a crash leaves the audit as it was before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from borderless.domains import WEB_SCHEMES
from borderless.model import (
    RETRYABLE_STATUSES,
    CookieHost,
    DnsLookup,
    Host,
    Resolution,
    ResolutionStatus,
    Source,
)
from borderless.paths import ensure_private_dir
from borderless.sources.history import HistoryQuery

if TYPE_CHECKING:
    import sqlite_utils

    from borderless.resolve.geo import Location

SCHEMA_VERSION = 4
# SQLite attaches at most ten databases to a connection (the main one counts): the pipeline scans
# sources in groups of this size, one transaction each.
MAX_ATTACHED_SOURCES = 9
_RETRYABLE_SQL = ", ".join(f"'{status.value}'" for status in sorted(RETRYABLE_STATUSES))


def utc_now_text() -> str:
    """The time now as ISO 8601 UTC text to the second, the form every stored time has."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def time_text_of(seconds: float) -> str:
    """Seconds since 1970 as the stored form of a time."""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# The hosts whose servers are worth locating: visited ones, ones a DNS log or capture saw looked
# up (background traffic) unless every lookup was blocked or found no such name (nothing was
# sent to them), and ones a browser keeps cookies for (they received data).
EVIDENCED_HOSTS_SQL = (
    "SELECT host_id FROM visits"
    " UNION SELECT host_id FROM dns_lookups WHERE outcome NOT IN ('blocked', 'nxdomain')"
    " UNION SELECT host_id FROM cookie_hosts"
)


def _migrate_to_1(db: sqlite_utils.Database) -> None:
    db.table("settings").create({"key": str, "value": str}, pk="key")
    db.table("sources").create(
        {
            "id": int,
            "kind": str,
            "browser": str,
            "profile": str,
            "path": str,
            "first_scanned_at": str,
            "last_scanned_at": str,
            "last_status": str,  # "ok" or "error"
            "last_error": str,
            # Sizes and modification times of the file and its journals at the last good read,
            # and what that read counted: an unchanged source need not be read again.
            "fingerprint": str,
            "visits_read": int,
            "visits_skipped": int,
        },
        pk="id",
        not_null={"kind", "browser", "profile", "path"},
    )
    db.table("sources").create_index(["path"], unique=True)
    db.table("scans").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "status": str,  # running, complete, cancelled, failed
            "visits_added": int,
            "sources_read": int,
            "sources_failed": int,
        },
        pk="id",
    )
    db.table("hosts").create(
        {"id": int, "name": str, "registrable_domain": str, "is_ip": int},
        pk="id",
        not_null={"name"},
    )
    db.table("hosts").create_index(["name"], unique=True)
    db.table("pages").create({"id": int, "url": str}, pk="id", not_null={"url"})
    db.table("pages").create_index(["url"], unique=True)
    db.execute(
        """
        CREATE TABLE visits (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            source_visit_id INTEGER NOT NULL,
            visited_at_us INTEGER NOT NULL, -- microseconds since 1970-01-01 UTC
            host_id INTEGER NOT NULL REFERENCES hosts(id),
            transition TEXT NOT NULL,
            synced INTEGER NOT NULL DEFAULT 0, -- happened on another device
            page_id INTEGER REFERENCES pages(id), -- only when the person keeps full URLs
            scan_id INTEGER REFERENCES scans(id)
        )
        """
    )
    # What makes a visit the same visit on a rescan. The time is part of it because browsers
    # may hand out a deleted visit's id again once history is cleared.
    db.table("visits").create_index(["source_id", "visited_at_us", "source_visit_id"], unique=True)


def _migrate_to_2(db: sqlite_utils.Database) -> None:
    # What DNS said about each host the last time it was asked; one row per host.
    db.execute(
        """
        CREATE TABLE resolutions (
            host_id INTEGER PRIMARY KEY REFERENCES hosts(id),
            status TEXT NOT NULL, -- model.ResolutionStatus
            cname_chain TEXT NOT NULL DEFAULT '[]', -- JSON list of the names, in order
            ttl INTEGER,
            resolver TEXT, -- "system", "127.0.0.1:5353"; NULL when no query was sent
            resolved_at TEXT NOT NULL,
            expires_at_s INTEGER NOT NULL, -- seconds since 1970: ask again after this
            detail TEXT
        )
        """
    )
    # Addresses a host had: from the resolver now, from DNS logs and captures later.
    db.execute(
        """
        CREATE TABLE host_addresses (
            host_id INTEGER NOT NULL REFERENCES hosts(id),
            address TEXT NOT NULL,
            origin TEXT NOT NULL, -- "resolver", "literal" (the host is an address)
            PRIMARY KEY (host_id, address, origin)
        ) WITHOUT ROWID
        """
    )
    db.execute("CREATE INDEX host_addresses_address ON host_addresses (address)")
    db.execute(
        """
        CREATE TABLE addresses (
            address TEXT PRIMARY KEY,
            scope TEXT NOT NULL, -- public, private, loopback, ...: only public ones are located
            country TEXT, -- ISO 3166 alpha-2
            asn INTEGER,
            as_organization TEXT,
            country_database TEXT, -- the database file that answered
            asn_database TEXT,
            edge_kind TEXT, -- "anycast" or "cdn": the country is a nearby edge's
            edge_operator TEXT,
            located_with TEXT NOT NULL -- which set of databases; another set locates again
        )
        """
    )


def _migrate_to_3(db: sqlite_utils.Database) -> None:
    # Which hosts a browser keeps cookies for: evidence of tracking even without a visit. Never
    # the cookies' names or values. One row per jar and host; a later reading updates it, and a
    # host whose cookies were cleared keeps its row (what was seen stays seen).
    db.execute(
        """
        CREATE TABLE cookie_hosts (
            source_id INTEGER NOT NULL REFERENCES sources(id),
            host_id INTEGER NOT NULL REFERENCES hosts(id),
            cookies INTEGER NOT NULL, -- at the last reading that found any
            first_created_us INTEGER,
            last_accessed_us INTEGER,
            latest_expiry_us INTEGER,
            persistent INTEGER NOT NULL,
            scan_id INTEGER REFERENCES scans(id), -- the scan that last saw it
            PRIMARY KEY (source_id, host_id)
        ) WITHOUT ROWID
        """
    )


def _migrate_to_4(db: sqlite_utils.Database) -> None:
    # DNS lookups from logs, databases and captures: evidence that something asked for a name.
    db.execute(
        """
        CREATE TABLE dns_lookups (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES sources(id),
            time_us INTEGER NOT NULL,
            host_id INTEGER NOT NULL REFERENCES hosts(id),
            record_type TEXT NOT NULL,
            outcome TEXT NOT NULL, -- model.LookupOutcome
            client TEXT, -- the asking device, where the source records it
            cached INTEGER NOT NULL DEFAULT 0,
            addresses TEXT NOT NULL DEFAULT '[]', -- JSON list
            cname_chain TEXT NOT NULL DEFAULT '[]', -- JSON list
            scan_id INTEGER REFERENCES scans(id)
        )
        """
    )
    # A rescan of a log that grew adds only its new lookups.
    db.execute(
        "CREATE UNIQUE INDEX dns_lookups_unique ON dns_lookups"
        " (source_id, time_us, host_id, record_type, coalesce(client, ''))"
    )
    db.execute("CREATE INDEX dns_lookups_host ON dns_lookups (host_id)")


MIGRATIONS: dict[int, Callable[[sqlite_utils.Database], None]] = {
    1: _migrate_to_1,
    2: _migrate_to_2,
    3: _migrate_to_3,
    4: _migrate_to_4,
}


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """Visits of one source: counted in it, newly stored, and without a web host."""

    read: int
    added: int
    skipped: int


class Store:
    """The audit database of one data folder."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection
        self._attached: list[str] = []

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating if needed) the audit database at `path`, owner-only, and migrate it."""
        path = path.absolute()  # SQLite is given a file URI, which a relative path cannot be
        ensure_private_dir(path.parent)
        # Create the file before SQLite does, so it is never readable by others, not even briefly.
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(descriptor)
        if os.name == "posix" and path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        connection = sqlite3.connect(path.as_uri(), uri=True, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        return cls._prepared(connection)

    @classmethod
    def in_memory(cls) -> Store:
        connection = sqlite3.connect("file::memory:", uri=True, isolation_level=None)
        return cls._prepared(connection)

    @classmethod
    def _prepared(cls, connection: sqlite3.Connection) -> Store:
        # Foreign keys are declared (Datasette and other tools follow them) but not enforced:
        # checking four parents per row would double the time of a million-visit import, and
        # this module is the only writer.
        connection.execute("PRAGMA synchronous=NORMAL")
        store = cls(connection)
        store.migrate()
        return store

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Schema -----------------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema up to SCHEMA_VERSION, each step in its own transaction."""
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"this audit database was written by a newer Borderless (schema {version}); "
                f"this version reads up to schema {SCHEMA_VERSION}"
            )
        if version == SCHEMA_VERSION:
            return
        # Imported here: sqlite-utils takes a tenth of a second to import, and only a migration
        # needs it. Every command opens the store; few of them migrate.
        import sqlite_utils

        db = sqlite_utils.Database(self.connection)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction():
                MIGRATIONS[target](db)
                self.connection.execute(f"PRAGMA user_version={target}")

    # Transactions -----------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing; databases attached inside are detached once it ends."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            # An interrupted statement makes SQLite roll the transaction back by itself.
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
            raise
        else:
            self.connection.execute("COMMIT")
        finally:
            self._detach_all()

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested all-or-nothing step: one source's import inside a scan's transaction."""
        self.connection.execute("SAVEPOINT source")
        try:
            yield
        except BaseException:
            if self.connection.in_transaction:  # else SQLite already rolled everything back
                self.connection.execute("ROLLBACK TO source")
                self.connection.execute("RELEASE source")
            raise
        else:
            self.connection.execute("RELEASE source")

    def _detach_all(self) -> None:
        while self._attached:
            alias = self._attached.pop()
            self.connection.execute(f"DETACH DATABASE {alias}")
        # The temporary tables made for each attached snapshot go with it.
        for (name,) in self.connection.execute(
            "SELECT name FROM temp.sqlite_master WHERE type = 'table' AND name GLOB 'src[0-9]*_*'"
        ).fetchall():
            self.connection.execute(f"DROP TABLE temp.{name}")

    def set_progress_handler(self, handler: Callable[[], int] | None, every: int = 100_000) -> None:
        """Call `handler` every `every` SQLite steps; a true result interrupts the statement."""
        self.connection.set_progress_handler(handler, every)

    # Settings ---------------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.connection.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return default if row is None else str(row[0])

    def set_setting(self, key: str, value: str | None) -> None:
        if value is None:
            self.connection.execute("DELETE FROM settings WHERE key = ?", [key])
        else:
            self.connection.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )

    # Scans and sources ------------------------------------------------------------------------

    def begin_scan(self) -> int:
        cursor = self.connection.execute(
            "INSERT INTO scans (started_at, status, visits_added, sources_read, sources_failed)"
            " VALUES (?, 'running', 0, 0, 0)",
            [utc_now_text()],
        )
        return int(cursor.lastrowid or 0)

    def finish_scan(
        self, scan_id: int, status: str, visits_added: int, sources_read: int, sources_failed: int
    ) -> None:
        self.connection.execute(
            "UPDATE scans SET finished_at = ?, status = ?, visits_added = ?, sources_read = ?,"
            " sources_failed = ? WHERE id = ?",
            [utc_now_text(), status, visits_added, sources_read, sources_failed, scan_id],
        )

    def source_id(self, source: Source) -> int:
        """The id of `source`, registering it on first sight (keyed by its path)."""
        path = str(source.path)
        self.connection.execute(
            "INSERT INTO sources (kind, browser, profile, path, first_scanned_at)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (path) DO UPDATE SET kind = excluded.kind,"
            " browser = excluded.browser, profile = excluded.profile",
            [source.kind.value, source.browser, source.profile, path, utc_now_text()],
        )
        row = self.connection.execute("SELECT id FROM sources WHERE path = ?", [path]).fetchone()
        return int(row[0])

    def record_source_status(
        self,
        source_id: int,
        error: str | None,
        fingerprint: str | None = None,
        visits_read: int | None = None,
        visits_skipped: int | None = None,
    ) -> None:
        """Note how the last scan of a source went; a fingerprint only after a good read."""
        self.connection.execute(
            "UPDATE sources SET last_scanned_at = ?, last_status = ?, last_error = ?,"
            " fingerprint = ?, visits_read = ?, visits_skipped = ? WHERE id = ?",
            [
                utc_now_text(),
                "ok" if error is None else "error",
                error,
                fingerprint,
                visits_read,
                visits_skipped,
                source_id,
            ],
        )

    def unchanged_source(self, source_id: int, fingerprint: str) -> tuple[int, int] | None:
        """What the last good read of a source counted, if its files are as they were then."""
        row = self.connection.execute(
            "SELECT visits_read, visits_skipped FROM sources"
            " WHERE id = ? AND last_status = 'ok' AND fingerprint = ?",
            [source_id, fingerprint],
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]))

    # Importing visits -------------------------------------------------------------------------

    def import_history(
        self,
        source_id: int,
        scan_id: int,
        snapshot: Path,
        query: HistoryQuery,
        host_of_authority: Callable[[str], Host | None],
        clean_url: Callable[[str], str] | None = None,
    ) -> ImportCounts:
        """Copy the visits of a settled snapshot into the audit with one INSERT ... SELECT.

        Must run inside `transaction()`: the snapshot stays attached until it ends.

        Args:
            source_id: the source the snapshot was taken from.
            scan_id: the scan that stores these visits.
            snapshot: the private copy to read, already checked by its reader.
            query: the reader's SQL for it.
            host_of_authority: the host named by a URL's authority (``user@host:port``), or
                None if it names no usable host. Called once per distinct authority.
            clean_url: when the person keeps full URLs, what to store of each (else None).
        """
        alias = f"src{len(self._attached)}"
        execute = self.connection.execute
        execute(f"ATTACH DATABASE ? AS {alias}", [f"{snapshot.as_uri()}?mode=ro"])
        self._attached.append(alias)
        names = {"src": alias, "tmp": f"temp.{alias}"}
        urls_sql = query.urls.format(**names)
        url_map = self._map_urls(alias, urls_sql, host_of_authority, clean_url)
        for statement in query.prepare:
            execute(statement.format(**names))
        visits = query.visits.format(**names)
        counted = query.counted.format(**names)
        stored_before = execute(
            "SELECT EXISTS (SELECT 1 FROM visits WHERE source_id = ?)", [source_id]
        ).fetchone()[0]
        cursor = execute(
            "INSERT OR IGNORE INTO visits (source_id, source_visit_id, visited_at_us, host_id,"
            " transition, synced, page_id, scan_id)"
            " SELECT ?, v.source_visit_id, v.visited_at_us, m.host_id, v.transition,"
            f" v.synced, m.page_id, ? FROM ({visits}) AS v"
            f" JOIN {url_map} AS m ON m.url_id = v.url_id",
            [source_id, scan_id],
        )
        added = cursor.rowcount
        # Visits whose URL names no web host (file:, data:, about:, ...) are not stored. Their
        # URLs are few, so they are counted through the browser's index of visits by URL rather
        # than by another pass over every visit.
        unmapped = f"temp.{alias}_unmapped"
        execute(
            f"CREATE TABLE {unmapped} AS SELECT url_id FROM ({urls_sql})"
            f" WHERE url_id NOT IN (SELECT url_id FROM {url_map})"
        )
        skipped = execute(
            f"SELECT count(*) FROM ({counted}) WHERE url_id IN (SELECT url_id FROM {unmapped})"
        ).fetchone()[0]
        if stored_before:
            read = execute(f"SELECT count(*) FROM ({counted})").fetchone()[0]
        else:
            # Nothing of this source was stored before, so nothing was ignored as a duplicate:
            # the count is known without another pass over a million visits.
            read = added + skipped
        return ImportCounts(read=int(read), added=added, skipped=int(skipped))

    def _map_urls(
        self,
        alias: str,
        urls_sql: str,
        host_of_authority: Callable[[str], Host | None],
        clean_url: Callable[[str], str] | None,
    ) -> str:
        """Build the temporary table from each URL id with a web host to its host's id (and
        its page's, when URLs are kept), registering new hosts; returns the table's name."""
        execute = self.connection.execute
        urls, authorities, url_map = (
            f"temp.{alias}_{name}" for name in ("urls", "authorities", "url_map")
        )
        # The authority of each web URL is cut out in SQL, so that Python parses each distinct
        # one once instead of every URL (a history has tens of thousands on a few thousand hosts).
        web = " OR ".join(f"url LIKE '{scheme}://%'" for scheme in sorted(WEB_SCHEMES))
        execute(
            f"""CREATE TABLE {urls} AS
            SELECT url_id, url, substr(rest, 1, min(
                coalesce(nullif(instr(rest, '/'), 0), 100000),
                coalesce(nullif(instr(rest, '?'), 0), 100000),
                coalesce(nullif(instr(rest, '#'), 0), 100000)) - 1) AS authority
            FROM (SELECT url_id, url, substr(url, instr(url, '://') + 3) AS rest
                  FROM ({urls_sql}) WHERE typeof(url) = 'text' AND ({web}))"""
        )
        execute(f"CREATE TABLE {authorities} (authority TEXT PRIMARY KEY, host_id INTEGER)")
        for (authority,) in execute(f"SELECT DISTINCT authority FROM {urls}").fetchall():
            host = host_of_authority(authority)
            if host is None:
                continue
            execute(
                "INSERT OR IGNORE INTO hosts (name, registrable_domain, is_ip) VALUES (?, ?, ?)",
                [host.name, host.registrable_domain, int(host.is_ip)],
            )
            execute(
                f"INSERT INTO {authorities} VALUES (?, (SELECT id FROM hosts WHERE name = ?))",
                [authority, host.name],
            )
        # A narrow map keeps the million lookups of the import in few pages.
        execute(
            f"CREATE TABLE {url_map} (url_id INTEGER PRIMARY KEY, host_id INTEGER NOT NULL,"
            " page_id INTEGER)"
        )
        execute(
            f"INSERT OR IGNORE INTO {url_map} (url_id, host_id) SELECT u.url_id, a.host_id"
            f" FROM {urls} AS u JOIN {authorities} AS a ON a.authority = u.authority"
        )
        if clean_url is not None:
            self._keep_pages(url_map, urls, clean_url)
        return url_map

    def _keep_pages(self, url_map: str, urls: str, clean_url: Callable[[str], str]) -> None:
        rows = self.connection.execute(
            f"SELECT u.url_id, u.url FROM {urls} AS u JOIN {url_map} AS m USING (url_id)"
        ).fetchall()
        cleaned = [(url_id, clean_url(url)) for url_id, url in rows]
        self.connection.executemany(
            "INSERT OR IGNORE INTO pages (url) VALUES (?)", ((url,) for _id, url in cleaned)
        )
        self.connection.executemany(
            f"UPDATE {url_map} SET page_id = (SELECT id FROM pages WHERE url = ?) WHERE url_id = ?",
            ((url, url_id) for url_id, url in cleaned),
        )

    # Cookie jars -----------------------------------------------------------------------------

    def record_cookie_hosts(
        self,
        source_id: int,
        scan_id: int,
        found: Iterable[CookieHost],
        host_of: Callable[[str], Host | None],
    ) -> int:
        """Store what a cookie jar holds, host by host; returns how many hosts it named."""
        count = 0
        for entry in found:
            host = host_of(entry.host)
            if host is None:
                continue
            self.connection.execute(
                "INSERT OR IGNORE INTO hosts (name, registrable_domain, is_ip) VALUES (?, ?, ?)",
                [host.name, host.registrable_domain, int(host.is_ip)],
            )
            self.connection.execute(
                """INSERT INTO cookie_hosts (source_id, host_id, cookies, first_created_us,
                       last_accessed_us, latest_expiry_us, persistent, scan_id)
                   VALUES (?, (SELECT id FROM hosts WHERE name = ?), ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (source_id, host_id) DO UPDATE SET
                       cookies = excluded.cookies,
                       first_created_us = min(
                           coalesce(first_created_us, excluded.first_created_us),
                           coalesce(excluded.first_created_us, first_created_us)),
                       last_accessed_us = max(coalesce(last_accessed_us, 0),
                                              coalesce(excluded.last_accessed_us, 0)),
                       latest_expiry_us = excluded.latest_expiry_us,
                       persistent = max(persistent, excluded.persistent),
                       scan_id = excluded.scan_id""",
                [
                    source_id,
                    host.name,
                    entry.cookies,
                    entry.first_created_us,
                    entry.last_accessed_us,
                    entry.latest_expiry_us,
                    int(entry.persistent),
                    scan_id,
                ],
            )
            count += 1
        return count

    # DNS lookups ------------------------------------------------------------------------------

    def record_dns_lookups(
        self,
        source_id: int,
        scan_id: int,
        lookups: Iterable[DnsLookup],
        host_of: Callable[[str], Host | None],
    ) -> tuple[int, int]:
        """Store lookups of one source; returns how many were read and how many were new."""
        execute = self.connection.execute
        read = added = 0
        for lookup in lookups:
            read += 1
            host = host_of(lookup.name)
            if host is None:
                continue
            execute(
                "INSERT OR IGNORE INTO hosts (name, registrable_domain, is_ip) VALUES (?, ?, ?)",
                [host.name, host.registrable_domain, int(host.is_ip)],
            )
            cursor = execute(
                """INSERT OR IGNORE INTO dns_lookups (source_id, time_us, host_id, record_type,
                       outcome, client, cached, addresses, cname_chain, scan_id)
                   VALUES (?, ?, (SELECT id FROM hosts WHERE name = ?), ?, ?, ?, ?, ?, ?, ?)""",
                [
                    source_id,
                    lookup.time_us,
                    host.name,
                    lookup.record_type,
                    lookup.outcome.value,
                    lookup.client,
                    int(lookup.cached),
                    json.dumps(list(lookup.addresses)),
                    json.dumps(list(lookup.cname_chain)),
                    scan_id,
                ],
            )
            added += cursor.rowcount
        return read, added

    def adopt_dns_answers(self) -> int:
        """Make the answers DNS evidence recorded known addresses of their hosts (origin
        "evidence"), so that they are located, offline too; hosts never resolved get a
        resolution from the evidence (asked again when online). Returns the hosts given one."""
        execute = self.connection.execute
        execute(
            """INSERT OR IGNORE INTO host_addresses (host_id, address, origin)
               SELECT l.host_id, a.value, 'evidence'
               FROM dns_lookups AS l, json_each(l.addresses) AS a
               WHERE l.outcome = 'answered'"""
        )
        cursor = execute(
            """INSERT OR IGNORE INTO resolutions (host_id, status, cname_chain, resolver,
                   resolved_at, expires_at_s, detail)
               SELECT l.host_id, 'ok', l.cname_chain, 'evidence', ?, 0,
                      'from DNS evidence (logs or captures)'
               FROM dns_lookups AS l
               WHERE l.outcome = 'answered' AND l.addresses != '[]'
               GROUP BY l.host_id HAVING l.time_us = max(l.time_us)""",
            [utc_now_text()],
        )
        return cursor.rowcount

    # Resolution and geolocation --------------------------------------------------------------

    def hosts_to_resolve(self, now_s: int, refresh: bool = False) -> list[tuple[int, str, bool]]:
        """Hosts to locate (see EVIDENCED_HOSTS_SQL) never resolved, or whose last answer has
        expired (all with `refresh`): (host id, name, whether the name is an IP address)."""
        sql = (
            "SELECT h.id, h.name, h.is_ip FROM hosts AS h"
            " LEFT JOIN resolutions AS r ON r.host_id = h.id"
            f" WHERE h.id IN ({EVIDENCED_HOSTS_SQL})"
        )
        parameters: list[int] = []
        if not refresh:
            sql += " AND (r.host_id IS NULL OR r.expires_at_s <= ?)"
            parameters.append(now_s)
        rows = self.connection.execute(sql, parameters).fetchall()
        return [(int(host_id), str(name), bool(is_ip)) for host_id, name, is_ip in rows]

    def unresolved_hosts(self) -> list[tuple[int, str]]:
        """Hosts to locate (see EVIDENCED_HOSTS_SQL) with no resolution stored at all."""
        rows = self.connection.execute(
            f"SELECT id, name FROM hosts WHERE id IN ({EVIDENCED_HOSTS_SQL})"
            " AND id NOT IN (SELECT host_id FROM resolutions)"
        ).fetchall()
        return [(int(host_id), str(name)) for host_id, name in rows]

    def record_resolutions(self, results: Iterable[tuple[int, Resolution, int]]) -> None:
        """Store resolutions: (host id, resolution, when to ask again in seconds since 1970).

        A failure to reach or hear from the resolver never replaces a good answer already
        stored: the old answer stays, marked to be asked for again at the next chance.
        """
        execute = self.connection.execute
        for host_id, resolution, expires_at_s in results:
            if resolution.status.is_failure:
                kept = execute(
                    "UPDATE resolutions SET detail = ? WHERE host_id = ?"
                    f" AND status NOT IN ({_RETRYABLE_SQL})",
                    [f"last refresh failed: {resolution.detail}", host_id],
                ).rowcount
                if kept:
                    continue
            execute(
                "INSERT OR REPLACE INTO resolutions (host_id, status, cname_chain, ttl, resolver,"
                " resolved_at, expires_at_s, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    host_id,
                    resolution.status.value,
                    json.dumps(list(resolution.cname_chain)),
                    resolution.ttl,
                    resolution.resolver,
                    time_text_of(resolution.resolved_at),
                    expires_at_s,
                    resolution.detail,
                ],
            )
            origin = "literal" if resolution.status is ResolutionStatus.IP_LITERAL else "resolver"
            execute(
                "DELETE FROM host_addresses WHERE host_id = ? AND origin = ?", [host_id, origin]
            )
            self.connection.executemany(
                "INSERT OR IGNORE INTO host_addresses (host_id, address, origin) VALUES (?, ?, ?)",
                ((host_id, address, origin) for address in resolution.addresses),
            )

    def addresses_to_locate(self, located_with: str) -> list[str]:
        """Addresses of hosts not yet located, or located with another set of databases."""
        rows = self.connection.execute(
            "SELECT DISTINCT ha.address FROM host_addresses AS ha"
            " LEFT JOIN addresses AS a ON a.address = ha.address"
            " WHERE a.address IS NULL OR a.located_with != ?",
            [located_with],
        ).fetchall()
        return [str(address) for (address,) in rows]

    def record_locations(self, locations: Iterable[Location], located_with: str) -> None:
        self.connection.executemany(
            "INSERT OR REPLACE INTO addresses (address, scope, country, asn, as_organization,"
            " country_database, asn_database, edge_kind, edge_operator, located_with)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                [
                    location.address,
                    location.scope.value,
                    location.country,
                    location.asn,
                    location.as_organization,
                    location.country_database,
                    location.asn_database,
                    location.edge_kind,
                    location.edge_operator,
                    located_with,
                ]
                for location in locations
            ),
        )

    # Reading the audit ------------------------------------------------------------------------

    def rows(self, sql: str, parameters: Iterable[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a read-only query, as dicts; the report and analysis read through this."""
        cursor = self.connection.execute(sql, list(parameters))
        names = [description[0] for description in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def sources(self) -> list[dict[str, Any]]:
        """Every source ever scanned, with the records stored from it (visits, or lookups for
        DNS evidence)."""
        return self.rows(
            "SELECT s.id, s.kind, s.browser, s.profile, s.path, s.first_scanned_at,"
            " s.last_scanned_at, s.last_status, s.last_error, s.visits_skipped,"
            " (SELECT count(*) FROM visits WHERE source_id = s.id)"
            " + (SELECT count(*) FROM dns_lookups WHERE source_id = s.id) AS records"
            " FROM sources AS s ORDER BY s.id"
        )
