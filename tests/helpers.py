"""Small helpers the tests share."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

from borderless.analysis import USER_INITIATED_SQL
from borderless.store import Store


def visits_by_host(store: Store, source_id: int | None = None) -> dict[str, dict[str, int]]:
    """Stored visits per host, in the layout of tests/fixtures/browsers/expected.json."""
    where = "" if source_id is None else "WHERE v.source_id = ?"
    rows = store.connection.execute(
        f"SELECT h.name, count(*), sum({USER_INITIATED_SQL}) FROM visits AS v"
        f" JOIN hosts AS h ON h.id = v.host_id {where} GROUP BY h.name",
        [] if source_id is None else [source_id],
    ).fetchall()
    return {name: {"visits": visits, "user_initiated": user} for name, visits, user in rows}


def fingerprint(folder: Path) -> dict[str, tuple[str, int]]:
    """Content hash and modification time of every file below `folder`."""
    return {
        str(path.relative_to(folder)): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def chromium_history_with(path: Path, template: Path, urls: list[str]) -> Path:
    """A copy of the real Chromium fixture `template` holding one typed visit to each URL."""
    path.write_bytes(template.read_bytes())
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM visits")
        connection.execute("DELETE FROM urls")
        for index, url in enumerate(urls):
            url_id = connection.execute(
                "INSERT INTO urls (url, title, last_visit_time) VALUES (?, '', 0)", [url]
            ).lastrowid
            connection.execute(
                "INSERT INTO visits (url, visit_time, from_visit, transition) VALUES (?, ?, 0, ?)",
                [url_id, 13_400_000_000_000_000 + index, 0x30000001],
            )
    return path
