"""DNS lookups in a Chromium NetLog (``chrome://net-export``, ``--log-net-log``): JSON.

Facts this reader relies on (Chromium ``net/log/net_log_event_type_list.h``,
``net/dns/host_resolver_manager*.cc``, ``net/dns/host_cache.cc``,
``net/log/file_net_log_observer.cc``):
- The file is ``{"constants": {...}, "events": [...], "polledData": {...}}``, written in that
  order; the events one a line, as they happen. A browser that crashes (or a copy taken while it
  writes) leaves no closing ``]}``, so the events are read one at a time and a cut-off last one
  is dropped.
- ``constants.logEventTypes`` maps event names to the numbers in ``events[].type`` (the numbers
  change between versions); ``constants.logEventPhase`` gives PHASE_BEGIN/END/NONE.
  ``events[].time`` is milliseconds, as a string, on a clock whose zero is
  ``constants.timeTickOffset`` milliseconds since 1970.
- HOST_RESOLVER_MANAGER_REQUEST begins with ``host`` (``https://name:443``, or ``name:443`` in
  older versions) and ``dns_query_type`` (a name such as ``"UNSPECIFIED"``, a number in older
  versions); it ends with ``net_error`` when it failed. HOST_RESOLVER_MANAGER_JOB_ATTACH in the
  request's source names the job (``source_dependency.id``). A request served from the cache logs
  HOST_RESOLVER_MANAGER_CACHE_HIT with ``results``.
- In the job's source, HOST_RESOLVER_DNS_TASK ends with ``results`` (a HostCache entry:
  ``ip_endpoints`` of ``{endpoint_address, endpoint_port}``, ``aliases``; older ``addresses``) or
  ``net_error``; HOST_RESOLVER_SYSTEM_TASK (getaddrinfo) ends with ``address_list``
  (``"192.0.2.1:0"``) or ``net_error``.
- ``net_error`` -105 (ERR_NAME_NOT_RESOLVED) is what Chromium reports for NXDOMAIN, and also for a
  name without addresses: it becomes NXDOMAIN here. -3 (ERR_ABORTED) and -803 (ERR_DNS_TIMED_OUT)
  become UNANSWERED; other errors FAILED. A request still open at the end of the file is
  UNANSWERED.
``dns_query_type`` UNSPECIFIED (addresses of either family) is recorded as ``"A/AAAA"``.
Requests for an IP literal are not lookups and are skipped.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from borderless.model import DnsLookup, LookupOutcome
from borderless.sources.errors import SourceError

CHUNK_CHARACTERS = 1 << 20
MAX_VALUE_CHARACTERS = 64 << 20  # a constants object or event larger than this is corrupt
MAX_JOBS_KEPT = 10_000  # finished jobs remembered for requests that attach to them late
ERR_ABORTED = -3
ERR_NAME_NOT_RESOLVED = -105
ERR_DNS_TIMED_OUT = -803
# Chromium's DnsQueryType enum, for versions that log it as a number.
QUERY_TYPES = {0: "A/AAAA", 1: "A", 2: "AAAA", 3: "TXT", 4: "PTR", 5: "SRV", 6: "HTTPS"}
REQUEST = "HOST_RESOLVER_MANAGER_REQUEST"
CACHE_HIT = "HOST_RESOLVER_MANAGER_CACHE_HIT"
HOSTS_HIT = "HOST_RESOLVER_MANAGER_HOSTS_HIT"
JOB_ATTACH = "HOST_RESOLVER_MANAGER_JOB_ATTACH"
JOB_REQUEST_ATTACH = "HOST_RESOLVER_MANAGER_JOB_REQUEST_ATTACH"
RESULT_EVENTS = frozenset(
    {"HOST_RESOLVER_DNS_TASK", "HOST_RESOLVER_SYSTEM_TASK", "HOST_RESOLVER_MANAGER_JOB"}
)


@dataclass(slots=True)
class _Result:
    addresses: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    net_error: int | None = None


@dataclass(slots=True)
class _Request:
    time_us: int
    name: str
    record_type: str
    job: int | None = None
    result: _Result | None = None
    cached: bool = False


class _JsonStream:
    """JSON values read one at a time from a text stream, for files too big (or too broken) to
    load whole."""

    def __init__(self, path: Path, stream: TextIO):
        self.path = path
        self.stream = stream
        self.text = ""
        self.position = 0
        self.ended = False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        if self.ended:
            return False
        chunk = self.stream.read(CHUNK_CHARACTERS)
        if not chunk:
            self.ended = True
            return False
        self.text = self.text[self.position :] + chunk
        self.position = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space, or "" at the end."""
        while True:
            while self.position < len(self.text) and self.text[self.position].isspace():
                self.position += 1
            if self.position < len(self.text):
                return self.text[self.position]
            if not self._more():
                return ""

    def expect(self, character: str) -> bool:
        if self.peek() != character:
            return False
        self.position += 1
        return True

    def value(self) -> Any | None:
        """The next JSON value, or None when the file ends (or breaks) before it is whole."""
        if not self.peek():
            return None
        while True:
            try:
                value, end = self.decoder.raw_decode(self.text, self.position)
            except json.JSONDecodeError:
                if len(self.text) - self.position > MAX_VALUE_CHARACTERS or not self._more():
                    return None
                continue
            # A number at the end of the buffer may go on in the next chunk.
            if end == len(self.text) and not isinstance(value, dict | list | str):
                if self._more():
                    continue
            self.position = end
            return value


