"""DNS lookups in a Chromium NetLog (``chrome://net-export``, ``--log-net-log``): JSON.

Facts this reader relies on (Chromium ``net/log/net_log_event_type_list.h``,
``net/dns/host_resolver_manager*.cc``, ``net/dns/host_cache.cc``,
``net/dns/host_resolver_internal_result.cc``, ``net/log/file_net_log_observer.cc``; checked
against a NetLog written by Chromium 156, tests/fixtures/netlog):
- The file is ``{"constants": {...}, "events": [...], "polledData": {...}}``, written in that
  order; the events one a line, as they happen. A browser that crashes (or a copy taken while it
  writes) leaves no closing ``]}``, so the events are read one at a time and a cut-off last one
  is dropped.
- ``constants.logEventTypes`` maps event names to the numbers in ``events[].type`` (the numbers
  change between versions); ``constants.logEventPhase`` gives PHASE_BEGIN/END/NONE;
  ``constants.dnsQueryType`` the numbers of query types (HTTPS is 7).
  ``events[].time`` is milliseconds, as a string, on a clock whose zero is
  ``constants.timeTickOffset`` milliseconds since 1970.
- A resolution Chromium makes (not from its cache) is a job, in a source of its own:
  HOST_RESOLVER_MANAGER_JOB begins with ``host`` (``http://name``, ``https://name:8080``, or a bare
  name in older versions) and ``dns_query_types`` (``["A", "AAAA", "HTTPS"]``; one
  ``dns_query_type`` in older versions) and ends with ``net_error`` when it failed. Within it
  HOST_RESOLVER_DNS_TASK (Chromium's own DNS client) ends with ``results``: in 156 a list of
  results, ``{"type": "data", "domain_name", "endpoints": [{"address", "port"}]}``,
  ``{"type": "alias", "domain_name", "alias_target"}`` (one CNAME, in no particular order) or
  ``{"type": "error", "error"}``; in older versions one HostCache entry (``ip_endpoints`` of
  ``{endpoint_address}``, ``aliases``; older still ``addresses``). A failed DNS task ends with
  ``failure_result`` (one error result) and the job may fall back to HOST_RESOLVER_SYSTEM_TASK
  (getaddrinfo), which ends with ``address_list`` (``"192.0.2.1:0"``) or ``net_error``.
- Whoever asks logs in its own source. A HOST_RESOLVER_MANAGER_REQUEST begins with ``host`` and
  ``dns_query_type`` (a name such as ``"UNSPECIFIED"``, a number in older versions) and ends with
  ``net_error`` when it failed; Chromium 156 logs it only for some callers (a prefetch, its own
  look in the cache after a connection), and one source may hold many in turn. Connections
  (TCP/SSL_CONNECT_JOB) log no request events: only the resolver events below, in their source.
  Either kind logs HOST_RESOLVER_MANAGER_JOB_ATTACH (``source_dependency.id``: the job; the job
  logs JOB_REQUEST_ATTACH back), or HOST_RESOLVER_MANAGER_CACHE_HIT (``results``, a HostCache
  entry, logged twice in 156) when the answer came from the cache. A cache entry's ``aliases``
  hold the name asked and its CNAME chain, sorted, not in the chain's order; ``canonical_names``
  its end.
- A request that only looks in the cache and finds nothing (in 156, Chromium's look after each
  new connection) ends with ``net_error`` -105 without a job or a cache hit: it asked no one.
- ``net_error`` -105 (ERR_NAME_NOT_RESOLVED) is what Chromium reports for NXDOMAIN, and also for a
  name without addresses: it becomes NXDOMAIN here. -3 (ERR_ABORTED) and -803 (ERR_DNS_TIMED_OUT)
  become UNANSWERED; other errors FAILED (a REFUSED answer is -819 from the DNS task, then -137
  ERR_NAME_RESOLUTION_FAILED from getaddrinfo). A request or job still open at the end of the
  file is UNANSWERED.

So the lookups here are: each job, once, however many asked for it (at the time the first of them
asked), and each answer from the cache (``cached``), one per asker; a connection's cache hit is
named after the head of its aliases (the one no CNAME in the file points to).
``dns_query_type`` UNSPECIFIED, or A and AAAA both asked, is recorded as ``"A/AAAA"``.
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
# Chromium's DnsQueryType enum (net/dns/public/dns_query_type.h), for versions that log it as a
# number without constants.dnsQueryType. 6 was ESNI, later INTEGRITY; both are gone.
QUERY_TYPES = {0: "A/AAAA", 1: "A", 2: "AAAA", 3: "TXT", 4: "PTR", 5: "SRV", 7: "HTTPS"}
REQUEST = "HOST_RESOLVER_MANAGER_REQUEST"
CACHE_HIT = "HOST_RESOLVER_MANAGER_CACHE_HIT"
HOSTS_HIT = "HOST_RESOLVER_MANAGER_HOSTS_HIT"
JOB_ATTACH = "HOST_RESOLVER_MANAGER_JOB_ATTACH"
JOB_REQUEST_ATTACH = "HOST_RESOLVER_MANAGER_JOB_REQUEST_ATTACH"
JOB = "HOST_RESOLVER_MANAGER_JOB"
RESULT_EVENTS = frozenset({"HOST_RESOLVER_DNS_TASK", "HOST_RESOLVER_SYSTEM_TASK", JOB})


@dataclass(slots=True)
class _Result:
    """What a task, a job or a cache hit says of an answer."""

    addresses: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # a cache entry's: the name and its chain
    canonical_names: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # CNAMEs: name -> target
    net_error: int | None = None


@dataclass(slots=True)
class _Request:
    time_us: int
    name: str
    record_type: str
    job: int | None = None
    result: _Result | None = None
    cached: bool = False


@dataclass(slots=True)
class _Job:
    """A resolution; its name and type from its own begin event, or from whoever asked first."""

    time_us: int | None = None
    name: str | None = None
    record_type: str | None = None
    result: _Result | None = None
    began: bool = False  # its begin event was seen: it will log its end too
    ended: bool = False
    reported: bool = False  # its lookup has been yielded


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
    events = _Events(constants)
    while True:
        event = reader.value()
        if not isinstance(event, dict):
            break  # the end of the events, or a file cut short
        yield from events.handle(event)
        if not reader.expect(","):
            break
    yield from events.unfinished()


class _Events:
    """The state of the resolver between events: open requests, jobs, CNAMEs seen so far."""

    def __init__(self, constants: dict[str, Any]):
        self.names = _event_names(constants)
        phases = constants.get("logEventPhase")
        phases = phases if isinstance(phases, dict) else {}
        self.begin = phases.get("PHASE_BEGIN", 1)
        self.end = phases.get("PHASE_END", 2)
        try:
            self.offset_ms = int(constants.get("timeTickOffset", 0))
        except (TypeError, ValueError):
            self.offset_ms = 0
        query_types = constants.get("dnsQueryType")
        self.query_types = dict(QUERY_TYPES)
        if isinstance(query_types, dict):
            self.query_types.update(
                {number: name for name, number in query_types.items() if isinstance(number, int)}
            )
        self.requests: dict[int, _Request] = {}
        self.jobs: dict[int, _Job] = {}
        self.links: dict[str, str] = {}  # every CNAME the file has shown, for cache hits
        self.last_hits: dict[int, tuple[str, int]] = {}  # a connection's last cache hit

    def handle(self, event: dict[str, Any]) -> Iterator[DnsLookup]:
        kind = event.get("type")
        name = self.names.get(kind) if isinstance(kind, int) else None
        source = event.get("source")
        source_id = source.get("id") if isinstance(source, dict) else None
        if name is None or not isinstance(source_id, int):
            return
        params = event.get("params")
        params = params if isinstance(params, dict) else {}
        phase = event.get("phase")
        dependency = params.get("source_dependency")
        dependency_id = dependency.get("id") if isinstance(dependency, dict) else None
        if name == REQUEST and phase == self.begin:
            host = _host_name(params.get("host"))
            time_us = self._time_us(event)
            if host is not None and time_us is not None:
                record_type = self._record_type(params.get("dns_query_type"))
                self.requests[source_id] = _Request(time_us, host, record_type)
        elif name == REQUEST and phase == self.end:
            request = self.requests.pop(source_id, None)
            if request is not None:
                yield from self._request_ended(request, params)
        elif name in (CACHE_HIT, HOSTS_HIT):
            yield from self._hit(event, source_id, name == CACHE_HIT, params)
        elif name == JOB_ATTACH and isinstance(dependency_id, int):
            self._attach(source_id, dependency_id)
        elif name == JOB_REQUEST_ATTACH and isinstance(dependency_id, int):
            self._attach(dependency_id, source_id)
        elif name == JOB and phase == self.begin:
            job = self._job(source_id)
            job.began = True
            host = _host_name(params.get("host"))
            time_us = self._time_us(event)
            if host is not None and job.name is None:
                job.name = host
            if time_us is not None and (job.time_us is None or time_us < job.time_us):
                job.time_us = time_us
            if job.record_type is None and (
                "dns_query_types" in params or "dns_query_type" in params
            ):
                job.record_type = self._record_type(
                    params.get("dns_query_types", params.get("dns_query_type"))
                )
        elif name in RESULT_EVENTS and phase == self.end:
            yield from self._result_logged(source_id, name, params)

    def _time_us(self, event: dict[str, Any]) -> int | None:
        try:
            return (int(event.get("time", 0)) + self.offset_ms) * 1000
        except (TypeError, ValueError):
            return None

    def _record_type(self, value: object) -> str:
        """``"A/AAAA"`` for UNSPECIFIED or a list holding A and AAAA, else the type's name."""
        values = value if isinstance(value, list) else [value]
        types = [
            self.query_types.get(item, str(item)) if isinstance(item, int) else item
            for item in values
            if isinstance(item, int) or (isinstance(item, str) and item)
        ]
        types = [
            "A/AAAA" if kind.upper() in ("UNSPECIFIED", "A/AAAA") else kind.upper()
            for kind in types
        ]
        if "A/AAAA" in types or ("A" in types and "AAAA" in types):
            return "A/AAAA"
        for kind in ("A", "AAAA"):
            if kind in types:
                return kind
        return types[0] if types else "A/AAAA"

    def _job(self, job_id: int) -> _Job:
        job = self.jobs.get(job_id)
        if job is None:
            job = self.jobs[job_id] = _Job()
            while len(self.jobs) > MAX_JOBS_KEPT:
                del self.jobs[next(iter(self.jobs))]
        return job

    def _attach(self, asker_id: int, job_id: int) -> None:
        """Someone waits for a job: a request (known by its begin event) or a connection."""
        request = self.requests.get(asker_id)
        if request is None:
            return  # a connection: the job names itself
        request.job = job_id
        job = self._job(job_id)
        if job.time_us is None or request.time_us < job.time_us:
            job.time_us = request.time_us
        if job.name is None:
            job.name = request.name
        if job.record_type is None:
            job.record_type = request.record_type

    def _request_ended(self, request: _Request, params: dict[str, Any]) -> Iterator[DnsLookup]:
        job = self.jobs.get(request.job) if request.job is not None else None
        if job is not None and (job.reported or (job.began and not job.ended)):
            # The job's lookup stands for this request: yielded already, or when the job ends
            # (a request can be cancelled while its job goes on for others).
            return
        net_error = params.get("net_error")
        failed = isinstance(net_error, int) and net_error != 0
        if request.result is None and job is None and failed:
            return  # a look in the cache that found nothing: no one was asked
        result = request.result or (job.result if job is not None else None)
        if failed:
            result = _Result(net_error=net_error)
        if job is not None:
            job.reported = True
        yield _lookup(request, result, None, self.links)

    def _hit(
        self, event: dict[str, Any], source_id: int, cached: bool, params: dict[str, Any]
    ) -> Iterator[DnsLookup]:
        result = _result(params.get("results"))
        request = self.requests.get(source_id)
        if request is not None:
            request.result = result
            request.cached = cached
            return
        # A connection's own request, which logs no request events: named after its answer.
        time_us = self._time_us(event)
        name = _head(result, self.links) if result is not None else None
        if name is None or time_us is None or self.last_hits.get(source_id) == (name, time_us):
            return  # Chromium 156 logs each hit twice
        self.last_hits[source_id] = (name, time_us)
        while len(self.last_hits) > MAX_JOBS_KEPT:
            del self.last_hits[next(iter(self.last_hits))]
        hit = _Request(time_us, name, "A/AAAA", result=result, cached=cached)
        yield _lookup(hit, result, None, self.links)

    def _result_logged(
        self, source_id: int, name: str, params: dict[str, Any]
    ) -> Iterator[DnsLookup]:
        """A task or the job itself ended: keep what it found; a job's end is its lookup."""
        job = self._job(source_id)
        result = _result(params.get("results"), params)
        if result is not None:
            for alias, target in result.links.items():
                self.links[alias] = target
            while len(self.links) > MAX_JOBS_KEPT:
                del self.links[next(iter(self.links))]
            # A failed DNS task is followed by the system resolver's: the latest word counts,
            # unless it says nothing.
            if result.addresses or result.net_error or job.result is None:
                job.result = result
        if name != JOB:
            return
        job.ended = True
        if job.reported or job.name is None:
            return  # without a name, the request that asked for it will say it
        job.reported = True
        request = _Request(job.time_us or 0, job.name, job.record_type or "A/AAAA")
        yield _lookup(request, job.result, None, self.links)

    def unfinished(self) -> Iterator[DnsLookup]:
        """Requests and jobs still open at the end of the file: unanswered, in time order."""
        open_lookups = []
        for request in self.requests.values():
            job = self.jobs.get(request.job) if request.job is not None else None
            if job is not None:
                if job.reported:
                    continue
                job.reported = True
            open_lookups.append(request)
        for job in self.jobs.values():
            if not job.reported and not job.ended and job.name is not None:
                open_lookups.append(
                    _Request(job.time_us or 0, job.name, job.record_type or "A/AAAA")
                )
        for request in sorted(open_lookups, key=lambda request: request.time_us):
            yield _lookup(request, None, LookupOutcome.UNANSWERED, self.links)


