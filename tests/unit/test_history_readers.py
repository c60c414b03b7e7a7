"""Chromium and Firefox history, as the real browsers wrote it (tests/fixtures/browsers)."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from borderless.model import Source, SourceKind
from borderless.pipeline import inspect, scan
from borderless.sources.discovery import sources_for_path
from tests.conftest import BROWSERS
from tests.helpers import fingerprint, visits_by_host


def chromium_source(path: Path) -> Source:
    return Source(SourceKind.CHROMIUM, "Chromium", "Default", path)


def firefox_source(path: Path) -> Source:
    return Source(SourceKind.FIREFOX, "Firefox", "default", path)


def test_chromium_visits_match_what_the_browser_was_made_to_record(store, expected) -> None:
    result = scan(store, [chromium_source(BROWSERS / "chromium" / "Default" / "History")])
    assert result.failed == []
    assert visits_by_host(store) == expected["chromium"]
    # Chromium wrote 73 rows for these 32 navigations: https upgrades and redirects add hops.
    assert inspect(chromium_source(BROWSERS / "chromium" / "Default" / "History")).rows == 73
    assert result.visits_read == sum(entry["visits"] for entry in expected["chromium"].values())


def test_firefox_visits_match_what_the_browser_was_made_to_record(store, expected) -> None:
    scan(store, [firefox_source(BROWSERS / "firefox" / "places.sqlite")])
    assert visits_by_host(store) == expected["firefox"]


def test_firefox_copy_taken_while_running_keeps_the_visits_still_in_the_wal(
    store, expected, tmp_path: Path
) -> None:
    running = BROWSERS / "firefox-running"
    assert (running / "places.sqlite-wal").stat().st_size > 0
    scan(store, [firefox_source(running / "places.sqlite")])
    assert visits_by_host(store) == expected["firefox"]

    # Without its WAL the same database lacks the newest visits: the WAL is what the test is about.
    alone = tmp_path / "places.sqlite"
    shutil.copyfile(running / "places.sqlite", alone)
    with sqlite3.connect(alone) as connection:
        rows_without_wal = connection.execute("SELECT count(*) FROM moz_historyvisits").fetchone()
    assert rows_without_wal[0] < inspect(firefox_source(running / "places.sqlite")).rows


def test_redirect_chains_count_once_at_their_final_host(store) -> None:
    scan(store, [chromium_source(BROWSERS / "chromium" / "Default" / "History")])
    scan(store, [firefox_source(BROWSERS / "firefox" / "places.sqlite")])
    hosts = set(visits_by_host(store))
    # t.co -> bit.ly -> www.example.org, and youtube.com -> www.youtube.com: only the ends count.
    assert "www.example.org" in hosts and "www.youtube.com" in hosts
    assert not {"t.co", "bit.ly", "youtube.com"} & hosts


def test_firefox_redirect_target_takes_the_kind_of_visit_that_began_the_chain(
    store, firefox_places: Path
) -> None:
    with sqlite3.connect(firefox_places) as connection:
        # Make the first visit of the t.co chain a typed one; its final page must say typed.
        start = connection.execute(
            "SELECT v.id FROM moz_historyvisits v JOIN moz_places p ON p.id = v.place_id"
            " WHERE p.url = 'http://t.co/abc'"
        ).fetchone()[0]
        connection.execute("UPDATE moz_historyvisits SET visit_type = 2 WHERE id = ?", [start])
    scan(store, [firefox_source(firefox_places)])
    rows = store.rows(
        "SELECT v.transition FROM visits v JOIN hosts h ON h.id = v.host_id"
        " WHERE h.name = 'www.example.org' ORDER BY v.visited_at_us"
    )
    assert [row["transition"] for row in rows] == ["link", "typed"]


def test_firefox_redirect_whose_start_is_gone_is_counted_as_the_browsers_doing(
    store, firefox_places: Path
) -> None:
    with sqlite3.connect(firefox_places) as connection:
        connection.execute(
            "DELETE FROM moz_historyvisits WHERE id IN (SELECT v.id FROM moz_historyvisits v"
            " JOIN moz_places p ON p.id = v.place_id WHERE p.url = 'http://youtube.com/')"
        )
    scan(store, [firefox_source(firefox_places)])
    assert visits_by_host(store)["www.youtube.com"] == {"visits": 2, "user_initiated": 0}


def test_chromium_synced_visits_are_stored_but_not_counted_as_started_here(
    store, chromium_history: Path, expected
) -> None:
    with sqlite3.connect(chromium_history) as connection:
        # Mark the final rows of the two www.google.com navigations... as synced from a phone.
        ids = [
            row[0]
            for row in connection.execute(
                "SELECT v.id FROM visits v JOIN urls u ON u.id = v.url"
                " WHERE u.url = 'https://www.google.com/' ORDER BY v.id LIMIT 2"
            )
        ]
        connection.executemany(
            "INSERT INTO visit_source (id, source) VALUES (?, 0)", [(i,) for i in ids]
        )
        # A visit imported from another browser (source 3) is not synced.
        other = connection.execute(
            "SELECT v.id FROM visits v JOIN urls u ON u.id = v.url"
            " WHERE u.url = 'https://www.naver.com/' ORDER BY v.id LIMIT 1"
        ).fetchone()[0]
        connection.execute("INSERT INTO visit_source (id, source) VALUES (?, 3)", [other])
    scan(store, [chromium_source(chromium_history)])
    counts = visits_by_host(store)
    assert counts["www.google.com"] == {"visits": 3, "user_initiated": 1}
    assert counts["www.naver.com"] == expected["chromium"]["www.naver.com"]
    assert store.rows("SELECT sum(synced) AS n FROM visits")[0]["n"] == 2


def test_chromium_rows_outside_any_chain_still_count(store, chromium_history: Path) -> None:
    # Histories imported from other browsers, or written by old Chromium, carry no chain bits.
    with sqlite3.connect(chromium_history) as connection:
        url = connection.execute(
            "INSERT INTO urls (url, last_visit_time) VALUES ('https://old.example.net/', 0)"
        ).lastrowid
        connection.execute(
            "INSERT INTO visits (url, visit_time, from_visit, transition) VALUES (?, ?, 0, 1)",
            [url, 13_300_000_000_000_000],
        )
    scan(store, [chromium_source(chromium_history)])
    assert visits_by_host(store)["old.example.net"] == {"visits": 1, "user_initiated": 1}


def test_times_are_converted_from_each_browsers_epoch(store) -> None:
    scan(store, [chromium_source(BROWSERS / "chromium" / "Default" / "History")])
    scan(store, [firefox_source(BROWSERS / "firefox" / "places.sqlite")])
    rows = store.rows(
        "SELECT source_id, min(visited_at_us) AS first, max(visited_at_us) AS last"
        " FROM visits GROUP BY source_id"
    )
    day_start = dt.datetime(2026, 11, 25, tzinfo=dt.UTC).timestamp() * 1_000_000
    for row in rows:
        # The fixtures were written on 2026-11-25; both epochs must land on that day.
        assert day_start <= row["first"] <= row["last"] < day_start + 86_400_000_000


def test_scanning_never_changes_the_browser_files(store, tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    shutil.copytree(BROWSERS, profiles)
    before = fingerprint(profiles)
    sources = [
        *sources_for_path(profiles / "chromium"),
        *sources_for_path(profiles / "firefox"),
        *sources_for_path(profiles / "firefox-running"),
    ]
    result = scan(store, sources)
    assert result.failed == [] and len(result.outcomes) == 3
    for source in sources:
        inspect(source)
    assert fingerprint(profiles) == before
    # No -shm, -journal or lock file was left beside them either.
    assert sorted(fingerprint(profiles)) == sorted(before)


@pytest.mark.parametrize("kind", [SourceKind.CHROMIUM, SourceKind.FIREFOX])
def test_a_database_of_the_other_browser_is_refused_with_a_clear_message(
    store, kind: SourceKind
) -> None:
    other = (
        BROWSERS / "firefox" / "places.sqlite"
        if kind is SourceKind.CHROMIUM
        else BROWSERS / "chromium" / "Default" / "History"
    )
    result = scan(store, [Source(kind, "Browser", "p", other)])
    (outcome,) = result.outcomes
    assert outcome.error is not None
    assert str(other) in outcome.error
    assert "history database (no table" in outcome.error
