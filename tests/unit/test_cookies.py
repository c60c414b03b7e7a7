"""Cookie jars (tests/fixtures/cookies): hosts, counts and times, never names or values."""

from __future__ import annotations

import contextlib
import errno
import json
import random
import re
import shutil
import sqlite3
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import borderless.sources.snapshot as snapshot_module
from borderless.model import COOKIE_KIND, CookieHost, Source, SourceKind
from borderless.sources import cookies
from borderless.sources.cookies import (
    LOCKED_ADVICE,
    chromium_cookie_hosts,
    firefox_cookie_hosts,
    safari_cookie_hosts,
)
from borderless.sources.discovery import cookie_jar_for
from borderless.sources.errors import SourceError
from tests.conftest import FIXTURES
from tests.helpers import fingerprint

COOKIES = FIXTURES / "cookies"
CHROMIUM_JAR = COOKIES / "chromium" / "Default" / "Cookies"
FIREFOX_JAR = COOKIES / "firefox" / "cookies.sqlite"
SAFARI_JAR = COOKIES / "safari" / "Cookies.binarycookies"
JARS: dict[str, tuple[Callable[[Path], list[CookieHost]], Path]] = {
    "chromium": (chromium_cookie_hosts, CHROMIUM_JAR),
    "firefox": (firefox_cookie_hosts, FIREFOX_JAR),
    "safari": (safari_cookie_hosts, SAFARI_JAR),
}
SECRET_COLUMNS = re.compile(r"\b(name|value|encrypted_value)\b", re.IGNORECASE)

sys.path.insert(0, str(COOKIES))
import make_cookies  # noqa: E402 - the fixture script, for its binarycookies writer


@pytest.fixture(scope="module")
def expected_cookies() -> dict:
    return json.loads((COOKIES / "expected.json").read_text(encoding="utf-8"))


def by_host(hosts: list[CookieHost]) -> dict[str, dict[str, object]]:
    return {h.host: {"cookies": h.cookies, "persistent": h.persistent} for h in hosts}


def copy_of(jar: Path, tmp_path: Path) -> Path:
    target = tmp_path / jar.name
    shutil.copyfile(jar, target)
    return target


def alter(path: Path, *statements: str, parameters: tuple[object, ...] = ()) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        for statement in statements:
            connection.execute(statement, parameters if "?" in statement else ())


# The real jars ----------------------------------------------------------------------------------


@pytest.mark.parametrize("browser", sorted(JARS))
def test_hosts_and_counts_match_the_plan(browser: str, expected_cookies: dict) -> None:
    read, jar = JARS[browser]
    hosts = read(jar)
    assert by_host(hosts) == expected_cookies[browser]
    assert [h.host for h in hosts] == sorted(h.host for h in hosts)


@pytest.mark.parametrize("browser", sorted(JARS))
def test_domain_cookies_lose_their_dot(browser: str) -> None:
    read, jar = JARS[browser]
    names = {h.host for h in read(jar)}
    assert "lemonde.fr" in names  # set with Domain=.lemonde.fr
    assert not any(name.startswith(".") for name in names)


@pytest.mark.parametrize("browser", sorted(JARS))
def test_times_are_microseconds_since_1970_within_the_run(
    browser: str, expected_cookies: dict
) -> None:
    read, jar = JARS[browser]
    window = expected_cookies["generated"]
    low, high = window["from_unix"] * 1_000_000, window["to_unix"] * 1_000_000
    for host in read(jar):
        assert host.first_created_us is not None
        assert low <= host.first_created_us <= high, host
        if host.last_accessed_us is not None:  # Safari's file keeps no access time
            assert low <= host.last_accessed_us <= high, host
        if host.persistent:
            # Max-Age of 30 to 390 days in the plan.
            assert host.latest_expiry_us is not None
            assert low + 29 * 86_400_000_000 <= host.latest_expiry_us <= high + 391 * 86_400_000_000
        else:
            assert host.latest_expiry_us is None


def test_persistent_and_session_cookies_are_told_apart() -> None:
    hosts = {h.host: h for h in chromium_cookie_hosts(CHROMIUM_JAR)}
    assert not hosts["www.lemonde.fr"].persistent  # only a session cookie
    assert hosts["www.spiegel.de"].persistent  # a session cookie and a persistent one
    assert hosts["www.spiegel.de"].cookies == 2


def test_firefox_expiry_in_milliseconds_is_read_as_such() -> None:
    # Firefox ESR 153 (schema 17) stores expiry in milliseconds: lemonde.fr's is 30 days ahead.
    lemonde = {h.host: h for h in firefox_cookie_hosts(FIREFOX_JAR)}["lemonde.fr"]
    assert lemonde.latest_expiry_us is not None and lemonde.first_created_us is not None
    days = (lemonde.latest_expiry_us - lemonde.first_created_us) / 86_400_000_000
    assert 29.9 < days < 30.1


