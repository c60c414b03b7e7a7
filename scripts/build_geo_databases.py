#!/usr/bin/env python3
"""Build the geolocation databases Borderless ships, in ``resources/geo/``.

Writes three files:

- ``borderless-country.mmdb``: IP address to country, from the npm package
  ``@ip-location-db/geo-whois-asn-country-mmdb`` (GeoFeed, RIR whois and RIR ASN data merged by
  ip-location-db; CC BY 4.0, NRO).
- ``borderless-asn.mmdb``: IP address to autonomous system number and organisation, from the npm
  package ``@ip-location-db/asn`` (RouteViews, the five RIRs and DB-IP IP to ASN Lite merged by
  ip-location-db; CC BY 4.0).
- ``README.md``: sources, licences, attribution, record layout and checksums of the two.

Why re-encode rather than ship the upstream files: geoip2's ``Reader.country()`` and
``Reader.asn()`` check the database type and read MaxMind's record layout, and the upstream data
is a flat ``{"country_code": "US"}`` mmdb (type ``country ipvAll``) and a CSV. Re-encoded in the
GeoLite2-Country and GeoLite2-ASN layouts, the app reads its own databases and a person's
GeoLite2, GeoIP2, DB-IP or IPinfo Lite files through the same code.

What changes on the way, besides the layout (CC BY 4.0 asks that changes be indicated; the
README lists them): addresses in blocks that are not globally reachable (private, loopback,
documentation, multicast, ...) are dropped, because upstream places some of them in a country
(192.168.0.0/16 in AU, 2001:db8::/32 in JP); overlapping CSV rows are resolved in favour of the
later row; adjacent ranges with the same record are merged; ``::ffff:0:0/96`` is aliased to the
IPv4 tree as in MaxMind's own databases.

Reproducible: the tarballs are pinned by version and by their sha512 integrity (a changed upstream
tarball fails the build), and the metadata's build_epoch is the data date, so two builds with the
same mmdb-writer version are byte-identical.

Needs ``npm`` on the PATH (it fetches the tarballs from the configured registry) and::

    pip install "mmdb-writer==0.2.7" "maxminddb>=2.5"

Run from anywhere (about two and a half minutes on one core, 700 MB of memory)::

    python scripts/build_geo_databases.py [--output-dir resources/geo] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any, cast

try:
    import maxminddb
    import mmdb_writer
    from netaddr import IPAddress, IPRange, IPSet
except ImportError as missing:  # pragma: no cover - depends on the environment
    sys.exit(f"{missing.name} is missing: pip install 'mmdb-writer==0.2.7' 'maxminddb>=2.5'")

from npm_package import NpmPackage, fetch, read_member

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT_DIR = ROOT / "resources" / "geo"
DEFAULT_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "borderless" / "geo-build"
)

# The byte layout of the output depends on the writer; another version may build a correct but
# different file, so the README's checksums would no longer match.
MMDB_WRITER_VERSION = "0.2.7"

COUNTRY_FILE = "borderless-country.mmdb"
ASN_FILE = "borderless-asn.mmdb"
COUNTRY_DATABASE_TYPE = "Borderless-Country"
# geoip2's asn() accepts a database whose type contains "GeoLite2-ASN" (a substring test).
ASN_DATABASE_TYPE = "Borderless-ASN (GeoLite2-ASN layout)"


def data_date(package: NpmPackage) -> datetime:
    """ip-location-db versions end in YYYYMMDDHH, the time the data was gathered."""
    stamp = package.version.rsplit(".", 1)[1]
    return datetime.strptime(stamp[:8], "%Y%m%d").replace(tzinfo=UTC)


# Version 2.3.2026061719 is the last release on npm: upstream deprecated npm publishing.
COUNTRY_PACKAGE = NpmPackage(
    name="@ip-location-db/geo-whois-asn-country-mmdb",
    version="2.3.2026061719",
    integrity="sha512-xemBDNQl4mCYDuVbqe3jKGKsVDykZGkfvebhtOh/3VGLadq8vsp7t7ontpMUt3hH7sAGT0eLDyJ99SV+0waxZg==",
    shasum="d83ce8ab70533e271d7e96bc50d8d816cf4f4470",
)
ASN_PACKAGE = NpmPackage(
    name="@ip-location-db/asn",
    version="2.3.2026061719",
    integrity="sha512-PpqYi7wyEyWwunXBtl+y3Vi403SvNywotWwvmiYCOUtE0SVol/Sf492Ee+eErEznmGapxEQB2SAfrpXuZ9a+vQ==",
    shasum="ab2cb6488fbf93ee2e36df0392abde3ddc0dd7e8",
)

# Blocks of the IANA IPv4 and IPv6 Special-Purpose Address Registries that are not globally
# reachable, plus multicast: an address there is never a place, yet upstream puts some of them in a
# country. ::/96 also keeps IPv6 data out of the part of the tree that holds IPv4, and
# ::ffff:0:0/96 is where the IPv4 alias goes. Globally reachable special blocks that upstream
# fills with real operators (192.88.99.0/24, 2001::/32 Teredo, 2001:4:112::/48 AS112, 2002::/16
# 6to4) stay.
NOT_GLOBAL_BLOCKS: tuple[str, ...] = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/96",
    "::ffff:0:0/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001:2::/48",
    "2001:10::/28",
    "2001:db8::/32",
    "3fff::/20",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
)

# An IP range, first and last address inclusive as integers, and the record for it.
Range = tuple[int, int, Hashable]
Record = dict[str, Any]


@dataclass
class BuildResult:
    """What one database build read and wrote, for the summary and the README."""

    package: NpmPackage
    path: Path
    database_type: str
    description: str
    ranges_read: dict[int, int] = field(default_factory=dict)
    overlaps_resolved: int = 0
    removed: list[tuple[str, Hashable]] = field(default_factory=list)
    ranges_written: dict[int, int] = field(default_factory=dict)
    networks_written: int = 0
    distinct_records: int = 0
    node_count: int = 0
    seconds: float = 0.0

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


class PinnedEpochWriter(mmdb_writer.MMDBWriter):
    """MMDBWriter whose build_epoch is given, not the clock, so that builds are byte-identical."""

    def __init__(self, *, build_epoch: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.build_epoch = build_epoch

    def _build_meta(self) -> dict[str, Any]:
        meta = super()._build_meta()
        meta["build_epoch"] = self.build_epoch
        return meta


def read_country_ranges(tarball: Path) -> dict[int, list[Range]]:
    """The networks of the upstream country mmdb, as ranges with the country code as record."""
    ranges: dict[int, list[Range]] = {4: [], 6: []}
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "geo-whois-asn-country.mmdb"
        path.write_bytes(read_member(tarball, "geo-whois-asn-country.mmdb"))
        with maxminddb.open_database(str(path)) as reader:
            network: IPv4Network | IPv6Network
            for network, record in reader:
                first = int(network.network_address)
                last = int(network.broadcast_address)
                ranges[network.version].append((first, last, record["country_code"]))
    return ranges


def read_asn_ranges(tarball: Path) -> dict[int, list[Range]]:
    """The rows of the upstream ASN CSVs, with (number, organisation) as record."""
    ranges: dict[int, list[Range]] = {4: [], 6: []}
    for version in (4, 6):
        text = read_member(tarball, f"asn-ipv{version}.csv").decode("utf-8")
        for first, last, number, organisation in csv.reader(io.StringIO(text, newline="")):
            ranges[version].append(
                (int(ip_address(first)), int(ip_address(last)), (int(number), organisation))
            )
    return ranges


def resolve_overlaps(ranges: list[Range]) -> tuple[list[Range], int]:
    """Sort, and give each address that two rows claim to the later row.

    mmdb-writer lets a later, larger network replace earlier smaller ones whole, so overlaps are
    settled here, by one rule, rather than by the order of insertion.
    """
    resolved: list[Range] = []
    overlapping_rows = 0
    for first, last, record in sorted(ranges, key=lambda item: (item[0], item[1])):
        tails: list[Range] = []
        if resolved and resolved[-1][1] >= first:
            overlapping_rows += 1
        while resolved and resolved[-1][1] >= first:
            earlier_first, earlier_last, earlier_record = resolved.pop()
            if earlier_last > last:
                tails.append((max(earlier_first, last + 1), earlier_last, earlier_record))
            if earlier_first < first:
                resolved.append((earlier_first, first - 1, earlier_record))
                break
        resolved.append((first, last, record))
        resolved.extend(reversed(tails))
    return resolved, overlapping_rows


def subtract(ranges: list[Range], holes: list[tuple[int, int]]) -> tuple[list[Range], list[Range]]:
    """Remove the holes (sorted, disjoint) from the ranges (sorted, disjoint).

    Returns what is kept and what was cut out, the latter for the README's list of changes.
    """
    kept: list[Range] = []
    removed: list[Range] = []
    hole_index = 0
    for first, last, record in ranges:
        while hole_index < len(holes) and holes[hole_index][1] < first:
            hole_index += 1
        start = first
        index = hole_index
        while index < len(holes) and holes[index][0] <= last and start <= last:
            hole_first, hole_last = holes[index]
            if hole_first > start:
                kept.append((start, hole_first - 1, record))
            removed.append((max(start, hole_first), min(last, hole_last), record))
            start = max(start, hole_last + 1)
            index += 1
        if start <= last:
            kept.append((start, last, record))
    return kept, removed


def merge_adjacent(ranges: list[Range]) -> list[Range]:
    """Join neighbouring ranges with equal records: fewer networks, a smaller tree."""
    merged: list[Range] = []
    for first, last, record in ranges:
        if merged and merged[-1][1] + 1 == first and merged[-1][2] == record:
            merged[-1] = (merged[-1][0], last, record)
        else:
            merged.append((first, last, record))
    return merged


def not_global_holes(version: int) -> list[tuple[int, int]]:
    networks = [ip_network(block) for block in NOT_GLOBAL_BLOCKS]
    return sorted(
        (int(network.network_address), int(network.broadcast_address))
        for network in networks
        if network.version == version
    )


def alias_ipv4_mapped(writer: mmdb_writer.MMDBWriter) -> None:
    """Point ``::ffff:0:0/96`` at the IPv4 subtree (which sits at ``::/96``).

    A dual-stack socket reports IPv4 peers as ``::ffff:a.b.c.d``; MaxMind's databases answer for
    those through the same alias, and readers that walk a database skip aliased nodes.
    """
    ipv4_root: Any = writer.tree
    for _ in range(96):
        ipv4_root = ipv4_root.left
        if not isinstance(ipv4_root, mmdb_writer.SearchTreeNode):
            raise RuntimeError("the tree has no IPv4 part to alias")
    node: Any = writer.tree
    for bit in [0] * 80 + [1] * 15:
        node = node.get_or_create(bit)
        if not isinstance(node, mmdb_writer.SearchTreeNode):
            raise RuntimeError("data inside ::ffff:0:0/96; it should have been dropped")
    if node.right is not None:
        raise RuntimeError("data inside ::ffff:0:0/96; it should have been dropped")
    node.right = ipv4_root


def count_nodes(root: mmdb_writer.SearchTreeNode) -> int:
    seen: set[int] = set()
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, mmdb_writer.SearchTreeNode) and id(node) not in seen:
            seen.add(id(node))
            stack.extend((node.left, node.right))
    return len(seen)


def build(
    result: BuildResult,
    ranges: dict[int, list[Range]],
    to_record: Callable[[Hashable], Record],
    int_type: mmdb_writer.IntType,
) -> None:
    """Clean the ranges, write them as an IPv6 mmdb with IPv4 at ::/96, and verify the file."""
    started = time.perf_counter()
    writer = PinnedEpochWriter(
        build_epoch=int(data_date(result.package).timestamp()),
        ip_version=6,
        ipv4_compatible=True,
        database_type=result.database_type,
        languages=["en"],
        description={"en": result.description},
        int_type=int_type,
    )
    cleaned: dict[int, list[Range]] = {}
    records: dict[Hashable, Record] = {}
    for version in (4, 6):
        result.ranges_read[version] = len(ranges[version])
        resolved, overlaps = resolve_overlaps(ranges[version])
        kept, removed = subtract(merge_adjacent(resolved), not_global_holes(version))
        result.overlaps_resolved += overlaps
        result.removed.extend(
            (str(cidr), key)
            for first, last, key in removed
            for cidr in IPRange(IPAddress(first, version), IPAddress(last, version)).cidrs()
        )
        cleaned[version] = kept
        result.ranges_written[version] = len(kept)
        for first, last, key in kept:
            record = records.setdefault(key, to_record(key))
            network_set = IPSet(IPRange(IPAddress(first, version), IPAddress(last, version)))
            result.networks_written += len(network_set.iter_cidrs())
            writer.insert_network(network_set, record)
    alias_ipv4_mapped(writer)
    result.distinct_records = len(records)
    result.node_count = count_nodes(writer.tree)
    result.path.parent.mkdir(parents=True, exist_ok=True)
    partial = result.path.with_suffix(".mmdb.partial")
    writer.to_db_file(str(partial))
    verify(partial, cleaned, records)
    partial.replace(result.path)
    result.seconds = time.perf_counter() - started


def verify(
    path: Path,
    cleaned: dict[int, list[Range]],
    records: dict[Hashable, Record],
) -> None:
    """Read the written file back: both ends of every range, IPv4-mapped too, and the holes."""
    with maxminddb.open_database(str(path)) as reader:
        for version, kept in cleaned.items():
            for first, last, key in kept:
                expected = records[key]
                for number in (first, last):
                    address = IPAddress(number, version)
                    if reader.get(str(address)) != expected:
                        raise RuntimeError(f"{path.name}: {address} does not read back {expected}")
                    if version == 4 and reader.get(f"::ffff:{address}") != expected:
                        raise RuntimeError(f"{path.name}: ::ffff:{address} is not aliased")
        for block in NOT_GLOBAL_BLOCKS:
            network = ip_network(block)
            for address in (network.network_address, network.broadcast_address):
                if reader.get(str(address)) is not None:
                    raise RuntimeError(f"{path.name}: {address} should not be in the database")


def country_record(code: Hashable) -> Record:
    # The GeoLite2-Country layout, cut to what the data knows.
    return {"country": {"iso_code": code}}


def asn_record(key: Hashable) -> Record:
    number, organisation = cast(tuple[int, str], key)
    record: Record = {"autonomous_system_number": number}
    if organisation:
        record["autonomous_system_organization"] = organisation
    return record


def build_country(tarball: Path, output_dir: Path) -> BuildResult:
    package = COUNTRY_PACKAGE
    result = BuildResult(
        package=package,
        path=output_dir / COUNTRY_FILE,
        database_type=COUNTRY_DATABASE_TYPE,
        description=(
            f"Borderless country database, data of {data_date(package):%Y-%m-%d}: ip-location-db"
            f" geo-whois-asn-country ({package.spec}), from NRO data, CC BY 4.0. GeoLite2-Country"
            " record layout (country.iso_code only); not globally reachable blocks removed."
        ),
    )
    build(result, read_country_ranges(tarball), country_record, int_type="auto")
    return result


def build_asn(tarball: Path, output_dir: Path) -> BuildResult:
    package = ASN_PACKAGE
    result = BuildResult(
        package=package,
        path=output_dir / ASN_FILE,
        database_type=ASN_DATABASE_TYPE,
        description=(
            f"Borderless ASN database, data of {data_date(package):%Y-%m-%d}: ip-location-db asn"
            f" ({package.spec}), from RouteViews, NRO and DB-IP data, CC BY 4.0. GeoLite2-ASN"
            " record layout; not globally reachable blocks removed."
        ),
    )
    # GeoLite2-ASN stores AS numbers as uint32; mmdb-writer would pick uint16 for small ones.
    build(result, read_asn_ranges(tarball), asn_record, int_type="u32")
    return result


def quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


def without_link_targets(markdown: str) -> str:
    """Markdown links reduced to their text: the quotes keep the words, not the addresses."""
    # One level of parentheses inside a target, as in Wikipedia's "..._(Internet)".
    return re.sub(r"\[([^\]]*)\]\((?:[^()]|\([^()]*\))*\)", r"\1", markdown)


def describe_removed(result: BuildResult) -> str:
    if not result.removed:
        return "none"
    return ", ".join(f"`{network}` {describe(key)}" for network, key in result.removed)


def describe(key: Hashable) -> str:
    if isinstance(key, tuple):
        return f"AS{key[0]} {key[1]}"
    return str(key)


def upstream_section(readme: str, heading: str, next_heading: str) -> str:
    """The part of an upstream README from one heading to the next, to quote it verbatim."""
    start = readme.index(heading)
    return readme[start : readme.index(next_heading, start)].strip()


def table_row(result: BuildResult, what: str) -> str:
    ranges = f"{result.ranges_written[4]:,} IPv4 + {result.ranges_written[6]:,} IPv6 ranges"
    return f"| `{result.path.name}` | {what} | {ranges} | {result.size:,} | `{result.sha256}` |"


def write_readme(
    output_dir: Path, country: BuildResult, asn: BuildResult, country_tar: Path, asn_tar: Path
) -> Path:
    """Write README.md beside the databases, quoting the licence texts from the tarballs."""
    country_readme = read_member(country_tar, "README.md").decode("utf-8")
    asn_readme = read_member(asn_tar, "README.md").decode("utf-8")
    sections = ("## Referenced Database and License", "## Merge rule")
    asn_licences = "\n\n".join(
        f"`{name}`:\n\n{quote(read_member(asn_tar, name).decode('utf-8'))}"
        for name in ("ROUTEVIEWS-LICENSE", "NRO_LICENSE", "DBIP-LICENSE", "MODIFICATIONS")
    )
    csv_columns = (
        "ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization"
    )
    holes = ", ".join(f"`{block}`" for block in NOT_GLOBAL_BLOCKS)
    date = f"{data_date(country.package):%Y-%m-%d}"
    licence_url = "https://creativecommons.org/licenses/by/4.0/"
    text = f"""# resources/geo/

