"""Readers of DNS evidence outside resolvers: packet captures, NextDNS exports, Chromium NetLogs."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.errors import SourceError
from borderless.sources.netlog import read_netlog
from borderless.sources.nextdns import Skipped, read_nextdns
from borderless.sources.pcap import Frame, decode_frame, read_frames, read_pcap
from tests.helpers import fingerprint

FIXTURES = Path(__file__).parent.parent / "fixtures" / "captures"
CAPTURES = ["capture.pcap", "capture-ns.pcap", "capture-any.pcap", "capture.pcapng"]


def _comparable(lookup: DnsLookup) -> dict[str, object]:
    return {
        "name": lookup.name,
        "record_type": lookup.record_type,
        "outcome": lookup.outcome.value,
        "addresses": list(lookup.addresses),
        "cname_chain": list(lookup.cname_chain),
        "client": lookup.client,
    }


def _key(row: dict[str, object]) -> str:
    return json.dumps(row, sort_keys=True)


@pytest.mark.parametrize("name", CAPTURES)
def test_capture_lookups_match_what_dig_asked(name: str) -> None:
    expected = json.loads((FIXTURES / "expected.json").read_text())
    lookups = list(read_pcap(FIXTURES / name))
    assert sorted(map(_key, map(_comparable, lookups))) == sorted(map(_key, expected))
    # Query times, not response times, and the captures agree to the microsecond (the ns file too).
    assert all(lookup.time_us > 1_700_000_000_000_000 for lookup in lookups)


def test_microsecond_and_nanosecond_captures_agree_on_times() -> None:
    micro = [lookup.time_us for lookup in read_pcap(FIXTURES / "capture.pcap")]
    nano = [lookup.time_us for lookup in read_pcap(FIXTURES / "capture-ns.pcap")]
    assert all(abs(a - b) <= 1 for a, b in zip(micro, nano, strict=True))


def test_link_types_of_the_real_captures() -> None:
    assert {frame.link_type for frame in read_frames(FIXTURES / "capture.pcap")} == {1}
    assert {frame.link_type for frame in read_frames(FIXTURES / "capture-any.pcap")} == {276}


def _pcap_records(path: Path) -> tuple[bytes, list[bytes]]:
    data = path.read_bytes()
    records, position = [], 24
    while position + 16 <= len(data):
        captured = struct.unpack("<I", data[position + 8 : position + 12])[0]
        records.append(data[position : position + 16 + captured])
        position += 16 + captured
    return data[:24], records


def _big_endian_pcap(path: Path) -> bytes:
    """The capture rewritten by a big-endian writer (header and record fields swapped)."""
    header, records = _pcap_records(path)
    fields = struct.unpack("<IHHiIII", header)
    out = [struct.pack(">IHHiIII", *fields)]
    for record in records:
        out.append(struct.pack(">IIII", *struct.unpack("<IIII", record[:16])) + record[16:])
    return b"".join(out)


def _pcapng(frames: list[tuple[int, bytes]], link_type: int, order: str, resolution: int) -> bytes:
    def block(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return (
            struct.pack(order + "II", kind, 12 + len(body))
            + body
            + struct.pack(order + "I", 12 + len(body))
        )

    blocks = [block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))]
    options = struct.pack(order + "HH", 9, 1) + bytes([resolution, 0, 0, 0])
    blocks.append(block(1, struct.pack(order + "HHI", link_type, 0, 65535) + options))
    for ticks, data in frames:
        head = struct.pack(
            order + "IIIII", 0, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data)
        )
        blocks.append(block(6, head + data))
    return b"".join(blocks)


def test_big_endian_pcap_and_pcapng_read_the_same(tmp_path: Path) -> None:
    reference = [_comparable(lookup) for lookup in read_pcap(FIXTURES / "capture.pcap")]
    swapped = tmp_path / "big.pcap"
    swapped.write_bytes(_big_endian_pcap(FIXTURES / "capture.pcap"))
    assert [_comparable(lookup) for lookup in read_pcap(swapped)] == reference
    frames = list(read_frames(FIXTURES / "capture.pcap"))
    for order, resolution in ((">", 6), ("<", 0x80 | 20)):  # µs big-endian; 2^-20 s
        scale = (1 << 20) if resolution & 0x80 else 1_000_000
        ticks = [(frame.time_us * scale // 1_000_000, frame.data) for frame in frames]
        path = tmp_path / f"capture-{resolution}.pcapng"
        path.write_bytes(_pcapng(ticks, 1, order, resolution))
        assert [_comparable(lookup) for lookup in read_pcap(path)] == reference
        times = [frame.time_us for frame in read_frames(path)]
        assert all(abs(a - b.time_us) <= 1 for a, b in zip(times, frames, strict=True))


@pytest.mark.parametrize("name", ["capture.pcap", "capture.pcapng"])
def test_a_capture_cut_short_reads_up_to_the_cut(tmp_path: Path, name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    whole = len(list(read_frames(FIXTURES / name)))
    for cut in (len(data) - 7, len(data) // 2, 30):
        path = tmp_path / name
        path.write_bytes(data[:cut])
        frames = list(read_frames(path))
        assert len(frames) < whole
        list(read_pcap(path))  # an unanswered query or two, no error


def test_not_a_capture(tmp_path: Path) -> None:
    path = tmp_path / "notes.pcap"
    path.write_text("hello, this is text")
    with pytest.raises(SourceError, match=r"^" + str(path).replace("\\", "\\\\") + ": not a"):
        list(read_pcap(path))
    with pytest.raises(SourceError, match="cannot be opened"):
        list(read_pcap(tmp_path / "missing.pcap"))


def test_raw_ipv6_udp_and_linux_sll(tmp_path: Path) -> None:
    import dns.message

    query = dns.message.make_query("six.example", "AAAA")
    query.id = 4242
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)

    def ipv6_udp(source: str, sport: int, destination: str, dport: int, wire: bytes) -> bytes:
        import ipaddress

        udp = struct.pack(">HHHH", sport, dport, 8 + len(wire), 0) + wire
        return (
            struct.pack(">IHBB", 0x60000000, len(udp), 17, 64)
            + ipaddress.IPv6Address(source).packed
            + ipaddress.IPv6Address(destination).packed
            + udp
        )

    ask = ipv6_udp("2001:db8::1", 40000, "2001:db8::53", 53, query.to_wire())
    answer = ipv6_udp("2001:db8::53", 53, "2001:db8::1", 40000, response.to_wire())
    sll = struct.pack(">HHH8sH", 0, 772, 0, b"", 0x86DD)
    for link_type, prefix in ((101, b""), (229, b""), (113, sll)):
        frames = [Frame(1, link_type, prefix + ask), Frame(2, link_type, prefix + answer)]
        segments = [decode_frame(frame) for frame in frames]
        assert all(segment is not None for segment in segments)
        path = tmp_path / f"six-{link_type}.pcapng"
        path.write_bytes(_pcapng([(1, prefix + ask), (2, prefix + answer)], link_type, "<", 6))
        assert list(read_pcap(path)) == [
            DnsLookup(1, "six.example", "AAAA", LookupOutcome.NXDOMAIN, client="2001:db8::1")
        ]


def test_mdns_is_not_a_lookup(tmp_path: Path) -> None:
    frames = list(read_frames(FIXTURES / "capture.pcap"))
    renumbered = []
    for frame in frames:
        data = bytearray(frame.data)
        # Ethernet (14) + IPv4 (20): the UDP or TCP ports; 53 -> 5353.
        for offset in (34, 36):
            if int.from_bytes(data[offset : offset + 2], "big") == 53:
                data[offset : offset + 2] = (5353).to_bytes(2, "big")
        renumbered.append((frame.time_us, bytes(data)))
    path = tmp_path / "mdns.pcapng"
    path.write_bytes(_pcapng(renumbered, 1, "<", 6))
    assert list(read_pcap(path)) == []


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_source_error(tmp_path: Path, data: bytes) -> None:
    for head in (b"", bytes.fromhex("d4c3b2a1"), bytes.fromhex("0a0d0d0a")):
        path = tmp_path / "fuzz.pcap"
        path.write_bytes(head + data)
        try:
            list(read_pcap(path))
        except SourceError as error:
            assert str(error).startswith(str(path))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_captures_raise_only_source_error(tmp_path: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(CAPTURES))
    original = bytearray((FIXTURES / name).read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(original) - 1))
        original[position] = data.draw(st.integers(0, 255))
    path = tmp_path / name
    path.write_bytes(bytes(original))
    try:
        list(read_pcap(path))
    except SourceError as error:
        assert str(error).startswith(str(path))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([0, 1, 12, 101, 108, 113, 228, 229, 276]))
def test_arbitrary_packets_decode_or_are_ignored(payload: bytes, link_type: int) -> None:
    from borderless.sources.pcap import _pair, dns_messages

    segment = decode_frame(Frame(0, link_type, payload))
    if segment is not None:
        for wire in dns_messages(segment):
            list(_pair(segment, wire, {}))


_LABELS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_NAMES = st.lists(_LABELS, min_size=1, max_size=4).map(lambda labels: ".".join(labels) + ".")
_RECORDS = st.one_of(
    st.tuples(st.just("A"), st.ip_addresses(v=4).map(str)),
    st.tuples(st.just("AAAA"), st.ip_addresses(v=6).map(str)),
    st.tuples(st.just("CNAME"), _NAMES),
    st.tuples(st.just("TXT"), _LABELS.map(lambda text: f'"{text}"')),
    st.tuples(st.just("MX"), _NAMES.map(lambda name: f"10 {name}")),
)


@settings(max_examples=200, deadline=None)
@given(
    _NAMES,
    st.sampled_from(["A", "AAAA", "HTTPS", "CNAME"]),
    st.lists(st.tuples(_NAMES, _RECORDS), max_size=6),
    st.sampled_from([0, 2, 3, 5]),
)
def test_light_parse_agrees_with_dnspython(
    question: str, question_type: str, records: list[tuple[str, tuple[str, str]]], rcode: int
) -> None:
    """The reader's own pass over the wire form finds what dnspython's full parse finds."""
    import dns.message
    import dns.rdataclass
    import dns.rdatatype
    import dns.rrset

    from borderless.sources.pcap import parse_message

    cname_owners = [owner for owner, (record_type, _) in records if record_type == "CNAME"]
    assume(len(cname_owners) == len(set(cname_owners)))  # dnspython keeps one CNAME per name
    query = dns.message.make_query(question, question_type)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    for owner, (record_type, text) in records:
        response.answer.append(dns.rrset.from_text(owner, 60, "IN", record_type, text))
    wire = response.to_wire()
    light = parse_message(wire)
    full = dns.message.from_wire(wire)
    assert light is not None
    assert light.is_response and light.rcode == rcode and light.id == full.id
    assert (light.question, light.question_type) == (
        full.question[0].name,
        full.question[0].rdtype,
    )
    expected = []
    for rrset in full.answer:
        for rdata in rrset:
            if rrset.rdtype == dns.rdatatype.CNAME:
                data: object = rdata.target
            elif rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                data = rdata.address
            else:
                data = None
            expected.append((rrset.name, int(rrset.rdtype), data))
    # dnspython merges repeated records into one rrset; the light pass keeps each as sent.
    assert set(map(repr, light.answers)) == set(map(repr, expected))
    assert parse_message(query.to_wire()) is not None


def test_readers_never_write(tmp_path: Path) -> None:
    before = fingerprint(FIXTURES)
    for name in CAPTURES:
        list(read_pcap(FIXTURES / name))
    list(read_nextdns(FIXTURES / "nextdns.csv"))
    list(read_netlog(FIXTURES / "netlog.json"))
    list(read_netlog(FIXTURES / "netlog-truncated.json"))
    assert fingerprint(FIXTURES) == before


# NextDNS


def test_nextdns_export() -> None:
    skipped = Skipped()
    lookups = list(read_nextdns(FIXTURES / "nextdns.csv", skipped=skipped))
    assert [(lookup.name, lookup.record_type, lookup.outcome) for lookup in lookups] == [
        ("www.example.com", "A", LookupOutcome.ANSWERED),
        ("tracker.ads.example", "A", LookupOutcome.BLOCKED),
        ("cdn.example.org", "AAAA", LookupOutcome.ANSWERED),
        ("mixed.example.net", "HTTPS", LookupOutcome.ANSWERED),
    ]
    assert lookups[0].time_us == 1_772_359_200_123_000
    assert lookups[0].client == "192.168.1.20"  # the device's own address before the public one
    assert lookups[2].client == "2001:db8::7"
    assert lookups[3].client is None
    assert skipped.rows == 1 and "line 5" in (skipped.first_reason or "")


def test_nextdns_with_fewer_columns_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffdomain,timestamp,status\n"
        "a.example,1772359200.5,blocked\n"
        "b.example,nan,default\n"
        ",1772359200,default\n"
        "c.example,1772359200,weird\n"
        'd.example,"unclosed\n'
    )
    skipped = Skipped()
    lookups = list(read_nextdns(path, skipped=skipped))
    assert [(lookup.name, lookup.time_us, lookup.outcome) for lookup in lookups] == [
        ("a.example", 1_772_359_200_500_000, LookupOutcome.BLOCKED)
    ]
    assert skipped.rows == 4


def test_nextdns_not_an_export(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("name,value\nx,1\n")
    with pytest.raises(SourceError, match="not a NextDNS log export"):
        list(read_nextdns(path))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(SourceError, match="empty"):
        list(read_nextdns(empty))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_nextdns_arbitrary_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text(
        "timestamp,domain,query_type,status\n" + text, encoding="utf-8", errors="replace"
    )
    list(read_nextdns(path))


# NetLog


def test_netlog_lookups() -> None:
    lookups = list(read_netlog(FIXTURES / "netlog.json"))
    assert [
        (lookup.name, lookup.record_type, lookup.outcome, lookup.cached) for lookup in lookups
    ] == [
        ("www.example.com", "A/AAAA", LookupOutcome.ANSWERED, False),
        ("www.example.com", "A/AAAA", LookupOutcome.ANSWERED, True),
        ("missing.example.com", "A", LookupOutcome.NXDOMAIN, False),
        ("api.example.org", "A/AAAA", LookupOutcome.ANSWERED, False),
        ("slow.example.com", "A/AAAA", LookupOutcome.UNANSWERED, False),
    ]
    first = lookups[0]
    assert first.time_us == (1772359200000 + 1000) * 1000
    assert first.addresses == ("192.0.2.80", "2001:db8::80")
    assert first.cname_chain == ("www.example.com.cdn.example.net",)
    assert lookups[3].addresses == ("198.51.100.5",)


def test_truncated_netlog_reads_the_whole_events() -> None:
    lookups = list(read_netlog(FIXTURES / "netlog-truncated.json"))
    assert [(lookup.name, lookup.outcome) for lookup in lookups] == [
        ("www.example.com", LookupOutcome.ANSWERED),
        ("www.example.com", LookupOutcome.ANSWERED),
        ("missing.example.com", LookupOutcome.UNANSWERED),  # its end was cut off
    ]


def test_not_a_netlog(tmp_path: Path) -> None:
    for text in ("", "[]", '{"events": []}', "not json", '{"constants": 5'):
        path = tmp_path / "x.json"
        path.write_text(text)
        with pytest.raises(SourceError, match="not a Chromium NetLog"):
            list(read_netlog(path))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.integers(0, 4200))
def test_netlog_cut_anywhere(tmp_path: Path, cut: int) -> None:
    text = (FIXTURES / "netlog.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[:cut])
    try:
        list(read_netlog(path))
    except SourceError as error:
        assert "not a Chromium NetLog" in str(error)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "type",
                        "phase",
                        "params",
                        "source",
                        "id",
                        "time",
                        "host",
                        "results",
                        "ip_endpoints",
                        "source_dependency",
                        "net_error",
                    ]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_netlog_hostile_events(tmp_path: Path, event: object) -> None:
    constants = {"logEventTypes": {"HOST_RESOLVER_MANAGER_REQUEST": 1, "HOST_RESOLVER_DNS_TASK": 2}}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"constants": constants, "events": [event, event]}))
    list(read_netlog(path))
