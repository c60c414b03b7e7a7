"""Benchmark writing reports of a 1,000,000-visit audit in every format.

The audit is the generated 1,000,000-visit Chromium history (bench/generate.py, 2,500 hosts over
50,000 URLs, the one bench_gui.py scans), scanned into an audit whose hosts each get two public
addresses, located with the shipped databases, so every section of the report has rows. Each
format is timed end to end as `borderless report` runs it: building the redacted content,
rendering, writing atomically. Target for HTML and PDF: under 5 s each.

Run: `python bench/bench_report.py` (the audit is built once into bench/data/, about 20 s).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from borderless import pipeline  # noqa: E402
from borderless.home import HOME_SETTING  # noqa: E402
from borderless.model import Resolution, ResolutionStatus, Source, SourceKind  # noqa: E402
from borderless.report import write_report  # noqa: E402
from borderless.store import Store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gui import history  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
# First octets of large public blocks (cloud, CDN and hosting networks in several countries).
PUBLIC_FIRST_OCTETS = (13, 23, 31, 34, 45, 52, 77, 87, 104, 142, 151, 157, 185, 193, 213)


def audit() -> Path:
    folder = DATA / "report-audit"
    path = folder / "audit.sqlite"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    print("Building a 1,000,000-visit audit with located servers (once)...")
    rng = random.Random(8)
    with Store.open(path) as store:
        store.set_setting(HOME_SETTING, "BR")
        source = Source(SourceKind.CHROMIUM, "Chromium", "Bench", history())
        pipeline.scan(store, [source])
        hosts = store.rows("SELECT id, name FROM hosts")
        now = time.time()
        resolutions = []
        for row in hosts:
            addresses = tuple(
                f"{rng.choice(PUBLIC_FIRST_OCTETS)}.{rng.randrange(256)}.{rng.randrange(256)}."
                f"{rng.randrange(1, 255)}"
                for _ in range(2)
            )
            resolution = Resolution(row["name"], ResolutionStatus.OK, addresses=addresses,
                                    ttl=300, resolver="bench", resolved_at=now)  # fmt: skip
            resolutions.append((row["id"], resolution, int(now) + 7 * 86400))
        with store.transaction():
            store.record_resolutions(resolutions)
        pipeline.resolve_hosts(store, pipeline.ResolveOptions(offline=True))
    return path


def main() -> int:
    path = audit()
    with Store.open(path) as store:
        visits = store.rows("SELECT count(*) AS n FROM visits")[0]["n"]
        hosts = store.rows("SELECT count(*) AS n FROM hosts")[0]["n"]
        print(f"Audit: {visits:,} visits to {hosts:,} hosts")
        with tempfile.TemporaryDirectory() as folder:
            for report_format, name in (("json", "r.json"), ("html", "r.html"), ("pdf", "r.pdf"),
                                        ("csv", "r.zip"), ("sqlite", "r.sqlite"),
                                        ("svg", "r.svg"), ("png", "r.png")):  # fmt: skip
                output = Path(folder) / name
                started = time.perf_counter()
                write_report(store, report_format, str(output))
                elapsed = time.perf_counter() - started
                target = " (target < 5 s)" if report_format in ("html", "pdf") else ""
                size = output.stat().st_size / 1024
                print(f"{report_format:>6}: {elapsed:5.2f} s, {size:,.0f} KB{target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