def read_netlog(path: Path) -> Iterator[DnsLookup]:
    """The host lookups in a Chromium NetLog file, as each request ends.

    Raises:
        SourceError: the file cannot be read, or is not a NetLog (no constants before events).
    """
    try:
        stream = path.open(encoding="utf-8", errors="replace")
    except OSError as error:
        raise SourceError(f"{path}: cannot be opened: {error.strerror or error}") from error
    with stream:
        try:
            yield from _read(path, _JsonStream(path, stream))
        except OSError as error:
            raise SourceError(f"{path}: cannot be read: {error.strerror or error}") from error


def _read(path: Path, reader: _JsonStream) -> Iterator[DnsLookup]:
    not_netlog = SourceError(f"{path}: not a Chromium NetLog (no constants before the events)")
    if not reader.expect("{"):
        raise not_netlog
    constants: dict[str, Any] | None = None
    while True:
        key = reader.value()
        if not isinstance(key, str) or not reader.expect(":"):
            raise not_netlog
        if key == "events":
            break
        value = reader.value()
        if value is None:
            raise not_netlog
        if key == "constants" and isinstance(value, dict):
            constants = value
        if not reader.expect(","):
            raise not_netlog
    if constants is None or not reader.expect("["):
        raise not_netlog
    names = _event_names(constants)
    phases = constants.get("logEventPhase")
    phases = phases if isinstance(phases, dict) else {}
    begin = phases.get("PHASE_BEGIN", 1)
    end = phases.get("PHASE_END", 2)
    try:
        offset_ms = int(constants.get("timeTickOffset", 0))
    except (TypeError, ValueError):
        offset_ms = 0
    requests: dict[int, _Request] = {}
    jobs: dict[int, _Result] = {}
    while True:
        event = reader.value()
        if not isinstance(event, dict):
            break  # the end of the events, or a file cut short
        lookup = _handle(event, names, begin, end, offset_ms, requests, jobs)
        if lookup is not None:
            yield lookup
        if not reader.expect(","):
            break
    for request in sorted(requests.values(), key=lambda request: request.time_us):
        yield _lookup(request, None, LookupOutcome.UNANSWERED)


def _event_names(constants: dict[str, Any]) -> dict[int, str]:
    types = constants.get("logEventTypes")
    if not isinstance(types, dict):
        return {}
    return {number: name for name, number in types.items() if isinstance(number, int)}


