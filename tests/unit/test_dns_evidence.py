"""DNS evidence in scans: logs and captures found by content, lookups stored once, their answers
located offline, and hosts seen only in DNS shown as background traffic."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from borderless import analysis
from borderless.model import SourceKind
from borderless.pipeline import ResolveOptions, resolve_hosts, scan
from borderless.report import build_report
from borderless.resolve.law import shipped_law_table
from borderless.resolve.owners import shipped_catalogue
from borderless.sources.discovery import sources_for_path
from borderless.sources.dns_evidence import dns_kind_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FILES = {
    FIXTURES / "dns" / "dnsmasq-extra.log": SourceKind.DNSMASQ_LOG,
    FIXTURES / "dns" / "dnsmasq-plain.log": SourceKind.DNSMASQ_LOG,
    FIXTURES / "dns" / "pihole-FTL.db": SourceKind.PIHOLE,
    FIXTURES / "dns" / "querylog.json": SourceKind.ADGUARD,
    FIXTURES / "captures" / "capture.pcap": SourceKind.CAPTURE,
    FIXTURES / "captures" / "capture.pcapng": SourceKind.CAPTURE,
    FIXTURES / "captures" / "nextdns.csv": SourceKind.NEXTDNS,
    FIXTURES / "captures" / "netlog.json": SourceKind.NETLOG,
}


@pytest.mark.parametrize(
    ("path", "kind"), FILES.items(), ids=lambda value: getattr(value, "name", value)
)
def test_evidence_files_are_known_by_their_content(path: Path, kind: SourceKind, tmp_path: Path):
    renamed = tmp_path / ("evidence" + path.suffix)
    shutil.copyfile(path, renamed)
    expected = kind if kind is not SourceKind.PIHOLE else None  # a database needs its name
    assert dns_kind_of(renamed) is expected
    (source,) = sources_for_path(path)
    assert source.kind is kind


def test_history_files_are_not_taken_for_dns_evidence() -> None:
    history = FIXTURES / "browsers" / "chromium" / "Default" / "History"
    assert dns_kind_of(history) is None
    assert sources_for_path(history)[0].kind is SourceKind.CHROMIUM


def test_lookups_are_stored_once_and_their_answers_located_offline(store) -> None:
    log = FIXTURES / "dns" / "dnsmasq-extra.log"
    (source,) = sources_for_path(log)
    first = scan(store, [source])
    (outcome,) = first.outcomes
    assert outcome.error is None and outcome.lookups_read > 0
    stored = store.rows("SELECT count(*) AS n FROM dns_lookups")[0]["n"]
    assert 0 < outcome.lookups_added == stored <= outcome.lookups_read
    again = scan(store, [source])
    assert again.outcomes[0].unchanged
    summary = resolve_hosts(store, ResolveOptions(offline=True))
    assert summary.addresses_located > 0  # from the log's answers, with nothing sent
    answered = store.rows(
        "SELECT h.name, r.resolver FROM resolutions AS r JOIN hosts AS h ON h.id = r.host_id"
        " WHERE r.resolver = 'evidence'"
    )
    assert answered


def test_hosts_seen_only_in_dns_are_background_traffic(store) -> None:
    sources = [*sources_for_path(FIXTURES / "dns" / "querylog.json"),
               *sources_for_path(FIXTURES / "captures" / "nextdns.csv")]  # fmt: skip
    scan(store, sources)
    audit = analysis.audit(store, "BR", shipped_catalogue(), shipped_law_table())
    assert audit.dns and all(entry.lookups > 0 for entry in audit.dns)
    background = [p for p in audit.platforms if p.background]
    assert background and all(p.visits == 0 and "dns" in p.evidence for p in background)
    report = build_report(store)
    assert {row["host"] for row in report["dns_hosts"]} == {entry.host for entry in audit.dns}
    assert any(p["background"] for p in report["platforms"])
    blocked = sum(entry.blocked for entry in audit.dns)
    assert blocked >= 1  # the fixtures hold blocked attempts, counted apart
    assert audit.totals.visits == 0 and audit.share.user_initiated_visits == 0


def test_a_damaged_evidence_file_is_reported_and_the_rest_is_read(store, tmp_path: Path) -> None:
    broken = tmp_path / "broken.pcap"
    broken.write_bytes((FIXTURES / "captures" / "capture.pcap").read_bytes()[:24] + b"\xff" * 40)
    sources = [*sources_for_path(broken), *sources_for_path(FIXTURES / "dns" / "querylog.json")]
    result = scan(store, sources)
    damaged, good = result.outcomes
    assert damaged.error is not None and str(broken) in damaged.error
    assert good.error is None and good.lookups_read > 0


def test_browsers_using_dns_over_https_are_named_as_blind_spots(store, tmp_path: Path) -> None:
    from borderless.model import Source
    from borderless.sources.doh import doh_blind_spot

    firefox = tmp_path / "firefox" / "abcd.default"
    firefox.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "browsers" / "firefox" / "places.sqlite", firefox / "places.sqlite")
    (firefox / "prefs.js").write_text('user_pref("network.trr.mode", 3);\n')
    chromium = tmp_path / "chromium"
    (chromium / "Default").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "browsers" / "chromium" / "Default" / "History",
                    chromium / "Default" / "History")  # fmt: skip
    (chromium / "Local State").write_text('{"dns_over_https": {"mode": "secure"}}')
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copyfile(FIXTURES / "browsers" / "firefox" / "places.sqlite", plain / "places.sqlite")
    (plain / "prefs.js").write_text('user_pref("network.trr.mode", 5);\n')
    sources = [
        Source(SourceKind.FIREFOX, "Firefox", "default", firefox / "places.sqlite"),
        Source(SourceKind.CHROMIUM, "Chromium", "Default", chromium / "Default" / "History"),
        Source(SourceKind.FIREFOX, "Firefox", "plain", plain / "places.sqlite"),
    ]
    assert "DNS over HTTPS only" in (doh_blind_spot(sources[0]) or "")
    assert "secure DNS is on" in (doh_blind_spot(sources[1]) or "")
    assert doh_blind_spot(sources[2]) is None
    scan(store, sources)
    spots = build_report(store)["blind_spots"]
    assert [(spot["browser"], spot["profile"]) for spot in spots] == [
        ("Firefox", "default"), ("Chromium", "Default")
    ]  # fmt: skip
    assert all("DNS evidence for it is incomplete" in spot["problem"] for spot in spots)


def test_dns_evidence_is_found_at_its_usual_places(tmp_path: Path, monkeypatch) -> None:
    from borderless.sources.dns_evidence import discover_dns

    root = tmp_path / "root"
    (root / "etc" / "pihole").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "dns" / "pihole-FTL.db", root / "etc" / "pihole" / "pihole-FTL.db")
    (root / "var" / "log").mkdir(parents=True)
    shutil.copyfile(FIXTURES / "dns" / "dnsmasq-plain.log", root / "var" / "log" / "dnsmasq.log")
    (root / "opt" / "AdGuardHome" / "data").mkdir(parents=True)
    (root / "opt" / "AdGuardHome" / "data" / "querylog.json").write_text("not a query log\n")
    found = discover_dns(root)
    assert [source.kind for source in found] == [SourceKind.PIHOLE, SourceKind.DNSMASQ_LOG]
    monkeypatch.setenv("BORDERLESS_SYSTEM_ROOT", str(root))
    assert [source.path for source in discover_dns()] == [source.path for source in found]


def test_each_device_behind_a_home_resolver_gets_its_own_summary(store, tmp_path: Path) -> None:
    """Worked by hand: what three devices looked up, the share run from abroad for a person in
    Brazil, blocked attempts apart, and the lookups of a period only."""
    from borderless.domains import canonical_host
    from borderless.model import DnsLookup, LookupOutcome, Source

    day = 86_400_000_000
    start = 1_764_000_000_000_000

    def lookup(name: str, client: str | None, at: int, blocked: bool = False) -> DnsLookup:
        outcome = LookupOutcome.BLOCKED if blocked else LookupOutcome.ANSWERED
        return DnsLookup(start + at, name, "A", outcome, client=client)

    lookups = [
        *(lookup("www.google.com", "192.168.1.10", i) for i in range(3)),
        *(lookup("ad.doubleclick.net", "192.168.1.10", 10 + i, blocked=True) for i in range(2)),
        lookup("g1.globo.com", "192.168.1.10", 20),
        *(lookup("www.tiktok.com", "192.168.1.20", day + i) for i in range(2)),
        lookup("g1.globo.com", None, day + 5),
    ]
    source = Source(SourceKind.PIHOLE, "Pi-hole", "pihole-FTL.db", tmp_path / "pihole-FTL.db")
    with store.transaction():
        store.record_dns_lookups(store.source_id(source), store.begin_scan(), lookups,
                                 canonical_host)  # fmt: skip
    audit = analysis.audit(store, "BR", shipped_catalogue(), shipped_law_table())
    laptop, phone, unknown = audit.clients
    assert laptop.client == "192.168.1.10"
    assert (laptop.lookups, laptop.blocked, laptop.hosts, laptop.background_hosts) == (6, 2, 3, 3)
    # Google (US) 3 and Globo (BR) 1 are attributed; DoubleClick was blocked: nothing sent.
    assert (laptop.attributed_lookups, laptop.abroad_lookups) == (4, 3)
    assert laptop.abroad_share == 0.75
    assert [name for name, _ in laptop.platforms][0].startswith("Google Search")
    assert "DoubleClick" not in dict(laptop.platforms)
    assert (phone.client, phone.lookups, phone.abroad_lookups) == ("192.168.1.20", 2, 2)
    assert phone.platforms == (("TikTok", 2),)
    assert (unknown.client, unknown.lookups, unknown.abroad_lookups) == (None, 1, 0)
    # A period keeps the lookups inside it, for the devices and the background hosts alike.
    first_day = analysis.audit(store, "BR", shipped_catalogue(), shipped_law_table(),
                               between=(start, start + day - 1))  # fmt: skip
    assert [client.client for client in first_day.clients] == ["192.168.1.10"]
    assert {entry.host for entry in first_day.dns} == {
        "www.google.com", "ad.doubleclick.net", "g1.globo.com"
    }  # fmt: skip
    from borderless.home import HOME_SETTING

    store.set_setting(HOME_SETTING, "BR")
    report = build_report(store)
    assert [row["client"] for row in report["dns_clients"]] == [
        "192.168.1.10", "192.168.1.20", None
    ]  # fmt: skip
    assert report["dns_clients"][0]["abroad_share"] == 0.75
    assert report["dns_clients"][1]["platforms"] == [{"platform": "TikTok", "lookups": 2}]


def test_the_system_dns_cache_alone_still_shows_the_demo(tmp_path: Path, monkeypatch) -> None:
    """A fresh machine with resolvectl but no browser history: the cache is no first look."""
    from click.testing import CliRunner

    from borderless import cli
    from borderless.model import Source

    live = Source(SourceKind.RESOLVED_CACHE, "systemd-resolved cache", "this computer",
                  Path("resolvectl show-cache"), live=True)  # fmt: skip
    monkeypatch.setattr(cli, "discover", lambda: [])
    monkeypatch.setattr(cli, "discover_dns", lambda: [live])
    monkeypatch.setattr(cli, "_has_screen", lambda: False)
    monkeypatch.setenv("BORDERLESS_OFFLINE", "1")
    result = CliRunner().invoke(cli.cli, ["--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "showing a demo persona instead" in result.output


def test_adguard_home_is_found_where_it_installs_on_macos_and_windows(tmp_path: Path) -> None:
    from borderless.sources.dns_evidence import discover_dns

    for folder in ("Applications", "Program Files"):
        data = tmp_path / folder / "AdGuardHome" / "data"
        data.mkdir(parents=True)
        shutil.copyfile(FIXTURES / "dns" / "querylog.json", data / "querylog.json")
    found = discover_dns(tmp_path)
    assert [source.kind for source in found] == [SourceKind.ADGUARD, SourceKind.ADGUARD]


def test_platforms_never_visited_are_not_counted_as_visited_countries(demo_store) -> None:
    """Hotjar (FR) is only looked up in the background of the demo: France had a row with
    0 visits and 1 platform in the countries table."""
    audit = analysis.audit(demo_store, "BR", shipped_catalogue(), shipped_law_table())
    rows = {row.country: row for row in audit.countries}
    assert "FR" not in rows
    assert all(row.legal_home_visits or row.server_visits for row in rows.values())
    us = rows["US"]
    visited_us = [p for p in audit.platforms if p.attribution.legal_home == "US" and p.visits]
    assert us.legal_home_platforms == len(visited_us)
