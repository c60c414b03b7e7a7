"""Host names to CNAME chains and addresses, many at once, with dnspython's asyncio resolver.

Every outcome is a value, never an exception: a name that does not exist, a resolver that fails or
refuses, a timeout and a machine with no network at all each become a `Resolution` whose status
says which, so one bad name never stops the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import ipaddress
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver

from borderless.model import Resolution, ResolutionStatus

# How many hosts are in flight at once. Each needs two queries (A and AAAA) sent together.
DEFAULT_CONCURRENCY = 100
# Seconds to wait for one answer, and how many times a query that timed out is sent again.
DEFAULT_TIMEOUT = 2.0
DEFAULT_RETRIES = 1
# A resolver that does not follow a CNAME to another zone answers with the CNAME alone; the
# target is then asked for in turn, this many times at most (loops end here too).
MAX_CHAIN_QUERIES = 8

# Errors of the socket layer that mean this machine cannot reach any network.
_NO_NETWORK_ERRNOS = frozenset(
    code
    for code in (
        getattr(errno, "ENETUNREACH", None),
        getattr(errno, "ENETDOWN", None),
        getattr(errno, "EHOSTUNREACH", None),
        getattr(errno, "EADDRNOTAVAIL", None),
        getattr(errno, "WSAENETUNREACH", None),
        getattr(errno, "WSAENETDOWN", None),
        getattr(errno, "WSAEHOSTUNREACH", None),
    )
    if code is not None
)

# Names that never belong in public DNS (RFC 6761, RFC 6762, RFC 7686, RFC 8375), and the
# common home-router suffixes: they are not sent to any resolver.
_LOCAL_SUFFIXES = (
    "localhost",
    "local",
    "onion",
    "invalid",
    "home.arpa",
    "internal",
    "lan",
    "home",
    "corp",
    "localdomain",
)


class NoResolverError(Exception):
    """No resolver can be asked: the system has none configured."""


class ResolverChoiceError(ValueError):
    """A resolver given by the person that is not an address with an optional port."""


@dataclass(frozen=True, slots=True)
class ResolverChoice:
    """Which resolver to ask: the system's (None) or one address and port the person gave."""

    address: str | None = None
    port: int = 53

    @classmethod
    def parse(cls, text: str) -> ResolverChoice:
        """Read ``ADDR``, ``ADDR:PORT``, ``[IPv6]:PORT`` or ``system``.

        Raises:
            ResolverChoiceError: with a message for a person when `text` is none of these.
        """
        text = text.strip()
        if text.lower() in ("", "system"):
            return cls()
        host, port_text = text, ""
        if text.startswith("["):
            host, bracket, rest = text[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise ResolverChoiceError(f"{text!r}: write an IPv6 resolver as [ADDRESS]:PORT")
            port_text = rest[1:]
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
        try:
            address = ipaddress.ip_address(host)
        except ValueError as error:
            raise ResolverChoiceError(
                f"{text!r} is not an IP address (give the resolver as ADDRESS or ADDRESS:PORT)"
            ) from error
        port = 53
        if port_text:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ResolverChoiceError(f"{text!r}: the port must be a number from 1 to 65535")
            port = int(port_text)
        return cls(str(address), port)

    @property
    def is_system(self) -> bool:
        return self.address is None

    def text(self) -> str:
        """The choice as `parse` reads it back: ``system``, ``9.9.9.9`` or ``[::1]:5353``."""
        if self.address is None:
            return "system"
        if self.port == 53:
            return self.address
        shown = f"[{self.address}]" if ":" in self.address else self.address
        return f"{shown}:{self.port}"


def make_resolver(
    choice: ResolverChoice, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES
) -> dns.asyncresolver.Resolver:
    """A dnspython resolver for `choice`, with no search domains and bounded retries.

    Raises:
        NoResolverError: the system has no resolver configured.
    """
    try:
        resolver = dns.asyncresolver.Resolver(configure=choice.is_system)
    except dns.exception.DNSException as error:  # NoResolverConfiguration, on any system
        raise NoResolverError(f"the system's resolver settings cannot be read: {error}") from error
    if choice.address is not None:
        resolver.nameservers = [dns.nameserver.Do53Nameserver(choice.address, choice.port)]
    if not resolver.nameservers:
        raise NoResolverError("no resolver is configured on this system")
    # A host from a URL is a full name: a search domain would send it again with the local
    # domain appended, leaking it a second time for nothing.
    resolver.search = []
    resolver.use_search_by_default = False
    resolver.timeout = timeout
    # dnspython keeps asking until the lifetime ends; this bounds the attempts per query.
    resolver.lifetime = timeout * (retries + 1) + 0.1
    resolver.retry_servfail = False
    return resolver


def describe_resolver(resolver: dns.asyncresolver.Resolver, choice: ResolverChoice) -> str:
    """Who will see the names, in words: the system's resolvers or the one given."""
    servers = ", ".join(str(server) for server in resolver.nameservers)
    if choice.is_system:
        return f"the system's resolver ({servers})"
    return f"the resolver {choice.text()}"


def resolver_description(choice: ResolverChoice) -> str:
    """`describe_resolver` for a choice, without a resolver at hand."""
    try:
        return describe_resolver(make_resolver(choice), choice)
    except NoResolverError:
        return "no resolver (none is configured on this system)"


def is_local_name(host: str) -> bool:
    """Whether `host` is a name that only means something on this machine or its network."""
    if "." not in host:
        return True
    return any(host == suffix or host.endswith("." + suffix) for suffix in _LOCAL_SUFFIXES)


@dataclass(slots=True)
class _Lookup:
    """The outcome of one record type for one host, chain included."""

    chain: list[str]
    addresses: list[str]
    ttl: int | None
    status: ResolutionStatus
    detail: str | None = None


def _target_text(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


def _classify_failure(error: BaseException) -> tuple[ResolutionStatus, str]:
    """The status and a short reason for a query that got no usable answer."""
    if isinstance(error, dns.resolver.NXDOMAIN):
        return ResolutionStatus.NXDOMAIN, "the name does not exist"
    if isinstance(error, dns.resolver.LifetimeTimeout | dns.exception.Timeout):
        return ResolutionStatus.TIMEOUT, "the resolver did not answer in time"
    if isinstance(error, dns.resolver.NoNameservers):
        problems = [entry[3] for entry in error.kwargs.get("errors", [])]
        for problem in problems:
            if problem == "SERVFAIL":
                return ResolutionStatus.SERVFAIL, "the resolver failed (SERVFAIL)"
            if problem == "REFUSED":
                return ResolutionStatus.REFUSED, "the resolver refused to answer (REFUSED)"
        for problem in problems:
            if isinstance(problem, OSError):
                return _classify_os_error(problem)
        text = "; ".join(str(problem) for problem in problems) or "no resolver answered"
        return ResolutionStatus.ERROR, text
    if isinstance(error, dns.message.ChainTooLong):
        return ResolutionStatus.ERROR, "the CNAME chain is too long (a loop?)"
    if isinstance(error, OSError):
        return _classify_os_error(error)
    return ResolutionStatus.ERROR, f"{type(error).__name__}: {error}"


def _classify_os_error(error: OSError) -> tuple[ResolutionStatus, str]:
    if error.errno in _NO_NETWORK_ERRNOS:
        return ResolutionStatus.NO_NETWORK, f"no network ({error.strerror or error})"
    if isinstance(error, ConnectionRefusedError):
        return ResolutionStatus.NO_NETWORK, "nothing answers at the resolver's address"
    return ResolutionStatus.ERROR, f"network error: {error.strerror or error}"


async def _lookup(
    resolver: dns.asyncresolver.Resolver, host: str, rdtype: dns.rdatatype.RdataType
) -> _Lookup:
    """Resolve one record type, following the CNAME chain across answers if need be."""
    chain: list[str] = []
    name = host
    ttl: int | None = None
    for _ in range(MAX_CHAIN_QUERIES):
        try:
            answer = await resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except (dns.exception.DNSException, OSError) as error:
            status, detail = _classify_failure(error)
            if isinstance(error, dns.resolver.NXDOMAIN):
                ttl = _negative_ttl(error, ttl)
            return _Lookup(chain, [], ttl, status, detail)
        result = answer.chaining_result
        ttl = result.minimum_ttl if ttl is None else min(ttl, result.minimum_ttl)
        chain.extend(_target_text(next(iter(rrset)).target) for rrset in result.cnames)
        if result.answer is not None:
            addresses = [rdata.address for rdata in result.answer]
            return _Lookup(chain, addresses, ttl, ResolutionStatus.OK)
        if not result.cnames or _has_no_data_proof(answer.response):
            # The name (or the chain's end) has no records of this type: NODATA.
            return _Lookup(chain, [], ttl, ResolutionStatus.NO_ADDRESS)
        name = _target_text(result.canonical_name)
        if name == host or name in chain[:-1]:
            return _Lookup(chain, [], ttl, ResolutionStatus.ERROR, "the CNAME chain loops")
    return _Lookup(chain, [], ttl, ResolutionStatus.ERROR, "the CNAME chain is too long")


def _has_no_data_proof(response: dns.message.Message) -> bool:
    """Whether the response says the chain's end has no records of the type (an SOA for it).

    A recursive resolver that followed the chain and found nothing adds the SOA of the target's
    zone; one that did not follow it adds nothing, and the target must be asked for directly.
    """
    return any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority)


def _negative_ttl(error: dns.resolver.NXDOMAIN, ttl: int | None) -> int | None:
    responses: dict[Any, dns.message.QueryMessage] = error.kwargs.get("responses") or {}
    for response in responses.values():
        try:
            negative = int(response.resolve_chaining().minimum_ttl)
        except (dns.exception.DNSException, KeyError):
            continue
        return negative if ttl is None else min(ttl, negative)
    return ttl


def _combine(host: str, ipv4: _Lookup, ipv6: _Lookup, resolver_text: str) -> Resolution:
    """One resolution from the A and AAAA lookups: addresses if either had some."""
    chain = ipv4.chain if len(ipv4.chain) >= len(ipv6.chain) else ipv6.chain
    addresses = tuple(dict.fromkeys(ipv4.addresses + ipv6.addresses))
    ttls = [lookup.ttl for lookup in (ipv4, ipv6) if lookup.ttl is not None]
    ttl = min(ttls) if ttls else None
    if addresses:
        status, detail = ResolutionStatus.OK, None
        failed = [lookup for lookup in (ipv4, ipv6) if lookup.status.is_failure]
        if failed:
            detail = f"partial: {failed[0].detail}"
    elif ResolutionStatus.NXDOMAIN in (ipv4.status, ipv6.status):
        status, detail = ResolutionStatus.NXDOMAIN, "the name does not exist"
    elif ipv4.status is ResolutionStatus.NO_ADDRESS and ipv6.status is ResolutionStatus.NO_ADDRESS:
        status, detail = ResolutionStatus.NO_ADDRESS, "the name exists but has no address"
    else:
        worst = ipv4 if ipv4.status.is_failure else ipv6
        status, detail = worst.status, worst.detail
    return Resolution(
        host=host,
        status=status,
        cname_chain=tuple(chain),
        addresses=addresses,
        ttl=ttl,
        resolver=resolver_text,
        resolved_at=time.time(),
        detail=detail,
    )


async def resolve_host(
    resolver: dns.asyncresolver.Resolver, host: str, resolver_text: str
) -> Resolution:
    """The CNAME chain and the IPv4 and IPv6 addresses of one host."""
    if is_local_name(host):
        return Resolution(
            host=host,
            status=ResolutionStatus.LOCAL_NAME,
            resolver=None,
            resolved_at=time.time(),
            detail="a local name: not sent to any resolver",
        )
    ipv4, ipv6 = await asyncio.gather(
        _lookup(resolver, host, dns.rdatatype.A), _lookup(resolver, host, dns.rdatatype.AAAA)
    )
    return _combine(host, ipv4, ipv6, resolver_text)


async def resolve_many(
    resolver: dns.asyncresolver.Resolver,
    hosts: Sequence[str],
    resolver_text: str,
    on_resolved: Callable[[Resolution], Awaitable[None] | None],
    concurrency: int = DEFAULT_CONCURRENCY,
) -> None:
    """Resolve `hosts`, at most `concurrency` at once, calling `on_resolved` as each finishes.

    Cancelling the task that awaits this stops every query in flight.
    """
    # A fixed crew of workers draws hosts from one iterator: no task per host waits around,
    # and none of the bookkeeping grows with the number of hosts.
    queue = iter(hosts)

    async def worker() -> None:
        for host in queue:
            resolution = await resolve_host(resolver, host, resolver_text)
            waiting = on_resolved(resolution)
            if waiting is not None:
                await waiting

    with _fewer_collections():
        await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(hosts))))))


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often: every answer makes dozens of small objects,
    and collecting every 700 allocations costs a tenth of the time of a big resolution. Cycles
    (asyncio keeps some) are still collected, in larger batches."""
    first, *older = gc.get_threshold()
    gc.set_threshold(max(first, 50_000), *older)
    try:
        yield
    finally:
        gc.set_threshold(first, *older)


def resolve_all(
    hosts: Iterable[str],
    choice: ResolverChoice,
    concurrency: int = DEFAULT_CONCURRENCY,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
) -> list[Resolution]:
    """Resolve `hosts` in a fresh event loop and return every resolution (for `lookup`, tests).

    A system with no resolver configured gives every host the status ``no_network``.
    """
    names = list(hosts)
    try:
        resolver = make_resolver(choice, timeout, retries)
    except NoResolverError as error:
        return [unresolvable(host, str(error)) for host in names]
    text = choice.text() if not choice.is_system else "system"
    results: list[Resolution] = []
    asyncio.run(resolve_many(resolver, names, text, results.append, concurrency))
    return results


def unresolvable(host: str, reason: str) -> Resolution:
    """The resolution of a host when no resolver can be asked at all."""
    return Resolution(
        host=host,
        status=ResolutionStatus.NO_NETWORK,
        resolver=None,
        resolved_at=time.time(),
        detail=reason,
    )
