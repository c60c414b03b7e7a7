"""The NetLog reader on a NetLog written by Chromium 156 itself (tests/fixtures/netlog), checked
against what dnsmasq, the only DNS server Chromium could ask, logged that it answered."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from borderless.model import DnsLookup, LookupOutcome, SourceKind
from borderless.sources.dns_evidence import dns_kind_of
from borderless.sources.errors import SourceError
from borderless.sources.netlog import read_netlog

FIXTURES = Path(__file__).parent.parent / "fixtures" / "netlog"
NETLOG = FIXTURES / "netlog.json"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
PAGE_NAMES = {row["name"] for row in EXPECTED["lookups"]}
ANSWERS = {row["name"]: row for row in EXPECTED["lookups"]}
RUN_DAY = date(2026, 11, 26)


def _row(lookup: DnsLookup) -> dict[str, object]:
    """A lookup in the layout of expected.json (addresses sorted: dnsmasq answers A and AAAA
    apart, Chromium sorts them its own way)."""
    return {
        "name": lookup.name,
        "record_type": lookup.record_type,
        "outcome": lookup.outcome.value,
        "addresses": sorted(lookup.addresses),
        "cname_chain": list(lookup.cname_chain),
        "cached": lookup.cached,
    }


def _key(row: dict[str, object]) -> str:
    return json.dumps({key: value for key, value in row.items() if key != "resolutions"})


@pytest.fixture(scope="module")
def lookups() -> list[DnsLookup]:
    return list(read_netlog(NETLOG))


def test_the_real_netlog_is_known_by_its_content() -> None:
    assert dns_kind_of(NETLOG) is SourceKind.NETLOG


def test_resolutions_of_the_page_names_are_those_dnsmasq_answered(
    lookups: list[DnsLookup],
) -> None:
    found = sorted(
        _key(_row(item)) for item in lookups if item.name in PAGE_NAMES and not item.cached
    )
    expected = sorted(
        _key(row) for row in EXPECTED["lookups"] for _resolution in range(row["resolutions"])
    )
    assert found == expected


def test_chromium_own_background_names_are_read_as_refused(lookups: list[DnsLookup]) -> None:
    for row in EXPECTED["background"]:
        resolved = [item for item in lookups if item.name == row["name"] and not item.cached]
        assert [_key(_row(item)) for item in resolved] == [_key(row)] * row["resolutions"]
    # Whatever else Chromium looked up on its own is read too, without error, on the run's day.
    assert all(isinstance(item.outcome, LookupOutcome) for item in lookups)
    assert {datetime.fromtimestamp(item.time_us / 1e6, UTC).date() for item in lookups} == {RUN_DAY}


def test_cname_chain_in_the_order_dnsmasq_followed_it(lookups: list[DnsLookup]) -> None:
    chain = tuple(ANSWERS["static.example.com"]["cname_chain"])
    assert chain == ("static.example.com.cdn.example.net", "edge.example.net")
    static = [item for item in lookups if item.name == "static.example.com"]
    assert {item.cached for item in static} == {False, True}
    # Also from a cache hit, whose aliases Chromium logs sorted, not in the chain's order.
    assert all(item.cname_chain == chain for item in static)
    assert not any(item.name in chain for item in lookups)  # the chain is not a lookup of its own


def test_nxdomain_name_is_nxdomain(lookups: list[DnsLookup]) -> None:
    assert ANSWERS["pixel.tracker.example"]["outcome"] == "nxdomain"
    tracker = [item for item in lookups if item.name == "pixel.tracker.example"]
    # Chromium also peeks in its host cache for the name afterwards and finds nothing: that is
    # not a second lookup, and not a second NXDOMAIN.
    assert [(item.outcome, item.cached) for item in tracker] == [(LookupOutcome.NXDOMAIN, False)]


def test_address_families(lookups: list[DnsLookup]) -> None:
    by_name = {item.name: item for item in lookups if not item.cached}
    assert sorted(by_name["www.example.com"].addresses) == ["127.0.0.1", "::1"]
    assert by_name["v6.example.org"].addresses == ("::1",)  # AAAA only
    assert by_name["cdn.example.net"].addresses == ("127.0.0.1",)  # A only
    # dnsmasq refused its AAAA and HTTPS queries: Chromium's DNS client gave up and the system
    # resolver (getaddrinfo) answered.
    assert by_name["collect.analytics.example"].addresses == ("127.0.0.1",)
    assert all(item.record_type == "A/AAAA" for item in lookups)


def test_names_asked_again_are_cache_hits_with_dnsmasq_answers(lookups: list[DnsLookup]) -> None:
    for name in EXPECTED["cache_hits"]:
        hits = [item for item in lookups if item.name == name and item.cached]
        assert hits, name
        first = min(item.time_us for item in lookups if item.name == name and not item.cached)
        assert all(hit.time_us >= first for hit in hits)
    for item in lookups:
        if item.cached and item.name in PAGE_NAMES:
            assert _key({**_row(item), "cached": False}) == _key(ANSWERS[item.name])


def _cut_offsets() -> list[int]:
    text = NETLOG.read_bytes()
    events = text.index(b'"events"')
    static_answer = text.index(b'"alias_target":"edge.example.net"')
    offsets = [0, 1, events - 1, events + 12, static_answer, len(text) - 2]
    offsets += [len(text) * share // 10 for share in range(1, 10)]
    return sorted(set(offsets))


@pytest.mark.parametrize("offset", _cut_offsets())
def test_cut_copy_reads_a_prefix(tmp_path: Path, lookups: list[DnsLookup], offset: int) -> None:
    """As a copy taken while Chromium writes, or after it crashed: no ``]}``, a broken last
    event. The lookups that ended before the cut come out as from the whole file, in the same
    order; those still open at the cut follow, unanswered."""
    path = tmp_path / "cut.json"
    path.write_bytes(NETLOG.read_bytes()[:offset])
    try:
        cut = list(read_netlog(path))
    except SourceError as error:
        assert "not a Chromium NetLog" in str(error)
        assert offset <= NETLOG.read_bytes().index(b'"events"') + len('"events":[')
        return
    assert not any(item.outcome is LookupOutcome.UNANSWERED for item in lookups)
    ended = len(cut)
    while ended and cut[ended - 1].outcome is LookupOutcome.UNANSWERED:
        ended -= 1
    assert cut[:ended] == lookups[:ended]
    later = {(item.name, item.time_us) for item in lookups[ended:]}
    assert all((item.name, item.time_us) in later for item in cut[ended:])


def test_cut_inside_a_resolution_leaves_it_unanswered(tmp_path: Path) -> None:
    """Cut while Chromium's DNS client had the CNAME chain but not yet its whole answer."""
    text = NETLOG.read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(text[: text.index(b'"alias_target":"edge.example.net"')])
    cut = list(read_netlog(path))
    assert (cut[-1].name, cut[-1].outcome, cut[-1].cached) == (
        "static.example.com",
        LookupOutcome.UNANSWERED,
        False,
    )
    assert [item.name for item in cut[:-1] if item.outcome is LookupOutcome.UNANSWERED] == []
