"""DNS lookups from the operating systems' own DNS caches: Windows' DNS Client, systemd-resolved
and macOS's mDNSResponder, each read from a saved file or live by running its command.

A cache holds answers, not questions: each name in it was looked up recently (within its TTL), by
some program on this computer, and the answer came from the network. So every lookup read here is
``cached`` and answered (or negatively cached). A cache says nothing about *when* the lookup
happened: the time given to its lookups is the moment the cache was seen, rounded down to the
hour (the saved file's modification time, or the time of the live reading). Two scans within the
same hour then add nothing twice (the store keeps one lookup per source, time, host and type),
and a name still cached an hour later counts as seen again. macOS's log carries the time of its
dump on every line, which is used where it is there.

Format facts:

- Windows: ``Get-DnsClientCache | ConvertTo-Json`` (Microsoft's ``MSFT_DNSClientCache`` CIM
  class). ``Entry`` is the name looked up, ``Name`` (alias ``RecordName``) the record's owner (a
  CNAME's target, further down a chain), ``Type`` (alias ``RecordType``) the record type as a
  number (1 A, 5 CNAME, 28 AAAA...) or a word, ``Status`` 0 for success, 9003 for a cached
  NXDOMAIN and 9701 for "no records" (NODATA), ``Section`` 1 Answer, 2 Authority, 3 Additional,
  and ``Data`` the address or name as text. ConvertTo-Json prints one object, not an array, for a
  single entry and nothing at all for an empty cache. Windows PowerShell 5.1's ``>`` writes
  UTF-16 LE with a byte order mark, PowerShell 7 UTF-8 (perhaps with one). ``ipconfig
  /displaydns`` is not read: its labels are translated into the system's language.
- systemd-resolved (254 and later): ``resolvectl show-cache`` (``dump_cache_scope()`` and
  ``dump_cache_item()`` in systemd's ``src/resolve/resolvectl.c``). Per scope a header line
  ``Scope protocol=dns ifindex=2 ifname=enp0s3 ...``, then ``No entries.`` or one record per line
  in ``dns_resource_record_to_string()``'s form (``name IN A 192.0.2.1``, ``name IN CNAME
  target``) or, for a negative entry, the key followed by ``NXDOMAIN``, ``NODATA`` or an rcode.
  Colours are ANSI escapes, stripped here.
- macOS: the state dump ``sudo killall -INFO mDNSResponder`` writes to the log, between ``----
  BEGIN STATE LOG ----`` and ``---- END STATE LOG ----`` (Apple's Technical Q&A QA1339). A cached
  record's line ends with its display string, ``name. TYPE rdata``, where the type word is
  ``Addr`` for A. Modern macOS hides the names as ``<private>`` unless private data is enabled
  in the unified log: that is reported, never passed over in silence.
"""

from __future__ import annotations

import codecs
import io
import ipaddress
import json
import os
import re
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.errors import SourceError, open_evidence

# The commands that show each cache, never run through a shell. None needs administrator rights
# except where a message says so; Borderless never runs sudo or pkexec itself.
WINDOWS_COMMAND = (
    "powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
    "[Console]::OutputEncoding=[Text.Encoding]::UTF8; Get-DnsClientCache | ConvertTo-Json -Depth 1",
)  # fmt: skip
RESOLVED_COMMAND = ("resolvectl", "--no-pager", "show-cache")
MACOS_COMMAND = (
    "log", "show", "--style", "syslog", "--info",
    "--predicate", 'process == "mDNSResponder"', "--last", "1h",
)  # fmt: skip
# How a live source is named in messages and in the store (which knows sources by their path).
WINDOWS_LIVE_NAME = "Get-DnsClientCache"
RESOLVED_LIVE_NAME = "resolvectl show-cache"
MACOS_LIVE_NAME = "log show (mDNSResponder)"

# What to tell a person who must save the cache themselves, with administrator rights.
RESOLVED_SAVE_STEP = "sudo resolvectl show-cache > dns-cache.txt"
MACOS_DUMP_STEP = "sudo killall -INFO mDNSResponder"
MACOS_SAVE_STEP = (
    "log show --style syslog --info --predicate 'process == \"mDNSResponder\"' --last 1h > mdns.log"
)
WINDOWS_SAVE_STEP = "Get-DnsClientCache | ConvertTo-Json > dns-cache.json"

