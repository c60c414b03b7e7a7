"""The DNS-log readers: dnsmasq's query log, Pi-hole's database, AdGuard Home's query log."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.adguard import MalformedEntryError, parse_entry, read_adguard
from borderless.sources.dnsmasq import lookups_from_lines, parse_line, read_dnsmasq
from borderless.sources.errors import SourceError
from borderless.sources.pihole import pihole_counts, read_pihole
from tests.helpers import fingerprint

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "dns"
EXPECTED = json.loads((FIXTURES / "dnsmasq-expected.json").read_text())
PIHOLE_START_US = 1_764_000_000 * 1_000_000
UTC_ZONE = timezone.utc  # noqa: UP017 -- a tzinfo, not the datetime.UTC alias, for clarity


@pytest.fixture
def dns_folder(tmp_path: Path) -> Path:
    """A copy of the fixtures, so a test can watch that nothing writes to them."""
    folder = tmp_path / "dns"
    shutil.copytree(FIXTURES, folder)
    return folder


# dnsmasq


@pytest.mark.parametrize("mode", ["extra", "plain"])
def test_dnsmasq_log_matches_what_dig_saw(mode: str) -> None:
    lookups = [
        lookup
        for lookup in read_dnsmasq(FIXTURES / f"dnsmasq-{mode}.log")
        if lookup.name != "ready.invalid"  # the start-up probe
    ]
    expected = EXPECTED[mode]
    assert [(x.name, x.record_type) for x in lookups] == [
        (e["name"], e["record_type"]) for e in expected
    ]
    for lookup, wanted in zip(lookups, expected, strict=True):
        assert lookup.outcome == wanted["outcome"], lookup
        assert list(lookup.cname_chain) == wanted["cname_chain"], lookup
        # dnsmasq logs one line per cached record it answers from: for a host-record with two
        # IPv4 addresses it logs only one of them, so the log holds a subset of the answer.
        assert set(lookup.addresses) <= set(wanted["addresses"]), lookup
        assert bool(lookup.addresses) == bool(wanted["addresses"]), lookup
        assert lookup.client == "127.0.0.1"


@pytest.mark.parametrize("mode", ["extra", "plain"])
def test_dnsmasq_marks_cached_answers(mode: str) -> None:
    up = [x for x in read_dnsmasq(FIXTURES / f"dnsmasq-{mode}.log") if x.name == "www.up.test"]
    assert [x.cached for x in up] == [False, False, True, True]
    assert all(x.cname_chain == ("edge.up.test",) for x in up)


def test_dnsmasq_probe_refused_is_failed() -> None:
    for mode in ("extra", "plain"):
        probe = next(read_dnsmasq(FIXTURES / f"dnsmasq-{mode}.log"))
        assert (probe.name, probe.outcome) == ("ready.invalid", LookupOutcome.FAILED)


def test_dnsmasq_year_comes_from_the_modification_time(tmp_path: Path) -> None:
    log = tmp_path / "dnsmasq.log"
    log.write_text(
        "Dec 31 23:59:58 dnsmasq[1]: query[A] old.example from 10.0.0.2\n"
        "Dec 31 23:59:58 dnsmasq[1]: reply old.example is 192.0.2.1\n"
        "Jan  1 00:00:02 dnsmasq[1]: query[A] new.example from 10.0.0.2\n"
        "Jan  1 00:00:02 dnsmasq[1]: reply new.example is 192.0.2.2\n"
    )
    written = datetime(2025, 1, 1, 0, 5, tzinfo=UTC)
    os.utime(log, (written.timestamp(), written.timestamp()))
    old, new = read_dnsmasq(log, zone=UTC_ZONE)
    assert datetime.fromtimestamp(old.time_us / 1e6, UTC) == datetime(
        2024, 12, 31, 23, 59, 58, tzinfo=UTC
    )
    assert datetime.fromtimestamp(new.time_us / 1e6, UTC) == datetime(
        2025, 1, 1, 0, 0, 2, tzinfo=UTC
    )
    assert (old.addresses, new.addresses) == (("192.0.2.1",), ("192.0.2.2",))


def test_dnsmasq_leap_day_goes_to_a_leap_year() -> None:
    line = parse_line(
        "Feb 29 12:00:00 dnsmasq[1]: query[A] x.example from 1.2.3.4",
        datetime(2025, 3, 1, tzinfo=UTC),
        UTC_ZONE,
    )
    assert line is not None and line.time.year == 2024


def test_dnsmasq_syslog_host_and_iso_time_and_pihole_blocking() -> None:
    modified = datetime(2025, 6, 1, tzinfo=UTC)
    lines = [
        "May  3 10:00:00 router dnsmasq[9]: query[AAAA] ads.example from 10.0.0.3",
        "May  3 10:00:00 router dnsmasq[9]: gravity blocked ads.example is ::",
        "2025-05-03T10:00:01.123456789+02:00 pi dnsmasq[9]: query[A] www.example from 10.0.0.4",
        "2025-05-03T10:00:01.2+02:00 pi dnsmasq[9]: forwarded www.example to 9.9.9.9",
        "2025-05-03T10:00:01.3+02:00 pi dnsmasq[9]: reply www.example is 192.0.2.5",
        "2025-05-03T10:00:01.3+02:00 pi dnsmasq[9]: reply www.example is 192.0.2.6",
        "May  3 10:00:02 dnsmasq[9]: query[A] never.example from 10.0.0.4",
    ]
    blocked, answered, waiting = lookups_from_lines(iter(lines), modified, UTC_ZONE)
    assert blocked.outcome == LookupOutcome.BLOCKED and blocked.client == "10.0.0.3"
    assert answered.addresses == ("192.0.2.5", "192.0.2.6")
    assert answered.time_us == int(datetime(2025, 5, 3, 8, 0, 1, 123456, UTC).timestamp() * 1e6)
    assert waiting.outcome == LookupOutcome.UNANSWERED


def test_dnsmasq_pairs_interleaved_queries_by_name_in_plain_logs() -> None:
    lines = [
        "May  3 10:00:00 dnsmasq[9]: query[A] a.example from 10.0.0.3",
        "May  3 10:00:00 dnsmasq[9]: query[A] b.example from 10.0.0.4",
        "May  3 10:00:00 dnsmasq[9]: forwarded a.example to 9.9.9.9",
        "May  3 10:00:00 dnsmasq[9]: forwarded b.example to 9.9.9.9",
        "May  3 10:00:01 dnsmasq[9]: reply b.example is NODATA-IPv4",
        "May  3 10:00:01 dnsmasq[9]: reply a.example is <CNAME>",
        "May  3 10:00:01 dnsmasq[9]: reply a.cdn.example is 192.0.2.9",
    ]
    a, b = lookups_from_lines(iter(lines), datetime(2025, 6, 1, tzinfo=UTC), UTC_ZONE)
    assert (a.name, a.cname_chain, a.addresses) == ("a.example", ("a.cdn.example",), ("192.0.2.9",))
    assert (b.name, b.outcome) == ("b.example", LookupOutcome.NO_DATA)


def test_dnsmasq_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=str(tmp_path / "nope.log")):
        list(read_dnsmasq(tmp_path / "nope.log"))
    with pytest.raises(SourceError, match="folder"):
        list(read_dnsmasq(tmp_path))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=120), max_size=12))
def test_dnsmasq_parser_survives_any_text(lines: list[str]) -> None:
    prefixed = [f"Jan  1 00:00:00 dnsmasq[1]: {line}" for line in lines] + lines
    for lookup in lookups_from_lines(iter(prefixed), datetime(2025, 1, 2, tzinfo=UTC)):
        assert isinstance(lookup, DnsLookup)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["query[A]", "reply", "cached", "config", "forwarded", "query[AAAA]"]),
            st.sampled_from(["a.example", "b.example", "error"]),
            st.sampled_from(
                ["from 1.2.3.4", "is 192.0.2.1", "is <CNAME>", "is ::1", "is NXDOMAIN"]
            ),
        ),
        max_size=20,
    )
)
def test_dnsmasq_parser_survives_shuffled_real_lines(
    parts: list[tuple[int, str, str, str]],
) -> None:
    lines = [
        f"Jan  1 00:00:00 dnsmasq[1]: {serial} 10.0.0.1/5353 {source} {name} {tail}"
        if serial
        else f"Jan  1 00:00:00 dnsmasq[1]: {source} {name} {tail}"
        for serial, source, name, tail in parts
    ]
    list(lookups_from_lines(iter(lines), datetime(2025, 1, 2, tzinfo=UTC)))


# Pi-hole


def test_pihole_reads_every_row(dns_folder: Path) -> None:
    before = fingerprint(dns_folder)
    lookups = list(read_pihole(dns_folder / "pihole-FTL.db"))
    assert fingerprint(dns_folder) == before
    assert len(lookups) == 12
    first = lookups[0]
    assert first == DnsLookup(
        time_us=PIHOLE_START_US,
        name="www.linkedin.com",
        record_type="A",
        outcome=LookupOutcome.ANSWERED,
        client="192.168.1.20",
    )
    outcomes = {(x.name, x.record_type, x.outcome, x.cached) for x in lookups}
    assert ("www.linkedin.com", "A", LookupOutcome.ANSWERED, True) in outcomes
    assert ("ads.doubleclick.net", "A", LookupOutcome.BLOCKED, False) in outcomes
    assert ("tracker.example.com", "HTTPS", LookupOutcome.BLOCKED, False) in outcomes
    assert ("missing.example.org", "A", LookupOutcome.NXDOMAIN, False) in outcomes
    assert ("www.youtube.com", "HTTPS", LookupOutcome.NO_DATA, False) in outcomes
    assert ("www.youtube.com", "A", LookupOutcome.ANSWERED, True) in outcomes  # stale cache
    assert ("mask.icloud.com", "A", LookupOutcome.BLOCKED, False) in outcomes
    assert ("broken.example.net", "A", LookupOutcome.FAILED, False) in outcomes
    assert ("slow.example.net", "A", LookupOutcome.UNANSWERED, False) in outcomes
    assert ("www.regex-blocked.test", "A", LookupOutcome.BLOCKED, False) in outcomes


def test_pihole_time_range(dns_folder: Path) -> None:
    path = dns_folder / "pihole-FTL.db"
    since, until = PIHOLE_START_US + 60_000_000, PIHOLE_START_US + 180_000_000
    lookups = list(read_pihole(path, since_us=since, until_us=until))
    assert [x.time_us for x in lookups] == [
        PIHOLE_START_US + seconds * 1_000_000 for seconds in (60, 61, 62, 120, 121)
    ]
    assert list(read_pihole(path, since_us=PIHOLE_START_US + 10**9)) == []


@pytest.mark.parametrize("window", [(None, None), (60, 181), (0, 1)])
def test_pihole_counts_equal_the_streamed_rows(
    dns_folder: Path, window: tuple[int | None, int | None]
) -> None:
    path = dns_folder / "pihole-FTL.db"
    since, until = (None if edge is None else PIHOLE_START_US + edge * 1_000_000 for edge in window)
    counted: dict[str, list[int]] = {}
    for lookup in read_pihole(path, since_us=since, until_us=until):
        row = counted.setdefault(lookup.name, [0, 0, lookup.time_us, lookup.time_us])
        row[1 if lookup.outcome == LookupOutcome.BLOCKED else 0] += 1
        row[2], row[3] = min(row[2], lookup.time_us), max(row[3], lookup.time_us)
    counts = pihole_counts(path, since_us=since, until_us=until)
    assert {name: [c.allowed, c.blocked, c.first_us, c.last_us] for name, c in counts.items()} == (
        counted
    )
    if window == (None, None):
        linkedin = counts["www.linkedin.com"]
        assert (linkedin.allowed, linkedin.blocked) == (3, 0)


def test_pihole_truncated_database(dns_folder: Path) -> None:
    path = dns_folder / "pihole-FTL.db"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(SourceError, match=str(path)):
        list(read_pihole(path))
    with pytest.raises(SourceError, match=str(path)):
        pihole_counts(path)


def test_pihole_not_a_database(tmp_path: Path) -> None:
    garbage = tmp_path / "pihole-FTL.db"
    garbage.write_bytes(b"nothing to see" * 100)
    with pytest.raises(SourceError, match="not an SQLite database"):
        list(read_pihole(garbage))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(SourceError, match="not a Pi-hole"):
        list(read_pihole(other))
    with pytest.raises(SourceError, match="not found"):
        list(read_pihole(tmp_path / "missing.db"))


def test_pihole_old_schema_with_a_queries_table(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE queries ( id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,"
        " type INTEGER NOT NULL, status INTEGER NOT NULL, domain TEXT NOT NULL,"
        " client TEXT NOT NULL, forward TEXT )"
    )
    connection.execute("INSERT INTO queries VALUES (1, 1600000000, 2, 2, 'a.example', 'x', NULL)")
    connection.execute("INSERT INTO queries VALUES (2, 1600000001, 116, 5, 'b.example', 'x', NULL)")
    connection.commit()
    connection.close()
    a, b = read_pihole(path)
    assert (a.record_type, a.outcome) == ("AAAA", LookupOutcome.ANSWERED)
    assert (b.record_type, b.outcome) == ("TXT", LookupOutcome.BLOCKED)  # 100 + TXT's 16


# AdGuard Home


def test_adguard_reads_its_log(dns_folder: Path) -> None:
    before = fingerprint(dns_folder)
    skipped: list[tuple[int, str]] = []
    lookups = list(
        read_adguard(dns_folder / "querylog.json", skipped=lambda n, why: skipped.append((n, why)))
    )
    assert fingerprint(dns_folder) == before
    assert [line for line, _ in skipped] == [5, 6]
    linkedin, youtube, ads, missing, v6, down = lookups
    assert linkedin.cname_chain == ("www-linkedin-com.l-0005.l-msedge.net", "l-0005.l-msedge.net")
    assert linkedin.addresses == ("13.107.42.14",)
    assert (
        linkedin.time_us
        == int(datetime(2025, 11, 25, 9, 0, 0, tzinfo=UTC).timestamp()) * (1_000_000) + 123456
    )
    assert linkedin.client == "192.168.1.30" and not linkedin.cached
    assert youtube.cached and youtube.addresses == ("2a00:1450:4001:82b::200e",)
    assert ads.outcome == LookupOutcome.BLOCKED and ads.addresses == ()
    assert missing.outcome == LookupOutcome.NXDOMAIN
    assert v6.outcome == LookupOutcome.NO_DATA
    assert down.outcome == LookupOutcome.FAILED


def test_adguard_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        list(read_adguard(tmp_path / "querylog.json"))


def test_adguard_entry_without_answer_is_unanswered() -> None:
    lookup = parse_entry('{"T":"2025-01-01T00:00:00Z","QH":"x.example","QT":"A","IP":"::1"}')
    assert lookup is not None and lookup.outcome == LookupOutcome.UNANSWERED


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.dictionaries(
            st.sampled_from(["T", "QH", "QT", "IP", "Answer", "Result", "Cached"]),
            st.one_of(
                st.text(max_size=40),
                st.integers(),
                st.booleans(),
                st.none(),
                st.binary(max_size=80).map(lambda b: __import__("base64").b64encode(b).decode()),
                st.dictionaries(st.sampled_from(["IsFiltered", "Reason"]), st.integers(0, 12)),
            ),
        ).map(json.dumps),
    )
)
def test_adguard_parser_survives_any_line(line: str) -> None:
    try:
        parse_entry(line)
    except MalformedEntryError:
        pass


def test_adguard_hostile_file_never_raises(tmp_path: Path) -> None:
    log = tmp_path / "querylog.json"
    log.write_bytes(b'\xff\xfe{"T": 1}\n[]\n{"QH": "a", "QT": "A", "T": "yesterday"}\n\n' * 3)
    skipped: list[int] = []
    assert list(read_adguard(log, skipped=lambda n, _why: skipped.append(n))) == []
    assert len(skipped) == 9


def test_readers_stream(tmp_path: Path) -> None:
    """A reader is a generator: nothing is opened before the first lookup is asked for."""
    for lookups in (read_dnsmasq(tmp_path / "absent.log"), read_adguard(tmp_path / "a.json")):
        with pytest.raises(SourceError):
            next(lookups)
