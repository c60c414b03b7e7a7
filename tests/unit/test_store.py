"""The audit database: schema, privacy, transactions, incremental rescans."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from borderless import pipeline
from borderless.model import Source, SourceKind
from borderless.pipeline import scan
from borderless.store import MAX_ATTACHED_SOURCES, SCHEMA_VERSION, Store
from tests.conftest import BROWSERS
from tests.helpers import visits_by_host

CHROMIUM = Source(
    SourceKind.CHROMIUM, "Chromium", "Default", BROWSERS / "chromium" / "Default" / "History"
)
FIREFOX = Source(SourceKind.FIREFOX, "Firefox", "default", BROWSERS / "firefox" / "places.sqlite")


def test_new_audit_is_owner_only_and_at_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "data" / "audit.sqlite"
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        scan(store, [CHROMIUM])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for companion in tmp_path.glob("data/audit.sqlite-*"):
        assert stat.S_IMODE(companion.stat().st_mode) == 0o600


def test_an_audit_left_readable_by_others_is_made_private_again(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    Store.open(path).close()
    os.chmod(path, 0o644)
    Store.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reopening_keeps_the_data_and_does_not_migrate_again(tmp_path: Path, expected) -> None:
    path = tmp_path / "audit.sqlite"
    with Store.open(path) as store:
        scan(store, [CHROMIUM])
    with Store.open(path) as store:
        assert visits_by_host(store) == expected["chromium"]


def test_an_audit_from_a_newer_version_is_refused_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "audit.sqlite"
    Store.open(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="newer Borderless"):
        Store.open(path)


def test_rescans_store_each_visit_once_and_add_new_ones(store, tmp_path: Path, expected) -> None:
    history = tmp_path / "History"
    shutil.copyfile(CHROMIUM.path, history)
    source = Source(SourceKind.CHROMIUM, "Chromium", "Default", history)
    first = scan(store, [source])
    again = scan(store, [source])
    assert again.visits_added == 0
    assert again.visits_read == first.visits_read == first.visits_added
    with sqlite3.connect(history) as connection:
        url = connection.execute(
            "INSERT INTO urls (url, last_visit_time) VALUES ('https://new.example.com/', 0)"
        ).lastrowid
        connection.execute(
            "INSERT INTO visits (url, visit_time, transition) VALUES (?, 13420000000000000, ?)",
            [url, 0x30000001],
        )
    third = scan(store, [source])
    assert third.visits_added == 1
    counts = visits_by_host(store)
    assert counts.pop("new.example.com") == {"visits": 1, "user_initiated": 1}
    assert counts == expected["chromium"]


def test_a_crash_mid_scan_leaves_the_previous_audit_intact(
    store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scan(store, [CHROMIUM])
    before = store.rows("SELECT * FROM visits ORDER BY id")
    original = Store.import_history
    calls = 0

    def crash_on_second(self: Store, *args: object, **kwargs: object):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # the process being killed, as far as SQLite can tell
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "import_history", crash_on_second)
    another = tmp_path / "History"
    shutil.copyfile(CHROMIUM.path, another)
    with pytest.raises(KeyboardInterrupt):
        scan(store, [FIREFOX, Source(SourceKind.CHROMIUM, "Chromium", "copy", another)])
    # The Firefox visits read before the crash were rolled back with the rest of the scan.
    assert store.rows("SELECT * FROM visits ORDER BY id") == before
    assert store.rows("SELECT status FROM scans ORDER BY id") == [
        {"status": "complete"},
        {"status": "failed"},
    ]


def test_cancelling_stops_the_scan_and_keeps_what_was_stored(store) -> None:
    scan(store, [CHROMIUM])
    stored = store.rows("SELECT count(*) AS n FROM visits")
    result = scan(store, [FIREFOX], cancelled=lambda: True)
    assert result.cancelled
    assert store.rows("SELECT count(*) AS n FROM visits") == stored


def test_cancelling_inside_a_long_statement_interrupts_it(
    store, firefox_places: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite asks every few thousand steps; the fixture is small, so ask more often here.
    monkeypatch.setattr(pipeline, "CANCEL_CHECK_STEPS", 50)
    asked = 0

    def cancel_when_importing() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1  # let the first check pass, then cancel mid-import

    result = scan(
        store,
        [Source(SourceKind.FIREFOX, "Firefox", "p", firefox_places)],
        cancelled=cancel_when_importing,
    )
    assert result.cancelled
    assert store.rows("SELECT count(*) AS n FROM visits") == [{"n": 0}]


def test_more_sources_than_sqlite_can_attach_at_once(store, tmp_path: Path) -> None:
    sources = []
    for index in range(MAX_ATTACHED_SOURCES * 2 + 1):
        path = tmp_path / f"profile{index}" / "History"
        path.parent.mkdir()
        shutil.copyfile(CHROMIUM.path, path)
        sources.append(Source(SourceKind.CHROMIUM, "Chromium", f"p{index}", path))
    result = scan(store, sources)
    assert result.failed == []
    assert result.visits_added == len(sources) * 32


def test_progress_reports_each_source(store) -> None:
    seen = []
    scan(store, [CHROMIUM, FIREFOX], progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(0, 2), (1, 2), (2, 2)]
    assert seen[0].stage == "Reading Chromium (Default)"
    assert seen[-1].stage == "Done"


def test_settings_round_trip(store) -> None:
    assert store.setting("home_country") is None
    store.set_setting("home_country", "BR")
    store.set_setting("home_country", "JP")
    assert store.setting("home_country") == "JP"
    store.set_setting("home_country", None)
    assert store.setting("home_country", "none") == "none"


def test_an_unchanged_source_is_not_read_again(store, tmp_path: Path, monkeypatch) -> None:
    history = tmp_path / "History"
    shutil.copyfile(CHROMIUM.path, history)
    source = Source(SourceKind.CHROMIUM, "Chromium", "Default", history)
    first = scan(store, [source]).outcomes[0]
    monkeypatch.setattr(Store, "import_history", lambda *args: pytest.fail("read again"))
    again = scan(store, [source]).outcomes[0]
    assert again.unchanged
    assert (again.visits_read, again.visits_added, again.visits_skipped) == (
        first.visits_read,
        0,
        0,
    )
    monkeypatch.undo()
    # Any write by the browser (here a new WAL beside the file) makes it worth reading again.
    history.with_name("History-wal").write_bytes(b"")
    os.utime(history, ns=(history.stat().st_atime_ns, history.stat().st_mtime_ns + 1000))
    third = scan(store, [source]).outcomes[0]
    assert not third.unchanged and third.visits_read == first.visits_read


def test_a_source_that_failed_is_read_again_even_if_unchanged(store, tmp_path: Path) -> None:
    history = tmp_path / "History"
    history.write_bytes(b"junk" * 100)
    source = Source(SourceKind.CHROMIUM, "Chromium", "Default", history)
    assert scan(store, [source]).outcomes[0].error
    second = scan(store, [source]).outcomes[0]
    assert second.error and not second.unchanged


def test_cancelling_during_the_visit_insert_rolls_back_cleanly(
    store, firefox_places: Path, monkeypatch: pytest.MonkeyPatch, expected
) -> None:
    # SQLite rolls the whole transaction back by itself when it interrupts a statement inside
    # one; the scan must then not try to roll back again (that used to raise).
    scan(store, [CHROMIUM])
    monkeypatch.setattr(pipeline, "CANCEL_CHECK_STEPS", 10)
    inserting = False

    def watch(statement: str) -> None:
        nonlocal inserting
        inserting = inserting or statement.lstrip().startswith("INSERT OR IGNORE INTO visits")

    store.connection.set_trace_callback(watch)
    result = scan(
        store,
        [Source(SourceKind.FIREFOX, "Firefox", "p", firefox_places)],
        cancelled=lambda: inserting,
    )
    store.connection.set_trace_callback(None)
    assert inserting and result.cancelled
    assert visits_by_host(store) == expected["chromium"]
    assert store.rows("SELECT status FROM scans ORDER BY id")[-1] == {"status": "cancelled"}
    # The store is usable afterwards: the next scan reads the source in full.
    again = scan(store, [Source(SourceKind.FIREFOX, "Firefox", "p", firefox_places)])
    assert again.visits_added == 32


def test_an_audit_of_schema_1_moves_to_the_newest_keeping_its_visits(tmp_path: Path) -> None:
    import sqlite_utils

    from borderless.store import MIGRATIONS

    path = tmp_path / "audit.sqlite"
    connection = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[1](sqlite_utils.Database(connection))
    connection.execute("PRAGMA user_version=1")
    connection.execute(
        "INSERT INTO sources (id, kind, browser, profile, path)"
        " VALUES (1, 'chromium', 'C', 'D', '/x')"
    )
    connection.execute("INSERT INTO hosts (id, name, is_ip) VALUES (1, 'www.example.com', 0)")
    connection.execute(
        "INSERT INTO visits (source_id, source_visit_id, visited_at_us, host_id, transition)"
        " VALUES (1, 1, 1700000000000000, 1, 'typed')"
    )
    connection.close()
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        assert store.rows("SELECT count(*) AS n FROM visits") == [{"n": 1}]
        assert store.hosts_to_resolve(0) == [(1, "www.example.com", False)]
        assert store.rows("SELECT * FROM resolutions") == []


def test_an_audit_at_a_relative_path_opens(tmp_path, monkeypatch) -> None:
    """`borderless --data-dir audit-folder` with a relative folder once crashed (as_uri)."""
    from pathlib import Path

    from borderless.store import Store

    monkeypatch.chdir(tmp_path)
    with Store.open(Path("relative") / "audit.sqlite") as store:
        store.set_setting("home_country", "BR")
    with Store.open(Path("relative") / "audit.sqlite") as store:
        assert store.setting("home_country") == "BR"
