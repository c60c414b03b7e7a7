"""The resolution step of a scan: what it stores, what it asks again, offline mode, failures."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest

from borderless import analysis, pipeline
from borderless.model import Source, SourceKind
from borderless.pipeline import ResolveOptions, resolve_hosts, scan
from borderless.report import build_report
from borderless.report.writers import render_csv
from borderless.resolve.dns import ResolverChoice
from tests.dnsserver import Dnsmasq, MisbehavingPeer, Zone
from tests.helpers import chromium_history_with

BROWSERS = Path(__file__).resolve().parents[1] / "fixtures" / "browsers"

# Some of the hosts the fixture browsers visited, with records shaped like the real ones.
FIXTURE_ZONE = Zone(
    hosts={
        "www.google.com": ["142.250.185.100", "2a00:1450:4001:829::2004"],
        "youtube-ui.l.google.com": ["142.250.185.78"],
        "star-mini.c10r.facebook.com": ["157.240.0.35", "2a03:2880:f10c:83:face:b00c:0:25de"],
        "vk.com": ["87.240.132.72"],
        "dyna.wikimedia.org": ["185.15.59.224", "2a02:ec80:300:ed1a::1"],
        "www.baidu.com.a.shifen.com": ["110.242.68.3"],
    },
    cnames={
        "www.youtube.com": "youtube-ui.l.google.com",
        "www.facebook.com": "star-mini.c10r.facebook.com",
        "www.wikipedia.org": "dyna.wikimedia.org",
        "www.baidu.com": "www.baidu.com.a.shifen.com",
    },
    local=[
        "google.com",
        "youtube.com",
        "facebook.com",
        "vk.com",
        "wikipedia.org",
        "wikimedia.org",
        "baidu.com",
        "shifen.com",
    ],  # fmt: skip
    nxdomain=["ya.ru"],
)
ANSWERED = {"www.google.com", "www.youtube.com", "www.facebook.com", "vk.com",
            "www.wikipedia.org", "www.baidu.com"}  # fmt: skip


@pytest.fixture
def server():
    with Dnsmasq(FIXTURE_ZONE) as running:
        yield running


@pytest.fixture
def scanned(store):
    source = Source(
        SourceKind.CHROMIUM, "Chromium", "Default", BROWSERS / "chromium" / "Default" / "History"
    )
    scan(store, [source])
    return store


def online(server_address: str, **options) -> ResolveOptions:
    return ResolveOptions(choice=ResolverChoice.parse(server_address), timeout=0.5, **options)


def stored(store) -> dict[str, dict]:
    rows = store.rows(
        "SELECT h.name, r.status, r.cname_chain, r.expires_at_s, r.detail, r.resolver,"
        " (SELECT group_concat(address, ' ') FROM (SELECT address FROM host_addresses"
        "  WHERE host_id = h.id ORDER BY address)) AS addresses"
        " FROM resolutions AS r JOIN hosts AS h ON h.id = r.host_id"
    )
    return {row.pop("name"): row for row in rows}


def test_first_scan_resolves_every_host_and_stores_chains(scanned, server: Dnsmasq) -> None:
    summary = resolve_hosts(scanned, online(server.address))
    rows = stored(scanned)
    visited = {domain.host for domain in analysis.domain_summaries(scanned)}
    assert set(rows) == visited and summary.hosts_considered == len(visited) == 24
    assert summary.queried == 24
    assert summary.resolver == f"the resolver {server.address}"
    assert {name for name, row in rows.items() if row["status"] == "ok"} == ANSWERED
    assert rows["www.facebook.com"]["cname_chain"] == '["star-mini.c10r.facebook.com"]'
    assert rows["www.facebook.com"]["addresses"] == (
        "157.240.0.35 2a03:2880:f10c:83:face:b00c:0:25de"
    )
    assert rows["ya.ru"]["status"] == "nxdomain"
    # Hosts outside the zones are refused by this resolver: recorded, with the reason.
    assert rows["www.lemonde.fr"]["status"] == "refused"
    assert summary.statuses == {"ok": 6, "nxdomain": 1, "refused": 17}
    # Answers are kept at least a day though their TTL is five minutes.
    now = time.time()
    assert rows["vk.com"]["expires_at_s"] >= now + pipeline.MIN_KEEP_S - 60
    # Refusals are asked again after an hour.
    assert rows["www.lemonde.fr"]["expires_at_s"] <= now + pipeline.RETRY_FAILED_AFTER_S + 60


def test_a_rescan_asks_only_about_new_and_expired_hosts(scanned, server: Dnsmasq) -> None:
    resolve_hosts(scanned, online(server.address))
    asked = len(server.queries())
    # A and AAAA for 24 hosts, and AAAA again for two chain ends without one: dnsmasq answers
    # those with the CNAME alone and no SOA, so the end of the chain is asked for directly.
    assert asked == 48 + 2

    again = resolve_hosts(scanned, online(server.address))
    assert again.hosts_considered == 0 and len(server.queries()) == asked

    scanned.connection.execute(
        "UPDATE resolutions SET expires_at_s = 0"
        " WHERE host_id = (SELECT id FROM hosts WHERE name = 'vk.com')"
    )
    expired = resolve_hosts(scanned, online(server.address))
    assert expired.hosts_considered == 1
    assert server.queries()[asked:] == ["query[A] vk.com", "query[AAAA] vk.com"] or sorted(
        server.queries()[asked:]
    ) == ["query[AAAA] vk.com", "query[A] vk.com"]

    everything = resolve_hosts(scanned, online(server.address, refresh=True))
    assert everything.hosts_considered == 24


def test_offline_sends_nothing_and_says_so(scanned, server: Dnsmasq) -> None:
    summary = resolve_hosts(scanned, online(server.address, offline=True))
    assert server.queries() == []
    assert summary.resolver is None and summary.queried == 0
    assert summary.statuses == {"offline": 24}
    assert all(row["resolver"] is None for row in stored(scanned).values())

    # Going online later resolves them: "offline" is never kept as an answer.
    later = resolve_hosts(scanned, online(server.address))
    assert later.hosts_considered == 24 and later.statuses["ok"] == 6


def test_offline_keeps_using_expired_answers(scanned, server: Dnsmasq) -> None:
    resolve_hosts(scanned, online(server.address))
    scanned.connection.execute("UPDATE resolutions SET expires_at_s = 0")
    summary = resolve_hosts(scanned, online(server.address, offline=True))
    assert summary.hosts_considered == 0
    assert stored(scanned)["vk.com"]["addresses"] == "87.240.132.72"


def test_a_failed_refresh_keeps_the_good_answer(scanned, server: Dnsmasq) -> None:
    resolve_hosts(scanned, online(server.address))
    with MisbehavingPeer(answer=False) as silent:
        summary = resolve_hosts(
            scanned, ResolveOptions(ResolverChoice.parse(silent.address), refresh=True,
                                    timeout=0.2, retries=0)
        )  # fmt: skip
    assert summary.statuses == {"timeout": 24}
    row = stored(scanned)["www.facebook.com"]
    assert row["status"] == "ok"
    assert row["addresses"] == "157.240.0.35 2a03:2880:f10c:83:face:b00c:0:25de"
    assert row["detail"] == "last refresh failed: the resolver did not answer in time"
    # A host that never had an answer records the timeout.
    assert stored(scanned)["ya.ru"]["status"] == "nxdomain"  # an answer: kept
    assert stored(scanned)["www.lemonde.fr"]["status"] == "timeout"


def test_cancelling_keeps_the_answers_already_received(
    scanned, server: Dnsmasq, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "RESOLUTION_BATCH", 1)
    with MisbehavingPeer(answer=False) as silent, Dnsmasq(
        Zone(hosts=FIXTURE_ZONE.hosts, cnames=FIXTURE_ZONE.cnames, local=FIXTURE_ZONE.local,
             forward={"fr": silent.dnsmasq_address, "de": silent.dnsmasq_address})
    ) as relay:  # fmt: skip
        started = time.monotonic()
        stop_at = started + 0.6
        summary = resolve_hosts(
            scanned,
            ResolveOptions(ResolverChoice.parse(relay.address), timeout=5, retries=0),
            cancelled=lambda: time.monotonic() > stop_at,
        )
        elapsed = time.monotonic() - started
    assert summary.cancelled
    assert elapsed < 1.5
    rows = stored(scanned)
    assert {name for name, row in rows.items() if row["status"] == "ok"} == ANSWERED
    assert "www.lemonde.fr" not in rows and "www.spiegel.de" not in rows


def test_ip_literal_and_local_hosts_need_no_resolver(store, chromium_history: Path) -> None:
    history = chromium_history_with(
        chromium_history.with_name("Literal"),
        chromium_history,
        ["http://192.168.1.1/", "http://[2001:4860:4860::8888]/", "http://router/",
         "http://printer.local/"],
    )  # fmt: skip
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", history)])
    summary = resolve_hosts(store, ResolveOptions(offline=True))
    rows = stored(store)
    assert rows["192.168.1.1"]["status"] == "ip_literal"
    assert rows["192.168.1.1"]["addresses"] == "192.168.1.1"
    assert rows["2001:4860:4860::8888"]["status"] == "ip_literal"
    assert rows["router"]["status"] == "local_name"
    assert rows["printer.local"]["status"] == "local_name"
    assert summary.statuses == {"ip_literal": 2, "local_name": 2}


def test_the_report_carries_the_resolution(scanned, server: Dnsmasq) -> None:
    resolve_hosts(scanned, online(server.address))
    report = build_report(scanned)
    domains = {domain["host"]: domain for domain in report["domains"]}
    facebook = domains["www.facebook.com"]
    assert facebook["resolution_status"] == "ok"
    assert facebook["cname_chain"] == ["star-mini.c10r.facebook.com"]
    assert [a["address"] for a in facebook["addresses"]] == [
        "157.240.0.35",
        "2a03:2880:f10c:83:face:b00c:0:25de",
    ]
    first = facebook["addresses"][0]
    assert (first["country"], first["asn"], first["edge_kind"]) == ("US", 32934, "cdn")
    assert (first["country_database"], first["asn_database"]) == (
        "borderless-country.mmdb",
        "borderless-asn.mmdb",
    )
    assert facebook["anycast"] is True
    assert domains["ya.ru"]["resolution_status"] == "nxdomain"
    assert domains["ya.ru"]["addresses"] == [] and domains["ya.ru"]["server_countries"] == []
    section = report["resolution"]
    assert section["hosts"] == 24 and section["resolved"] == 6
    assert section["not_resolved"] == {"nxdomain": 1, "refused": 17}
    assert section["resolvers"] == [server.address]


def test_the_csv_report_carries_the_resolution(scanned, server: Dnsmasq) -> None:
    resolve_hosts(scanned, online(server.address))
    rows = {
        row["host"]: row for row in csv.DictReader(io.StringIO(render_csv(build_report(scanned))))
    }
    facebook = rows["www.facebook.com"]
    assert facebook["resolution_status"] == "ok"
    assert facebook["cname_chain"] == "star-mini.c10r.facebook.com"
    assert facebook["addresses"] == "157.240.0.35 2a03:2880:f10c:83:face:b00c:0:25de"
    assert facebook["server_countries"] == "IE US"  # the IPv6 block is registered in Ireland
    assert facebook["asns"] == "AS32934 Facebook, Inc."
    assert facebook["anycast"] == "true"
    assert rows["ya.ru"]["resolution_status"] == "nxdomain" and rows["ya.ru"]["addresses"] == ""


def test_visits_per_server_country(scanned, server: Dnsmasq) -> None:
    resolve_hosts(scanned, online(server.address))
    countries = {entry["country"]: entry for entry in build_report(scanned)["countries"]}
    # Google's and Facebook's IPv6 blocks are registered in Ireland, their IPv4 ones in the US:
    # each of those hosts counts toward both countries.
    assert countries["US"] == {"country": "US", "visits": 3 + 2 + 2, "hosts": 3,
                               "edge_only_visits": 2}  # fmt: skip
    assert countries["IE"]["visits"] == 3 + 2 and countries["IE"]["edge_only_visits"] == 2
    assert (countries["CN"]["visits"], countries["RU"]["visits"]) == (2, 1)
    assert countries["NL"] == {"country": "NL", "visits": 1, "hosts": 1, "edge_only_visits": 0}
    assert list(countries) == ["US", "IE", "CN", "NL", "RU"]  # most visits first, then by code


def test_hosts_seen_only_in_dns_or_cookies_are_located_too(store, server: Dnsmasq) -> None:
    """A Pi-hole's database keeps no answers: the background traffic it shows would have no
    server location unless its hosts are asked for too. A blocked or non-existent name is not
    asked for: nothing was sent to it."""
    from borderless.domains import canonical_host
    from borderless.model import CookieHost, DnsLookup, LookupOutcome

    lookups = [
        DnsLookup(1_764_000_000_000_000, "vk.com", "A", LookupOutcome.ANSWERED, client="10.0.0.2"),
        DnsLookup(1_764_000_000_000_001, "www.baidu.com", "A", LookupOutcome.BLOCKED),
        DnsLookup(1_764_000_000_000_002, "ya.ru", "A", LookupOutcome.NXDOMAIN),
    ]
    jar = [CookieHost("www.wikipedia.org", 2, None, None, None, persistent=False)]
    pihole = Source(SourceKind.PIHOLE, "Pi-hole", "pihole-FTL.db", Path("/nonexistent/a.db"))
    cookies = Source(SourceKind.CHROMIUM_COOKIES, "Chromium cookies", "Default",
                     Path("/nonexistent/Cookies"))  # fmt: skip
    with store.transaction():
        scan_id = store.begin_scan()
        store.record_dns_lookups(store.source_id(pihole), scan_id, lookups, canonical_host)
        store.record_cookie_hosts(store.source_id(cookies), scan_id, jar, canonical_host)
    summary = resolve_hosts(store, online(server.address))
    assert summary.hosts_considered == 2
    asked = {line.split("] ")[1] for line in server.queries()}
    assert {"vk.com", "www.wikipedia.org"} <= asked
    assert not {"www.baidu.com", "ya.ru"} & asked
    answers = stored(store)
    assert answers["vk.com"]["status"] == "ok"
    assert answers["www.wikipedia.org"]["status"] == "ok"
    assert "www.baidu.com" not in answers and "ya.ru" not in answers
