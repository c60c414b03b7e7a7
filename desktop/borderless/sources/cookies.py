"""Cookie jars as evidence: which hosts keep cookies in a browser, how many, and when.

Only host names, counts, times and whether a cookie outlives the session are read: never a
cookie's name or value. The SQL below names the columns it reads and no others (a test traces every
statement), and the Safari parser never decodes a name or a value.

Facts the readers rely on:

- Chromium (``Cookies``, in ``<profile>/Network/`` in newer builds, beside ``History`` in a profile
  not yet migrated; ``net/extras/sqlite/sqlite_persistent_cookie_store.cc``): table
  ``cookies``, one row per cookie, ``host_key`` with a leading dot for a domain cookie; times in
  microseconds since 1601-01-01 UTC, 0 for none. ``is_persistent`` (``persistent`` in older
  schemas) is 0 for a session cookie, which Chromium writes too and drops at its next start.
  A partitioned (CHIPS) cookie has a row per top-level site (``top_frame_site_key``).
- Firefox (``cookies.sqlite``, table ``moz_cookies``): ``host`` as Chromium's ``host_key``;
  ``creationTime`` and ``lastAccessed`` in microseconds since 1970; ``expiry`` in seconds since
  1970 up to schema version 15 and in milliseconds in the schemas of current releases (version
  17 in Firefox ESR 153, whose values are around 1.8e12). How the unit is decided: the schema
  version (``PRAGMA user_version``) when it is one whose unit is known (15 or less: seconds; 17 or
  more: milliseconds); otherwise (16, or a file without a version) the largest value decides, as
  no expiry in seconds reaches 10^12 (the year 33658) and none in milliseconds after 2001 falls
  below it. Firefox keeps session cookies in memory only, so every row is persistent unless an
  old ``isSession`` column says otherwise. Total Cookie Protection partitions third-party cookies:
  one row per top-level site (``originAttributes``), counted as cookies of their host.
- Safari (``Cookies.binarycookies``): a binary format documented by reverse engineering (Satishb3's
  BinaryCookieReader, the Archive Team's file format wiki): the magic ``cook``, a big-endian page
  count and page sizes, then pages, each with ``00 00 01 00``, a little-endian cookie count and
  cookie offsets; each cookie record holds its size, flags, the offsets of its domain, name, path
  and value strings, and its expiry and creation dates as little-endian doubles of seconds since
  2001-01-01 UTC.

Why Safari's file is parsed here rather than with browser-cookie3 (0.20.1): its ``Safari`` class is
pure Python and needs no keychain, but it reads every cookie's name and value into a cookie jar,
drops the creation date, checks the format with ``assert`` (gone under ``python -O``), and loops
forever on a string that runs to the end of a truncated file (measured: a file whose only cookie's
domain lacks its closing NUL never returns). A small parser that reads only the domain and the
dates, and bounds every read, is both safer and smaller than guarding that.
"""

from __future__ import annotations

import errno
import math
import sqlite3
import struct
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from borderless.domains import canonical_host
from borderless.model import CookieHost, SourceKind
from borderless.sources import chromium, safari, snapshot
from borderless.sources.errors import SourceError

LOCKED_ADVICE = "close the browser to include cookies"
CHROMIUM_EPOCH_OFFSET_US = chromium.UNIX_EPOCH_OFFSET_US
APPLE_EPOCH_OFFSET_US = safari.APPLE_EPOCH_OFFSET_US
# 9999-12-31T23:59:59 UTC: later times (an expiry "never" written as a huge number) are clamped,
# so that every time read can become a date.
MAX_TIME_US = 253_402_300_799_000_000
# Firefox's expiry: schema versions whose unit is known, and the value that tells them apart.
FIREFOX_LAST_SECONDS_SCHEMA = 15
FIREFOX_FIRST_MILLISECONDS_SCHEMA = 17
FIREFOX_MILLISECONDS_FROM = 10**12
# Safari's file is read whole; a real one is a few hundred kilobytes.
MAX_BINARYCOOKIES_BYTES = 64 * 1024 * 1024

_Times = tuple[int | None, int | None, int | None]  # created, last accessed, expiry
# Windows: ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION, as Chrome 114+ holds its jar.
_WINDOWS_LOCK_ERRORS = (32, 33)


@dataclass(slots=True)
class _Tally:
    """What is known so far of one host's cookies (several rows may share a canonical host)."""

    cookies: int = 0
    first_created_us: int | None = None
    last_accessed_us: int | None = None
    latest_expiry_us: int | None = None
    persistent: bool = False

    def add(
        self,
        cookies: int,
        created_us: int | None,
        accessed_us: int | None,
        expiry_us: int | None,
        persistent: bool,
    ) -> None:
        self.cookies += cookies
        self.first_created_us = _earliest(self.first_created_us, created_us)
        self.last_accessed_us = _latest(self.last_accessed_us, accessed_us)
        self.latest_expiry_us = _latest(self.latest_expiry_us, expiry_us)
        self.persistent = self.persistent or persistent


