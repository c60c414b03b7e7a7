"""DNS lookups from dnsmasq's ``log-queries`` log (also what Pi-hole writes to ``pihole.log``).

Format facts (dnsmasq 2.90, ``log_query()`` in ``src/cache.c``, checked against its source and
against Debian's dnsmasq run by ``tests/fixtures/dns/make_dns_logs.py``):

- Each line is a syslog line: ``Nov 25 23:31:32 dnsmasq[28150]: <message>``; through syslog a
  host name may precede ``dnsmasq``, and rsyslog's high-precision format puts an RFC 3339 time
  (with a year and an offset) first instead. Syslog's time has no year and is local time: the
  year is taken from the file's modification time, and a line that would then lie after the
  modification time belongs to the year before (a log that spans New Year).
- A plain message is ``<source> <name> <verb> <dest>``: ``query[A] name from 10.0.0.2``,
  ``forwarded name to 9.9.9.9``, ``reply name is 1.2.3.4``, ``cached name is ...``,
  ``config name is ...``, ``/etc/hosts name is ...``. ``dest`` is an address, ``<CNAME>`` (the
  next answer line is the alias's target), ``NXDOMAIN``, ``NODATA``, ``NODATA-IPv4``,
  ``NODATA-IPv6`` (older versions: ``NXDOMAIN-IPv4``...), an rcode (``SERVFAIL``, ``REFUSED``,
  ``not implemented``, logged under the name ``error``), or another record's text.
- With ``log-queries=extra`` every message starts ``<serial> <client>/<port> ``; the serial
  is the same for a query and all its answers, which pairs them exactly. Without it, answers are
  paired with the oldest waiting query for the same name (and a fitting record type).
- A query whose answer dnsmasq never logged (it merged a duplicate, or the log ends) is
  ``UNANSWERED``. Pi-hole's FTL adds sources such as ``gravity blocked`` or ``special domain``:
  those lookups are ``BLOCKED``, as are ``config`` answers of ``0.0.0.0`` or ``::`` (a sinkhole).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import BinaryIO

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.errors import SourceError, open_evidence

_MONTHS = {
    name: number
    for number, name in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
        start=1,
    )
}
_SYSLOG_LINE = re.compile(
    r"(?P<month>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<clock>\d\d:\d\d:\d\d)"
    r" (?:\S+ )?dnsmasq(?:\[\d+\])?: (?P<message>.*)"
)
_ISO_LINE = re.compile(
    r"(?P<stamp>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))"
    r" (?:\S+ )?dnsmasq(?:\[\d+\])?: (?P<message>.*)"
)
_EXTRA = re.compile(r"(?P<serial>\d+) (?:(?P<peer>\S+)/\d+ )?(?P<rest>.*)")
_QUERY = re.compile(r"query\[(?P<type>[^\]]*)\] (?P<name>\S+) from (?P<client>\S+)")
_ANSWER = re.compile(r"(?P<source>.+?) (?P<name>\S+) is (?P<dest>.+)")
# Sources of "is" lines that are not answers to a query.
_NOT_ANSWERS = ("validation", "ipset add", "nftset add", "auth")
_FAILURES = ("SERVFAIL", "REFUSED", "not implemented")
# Pi-hole FTL's own sources for a refusal (its dnsmasq fork logs these in place of "reply").
_BLOCKING_WORDS = ("blocked", "blacklisted", "denied", "special domain", "Rate-limiting")
_SINKHOLES = ("0.0.0.0", "::")
# A waiting query older than this, or behind this many newer ones, will get no answer any more.
_PATIENCE = timedelta(seconds=30)
_MAX_WAITING = 4096
_MAX_LINE = 64 * 1024


@dataclass
class _Pending:
    time: datetime
    name: str
    record_type: str
    client: str | None
    chain: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    outcome: LookupOutcome | None = None
    cached: bool = False
    after_cname: bool = False  # the last answer was "<CNAME>": the next names its target

    @property
    def current(self) -> str:
        return self.chain[-1] if self.chain else self.name

    def finish(self) -> DnsLookup:
        outcome = self.outcome
        if outcome is None:
            outcome = LookupOutcome.ANSWERED if self.chain else LookupOutcome.UNANSWERED
        return DnsLookup(
            time_us=_to_us(self.time),
            name=self.name,
            record_type=self.record_type,
            outcome=outcome,
            addresses=tuple(self.addresses),
            cname_chain=tuple(self.chain),
            client=self.client,
            cached=self.cached,
        )


@dataclass(frozen=True, slots=True)
class LogLine:
    """One dnsmasq log line, taken apart."""

    time: datetime
    serial: int | None  # with log-queries=extra
    message: str


def _to_us(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_line(line: str, modified: datetime, zone: tzinfo | None = None) -> LogLine | None:
    """Take a log line apart; None if it is not a dnsmasq line with a readable time.

    Args:
        line: one line of the log, without its line break.
        modified: when the file was last written (aware): the year of a syslog time is the one
            that puts it at or before this moment.
        zone: the zone of syslog times; None means this computer's.
    """
    iso = _ISO_LINE.fullmatch(line)
    if iso is not None:
        try:
            moment = datetime.fromisoformat(_six_digits(iso["stamp"]))
        except ValueError:
            return None
        message = iso["message"]
    else:
        match = _SYSLOG_LINE.fullmatch(line)
        if match is None or match["month"] not in _MONTHS:
            return None
        found = _syslog_time(match, modified, zone)
        if found is None:
            return None
        moment, message = found, match["message"]
    extra = _EXTRA.fullmatch(message)
    if extra is not None:
        return LogLine(moment, int(extra["serial"][:18]), extra["rest"])
    return LogLine(moment, None, message)


def _six_digits(stamp: str) -> str:
    """Python before 3.12 refuses more than six fractional digits; rsyslog may write more."""
    return re.sub(r"(\.\d{6})\d+", r"\1", stamp.replace("Z", "+00:00"))


def _syslog_time(match: re.Match[str], modified: datetime, zone: tzinfo | None) -> datetime | None:
    hour, minute, second = (int(part) for part in match["clock"].split(":"))
    month, day = _MONTHS[match["month"]], int(match["day"])
    local_modified = modified.astimezone(zone)
    # Some slack: the file's time and the lines' clock may differ a little.
    limit = modified + timedelta(days=1)
    for year in range(local_modified.year, local_modified.year - 5, -1):
        try:
            naive = datetime(year, month, day, hour, minute, second)
        except ValueError:  # 29 February of a common year, 31 April, 24:00...
            continue
        moment = naive.replace(tzinfo=zone) if zone is not None else naive.astimezone()
        if moment <= limit:
            return moment
    return None


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _fits(pending: _Pending, dest: str) -> bool:
    """Whether an answer could be one to this query's record type (for pairing by name)."""
    address = _address(dest)
    if address is not None:
        wanted = "A" if ":" not in address else "AAAA"
        return pending.record_type in (wanted, "ANY")
    if dest.endswith("-IPv4"):
        return pending.record_type == "A"
    if dest.endswith("-IPv6"):
        return pending.record_type == "AAAA"
    return True


