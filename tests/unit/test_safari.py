"""Safari history (tests/fixtures/safari), and what a Mac's privacy protection makes of it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

import borderless.sources.snapshot as snapshot_module
from borderless.model import Source, SourceKind
from borderless.pipeline import inspect, scan
from borderless.sources import safari
from borderless.sources.discovery import sources_for_path
from tests.conftest import BROWSERS, FIXTURES
from tests.helpers import fingerprint, visits_by_host

SAFARI = FIXTURES / "safari"
HISTORY = SAFARI / "History.db"
PROTECTED_MESSAGE = (
    "Safari's history is protected by macOS: open System Settings → Privacy & Security → "
    "Full Disk Access and allow Borderless (or your terminal), then scan again."
)


@pytest.fixture(scope="module")
def expected_safari() -> dict:
    return json.loads((SAFARI / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def safari_history(tmp_path: Path) -> Path:
    """A private copy of the fixture, in the place Safari keeps it, for tests that alter it."""
    target = tmp_path / "Library" / "Safari" / "History.db"
    target.parent.mkdir(parents=True)
    shutil.copyfile(HISTORY, target)
    return target


def safari_source(path: Path) -> Source:
    return Source(SourceKind.SAFARI, "Safari", "Default", path)


def alter(path: Path, *statements: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        for statement in statements:
            connection.execute(statement)


def test_visits_match_the_plan(store, expected_safari) -> None:
    result = scan(store, [safari_source(HISTORY)])
    assert result.failed == []
    assert visits_by_host(store) == expected_safari["safari"]
    (outcome,) = result.outcomes
    assert outcome.visits_read == expected_safari["visits_read"]
    assert outcome.visits_skipped == expected_safari["visits_skipped"]
    # Six rows for five navigations: the http-to-https upgrade is two.
    assert inspect(safari_source(HISTORY)).rows == expected_safari["rows"] == 6


def test_a_redirect_chain_counts_once_at_its_final_page(store) -> None:
    scan(store, [safari_source(HISTORY)])
    rows = store.rows(
        "SELECT v.visited_at_us, v.transition FROM visits v JOIN hosts h ON h.id = v.host_id"
        " WHERE h.name = 'www.example.org'"
    )
    # The https page, a quarter of a second after the http request that was redirected to it.
    assert [(row["visited_at_us"], row["transition"]) for row in rows] == [
        (int(dt.datetime(2026, 11, 25, 9, 0, 0, 500_000, tzinfo=dt.UTC).timestamp() * 1e6), "link")
    ]


def test_visits_synced_from_another_device_are_marked(store, expected_safari) -> None:
    scan(store, [safari_source(HISTORY)])
    synced = store.rows(
        "SELECT h.name FROM visits v JOIN hosts h ON h.id = v.host_id WHERE v.synced"
    )
    assert [row["name"] for row in synced] == ["www.wikipedia.org"]
    assert len(synced) == expected_safari["synced"]


def test_a_page_on_no_web_host_is_skipped(store) -> None:
    result = scan(store, [safari_source(HISTORY)])
    assert result.outcomes[0].visits_skipped == 1
    assert set(visits_by_host(store)) == {"www.example.org", "www.wikipedia.org"}


def test_times_are_converted_from_apples_2001_epoch(store, expected_safari) -> None:
    scan(store, [safari_source(HISTORY)])
    stored = [row["t"] for row in store.rows("SELECT visited_at_us AS t FROM visits ORDER BY t")]
    assert stored == expected_safari["visited_at_us"]
    # The last web visit: 14:02:07.75 on the fixture's day, to the microsecond.
    moment = dt.datetime.fromtimestamp(stored[2] / 1_000_000, tz=dt.UTC)
    assert moment == dt.datetime(2026, 11, 25, 14, 2, 7, 750_000, tzinfo=dt.UTC)


def test_a_chain_whose_start_is_gone_counts_as_the_browsers_doing(
    store, safari_history: Path
) -> None:
    # Safari's foreign keys would delete the rest of the chain too; a damaged file may not have.
    alter(safari_history, "DELETE FROM history_visits WHERE id = 1")
    scan(store, [safari_source(safari_history)])
    assert visits_by_host(store)["www.example.org"] == {"visits": 1, "user_initiated": 0}
    assert store.rows("SELECT transition FROM visits WHERE source_visit_id = 2") == [
        {"transition": "redirect"}
    ]


def test_a_chain_whose_end_is_gone_counts_at_its_first_page(store, safari_history: Path) -> None:
    alter(safari_history, "DELETE FROM history_visits WHERE id = 2")
    scan(store, [safari_source(safari_history)])
    assert visits_by_host(store)["www.example.org"] == {"visits": 1, "user_initiated": 1}
    rows = store.rows(
        "SELECT v.source_visit_id FROM visits v JOIN hosts h ON h.id = v.host_id"
        " WHERE h.name = 'www.example.org'"
    )
    assert rows == [{"source_visit_id": 1}]  # the http request, which is all that is left


def test_an_old_schema_with_only_the_needed_columns_is_read(store, tmp_path: Path) -> None:
    old = tmp_path / "History.db"
    alter(
        old,
        "CREATE TABLE history_items (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE)",
        "CREATE TABLE history_visits (id INTEGER PRIMARY KEY, history_item INTEGER NOT NULL,"
        " visit_time REAL NOT NULL)",
        "INSERT INTO history_items VALUES (1, 'https://www.example.net/')",
        "INSERT INTO history_visits VALUES (1, 1, 817290000.0), (2, 1, 817290060.0)",
    )
    scan(store, [safari_source(old)])
    assert visits_by_host(store) == {"www.example.net": {"visits": 2, "user_initiated": 2}}


def test_another_browsers_database_is_refused_clearly(store) -> None:
    chromium = BROWSERS / "chromium" / "Default" / "History"
    (outcome,) = scan(store, [Source(SourceKind.SAFARI, "Safari", "p", chromium)]).outcomes
    assert outcome.error == f"{chromium}: not a Safari history database (no table history_items)"


def test_full_disk_access_refusal_says_how_to_allow_it(
    store, safari_history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root in CI, where chmod cannot take read access away: simulate the refusal.
    def refuse(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted", str(source))

    monkeypatch.setattr(snapshot_module.shutil, "copyfile", refuse)
    (outcome,) = scan(store, [safari_source(safari_history)]).outcomes
    assert outcome.error == f"{safari_history}: {PROTECTED_MESSAGE}"
    assert inspect(safari_source(safari_history)).problem == PROTECTED_MESSAGE


def test_a_refusal_to_even_look_at_the_file_is_explained_too(
    store, safari_history: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without Full Disk Access macOS may refuse to stat the file at all, not only to open it.
    real_stat = Path.stat

    def stat(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        if self.parent == safari_history.parent:
            raise PermissionError(1, "Operation not permitted", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    (outcome,) = scan(store, [safari_source(safari_history)]).outcomes
    assert outcome.error == f"{safari_history}: {PROTECTED_MESSAGE}"


def test_the_guided_message_is_only_for_safaris_own_files(tmp_path: Path) -> None:
    assert safari.permission_message(Path("/Users/ada/Library/Safari/History.db")) == (
        f"/Users/ada/Library/Safari/History.db: {PROTECTED_MESSAGE}"
    )
    named = "Library/Containers/com.apple.Safari/Data/Library/Safari/Profiles/A1/History.db"
    assert safari.is_safari_history(tmp_path / named)
    assert safari.is_safari_history(tmp_path / "Library/SafariTechnologyPreview/History.db")
    assert not safari.is_safari_history(tmp_path / "Downloads" / "History.db")
    assert not safari.is_safari_history(tmp_path / "Library" / "Safari" / "Bookmarks.plist")


def test_a_given_file_or_renamed_copy_is_recognised(tmp_path: Path, safari_history: Path) -> None:
    (given,) = sources_for_path(safari_history)
    assert (given.kind, given.browser, given.profile) == (SourceKind.SAFARI, "Safari", "Default")
    renamed = tmp_path / "backup.db"
    shutil.copyfile(HISTORY, renamed)
    (found,) = sources_for_path(renamed)
    assert found.kind is SourceKind.SAFARI


def test_scanning_never_changes_safaris_files(store, tmp_path: Path) -> None:
    library = tmp_path / "Library" / "Safari"
    shutil.copytree(SAFARI, library)
    before = fingerprint(library)
    sources = sources_for_path(library)
    result = scan(store, sources)
    assert result.failed == [] and len(result.outcomes) == 1
    inspect(sources[0])
    # Same bytes, same times, and no -wal, -shm or -journal file left beside them.
    assert fingerprint(library) == before