def _earliest(known: int | None, new: int | None) -> int | None:
    return new if known is None else known if new is None else min(known, new)


def _latest(known: int | None, new: int | None) -> int | None:
    return new if known is None else known if new is None else max(known, new)


def _time_us(value: object, offset_us: int = 0, scale: int = 1) -> int | None:
    """A stored time as microseconds since 1970, or None for none (0) or nonsense."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return None
    result = value * scale + offset_us
    if result <= 0:
        return None
    return min(result, MAX_TIME_US)


def _cookie_host(text: object) -> str | None:
    """The canonical host of a stored cookie domain, without a domain cookie's leading dot."""
    if not isinstance(text, str):
        return None
    host = canonical_host(text.removeprefix("."))
    return host.name if host is not None else None


def _hosts(tallies: dict[str, _Tally]) -> list[CookieHost]:
    return [
        CookieHost(
            host=host,
            cookies=tally.cookies,
            first_created_us=tally.first_created_us,
            last_accessed_us=tally.last_accessed_us,
            latest_expiry_us=tally.latest_expiry_us if tally.persistent else None,
            persistent=tally.persistent,
        )
        for host, tally in sorted(tallies.items())
    ]


# SQLite jars (Chromium, Firefox) ----------------------------------------------------------------


def _is_lock(error: BaseException) -> bool:
    """Whether a failure to read comes down to another program holding the file."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and (
            cause.errno in (errno.EBUSY, errno.EAGAIN)
            or getattr(cause, "winerror", None) in _WINDOWS_LOCK_ERRORS
        ):
            return True
        if isinstance(cause, sqlite3.OperationalError) and (
            "locked" in str(cause) or "busy" in str(cause)
        ):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _read_database(
    path: Path, read: Callable[[Path, sqlite3.Connection], list[CookieHost]]
) -> list[CookieHost]:
    """Run `read` on a private read-only copy of the SQLite jar at `path`.

    Raises:
        SourceError: the jar cannot be read; when the browser holds it, the message says to
            close the browser to include cookies.
    """
    try:
        with snapshot.snapshot(path) as copy:
            try:
                connection = snapshot.open_read_only(copy)
            except sqlite3.Error as error:
                raise SourceError(f"{path}: {snapshot.describe_database_error(error)}") from error
            try:
                return read(path, connection)
            except sqlite3.Error as error:
                raise SourceError(f"{path}: {snapshot.describe_database_error(error)}") from error
            finally:
                connection.close()
    except SourceError as error:
        if _is_lock(error):
            raise SourceError(
                f"{path}: the browser is using its cookies ({LOCKED_ADVICE})"
            ) from error
        raise


def _columns(connection: sqlite3.Connection, table: str) -> set[str]:
    # PRAGMA, not a query of sqlite_master: the statement names no column of the jar.
    return {str(row[1]) for row in connection.execute(f"PRAGMA table_info({table})")}


def _require(path: Path, label: str, columns: set[str], needed: set[str]) -> None:
    missing = needed - columns
    if not columns:
        raise SourceError(f"{path}: not a {label} cookie database")
    if missing:
        raise SourceError(
            f"{path}: not a {label} cookie database we know (no {', '.join(sorted(missing))})"
        )


def _integer(column: str) -> str:
    """SQL for a column's value when it is a positive integer, else NULL (hostile rows)."""
    return f"CASE WHEN typeof({column}) = 'integer' AND {column} > 0 THEN {column} END"


def _tally_rows(
    rows: Iterable[tuple[object, ...]],
    convert: Callable[[object, object, object], _Times],
) -> list[CookieHost]:
    """Merge per-stored-host rows (host, count, created, accessed, expiry, persistent) by host."""
    tallies: dict[str, _Tally] = {}
    for stored_host, count, created, accessed, expiry, persistent in rows:
        host = _cookie_host(stored_host)
        if host is None or not isinstance(count, int) or count <= 0:
            continue
        created_us, accessed_us, expiry_us = convert(created, accessed, expiry)
        tallies.setdefault(host, _Tally()).add(
            count, created_us, accessed_us, expiry_us, persistent == 1
        )
    return _hosts(tallies)


def chromium_cookie_hosts(path: Path) -> list[CookieHost]:
    """The hosts a Chromium-family browser keeps cookies for, from its `Cookies` database.

    Returns:
        One entry per canonical host, sorted by host; rows whose host is not a usable host name
        are skipped.

    Raises:
        SourceError: the file is missing, locked by the browser, damaged or not a Chromium jar.
    """
    return _read_database(path, _read_chromium)


