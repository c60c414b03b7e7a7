"""`borderless lookup`: one host or address explained, for a curious person.

It resolves and locates in the same way a scan does, but stores nothing.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from borderless.domains import canonical_host, display_host, host_of_url
from borderless.model import Host, ResolutionStatus
from borderless.pipeline import ResolveOptions
from borderless.resolve import dns as resolve_dns
from borderless.resolve.geo import DatabaseInfo, Geolocator, Location
from borderless.store import Store, time_text_of


class TargetError(Exception):
    """The target is neither a host name nor an address; the message says so."""


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything `lookup` found about one target."""

    target: str
    host: str
    status: str
    detail: str | None
    resolver: str | None  # in words; None when nothing was sent
    from_audit: bool  # the answer is the one stored by an earlier scan (offline mode)
    resolved_at: str | None
    cname_chain: tuple[str, ...]
    locations: tuple[Location, ...]
    databases: tuple[DatabaseInfo, ...]

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["databases"] = [
            {**dataclasses.asdict(info), "holds": sorted(info.holds)} for info in self.databases
        ]
        return data

    def lines(self) -> list[str]:
        """The explanation as text lines for a terminal."""
        shown = display_host(self.host)
        lines = [shown if shown == self.host else f"{shown} ({self.host})"]
        if self.cname_chain:
            lines.append("  alias of: " + " -> ".join((self.host, *self.cname_chain)))
        if self.resolver:
            lines.append(f"  asked: {self.resolver}")
        if self.from_audit:
            lines.append(f"  offline: the answer stored at {self.resolved_at}")
        if self.status not in (ResolutionStatus.OK, ResolutionStatus.IP_LITERAL):
            lines.append(f"  no address: {self.detail or self.status}")
        for location in self.locations:
            lines.append("  " + _location_text(location))
        if any(location.edge_kind for location in self.locations):
            lines.append(
                "  Anycast and CDN addresses are located where the nearest edge server is, not "
                "where the platform keeps or processes data."
            )
        if self.locations and self.databases:
            lines.append("Databases:")
            for info in self.databases:
                origin = "shipped with Borderless" if info.shipped else info.path
                lines.append(f"  {info.name}: {info.database_type}, built {info.built} ({origin})")
        return lines


def _location_text(location: Location) -> str:
    if location.scope != "public":
        return f"{location.address:<40} {location.scope} address: not located"
    country = location.country or "??"
    network = f"AS{location.asn} {location.as_organization or ''}".strip() if location.asn else ""
    text = f"{location.address:<40} {country}  {network}"
    if location.edge_kind:
        text += f"  [{location.edge_kind}: {location.edge_operator}]"
    return text.rstrip()


def _host_of(target: str) -> Host:
    text = target.strip()
    host = host_of_url(text) if "://" in text else canonical_host(text)
    if host is None:
        raise TargetError(f"{target!r} is not a host name, URL or IP address")
    return host


def explain(target: str, options: ResolveOptions, store: Store | None) -> Explanation:
    """Resolve (or, offline, recall) and locate `target`.

    Raises:
        TargetError: `target` names no host.
        borderless.resolve.geo.GeoDatabaseError: one of the person's databases is unusable.
    """
    host = _host_of(target)
    chain: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    resolver_text: str | None = None
    from_audit = False
    resolved_at: str | None = None
    detail: str | None = None
    if host.is_ip:
        status = ResolutionStatus.IP_LITERAL.value
        addresses = (host.name,)
    elif resolve_dns.is_local_name(host.name):
        status, detail = ResolutionStatus.LOCAL_NAME.value, "a local name: not sent anywhere"
    elif options.offline:
        stored = _stored_answer(store, host.name)
        if stored is None:
            status = ResolutionStatus.OFFLINE.value
            detail = "offline, and no scan has stored an answer for this host"
        else:
            status, detail, chain, addresses, resolved_at = stored
            from_audit = True
    else:
        resolution = resolve_dns.resolve_all(
            [host.name], options.choice, timeout=options.timeout, retries=options.retries
        )[0]
        status, detail = resolution.status.value, resolution.detail
        chain, addresses = resolution.cname_chain, resolution.addresses
        resolved_at = time_text_of(resolution.resolved_at)
        resolver_text = resolve_dns.resolver_description(options.choice)
    with Geolocator(options.geo_databases) as geolocator:
        locations = tuple(geolocator.locate(address) for address in addresses)
        databases = tuple(database.info for database in geolocator.databases)
    return Explanation(
        target=target,
        host=host.name,
        status=status,
        detail=detail,
        resolver=resolver_text,
        from_audit=from_audit,
        resolved_at=resolved_at,
        cname_chain=chain,
        locations=locations,
        databases=databases,
    )


def _stored_answer(
    store: Store | None, host: str
) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...], str] | None:
    if store is None:
        return None
    rows = store.rows(
        "SELECT r.status, r.detail, r.cname_chain, r.resolved_at, h.id FROM resolutions AS r"
        " JOIN hosts AS h ON h.id = r.host_id WHERE h.name = ?",
        [host],
    )
    if not rows:
        return None
    row = rows[0]
    addresses = tuple(
        address
        for (address,) in store.connection.execute(
            "SELECT DISTINCT address FROM host_addresses WHERE host_id = ?"
            " ORDER BY instr(address, ':') > 0, address",
            [row["id"]],
        )
    )
    chain = tuple(json.loads(row["cname_chain"]))
    return row["status"], row["detail"], chain, addresses, row["resolved_at"]
