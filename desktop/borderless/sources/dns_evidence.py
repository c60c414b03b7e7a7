"""DNS lookup evidence as sources: telling a log, database or capture by its content, and reading
it with the right reader (dnsmasq, pihole, adguard, pcap, nextdns, netlog)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from borderless.model import DnsLookup, Source, SourceKind
from borderless.sources import adguard, dnsmasq, netlog, nextdns, pcap, pihole
from borderless.sources.errors import SourceError

LABELS = {
    SourceKind.DNSMASQ_LOG: "dnsmasq log",
    SourceKind.PIHOLE: "Pi-hole",
    SourceKind.ADGUARD: "AdGuard Home",
    SourceKind.CAPTURE: "packet capture",
    SourceKind.NEXTDNS: "NextDNS export",
    SourceKind.NETLOG: "Chromium NetLog",
}
DNS_KINDS = frozenset(LABELS)

READERS: dict[SourceKind, Callable[[Path], Iterator[DnsLookup]]] = {
    SourceKind.DNSMASQ_LOG: lambda path: dnsmasq.read_dnsmasq(path),
    SourceKind.PIHOLE: lambda path: pihole.read_pihole(path),
    SourceKind.ADGUARD: lambda path: adguard.read_adguard(path),
    SourceKind.CAPTURE: lambda path: pcap.read_pcap(path),
    SourceKind.NEXTDNS: lambda path: nextdns.read_nextdns(path),
    SourceKind.NETLOG: lambda path: netlog.read_netlog(path),
}

_PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                b"\x0a\x0d\x0d\x0a")  # fmt: skip


def dns_kind_of(path: Path) -> SourceKind | None:
    """Which kind of DNS evidence a file holds, by its first bytes (None: not DNS evidence)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError:
        return None
    if head[:4] in _PCAP_MAGICS:
        return SourceKind.CAPTURE
    if head.startswith(b"SQLite format 3\x00"):
        return SourceKind.PIHOLE if "pihole" in path.name.lower() else None
    text = head.decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if stripped.startswith('{"constants"'):
        return SourceKind.NETLOG
    first_line = stripped.split("\n", 1)[0]
    if first_line.startswith("{"):
        try:
            entry = json.loads(first_line)
        except ValueError:
            entry = None
        if isinstance(entry, dict) and "QH" in entry:
            return SourceKind.ADGUARD
    header = first_line.lower()
    if "timestamp" in header and "domain" in header and "," in header:
        return SourceKind.NEXTDNS
    if "dnsmasq" in text and "query[" in text:
        return SourceKind.DNSMASQ_LOG
    return None


def dns_source_for(path: Path) -> Source | None:
    """A Source for a DNS evidence file, or None when the file is not one."""
    kind = dns_kind_of(path)
    if kind is None:
        return None
    return Source(kind=kind, browser=LABELS[kind], profile=path.name, path=path)


def read_lookups(source: Source) -> Iterator[DnsLookup]:
    """The lookups of a DNS evidence source.

    Raises:
        SourceError: the file cannot be read as the evidence it is.
    """
    reader = READERS.get(source.kind)
    if reader is None:
        raise SourceError(f"{source.path}: not DNS evidence")
    return reader(source.path)


# Where DNS evidence usually is on a Linux machine that runs the resolver itself (a Pi-hole, a
# home server), relative to the system root. Only readable files are offered.
SYSTEM_LOCATIONS = (
    "etc/pihole/pihole-FTL.db",
    "var/log/pihole/pihole.log",
    "var/log/pihole.log",
    "opt/AdGuardHome/data/querylog.json",
    "var/snap/adguard-home/common/data/querylog.json",
    "var/log/dnsmasq.log",
)
# Tests (and a person inspecting a disk image) may point discovery at another root.
SYSTEM_ROOT_VARIABLE = "BORDERLESS_SYSTEM_ROOT"


def discover_dns(root: Path | None = None) -> list[Source]:
    """DNS evidence at the usual places on this machine, read only if this user may read it."""
    if root is None:
        root = Path(os.environ.get(SYSTEM_ROOT_VARIABLE) or "/")
    found = []
    for relative in SYSTEM_LOCATIONS:
        path = root / relative
        if path.is_file() and os.access(path, os.R_OK):
            source = dns_source_for(path)
            if source is not None:
                found.append(source)
    return found