@pytest.mark.parametrize("schema", [0, 15, 16])
def test_firefox_expiry_in_seconds_in_older_schemas(tmp_path: Path, schema: int) -> None:
    jar = copy_of(FIREFOX_JAR, tmp_path)
    alter(jar, "UPDATE moz_cookies SET expiry = expiry / 1000", f"PRAGMA user_version = {schema}")
    lemonde = {h.host: h for h in firefox_cookie_hosts(jar)}["lemonde.fr"]
    assert lemonde.latest_expiry_us is not None and lemonde.first_created_us is not None
    assert 29.9 < (lemonde.latest_expiry_us - lemonde.first_created_us) / 86_400_000_000 < 30.1


def test_reading_never_writes(tmp_path: Path) -> None:
    before = fingerprint(COOKIES)
    for read, jar in JARS.values():
        read(jar)
    assert fingerprint(COOKIES) == before


# Never a name or a value ------------------------------------------------------------------------


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_the_sql_never_touches_names_or_values(
    browser: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    original = snapshot_module.open_read_only

    def traced(copy: Path) -> sqlite3.Connection:
        connection = original(copy)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(snapshot_module, "open_read_only", traced)
    read, jar = JARS[browser]
    assert read(jar)
    assert statements, "the trace saw nothing"
    for statement in statements:
        assert not SECRET_COLUMNS.search(statement), statement


def test_safari_parser_never_decodes_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[bytes] = []
    real_bytes = bytes

    class Watched(real_bytes):
        def decode(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            decoded.append(real_bytes(self))
            return real_bytes.decode(self, *args, **kwargs)

    monkeypatch.setattr(cookies, "bytes", Watched, raising=False)
    safari_cookie_hosts(SAFARI_JAR)
    assert decoded and not any(b"fixture-" in text for text in decoded)


# Hostile and broken jars -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host_key",
    ["<script>", "x" * 10_000, None, 42, b"\x00\xff", ".", "..lemonde.fr", "bad host!"],
)
def test_hostile_chromium_hosts_are_skipped(tmp_path: Path, host_key: object) -> None:
    jar = copy_of(CHROMIUM_JAR, tmp_path)
    with contextlib.closing(sqlite3.connect(jar)) as connection, connection:
        connection.execute("DROP INDEX cookies_unique_index")
        connection.execute(
            "CREATE TABLE c2 AS SELECT * FROM cookies WHERE 0"
        )  # a table without NOT NULL, to hold the hostile row
        connection.execute("INSERT INTO c2 SELECT * FROM cookies")
        connection.execute("DROP TABLE cookies")
        connection.execute("ALTER TABLE c2 RENAME TO cookies")
        connection.execute(
            "UPDATE cookies SET host_key = ? WHERE host_key = 'www.lemonde.fr'", [host_key]
        )
    hosts = by_host(chromium_cookie_hosts(jar))
    assert "www.lemonde.fr" not in hosts
    assert "www.spiegel.de" in hosts  # the rest is read


def test_hostile_times_are_ignored(tmp_path: Path) -> None:
    jar = copy_of(FIREFOX_JAR, tmp_path)
    alter(
        jar,
        "UPDATE moz_cookies SET creationTime = 'soon', lastAccessed = NULL, expiry = -5"
        " WHERE host = '.lemonde.fr'",
        "UPDATE moz_cookies SET expiry = 9223372036854775807 WHERE host = 'www.spiegel.de'",
    )
    hosts = {h.host: h for h in firefox_cookie_hosts(jar)}
    lemonde = hosts["lemonde.fr"]
    assert (lemonde.first_created_us, lemonde.last_accessed_us) == (None, None)
    assert lemonde.latest_expiry_us is None and lemonde.persistent
    assert hosts["www.spiegel.de"].latest_expiry_us == cookies.MAX_TIME_US


@pytest.mark.parametrize("read", [chromium_cookie_hosts, firefox_cookie_hosts])
@pytest.mark.parametrize(
    "content",
    [b"", b"SQLite format 3\x00" + b"\x00" * 84, b"not a database at all" * 50],
    ids=["empty", "header-only", "text"],
)
def test_broken_sqlite_jars_raise_source_error(
    tmp_path: Path, read: Callable[[Path], list[CookieHost]], content: bytes
) -> None:
    jar = tmp_path / "Cookies"
    jar.write_bytes(content)
    with pytest.raises(SourceError, match=str(jar)):
        read(jar)


@pytest.mark.parametrize("browser", ["chromium", "firefox"])
def test_truncated_sqlite_jars_raise_source_error(tmp_path: Path, browser: str) -> None:
    read, original = JARS[browser]
    jar = tmp_path / original.name
    jar.write_bytes(original.read_bytes()[:5000])
    with pytest.raises(SourceError):
        read(jar)


def test_the_wrong_kind_of_jar_is_named(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not a Chromium cookie database"):
        chromium_cookie_hosts(FIREFOX_JAR)
    with pytest.raises(SourceError, match="not a Firefox cookie database"):
        firefox_cookie_hosts(CHROMIUM_JAR)
    jar = copy_of(CHROMIUM_JAR, tmp_path)
    alter(jar, "ALTER TABLE cookies DROP COLUMN last_access_utc")
    with pytest.raises(SourceError, match="last_access_utc"):
        chromium_cookie_hosts(jar)


def test_a_missing_jar_raises_source_error(tmp_path: Path) -> None:
    for read, _ in JARS.values():
        with pytest.raises(SourceError, match="not found"):
            read(tmp_path / "nothing")


def test_an_old_chromium_schema_without_is_persistent(tmp_path: Path) -> None:
    jar = copy_of(CHROMIUM_JAR, tmp_path)
    alter(jar, "ALTER TABLE cookies RENAME COLUMN is_persistent TO persistent")
    assert not by_host(chromium_cookie_hosts(jar))["www.lemonde.fr"]["persistent"]


@pytest.mark.parametrize(
    "error",
    [OSError(errno.EBUSY, "Device or resource busy"), PermissionError(errno.EACCES, "in use")],
    ids=["busy", "windows-sharing-violation"],
)
def test_a_locked_jar_says_close_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError
) -> None:
    if isinstance(error, PermissionError):
        error.winerror = 32  # type: ignore[attr-defined] - as Windows raises it
    jar = copy_of(CHROMIUM_JAR, tmp_path)

    def refuse(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(snapshot_module.shutil, "copyfile", refuse)
    with pytest.raises(SourceError, match=re.escape(LOCKED_ADVICE)) as raised:
        chromium_cookie_hosts(jar)
    assert str(jar) in str(raised.value)


def test_a_database_lock_says_close_the_browser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(copy: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(snapshot_module, "open_read_only", locked)
    with pytest.raises(SourceError, match=re.escape(LOCKED_ADVICE)):
        firefox_cookie_hosts(FIREFOX_JAR)


# Safari's binarycookies --------------------------------------------------------------------------


def write_jar(tmp_path: Path, *records: bytes) -> Path:
    jar = tmp_path / "Cookies.binarycookies"
    page = make_cookies.binarycookies_page(list(records))
    jar.write_bytes(make_cookies.binarycookies_file([page]))
    return jar


def record(domain: str, max_age_days: int | None = 30, created: float = 800_000_000.0) -> bytes:
    cookie = make_cookies.Cookie(domain, "n", "v", None, max_age_days)
    return make_cookies.binarycookies_record(cookie, created)


def test_safari_session_and_persistent_records(tmp_path: Path) -> None:
    jar = write_jar(tmp_path, record("a.example.com", None), record(".example.com", 1))
    hosts = {h.host: h for h in safari_cookie_hosts(jar)}
    assert not hosts["a.example.com"].persistent
    assert hosts["example.com"].persistent
    # 800 000 000 s after 2001-01-01 is 2026-05-09T...: Apple's epoch converted to 1970's.
    assert hosts["example.com"].first_created_us == (800_000_000 + 978_307_200) * 1_000_000


def test_safari_hostile_domains_are_skipped(tmp_path: Path) -> None:
    jar = write_jar(
        tmp_path, record("<script>"), record("x" * 10_000), record(""), record("ok.example.org")
    )
    assert [h.host for h in safari_cookie_hosts(jar)] == ["ok.example.org"]


def test_safari_hostile_dates_are_ignored(tmp_path: Path) -> None:
    jar = write_jar(tmp_path, record("nan.example", created=float("nan")))
    (host,) = safari_cookie_hosts(jar)
    assert host.first_created_us is None


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"cook", "truncated"),
        (b"cook\xff\xff\xff\xff", "truncated"),
        (b"bplist00" + b"\0" * 40, "not a Safari cookie file"),
        (b"cook\x00\x00\x00\x01\x00\x00\x00\x10" + b"\xde\xad\xbe\xef" * 4, "page"),
    ],
)
def test_safari_broken_files(tmp_path: Path, content: bytes, problem: str) -> None:
    jar = tmp_path / "Cookies.binarycookies"
    jar.write_bytes(content)
    with pytest.raises(SourceError, match=problem):
        safari_cookie_hosts(jar)