# A command that has not answered by then is killed: a scan must not hang on it.
COMMAND_TIMEOUT_S = 10.0
# The clock a live reading is stamped with (tests set it).
clock = time.time

_MAX_JSON_BYTES = 64 * 1024 * 1024  # a cache of tens of thousands of entries is a few megabytes
_MAX_LINE = 16 * 1024  # longer lines are passed over: no cache line comes near it
_MAX_CHAIN = 16
_MAX_ADDRESSES = 64  # per lookup
_MAX_TYPES_PER_NAME = 16  # keeps one name shared by many CNAMEs from multiplying the lookups
_MAX_NAME = 1024
_HOUR_S = 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# Shared: text, time, names -----------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Bytes as text, the encoding told by a byte order mark (UTF-16 from Windows PowerShell
    5.1's ``>``), else UTF-8; undecodable bytes become U+FFFD."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")  # the mark gives the byte order
    return data.decode("utf-8", errors="replace")


def _hour_us(seconds: float) -> int:
    """A moment in seconds since 1970, rounded down to the hour, in microseconds."""
    return int(seconds // _HOUR_S) * _HOUR_S * 1_000_000


def _to_us(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _name(text: object) -> str | None:
    """A DNS name as the model keeps it (lower case, no final dot), or None when it is not one."""
    if not isinstance(text, str):
        return None
    name = text.strip().rstrip(".").lower()
    if not name or len(name) > _MAX_NAME or any(c.isspace() or c in "<>\"'" for c in name):
        return None
    return name


def _address(text: str, record_type: str) -> str | None:
    """An A or AAAA record's address in canonical form, or None when the text is not one."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if (record_type == "A") != (address.version == 4):
        return None
    return str(address)


def _bounded_lines(stream: TextIO) -> Iterator[str]:
    """The lines of a text stream without their line breaks; an overlong line is passed over,
    so no line is ever held whole however long it is."""
    too_long = False
    while piece := stream.readline(_MAX_LINE + 1):
        ends = piece.endswith("\n")
        if too_long or (not ends and len(piece) > _MAX_LINE):
            too_long = not ends
            continue
        yield piece.rstrip("\r\n")


def _open_text(path: Path, what: str) -> tuple[TextIO, float]:
    """A saved file as text (its encoding told by a byte order mark) and its modification time.

    Raises:
        SourceError: it is missing, a folder or unreadable.
    """
    handle = open_evidence(path, what)
    try:
        modified = os.fstat(handle.fileno()).st_mtime
        head = handle.read(4)
        handle.seek(0)
    except OSError as error:
        handle.close()
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    return io.TextIOWrapper(handle, encoding=encoding, errors="replace"), modified


def _read_lines(path: Path, what: str) -> tuple[list[str], float]:
    """A saved file's lines (overlong ones passed over) and its modification time."""
    stream, modified = _open_text(path, what)
    with stream:
        try:
            return list(_bounded_lines(stream)), modified
        except OSError as error:
            raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error


# Grouping cached records into lookups -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CachedRecord:
    """One record (or negative entry) as a cache keeps it, under its own owner name."""

    owner: str
    record_type: str  # "A", "AAAA", "CNAME", or another type's name
    data: str | None = None  # the address or the alias's target; None for a negative entry
    outcome: LookupOutcome = LookupOutcome.ANSWERED
    time_us: int = 0


@dataclass(slots=True)
class _Answer:
    time_us: int
    answered: bool = False
    outcome: LookupOutcome | None = None  # of a negative entry
    addresses: dict[str, None] = field(default_factory=dict)  # ordered, without repeats

    def add(self, record: CachedRecord) -> None:
        if record.outcome is LookupOutcome.ANSWERED:
            self.answered = True
            if record.data is not None and len(self.addresses) < _MAX_ADDRESSES:
                self.addresses[record.data] = None
        elif self.outcome is None:
            self.outcome = record.outcome

    def lookup(self, name: str, record_type: str, chain: tuple[str, ...]) -> DnsLookup:
        outcome = LookupOutcome.ANSWERED if self.answered else self.outcome
        return DnsLookup(
            time_us=self.time_us,
            name=name,
            record_type=record_type,
            outcome=outcome or LookupOutcome.ANSWERED,
            addresses=tuple(self.addresses) if self.answered else (),
            cname_chain=chain,
            cached=True,
        )


def lookups_from_records(records: Sequence[CachedRecord]) -> list[DnsLookup]:
    """One lookup per name asked and record type, CNAME chains followed to their answers.

    A cache keeps every record under its own owner name, so an alias's addresses are kept under
    the end of its chain. An answer whose owner is the target of a cached CNAME is credited to the
    name that started the chain: that is the name a program asked for. A chain that leads to no
    cached answer is a lookup of type CNAME.
    """
    targets: dict[str, str] = {}
    alias_times: dict[str, int] = {}
    for record in records:
        if record.record_type == "CNAME" and record.data is not None:
            targets.setdefault(record.owner, record.data)
            alias_times.setdefault(record.owner, record.time_us)
    aliased = set(targets.values())
    chains: dict[str, tuple[str, ...]] = {}
    for start in targets:
        if start in aliased:
            continue  # the middle of someone's chain, not a name asked for
        steps: list[str] = []
        seen = {start}
        current = start
        while current in targets and len(steps) < _MAX_CHAIN:
            current = targets[current]
            if current in seen:
                break  # a loop
            seen.add(current)
            steps.append(current)
        chains[start] = tuple(steps)
    # The names whose chains end at each name.
    askers: dict[str, list[str]] = {}
    for start, chain in chains.items():
        if chain:
            askers.setdefault(chain[-1], []).append(start)

    answers: dict[tuple[str, str], _Answer] = {}
    types_per_owner: dict[str, int] = {}
    for record in records:
        if record.record_type == "CNAME" and (record.data is not None or record.owner in targets):
            continue
        key = (record.owner, record.record_type)
        answer = answers.get(key)
        if answer is None:
            if types_per_owner.get(record.owner, 0) >= _MAX_TYPES_PER_NAME:
                continue
            types_per_owner[record.owner] = types_per_owner.get(record.owner, 0) + 1
            answer = answers[key] = _Answer(record.time_us)
        answer.add(record)

    lookups: list[DnsLookup] = []
    credited: set[str] = set()
    for (owner, record_type), answer in answers.items():
        for name in askers.get(owner, [owner]):
            credited.add(name)
            lookups.append(answer.lookup(name, record_type, chains.get(name, ())))
    for start, chain in chains.items():
        if start not in credited:
            lookups.append(
                DnsLookup(alias_times[start], start, "CNAME", LookupOutcome.ANSWERED,
                          cname_chain=chain, cached=True)
            )  # fmt: skip
    return lookups


# Running commands -------------------------------------------------------------------------------


def run_command(argv: Sequence[str]) -> tuple[int, str, str]:
    """Run a program without a shell; its exit status, output and error output as text.

    Tests replace this function to play a command's part.

    Raises:
        FileNotFoundError: there is no such program.
        subprocess.TimeoutExpired: it ran longer than COMMAND_TIMEOUT_S (it is killed).
        OSError: it could not be started.
    """
    environment = dict(os.environ)
    # Plain output: no colours, no pager, and error messages in the English the readers know.
    environment.update({"SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": "", "LC_MESSAGES": "C"})
    completed = subprocess.run(
        list(argv),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
        env=environment,
        # A console window must not flash up over the app on Windows (0 elsewhere).
        creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
    )
    return completed.returncode, decode_text(completed.stdout), decode_text(completed.stderr)


def _run(argv: Sequence[str], label: str) -> tuple[int, str, str]:
    """`run_command`, with the ways a command fails to run told as a SourceError."""
    program = argv[0]
    try:
        return run_command(argv)
    except FileNotFoundError as error:
        raise SourceError(f"{label}: {program} was not found on this computer") from error
    except subprocess.TimeoutExpired as error:
        raise SourceError(
            f"{label}: {program} gave no answer within {COMMAND_TIMEOUT_S:g} seconds"
        ) from error
    except OSError as error:
        raise SourceError(
            f"{label}: {program} could not be started ({error.strerror or error})"
        ) from error


_PERMISSION_WORDS = (
    "permission denied",
    "access denied",
    "access is denied",
    "operation not permitted",
    "interactive authentication required",
    "not authorized",
    "must be admin",
)


def _is_permission_problem(text: str) -> bool:
    lowered = text.lower()
    return any(words in lowered for words in _PERMISSION_WORDS)


def _first_line(text: str) -> str:
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[:300] or "no message"


# Windows ----------------------------------------------------------------------------------------

_WINDOWS_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
                  28: "AAAA", 33: "SRV", 64: "SVCB", 65: "HTTPS", 255: "ANY"}  # fmt: skip
# Win32 DNS status codes of a negatively cached entry.
_WINDOWS_NEGATIVE = {
    9003: LookupOutcome.NXDOMAIN,  # DNS_ERROR_RCODE_NAME_ERROR, "NotExist"
    9701: LookupOutcome.NO_DATA,  # DNS_ERROR_RECORD_DOES_NOT_EXIST, "NoRecords"
    9501: LookupOutcome.NO_DATA,  # DNS_INFO_NO_RECORDS
}
_WINDOWS_STATUS_WORDS = {"success": 0, "notexist": 9003, "norecords": 9701}
_TYPE_WORD = re.compile(r"[A-Z][A-Z0-9-]{0,15}")


def _windows_type(value: object) -> str | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 < value < 65536:
            return _WINDOWS_TYPES.get(value, f"TYPE{value}")
        return None
    if isinstance(value, str) and _TYPE_WORD.fullmatch(value.strip().upper()):
        return value.strip().upper()
    return None


def _windows_status(value: object) -> int | None:
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        return int(text) if text.isdigit() else _WINDOWS_STATUS_WORDS.get(text)
    return None


def _is_answer_section(value: object) -> bool:
    if value is None:
        return True  # no section given: an answer, as nearly every cached record is
    if isinstance(value, int) and not isinstance(value, bool):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in ("1", "answer")


def _first_present(item: dict[str, object], *keys: str) -> object:
    return next((item[key] for key in keys if item.get(key) is not None), None)


def _windows_record(item: object, time_us: int) -> tuple[str, CachedRecord | None] | None:
    """One cache entry as (the name looked up, its answer record or None when it holds no
    answer to that name), or None when it is not a cache entry at all."""
    if not isinstance(item, dict):
        return None
    entry = _name(_first_present(item, "Entry", "Name", "RecordName"))
    owner = _name(_first_present(item, "Name", "RecordName", "Entry"))
    record_type = _windows_type(_first_present(item, "Type", "RecordType"))
    status = _windows_status(item.get("Status"))
    if entry is None or owner is None or record_type is None or status is None:
        return None
    if status != 0:
        outcome = _WINDOWS_NEGATIVE.get(status, LookupOutcome.FAILED)
        return entry, CachedRecord(entry, record_type, None, outcome, time_us)
    if not _is_answer_section(item.get("Section")):
        return entry, None  # an authority or additional record: not what was asked
    data = item.get("Data")
    text = data if isinstance(data, str) else None
    if record_type in ("A", "AAAA"):
        text = None if text is None else _address(text, record_type)
        if text is None:
            return entry, None
    elif record_type == "CNAME":
        text = _name(text)
        if text is None:
            return entry, None
    else:
        text = None  # that the type was answered is what counts; its data is no address
    return entry, CachedRecord(owner, record_type, text, LookupOutcome.ANSWERED, time_us)


def parse_windows_cache(text: str, time_us: int) -> list[DnsLookup]:
    """The lookups in the JSON of ``Get-DnsClientCache | ConvertTo-Json``.

    Records are grouped by ``Entry``: its CNAME records, in order, are the chain of each of its
    lookups, and there is one lookup per record type asked (A, AAAA, a negative entry's type...).
    Authority and additional records are not answers to the entry and are left out.

    Args:
        text: the JSON (empty for an empty cache: ConvertTo-Json then prints nothing).
        time_us: the time every lookup is given (when the cache was seen).

    Raises:
        SourceError: the text is not that JSON.
    """
    text = text.lstrip("\ufeff").strip()
    if not text:
        return []
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise SourceError("not the JSON that Get-DnsClientCache | ConvertTo-Json prints") from error
    items = document if isinstance(document, list) else [document]
    per_entry: dict[str, list[CachedRecord]] = {}
    recognised = 0
    for item in items:
        found = _windows_record(item, time_us)
        if found is None:
            continue
        recognised += 1
        entry, record = found
        records = per_entry.setdefault(entry, [])
        if record is not None:
            records.append(record)
    if items and not recognised:
        raise SourceError("no DNS cache entries in this JSON (not Get-DnsClientCache's output)")
    lookups: list[DnsLookup] = []
    for entry, records in per_entry.items():
        chain = tuple(
            dict.fromkeys(r.data for r in records if r.record_type == "CNAME" and r.data)
        )[:_MAX_CHAIN]
        answers: dict[str, _Answer] = {}
        for record in records:
            if record.record_type == "CNAME":
                continue
            if record.record_type not in answers and len(answers) >= _MAX_TYPES_PER_NAME:
                continue
            answers.setdefault(record.record_type, _Answer(time_us)).add(record)
        for record_type, answer in answers.items():
            lookups.append(answer.lookup(entry, record_type, chain))
        if not answers and chain:
            lookups.append(DnsLookup(time_us, entry, "CNAME", LookupOutcome.ANSWERED,
                                     cname_chain=chain, cached=True))  # fmt: skip
    return lookups


def read_windows_cache(path: Path) -> Iterator[DnsLookup]:
    """The lookups in a saved ``Get-DnsClientCache | ConvertTo-Json``; their time is the file's
    modification time, rounded down to the hour (the cache keeps no lookup times).

    Raises:
        SourceError: the file is missing, unreadable or not that JSON.
    """
    handle = open_evidence(path, "a saved DNS cache")
    with handle:
        try:
            modified = os.fstat(handle.fileno()).st_mtime
            data = handle.read(_MAX_JSON_BYTES + 1)
        except OSError as error:
            raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from error
    if len(data) > _MAX_JSON_BYTES:
        raise SourceError(f"{path}: too large to be a saved DNS cache")
    try:
        lookups = parse_windows_cache(decode_text(data), _hour_us(modified))
    except SourceError as error:
        raise SourceError(f"{path}: {error}") from error
    yield from lookups


def live_windows_cache() -> Iterator[DnsLookup]:
    """The lookups in this Windows computer's DNS cache, read now (no administrator rights
    needed); their time is now, rounded down to the hour.

    Raises:
        SourceError: PowerShell is missing, failed or did not answer in time.
    """
    label = WINDOWS_LIVE_NAME
    status, output, errors = _run(WINDOWS_COMMAND, label)
    if status != 0:
        if _is_permission_problem(errors):
            raise SourceError(
                "permission needed: Windows would not show its DNS cache to this account. In a"
                f" PowerShell window opened as administrator, run `{WINDOWS_SAVE_STEP}`, then"
                " scan dns-cache.json"
            )
        raise SourceError(
            f"{label}: PowerShell could not read the DNS cache ({_first_line(errors)})"
        )
    try:
        lookups = parse_windows_cache(output, _hour_us(clock()))
    except SourceError as error:
        raise SourceError(f"{label}: {error}") from error
    yield from lookups


# systemd-resolved -------------------------------------------------------------------------------

# CSI sequences (colours, underline), OSC sequences (hyperlinks) and other two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_SCOPE = re.compile(r"Scope protocol=(?P<protocol>\S+)")
_RESOLVED_RECORD = re.compile(
    r"(?P<name>\S+) (?P<class>IN|CLASS\d+) (?P<type>[A-Z][A-Z0-9-]*):?(?: (?P<data>.*))?"
)
_RESOLVED_NEGATIVE = {"NXDOMAIN": LookupOutcome.NXDOMAIN, "NODATA": LookupOutcome.NO_DATA}
# Other negative entries name an rcode: the resolver failed to get an answer.
_RCODES = frozenset(
    {"SERVFAIL", "REFUSED", "FORMERR", "NOTIMP", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
     "NOTZONE", "BADVERS", "BADSIG", "BADKEY", "BADTIME", "BADMODE", "BADNAME", "BADALG",
     "BADTRUNC", "BADCOOKIE"}
)  # fmt: skip
# Records a resolver caches for itself (DNSSEC proofs, zone apexes), not answers to a program.
_RESOLVER_OWN_TYPES = frozenset({"RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "DS", "SOA"})


def _resolved_record(line: str, time_us: int) -> CachedRecord | None:
    match = _RESOLVED_RECORD.fullmatch(line)
    if match is None:
        return None
    owner = _name(match["name"])
    record_type = match["type"]
    data = (match["data"] or "").strip()
    if owner is None or record_type in _RESOLVER_OWN_TYPES:
        return None
    if data in _RESOLVED_NEGATIVE:
        return CachedRecord(owner, record_type, None, _RESOLVED_NEGATIVE[data], time_us)
    if data in _RCODES:
        return CachedRecord(owner, record_type, None, LookupOutcome.FAILED, time_us)
    if record_type in ("A", "AAAA"):
        address = _address(data, record_type)
        return (
            None if address is None else CachedRecord(owner, record_type, address, time_us=time_us)
        )
    if record_type == "CNAME":
        target = _name(data)
        return None if target is None else CachedRecord(owner, "CNAME", target, time_us=time_us)
    return CachedRecord(owner, record_type, None, time_us=time_us)


def parse_resolved_cache(lines: Iterable[str], time_us: int) -> list[DnsLookup]:
    """The lookups in the text of ``resolvectl show-cache``.

    Only ``protocol=dns`` scopes are read: LLMNR and mDNS answers come from this network's own
    machines, asked by multicast, and were never sent to a DNS server.

    Args:
        lines: the text's lines.
        time_us: the time every lookup is given (when the cache was seen).

    Raises:
        SourceError: there is text, but not a single scope header in it.
    """
    records: list[CachedRecord] = []
    in_dns_scope = False
    seen_scope = seen_text = False
    for raw in lines:
        if len(raw) > _MAX_LINE:
            continue
        line = _ANSI.sub("", raw).strip()
        if not line:
            continue
        seen_text = True
        scope = _SCOPE.match(line)
        if scope is not None:
            seen_scope = True
            in_dns_scope = scope["protocol"] == "dns"
            continue
        if in_dns_scope:
            record = _resolved_record(line, time_us)
            if record is not None:
                records.append(record)
    if seen_text and not seen_scope:
        raise SourceError("not the output of `resolvectl show-cache` (no Scope line)")
    return lookups_from_records(records)


def read_resolved_cache(path: Path) -> Iterator[DnsLookup]:
    """The lookups in a saved ``resolvectl show-cache``; their time is the file's modification
    time, rounded down to the hour (the cache keeps no lookup times).

    Raises:
        SourceError: the file is missing, unreadable or not that text.
    """
    lines, modified = _read_lines(path, "a saved DNS cache")
    try:
        lookups = parse_resolved_cache(lines, _hour_us(modified))
    except SourceError as error:
        raise SourceError(f"{path}: {error}") from error
    yield from lookups


def live_resolved_cache() -> Iterator[DnsLookup]:
    """The lookups in systemd-resolved's cache, read now; their time is now, rounded down to the
    hour. systemd-resolved shows its cache to administrators only: without the right, the error
    says how to save it with sudo (which Borderless never runs itself).

    Raises:
        SourceError: resolvectl is missing, too old, not allowed, or resolved is not running.
    """
    label = RESOLVED_LIVE_NAME
    status, output, errors = _run(RESOLVED_COMMAND, label)
    if status != 0:
        text = f"{errors}\n{output}"
        lowered = text.lower()
        if "unknown command verb" in lowered or "unknown operation" in lowered:
            raise SourceError(
                f"{label}: this systemd is too old to show its cache (254 or later needed)"
            )
        if _is_permission_problem(text):
            raise SourceError(
                "permission needed: systemd-resolved shows its DNS cache to administrators only."
                f" Save it with `{RESOLVED_SAVE_STEP}` and scan dns-cache.txt"
            )
        if any(
            words in lowered
            for words in ("connection refused", "no such file or directory", "not been booted")
        ):
            raise SourceError(f"{label}: systemd-resolved is not running")
        raise SourceError(f"{label}: resolvectl failed ({_first_line(text)})")
    try:
        lookups = parse_resolved_cache(_bounded_lines(io.StringIO(output)), _hour_us(clock()))
    except SourceError as error:
        raise SourceError(f"{label}: {error}") from error
    yield from lookups


# macOS ------------------------------------------------------------------------------------------

_DUMP_BEGIN = re.compile(r"-{4}\s*BEGIN STATE LOG\s*-{4}")
_DUMP_END = re.compile(r"-{4}\s*END STATE LOG\s*-{4}")
_CACHE_SUMMARY = re.compile(r"Cache currently contains \d+|Cache size \d+ entities")
_LOG_TIME = re.compile(
    r"(?P<date>\d{4}-\d\d-\d\d)[ T](?P<clock>\d\d:\d\d:\d\d(?:\.\d{1,9})?)"
    r"(?P<zone>Z|[+-]\d\d:?\d\d)?"
)
_HIDDEN = re.compile(r"<private>|<mask\.hash")
_MACOS_TYPES = {"Addr": "A", "AAAA": "AAAA", "CNAME": "CNAME"}
# Type words of mDNSResponder's record lines, to tell a hidden record from other hidden text.
_MACOS_TYPE_WORDS = frozenset(
    {"Addr", "AAAA", "CNAME", "PTR", "SRV", "TXT", "HTTPS", "SVCB", "SOA", "NS", "MX", "HINFO"}
)


def _log_time_us(line: str) -> int | None:
    """The time a ``log show`` (or rsyslog) line starts with, or None when it has none."""
    match = _LOG_TIME.match(line)
    if match is None:
        return None
    clock_text = re.sub(r"(\.\d{6})\d+", r"\1", match["clock"])
    zone = match["zone"] or ""
    try:
        moment = datetime.fromisoformat(f"{match['date']}T{clock_text}{zone}")
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # no zone written: this computer's
    return _to_us(moment)


def _macos_record(line: str, time_us: int) -> CachedRecord | None:
    """A dump line's record, from the display string ``name. TYPE rdata`` that ends it."""
    words = line.split()
    if len(words) < 3 or words[-2] not in _MACOS_TYPES or not words[-3].endswith("."):
        return None
    owner = _name(words[-3])
    if owner is None:
        return None
    record_type = _MACOS_TYPES[words[-2]]
    data = words[-1]
    if _HIDDEN.match(data):
        return CachedRecord(owner, record_type, None, time_us=time_us)  # the answer is hidden
    if record_type == "CNAME":
        target = _name(data)
        return None if target is None else CachedRecord(owner, "CNAME", target, time_us=time_us)
    address = _address(data, record_type)
    return None if address is None else CachedRecord(owner, record_type, address, time_us=time_us)


def _is_multicast_name(name: str) -> bool:
    # mDNS names are answered on the local network by multicast, never sent to a DNS server.
    return name == "local" or name.endswith(".local")


@dataclass(slots=True)
class _MacosDumps:
    """What the dumps in a macOS log held, dump by dump."""

    dumps: list[list[CachedRecord]] = field(default_factory=list)
    loose: list[CachedRecord] = field(default_factory=list)  # records seen outside any markers
    # Record lines, readable or not, and those whose name macOS hid, inside BEGIN/END markers
    # and outside them (what counts in a log without markers).
    dump_seen: int = 0
    dump_hidden: int = 0
    loose_seen: int = 0
    loose_hidden: int = 0
    marked: bool = False  # a BEGIN STATE LOG marker was seen
    summary: bool = False  # a "Cache currently contains" line was seen


def _scan_macos_log(lines: Iterable[str], fallback_time_us: int) -> _MacosDumps:
    found = _MacosDumps()
    current: list[CachedRecord] | None = None
    dump_time = fallback_time_us
    for line in lines:
        if len(line) > _MAX_LINE:
            continue
        line_time = _log_time_us(line)
        if _DUMP_BEGIN.search(line):
            found.marked = True
            current = []
            found.dumps.append(current)
            dump_time = fallback_time_us if line_time is None else line_time
            continue
        if _DUMP_END.search(line):
            current = None
            continue
        if _CACHE_SUMMARY.search(line):
            found.summary = True
        inside = current is not None
        if inside or line_time is None:
            record_time = dump_time if inside else fallback_time_us
        else:
            record_time = line_time
        record = _macos_record(line, record_time)
        hidden = record is None and bool(
            _HIDDEN.search(line) and _MACOS_TYPE_WORDS.intersection(line.split())
        )
        if record is not None or hidden:
            if inside:
                found.dump_seen += 1
                found.dump_hidden += hidden
            else:
                found.loose_seen += 1
                found.loose_hidden += hidden
        if record is None or _is_multicast_name(record.owner):
            continue
        (found.loose if current is None else current).append(record)
    return found


def _macos_lookups(found: _MacosDumps) -> list[DnsLookup]:
    """The lookups of the dumps found, or why there are none to read."""
    if found.marked:
        dumps, seen, hidden = found.dumps, found.dump_seen, found.dump_hidden
    elif found.summary:
        dumps, seen, hidden = [found.loose], found.loose_seen, found.loose_hidden
    else:
        raise SourceError(
            f"no mDNSResponder cache dump in this log: run `{MACOS_DUMP_STEP}`, then save"
            f" `{MACOS_SAVE_STEP}` and scan that file"
        )
    if hidden and seen == hidden:
        raise SourceError(
            f"macOS hid the names in its log (<private>): {seen} cached records seen, none"
            " readable. Enable private data in the unified log (a logging configuration"
            " profile) and dump the cache again"
        )
    return [lookup for dump in dumps for lookup in lookups_from_records(dump)]


def parse_macos_log(lines: Iterable[str], fallback_time_us: int) -> list[DnsLookup]:
    """The lookups in mDNSResponder's cache dumps in a log (``log show`` or ``system.log``).

    Each dump is read on its own, its lookups given the time of its BEGIN line (the time the
    cache was seen). Without BEGIN/END markers, a log that says "Cache currently contains N
    records" is read whole. Names under ``.local`` are left out (mDNS).

    Args:
        lines: the log's lines.
        fallback_time_us: the time for lookups whose lines carry none.

    Raises:
        SourceError: there is no dump in the log, or macOS hid every name in it.
    """
    return _macos_lookups(_scan_macos_log(lines, fallback_time_us))


def read_macos_cache(path: Path) -> Iterator[DnsLookup]:
    """The lookups in the mDNSResponder cache dumps of a saved log; lines without a time of
    their own are given the file's modification time, rounded down to the hour.

    Raises:
        SourceError: the file is missing or unreadable, holds no dump, or only hidden names.
    """
    lines, modified = _read_lines(path, "a saved log")
    try:
        lookups = parse_macos_log(lines, _hour_us(modified))
    except SourceError as error:
        raise SourceError(f"{path}: {error}") from error
    yield from lookups


def live_macos_cache() -> Iterator[DnsLookup]:
    """The lookups in the mDNSResponder cache dumps of the last hour's log, read now.

    Reading the log needs no administrator rights, but making mDNSResponder dump its cache does
    (``sudo killall -INFO mDNSResponder``): without a dump, the error says so. Borderless never
    runs sudo itself.

    Raises:
        SourceError: ``log`` failed, or the log holds no readable dump.
    """
    label = MACOS_LIVE_NAME
    status, output, errors = _run(MACOS_COMMAND, label)
    if status != 0:
        if _is_permission_problem(errors):
            raise SourceError(
                "permission needed: macOS would not show its log to this account. Save it with"
                f" `sudo {MACOS_SAVE_STEP}` and scan mdns.log"
            )
        raise SourceError(f"{label}: log show failed ({_first_line(errors)})")
    found = _scan_macos_log(_bounded_lines(io.StringIO(output)), _hour_us(clock()))
    if not found.marked and not found.summary:
        raise SourceError(
            "permission needed: macOS writes its DNS cache to the log only when an administrator"
            f" asks. Run `{MACOS_DUMP_STEP}` in Terminal, then scan again within the hour"
        )
    try:
        lookups = _macos_lookups(found)
    except SourceError as error:
        raise SourceError(f"{label}: {error}") from error
    yield from lookups
