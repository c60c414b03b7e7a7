"""DNS lookups in packet captures: classic pcap and pcapng files (tcpdump, Wireshark, dumpcap).

Facts this reader relies on:
- Classic pcap (tcpdump's ``pcap-savefile(5)``; IETF draft-ietf-opsawg-pcap): a 24-byte header
  whose magic is 0xA1B2C3D4 (microsecond timestamps) or 0xA1B23C4D (nanosecond), written in the
  writer's byte order; the link type is the low 16 bits of the last header field. Each record is
  seconds, fraction, captured length, original length, then the captured bytes.
- pcapng (draft-ietf-opsawg-pcapng): blocks of type, total length, body, total length again,
  padded to 4 bytes. A Section Header Block (0x0A0D0D0A) carries the byte-order magic 0x1A2B3C4D
  and starts a section; Interface Description Blocks (1) give each interface's link type and, in
  option ``if_tsresol`` (9), its timestamp unit (10^-n seconds, or 2^-n when the high bit is set;
  10^-6 by default) and in ``if_tsoffset`` (14) seconds to add. Enhanced Packet Blocks (6) carry
  an interface, a 64-bit timestamp and the bytes; Simple Packet Blocks (3) carry bytes only, from
  interface 0, with no time (they get the time of the packet before them).
- Link types (tcpdump.org/linktypes.html): 0 NULL and 108 LOOP (a 4-byte address family; NULL's
  is in the writer's byte order, so both are tried), 1 Ethernet (with 802.1Q/802.1ad tags),
  101/12/14 raw IP, 228 raw IPv4, 229 raw IPv6, 113 Linux cooked SLL (protocol at offset 14 of a
  16-byte header) and 276 SLL2 (protocol at offset 0 of a 20-byte header). tcpdump on Linux's
  ``lo`` writes Ethernet with zero MAC addresses; ``-i any`` writes SLL (SLL2 with ``-y``).
- DNS (RFC 1035): over UDP one message per datagram; over TCP each message is preceded by a
  two-byte length (RFC 1035 4.2.2, RFC 7766). This reader does not reassemble TCP streams: it reads
  the messages wholly inside one segment, which is how stub resolvers and dig send them. IP
  fragments other than the first are skipped. Port 5353 (multicast DNS) is not DNS to a resolver.

A response is paired with its query by client address and port, server address and port and
message ID. A query without a response in the capture is a lookup still (UNANSWERED). A response
with the truncation bit set and no answers is dropped: the client asks again over TCP, and that is
the lookup that counts.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import dns.rdatatype

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.dnswire import FLAG_TC, Message, answer_of, parse_message
from borderless.sources.errors import SourceError

DNS_PORT = 53
PENDING_SECONDS = 60  # a query still unanswered this long after it was sent never will be
MAX_RECORD_BYTES = 16 * 1024 * 1024  # larger than any snapshot length tcpdump or dumpcap allow
PCAP_MAGIC_MICRO = 0xA1B2C3D4
PCAP_MAGIC_NANO = 0xA1B23C4D
PCAPNG_SECTION = 0x0A0D0D0A
PCAPNG_BYTE_ORDER = 0x1A2B3C4D

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = frozenset({101, 12, 14})
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
ETHERTYPE_VLAN = frozenset({0x8100, 0x88A8, 0x9100})
BSD_AF_INET6 = frozenset({10, 24, 28, 30})  # Linux, NetBSD/OpenBSD, FreeBSD, macOS
IPPROTO_TCP = 6
IPPROTO_UDP = 17
IPV6_EXTENSION_HEADERS = frozenset({0, 43, 60})  # hop-by-hop, routing, destination options
IPV6_FRAGMENT = 44


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured packet: when, its link type, and the bytes captured."""

    time_us: int
    link_type: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Segment:
    """The DNS-port payload of one UDP datagram or TCP segment."""

    time_us: int
    source: str
    source_port: int
    destination: str
    destination_port: int
    tcp: bool
    payload: bytes


@dataclass(frozen=True, slots=True)
class _Query:
    time_us: int
    name: str
    record_type: str
    client: str


