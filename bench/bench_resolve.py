"""Benchmark resolution and geolocation: 5,000 hosts through a resolver 20 ms away.

What is measured:

* Resolving 5,000 distinct visited hosts (A and AAAA each, a third of them through a CNAME) with
  `pipeline.resolve_hosts`, the step `borderless scan` runs, against Debian's dnsmasq on
  127.0.0.1 behind a delay proxy that holds every packet 10 ms each way: a 20 ms round trip, as
  to a resolver across town. The audit is a real store file; the time includes storing every
  answer and locating every address. Target: under 5 s (one host after another it would take
  5,000 x 2 x 20 ms = 200 s; a sample of hosts resolved one at a time gives the measured figure).
* A rescan with a warm cache (every answer fresh): target under 0.5 s.
* Geolocation throughput of `Geolocator.locate` (the shipped country and ASN databases through
  the maxminddb C extension, plus the edge-network check) on random public addresses, and of the
  bare C extension for comparison. Target: at least 200,000 addresses/s.

Every answer must come back (5,000 hosts with addresses): a missing one fails the benchmark
(exit status 1). Missing a time target is reported, and the exit status stays 0.

Run: `python bench/bench_resolve.py` (about 20 s). It needs dnsmasq (`apt-get install
dnsmasq-base`).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dns.message
import dns.query
import maxminddb

from borderless.pipeline import ResolveOptions, resolve_hosts
from borderless.resolve.dns import ResolverChoice, resolve_all
from borderless.resolve.geo import Geolocator, shipped_database_paths
from borderless.store import Store

TLDS = ["com", "net", "org", "de", "fr", "jp", "br", "in", "ng", "ru", "co.uk", "com.ar", "pl"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def host_names(count: int, seed: int = 7) -> list[str]:
    """`count` distinct host names shaped like the ones in a browsing history."""
    generator = random.Random(seed)
    prefixes = ["www", "m", "api", "static", "cdn", "img", "news", "shop", "mail", "login"]
    names: set[str] = set()
    while len(names) < count:
        site = "".join(generator.choices("abcdefghijklmnopqrstuvwxyz", k=generator.randint(4, 12)))
        names.add(f"{generator.choice(prefixes)}.{site}.{generator.choice(TLDS)}")
    return sorted(names)


def dnsmasq_config(names: list[str], folder: Path, seed: int = 7) -> Path:
    """A dnsmasq configuration answering every name: A and AAAA, a third through a CNAME."""
    generator = random.Random(seed)
    lines = [f"local=/{tld}/" for tld in TLDS]
    for index, name in enumerate(names):
        first, second = generator.randint(1, 223), generator.randint(0, 255)
        ipv4 = f"{first}.{second}.{index // 256 % 256}.{index % 256}"
        ipv6 = f"2001:db8:{index:x}::{generator.randint(1, 0xFFFF):x}"
        if index % 3 == 0:
            target = f"edge{index}.cdn-example.net"
            lines.append(f"host-record={target},{ipv4},{ipv6},300")
            lines.append(f"cname={name},{target},3600")
        else:
            lines.append(f"host-record={name},{ipv4},{ipv6},300")
    lines.append("local=/cdn-example.net/")
    path = folder / "dnsmasq.conf"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def start_dnsmasq(config: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    process = subprocess.Popen(
        [binary, "--keep-in-foreground", f"--conf-file={config}", "--no-resolv", "--no-hosts",
         "--bind-interfaces", "--listen-address=127.0.0.1", f"--port={port}", "--pid-file=",
         "--user=root", "--dns-forward-max=1000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_answers(port, "www.never.invalid")
    return process, port


def wait_for_answers(port: int, name: str) -> float:
    """Wait until something answers DNS on `port`; returns the round trip of the answer."""
    query = dns.message.make_query(name, "A")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            dns.query.udp(query, "127.0.0.1", port=port, timeout=0.5)
            return time.perf_counter() - started
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"nothing answers on port {port}")


# The delay proxy -------------------------------------------------------------------------------


def _question_key(wire: bytes) -> bytes:
    """The message id and question section: what pairs a response with its query."""
    position = 12
    while position < len(wire) and wire[position] != 0:
        position += wire[position] + 1
    return wire[:2] + wire[12 : position + 5].lower()


class DelayProxy(asyncio.DatagramProtocol):
    """Forwards each query to the upstream after `delay` seconds, and each answer back after
    `delay` seconds: a round trip of twice `delay` added to every query."""

    def __init__(self, upstream: tuple[str, int], delay: float):
        self.upstream = upstream
        self.delay = delay
        self.clients: dict[bytes, tuple[str, int]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a datagram transport

    def datagram_received(self, data: bytes, address: tuple[str, int]) -> None:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        if address == self.upstream:
            client = self.clients.pop(_question_key(data), None)
            if client is not None:
                loop.call_later(self.delay, self.transport.sendto, data, client)
        else:
            self.clients[_question_key(data)] = address
            loop.call_later(self.delay, self.transport.sendto, data, self.upstream)


def serve_proxy(listen_port: int, upstream_port: int, delay: float) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(
            lambda: DelayProxy(("127.0.0.1", upstream_port), delay),
            local_addr=("127.0.0.1", listen_port),
        )
        await asyncio.Event().wait()

    asyncio.run(main())


# Measurements ----------------------------------------------------------------------------------


def audit_with_hosts(path: Path, names: list[str]) -> Store:
    """An audit whose history visited each of `names` once."""
    store = Store.open(path)
    with store.transaction():
        store.connection.execute(
            "INSERT INTO sources (id, kind, browser, profile, path) VALUES (1, 'chromium',"
            " 'Bench', 'Default', '/bench/History')"
        )
        store.connection.executemany(
            "INSERT INTO hosts (id, name, registrable_domain, is_ip) VALUES (?, ?, ?, 0)",
            ((index, name, name.split(".", 1)[1]) for index, name in enumerate(names, 1)),
        )
        store.connection.executemany(
            "INSERT INTO visits (source_id, source_visit_id, visited_at_us, host_id, transition)"
            " VALUES (1, ?, ?, ?, 'typed')",
            ((index, 1_700_000_000_000_000 + index, index) for index in range(1, len(names) + 1)),
        )
    return store


def random_public_addresses(count: int, seed: int = 11) -> list[str]:
    generator = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        address = ipaddress.IPv4Address(generator.getrandbits(32))
        if address.is_global:
            found.append(str(address))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=5000)
    parser.add_argument("--delay-ms", type=float, default=10.0, help="each way (default 10)")
    parser.add_argument("--addresses", type=int, default=500_000)
    parser.add_argument("--serve-proxy", nargs=2, type=int, metavar=("LISTEN", "UPSTREAM"),
                        help=argparse.SUPPRESS)  # fmt: skip
    arguments = parser.parse_args(argv)
    if arguments.serve_proxy:
        serve_proxy(*arguments.serve_proxy, arguments.delay_ms / 1000)
        return 0

    failed = False
    names = host_names(arguments.hosts)
    with tempfile.TemporaryDirectory(prefix="borderless-bench-") as folder_text:
        folder = Path(folder_text)
        dnsmasq, upstream_port = start_dnsmasq(dnsmasq_config(names, folder))
        proxy_port = free_port()
        proxy = subprocess.Popen(
            [sys.executable, __file__, "--serve-proxy", str(proxy_port), str(upstream_port),
             "--delay-ms", str(arguments.delay_ms)]
        )  # fmt: skip
        try:
            round_trip = min(wait_for_answers(proxy_port, names[0]) for _ in range(5))
            print(f"Resolver: dnsmasq behind a delay proxy, round trip {round_trip * 1000:.1f} ms")
            choice = ResolverChoice("127.0.0.1", proxy_port)

            sample = names[:50]
            started = time.perf_counter()
            resolve_all(sample, choice, concurrency=1)
            sequential = (time.perf_counter() - started) / len(sample) * len(names)
            print(f"One host at a time (measured on {len(sample)}): "
                  f"{sequential:.0f} s for {len(names):,} hosts")  # fmt: skip

            store = audit_with_hosts(folder / "audit.sqlite", names)
            options = ResolveOptions(choice=choice)
            started = time.perf_counter()
            summary = resolve_hosts(store, options)
            cold = time.perf_counter() - started
            good = summary.statuses.get("ok", 0)
            print(f"Cold: {len(names):,} hosts resolved and located in {cold:.2f} s "
                  f"(target < 5 s): {dict(summary.statuses)}, "
                  f"{summary.addresses_located:,} addresses located")  # fmt: skip
            if good != len(names):
                print(f"FAIL: {len(names) - good} hosts without an answer")
                failed = True

            started = time.perf_counter()
            again = resolve_hosts(store, options)
            warm = time.perf_counter() - started
            print(f"Warm rescan: {warm:.3f} s (target < 0.5 s), "
                  f"{again.hosts_considered} hosts asked again")  # fmt: skip
            if again.hosts_considered:
                failed = True
            store.close()
        finally:
            proxy.terminate()
            dnsmasq.terminate()
            proxy.wait()
            dnsmasq.wait()

    addresses = random_public_addresses(arguments.addresses)
    with Geolocator() as geolocator:
        geolocator.locate(addresses[0])
        started = time.perf_counter()
        located = geolocator.locate_many(addresses)
        elapsed = time.perf_counter() - started
    placed = sum(location.country is not None for location in located) / len(located)
    print(f"Geolocation: {len(addresses) / elapsed:,.0f} addresses/s through Geolocator "
          f"(target >= 200,000); {placed:.0%} placed in a country")  # fmt: skip
    readers = [maxminddb.open_database(str(p), maxminddb.MODE_MMAP_EXT)
               for p in shipped_database_paths()]  # fmt: skip
    started = time.perf_counter()
    for address in addresses:
        for reader in readers:
            reader.get(address)
    bare = len(addresses) / (time.perf_counter() - started)
    print(f"  the bare C extension, both databases: {bare:,.0f} addresses/s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
