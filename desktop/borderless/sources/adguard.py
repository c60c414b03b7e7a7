"""DNS lookups from AdGuard Home's query log, ``querylog.json``.

Format facts (AdGuard Home's source: ``internal/querylog/entry.go``, the ``logEntry`` struct,
and ``internal/querylog/decode.go``): one JSON object per line, with

- ``T``: the time, RFC 3339 with up to nine fractional digits (Go's ``time.Time``);
- ``QH`` host asked for, ``QT`` its type ("A", "AAAA", "HTTPS"...), ``QC`` class ("IN");
- ``IP``: the asking client's address; ``CID`` a client id (DoH/DoT/DoQ), ``CP`` the protocol;
- ``Answer``: the response AdGuard sent, as a DNS wire message in standard base64 (Go encodes
  ``[]byte`` that way), absent when none was sent; ``OrigAnswer`` the upstream's response when
  a filter rewrote it;
- ``Result``: ``filtering.Result``; ``IsFiltered`` true and ``Reason`` (a number: 3 block list,
  4 safe browsing, 5 parental control, 6 invalid, 7 safe search, 8 blocked service; 9-11
  rewrites; the newest source keeps 7 and 8 only as reserved numbers) say that a filter acted;
- ``Elapsed``: nanoseconds (Go's ``time.Duration``); ``Cached``: answered from the cache.

A filtered lookup is ``BLOCKED`` unless the filter rewrote it to an answer (safe search and
rewrites: the reason says so). Otherwise the wire answer decides: its rcode, and the CNAMEs
and A/AAAA records followed from the question name. A line that is not such an object, or whose
``Answer`` does not decode, is skipped and reported to the ``skipped`` callback.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.dnswire import answer_of, parse_message
from borderless.sources.errors import SourceError, open_evidence

# filtering.Reason values that mean "refused", not "rewritten to another answer".
BLOCKING_REASONS = frozenset({3, 4, 5, 6, 8})
_BLOCKING_REASON_NAMES = frozenset(
    {
        "FilteredBlackList",
        "FilteredBlockList",
        "FilteredSafeBrowsing",
        "FilteredParental",
        "FilteredInvalid",
        "FilteredBlockedService",
    }
)
_MAX_LINE = 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Skipped = Callable[[int, str], None]


class MalformedEntryError(ValueError):
    """A query-log line that cannot be read as an entry."""


def _time_us(text: object) -> int:
    if not isinstance(text, str):
        raise MalformedEntryError("no time")
    stamp = re.sub(r"(\.\d{6})\d+", r"\1", text.strip().replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError as error:
        raise MalformedEntryError("unreadable time") from error
    if moment.tzinfo is None:
        raise MalformedEntryError("time without a zone")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _is_blocked(result: object) -> bool:
    if not isinstance(result, dict) or result.get("IsFiltered") is not True:
        return False
    reason = result.get("Reason")
    if isinstance(reason, bool):
        return False
    if isinstance(reason, int):
        return reason in BLOCKING_REASONS
    return reason in _BLOCKING_REASON_NAMES


def _decode_answer(encoded: str) -> tuple[LookupOutcome, tuple[str, ...], tuple[str, ...]]:
    try:
        wire = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedEntryError("Answer is not base64") from error
    message = parse_message(wire)
    if message is None:
        raise MalformedEntryError("Answer is not a DNS message")
    return answer_of(message)


def parse_entry(line: str) -> DnsLookup | None:
    """One query-log line as a lookup; None for a blank line.

    Raises:
        MalformedEntryError: the line is not a query-log entry, or its answer cannot be decoded.
    """
    if not line.strip():
        return None
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise MalformedEntryError("not JSON") from error
    if not isinstance(entry, dict):
        raise MalformedEntryError("not a JSON object")
    host, kind, client = entry.get("QH"), entry.get("QT"), entry.get("IP")
    if not isinstance(host, str) or not host.strip(". ") or not isinstance(kind, str):
        raise MalformedEntryError("no question")
    time_us = _time_us(entry.get("T"))
    name = host.rstrip(".").lower()
    record_type = kind.upper()
    answer = entry.get("Answer")
    outcome: LookupOutcome
    addresses: tuple[str, ...]
    chain: tuple[str, ...]
    if _is_blocked(entry.get("Result")):
        outcome, addresses, chain = LookupOutcome.BLOCKED, (), ()
    elif isinstance(answer, str) and answer:
        outcome, addresses, chain = _decode_answer(answer)
    elif answer is None:
        outcome, addresses, chain = LookupOutcome.UNANSWERED, (), ()
    else:
        raise MalformedEntryError("Answer is not text")
    return DnsLookup(
        time_us=time_us,
        name=name,
        record_type=record_type,
        outcome=outcome,
        addresses=addresses,
        cname_chain=chain,
        client=client if isinstance(client, str) and client else None,
        cached=entry.get("Cached") is True,
    )


def read_adguard(path: Path, *, skipped: Skipped | None = None) -> Iterator[DnsLookup]:
    """Every lookup in an AdGuard Home query log, in the file's order.

    Args:
        path: ``querylog.json`` (or a rotated ``querylog.json.1``).
        skipped: called with the line number (from 1) and the reason for each line that is
            not a readable entry; such lines are passed over, not fatal.

    Raises:
        SourceError: the file is missing, a folder or unreadable.
    """
    handle = open_evidence(path, "a query log")
    with handle:
        number = 0
        try:
            for raw in handle:
                number += 1
                try:
                    if len(raw) > _MAX_LINE:
                        raise MalformedEntryError("line too long")
                    lookup = parse_entry(raw.decode("utf-8"))
                except (MalformedEntryError, UnicodeDecodeError) as error:
                    if skipped is not None:
                        skipped(
                            number,
                            str(error) if isinstance(error, MalformedEntryError) else "not UTF-8",
                        )
                    continue
                if lookup is not None:
                    yield lookup
        except OSError as error:
            raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error
