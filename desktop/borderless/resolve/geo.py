"""Addresses to countries and network operators, from MaxMind-format (.mmdb) databases.

The app ships a country database and an ASN database built from open data (resources/geo, see its
README). A person may add their own: MaxMind GeoLite2/GeoIP2 City, Country or ASN files, DB-IP's,
or IPinfo Lite's. Each is used for what its layout holds, told by its metadata's database type;
the shipped databases answer whatever the person's do not.

Geolocation says where an address is announced from, which for anycast and CDN addresses is the
edge nearest the person, not where the platform keeps or processes data. Such addresses are
flagged (`Location.edge_kind`) from a table of edge networks (resources/geo/edge-networks.json).
"""

from __future__ import annotations

import bisect
import datetime as dt
import enum
import functools
import gc
import hashlib
import ipaddress
import json
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geoip2.database
import maxminddb
import maxminddb.errors

from borderless.paths import resources_dir

SHIPPED_COUNTRY_DATABASE = "borderless-country.mmdb"
SHIPPED_ASN_DATABASE = "borderless-asn.mmdb"
EDGE_NETWORKS_FILE = "edge-networks.json"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class GeoDatabaseError(Exception):
    """A geolocation database that cannot be used; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)


class Layout(enum.StrEnum):
    """The record layout of a database, which decides how it is read."""

    CITY = "city"  # GeoIP2/GeoLite2 City, DB-IP City: country and more
    COUNTRY = "country"  # GeoIP2/GeoLite2 Country, DB-IP Country, the shipped country database
    ENTERPRISE = "enterprise"  # GeoIP2 Enterprise: country and ASN
    ASN = "asn"  # GeoLite2 ASN, DB-IP ASN, the shipped ASN database
    ISP = "isp"  # GeoIP2 ISP: ASN and organisation among other fields
    FLAT = "flat"  # flat records with country_code / asn / as_name (IPinfo Lite, ip-location-db)


# Which facts each layout holds.
_HOLDS: dict[Layout, frozenset[str]] = {
    Layout.CITY: frozenset({"country"}),
    Layout.COUNTRY: frozenset({"country"}),
    Layout.ENTERPRISE: frozenset({"country", "asn"}),
    Layout.ASN: frozenset({"asn"}),
    Layout.ISP: frozenset({"asn"}),
    Layout.FLAT: frozenset({"country", "asn"}),
}


def _layout_of(database_type: str) -> Layout:
    # The same substring tests geoip2 makes before it agrees to read a database a given way.
    if "Enterprise" in database_type:
        return Layout.ENTERPRISE
    if "City" in database_type:
        return Layout.CITY
    if "Country" in database_type:
        return Layout.COUNTRY
    if "GeoLite2-ASN" in database_type:
        return Layout.ASN
    if "GeoIP2-ISP" in database_type:
        return Layout.ISP
    return Layout.FLAT


@dataclass(frozen=True, slots=True)
class DatabaseInfo:
    """What a person is told about a database that answered."""

    name: str  # the file name
    path: str
    database_type: str
    layout: Layout
    built: str  # the build date from the metadata, YYYY-MM-DD
    description: str  # the metadata's English description: source and licence, where given
    shipped: bool
    holds: frozenset[str]


class GeoDatabase:
    """One open .mmdb file, read the way its layout asks."""

    def __init__(self, path: Path, shipped: bool = False):
        if path.is_dir():
            raise GeoDatabaseError(path, "is a folder, not a database file")
        try:
            self._reader = geoip2.database.Reader(str(path), mode=maxminddb.MODE_AUTO)
        except FileNotFoundError as error:
            raise GeoDatabaseError(path, "no such file") from error
        except PermissionError as error:
            raise GeoDatabaseError(path, "permission denied") from error
        except (maxminddb.errors.InvalidDatabaseError, ValueError, OSError) as error:
            raise GeoDatabaseError(
                path, f"not a MaxMind-format (.mmdb) database, or a damaged one ({error})"
            ) from error
        metadata = self._reader.metadata()
        self._raw = maxminddb.open_database(str(path), maxminddb.MODE_MMAP_EXT)
        layout = _layout_of(metadata.database_type)
        built = dt.datetime.fromtimestamp(metadata.build_epoch, tz=dt.UTC).date().isoformat()
        self.info = DatabaseInfo(
            name=path.name,
            path=str(path),
            database_type=metadata.database_type,
            layout=layout,
            built=built,
            description=str(metadata.description.get("en", "")),
            shipped=shipped,
            holds=_HOLDS[layout],
        )
        self._ipv4_only = metadata.ip_version == 4
        self._make_readers()

    def close(self) -> None:
        self._reader.close()
        self._raw.close()

    def country(self, address: str) -> str | None:
        """The ISO 3166 alpha-2 code of the country a canonical address is located in."""
        return self.country_reader(address)

    def asn(self, address: str) -> tuple[int | None, str | None]:
        """The autonomous system announcing the address, and its organisation, if known."""
        return self.asn_reader(address)

    def _make_readers(self) -> None:
        """Readers specialised to this database's layout: the loop over a million addresses
        should not decide the layout again for each."""
        get = self._raw.get
        path = self.info.path
        ipv4_only = self._ipv4_only
        country_of = _COUNTRY_READERS[self.info.layout]
        asn_of = _ASN_READERS[self.info.layout]
        nested = self.info.layout in (Layout.CITY, Layout.COUNTRY, Layout.ENTERPRISE)
        plain_asn = self.info.layout in (Layout.ASN, Layout.ISP)

        def country_reader(address: str) -> str | None:
            if ipv4_only and ":" in address:
                return None
            try:
                record = get(address)
            except maxminddb.errors.InvalidDatabaseError as error:
                raise GeoDatabaseError(path, f"damaged ({error})") from error
            if record is None:
                return None
            if nested:
                try:
                    code = record["country"]["iso_code"]  # type: ignore[index,call-overload]
                except (KeyError, TypeError):
                    pass
                else:
                    if type(code) is str:
                        return code
            return country_of(record)

        def asn_reader(address: str) -> tuple[int | None, str | None]:
            if ipv4_only and ":" in address:
                return None, None
            try:
                record = get(address)
            except maxminddb.errors.InvalidDatabaseError as error:
                raise GeoDatabaseError(path, f"damaged ({error})") from error
            if record is None:
                return None, None
            if plain_asn and type(record) is dict:
                number = record.get("autonomous_system_number")
                name = record.get("autonomous_system_organization")
                if type(number) is int and (name is None or type(name) is str):
                    return number, name
            return asn_of(record)

        self.country_reader = country_reader
        self.asn_reader = asn_reader


# WORKAROUND: geoip2's Reader builds a model object of a dozen parts for every lookup, which caps
# it near 60,000 addresses a second here; the records are read straight from the maxminddb C
# extension it wraps instead, the fields picked out as geoip2's models do (geoip2 still opens
# and checks each database, and its database-type rules decide the layout).


def _nested_country(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    # The registered country stands in where a network is not placed more precisely (some
    # ranges are known only by the registry that assigned them).
    for key in ("country", "registered_country"):
        part = record.get(key)
        if isinstance(part, dict) and isinstance(part.get("iso_code"), str):
            return str(part["iso_code"])
    return None


def _nested_asn(record: Any) -> tuple[int | None, str | None]:
    if not isinstance(record, dict):
        return None, None
    traits = record.get("traits")
    return _flat_asn(traits) if isinstance(traits, dict) else (None, None)


def _flat_country(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    code = record.get("country_code")
    if code is None and isinstance(record.get("country"), dict):
        code = record["country"].get("iso_code")
    return str(code).upper() if isinstance(code, str) and len(code) == 2 else None


def _flat_asn(record: Any) -> tuple[int | None, str | None]:
    if not isinstance(record, dict):
        return None, None
    number = record.get("asn", record.get("autonomous_system_number"))
    if isinstance(number, str):
        # IPinfo writes "AS15169".
        digits = number.upper().removeprefix("AS")
        number = int(digits) if digits.isdigit() else None
    if not isinstance(number, int):
        number = None
    name = record.get("as_name", record.get("autonomous_system_organization", record.get("as_org")))
    return number, str(name) if isinstance(name, str) else None


def _nothing(record: Any) -> None:
    return None


def _no_asn(record: Any) -> tuple[None, None]:
    return None, None


_COUNTRY_READERS: dict[Layout, Callable[[Any], str | None]] = {
    Layout.CITY: _nested_country,
    Layout.COUNTRY: _nested_country,
    Layout.ENTERPRISE: _nested_country,
    Layout.ASN: _nothing,
    Layout.ISP: _nothing,
    Layout.FLAT: _flat_country,
}
_ASN_READERS: dict[Layout, Callable[[Any], tuple[int | None, str | None]]] = {
    Layout.CITY: _no_asn,
    Layout.COUNTRY: _no_asn,
    Layout.ENTERPRISE: _nested_asn,
    Layout.ASN: _flat_asn,
    Layout.ISP: _flat_asn,
    Layout.FLAT: _flat_asn,
}


class Scope(enum.StrEnum):
    """Where an address lives: only public addresses have a country."""

    PUBLIC = "public"
    PRIVATE = "private"  # RFC 1918, unique local IPv6
    LOOPBACK = "loopback"
    LINK_LOCAL = "link_local"
    SHARED = "shared"  # carrier-grade NAT, 100.64.0.0/10
    MULTICAST = "multicast"
    RESERVED = "reserved"  # documentation, benchmarking, unspecified, future use


# The special-purpose ranges of the IANA registries (RFC 6890 and its updates) that matter here,
# by scope. Anything in neither table's public part is reserved: documentation, benchmarking,
# "this network", unallocated IPv6 space.
_SPECIAL_RANGES: dict[Scope, tuple[str, ...]] = {
    Scope.PRIVATE: ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "64:ff9b:1::/48"),
    Scope.LOOPBACK: ("127.0.0.0/8", "::1/128"),
    Scope.LINK_LOCAL: ("169.254.0.0/16", "fe80::/10"),
    Scope.SHARED: ("100.64.0.0/10",),
    Scope.MULTICAST: ("224.0.0.0/4", "ff00::/8"),
    Scope.RESERVED: (
        "0.0.0.0/8", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "::/128", "100::/64", "2001::/23",
        "2001:db8::/32", "3fff::/20",
    ),
}  # fmt: skip
# Public IPv6 unicast space is 2000::/3; outside it everything not listed above is reserved.
_IPV6_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# The well-known NAT64 prefix: an IPv6-only network's DNS64 resolver writes IPv4 servers so.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _range_table(version: int) -> tuple[list[int], list[tuple[int, Scope]]]:
    """Sorted starts, and (end, scope) for each, of the special ranges of one IP version."""
    ranges = sorted(
        (int(network.network_address), int(network.broadcast_address), scope)
        for scope, texts in _SPECIAL_RANGES.items()
        for network in map(ipaddress.ip_network, texts)
        if network.version == version
    )
    return [start for start, _end, _scope in ranges], [(end, sc) for _s, end, sc in ranges]


_TABLES = {4: _range_table(4), 6: _range_table(6)}


def _scope_of_value(version: int, value: int) -> Scope:
    starts, ends = _TABLES[version]
    index = bisect.bisect_right(starts, value) - 1
    # Ranges of one version never overlap, so the nearest start below is the only candidate.
    if index >= 0 and value <= ends[index][0]:
        return ends[index][1]
    if version == 6 and value not in _IPV6_GLOBAL_UNICAST_RANGE:
        return Scope.RESERVED
    return Scope.PUBLIC


_IPV6_GLOBAL_UNICAST_RANGE = range(
    int(_IPV6_GLOBAL_UNICAST.network_address), int(_IPV6_GLOBAL_UNICAST.broadcast_address) + 1
)


def scope_of(address: IPAddress) -> Scope:
    """The kind of network an address belongs to."""
    parsed = _parse(str(address))
    return _scope_of_value(parsed[1], parsed[2])


def _parse(text: str) -> tuple[str, int, int]:
    """Canonical text, version and integer value of an address; IPv4 inside IPv6 (mapped, or
    behind the NAT64 prefix) comes out as the IPv4 address it carries.

    Raises:
        ValueError: `text` is not an IP address.
    """
    try:
        if ":" in text:
            packed = socket.inet_pton(socket.AF_INET6, text)
            value = int.from_bytes(packed, "big")
            if value >> 32 == 0xFFFF or (value >> 32) == _NAT64_HIGH:
                value &= 0xFFFFFFFF
                return socket.inet_ntop(socket.AF_INET, value.to_bytes(4, "big")), 4, value
            return socket.inet_ntop(socket.AF_INET6, packed), 6, value
        packed = socket.inet_pton(socket.AF_INET, text)
    except (OSError, ValueError) as error:
        raise ValueError(f"{text!r} is not an IP address") from error
    # inet_pton takes IPv4 only in its one canonical form (no leading zeros, four parts).
    return text, 4, int.from_bytes(packed, "big")


_NAT64_HIGH = int(_NAT64.network_address) >> 32


@dataclass(frozen=True, slots=True)
class EdgeNetwork:
    """An operator whose addresses locate an edge near the person, not where data goes."""

    operator: str
    kind: str  # "anycast" or "cdn"


class EdgeNetworks:
    """The table of anycast and CDN networks: whole ASNs, and prefixes inside mixed ones."""

    def __init__(self, document: dict[str, Any]):
        self.by_asn: dict[int, EdgeNetwork] = {
            int(entry["asn"]): EdgeNetwork(str(entry["operator"]), str(entry["kind"]))
            for entry in document.get("networks", [])
        }
        # Prefixes are looked up by their length, longest first: one dictionary probe per
        # length in use instead of a scan of every prefix.
        self._by_prefix: dict[tuple[int, int, int], EdgeNetwork] = {}
        lengths: dict[int, set[int]] = {4: set(), 6: set()}
        for entry in document.get("prefixes", []):
            network = ipaddress.ip_network(entry["prefix"], strict=False)
            key = (network.version, network.prefixlen, int(network.network_address))
            self._by_prefix[key] = EdgeNetwork(str(entry["operator"]), str(entry["kind"]))
            lengths[network.version].add(network.prefixlen)
        self._lengths = {version: sorted(found, reverse=True) for version, found in lengths.items()}
        # Most addresses are in no listed prefix: one search of the prefixes' merged extent tells,
        # before the probes by length.
        self._extent: dict[int, tuple[list[int], list[int]]] = {}
        for version in (4, 6):
            merged: list[list[int]] = []
            for start, end in sorted(
                (key[2], key[2] + (1 << ((32 if version == 4 else 128) - key[1])) - 1)
                for key in self._by_prefix
                if key[0] == version
            ):
                if merged and start <= merged[-1][1] + 1:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            self._extent[version] = ([m[0] for m in merged], [m[1] for m in merged])

    @classmethod
    def shipped(cls) -> EdgeNetworks:
        path = resources_dir() / "geo" / EDGE_NETWORKS_FILE
        if not path.exists():
            return cls({})
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def classify(self, version: int, value: int, asn: int | None) -> EdgeNetwork | None:
        """The edge network an address (its IP version and integer value) belongs to, by its
        prefix first, then its ASN."""
        starts, ends = self._extent[version]
        index = bisect.bisect_right(starts, value) - 1
        if index < 0 or value > ends[index]:
            return self.by_asn.get(asn) if asn is not None else None
        bits = 32 if version == 4 else 128
        for length in self._lengths[version]:
            shift = bits - length
            found = self._by_prefix.get((version, length, (value >> shift) << shift))
            if found is not None:
                return found
        if asn is not None:
            return self.by_asn.get(asn)
        return None


@dataclass(slots=True)  # not frozen: a frozen dataclass takes twice as long to make
class Location:
    """What the databases say about one address."""

    address: str
    scope: Scope
    country: str | None = None
    asn: int | None = None
    as_organization: str | None = None
    country_database: str | None = None  # the file that gave the country
    asn_database: str | None = None
    edge_kind: str | None = None  # "anycast" or "cdn": the country is an edge's
    edge_operator: str | None = None

    @property
    def version(self) -> int:
        return ipaddress.ip_address(self.address).version


def shipped_database_paths() -> list[Path]:
    folder = resources_dir() / "geo"
    return [folder / SHIPPED_COUNTRY_DATABASE, folder / SHIPPED_ASN_DATABASE]


class Geolocator:
    """Locates addresses with the person's databases first and the shipped ones after them."""

    def __init__(
        self,
        own_databases: Sequence[Path] = (),
        edge_networks: EdgeNetworks | None = None,
        include_shipped: bool = True,
        on_problem: Callable[[str], None] | None = None,
    ):
        """Open the person's databases, then the shipped ones.

        Args:
            own_databases: .mmdb files of the person's, asked first, in order.
            edge_networks: the anycast and CDN table (default: the shipped one).
            include_shipped: also ask the databases shipped with the app.
            on_problem: told of a database that cannot be used (unreadable, or found damaged
                during a lookup), which is then left out; without it, such a database raises
                GeoDatabaseError.
        """
        self.databases: list[GeoDatabase] = []
        self._on_problem = on_problem
        try:
            for path in own_databases:
                try:
                    self.databases.append(GeoDatabase(Path(path)))
                except GeoDatabaseError as error:
                    if on_problem is None:
                        raise
                    on_problem(str(error))
            if include_shipped:
                for path in shipped_database_paths():
                    if path.exists():
                        self.databases.append(GeoDatabase(path, shipped=True))
        except BaseException:
            self.close()
            raise
        self.edge_networks = edge_networks if edge_networks is not None else EdgeNetworks.shipped()
        self._choose_readers()

    def _choose_readers(self) -> None:
        """Build `_locate` over the databases in use: a closure, since a million lookups should
        not look up the same attributes a million times."""
        country_readers = [
            (db.country_reader, db.info.name) for db in self.databases if "country" in db.info.holds
        ]
        asn_readers = [
            (db.asn_reader, db.info.name) for db in self.databases if "asn" in db.info.holds
        ]
        edge_networks = self.edge_networks
        public = Scope.PUBLIC
        ipv4_starts, ipv4_ends = _TABLES[4]
        inet_pton, af_inet, from_bytes, bisect_right = (
            socket.inet_pton, socket.AF_INET, int.from_bytes, bisect.bisect_right
        )  # fmt: skip

        def locate(address_text: str) -> Location:
            if ":" in address_text:
                address, version, value = _parse(address_text)
                scope = _scope_of_value(version, value)
            else:  # IPv4, the common case, parsed here with the scope found inline
                try:
                    packed = inet_pton(af_inet, address_text)
                except (OSError, ValueError) as error:
                    raise ValueError(f"{address_text!r} is not an IP address") from error
                address, version, value = address_text, 4, from_bytes(packed, "big")
                index = bisect_right(ipv4_starts, value) - 1
                scope = public
                if index >= 0 and value <= ipv4_ends[index][0]:
                    scope = ipv4_ends[index][1]
            if scope is not public:
                return Location(address, scope)
            country = country_database = None
            for country_reader, name in country_readers:
                country = country_reader(address)
                if country is not None:
                    country_database = name
                    break
            asn = organization = asn_database = None
            for asn_reader, name in asn_readers:
                asn, organization = asn_reader(address)
                if asn is not None:
                    asn_database = name
                    break
            edge = edge_networks.classify(version, value, asn)
            if edge is None:
                return Location(
                    address, scope, country, asn, organization, country_database, asn_database
                )
            return Location(
                address,
                scope,
                country,
                asn,
                organization,
                country_database,
                asn_database,
                edge.kind,
                edge.operator,
            )

        self._locate = locate

    def close(self) -> None:
        for database in self.databases:
            database.close()

    def __enter__(self) -> Geolocator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @functools.cached_property
    def identity(self) -> str:
        """Names the databases in use and their builds: stored locations made with another set
        are located again."""
        parts = [f"{db.info.name}:{db.info.database_type}:{db.info.built}" for db in self.databases]
        parts.append(f"edges:{len(self.edge_networks.by_asn)}:{len(self.edge_networks._by_prefix)}")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]

    def locate(self, address_text: str) -> Location:
        """Country, ASN and edge flag of one address; non-public addresses are never located.

        Raises:
            ValueError: `address_text` is not an IP address.
            GeoDatabaseError: a database turned out damaged, and no `on_problem` was given.
        """
        try:
            return self._locate(address_text)
        except GeoDatabaseError as error:
            if self._on_problem is None:
                raise
            self._on_problem(str(error))
            # Leave the damaged database out from now on, and ask the others.
            self.databases = [db for db in self.databases if db.info.path != error.path]
            self._choose_readers()
            return self.locate(address_text)

    def locate_many(self, addresses: Iterable[str]) -> list[Location]:
        """`locate` for each address, in order."""
        locate, locate_checked = self._locate, self.locate
        located = []
        # A batch makes hundreds of thousands of small objects and no reference cycles: the
        # cyclic garbage collector would only walk them again and again (a sixth of the time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            for address in addresses:
                try:
                    located.append(locate(address))
                except GeoDatabaseError:
                    located.append(locate_checked(address))  # leaves the damaged database out
        finally:
            if collecting:
                gc.enable()
        return located