def read_pcap(path: Path, *, ports: Collection[int] = (DNS_PORT,)) -> Iterator[DnsLookup]:
    """The DNS lookups in a pcap or pcapng capture, paired query with response.

    Args:
        path: the capture file.
        ports: the server ports that carry DNS (53; add another for a resolver on a test port).

    Raises:
        SourceError: the file cannot be read or is not a capture, or its records are corrupt.
            A capture cut short in its last record is read up to the cut.
    """
    pending: dict[tuple[str, int, str, int, int], _Query] = {}
    last_sweep = 0
    for segment in read_segments(path, ports=ports):
        for wire in dns_messages(segment):
            yield from _pair(segment, wire, pending)
        # Expire queries that will not be answered now, so a long capture keeps little in memory.
        # At most once a second of capture time, and from the oldest on: the dictionary keeps
        # queries in the order they came, so the sweep stops at the first one still young
        # (sweeping everything at every packet made long captures quadratic).
        if len(pending) > 1000 and segment.time_us - last_sweep > 1_000_000:
            last_sweep = segment.time_us
            horizon = segment.time_us - PENDING_SECONDS * 1_000_000
            expired = []
            for key, query in pending.items():
                if query.time_us >= horizon:
                    break
                expired.append(key)
            for key in expired:
                yield _unanswered(pending.pop(key))
    for query in sorted(pending.values(), key=lambda query: query.time_us):
        yield _unanswered(query)


def read_segments(path: Path, *, ports: Collection[int] = (DNS_PORT,)) -> Iterator[Segment]:
    """The UDP and TCP payloads to or from one of `ports` in a capture, in file order."""
    for frame in read_frames(path):
        segment = decode_frame(frame)
        if segment is None:
            continue
        if segment.source_port in ports or segment.destination_port in ports:
            yield segment


def read_frames(path: Path) -> Iterator[Frame]:
    """Every packet of a classic pcap or pcapng file, with its time in microseconds since 1970."""
    try:
        stream = path.open("rb")
    except OSError as error:
        raise SourceError(f"{path}: cannot be opened: {error.strerror or error}") from error
    with stream:
        try:
            head = stream.read(4)
            if len(head) < 4:
                raise SourceError(f"{path}: too short to be a packet capture")
            if struct.unpack("<I", head)[0] == PCAPNG_SECTION:
                yield from _pcapng_frames(path, stream, head)
            else:
                yield from _pcap_frames(path, stream, head)
        except OSError as error:
            raise SourceError(f"{path}: cannot be read: {error.strerror or error}") from error


