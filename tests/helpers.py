"""Small helpers the tests share."""

from __future__ import annotations

import hashlib
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