def test_safari_unterminated_domain_fails_instead_of_hanging(tmp_path: Path) -> None:
    # browser-cookie3 0.20.1 loops forever on this file (see the module's docstring).
    domain = b"example.com"  # no NUL: the string runs to the end of the record and the file
    header = struct.pack("<10I", 56 + len(domain), 0, 0, 0, 56, 0, 0, 0, 0, 0)
    jar = write_jar(tmp_path, header + struct.pack("<dd", 0.0, 0.0) + domain)
    with pytest.raises(SourceError, match="not terminated"):
        safari_cookie_hosts(jar)


def test_safari_truncations_never_crash(tmp_path: Path) -> None:
    data = SAFARI_JAR.read_bytes()
    jar = tmp_path / "Cookies.binarycookies"
    for length in range(len(data)):
        jar.write_bytes(data[:length])
        with contextlib.suppress(SourceError):
            safari_cookie_hosts(jar)


def test_safari_fuzz_never_crashes(tmp_path: Path) -> None:
    generator = random.Random(20261126)
    original = SAFARI_JAR.read_bytes()
    jar = tmp_path / "Cookies.binarycookies"
    for attempt in range(1500):
        if attempt % 3 == 0:  # random bytes behind a valid magic
            data = b"cook" + generator.randbytes(generator.randrange(0, 300))
        else:  # the real file with a few bytes changed
            mutated = bytearray(original)
            for _ in range(generator.randrange(1, 8)):
                mutated[generator.randrange(len(mutated))] = generator.randrange(256)
            data = bytes(mutated)
        jar.write_bytes(data)
        try:
            hosts = safari_cookie_hosts(jar)
        except SourceError:
            continue
        assert all(isinstance(host, CookieHost) and host.cookies > 0 for host in hosts)


