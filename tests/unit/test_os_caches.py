"""The operating systems' DNS caches as DNS evidence: Windows' Get-DnsClientCache JSON,
systemd-resolved's show-cache text and mDNSResponder's cache dump in macOS's log, read from
saved files and live (with the command played by a stand-in)."""

from __future__ import annotations

import codecs
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borderless.model import DnsLookup, LookupOutcome, Source, SourceKind
from borderless.pipeline import inspect, scan
from borderless.sources import dns_evidence, oscache
from borderless.sources.discovery import sources_for_path
from borderless.sources.dns_evidence import discover_dns, dns_kind_of, dns_source_for, read_lookups
from borderless.sources.errors import SourceError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CACHES = FIXTURES / "oscache"
# When the saved files were "saved": their lookups are stamped with this, rounded to the hour.
SAVED_AT = datetime(2026, 11, 25, 10, 37, 12, tzinfo=UTC).timestamp()
SAVED_HOUR_US = int(datetime(2026, 11, 25, 10, tzinfo=UTC).timestamp()) * 1_000_000
# The time the macOS fixture's dump began: 10:00:01.123456 at +01:00.
DUMP_TIME_US = int(datetime(2026, 11, 25, 9, 0, 1, tzinfo=UTC).timestamp()) * 1_000_000 + 123_456

CHAIN = ("www.example.com.cdn.example.net", "edge.example.net")
WINDOWS_EXPECTED = {
    ("www.example.com", "A"): (LookupOutcome.ANSWERED, ("93.184.216.34", "93.184.216.35"), CHAIN),
    ("www.example.com", "AAAA"): (
        LookupOutcome.ANSWERED, ("2606:2800:220:1:248:1893:25c8:1946",), CHAIN
    ),
    ("nx.example.org", "A"): (LookupOutcome.NXDOMAIN, (), ()),
    ("ipv4only.example.org", "AAAA"): (LookupOutcome.NO_DATA, (), ()),
    ("ipv4only.example.org", "A"): (LookupOutcome.ANSWERED, ("192.0.2.10",), ()),
    ("example.org", "MX"): (LookupOutcome.ANSWERED, (), ()),  # its additional A is not asked
    ("api.example.com", "A"): (LookupOutcome.ANSWERED, ("198.51.100.7",), ()),
}  # fmt: skip
RESOLVED_EXPECTED = {
    ("www.example.com", "A"): (LookupOutcome.ANSWERED, ("93.184.216.34", "93.184.216.35"), CHAIN),
    ("www.example.com", "AAAA"): (
        LookupOutcome.ANSWERED, ("2606:2800:220:1:248:1893:25c8:1946",), CHAIN
    ),
    ("api.example.org", "A"): (LookupOutcome.ANSWERED, ("198.51.100.7",), ()),
    ("nx.example.org", "A"): (LookupOutcome.NXDOMAIN, (), ()),
    ("ipv4only.example.org", "AAAA"): (LookupOutcome.NO_DATA, (), ()),
    ("ipv4only.example.org", "A"): (LookupOutcome.ANSWERED, ("192.0.2.10",), ()),
    ("broken.example.org", "A"): (LookupOutcome.FAILED, (), ()),
    ("example.org", "HTTPS"): (LookupOutcome.ANSWERED, (), ()),
    # Its CNAME is cached in another DNS scope, after the address it leads to.
    ("static.example.com", "A"): (LookupOutcome.ANSWERED, ("203.0.113.5",), ("cdn.example.com",)),
}  # fmt: skip
MACOS_EXPECTED = {
    ("www.example.com", "A"): (LookupOutcome.ANSWERED, ("93.184.216.34",), CHAIN),
    ("www.example.com", "AAAA"): (
        LookupOutcome.ANSWERED, ("2606:2800:220:1:248:1893:25c8:1946",), CHAIN
    ),
    ("api.example.org", "A"): (LookupOutcome.ANSWERED, ("198.51.100.7",), ()),
}  # fmt: skip