def _read_chromium(path: Path, connection: sqlite3.Connection) -> list[CookieHost]:
    columns = _columns(connection, "cookies")
    _require(
        path, "Chromium", columns, {"host_key", "creation_utc", "last_access_utc", "expires_utc"}
    )
    persistent_column = next(
        (name for name in ("is_persistent", "persistent", "has_expires") if name in columns), None
    )
    if persistent_column is not None:
        persistent = f"coalesce({persistent_column}, 0) != 0"
    else:
        persistent = "coalesce(expires_utc, 0) > 0"
    # Grouped in SQL: one row per stored host, however many cookies it has.
    rows = connection.execute(
        f"""SELECT host_key, count(*),
                   min({_integer("creation_utc")}),
                   max({_integer("last_access_utc")}),
                   max(CASE WHEN {persistent} THEN {_integer("expires_utc")} END),
                   max(CASE WHEN {persistent} THEN 1 ELSE 0 END)
            FROM cookies GROUP BY host_key"""
    )

    def convert(created: object, accessed: object, expiry: object) -> _Times:
        offset = -CHROMIUM_EPOCH_OFFSET_US
        return _time_us(created, offset), _time_us(accessed, offset), _time_us(expiry, offset)

    return _tally_rows(rows, convert)


def firefox_cookie_hosts(path: Path) -> list[CookieHost]:
    """The hosts a Firefox-family browser keeps cookies for, from its `cookies.sqlite`.

    Returns:
        One entry per canonical host, sorted by host; a third-party cookie partitioned under
        several top-level sites counts once per site, as the browser keeps it.

    Raises:
        SourceError: the file is missing, locked, damaged or not a Firefox jar.
    """
    return _read_database(path, _read_firefox)


def _read_firefox(path: Path, connection: sqlite3.Connection) -> list[CookieHost]:
    columns = _columns(connection, "moz_cookies")
    _require(path, "Firefox", columns, {"host", "creationTime", "lastAccessed", "expiry"})
    persistent = "coalesce(isSession, 0) = 0" if "isSession" in columns else "1"
    schema_row = connection.execute("PRAGMA user_version").fetchone()
    schema = schema_row[0] if schema_row and isinstance(schema_row[0], int) else 0
    rows = connection.execute(
        f"""SELECT host, count(*),
                   min({_integer("creationTime")}),
                   max({_integer("lastAccessed")}),
                   max(CASE WHEN {persistent} THEN {_integer("expiry")} END),
                   max(CASE WHEN {persistent} THEN 1 ELSE 0 END)
            FROM moz_cookies GROUP BY host"""
    ).fetchall()
    expiry_scale = _firefox_expiry_scale(schema, (row[4] for row in rows))

    def convert(created: object, accessed: object, expiry: object) -> _Times:
        return _time_us(created), _time_us(accessed), _time_us(expiry, scale=expiry_scale)

    return _tally_rows(rows, convert)


def _firefox_expiry_scale(schema: int, expiries: Iterable[object]) -> int:
    """Microseconds per unit of `moz_cookies.expiry`: by schema version, else by magnitude."""
    if 0 < schema <= FIREFOX_LAST_SECONDS_SCHEMA:
        return 1_000_000
    if schema >= FIREFOX_FIRST_MILLISECONDS_SCHEMA:
        return 1_000
    largest = max((value for value in expiries if isinstance(value, int)), default=0)
    return 1_000 if largest >= FIREFOX_MILLISECONDS_FROM else 1_000_000


# Safari's binarycookies ---------------------------------------------------------------------------

_MAGIC = b"cook"
_PAGE_START = b"\x00\x00\x01\x00"
_RECORD_HEADER = struct.Struct("<IIIII")  # size, (unknown), flags, (unknown), domain offset
_DATES = struct.Struct("<dd")  # expiry, creation: seconds since 2001-01-01
_DATES_AT = 40  # after the name, path, value and comment offsets and four zero bytes
_RECORD_HEADER_SIZE = 56


class _DamagedError(Exception):
    """Safari's file does not follow its format at some point; the text says where."""


def _u32(data: bytes | memoryview, at: int, big_endian: bool = False) -> int:
    if at < 0 or at + 4 > len(data):
        raise _DamagedError("truncated")
    value: int = struct.unpack_from(">I" if big_endian else "<I", data, at)[0]
    return value


def _apple_time_us(seconds: float) -> int | None:
    if not math.isfinite(seconds) or seconds == 0:
        return None
    microseconds = round(seconds * 1_000_000) + APPLE_EPOCH_OFFSET_US
    if microseconds <= 0:
        return None
    return min(microseconds, MAX_TIME_US)