def _attach(pending: _Pending, source: str, name: str, dest: str) -> None:
    if pending.after_cname and name != pending.current:
        pending.chain.append(name)
    pending.after_cname = False
    # The line that settled the answer says where it came from (a cached CNAME may be followed
    # by a forwarded target).
    pending.cached = source.startswith("cached")
    if any(word in source for word in _BLOCKING_WORDS) or (
        source == "config" and dest in _SINKHOLES
    ):
        pending.outcome = LookupOutcome.BLOCKED
        return
    if dest == "<CNAME>":
        pending.after_cname = True
        if name != pending.current and name not in pending.chain:
            pending.chain.append(name)
        return
    address = _address(dest)
    if address is not None:
        if address not in pending.addresses:
            pending.addresses.append(address)
        pending.outcome = LookupOutcome.ANSWERED
    elif dest.startswith("NXDOMAIN"):
        pending.outcome = LookupOutcome.NXDOMAIN
    elif dest.startswith("NODATA"):
        if pending.outcome is None:
            pending.outcome = LookupOutcome.NO_DATA
    elif dest.startswith(_FAILURES):
        pending.outcome = LookupOutcome.FAILED
    elif pending.outcome is None:
        pending.outcome = LookupOutcome.ANSWERED  # another record's text: an answer all the same


