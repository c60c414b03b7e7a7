"""Resolution against real DNS servers on 127.0.0.1: dnsmasq, and peers that misbehave."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from borderless.model import ResolutionStatus
from borderless.resolve.dns import (
    ResolverChoice,
    ResolverChoiceError,
    is_local_name,
    resolve_all,
)
from tests.dnsserver import Dnsmasq, MisbehavingPeer, ScriptedPeer, Zone

# Records shaped like the real ones: LinkedIn served through Microsoft's edge, YouTube through
# Google's front ends, a two-step chain through Akamai.
REAL_WORLD = Zone(
    hosts={
        "l-0005.l-msedge.net": ["13.107.42.14", "2620:1ec:21::14"],
        "youtube-ui.l.google.com": ["142.250.185.78", "2a00:1450:4001:82b::200e"],
        "e1234.a.akamaiedge.net": ["23.52.0.10"],
        "plain.example.org": ["192.0.2.10"],
    },
    cnames={
        "www.linkedin.com": "l-0005.l-msedge.net",
        "www.youtube.com": "youtube-ui.l.google.com",
        "www.example-shop.com.edgekey.net": "e1234.a.akamaiedge.net",
        "www.example-shop.com": "www.example-shop.com.edgekey.net",
    },
    local=[
        "linkedin.com",
        "l-msedge.net",
        "youtube.com",
        "google.com",
        "example.org",
        "example-shop.com",
        "edgekey.net",
        "akamaiedge.net",
    ],  # fmt: skip
    nxdomain=["gone.example.net"],
)


@pytest.fixture(scope="module")
def server():
    with Dnsmasq(REAL_WORLD) as running:
        yield running


def resolve(server_address: str, *hosts: str, **options):
    results = resolve_all(hosts, ResolverChoice.parse(server_address), **options)
    return {result.host: result for result in results}


def test_cname_chains_and_both_address_families(server: Dnsmasq) -> None:
    found = resolve(server.address, "www.linkedin.com", "www.youtube.com", "www.example-shop.com")
    linkedin = found["www.linkedin.com"]
    assert linkedin.status is ResolutionStatus.OK
    assert linkedin.cname_chain == ("l-0005.l-msedge.net",)
    assert linkedin.addresses == ("13.107.42.14", "2620:1ec:21::14")
    assert linkedin.ttl == 300
    assert linkedin.resolver == server.address
    assert found["www.youtube.com"].cname_chain == ("youtube-ui.l.google.com",)
    shop = found["www.example-shop.com"]
    assert shop.cname_chain == ("www.example-shop.com.edgekey.net", "e1234.a.akamaiedge.net")
    assert shop.addresses == ("23.52.0.10",)
    assert shop.detail is None  # no AAAA is an answer (NODATA), not a failure


def test_a_name_that_does_not_exist_and_one_without_addresses(server: Dnsmasq) -> None:
    found = resolve(server.address, "www.gone.example.net", "nothing.example.org", "example.org")
    assert found["www.gone.example.net"].status is ResolutionStatus.NXDOMAIN
    assert found["nothing.example.org"].status is ResolutionStatus.NXDOMAIN
    assert found["example.org"].status is ResolutionStatus.NO_ADDRESS
    assert all(not result.addresses for result in found.values())


def test_a_refusing_resolver(server: Dnsmasq) -> None:
    # dnsmasq has no upstream: a name outside its zones is refused.
    result = resolve(server.address, "www.elsewhere.example.com")["www.elsewhere.example.com"]
    assert result.status is ResolutionStatus.REFUSED
    assert "REFUSED" in (result.detail or "")


def test_a_failing_upstream_gives_servfail() -> None:
    with MisbehavingPeer(answer=True) as upstream, Dnsmasq(
        Zone(forward={"broken.example": upstream.dnsmasq_address})
    ) as relay:  # fmt: skip
        result = resolve(relay.address, "www.broken.example")["www.broken.example"]
    assert result.status is ResolutionStatus.SERVFAIL
    assert upstream.received >= 2  # dnsmasq asked it, for A and AAAA


def test_a_silent_resolver_times_out_after_a_bounded_retry() -> None:
    with MisbehavingPeer(answer=False) as silent:
        started = time.monotonic()
        found = resolve(silent.address, "a.example.com", "b.example.com", timeout=0.3, retries=1)
        elapsed = time.monotonic() - started
    assert {result.status for result in found.values()} == {ResolutionStatus.TIMEOUT}
    # Two hosts, A and AAAA each, sent once and retried once: eight queries, in parallel.
    assert silent.received == 8
    assert elapsed < 2.0


def test_a_resolver_that_does_not_follow_the_chain_is_asked_for_the_target() -> None:
    script = {
        ("www.shop.example", "A"): ["www.shop.example. 60 IN CNAME shop.cdn.example."],
        ("www.shop.example", "AAAA"): ["www.shop.example. 60 IN CNAME shop.cdn.example."],
        ("shop.cdn.example", "A"): ["shop.cdn.example. 30 IN A 198.51.100.7"],
        ("shop.cdn.example", "AAAA"): ["shop.cdn.example. 30 IN AAAA 2001:db8::7"],
    }
    with ScriptedPeer(script) as peer:
        result = resolve(peer.address, "www.shop.example")["www.shop.example"]
    assert result.status is ResolutionStatus.OK
    assert result.cname_chain == ("shop.cdn.example",)
    assert result.addresses == ("198.51.100.7", "2001:db8::7")
    assert result.ttl == 30


def test_a_cname_loop_ends_as_an_error() -> None:
    script = {
        (name, kind): [f"{name}. 60 IN CNAME {target}."]
        for name, target in (("a.loop.example", "b.loop.example"),
                             ("b.loop.example", "a.loop.example"))
        for kind in ("A", "AAAA")
    }  # fmt: skip
    with ScriptedPeer(script) as peer:
        result = resolve(peer.address, "a.loop.example")["a.loop.example"]
    assert result.status is ResolutionStatus.ERROR
    assert "loop" in (result.detail or "")
    assert len(peer.questions) <= 8


def test_local_names_are_never_sent(server: Dnsmasq) -> None:
    before = len(server.queries())
    found = resolve(server.address, "router", "printer.local", "nas.home.arpa", "x.localhost")
    assert {result.status for result in found.values()} == {ResolutionStatus.LOCAL_NAME}
    assert len(server.queries()) == before


def test_many_hosts_at_once(server: Dnsmasq) -> None:
    hosts = [f"h{number}.gone.example.net" for number in range(300)] + ["www.linkedin.com"]
    found = resolve(server.address, *hosts, concurrency=50)
    assert len(found) == 301
    assert found["www.linkedin.com"].status is ResolutionStatus.OK
    assert sum(result.status is ResolutionStatus.NXDOMAIN for result in found.values()) == 300


def _network_namespaces_work() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    return subprocess.run([unshare, "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _network_namespaces_work(), reason="needs unshare -rn")
def test_no_network_at_all_is_an_outcome_not_a_crash() -> None:
    # In a new network namespace not even loopback is up: nothing can leave.
    code = (
        "import json; from borderless.resolve.dns import ResolverChoice, resolve_all;"
        "r = resolve_all(['www.example.com'], ResolverChoice.parse('127.0.0.1:53'), timeout=1);"
        "print(json.dumps([r[0].status, r[0].detail]))"
    )
    done = subprocess.run(
        ["unshare", "-rn", sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    status, detail = json.loads(done.stdout)
    assert status == "no_network"
    assert "unreachable" in detail.lower()


@pytest.mark.parametrize(
    ("text", "address", "port", "shown"),
    [
        ("system", None, 53, "system"),
        ("", None, 53, "system"),
        ("9.9.9.9", "9.9.9.9", 53, "9.9.9.9"),
        ("127.0.0.1:5353", "127.0.0.1", 5353, "127.0.0.1:5353"),
        ("[::1]:5353", "::1", 5353, "[::1]:5353"),
        ("2620:fe::fe", "2620:fe::fe", 53, "2620:fe::fe"),
        ("[2620:fe::fe]", "2620:fe::fe", 53, "2620:fe::fe"),
    ],
)
def test_resolver_choices(text: str, address: str | None, port: int, shown: str) -> None:
    choice = ResolverChoice.parse(text)
    assert (choice.address, choice.port, choice.text()) == (address, port, shown)
    assert ResolverChoice.parse(choice.text()) == choice


@pytest.mark.parametrize(
    "text", ["dns.google", "127.0.0.1:0", "127.0.0.1:99999", "[::1", "1.2.3.4:port", "[::1]x"]
)
def test_bad_resolver_choices_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ResolverChoiceError, match="resolver|port|IPv6"):
        ResolverChoice.parse(text)


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("router", True),
        ("fritz.box", False),  # .box is a real delegated TLD, resolvable in public DNS
        ("printer.local", True),
        ("foo.onion", True),
        ("nas.home.arpa", True),
        ("www.example.com", False),
        ("localhost", True),
        ("app.localhost", True),
    ],
)
def test_local_names(host: str, local: bool) -> None:
    assert is_local_name(host) is local
