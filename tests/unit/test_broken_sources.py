"""Broken evidence: every problem gets one clear line naming the source; the scan goes on."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from borderless.model import Source, SourceKind
from borderless.pipeline import inspect, scan
from borderless.sources import SourceError
from borderless.sources import snapshot as snapshot_module
from borderless.sources.snapshot import snapshot
from tests.conftest import BROWSERS
from tests.helpers import visits_by_host

GOOD = BROWSERS / "chromium" / "Default" / "History"


def chromium(path: Path) -> Source:
    return Source(SourceKind.CHROMIUM, "Chromium", "Default", path)


def broken_files(folder: Path) -> dict[str, tuple[Path, str]]:
    """Broken History files, each with the words its error message must contain."""
    empty = folder / "empty" / "History"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    truncated = folder / "truncated" / "History"
    truncated.parent.mkdir()
    truncated.write_bytes(GOOD.read_bytes()[: 3 * 4096 + 100])
    not_sqlite = folder / "text" / "History"
    not_sqlite.parent.mkdir()
    not_sqlite.write_text("this is not a database\n" * 100)
    wrong_schema = folder / "wrong" / "History"
    wrong_schema.parent.mkdir()
    with sqlite3.connect(wrong_schema) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    missing_column = folder / "column" / "History"
    missing_column.parent.mkdir()
    with sqlite3.connect(missing_column) as connection:
        connection.execute("CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT)")
        connection.execute("CREATE TABLE visits (id INTEGER PRIMARY KEY, url INTEGER)")
    return {
        "empty": (empty, "the file is empty"),
        "truncated": (truncated, "damaged or truncated"),
        "not sqlite": (not_sqlite, "not an SQLite database"),
        "wrong schema": (wrong_schema, "not a Chromium history database (no table urls)"),
        "missing column": (missing_column, "table visits lacks visit_time"),
        "missing": (folder / "gone" / "History", "not found"),
        "folder": (folder, "is a folder"),
    }


@pytest.mark.parametrize(
    "case",
    ["empty", "truncated", "not sqlite", "wrong schema", "missing column", "missing", "folder"],
)
def test_each_broken_source_gets_a_clear_message_and_the_scan_goes_on(
    store, tmp_path: Path, expected, case: str
) -> None:
    path, words = broken_files(tmp_path)[case]
    result = scan(store, [chromium(path), chromium(GOOD)])
    broken, good = result.outcomes
    assert broken.error is not None
    assert broken.error.startswith(f"{path}: ")
    assert words in broken.error
    assert "\n" not in broken.error and "Traceback" not in broken.error
    assert good.error is None
    assert visits_by_host(store) == expected["chromium"]
    status = store.rows("SELECT last_status, last_error FROM sources WHERE path = ?", [str(path)])
    assert status == [{"last_status": "error", "last_error": broken.error}]
    assert inspect(chromium(path)).problem is not None


def test_what_is_stored_stays_when_a_source_breaks_later(store, tmp_path: Path, expected) -> None:
    history = tmp_path / "History"
    shutil.copyfile(GOOD, history)
    scan(store, [chromium(history)])
    history.write_bytes(b"garbage" * 1000)
    result = scan(store, [chromium(history)])
    assert result.outcomes[0].error is not None
    assert visits_by_host(store) == expected["chromium"]


def test_permission_denied_is_reported_as_such(
    store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Tests run as root in CI, where chmod cannot take read access away: simulate the refusal.
    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied", str(source))

    monkeypatch.setattr(snapshot_module.shutil, "copyfile", refuse)
    result = scan(store, [chromium(GOOD)])
    assert (
        result.outcomes[0].error == f"{GOOD}: permission denied (Borderless may not read this file)"
    )


def test_a_locked_file_is_reported_with_what_to_do(store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Windows refuses to share a file a running browser holds (Chrome's Cookies, say).
    def locked(source: object, target: object) -> None:
        error = OSError(errno.EBUSY, "Device or resource busy", str(source))
        raise error

    monkeypatch.setattr(snapshot_module.shutil, "copyfile", locked)
    result = scan(store, [chromium(GOOD)])
    assert result.outcomes[0].error == (
        f"{GOOD}: locked by another program (close the browser and scan again)"
    )


def test_a_file_that_keeps_changing_while_copied_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counter = iter(range(1000))
    monkeypatch.setattr(snapshot_module, "fingerprint", lambda path: (next(counter),))
    monkeypatch.setattr(snapshot_module.time, "sleep", lambda seconds: None)
    with pytest.raises(SourceError, match="kept changing while it was copied"), snapshot(GOOD):
        pass


def test_the_snapshot_is_private_and_gone_afterwards() -> None:
    with snapshot(GOOD) as copy:
        assert copy != GOOD
        assert copy.parent.stat().st_mode & 0o777 == 0o700
        folder = copy.parent
    assert not folder.exists()


CRASH_MID_WRITE = """
import os, sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode=DELETE")
connection.execute("PRAGMA cache_size=1")  # spill changed pages into the file before commit
connection.execute("BEGIN")
connection.execute("DELETE FROM visits")
connection.execute("UPDATE urls SET title = hex(randomblob(3000))")
os._exit(0)  # die mid-transaction, as a browser that crashes does
"""


def test_a_hot_journal_is_rolled_back_in_the_copy_not_in_the_original(tmp_path: Path) -> None:
    history = tmp_path / "History"
    shutil.copyfile(GOOD, history)
    subprocess.run([sys.executable, "-c", CRASH_MID_WRITE, str(history)], check=True)
    journal = tmp_path / "History-journal"
    assert journal.stat().st_size > 0
    before = (history.read_bytes(), journal.read_bytes())
    with snapshot(history) as copy:
        assert not copy.with_name("History-journal").exists()
        with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as connection:
            assert connection.execute("SELECT count(*) FROM visits").fetchone() == (73,)
    # The browser's own files, journal included, are exactly as the crash left them.
    assert (history.read_bytes(), journal.read_bytes()) == before


def test_a_file_another_program_holds_on_windows_is_reported_as_locked() -> None:
    # Windows raises a sharing violation (winerror 32) as a PermissionError: it is a lock, and
    # the advice is to close the browser, not that Borderless may not read the file.
    from borderless.sources.snapshot import _describe_os_error

    error = PermissionError(13, "The process cannot access the file")
    error.winerror = 32  # type: ignore[attr-defined]
    message = _describe_os_error(Path("/x/History"), error)
    assert message == "/x/History: locked by another program (close the browser and scan again)"
