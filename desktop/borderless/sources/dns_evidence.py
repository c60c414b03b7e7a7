"""DNS lookup evidence as sources: telling a log, database or capture by its content, and reading
it with the right reader (dnsmasq, pihole, adguard, pcap, nextdns, netlog, oscache); and this
computer's own DNS cache, read live by a command."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from borderless.model import DnsLookup, Source, SourceKind
from borderless.sources import adguard, dnsmasq, netlog, nextdns, oscache, pcap, pihole
from borderless.sources.errors import SourceError

LABELS = {
    SourceKind.DNSMASQ_LOG: "dnsmasq log",
    SourceKind.PIHOLE: "Pi-hole",
    SourceKind.ADGUARD: "AdGuard Home",
    SourceKind.CAPTURE: "packet capture",
    SourceKind.NEXTDNS: "NextDNS export",
    SourceKind.NETLOG: "Chromium NetLog",
    SourceKind.WINDOWS_DNS_CACHE: "Windows DNS cache",
    SourceKind.RESOLVED_CACHE: "systemd-resolved cache",
    SourceKind.MACOS_DNS_CACHE: "macOS DNS cache",
}
DNS_KINDS = frozenset(LABELS)

READERS: dict[SourceKind, Callable[[Path], Iterator[DnsLookup]]] = {
    SourceKind.DNSMASQ_LOG: lambda path: dnsmasq.read_dnsmasq(path),
    SourceKind.PIHOLE: lambda path: pihole.read_pihole(path),
    SourceKind.ADGUARD: lambda path: adguard.read_adguard(path),
    SourceKind.CAPTURE: lambda path: pcap.read_pcap(path),
    SourceKind.NEXTDNS: lambda path: nextdns.read_nextdns(path),
    SourceKind.NETLOG: lambda path: netlog.read_netlog(path),
    SourceKind.WINDOWS_DNS_CACHE: oscache.read_windows_cache,
    SourceKind.RESOLVED_CACHE: oscache.read_resolved_cache,
    SourceKind.MACOS_DNS_CACHE: oscache.read_macos_cache,
}
# The caches a command shows live, by the system they are on (sys.platform): the kind, the
# command in words (the source's path) and the command, whose program must be on the PATH.
LIVE_CACHES: dict[str, tuple[SourceKind, str, tuple[str, ...]]] = {
    "win32": (SourceKind.WINDOWS_DNS_CACHE, oscache.WINDOWS_LIVE_NAME, oscache.WINDOWS_COMMAND),
    "linux": (SourceKind.RESOLVED_CACHE, oscache.RESOLVED_LIVE_NAME, oscache.RESOLVED_COMMAND),
    "darwin": (SourceKind.MACOS_DNS_CACHE, oscache.MACOS_LIVE_NAME, oscache.MACOS_COMMAND),
}
LIVE_READERS: dict[SourceKind, Callable[[], Iterator[DnsLookup]]] = {
    SourceKind.WINDOWS_DNS_CACHE: oscache.live_windows_cache,
    SourceKind.RESOLVED_CACHE: oscache.live_resolved_cache,
    SourceKind.MACOS_DNS_CACHE: oscache.live_macos_cache,
}

_PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                b"\x0a\x0d\x0d\x0a")  # fmt: skip
# A scope header of `resolvectl show-cache`, perhaps behind a colour escape.
_RESOLVED_SCOPE = re.compile(r"^(?:\x1b\[[0-9;]*m)*Scope protocol=\w+", re.MULTILINE)
# A line that mDNSResponder logged (through `log show --style syslog` or syslog).
_MDNSRESPONDER_LINE = re.compile(r"^\S.* mDNSResponder\[\d+\]", re.MULTILINE)


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
    # By its byte order mark: Windows PowerShell 5.1 saves its output as UTF-16.
    text = oscache.decode_text(head)
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
    # The operating systems' caches last, so that no format above is taken for one of them.
    if (
        stripped.startswith(("[", "{"))
        and '"Entry"' in text
        and ('"TimeToLive"' in text or "MSFT_DNSClientCache" in text)
    ):
        return SourceKind.WINDOWS_DNS_CACHE
    if _RESOLVED_SCOPE.search(text):
        return SourceKind.RESOLVED_CACHE
    # A log of mDNSResponder's (its cache dump may be anywhere in it, or missing: the reader
    # then says how to make one).
    if _MDNSRESPONDER_LINE.search(text) or "BEGIN STATE LOG" in text:
        return SourceKind.MACOS_DNS_CACHE
    return None


def dns_source_for(path: Path) -> Source | None:
    """A Source for a DNS evidence file, or None when the file is not one."""
    kind = dns_kind_of(path)
    if kind is None:
        return None
    return Source(kind=kind, browser=LABELS[kind], profile=path.name, path=path)


def read_lookups(source: Source) -> Iterator[DnsLookup]:
    """The lookups of a DNS evidence source; a live one runs its command now.

    Raises:
        SourceError: the file cannot be read as the evidence it is, or the command failed.
    """
    if source.live:
        live_reader = LIVE_READERS.get(source.kind)
        if live_reader is None:
            raise SourceError(f"{source.path}: not a DNS cache that can be read live")
        return live_reader()
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
    # AdGuard Home's installer puts it in /Applications on macOS; on Windows it runs from
    # wherever it was unpacked, most often Program Files (its docs' example).
    "Applications/AdGuardHome/data/querylog.json",
    "Program Files/AdGuardHome/data/querylog.json",
)
# Tests (and a person inspecting a disk image) may point discovery at another root.
SYSTEM_ROOT_VARIABLE = "BORDERLESS_SYSTEM_ROOT"


def live_source(platform: str | None = None) -> Source | None:
    """This computer's own DNS cache as a live source, when its command is installed.

    Args:
        platform: the system, as ``sys.platform`` names it (this one's by default).
    """
    known = LIVE_CACHES.get(platform or sys.platform)
    if known is None:
        return None
    kind, name, command = known
    if shutil.which(command[0]) is None:
        return None
    return Source(kind=kind, browser=LABELS[kind], profile="this computer", path=Path(name),
                  live=True)  # fmt: skip


def discover_dns(root: Path | None = None) -> list[Source]:
    """DNS evidence at the usual places on this machine, read only if this user may read it,
    and this computer's own DNS cache, read live.

    The live cache is left out when discovery looks at another root (a disk image, or the
    folder tests point BORDERLESS_SYSTEM_ROOT at): no command may run for those.
    """
    live = None
    if root is None and not os.environ.get(SYSTEM_ROOT_VARIABLE):
        live = live_source()
    if root is None:
        root = Path(os.environ.get(SYSTEM_ROOT_VARIABLE) or "/")
    found = []
    for relative in SYSTEM_LOCATIONS:
        path = root / relative
        if path.is_file() and os.access(path, os.R_OK):
            source = dns_source_for(path)
            if source is not None:
                found.append(source)
    if live is not None:
        found.append(live)
    return found
