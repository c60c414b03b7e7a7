"""Geolocation with the shipped databases, a person's own (MaxMind's test files), and bad files."""

from __future__ import annotations

import ipaddress
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borderless.paths import resources_dir
from borderless.resolve.geo import (
    EdgeNetworks,
    GeoDatabaseError,
    Geolocator,
    Layout,
    Scope,
    scope_of,
)

GEO_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "geo"
COUNTRY_TEST = GEO_FIXTURES / "GeoLite2-Country-Test.mmdb"
ASN_TEST = GEO_FIXTURES / "GeoLite2-ASN-Test.mmdb"
CITY_TEST = GEO_FIXTURES / "GeoIP2-City-Test.mmdb"
FLAT_TEST = GEO_FIXTURES / "flat-lite-test.mmdb"


@pytest.fixture(scope="module")
def shipped():
    with Geolocator() as geolocator:
        yield geolocator


@pytest.mark.parametrize(
    ("address", "country", "asn", "organization", "edge"),
    [
        ("8.8.8.8", "US", 15169, "Google LLC", ("anycast", "Google Public DNS")),
        ("2001:4860:4860::8888", "US", 15169, "Google LLC", ("anycast", "Google Public DNS")),
        ("1.1.1.1", "AU", 13335, "Cloudflare, Inc.", ("anycast", "Cloudflare 1.1.1.1 resolver")),
        ("2606:4700:4700::1111", "US", 13335, "Cloudflare, Inc.",
         ("anycast", "Cloudflare 1.1.1.1 resolver")),
        ("157.240.0.35", "US", 32934, "Facebook, Inc.", ("cdn", "Meta (Facebook)")),
        ("142.250.185.78", "US", 15169, "Google LLC", (None, None)),  # Google: mixed, not flagged
        ("87.240.132.72", "RU", 47541, "LLC VK", (None, None)),
        ("110.242.68.3", "CN", 4837, "CHINA UNICOM China169 Backbone", (None, None)),
    ],
)  # fmt: skip
def test_the_shipped_databases_know_well_known_addresses(
    shipped: Geolocator, address, country, asn, organization, edge
) -> None:
    location = shipped.locate(address)
    assert location.scope is Scope.PUBLIC
    assert (location.country, location.asn, location.as_organization) == (
        country,
        asn,
        organization,
    )
    assert (location.edge_kind, location.edge_operator) == edge
    assert location.country_database == "borderless-country.mmdb"
    assert location.asn_database == "borderless-asn.mmdb"


def test_the_shipped_databases_describe_themselves(shipped: Geolocator) -> None:
    infos = {database.info.name: database.info for database in shipped.databases}
    country, asn = infos["borderless-country.mmdb"], infos["borderless-asn.mmdb"]
    assert (country.layout, asn.layout) == (Layout.COUNTRY, Layout.ASN)
    assert country.built == asn.built == "2026-06-17"
    assert country.shipped and "CC BY 4.0" in country.description
    readme = (resources_dir() / "geo" / "README.md").read_text(encoding="utf-8")
    for name in infos:
        assert name in readme


@pytest.mark.parametrize(
    ("address", "scope", "shown"),
    [
        ("10.1.2.3", Scope.PRIVATE, "10.1.2.3"),
        ("192.168.0.10", Scope.PRIVATE, "192.168.0.10"),
        ("172.20.0.1", Scope.PRIVATE, "172.20.0.1"),
        ("fd12:3456::1", Scope.PRIVATE, "fd12:3456::1"),
        ("127.0.0.1", Scope.LOOPBACK, "127.0.0.1"),
        ("::1", Scope.LOOPBACK, "::1"),
        ("169.254.10.1", Scope.LINK_LOCAL, "169.254.10.1"),
        ("fe80::1", Scope.LINK_LOCAL, "fe80::1"),
        ("100.64.1.1", Scope.SHARED, "100.64.1.1"),
        ("224.0.0.251", Scope.MULTICAST, "224.0.0.251"),
        ("ff02::fb", Scope.MULTICAST, "ff02::fb"),
        ("192.0.2.1", Scope.RESERVED, "192.0.2.1"),
        ("2001:db8::1", Scope.RESERVED, "2001:db8::1"),
        ("0.0.0.0", Scope.RESERVED, "0.0.0.0"),
        ("255.255.255.255", Scope.RESERVED, "255.255.255.255"),
        ("::ffff:10.0.0.1", Scope.PRIVATE, "10.0.0.1"),
    ],
)
def test_addresses_that_are_not_public_are_never_located(
    shipped: Geolocator, address: str, scope: Scope, shown: str
) -> None:
    location = shipped.locate(address)
    assert (location.scope, location.address) == (scope, shown)
    assert location.country is None and location.asn is None and location.edge_kind is None