def _handle(
    event: dict[str, Any],
    names: dict[int, str],
    begin: object,
    end: object,
    offset_ms: int,
    requests: dict[int, _Request],
    jobs: dict[int, _Result],
) -> DnsLookup | None:
    kind = event.get("type")
    name = names.get(kind) if isinstance(kind, int) else None
    if name is None:
        return None
    source = event.get("source")
    source_id = source.get("id") if isinstance(source, dict) else None
    if not isinstance(source_id, int):
        return None
    params = event.get("params")
    params = params if isinstance(params, dict) else {}
    phase = event.get("phase")
    if name == REQUEST and phase == begin:
        host = _host_name(params.get("host"))
        if host is None:
            return None
        try:
            time_us = (int(event.get("time", 0)) + offset_ms) * 1000
        except (TypeError, ValueError):
            return None
        requests[source_id] = _Request(time_us, host, _record_type(params.get("dns_query_type")))
        return None
    if name == REQUEST and phase == end:
        request = requests.pop(source_id, None)
        if request is None:
            return None
        result = request.result or (jobs.get(request.job) if request.job is not None else None)
        net_error = params.get("net_error")
        if isinstance(net_error, int) and net_error != 0:
            result = _Result(net_error=net_error)
        return _lookup(request, result, None)
    if name in (CACHE_HIT, HOSTS_HIT) and source_id in requests:
        requests[source_id].result = _result(params.get("results"))
        requests[source_id].cached = name == CACHE_HIT
        return None
    dependency = params.get("source_dependency")
    dependency_id = dependency.get("id") if isinstance(dependency, dict) else None
    if name == JOB_ATTACH and source_id in requests and isinstance(dependency_id, int):
        requests[source_id].job = dependency_id
    elif name == JOB_REQUEST_ATTACH and isinstance(dependency_id, int):
        if dependency_id in requests:
            requests[dependency_id].job = source_id
    elif name in RESULT_EVENTS and phase == end:
        result = _result(params.get("results"), params)
        if result is not None and (result.addresses or result.net_error or source_id not in jobs):
            jobs[source_id] = result
            while len(jobs) > MAX_JOBS_KEPT:
                del jobs[next(iter(jobs))]
    return None


def _result(results: object, params: dict[str, Any] | None = None) -> _Result | None:
    """Addresses and aliases from a HostCache entry, or from a system task's address list."""
    result = _Result()
    found = False
    for source in (results, params):
        if not isinstance(source, dict):
            continue
        for endpoint in _list(source.get("ip_endpoints")):
            address = endpoint.get("endpoint_address") if isinstance(endpoint, dict) else None
            if isinstance(address, str):
                result.addresses.append(address)
                found = True
        for text in _list(source.get("addresses")) + _list(source.get("address_list")):
            if isinstance(text, str):
                result.addresses.append(_without_port(text))
                found = True
        for alias in _list(source.get("aliases")):
            if isinstance(alias, str):
                result.aliases.append(alias.rstrip(".").lower())
        net_error = source.get("net_error")
        if isinstance(net_error, int) and net_error != 0:
            result.net_error = net_error
            found = True
        found = found or "ip_endpoints" in source
    return result if found else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _without_port(text: str) -> str:
    """``192.0.2.1:0`` or ``[2001:db8::1]:0`` -> the address alone."""
    if text.startswith("["):
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text


def _host_name(value: object) -> str | None:
    """The name in ``https://name:443`` or ``name:443``; None for an IP literal or no name."""
    if not isinstance(value, str) or not value:
        return None
    text = value.split("://", 1)[-1].split("/", 1)[0]
    if text.startswith("["):
        return None  # an IPv6 literal
    text = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    text = text.rstrip(".").lower()
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text or None
    return None


def _record_type(value: object) -> str:
    if isinstance(value, int):
        return QUERY_TYPES.get(value, str(value))
    if isinstance(value, str) and value:
        return "A/AAAA" if value.upper() == "UNSPECIFIED" else value.upper()
    return "A/AAAA"


def _lookup(request: _Request, result: _Result | None, outcome: LookupOutcome | None) -> DnsLookup:
    addresses: tuple[str, ...] = ()
    chain: tuple[str, ...] = ()
    if outcome is None:
        if result is None:
            outcome = LookupOutcome.ANSWERED  # succeeded, but the file says nothing of the answer
        elif result.net_error == ERR_NAME_NOT_RESOLVED:
            outcome = LookupOutcome.NXDOMAIN
        elif result.net_error in (ERR_ABORTED, ERR_DNS_TIMED_OUT):
            outcome = LookupOutcome.UNANSWERED
        elif result.net_error is not None:
            outcome = LookupOutcome.FAILED
        else:
            addresses = tuple(dict.fromkeys(result.addresses))
            chain = tuple(alias for alias in dict.fromkeys(result.aliases) if alias != request.name)
            address_query = request.record_type in ("A", "AAAA", "A/AAAA")
            outcome = (
                LookupOutcome.NO_DATA
                if address_query and not addresses and not chain
                else LookupOutcome.ANSWERED
            )
    return DnsLookup(
        time_us=request.time_us,
        name=request.name,
        record_type=request.record_type,
        outcome=outcome,
        addresses=addresses,
        cname_chain=chain,
        cached=request.cached,
    )
