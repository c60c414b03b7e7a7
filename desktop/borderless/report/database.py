"""The report as an SQLite database a person can explore (Datasette, DB Browser, sqlite3).

At redaction levels ``none`` and ``paths`` it is a copy of the audit database itself (visits,
hosts, resolutions, lookups: the raw evidence), with the report's tables and views added. At
``hosts`` and above the raw tables would name every host, so the database holds the report's
tables only: the same rows as the other formats, at the same level.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from borderless.report.redaction import Redaction
from borderless.store import Store

# Report sections stored as tables, each named report_<section>.
SECTIONS = ("platforms", "owners", "legal_homes", "countries", "domains", "flows", "categories",
            "timeline", "dns_clients", "dns_hosts", "cookie_hosts", "blind_spots", "sources",
            "urls")  # fmt: skip
# Settings of the audit that name files on the person's computer.
PATH_SETTINGS = ("geo_databases", "geo_databases_used", "data_folder")

# Views over the raw audit tables (levels none and paths), for browsing in Datasette.
RAW_VIEWS = {
    "visit_log": """
        SELECT v.id, strftime('%Y-%m-%dT%H:%M:%SZ', v.visited_at_us / 1000000, 'unixepoch')
                   AS visited_at,
               h.name AS host, h.registrable_domain, v.transition, v.synced,
               s.browser, s.profile
        FROM visits AS v JOIN hosts AS h ON h.id = v.host_id
        JOIN sources AS s ON s.id = v.source_id""",
    "visits_per_day": """
        SELECT date(visited_at_us / 1000000, 'unixepoch') AS day, count(*) AS visits
        FROM visits GROUP BY day ORDER BY day""",
    "host_servers": """
        SELECT h.name AS host, a.address, a.country, a.asn, a.as_organization, a.edge_kind
        FROM host_addresses AS ha JOIN hosts AS h ON h.id = ha.host_id
        JOIN addresses AS a ON a.address = ha.address
        WHERE a.scope = 'public'""",
    "lookup_log": """
        SELECT l.id, strftime('%Y-%m-%dT%H:%M:%SZ', l.time_us / 1000000, 'unixepoch') AS time,
               h.name AS host, l.record_type, l.outcome, l.client, l.cached, s.browser AS source
        FROM dns_lookups AS l JOIN hosts AS h ON h.id = l.host_id
        JOIN sources AS s ON s.id = l.source_id""",
}
# Views over the report's tables, at every level.
REPORT_VIEWS = {
    "visits_by_legal_home": """
        SELECT country, visits, platforms FROM report_legal_homes ORDER BY visits DESC""",
    "visits_by_server_country": """
        SELECT country, visits, hosts, edge_only_visits FROM report_countries
        ORDER BY visits DESC""",
    "categories_abroad": """
        SELECT category, visits, abroad_visits,
               round(100.0 * abroad_visits / nullif(visits, 0), 1) AS abroad_percent
        FROM report_categories ORDER BY visits DESC""",
    "platforms_abroad": """
        SELECT name, parent, legal_home, visits, user_initiated_visits FROM report_platforms
        WHERE legal_home IS NOT NULL
          AND legal_home != (SELECT value FROM report_info WHERE key = 'home_country')
        ORDER BY visits DESC""",
}


def write_database(store: Store, report: dict[str, Any], path: Path) -> None:
    """Write the report's database to `path` (an empty or missing file)."""
    level = Redaction(report["redaction"]["level"])
    path.unlink(missing_ok=True)
    raw = level in (Redaction.NONE, Redaction.PATHS)
    if raw:
        # A consistent copy of the live database in one statement, indexes included.
        store.connection.execute("VACUUM INTO ?", [str(path)])
    connection = sqlite3.connect(path)
    try:
        database = sqlite_utils.Database(connection)
        if raw and level is Redaction.PATHS:
            _strip_paths(database)
        _write_report_tables(database, report)
        views = {**(RAW_VIEWS if raw else {}), **REPORT_VIEWS}
        for name, sql in views.items():
            if all(_has_table(database, table) for table in _tables_of(sql)):
                database.create_view(name, sql.strip(), replace=True)
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()


def _strip_paths(database: sqlite_utils.Database) -> None:
    """What level ``paths`` removes from the raw tables: full URLs and the folders of files."""
    database.execute("UPDATE visits SET page_id = NULL")
    database.execute("DELETE FROM pages")
    for row in list(database.query("SELECT id, path FROM sources")):
        name = str(row["path"]).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        database.execute("UPDATE sources SET path = ? WHERE id = ?", [name, row["id"]])
    marks = ", ".join("?" for _ in PATH_SETTINGS)
    database.execute(f"DELETE FROM settings WHERE key IN ({marks})", list(PATH_SETTINGS))


def _write_report_tables(database: sqlite_utils.Database, report: dict[str, Any]) -> None:
    info = {
        "schema": report.get("schema"),
        "generated_at": report.get("generated_at"),
        "home_country": report.get("home_country"),
        "redaction": report["redaction"]["level"],
        "redaction_description": report["redaction"]["description"],
        "totals": json.dumps(report.get("totals"), ensure_ascii=False),
        "period": json.dumps(report.get("period"), ensure_ascii=False),
    }
    database.table("report_info").insert_all(
        [{"key": key, "value": value} for key, value in info.items()], pk="key", replace=True
    )
    for section in SECTIONS:
        rows = report.get(section) or []
        if rows:
            # sqlite-utils stores lists and objects as JSON text, which Datasette shows as such.
            database.table(f"report_{section}").insert_all(rows, alter=True, replace=False)


def _has_table(database: sqlite_utils.Database, name: str) -> bool:
    return name in database.table_names()


def _tables_of(sql: str) -> list[str]:
    """The tables a view's SQL reads (the words after FROM and JOIN)."""
    words = sql.replace("(", " ").replace(")", " ").split()
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word.upper() in ("FROM", "JOIN")]