Geolocation databases the app ships: the country of an IP address, and the autonomous system
(network operator) that announces it. Written by `scripts/build_geo_databases.py`; do not edit by
hand, run it again (two runs give the same bytes, so the checksums here hold):

    pip install "mmdb-writer=={MMDB_WRITER_VERSION}" "maxminddb>=2.5"   # and npm on the PATH
    python scripts/build_geo_databases.py

| File | What | Ranges | Bytes | sha256 |
|---|---|---|---|---|
{table_row(country, "IP address to country (ISO 3166-1 alpha-2)")}
{table_row(asn, "IP address to AS number and organisation")}

Both are MaxMind DB files (an IPv6 tree, IPv4 at `::/96` and aliased at `::ffff:0:0/96`) in
MaxMind's record layouts, so geoip2's `Reader.country()` and `Reader.asn()` read them and the app
reads a person's own files through the same code. MaxMind's GeoLite2 files are **not** bundled:
their licence does not allow it. A person may point the app at their own GeoLite2 or GeoIP2,
DB-IP or IPinfo Lite mmdb files instead.

## `{country.path.name}`

- Source: npm package `{country.package.name}`, version `{country.package.version}`, tarball
  integrity `{country.package.integrity}`
  (shasum `{country.package.shasum}`); its file `geo-whois-asn-country.mmdb` (records
  `{{"country_code": "US"}}`, database type `country ipvAll`).
