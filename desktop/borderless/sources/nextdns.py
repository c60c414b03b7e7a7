"""DNS lookups in a NextDNS log export (CSV, from the dashboard's Logs page, "Download").

Facts this reader relies on (the export's header line as NextDNS writes it, and the field names
of the NextDNS API's ``/profiles/:id/logs``; not verified here against a fresh export, but the
same sixteen columns, in this order, are what an independent viewer of NextDNS's CSV exports
reads: marceldupr/nextdns-report-viewer, ``types/dns-log.ts``, checked 2026-11-26):
- The header is ``timestamp,domain,query_type,dnssec,protocol,client_ip,status,reasons,
  destination_country,root_domain,device_id,device_name,device_model,device_local_ip,
  matched_name,client_name``. Only ``timestamp`` and ``domain`` are required here; the others are
  used when present, so an older or newer export with columns added or dropped still reads.
- ``timestamp`` is ISO 8601 in UTC (``2026-03-01T10:00:00.123Z``); seconds since 1970 are accepted
  too. ``status`` is ``default`` (resolved), ``blocked``, ``allowed`` (resolved, matched an
  allowlist) or ``error``. The export records no answer, so a resolved name is ANSWERED without
  addresses.
- ``client_ip`` is the address NextDNS saw (often the network's public address);
  ``device_local_ip`` is the device's own, when a NextDNS app or router reports it.
A row that cannot be read is skipped and counted (``Skipped``), never fatal.
"""

from __future__ import annotations

import csv
import datetime
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.errors import SourceError

REQUIRED_COLUMNS = ("timestamp", "domain")
STATUS_OUTCOMES = {
    "default": LookupOutcome.ANSWERED,
    "allowed": LookupOutcome.ANSWERED,
    "blocked": LookupOutcome.BLOCKED,
    "error": LookupOutcome.FAILED,
}


@dataclass(slots=True)
class Skipped:
    """Rows of an export that could not be read: how many, and the first reason, for a person."""

    rows: int = 0
    first_reason: str | None = None

    def add(self, reason: str) -> None:
        self.rows += 1
        if self.first_reason is None:
            self.first_reason = reason


def read_nextdns(path: Path, *, skipped: Skipped | None = None) -> Iterator[DnsLookup]:
    """The lookups in a NextDNS CSV log export, in file order.

    Args:
        path: the CSV file.
        skipped: counts the rows that could not be read, when given.

    Raises:
        SourceError: the file cannot be read, or its header is not a NextDNS export's.
    """
    skipped = skipped if skipped is not None else Skipped()
    try:
        stream = path.open(encoding="utf-8-sig", errors="replace", newline="")
    except OSError as error:
        raise SourceError(f"{path}: cannot be opened: {error.strerror or error}") from error
    with stream:
        try:
            rows = csv.reader(stream)
            header = _next_row(rows, skipped)
            if header is None:
                raise SourceError(f"{path}: the file is empty")
            columns = {name.strip().lower(): index for index, name in enumerate(header)}
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                raise SourceError(
                    f"{path}: not a NextDNS log export (no column {', '.join(missing)})"
                )
            line = 1
            while True:
                row = _next_row(rows, skipped)
                line += 1
                if row is None:
                    return
                if not row or row == [""]:
                    continue
                try:
                    yield _lookup(row, columns)
                except ValueError as error:
                    skipped.add(f"line {line}: {error}")
        except OSError as error:
            raise SourceError(f"{path}: cannot be read: {error.strerror or error}") from error


def _next_row(rows: Iterator[list[str]], skipped: Skipped) -> list[str] | None:
    """The next row, skipping (and counting) lines the csv module rejects."""
    for _attempt in range(1000):
        try:
            return next(rows)
        except StopIteration:
            return None
        except csv.Error as error:
            skipped.add(str(error))
    return None  # a thousand unreadable lines in a row: not worth reading further


def _lookup(row: list[str], columns: dict[str, int]) -> DnsLookup:
    def field(name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    name = field("domain").rstrip(".").lower()
    if not name:
        raise ValueError("no domain")
    status = field("status").lower() or "default"
    outcome = STATUS_OUTCOMES.get(status)
    if outcome is None:
        raise ValueError(f"unknown status {status!r}")
    return DnsLookup(
        time_us=parse_time_us(field("timestamp")),
        name=name,
        record_type=field("query_type").upper() or "A",
        outcome=outcome,
        client=field("device_local_ip") or field("client_ip") or None,
    )


def parse_time_us(text: str) -> int:
    """Microseconds since 1970 from ISO 8601 (UTC if no offset) or from seconds since 1970."""
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds) or abs(seconds) > 1e11:
            raise ValueError(f"time out of range: {text!r}")
        return round(seconds * 1_000_000)
    # Python 3.11's fromisoformat reads "Z" and fractions of any length up to microseconds.
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    delta = moment - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