def _pcap_frames(path: Path, stream: BinaryIO, head: bytes) -> Iterator[Frame]:
    for order in ("<", ">"):
        magic = struct.unpack(order + "I", head)[0]
        if magic in (PCAP_MAGIC_MICRO, PCAP_MAGIC_NANO):
            break
    else:
        raise SourceError(f"{path}: not a packet capture (neither pcap nor pcapng)")
    divisor = 1000 if magic == PCAP_MAGIC_NANO else 1
    fraction_limit = 1_000_000_000 if magic == PCAP_MAGIC_NANO else 1_000_000
    rest = stream.read(20)
    if len(rest) < 20:
        return  # a header cut short: no packets
    link_type = struct.unpack(order + "I", rest[16:20])[0] & 0xFFFF
    record_header = struct.Struct(order + "IIII")
    offset = 24
    while True:
        header = stream.read(16)
        if len(header) < 16:
            return  # the end, or a capture cut short in a record header
        seconds, fraction, captured, _original = record_header.unpack(header)
        if captured > MAX_RECORD_BYTES or fraction >= fraction_limit:
            raise SourceError(f"{path}: corrupt packet record at byte {offset}")
        data = stream.read(captured)
        if len(data) < captured:
            return  # cut short in the last packet
        offset += 16 + captured
        yield Frame(seconds * 1_000_000 + fraction // divisor, link_type, data)


@dataclass(slots=True)
class _Interface:
    link_type: int
    units_per_second: int  # timestamp ticks per second
    offset_seconds: int


def _pcapng_frames(path: Path, stream: BinaryIO, head: bytes) -> Iterator[Frame]:
    interfaces: list[_Interface] = []
    order = "<"
    last_time_us = 0
    offset = 0
    while True:
        if not head:
            head = stream.read(4)
        if len(head) < 4:
            return
        rest = stream.read(8)
        if len(rest) < 8:
            return  # cut short in a block header
        if struct.unpack("<I", head)[0] == PCAPNG_SECTION:
            for order in ("<", ">"):
                if struct.unpack(order + "I", rest[4:8])[0] == PCAPNG_BYTE_ORDER:
                    break
            else:
                raise SourceError(f"{path}: corrupt pcapng section header at byte {offset}")
            interfaces = []  # interface numbers start again in each section
        block_type = struct.unpack(order + "I", head)[0]
        length = struct.unpack(order + "I", rest[:4])[0]
        head = b""
        if length < 12 or length % 4 or length > MAX_RECORD_BYTES:
            raise SourceError(f"{path}: corrupt pcapng block at byte {offset}")
        body = rest[4:] + stream.read(length - 12)
        if len(body) < length - 8:
            return  # cut short in the last block
        # The body read so far includes the trailing length copy; keep only the body proper.
        body = body[: length - 12]
        offset += length
        if block_type == PCAPNG_SECTION:
            continue
        if block_type == 1:  # Interface Description Block
            interfaces.append(_interface(path, order, body, offset))
        elif block_type in (6, 2):  # Enhanced Packet Block, obsolete Packet Block
            if len(body) < 20:
                raise SourceError(f"{path}: corrupt pcapng packet block at byte {offset}")
            if block_type == 6:
                number, high, low, captured = struct.unpack(order + "IIII", body[:16])
            else:
                number, _drops, high, low, captured = struct.unpack(order + "HHIII", body[:16])
            if number >= len(interfaces) or captured > len(body) - 20:
                raise SourceError(f"{path}: corrupt pcapng packet block at byte {offset}")
            interface = interfaces[number]
            ticks = (high << 32) | low
            last_time_us = (
                ticks * 1_000_000 // interface.units_per_second
                + interface.offset_seconds * 1_000_000
            )
            yield Frame(last_time_us, interface.link_type, body[20 : 20 + captured])
        elif block_type == 3:  # Simple Packet Block: interface 0, no timestamp
            if not interfaces or len(body) < 4:
                raise SourceError(f"{path}: corrupt pcapng packet block at byte {offset}")
            original = struct.unpack(order + "I", body[:4])[0]
            yield Frame(last_time_us, interfaces[0].link_type, body[4 : 4 + original])
        # Other blocks (name resolution, statistics, custom) say nothing about lookups.


def _interface(path: Path, order: str, body: bytes, offset: int) -> _Interface:
    """An Interface Description Block's link type and timestamp unit."""
    if len(body) < 8:
        raise SourceError(f"{path}: corrupt pcapng interface block at byte {offset}")
    link_type = struct.unpack(order + "H", body[:2])[0]
    units = 1_000_000
    offset_seconds = 0
    position = 8
    while position + 4 <= len(body):
        code, size = struct.unpack(order + "HH", body[position : position + 4])
        value = body[position + 4 : position + 4 + size]
        position += 4 + (size + 3) // 4 * 4
        if code == 0:  # opt_endofopt
            break
        if code == 9 and len(value) == 1:  # if_tsresol
            exponent = value[0] & 0x7F
            if exponent > 30:
                raise SourceError(f"{path}: unusable timestamp resolution at byte {offset}")
            units = 2**exponent if value[0] & 0x80 else 10**exponent
        elif code == 14 and len(value) == 8:  # if_tsoffset
            offset_seconds = struct.unpack(order + "q", value)[0]
    return _Interface(link_type, max(units, 1), offset_seconds)


def decode_frame(frame: Frame) -> Segment | None:
    """The UDP or TCP payload in one frame, or None for anything else (or anything malformed)."""
    data = frame.data
    link_type = frame.link_type
    version: int | None = None
    if link_type == LINKTYPE_ETHERNET:
        position = 12
        while position + 2 <= len(data):
            ethertype = int.from_bytes(data[position : position + 2], "big")
            if ethertype not in ETHERTYPE_VLAN:
                break
            position += 4
        else:
            return None
        version = _version_of_ethertype(ethertype)
        packet = data[position + 2 :]
    elif link_type in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if len(data) < 4:
            return None
        families = {int.from_bytes(data[:4], "big"), int.from_bytes(data[:4], "little")}
        if link_type == LINKTYPE_LOOP:
            families = {int.from_bytes(data[:4], "big")}
        version = 4 if 2 in families else 6 if families & BSD_AF_INET6 else None
        packet = data[4:]
    elif link_type == LINKTYPE_LINUX_SLL:
        version = _version_of_ethertype(int.from_bytes(data[14:16], "big"))
        packet = data[16:]
    elif link_type == LINKTYPE_LINUX_SLL2:
        version = _version_of_ethertype(int.from_bytes(data[0:2], "big"))
        packet = data[20:]
    elif link_type in LINKTYPE_RAW or link_type in (LINKTYPE_IPV4, LINKTYPE_IPV6):
        version = data[0] >> 4 if data else None
        packet = data
    else:
        return None
    if version == 4:
        return _decode_ipv4(frame.time_us, packet)
    if version == 6:
        return _decode_ipv6(frame.time_us, packet)
    return None


def _version_of_ethertype(ethertype: int) -> int | None:
    return 4 if ethertype == ETHERTYPE_IPV4 else 6 if ethertype == ETHERTYPE_IPV6 else None


def _decode_ipv4(time_us: int, packet: bytes) -> Segment | None:
    if len(packet) < 20 or packet[0] >> 4 != 4:
        return None
    header_length = (packet[0] & 0x0F) * 4
    total_length = int.from_bytes(packet[2:4], "big")
    fragment = int.from_bytes(packet[6:8], "big")
    if header_length < 20 or fragment & 0x1FFF or fragment & 0x2000:
        return None  # a fragment: the DNS message is not whole in it
    end = min(len(packet), total_length) if total_length >= header_length else len(packet)
    source = str(ipaddress.IPv4Address(packet[12:16]))
    destination = str(ipaddress.IPv4Address(packet[16:20]))
    return _decode_transport(time_us, packet[9], packet[header_length:end], source, destination)


def _decode_ipv6(time_us: int, packet: bytes) -> Segment | None:
    if len(packet) < 40 or packet[0] >> 4 != 6:
        return None
    payload_length = int.from_bytes(packet[4:6], "big")
    next_header = packet[6]
    source = str(ipaddress.IPv6Address(packet[8:24]))
    destination = str(ipaddress.IPv6Address(packet[24:40]))
    payload = packet[40 : 40 + payload_length] if payload_length else packet[40:]
    while next_header in IPV6_EXTENSION_HEADERS:
        if len(payload) < 8:
            return None
        next_header, size = payload[0], (payload[1] + 1) * 8
        payload = payload[size:]
    if next_header == IPV6_FRAGMENT:
        return None
    return _decode_transport(time_us, next_header, payload, source, destination)


def _decode_transport(
    time_us: int, protocol: int, payload: bytes, source: str, destination: str
) -> Segment | None:
    if protocol == IPPROTO_UDP:
        if len(payload) < 8:
            return None
        data = payload[8:]
        tcp = False
    elif protocol == IPPROTO_TCP:
        if len(payload) < 20:
            return None
        offset = (payload[12] >> 4) * 4
        if offset < 20:
            return None
        data = payload[offset:]
        tcp = True
    else:
        return None
    source_port = int.from_bytes(payload[0:2], "big")
    destination_port = int.from_bytes(payload[2:4], "big")
    return Segment(time_us, source, source_port, destination, destination_port, tcp, data)


def dns_messages(segment: Segment) -> Iterator[bytes]:
    """The DNS messages in one segment: the datagram, or each length-prefixed TCP message."""
    if not segment.tcp:
        if segment.payload:
            yield segment.payload
        return
    data = segment.payload
    position = 0
    while position + 2 <= len(data):
        size = int.from_bytes(data[position : position + 2], "big")
        if size == 0 or position + 2 + size > len(data):
            return  # continues in a later segment: not reassembled
        yield data[position + 2 : position + 2 + size]
        position += 2 + size


def _pair(
    segment: Segment,
    wire: bytes,
    pending: dict[tuple[str, int, str, int, int], _Query],
) -> Iterator[DnsLookup]:
    message = parse_message(wire)
    if message is None:
        return
    name = message.question.to_text(omit_final_dot=True).lower()
    record_type = dns.rdatatype.to_text(cast(dns.rdatatype.RdataType, message.question_type))
    if not message.is_response:
        key = (
            segment.source,
            segment.source_port,
            segment.destination,
            segment.destination_port,
            message.id,
        )
        # A retransmission keeps the time of the first attempt.
        pending.setdefault(key, _Query(segment.time_us, name, record_type, segment.source))
        return
    key = (
        segment.destination,
        segment.destination_port,
        segment.source,
        segment.source_port,
        message.id,
    )
    query = pending.get(key)
    if query is not None and (query.name, query.record_type) != (name, record_type):
        query = None  # the same ID reused for another question: not this query's answer
    if message.flags & FLAG_TC and not message.answers:
        pending.pop(key, None)
        return
    if query is not None:
        del pending[key]
    else:  # the query was sent before the capture began
        query = _Query(segment.time_us, name, record_type, segment.destination)
    yield _answered(query, message)


def _answered(query: _Query, message: Message) -> DnsLookup:
    outcome, addresses, chain = answer_of(message)
    return DnsLookup(
        time_us=query.time_us,
        name=query.name,
        record_type=query.record_type,
        outcome=outcome,
        addresses=addresses,
        cname_chain=chain,
        client=query.client,
    )


def _unanswered(query: _Query) -> DnsLookup:
    return DnsLookup(
        time_us=query.time_us,
        name=query.name,
        record_type=query.record_type,
        outcome=LookupOutcome.UNANSWERED,
        client=query.client,
    )