def test_ipv4_inside_ipv6_is_located_as_ipv4(shipped: Geolocator) -> None:
    # IPv4-mapped, and behind the NAT64 prefix an IPv6-only network's DNS64 resolver writes.
    for written in ("::ffff:8.8.8.8", "64:ff9b::808:808", "::FFFF:8.8.8.8"):
        location = shipped.locate(written)
        assert (location.address, location.asn) == ("8.8.8.8", 15169)
    assert shipped.locate("2001:4860:4860:0:0:0:0:8888").address == "2001:4860:4860::8888"


@pytest.mark.parametrize("text", ["", "8.8.8", "8.8.8.256", "dns.google", "::g", " 8.8.8.8"])
def test_text_that_is_no_address_is_refused(shipped: Geolocator, text: str) -> None:
    with pytest.raises(ValueError, match="not an IP address"):
        shipped.locate(text)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_public_means_globally_reachable(value: int) -> None:
    address = ipaddress.IPv4Address(value)
    # Python's table calls the deprecated 6to4 relay range global; ours keeps it reserved.
    if address in ipaddress.ip_network("192.88.99.0/24") or address in ipaddress.ip_network(
        "192.0.0.0/24"
    ):
        return
    # Python 3.11 also calls most multicast groups global; they reach no one server, so ours
    # keeps them apart (found by this test: 224.0.0.0).
    if address.is_multicast:
        assert scope_of(address) is Scope.MULTICAST
        return
    assert (scope_of(address) is Scope.PUBLIC) == address.is_global


# A person's own databases -----------------------------------------------------------------------


def test_own_country_and_asn_databases_come_before_the_shipped_ones() -> None:
    with Geolocator([COUNTRY_TEST, ASN_TEST]) as geolocator:
        london = geolocator.locate("81.2.69.160")
        assert (london.country, london.country_database) == ("GB", "GeoLite2-Country-Test.mmdb")
        telstra = geolocator.locate("1.128.0.1")
        assert (telstra.asn, telstra.as_organization) == (1221, "Telstra Pty Ltd")
        assert telstra.asn_database == "GeoLite2-ASN-Test.mmdb"
        no_name = geolocator.locate("12.81.96.1")
        assert (no_name.asn, no_name.as_organization) == (7018, None)
        # Where the person's files know nothing, the shipped ones answer.
        google = geolocator.locate("8.8.8.8")
        assert (google.country_database, google.asn_database) == (
            "borderless-country.mmdb",
            "borderless-asn.mmdb",
        )
        assert geolocator.locate("2001:218::1").country == "JP"
        # A record with no country at all falls through to the next database.
        assert geolocator.locate("2a02:d500::1").country_database == "borderless-country.mmdb"


def test_a_city_database_gives_the_country() -> None:
    with Geolocator([CITY_TEST], include_shipped=False) as geolocator:
        assert geolocator.databases[0].info.layout is Layout.CITY
        assert geolocator.locate("175.16.199.1").country == "CN"
        assert geolocator.locate("2001:480:10::1").country == "US"
        assert geolocator.locate("89.160.20.128").country == "SE"
        # A record that knows only that the address is anycast has no country.
        assert geolocator.locate("214.1.1.1").country is None
        assert geolocator.locate("8.8.8.8").country is None


def test_a_flat_database_like_ipinfo_lite() -> None:
    with Geolocator([FLAT_TEST], include_shipped=False) as geolocator:
        assert geolocator.databases[0].info.layout is Layout.FLAT
        first = geolocator.locate("11.0.5.5")
        assert (first.country, first.asn, first.as_organization) == (
            "NZ",
            64500,
            "Example Flat Net",
        )
        second = geolocator.locate("11.1.0.1")
        assert (second.country, second.asn) == ("KE", None)
        six = geolocator.locate("2400:cb00::1")
        assert (six.country, six.asn, six.as_organization) == ("SG", 64501, "Example Six")


