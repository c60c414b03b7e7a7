"""Benchmark the DNS evidence readers on generated data of realistic size.

What is measured:

* A Pi-hole long-term database (`pihole-FTL.db`, FTL's schema) with 10,000,000 queries over
  50,000 domains and 40 clients: `pihole.pihole_counts` (the per-domain aggregate the audit
  needs, done in SQL on a snapshot copy, copy included) in rows per second. Target: at least
  1,000,000 rows/s.
* A 100 MB packet capture (classic pcap, Ethernet) of mixed traffic, a quarter of its packets
  DNS queries and responses on port 53 and the rest other UDP and TCP: `pcap.read_pcap` in MB/s
  (target at least 20 MB/s) and DNS messages parsed per second (target at least 30,000/s).

The generated files are kept in bench/data/ (git-ignored) and reused. Run:
`python bench/bench_dns.py` (about a minute the first time, to generate the files).
"""

from __future__ import annotations

import random
import sqlite3
import struct
import sys
import time
from pathlib import Path

import dns.message
import dns.rrset

from borderless.sources import pcap, pihole

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.fixtures.dns.make_dns_logs import PIHOLE_SCHEMA  # noqa: E402

ROWS = 10_000_000
DOMAINS = 50_000
CAPTURE_BYTES = 100 * 1024 * 1024


def pihole_database() -> Path:
    path = DATA / "pihole-10m" / "pihole-FTL.db"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print("Generating a Pi-hole database of 10,000,000 queries (once)...")
    connection = sqlite3.connect(path)
    connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + PIHOLE_SCHEMA)
    connection.executemany(
        "INSERT INTO domain_by_id (id, domain) VALUES (?, ?)",
        ((index, f"host{index}.site{index % 9000}.example") for index in range(1, DOMAINS + 1)),
    )
    connection.executemany(
        "INSERT INTO client_by_id (id, ip) VALUES (?, ?)",
        ((index, f"192.168.1.{index}") for index in range(1, 41)),
    )
    # A recursive CTE writes the rows inside SQLite: ten million Python tuples would take longer
    # than the measurement itself.
    connection.execute(
        f"""INSERT INTO query_storage (timestamp, type, status, domain, client, reply_type)
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
            SELECT 1764000000 + i / 10, 1 + (i % 2), CASE WHEN i % 11 = 0 THEN 1 ELSE 2 + i % 2
            END, 1 + (i * 7919) % {DOMAINS}, 1 + i % 40, 4 FROM n"""
    )
    connection.commit()
    connection.close()
    return path


def _frame(payload: bytes, source_port: int, destination_port: int, protocol: int) -> bytes:
    """An Ethernet + IPv4 + UDP (or a bare TCP header) frame around `payload`."""
    if protocol == 17:
        transport = struct.pack("!HHHH", source_port, destination_port, 8 + len(payload), 0)
    else:
        transport = struct.pack("!HHIIBBHHH", source_port, destination_port, 1, 0, 0x50, 0x18,
                                65535, 0, 0)  # fmt: skip
    total = 20 + len(transport) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, protocol, 0,
                     bytes([192, 168, 1, 20]), bytes([192, 168, 1, 1]))  # fmt: skip
    return b"\x00" * 12 + b"\x08\x00" + ip + transport + payload


def capture() -> Path:
    path = DATA / "capture-100mb" / "mixed.pcap"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    print("Generating a 100 MB capture of mixed traffic (once)...")
    generator = random.Random(5)
    names = [f"www.site{index}.example" for index in range(2000)]
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        written = 24
        seconds = 1_764_000_000
        while written < CAPTURE_BYTES:
            kind = generator.random()
            if kind < 0.25:
                query = dns.message.make_query(generator.choice(names), "A")
                if generator.random() < 0.5:
                    frame = _frame(query.to_wire(), 40000 + generator.randrange(2000), 53, 17)
                else:
                    response = dns.message.make_response(query)
                    response.answer.append(dns.rrset.from_text(
                        query.question[0].name, 300, "IN", "A",
                        f"203.0.113.{generator.randrange(256)}"))  # fmt: skip
                    frame = _frame(response.to_wire(), 53, 40000 + generator.randrange(2000), 17)
            elif kind < 0.6:
                frame = _frame(generator.randbytes(generator.randrange(40, 1400)), 443, 50000, 6)
            else:
                frame = _frame(generator.randbytes(generator.randrange(40, 1200)), 443, 50001, 17)
            seconds += 1
            out.write(struct.pack("<IIII", seconds // 1000, 0, len(frame), len(frame)) + frame)
            written += 16 + len(frame)
    return path


def main() -> int:
    database = pihole_database()
    started = time.perf_counter()
    counts = pihole.pihole_counts(database)
    elapsed = time.perf_counter() - started
    rows = sum(entry.allowed + entry.blocked for entry in counts.values())
    print(f"Pi-hole: {rows:,} queries over {len(counts):,} domains aggregated in {elapsed:.2f} s:"
          f" {rows / elapsed:,.0f} rows/s (target >= 1,000,000)")  # fmt: skip

    path = capture()
    size = path.stat().st_size
    started = time.perf_counter()
    lookups = sum(1 for _ in pcap.read_pcap(path))
    elapsed = time.perf_counter() - started
    print(f"Capture: {size / 2**20:.0f} MB read into {lookups:,} lookups in {elapsed:.2f} s:"
          f" {size / 2**20 / elapsed:.1f} MB/s (target >= 20)")  # fmt: skip
    # The DNS parsing alone: the messages of the capture, taken out first, parsed again.
    wires = [wire for segment in pcap.read_segments(path) for wire in pcap.dns_messages(segment)]
    started = time.perf_counter()
    parsed = sum(pcap.parse_message(wire) is not None for wire in wires)
    elapsed = time.perf_counter() - started
    print(
        f"DNS messages: {parsed:,} parsed in {elapsed:.2f} s: {parsed / elapsed:,.0f}/s"
        " (target >= 30,000)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