def _event_names(constants: dict[str, Any]) -> dict[int, str]:
    types = constants.get("logEventTypes")
    if not isinstance(types, dict):
        return {}
    return {number: name for name, number in types.items() if isinstance(number, int)}


def _result(results: object, params: dict[str, Any] | None = None) -> _Result | None:
    """Addresses, CNAMEs and errors from a HostCache entry (a dict), a DNS task's list of
    results, a failed DNS task's ``failure_result``, or a system task's address list."""
    result = _Result()
    found = isinstance(results, list)
    entries = _list(results)
    if params is not None and isinstance(params.get("failure_result"), dict):
        entries = [*entries, params["failure_result"]]
        found = True
    errors = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        kind = entry.get("type")
        if kind == "data":
            for endpoint in _list(entry.get("endpoints")):
                address = endpoint.get("address") if isinstance(endpoint, dict) else None
                if isinstance(address, str):
                    result.addresses.append(address)
        elif kind == "alias":
            alias, target = entry.get("domain_name"), entry.get("alias_target")
            if isinstance(alias, str) and isinstance(target, str):
                result.links[_domain(alias)] = _domain(target)
        elif kind == "error" and isinstance(entry.get("error"), int) and entry["error"] != 0:
            errors.append(entry["error"])
    if errors and not result.addresses:
        result.net_error = errors[0]
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
                result.aliases.append(_domain(alias))
        for canonical in _list(source.get("canonical_names")):
            if isinstance(canonical, str):
                result.canonical_names.append(_domain(canonical))
        net_error = source.get("net_error")
        if isinstance(net_error, int) and net_error != 0:
            result.net_error = net_error
            found = True
        found = found or "ip_endpoints" in source
    return result if found else None