def by_key(lookups: Sequence[DnsLookup]) -> dict[tuple[str, str], tuple[object, ...]]:
    """Lookups as {(name, type): (outcome, addresses, chain)}, each key only once."""
    keyed = {(x.name, x.record_type): (x.outcome, x.addresses, x.cname_chain) for x in lookups}
    assert len(keyed) == len(lookups), "a name and type was reported twice"
    return keyed


def saved_copy(tmp_path: Path, name: str, data: bytes | None = None) -> Path:
    """A copy of a fixture (or of `data`) saved at SAVED_AT; the originals stay untouched."""
    target = tmp_path / name
    if data is None:
        shutil.copyfile(CACHES / name, target)
    else:
        target.write_bytes(data)
    os.utime(target, (SAVED_AT, SAVED_AT))
    return target


# Windows ----------------------------------------------------------------------------------------


def test_windows_cache_one_lookup_per_entry_and_type(tmp_path: Path) -> None:
    lookups = list(oscache.read_windows_cache(saved_copy(tmp_path, "windows-cache.json")))
    assert by_key(lookups) == WINDOWS_EXPECTED
    assert all(x.cached and x.time_us == SAVED_HOUR_US and x.client is None for x in lookups)


def test_windows_powershell_5_saves_utf16_with_a_byte_order_mark(tmp_path: Path) -> None:
    text = (CACHES / "windows-cache.json").read_text(encoding="utf-8")
    utf16 = saved_copy(tmp_path, "cache.json", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert dns_kind_of(utf16) is SourceKind.WINDOWS_DNS_CACHE
    assert by_key(list(oscache.read_windows_cache(utf16))) == WINDOWS_EXPECTED


def test_windows_single_entry_is_an_object_not_an_array(tmp_path: Path) -> None:
    # ConvertTo-Json prints a lone object for one entry; this one also starts with a UTF-8 BOM.
    assert (CACHES / "windows-single.json").read_bytes().startswith(codecs.BOM_UTF8)
    (lookup,) = oscache.read_windows_cache(saved_copy(tmp_path, "windows-single.json"))
    assert (lookup.name, lookup.record_type, lookup.addresses) == (
        "single.example.com", "A", ("203.0.113.9",)
    )  # fmt: skip


@pytest.mark.parametrize(
    "content", [b"", b"\r\n", codecs.BOM_UTF16_LE + "\r\n".encode("utf-16-le")]
)
def test_windows_empty_cache_prints_nothing(tmp_path: Path, content: bytes) -> None:
    assert list(oscache.read_windows_cache(saved_copy(tmp_path, "empty.json", content))) == []


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"Entry : www.example.com\r\nRecordName : www.example.com\r\n", "not the JSON"),
        (b'[{"QH": "example.com"}, 3, null]', "no DNS cache entries"),
        (b'{"Entry": "x.example", "Type": 1, "Status": "Unheard-of"}', "no DNS cache entries"),
    ],
)
def test_windows_other_text_is_refused_by_name(tmp_path: Path, content: bytes, problem: str):
    path = saved_copy(tmp_path, "other.json", content)
    with pytest.raises(SourceError, match=problem) as caught:
        list(oscache.read_windows_cache(path))
    assert str(caught.value).startswith(f"{path}: ")


