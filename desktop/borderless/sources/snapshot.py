"""Private read-only copies of a browser's live SQLite databases.

A browser keeps its history open while it runs: Firefox writes new visits to ``places.sqlite-wal``
and folds them into ``places.sqlite`` only now and then; Chromium may leave a ``History-journal``.
Opening the live file would take locks the browser needs, and could even write (a hot journal is
rolled back by whoever opens the database first). So the database and its companion files are
copied into a private temporary folder, SQLite folds the copied journal into the copy there, and
from then on only the copy is read, read-only. The browser's files are only ever read as bytes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from borderless.sources import safari
from borderless.sources.errors import SourceError

# Companion files SQLite may keep beside a database; the WAL holds the newest committed pages.
COMPANION_SUFFIXES = ("-wal", "-journal")
_COPY_ATTEMPTS = 4
_SQLITE_HEADER = b"SQLite format 3\x00"


def fingerprint(path: Path) -> tuple[tuple[int, int] | None, ...]:
    """Size and modification time of a database and its companions, to notice a write mid-copy.

    A file that is missing, or that the system will not even describe (macOS refuses to stat
    Safari's files without Full Disk Access), counts as absent: the copy then says why.
    """
    result: list[tuple[int, int] | None] = []
    for candidate in [path, *(path.with_name(path.name + s) for s in COMPANION_SUFFIXES)]:
        try:
            status = candidate.stat()
        except OSError:
            result.append(None)
        else:
            result.append((status.st_size, status.st_mtime_ns))
    return tuple(result)


def _copy_files(path: Path, folder: Path) -> Path:
    target = folder / path.name
    shutil.copyfile(path, target)
    for suffix in COMPANION_SUFFIXES:
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            shutil.copyfile(companion, folder / companion.name)
    return target


def _describe_os_error(path: Path, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"{path}: not found"
    # Before PermissionError: Windows reports a file another program holds open (a sharing or
    # lock violation, winerror 32 or 33) as one.
    if error.errno in (errno.EBUSY, errno.EAGAIN) or getattr(error, "winerror", None) in (32, 33):
        return f"{path}: locked by another program (close the browser and scan again)"
    if isinstance(error, PermissionError):
        if safari.is_safari_history(path):
            # macOS's privacy protection, not the file's mode: only the person can lift it.
            return safari.permission_message(path)
        return f"{path}: permission denied (Borderless may not read this file)"
    if isinstance(error, IsADirectoryError):
        return f"{path}: is a folder, not a database file"
    return f"{path}: cannot be read ({error.strerror or error})"


def _check_header(path: Path, copy: Path) -> None:
    with copy.open("rb") as handle:
        header = handle.read(len(_SQLITE_HEADER))
    if not header:
        raise SourceError(f"{path}: the file is empty")
    if header != _SQLITE_HEADER:
        raise SourceError(f"{path}: not an SQLite database")


def _settle(path: Path, copy: Path) -> None:
    """Let SQLite fold the copied WAL or journal into the copy, then make it a single file."""
    try:
        connection = sqlite3.connect(copy, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=DELETE").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise SourceError(f"{path}: {describe_database_error(error)}") from error


def describe_database_error(error: sqlite3.Error) -> str:
    """SQLite's complaint about a damaged file, in words for a person."""
    text = str(error)
    if "not a database" in text:
        return "not an SQLite database, or encrypted"
    if "malformed" in text or "disk I/O" in text:
        return "the database is damaged or truncated"
    if "locked" in text or "busy" in text:
        return "the database is locked (close the browser and scan again)"
    return f"the database cannot be read ({text})"


@contextlib.contextmanager
def snapshot(path: Path) -> Iterator[Path]:
    """A private, consistent, self-contained copy of the SQLite database at `path`.

    The copy lives in a temporary folder only its owner can read, and is removed on exit.

    Raises:
        SourceError: the file is missing, unreadable, empty or not an SQLite database, or it
            kept changing while it was copied.
    """
    try:
        is_folder = path.is_dir()
    except OSError as error:  # a refusal to even look (macOS privacy protection)
        raise SourceError(_describe_os_error(path, error)) from error
    if is_folder:
        raise SourceError(f"{path}: is a folder, not a database file")
    with tempfile.TemporaryDirectory(prefix="borderless-") as temporary:
        folder = Path(temporary)
        os.chmod(folder, 0o700)
        for attempt in range(_COPY_ATTEMPTS):
            for stale in folder.iterdir():
                stale.unlink()
            try:
                before = fingerprint(path)
                copy = _copy_files(path, folder)
                after = fingerprint(path)
            except OSError as error:
                raise SourceError(_describe_os_error(path, error)) from error
            if before == after:
                break
            # The browser wrote while we copied: the pages may not fit together. Try again.
            time.sleep(0.05 * (attempt + 1))
        else:
            raise SourceError(f"{path}: kept changing while it was copied (close the browser)")
        _check_header(path, copy)
        _settle(path, copy)
        yield copy


def open_read_only(copy: Path) -> sqlite3.Connection:
    """Open a settled snapshot read-only."""
    connection = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    connection.execute("PRAGMA query_only=1")
    return connection