def _domain(text: str) -> str:
    return text.rstrip(".").lower()


def _head(result: _Result, links: dict[str, str]) -> str | None:
    """The name asked, among a cache entry's aliases (sorted: the name and its CNAME chain):
    the one no CNAME points to, and not the end of the chain, where the file tells."""
    names = list(dict.fromkeys(result.aliases))
    targets = {links.get(name) for name in names} | set(result.links.values())
    heads = [name for name in names if name not in targets]
    starts = [name for name in heads if name not in result.canonical_names]
    for candidates in (starts, heads, names):
        if candidates:
            return candidates[0]
    return None


def _chain(name: str, result: _Result, links: dict[str, str]) -> tuple[str, ...]:
    """The CNAME chain after `name`: followed through the CNAMEs where the file has them, then
    the aliases left in the order logged, the canonical name last."""
    chain: list[str] = []
    seen = {name}
    current = name
    while True:
        target = result.links.get(current) or links.get(current)
        if target is None or target in seen:
            break
        chain.append(target)
        seen.add(target)
        current = target
    rest = [alias for alias in result.aliases if alias not in result.canonical_names]
    for alias in [*rest, *result.canonical_names]:
        if alias not in seen:
            chain.append(alias)
            seen.add(alias)
    return tuple(chain)


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


def _lookup(
    request: _Request,
    result: _Result | None,
    outcome: LookupOutcome | None,
    links: dict[str, str],
) -> DnsLookup:
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
            chain = _chain(request.name, result, links)
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