def test_safari_huge_counts_are_refused_quickly(tmp_path: Path) -> None:
    jar = tmp_path / "Cookies.binarycookies"
    page = b"\x00\x00\x01\x00" + struct.pack("<I", 0xFFFFFFFF) + b"\0" * 8
    jar.write_bytes(b"cook" + struct.pack(">II", 1, len(page)) + page)
    with pytest.raises(SourceError, match="damaged"):
        safari_cookie_hosts(jar)


def test_readers_by_kind() -> None:
    # Every browser family whose profiles have a cookie jar has a reader for it.
    assert set(cookies.READERS) == set(COOKIE_KIND)
    assert cookies.READERS[SourceKind.SAFARI] is safari_cookie_hosts


# Where a profile's jar is -----------------------------------------------------------------------


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_chromium_jar_in_network_then_beside_history(tmp_path: Path) -> None:
    history = touch(tmp_path / "Default" / "History")
    source = Source(SourceKind.CHROMIUM, "Chromium", "Default", history)
    assert cookie_jar_for(source) is None
    old = touch(tmp_path / "Default" / "Cookies")
    assert cookie_jar_for(source) == old
    new = touch(tmp_path / "Default" / "Network" / "Cookies")
    assert cookie_jar_for(source) == new


def test_firefox_jar(tmp_path: Path) -> None:
    places = touch(tmp_path / "abc.default-release" / "places.sqlite")
    source = Source(SourceKind.FIREFOX, "Firefox", "default", places)
    assert cookie_jar_for(source) is None
    jar = touch(places.with_name("cookies.sqlite"))
    assert cookie_jar_for(source) == jar


def test_safari_jars(tmp_path: Path) -> None:
    library = tmp_path / "Library"
    history = touch(library / "Safari" / "History.db")
    source = Source(SourceKind.SAFARI, "Safari", "Default", history)
    assert cookie_jar_for(source) is None
    legacy = touch(library / "Cookies" / "Cookies.binarycookies")
    assert cookie_jar_for(source) == legacy
    container = library / "Containers" / "com.apple.Safari" / "Data" / "Library"
    sandboxed = touch(container / "Cookies" / "Cookies.binarycookies")
    assert cookie_jar_for(source) == sandboxed

    uuid = "0A1B2C3D-4E5F-6071-8293-A4B5C6D7E8F9"
    profile_history = touch(container / "Safari" / "Profiles" / uuid / "History.db")
    profile = Source(SourceKind.SAFARI, "Safari", "Work", profile_history)
    assert cookie_jar_for(profile) is None
    store = container / "WebKit" / "WebsiteDataStore" / uuid.lower()
    profile_jar = touch(store / "Cookies" / "Cookies.binarycookies")
    assert cookie_jar_for(profile) == profile_jar

    preview = touch(library / "SafariTechnologyPreview" / "History.db")
    assert cookie_jar_for(Source(SourceKind.SAFARI, "Safari TP", "Default", preview)) is None