- Data date: {date} (ip-location-db versions end in the date and hour the data was gathered;
  the build epoch in the metadata is {date}T00:00:00Z).
- Licence: CC BY 4.0 ({licence_url}), data by the Number Resource Organization (NRO). The
  package's `package.json` says `CC0-1.0`, ip-location-db's licence for its own work; the data in
  it is the NRO's, under CC BY 4.0, as its README and `NRO_LICENSE` say.
- Metadata: database_type `{country.database_type}`, languages `["en"]`, description (en):
  "{country.description}"
- Record layout (GeoLite2-Country, cut to what the data knows): `{{"country": {{"iso_code":
  "US"}}}}`. No names, continent, geoname_id or registered_country.

The package's `NRO_LICENSE`:

{quote(read_member(country_tar, "NRO_LICENSE").decode("utf-8"))}

Its README on sources and licence (links left out):

{quote(without_link_targets(upstream_section(country_readme, *sections)))}

## `{asn.path.name}`

- Source: npm package `{asn.package.name}`, version `{asn.package.version}`, tarball integrity
  `{asn.package.integrity}`
  (shasum `{asn.package.shasum}`); its files `asn-ipv4.csv` and `asn-ipv6.csv`
  (`{csv_columns}`).
- Data date: {date} (build epoch {date}T00:00:00Z).
- Licence: CC BY 4.0 ({licence_url}), data by RouteViews, the NRO and DB-IP. The package's
  `package.json`: "SEE LICENSE IN ROUTEVIEWS-LICENSE and DBIP-LICENSE (CC-BY-4.0)".
