"""Resolution from the command line: scan --resolver/--offline, the report's fields, lookup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dnsserver import Dnsmasq
from tests.e2e.conftest import run
from tests.unit.test_geo import GEO_FIXTURES
from tests.unit.test_resolution_pipeline import FIXTURE_ZONE


@pytest.fixture
def server():
    with Dnsmasq(FIXTURE_ZONE) as running:
        yield running


def test_scan_online_names_the_resolver_and_fills_the_report(home: Path, server: Dnsmasq) -> None:
    result = run("scan", "--online", "--resolver", server.address, home=home)
    assert (
        f"Resolving 24 host names with the resolver {server.address}. It saw these names when "
        "you browsed (or your devices looked them up); use --offline to send none."
    ) in result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith(
        f"Resolved 24 hosts (asked the resolver {server.address}): 17 the resolver refused "
        "(REFUSED), 6 with addresses, 1 that do not exist (NXDOMAIN); located "
    )
    report = json.loads(run("report", "--format", "json", "--output", "-", home=home).stdout)
    domains = {domain["host"]: domain for domain in report["domains"]}
    youtube = domains["www.youtube.com"]
    assert youtube["cname_chain"] == ["youtube-ui.l.google.com"]
    assert youtube["resolution_status"] == "ok"
    assert youtube["asns"] == [
        {"number": 15169, "organization": youtube["asns"][0]["organization"]}
    ]
    assert youtube["server_countries"] and all(
        len(code) == 2 for code in youtube["server_countries"]
    )
    assert domains["www.lemonde.fr"]["resolution_status"] == "refused"
    countries = {entry["country"]: entry for entry in report["countries"]}
    assert sum(entry["hosts"] for entry in countries.values()) >= 6
    assert report["resolution"]["not_resolved"] == {"nxdomain": 1, "refused": 17}
    assert {database["name"] for database in report["resolution"]["databases"]} >= {
        "borderless-country.mmdb",
        "borderless-asn.mmdb",
    }


def test_the_resolver_choice_is_saved_and_offline_sends_nothing(
    home: Path, server: Dnsmasq
) -> None:
    run("scan", "--online", "--resolver", server.address, home=home)
    asked = len(server.queries())
    assert asked > 0
    # Saved: the next scan asks the same resolver (here, again, because of --refresh-dns).
    run("scan", "--online", "--refresh-dns", home=home)
    assert len(server.queries()) == 2 * asked
    # Offline (saved too) sends nothing, even when asked to refresh.
    result = run("scan", "--offline", "--refresh-dns", home=home)
    assert len(server.queries()) == 2 * asked
    assert "Resolving" not in result.stderr
    # The answers stored before are still in the report.
    report = json.loads(run("report", "--format", "json", "--output", "-", home=home).stdout)
    assert report["resolution"]["resolved"] == 6


def test_lookup_explains_a_host(home: Path, server: Dnsmasq) -> None:
    result = run("lookup", "www.facebook.com", "--online", "--resolver", server.address, home=home)
    text = result.stdout
    assert "alias of: www.facebook.com -> star-mini.c10r.facebook.com" in text
    assert f"asked: the resolver {server.address}" in text
    assert "157.240.0.35" in text and "AS32934" in text
    assert "[cdn: Meta" in text  # Facebook's own edge network
    assert "borderless-asn.mmdb" in text
    # Nothing was stored.
    assert not (home / "data" / "audit.sqlite").exists()

    explained = json.loads(
        run("lookup", "https://www.youtube.com/watch?v=x", "--online", "--resolver",
            server.address, "--json", home=home).stdout
    )  # fmt: skip
    assert explained["host"] == "www.youtube.com"
    assert explained["cname_chain"] == ["youtube-ui.l.google.com"]
    assert explained["locations"][0]["asn"] == 15169


def test_lookup_of_an_address_needs_no_resolver(tmp_path: Path) -> None:
    explained = json.loads(run("lookup", "8.8.8.8", "--json", home=tmp_path).stdout)
    location = explained["locations"][0]
    assert (location["asn"], location["edge_kind"]) == (15169, "anycast")
    assert explained["resolver"] is None
    private = run("lookup", "192.168.1.20", home=tmp_path).stdout
    assert "private address: not located" in private


def test_lookup_offline_shows_the_stored_answer(home: Path, server: Dnsmasq) -> None:
    run("scan", "--online", "--resolver", server.address, home=home)
    asked = len(server.queries())
    text = run("lookup", "vk.com", "--offline", home=home).stdout
    assert "offline: the answer stored at" in text and "87.240.132.72" in text
    unknown = run("lookup", "www.example.net", "--offline", home=home, check=False)
    assert unknown.returncode == 1
    assert "no scan has stored an answer" in unknown.stdout
    assert len(server.queries()) == asked


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["scan", "--resolver", "dns.google"], "is not an IP address"),
        (["lookup", "not a host!"], "is not a host name, URL or IP address"),
    ],
)
def test_bad_input_is_explained(home: Path, arguments: list[str], message: str) -> None:
    result = run(*arguments, home=home, check=False)
    assert result.returncode in (1, 2)
    assert message in result.stderr


def test_a_broken_geolocation_database_is_refused_by_name(home: Path, tmp_path: Path) -> None:
    broken = tmp_path / "GeoLite2-City.mmdb"
    broken.write_bytes(b"\x00" * 1000)
    for command in ("lookup", "scan"):
        arguments = ["lookup", "8.8.8.8"] if command == "lookup" else ["scan"]
        result = run(*arguments, "--geo-db", str(broken), home=home, check=False)
        assert result.returncode == 2
        assert str(broken) in result.stderr and "not a MaxMind-format" in result.stderr


def test_own_databases_are_saved_and_one_gone_later_is_left_out_with_a_warning(
    home: Path, tmp_path: Path, server: Dnsmasq
) -> None:
    own = tmp_path / "GeoLite2-ASN.mmdb"
    own.write_bytes((GEO_FIXTURES / "GeoLite2-ASN-Test.mmdb").read_bytes())
    run("scan", "--online", "--resolver", server.address, "--geo-db", str(own), home=home)
    report = json.loads(run("report", "--format", "json", "--output", "-", home=home).stdout)
    names = [database["name"] for database in report["resolution"]["databases"]]
    assert names == ["GeoLite2-ASN.mmdb", "borderless-country.mmdb", "borderless-asn.mmdb"]

    own.unlink()
    result = run("scan", "--online", "--refresh-dns", home=home)
    assert f"warning: geolocation database left out: {own}: no such file" in result.stderr
    report = json.loads(run("report", "--format", "json", "--output", "-", home=home).stdout)
    assert report["resolution"]["resolved"] == 6
    names = [database["name"] for database in report["resolution"]["databases"]]
    assert names == ["borderless-country.mmdb", "borderless-asn.mmdb"]


def test_geo_db_shipped_goes_back_to_the_shipped_databases(home: Path, tmp_path: Path) -> None:
    own = tmp_path / "GeoLite2-Country.mmdb"
    own.write_bytes((GEO_FIXTURES / "GeoLite2-Country-Test.mmdb").read_bytes())
    run("scan", "--geo-db", str(own), home=home)
    explained = json.loads(run("lookup", "81.2.69.160", "--json", home=home).stdout)
    assert explained["locations"][0]["country_database"] == "GeoLite2-Country.mmdb"
    run("scan", "--geo-db", "shipped", home=home)
    explained = json.loads(run("lookup", "81.2.69.160", "--json", home=home).stdout)
    assert explained["locations"][0]["country_database"] == "borderless-country.mmdb"