class _Pairing:
    """Queries waiting for their answers, handed out in the order they were asked."""

    def __init__(self) -> None:
        self.waiting: OrderedDict[object, _Pending] = OrderedDict()
        self.last: _Pending | None = None  # the lookup the previous answer line belonged to
        self.counter = 0

    def ask(self, line: LogLine, record_type: str, name: str, client: str) -> Iterator[DnsLookup]:
        key: object = ("serial", line.serial) if line.serial is not None else self.counter
        self.counter += 1
        if key in self.waiting:  # a serial reused (dnsmasq restarted): the old one is done
            yield self.waiting.pop(key).finish()
        self.waiting[key] = _Pending(line.time, name, record_type, client)
        yield from self.expire(line.time)

    def expire(self, now: datetime) -> Iterator[DnsLookup]:
        while self.waiting:
            oldest = next(iter(self.waiting.values()))
            if len(self.waiting) <= _MAX_WAITING and now - oldest.time <= _PATIENCE:
                break
            self.waiting.popitem(last=False)
            if oldest is self.last:
                self.last = None
            yield oldest.finish()

    def find(self, line: LogLine, name: str, dest: str) -> _Pending | None:
        if line.serial is not None:
            return self.waiting.get(("serial", line.serial))
        if dest.startswith(_FAILURES):
            # An rcode is logged under the name "error": it answers the newest waiting query.
            open_ones = [p for p in self.waiting.values() if p.outcome is None]
            return open_ones[-1] if open_ones else None
        last = self.last
        if last is not None and (last.after_cname or last.current == name):
            return last
        fresh = [p for p in self.waiting.values() if p.current == name and _fits(p, dest)]
        unanswered = [p for p in fresh if p.outcome is None]
        if unanswered:
            return unanswered[0]
        return fresh[-1] if fresh else None

    def drain(self) -> Iterator[DnsLookup]:
        for pending in self.waiting.values():
            yield pending.finish()
        self.waiting.clear()


def lookups_from_lines(
    lines: Iterator[str], modified: datetime, zone: tzinfo | None = None
) -> Iterator[DnsLookup]:
    """The lookups in a stream of log lines (the file-free core of `read_dnsmasq`)."""
    pairing = _Pairing()
    for text in lines:
        line = parse_line(text, modified, zone)
        if line is None:
            continue
        query = _QUERY.fullmatch(line.message)
        if query is not None:
            pairing.last = None
            name = query["name"].rstrip(".").lower() or "."
            record_type = query["type"].upper()
            yield from pairing.ask(line, record_type, name, query["client"])
            continue
        answer = _ANSWER.fullmatch(line.message)
        if answer is None or answer["source"].startswith(_NOT_ANSWERS):
            continue
        name = answer["name"].rstrip(".").lower() or "."
        dest = answer["dest"].strip()
        pending = pairing.find(line, name, dest)
        if pending is None:
            pairing.last = None
            continue
        _attach(pending, answer["source"], name, dest)
        pairing.last = pending
    yield from pairing.drain()


def _lines(path: Path, handle: BinaryIO) -> Iterator[str]:
    try:
        for raw in handle:
            # A line without an end is cut at a sane length rather than held whole.
            yield raw[:_MAX_LINE].decode("utf-8", errors="replace").rstrip("\r\n")
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error


def read_dnsmasq(
    path: Path, *, modified: datetime | None = None, zone: tzinfo | None = None
) -> Iterator[DnsLookup]:
    """Every query in a dnsmasq log, with what came back, in the order they were asked.

    Args:
        path: a log written with ``log-queries`` (plain or ``extra``).
        modified: the moment the log was last written, for the year of its lines; by default
            the file's modification time.
        zone: the time zone the log's clock ran in; by default this computer's.

    Raises:
        SourceError: the file is missing, a folder or unreadable.
    """
    handle = open_evidence(path, "a log file")
    with handle:
        if modified is None:
            modified = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, UTC)
        yield from lookups_from_lines(_lines(path, handle), modified, zone)