- Metadata: database_type `{asn.database_type}` (geoip2's `asn()` accepts any type that
  contains `GeoLite2-ASN`), languages `["en"]`, description (en): "{asn.description}"
- Record layout (GeoLite2-ASN): `{{"autonomous_system_number": 15169,
  "autonomous_system_organization": "Google LLC"}}`, the number a uint32.

The package's licence files:

{asn_licences}

Its README on sources and licence (links left out):

{quote(without_link_targets(upstream_section(asn_readme, *sections)))}

## Attribution

CC BY 4.0 asks for the name of the source and its licensors, a link to the licence and a note
that the data was changed; the NRO, RouteViews and DB-IP each ask for attribution to nro.net,
routeviews.org and DB-IP.com. The text the app shows (About box, and wherever it shows a country
or an organisation from these files):

> Country data: ip-location-db geo-whois-asn-country by sapics ({date}), from data by the Number
> Resource Organization (nro.net). AS data: ip-location-db asn by sapics ({date}), from data by
> RouteViews (routeviews.org), the Number Resource Organization (nro.net) and DB-IP (DB-IP.com).
> Both licensed under CC BY 4.0 ({licence_url}) and converted by Borderless to MaxMind DB files,
> without non-public address blocks. IP Geolocation by DB-IP (https://db-ip.com).

DB-IP's link back (`<a href='https://db-ip.com'>IP Geolocation by DB-IP</a>`) is asked of web
applications; the app shows the same words and link.

## Changes made to the data

- Re-encoded from ip-location-db's layouts to MaxMind's (above). Neighbouring ranges with the
  same record are joined. Read: {country.ranges_read[4]:,} IPv4 + {country.ranges_read[6]:,} IPv6
  country networks, {asn.ranges_read[4]:,} IPv4 + {asn.ranges_read[6]:,} IPv6 ASN rows.
- Where rows overlap, the later row wins: {asn.overlaps_resolved} ASN row(s) in this version,
  {country.overlaps_resolved} country.
- Addresses in blocks that are not globally reachable (IANA special-purpose registries) or are
  multicast are dropped: {holes}. Upstream records that fell there, country:
  {describe_removed(country)}; ASN: {describe_removed(asn)}.

## Caveat from upstream

Both packages' READMEs open with a notice that the data published to npm "contains bugs resulting
in incorrect data", that npm updates are deprecated and will stop, and that corrected data is in
the project's GitHub releases. This version, the last on npm, is what a registry-only build can
reach; the non-public blocks above are the bugs that show. Country answers are the registries'
view (geofeeds, whois), not a measurement of where a server stands.
"""
    path = output_dir / "README.md"
    # The README also describes files this script does not make (the edge-network table): only
    # the part after its marker is written, and what stands after that part is kept.
    kept = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if README_END in old:
            kept = old.split(README_END, 1)[1]
    path.write_text(text.rstrip("\n") + "\n\n" + README_END + kept, encoding="utf-8")
    return path


README_END = "<!-- end of the part written by scripts/build_geo_databases.py -->\n"


def summary(result: BuildResult) -> str:
    read = result.ranges_read
    written = result.ranges_written
    return (
        f"{result.path.name}: read {read[4]:,} IPv4 + {read[6]:,} IPv6 ranges;"
        f" wrote {written[4]:,} + {written[6]:,} ranges as {result.networks_written:,} networks,"
        f" {result.distinct_records:,} distinct records, {result.node_count:,} nodes;"
        f" {result.overlaps_resolved} overlapping rows resolved, {len(result.removed)} non-public"
        f" networks dropped; {result.size:,} bytes in {result.seconds:.1f} s\n"
        f"  database_type {result.database_type!r}\n  sha256 {result.sha256}"
    )


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="where the databases and README.md go (default: resources/geo of this checkout)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help=f"where the npm tarballs are kept between builds (default: {DEFAULT_CACHE_DIR})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    if mmdb_writer.__version__ != MMDB_WRITER_VERSION:
        print(
            f"warning: mmdb-writer {mmdb_writer.__version__}, not {MMDB_WRITER_VERSION}: the files"
            " may differ byte for byte from the pinned checksums",
            file=sys.stderr,
        )
    tarballs = [fetch(package, arguments.cache_dir) for package in (COUNTRY_PACKAGE, ASN_PACKAGE)]
    for package, tarball in zip((COUNTRY_PACKAGE, ASN_PACKAGE), tarballs, strict=True):
        print(f"{package.spec}: {tarball} ({package.integrity})")
    output_dir: Path = arguments.output_dir
    country = build_country(tarballs[0], output_dir)
    print(summary(country))
    asn = build_asn(tarballs[1], output_dir)
    print(summary(asn))
    print("wrote", write_readme(output_dir, country, asn, *tarballs))


if __name__ == "__main__":
    main()