def test_the_set_of_databases_names_its_locations() -> None:
    with Geolocator() as plain, Geolocator([COUNTRY_TEST]) as own:
        assert plain.identity != own.identity
    with Geolocator() as again:
        assert again.identity == plain.identity


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: path.write_bytes(b""), "not a MaxMind-format"),
        (lambda path: path.write_bytes(b"\x00\x01garbage" * 500), "not a MaxMind-format"),
        (lambda path: path.write_bytes(COUNTRY_TEST.read_bytes()[:6000]), "not a MaxMind-format"),
        (lambda path: path.mkdir(), "is a folder"),
        (lambda path: None, "no such file"),
    ],
    ids=["empty", "garbage", "truncated", "folder", "missing"],
)
def test_unusable_databases_are_named_with_the_reason(tmp_path: Path, make, message) -> None:
    path = tmp_path / "GeoLite2-Country.mmdb"
    make(path)
    with pytest.raises(GeoDatabaseError, match=message) as caught:
        Geolocator([path])
    assert str(path) in str(caught.value)


def test_a_database_found_damaged_during_a_lookup_is_left_out(tmp_path: Path) -> None:
    # The metadata sits at the end: with the start overwritten the file opens, and the damage
    # shows only when a lookup walks the broken search tree.
    path = tmp_path / "cut.mmdb"
    data = COUNTRY_TEST.read_bytes()
    path.write_bytes(b"\x00" * 4000 + data[4000:])
    with Geolocator([path]) as strict, pytest.raises(GeoDatabaseError, match="damaged"):
        strict.locate("81.2.69.160")
    problems: list[str] = []
    with Geolocator([path], on_problem=problems.append) as tolerant:
        location = tolerant.locate("81.2.69.160")
        assert location.country_database == "borderless-country.mmdb"
        assert tolerant.locate("8.8.8.8").country == "US"
    assert len(problems) == 1 and problems[0].startswith(f"{path}: damaged")


def test_an_unreadable_database_of_the_persons_is_left_out_when_asked(tmp_path: Path) -> None:
    problems: list[str] = []
    missing = tmp_path / "gone.mmdb"
    with Geolocator([missing, ASN_TEST], on_problem=problems.append) as geolocator:
        assert [db.info.name for db in geolocator.databases] == [
            "GeoLite2-ASN-Test.mmdb", "borderless-country.mmdb", "borderless-asn.mmdb"
        ]  # fmt: skip
    assert problems == [f"{missing}: no such file"]


# The edge-network table -------------------------------------------------------------------------


def test_the_edge_table_is_well_formed() -> None:
    document = json.loads((resources_dir() / "geo" / "edge-networks.json").read_text("utf-8"))
    asns = [entry["asn"] for entry in document["networks"]]
    prefixes = [entry["prefix"] for entry in document["prefixes"]]
    assert len(asns) == len(set(asns)) >= 40
    assert len(prefixes) == len(set(prefixes)) >= 100
    for entry in document["networks"] + document["prefixes"]:
        assert entry["kind"] in ("anycast", "cdn") and entry["operator"] and entry["basis"]
    for prefix in prefixes:
        ipaddress.ip_network(prefix, strict=True)
    # Networks that mix edges with ordinary servers must not flag every address they hold.
    assert not {16509, 15169, 8075} & set(asns)


def test_the_longest_prefix_wins_then_the_asn() -> None:
    edges = EdgeNetworks(
        {
            "networks": [{"asn": 64500, "operator": "Edge AS", "kind": "cdn"}],
            "prefixes": [
                {"prefix": "2606:4700::/32", "operator": "Wide", "kind": "anycast"},
                {"prefix": "2606:4700:4700::/48", "operator": "Narrow", "kind": "anycast"},
                {"prefix": "203.0.0.0/16", "operator": "Four", "kind": "cdn"},
            ],
        }
    )

    def operator(text: str, asn: int | None = None) -> str | None:
        address = ipaddress.ip_address(text)
        found = edges.classify(address.version, int(address), asn)
        return found.operator if found else None

    assert operator("2606:4700:4700::1111") == "Narrow"
    assert operator("2606:4700:1::1") == "Wide"
    assert operator("203.0.255.255") == "Four"
    assert operator("203.1.0.0") is None
    assert operator("203.1.0.0", 64500) == "Edge AS"
    assert operator("2001:db8::1", 64501) is None


def test_a_missing_edge_table_flags_nothing(tmp_path: Path, monkeypatch) -> None:
    resources = tmp_path / "resources"
    shutil.copytree(resources_dir() / "geo", resources / "geo")
    (resources / "geo" / "edge-networks.json").unlink()
    monkeypatch.setenv("BORDERLESS_RESOURCES", str(resources))
    assert EdgeNetworks.shipped().by_asn == {}
