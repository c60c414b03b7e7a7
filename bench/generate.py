"""Generate browser history files of realistic size in the real Chromium and Firefox schemas.

The schemas come from the fixture profiles written by the real browsers (tests/fixtures/browsers):
the generator copies such a file, empties its tables and fills them. The data has what real
histories have and naive readers drop: visits of zero duration, untitled pages, redirect chains
(several rows for one navigation), subframe and reload visits, and visits synced from another
device.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "browsers"

CHROMIUM_EPOCH_OFFSET_US = 11_644_473_600_000_000
CHAIN_START, CHAIN_END = 0x10000000, 0x20000000
SERVER_REDIRECT = 0x80000000
TLDS = ["com", "org", "net", "de", "fr", "co.uk", "co.jp", "com.br", "ru", "cn", "in", "io", "pl"]


@dataclass(frozen=True)
class Generated:
    """What a generated file holds, for the benchmark to check a reader against."""

    path: Path
    rows: int
    navigations: int  # visits an importer must report: one per redirect chain
    web_navigations: int  # of those, the ones to a web host: what the audit stores


def _urls(rng: random.Random, url_count: int) -> list[str]:
    hosts = [f"www.site{index}.{rng.choice(TLDS)}" for index in range(url_count // 20)]
    hosts += ["192.0.2.7", "xn--d1abbgf6aiiy.xn--p1ai", "bücher.example"]
    urls = [f"https://{rng.choice(hosts)}/page/{index}?q={index * 7}" for index in range(url_count)]
    # Real histories hold a few pages that never left the machine: PDFs opened from disk,
    # settings pages. An importer must count their visits as skipped, not lose them silently.
    for index in range(0, url_count, 200):
        urls[index] = (
            rng.choice([f"file:///home/someone/Documents/report-{index}.pdf", "chrome://settings/"])
            + f"#{index}"
        )
    return urls


def _signed(value: int) -> int:
    """Chromium stores the 32-bit transition in a signed column."""
    return value - (1 << 32) if value >= (1 << 31) else value


def chromium_history(
    path: Path, visit_count: int = 1_000_000, url_count: int = 50_000
) -> Generated:
    """Write a Chromium `History` file with `visit_count` rows in `visits`."""
    rng = random.Random(7)
    shutil.copyfile(FIXTURES / "chromium" / "Default" / "History", path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    for table in ("urls", "visits", "visit_source", "segments", "segment_usage"):
        connection.execute(f"DELETE FROM {table}")
    urls = _urls(rng, url_count)
    start_us = 1_700_000_000_000_000 + CHROMIUM_EPOCH_OFFSET_US  # Nov 2023
    connection.executemany(
        "INSERT INTO urls (id, url, title, visit_count, typed_count, last_visit_time, hidden)"
        " VALUES (?, ?, ?, 1, 0, ?, 0)",
        (
            (index + 1, url, "" if index % 3 == 0 else f"Page {index}", start_us)
            for index, url in enumerate(urls)
        ),
    )
    visits: list[tuple[int, int, int, int, int, int]] = []
    synced: list[tuple[int, int]] = []
    navigations = web_navigations = 0
    time_us = start_us
    while len(visits) < visit_count:
        navigations += 1
        time_us += rng.randint(1_000_000, 60_000_000)
        core = rng.choices([0, 1, 2, 4, 5, 7, 8], weights=[60, 15, 5, 4, 5, 3, 8])[0]
        hops = rng.choices([1, 2, 3], weights=[90, 7, 3])[0]
        hops = min(hops, visit_count - len(visits))
        from_visit = 0
        for hop in range(hops):
            visit_id = len(visits) + 1
            flags = core
            if hop == 0:
                flags |= CHAIN_START
            else:
                flags |= SERVER_REDIRECT
            if hop == hops - 1:
                flags |= CHAIN_END
            duration = 0 if (hop < hops - 1 or rng.random() < 0.3) else rng.randint(1, 9_000_000)
            url_id = rng.randint(1, url_count)
            visits.append((visit_id, url_id, time_us + hop, from_visit, _signed(flags), duration))
            from_visit = visit_id
        web_navigations += urls[visits[-1][1] - 1].startswith("https:")
        if rng.random() < 0.02:
            synced.append((len(visits), 0))
    connection.executemany(
        "INSERT INTO visits (id, url, visit_time, from_visit, transition, visit_duration)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        visits,
    )
    connection.executemany("INSERT INTO visit_source (id, source) VALUES (?, ?)", synced)
    connection.commit()
    connection.close()
    return Generated(path, len(visits), navigations, web_navigations)


def firefox_places(path: Path, visit_count: int = 1_000_000, url_count: int = 50_000) -> Generated:
    """Write a Firefox `places.sqlite` with `visit_count` rows in `moz_historyvisits`."""
    rng = random.Random(11)
    shutil.copyfile(FIXTURES / "firefox" / "places.sqlite", path)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    for table in ("moz_historyvisits", "moz_places", "moz_origins"):
        connection.execute(f"DELETE FROM {table}")
    urls = _urls(rng, url_count)
    connection.executemany(
        "INSERT INTO moz_places (id, url, title, rev_host, visit_count, hidden, typed, frecency,"
        " guid, url_hash) VALUES (?, ?, ?, ?, 1, 0, 0, 100, ?, 0)",
        (
            (
                index + 1,
                url,
                None if index % 3 == 0 else f"Page {index}",
                url.split("/")[2][::-1] + ".",
                f"g{index:011d}",
            )
            for index, url in enumerate(urls)
        ),
    )
    visits: list[tuple[int, int, int, int, int]] = []
    navigations = web_navigations = 0
    time_us = 1_700_000_000_000_000
    while len(visits) < visit_count:
        navigations += 1
        time_us += rng.randint(1_000_000, 60_000_000)
        visit_type = rng.choices([1, 2, 3, 4, 7, 8, 9], weights=[60, 15, 5, 5, 2, 5, 8])[0]
        hops = min(rng.choices([1, 2, 3], weights=[90, 7, 3])[0], visit_count - len(visits))
        from_visit = 0
        for hop in range(hops):
            visit_id = len(visits) + 1
            hop_type = visit_type if hop == 0 else rng.choice([5, 6])
            place_id = rng.randint(1, url_count)
            visits.append((visit_id, from_visit, place_id, time_us + hop, hop_type))
            from_visit = visit_id
        web_navigations += urls[visits[-1][2] - 1].startswith("https:")
    connection.executemany(
        "INSERT INTO moz_historyvisits (id, from_visit, place_id, visit_date, visit_type)"
        " VALUES (?, ?, ?, ?, ?)",
        visits,
    )
    connection.commit()
    connection.close()
    return Generated(path, len(visits), navigations, web_navigations)