def test_windows_types_and_statuses_as_numbers_or_words() -> None:
    entries = [
        {"Entry": "a.example", "RecordName": "a.example", "RecordType": "AAAA",
         "Data": "2001:db8::1"},
        {"Entry": "b.example", "Name": "b.example", "Type": "1", "Status": "0",
         "Data": "192.0.2.1"},
        {"Entry": "c.example", "Name": "c.example", "Type": 65, "Section": "Answer", "Data": "x"},
        {"Entry": "d.example", "Name": "d.example", "Type": 999, "Status": "NotExist"},
        {"Entry": "E.Example.", "Name": "e.example", "Type": 1, "Status": 9002},
        {"Entry": "f.example", "Name": "f.example", "Type": 1, "Data": "not an address"},
        {"Entry": "g.example", "Name": "g.example", "Type": True, "Data": "192.0.2.7"},
    ]  # fmt: skip
    lookups = oscache.parse_windows_cache(json.dumps(entries), 7)
    assert by_key(lookups) == {
        ("a.example", "AAAA"): (LookupOutcome.ANSWERED, ("2001:db8::1",), ()),
        ("b.example", "A"): (LookupOutcome.ANSWERED, ("192.0.2.1",), ()),
        ("c.example", "HTTPS"): (LookupOutcome.ANSWERED, (), ()),
        ("d.example", "TYPE999"): (LookupOutcome.NXDOMAIN, (), ()),
        ("e.example", "A"): (LookupOutcome.FAILED, (), ()),  # 9002: a cached server failure
    }
    assert {x.time_us for x in lookups} == {7}


# systemd-resolved --------------------------------------------------------------------------------


def test_resolved_cache_groups_answers_under_the_name_asked(tmp_path: Path) -> None:
    text = (CACHES / "resolved-cache.txt").read_text(encoding="utf-8")
    assert "\x1b[" in text  # the fixture keeps resolvectl's colours
    lookups = list(oscache.read_resolved_cache(saved_copy(tmp_path, "resolved-cache.txt")))
    assert by_key(lookups) == RESOLVED_EXPECTED
    assert all(x.cached and x.time_us == SAVED_HOUR_US for x in lookups)


def test_resolved_llmnr_and_mdns_scopes_are_not_dns_lookups() -> None:
    text = (CACHES / "resolved-cache.txt").read_text(encoding="utf-8")
    names = {x.name for x in oscache.parse_resolved_cache(text.splitlines(), 0)}
    assert "printer" in text and "laptop.local" in text
    assert not names & {"printer", "laptop.local"}


def test_resolved_text_without_a_scope_is_refused(tmp_path: Path) -> None:
    path = saved_copy(tmp_path, "notes.txt", b"example.com IN A 192.0.2.1\n")
    with pytest.raises(SourceError, match="not the output of `resolvectl show-cache`"):
        list(oscache.read_resolved_cache(path))
    assert oscache.parse_resolved_cache(["", "  "], 0) == []


def test_resolved_overlong_lines_are_passed_over(tmp_path: Path) -> None:
    content = (
        "Scope protocol=dns\n" + "x" * 100_000 + " IN A 192.0.2.1\nok.example IN A 192.0.2.2\n"
    )
    path = saved_copy(tmp_path, "long.txt", content.encode())
    assert [x.name for x in oscache.read_resolved_cache(path)] == ["ok.example"]


def test_chains_shared_looped_and_unanswered() -> None:
    def record(owner: str, record_type: str, data: str | None) -> oscache.CachedRecord:
        return oscache.CachedRecord(owner, record_type, data, time_us=1)

    records = [
        record("a.example", "CNAME", "cdn.example"),
        record("b.example", "CNAME", "cdn.example"),
        record("cdn.example", "A", "192.0.2.1"),
        record("loop1.example", "CNAME", "loop2.example"),
        record("loop2.example", "CNAME", "loop1.example"),
        record("alias.example", "CNAME", "nowhere.example"),
    ]
    assert by_key(oscache.lookups_from_records(records)) == {
        ("a.example", "A"): (LookupOutcome.ANSWERED, ("192.0.2.1",), ("cdn.example",)),
        ("b.example", "A"): (LookupOutcome.ANSWERED, ("192.0.2.1",), ("cdn.example",)),
        ("alias.example", "CNAME"): (LookupOutcome.ANSWERED, (), ("nowhere.example",)),
    }


# macOS ------------------------------------------------------------------------------------------


def test_macos_dump_is_read_with_the_log_s_own_time(tmp_path: Path) -> None:
    lookups = list(oscache.read_macos_cache(saved_copy(tmp_path, "macos-dump.log")))
    # printer.local is mDNS, and one record of the dump was hidden: the rest is read.
    assert by_key(lookups) == MACOS_EXPECTED
    assert all(x.cached and x.time_us == DUMP_TIME_US for x in lookups)