def _safari_records(data: bytes) -> Iterator[tuple[str | None, int | None, int | None]]:
    """(domain, created, expiry) of every cookie record in a binarycookies file.

    The domain is None when it is not text. Only the domain string, the dates and the layout are
    read: the name, path and value are never looked at.

    Raises:
        _DamagedError: the file is not in the format or is cut short.
    """
    if data[:4] != _MAGIC:
        raise _DamagedError("not a Safari cookie file")
    pages = _u32(data, 4, big_endian=True)
    if 8 + 4 * pages > len(data):
        raise _DamagedError("truncated")
    sizes = [_u32(data, 8 + 4 * index, big_endian=True) for index in range(pages)]
    start = 8 + 4 * pages
    for size in sizes:
        if start + size > len(data):
            raise _DamagedError("truncated")
        page = memoryview(data)[start : start + size]
        start += size
        if bytes(page[:4]) != _PAGE_START:
            raise _DamagedError("a page of cookies is damaged")
        count = _u32(page, 4)
        if 8 + 4 * count > size:
            raise _DamagedError("a page of cookies is damaged")
        for index in range(count):
            yield _safari_record(page, _u32(page, 8 + 4 * index))


def _safari_record(page: memoryview, offset: int) -> tuple[str | None, int | None, int | None]:
    if offset + _RECORD_HEADER_SIZE > len(page):
        raise _DamagedError("a cookie lies outside its page")
    size, _, _flags, _, domain_at = _RECORD_HEADER.unpack_from(page, offset)
    if size < _RECORD_HEADER_SIZE or offset + size > len(page):
        raise _DamagedError("a cookie lies outside its page")
    record = page[offset : offset + size]
    if not _RECORD_HEADER_SIZE <= domain_at < size:
        raise _DamagedError("a cookie's domain lies outside it")
    end = bytes(record[domain_at:]).find(b"\0")
    if end < 0:
        raise _DamagedError("a cookie's domain is not terminated")
    try:
        domain: str | None = bytes(record[domain_at : domain_at + end]).decode("utf-8")
    except UnicodeDecodeError:
        domain = None
    expiry, created = _DATES.unpack_from(record, _DATES_AT)
    return domain, _apple_time_us(created), _apple_time_us(expiry)


def _describe_os_error(path: Path, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"{path}: not found"
    if isinstance(error, IsADirectoryError):
        return f"{path}: is a folder, not a cookie file"
    if isinstance(error, PermissionError):
        if sys.platform == "darwin":
            # macOS's privacy protection keeps Safari's cookies as it keeps its history.
            return f"{path}: {safari.FULL_DISK_ACCESS_HELP}"
        return f"{path}: permission denied (Borderless may not read this file)"
    return f"{path}: cannot be read ({error.strerror or error})"


def safari_cookie_hosts(path: Path) -> list[CookieHost]:
    """The hosts Safari keeps cookies for, from a `Cookies.binarycookies` file.

    Safari keeps only persistent cookies on disk; a record without an expiry date counts as a
    session cookie all the same.

    Raises:
        SourceError: the file is missing, protected by macOS, damaged, truncated or not Safari's.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BINARYCOOKIES_BYTES + 1)
    except OSError as error:
        if _is_lock(error):
            raise SourceError(
                f"{path}: the browser is using its cookies ({LOCKED_ADVICE})"
            ) from error
        raise SourceError(_describe_os_error(path, error)) from error
    if not data:
        raise SourceError(f"{path}: the file is empty")
    if len(data) > MAX_BINARYCOOKIES_BYTES:
        raise SourceError(f"{path}: too large to be a Safari cookie file")
    tallies: dict[str, _Tally] = {}
    try:
        for domain, created_us, expiry_us in _safari_records(data):
            host = _cookie_host(domain)
            if host is not None:
                persistent = expiry_us is not None
                tallies.setdefault(host, _Tally()).add(1, created_us, None, expiry_us, persistent)
    except _DamagedError as error:
        raise SourceError(f"{path}: {error}") from error
    except (struct.error, ValueError, IndexError, OverflowError) as error:
        # Every read above is bounded; this is the last guard, should one have been missed.
        raise SourceError(f"{path}: the Safari cookie file is damaged ({error})") from error
    return _hosts(tallies)


# The reader for each kind of browser, for callers that hold a Source.
READERS: Mapping[SourceKind, Callable[[Path], list[CookieHost]]] = {
    SourceKind.CHROMIUM: chromium_cookie_hosts,
    SourceKind.FIREFOX: firefox_cookie_hosts,
    SourceKind.SAFARI: safari_cookie_hosts,
}