def test_macos_old_system_log_as_in_qa1339(tmp_path: Path) -> None:
    (lookup,) = oscache.read_macos_cache(saved_copy(tmp_path, "macos-system.log"))
    assert (lookup.name, lookup.record_type, lookup.addresses) == (
        "www.example.com", "A", ("93.184.216.34",)
    )  # fmt: skip
    assert lookup.time_us == SAVED_HOUR_US  # a syslog time has no year: the file's is used


def test_macos_hidden_names_are_reported_not_passed_over(tmp_path: Path) -> None:
    path = saved_copy(tmp_path, "macos-private.log")
    with pytest.raises(SourceError) as caught:
        list(oscache.read_macos_cache(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: macOS hid the names in its log (<private>)")
    assert "4 cached records seen, none readable" in message
    assert "Enable private data in the unified log" in message


def test_macos_log_without_a_dump_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no mDNSResponder cache dump in this log") as caught:
        list(oscache.read_macos_cache(saved_copy(tmp_path, "macos-nodump.log")))
    assert "sudo killall -INFO mDNSResponder" in str(caught.value)
    assert "log show --style syslog" in str(caught.value)


def test_macos_dump_without_markers_is_read_whole() -> None:
    lines = [
        "2026-11-25 10:00:01.5Z localhost mDNSResponder[1]: www.example.com. Addr 192.0.2.1",
        "2026-11-25 10:00:01.6Z localhost mDNSResponder[1]: Cache currently contains 1 records",
    ]
    (lookup,) = oscache.parse_macos_log(lines, 0)
    assert lookup.addresses == ("192.0.2.1",)
    assert lookup.time_us == int(
        datetime(2026, 11, 25, 10, 0, 1, 500_000, tzinfo=UTC).timestamp() * 1e6
    )


# Live readers -----------------------------------------------------------------------------------

LIVE_NOW = datetime(2026, 11, 25, 14, 59, 59, tzinfo=UTC).timestamp()
LIVE_HOUR_US = int(datetime(2026, 11, 25, 14, tzinfo=UTC).timestamp()) * 1_000_000


class FakeCommand:
    """Plays a command's part: answers every run with a fixed result (or raises), and keeps the
    command lines it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []
        self.result: tuple[int, str, str] = (0, "", "")
        self.error: BaseException | None = None

    def __call__(self, argv: Sequence[str]) -> tuple[int, str, str]:
        self.calls.append(tuple(argv))
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch) -> FakeCommand:
    fake = FakeCommand()
    monkeypatch.setattr(oscache, "run_command", fake)
    monkeypatch.setattr(oscache, "clock", lambda: LIVE_NOW)
    return fake


LIVE = {
    "windows": (oscache.live_windows_cache, "windows-cache.json", WINDOWS_EXPECTED),
    "resolved": (oscache.live_resolved_cache, "resolved-cache.txt", RESOLVED_EXPECTED),
    "macos": (oscache.live_macos_cache, "macos-dump.log", MACOS_EXPECTED),
}


@pytest.mark.parametrize("system", LIVE)
def test_live_reading_runs_the_command_without_a_shell_or_sudo(
    command: FakeCommand, system: str
) -> None:
    reader, fixture, expected = LIVE[system]
    command.result = (0, (CACHES / fixture).read_text(encoding="utf-8-sig"), "")
    lookups = list(reader())
    assert by_key(lookups) == expected
    (argv,) = command.calls
    assert not {"sudo", "pkexec", "sh", "cmd.exe"} & set(argv)
    if system != "macos":  # macOS's log carries the dump's own time
        assert {x.time_us for x in lookups} == {LIVE_HOUR_US}


@pytest.mark.parametrize(
    "message",
    [
        "Failed to connect to query monitoring service "
        "/run/systemd/resolve/io.systemd.Resolve.Monitor: Permission denied",
        "Call to io.systemd.Resolve.Monitor.DumpCache failed: Access denied",
        "Failed to issue method call: Interactive authentication required.",
        "Operation not permitted",
    ],
)
def test_resolved_without_rights_says_how_to_save_it(command: FakeCommand, message: str):
    command.result = (1, "", message + "\n")
    with pytest.raises(SourceError) as caught:
        list(oscache.live_resolved_cache())
    text = str(caught.value)
    assert text.startswith("permission needed:")
    assert "`sudo resolvectl show-cache > dns-cache.txt`" in text


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        ("Failed to connect to query monitoring service "
         "/run/systemd/resolve/io.systemd.Resolve.Monitor: Connection refused",
         "systemd-resolved is not running"),
        ("Failed to connect to query monitoring service "
         "/run/systemd/resolve/io.systemd.Resolve.Monitor: No such file or directory",
         "systemd-resolved is not running"),
        ("Unknown command verb 'show-cache'.", "too old to show its cache (254 or later needed)"),
        ("Unknown operation show-cache.", "too old to show its cache (254 or later needed)"),
        ("Something unforeseen happened.", "resolvectl failed (Something unforeseen happened.)"),
    ],
)  # fmt: skip
def test_resolved_failures_in_words(command: FakeCommand, message: str, problem: str) -> None:
    command.result = (1, "", message)
    with pytest.raises(SourceError, match="^resolvectl show-cache: ") as caught:
        list(oscache.live_resolved_cache())
    assert problem in str(caught.value)


@pytest.mark.parametrize("system", LIVE)
@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (FileNotFoundError(2, "No such file or directory"), "was not found on this computer"),
        (subprocess.TimeoutExpired(["x"], 10), "gave no answer within 10 seconds"),
        (PermissionError(13, "Permission denied"), "could not be started (Permission denied)"),
    ],
)
def test_a_command_that_cannot_run(
    command: FakeCommand, system: str, error: BaseException, problem: str
) -> None:
    command.error = error
    with pytest.raises(SourceError, match=re.escape(problem)):
        list(LIVE[system][0]())


def test_macos_live_without_a_dump_needs_the_sudo_step(command: FakeCommand) -> None:
    command.result = (0, (CACHES / "macos-nodump.log").read_text(encoding="utf-8"), "")
    with pytest.raises(SourceError) as caught:
        list(oscache.live_macos_cache())
    assert str(caught.value).startswith("permission needed:")
    assert "`sudo killall -INFO mDNSResponder`" in str(caught.value)


def test_macos_live_hidden_names(command: FakeCommand) -> None:
    command.result = (0, (CACHES / "macos-private.log").read_text(encoding="utf-8"), "")
    with pytest.raises(SourceError, match="macOS hid the names in its log"):
        list(oscache.live_macos_cache())


def test_windows_and_macos_failures(command: FakeCommand) -> None:
    command.result = (1, "", "Get-DnsClientCache : Access is denied.\r\n")
    with pytest.raises(SourceError, match="^permission needed: .*ConvertTo-Json > dns-cache.json"):
        list(oscache.live_windows_cache())
    command.result = (1, "", "Get-DnsClientCache : The term is not recognized.\r\n")
    with pytest.raises(SourceError, match="^Get-DnsClientCache: PowerShell could not read"):
        list(oscache.live_windows_cache())
    command.result = (0, "", "")  # an empty cache: ConvertTo-Json prints nothing
    assert list(oscache.live_windows_cache()) == []
    command.result = (64, "", "log: Must be admin to run 'show' command\n")
    with pytest.raises(SourceError, match="^permission needed: .*sudo log show"):
        list(oscache.live_macos_cache())


def test_the_real_runner_runs_a_program_and_stops_a_slow_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, output, _errors = oscache.run_command(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write('caf\\u00e9'.encode())"]
    )
    assert (status, output) == (0, "café")
    monkeypatch.setattr(oscache, "COMMAND_TIMEOUT_S", 0.5)
    monkeypatch.setattr(
        oscache, "RESOLVED_COMMAND", (sys.executable, "-c", "import time; time.sleep(30)")
    )
    with pytest.raises(SourceError, match="gave no answer within 0.5 seconds"):
        list(oscache.live_resolved_cache())
    monkeypatch.setattr(oscache, "RESOLVED_COMMAND", ("borderless-no-such-program", "show-cache"))
    with pytest.raises(SourceError, match="borderless-no-such-program was not found"):
        list(oscache.live_resolved_cache())


# Sources: by content, discovered, scanned ---------------------------------------------------------

SAVED_KINDS = {
    "windows-cache.json": SourceKind.WINDOWS_DNS_CACHE,
    "windows-single.json": SourceKind.WINDOWS_DNS_CACHE,
    "resolved-cache.txt": SourceKind.RESOLVED_CACHE,
    "macos-dump.log": SourceKind.MACOS_DNS_CACHE,
    "macos-private.log": SourceKind.MACOS_DNS_CACHE,
    "macos-nodump.log": SourceKind.MACOS_DNS_CACHE,
    "macos-system.log": SourceKind.MACOS_DNS_CACHE,
}
EXISTING_KINDS = {
    FIXTURES / "dns" / "dnsmasq-extra.log": SourceKind.DNSMASQ_LOG,
    FIXTURES / "dns" / "dnsmasq-plain.log": SourceKind.DNSMASQ_LOG,
    FIXTURES / "dns" / "pihole-FTL.db": SourceKind.PIHOLE,
    FIXTURES / "dns" / "querylog.json": SourceKind.ADGUARD,
    FIXTURES / "captures" / "capture.pcap": SourceKind.CAPTURE,
    FIXTURES / "captures" / "capture-any.pcap": SourceKind.CAPTURE,
    FIXTURES / "captures" / "capture-ns.pcap": SourceKind.CAPTURE,
    FIXTURES / "captures" / "capture.pcapng": SourceKind.CAPTURE,
    FIXTURES / "captures" / "nextdns.csv": SourceKind.NEXTDNS,
    FIXTURES / "captures" / "netlog.json": SourceKind.NETLOG,
    FIXTURES / "captures" / "netlog-truncated.json": SourceKind.NETLOG,
}


@pytest.mark.parametrize(("name", "kind"), SAVED_KINDS.items())
def test_saved_caches_are_known_by_their_content(tmp_path: Path, name: str, kind: SourceKind):
    renamed = tmp_path / ("evidence" + Path(name).suffix)
    shutil.copyfile(CACHES / name, renamed)
    assert dns_kind_of(renamed) is kind
    source = dns_source_for(CACHES / name)
    assert source is not None and (source.kind, source.live) == (kind, False)
    assert source.browser == dns_evidence.LABELS[kind]
    (found,) = sources_for_path(CACHES / name)
    assert found.kind is kind


@pytest.mark.parametrize(
    ("path", "kind"), EXISTING_KINDS.items(), ids=lambda value: getattr(value, "name", value)
)
def test_existing_evidence_keeps_its_kind(path: Path, kind: SourceKind) -> None:
    assert dns_kind_of(path) is kind


def test_no_live_source_when_discovery_looks_at_another_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(shutil, "which", lambda program: f"/usr/bin/{program}")
    assert os.environ.get(dns_evidence.SYSTEM_ROOT_VARIABLE)  # set for every test
    assert not any(source.live for source in discover_dns())
    monkeypatch.delenv(dns_evidence.SYSTEM_ROOT_VARIABLE)
    assert not any(source.live for source in discover_dns(tmp_path))


@pytest.mark.parametrize(
    ("platform", "kind", "path"),
    [
        ("win32", SourceKind.WINDOWS_DNS_CACHE, "Get-DnsClientCache"),
        ("linux", SourceKind.RESOLVED_CACHE, "resolvectl show-cache"),
        ("darwin", SourceKind.MACOS_DNS_CACHE, "log show (mDNSResponder)"),
    ],
)
def test_this_computer_s_cache_is_discovered_live(
    monkeypatch: pytest.MonkeyPatch, platform: str, kind: SourceKind, path: str
) -> None:
    monkeypatch.delenv(dns_evidence.SYSTEM_ROOT_VARIABLE)
    monkeypatch.setattr(sys, "platform", platform)
    asked: list[str] = []

    def which(program: str) -> str:
        asked.append(program)
        return f"/usr/bin/{program}"

    monkeypatch.setattr(shutil, "which", which)
    live = [source for source in discover_dns() if source.live]
    assert [(s.kind, s.path, s.browser) for s in live] == [
        (kind, Path(path), dns_evidence.LABELS[kind])
    ]
    assert asked == [dns_evidence.LIVE_CACHES[platform][2][0]]
    monkeypatch.setattr(shutil, "which", lambda program: None)
    assert not any(source.live for source in discover_dns())
    monkeypatch.setattr(sys, "platform", "freebsd14")
    assert dns_evidence.live_source() is None


def resolved_live_source() -> Source:
    return Source(SourceKind.RESOLVED_CACHE, "systemd-resolved cache", "this computer",
                  Path(oscache.RESOLVED_LIVE_NAME), live=True)  # fmt: skip


def test_a_live_source_is_read_at_every_scan(store, command: FakeCommand) -> None:
    command.result = (0, (CACHES / "resolved-cache.txt").read_text(encoding="utf-8"), "")
    source = resolved_live_source()
    first = scan(store, [source])
    (outcome,) = first.outcomes
    assert outcome.error is None and not outcome.unchanged
    assert outcome.lookups_read == outcome.lookups_added == len(RESOLVED_EXPECTED)
    again = scan(store, [source])
    (outcome,) = again.outcomes
    assert not outcome.unchanged and outcome.lookups_read == len(RESOLVED_EXPECTED)
    assert outcome.lookups_added == 0  # the same hour: nothing twice
    assert len(command.calls) == 2
    (row,) = store.rows("SELECT path, fingerprint FROM sources")
    assert (row["path"], row["fingerprint"]) == ("resolvectl show-cache", None)
    stored = store.rows("SELECT count(*) AS n, min(cached) AS cached FROM dns_lookups")[0]
    assert (stored["n"], stored["cached"]) == (len(RESOLVED_EXPECTED), 1)


def test_a_live_source_that_needs_rights_fails_in_words(store, command: FakeCommand) -> None:
    command.result = (1, "", "Failed to connect: Permission denied")
    source = resolved_live_source()
    (outcome,) = scan(store, [source]).outcomes
    assert outcome.error is not None and outcome.error.startswith("permission needed:")
    summary = inspect(source)
    assert summary.rows is None and (summary.problem or "").startswith("permission needed:")
    command.result = (0, (CACHES / "resolved-cache.txt").read_text(encoding="utf-8"), "")
    assert inspect(source).status == f"{len(RESOLVED_EXPECTED)} lookups"
    assert len(list(read_lookups(source))) == len(RESOLVED_EXPECTED)


def test_a_saved_windows_cache_is_scanned_into_the_store(store, tmp_path: Path) -> None:
    (source,) = sources_for_path(saved_copy(tmp_path, "windows-cache.json"))
    assert (source.kind, source.live) == (SourceKind.WINDOWS_DNS_CACHE, False)
    (outcome,) = scan(store, [source]).outcomes
    assert outcome.error is None
    assert outcome.lookups_read == outcome.lookups_added == len(WINDOWS_EXPECTED)
    rows = store.rows(
        "SELECT h.name, l.record_type, l.outcome, l.cached, l.time_us FROM dns_lookups AS l"
        " JOIN hosts AS h ON h.id = l.host_id"
    )
    assert {(row["name"], row["record_type"]) for row in rows} == set(WINDOWS_EXPECTED)
    assert {(row["cached"], row["time_us"]) for row in rows} == {(1, SAVED_HOUR_US)}
    assert scan(store, [source]).outcomes[0].unchanged  # a file is still skipped when unchanged


# Nothing but SourceError, whatever the input ----------------------------------------------------

_WINDOWS_KEYS = st.sampled_from(
    ["Entry", "Name", "RecordName", "Type", "RecordType", "Status", "Section", "Data", "Other"]
)
_WINDOWS_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.sampled_from(["a.example", "A", "AAAA", "5", "9003", "NoRecords", "192.0.2.1", "::1",
                     "Answer", ""]),
    st.text(max_size=20), st.lists(st.integers(), max_size=3),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_windows_parser_survives_any_text(text: str) -> None:
    try:
        oscache.parse_windows_cache(text, 0)
    except SourceError:
        pass


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.lists(st.dictionaries(_WINDOWS_KEYS, _WINDOWS_VALUES, max_size=8), max_size=12),
        st.dictionaries(_WINDOWS_KEYS, _WINDOWS_VALUES, max_size=8),
    )
)
def test_windows_parser_survives_any_entries(document: object) -> None:
    try:
        lookups = oscache.parse_windows_cache(json.dumps(document), 0)
    except SourceError:
        return
    assert all(isinstance(x, DnsLookup) and x.name for x in lookups)


_RESOLVED_LINES = st.one_of(
    st.text(max_size=80),
    st.builds(
        "{} IN {} {}".format,
        st.sampled_from(["a.example", "b.example.", "c.example", "\x1b[0;1;31m", "local"]),
        st.sampled_from(["A", "AAAA", "CNAME", "HTTPS", "A:", "TYPE65534", "RRSIG"]),
        st.sampled_from(["192.0.2.1", "::1", "a.example", "b.example", "c.example", "NXDOMAIN",
                         "NODATA", "SERVFAIL", "", "\x1b[0m", "300.1.1.1"]),
    ),
    st.sampled_from(["Scope protocol=dns", "Scope protocol=llmnr", "\x1b[0;4mScope protocol=dns",
                     "No entries.", ""]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_RESOLVED_LINES, max_size=25))
def test_resolved_parser_survives_any_lines(lines: list[str]) -> None:
    try:
        lookups = oscache.parse_resolved_cache(lines, 0)
    except SourceError:
        return
    assert all(isinstance(x, DnsLookup) and x.name for x in lookups)


_MACOS_LINES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["---- BEGIN STATE LOG ----", "----  END STATE LOG  ----",
                     "Cache currently contains 3 records", "  1 Addr <private>",
                     "2026-99-99 10:00:00+0100 ---- BEGIN STATE LOG ----",
                     "2026-11-25 10:00:00.123456789-0530 ---- BEGIN STATE LOG ----"]),
    st.builds(
        "{} {} {}".format,
        st.sampled_from(["a.example.", "b.local.", "<private>", "c.example", "x.example."]),
        st.sampled_from(["Addr", "AAAA", "CNAME", "PTR"]),
        st.sampled_from(["192.0.2.1", "fe80::1%en0", "a.example.", "x.example.", "<private>",
                         "<mask.hash: 'ab=='>"]),
    ),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_MACOS_LINES, max_size=25))
def test_macos_parser_survives_any_lines(lines: list[str]) -> None:
    try:
        lookups = oscache.parse_macos_log(lines, 0)
    except SourceError:
        return
    assert all(isinstance(x, DnsLookup) and x.name for x in lookups)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE]),
    st.binary(max_size=300),
)
def test_saved_cache_readers_survive_any_bytes(tmp_path: Path, mark: bytes, data: bytes) -> None:
    path = tmp_path / "fuzz"
    path.write_bytes(mark + data)
    for reader in (
        oscache.read_windows_cache,
        oscache.read_resolved_cache,
        oscache.read_macos_cache,
    ):
        try:
            list(reader(path))
        except SourceError:
            pass
