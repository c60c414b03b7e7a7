"""Benchmark `borderless scan` on a million-visit Chromium and Firefox history.

What is measured, per browser:

* `borderless scan FILE --data-dir DIR` run as a separate process through the real command
  line (`python -m borderless`), exactly as a person runs it: interpreter start-up, snapshot
  copy of the history file, reading and storing. It runs `--runs` times (3 by default), each into
  a fresh, empty data folder; the report gives the median and the slowest wall time, and the
  peak resident memory of the worst run.
* a rescan of the same file into the data folder of the last run. Rescanning must be cheap and
  must add nothing.
* "drop nothing": the scan must read one visit per navigation the generator wrote
  (`Generated.navigations`: a redirect chain of several rows is one visit), and the audit
  database must hold one row in `visits` for each of those that went to a web host
  (`Generated.web_navigations`; the rest, PDFs opened from disk and settings pages, are counted
  as skipped). A missing visit is a bug, not a slow run, so it fails the benchmark.
* `browserexport` (the reference reader) on the same file, through its Python API
  (`browserexport.parse.read_visits`, the function its `merge` command uses, without the JSON
  printing), counting the visits it yields. Its time and memory give the ratios.

Every measured command runs in its own process, started by a tiny runner process that reaps it
with `os.wait4` and reports that one process's own resource usage: the peak memory belongs to
that run alone (not to the largest child so far, as `getrusage(RUSAGE_CHILDREN)` would give, nor
to this script: see `RUNNER`). Memory is in MiB (2**20 bytes), read from `ru_maxrss`.

The target, at the default size of a million visits: at most 3.0 s (median run) and 150 MiB,
and nothing dropped. Missing the time or memory target is reported and the exit status stays 0:
this is a benchmark, not a test. The exit status is 1 when a borderless run fails, drops visits,
or a rescan adds any.

The history files take some 15 s each to generate. They are kept, with a small JSON sidecar of
what they hold, in `bench/data/` (git-ignored) and reused while the sidecar matches the requested
size, the file, and the generator (its source and the fixture it copies).

Run: `python bench/bench_scan.py` (about 90 s, plus 30 s the first time to generate the files),
or `--visits 100000 --urls 5000` for a quick look.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generate import FIXTURES, Generated, chromium_history, firefox_places

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = BENCH_DIR / "data"
SIDECAR_NAME = "generated.json"
AUDIT_FILE_NAME = "audit.sqlite"

TARGET_SECONDS = 3.0
TARGET_MIB = 150.0

BROWSEREXPORT_READER = """\
import sys
from browserexport.parse import read_visits
print(sum(1 for _ in read_visits(sys.argv[1])))
"""

SUMMARY_PATTERN = re.compile(r"([\d,]+) visits read, ([\d,]+) new")


@dataclass(frozen=True)
class Browser:
    """One history format: how to generate it and what the file is called."""

    name: str
    file_name: str
    fixture: Path
    visits_table: str
    generate: Callable[[Path, int, int], Generated]


BROWSERS = (
    Browser(
        "chromium", "History", FIXTURES / "chromium" / "Default" / "History", "visits",
        chromium_history,
    ),
    Browser(
        "firefox", "places.sqlite", FIXTURES / "firefox" / "places.sqlite", "moz_historyvisits",
        firefox_places,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Measurement:
    """One child process: how long it took, what it cost and what it printed."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class BorderlessRun:
    """One `borderless scan` into a fresh data folder, with what it stored."""

    measurement: Measurement
    read: int | None
    added: int | None
    stored: int | None


@dataclass
class Result:
    """Everything measured for one browser."""

    browser: str
    generated: Generated
    runs: list[BorderlessRun] = field(default_factory=list)
    rescan: BorderlessRun | None = None
    browserexport: list[Measurement] = field(default_factory=list)
    browserexport_visits: int | None = None
    browserexport_problem: str | None = None

    @property
    def scans_ok(self) -> bool:
        return bool(self.runs) and all(run.measurement.ok for run in self.runs)

    @property
    def stored(self) -> int | None:
        return self.runs[-1].stored if self.runs else None

    @property
    def nothing_dropped(self) -> bool:
        return self.scans_ok and all(
            run.stored == self.generated.web_navigations and run.read == self.generated.navigations
            for run in self.runs
        )

    @property
    def rescan_ok(self) -> bool:
        return (
            self.rescan is not None
            and self.rescan.measurement.ok
            and self.rescan.added == 0
            and self.rescan.stored == self.stored
        )

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(r.measurement.seconds for r in self.runs) if self.runs else None

    @property
    def max_seconds(self) -> float | None:
        return max(r.measurement.seconds for r in self.runs) if self.runs else None

    @property
    def peak_mib(self) -> float | None:
        return max(r.measurement.peak_mib for r in self.runs) if self.runs else None

    @property
    def browserexport_seconds(self) -> float | None:
        finished = [m.seconds for m in self.browserexport if m.ok]
        return statistics.median(finished) if finished else None

    @property
    def browserexport_mib(self) -> float | None:
        finished = [m.peak_mib for m in self.browserexport if m.ok]
        return max(finished) if finished else None

    def target_misses(self) -> list[str]:
        """Why the target is missed; empty when it is met."""
        misses: list[str] = []
        if not self.scans_ok:
            misses.append("scan failed")
        elif not self.nothing_dropped:
            run = self.runs[-1]
            misses.append(
                f"read {_number(run.read)} of {self.generated.navigations:,} visits, stored"
                f" {_number(run.stored)} of {self.generated.web_navigations:,} to web hosts"
            )
        if self.median_seconds is not None and self.median_seconds > TARGET_SECONDS:
            misses.append(f"time {self.median_seconds:.2f} s")
        if self.peak_mib is not None and self.peak_mib > TARGET_MIB:
            misses.append(f"memory {self.peak_mib:.0f} MiB")
        return misses


# Measuring a child process ------------------------------------------------------------------


# The runner: a small, fresh Python process that starts the measured command and reports that
# command's own resource usage (from `os.wait4`) as one line "status killed seconds cpu maxrss".
# It is needed because a child started with vfork / posix_spawn (as subprocess does) shares its
# parent's memory until exec, and Linux carries the parent's high-water RSS over the exec: run
# from this script after generating a file, every command would report this script's 290 MiB.
# The runner itself stays at some 9 MiB, below any Python program, so it never shows. Its
# timeout kills the command only before it is reaped, so never a reused process id.
RUNNER = """\
import os, signal, sys, time
timeout, report, command = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
killed = 0
def kill(signum, frame):
    global killed
    killed = 1
    os.kill(pid, signal.SIGKILL)
signal.signal(signal.SIGALRM, kill)
start = time.perf_counter()
pid = os.posix_spawn(command[0], command, os.environ)
signal.setitimer(signal.ITIMER_REAL, timeout)
os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
seconds = time.perf_counter() - start
signal.setitimer(signal.ITIMER_REAL, 0)
_, status, usage = os.wait4(pid, 0)
maxrss = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
cpu = usage.ru_utime + usage.ru_stime
with open(report, "w") as file:
    file.write(f"{os.waitstatus_to_exitcode(status)} {killed} {seconds} {cpu} {maxrss}\\n")
"""


def measure(command: Sequence[str], timeout: float) -> Measurement:
    """Run `command` to completion (or kill it after `timeout` seconds) and measure it alone.

    The command runs under `RUNNER`, which times it from its start to its exit and returns its
    own peak memory, not the runner's, nor this script's, nor that of an earlier command.
    """
    with (
        tempfile.TemporaryDirectory(prefix="measure-") as folder,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        report = Path(folder) / "usage"
        runner = [sys.executable, "-I", "-S", "-c", RUNNER, str(timeout), str(report)]
        subprocess.run(
            [*runner, *command],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            check=False,
            timeout=timeout + 60,
        )
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if not report.is_file():
            raise RuntimeError(f"the measuring runner failed: {stderr.strip()}")
        status, killed, seconds, cpu, peak_bytes = report.read_text().split()
    return Measurement(
        seconds=float(seconds),
        cpu_seconds=float(cpu),
        peak_mib=int(peak_bytes) / 2**20,
        returncode=None if killed == "1" else int(status),
        stdout=stdout,
        stderr=stderr,
    )


# The history files --------------------------------------------------------------------------


def _sha256(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _count_rows(path: Path, table: str) -> int:
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    finally:
        connection.close()
    return int(count)


def history_file(browser: Browser, data_dir: Path, visits: int, urls: int) -> Generated:
    """The generated history of `browser`, reused from `data_dir` when it is still right."""
    folder = data_dir / f"{browser.name}-{visits}-visits-{urls}-urls"
    path = folder / browser.file_name
    sidecar = folder / SIDECAR_NAME
    generator = _sha256(BENCH_DIR / "generate.py", browser.fixture)
    wanted = {"visits": visits, "urls": urls, "generator_sha256": generator}
    try:
        saved = json.loads(sidecar.read_text())
        if (
            all(saved.get(key) == value for key, value in wanted.items())
            and saved["size_bytes"] == path.stat().st_size
            and saved["rows"] == _count_rows(path, browser.visits_table)
        ):
            print(f"{browser.name}: reusing {path}", flush=True)
            return Generated(
                path,
                int(saved["rows"]),
                int(saved["navigations"]),
                int(saved["web_navigations"]),
            )
    except (OSError, ValueError, KeyError, sqlite3.Error):
        pass
    print(f"{browser.name}: generating {path} ({visits:,} visits, {urls:,} URLs)...", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    sidecar.unlink(missing_ok=True)  # the sidecar is written last: it marks a complete file
    start = time.perf_counter()
    generated = browser.generate(path, visits, urls)
    print(f"{browser.name}: generated in {time.perf_counter() - start:.1f} s", flush=True)
    record = {
        **wanted,
        "rows": generated.rows,
        "navigations": generated.navigations,
        "web_navigations": generated.web_navigations,
        "size_bytes": path.stat().st_size,
    }
    sidecar.write_text(json.dumps(record, indent=2) + "\n")
    return generated


# The runs -----------------------------------------------------------------------------------


def _stored_visits(data_dir: Path) -> int | None:
    audit = data_dir / AUDIT_FILE_NAME
    if not audit.is_file():
        return None
    connection = sqlite3.connect(f"file:{audit}?mode=ro", uri=True)
    try:
        (count,) = connection.execute("SELECT count(*) FROM visits").fetchone()
    finally:
        connection.close()
    return int(count)


def borderless_scan(history: Path, data_dir: Path, timeout: float) -> BorderlessRun:
    """Run `borderless scan history --data-dir data_dir` and read what it stored."""
    command = [
        sys.executable,
        "-m",
        "borderless",
        "scan",
        str(history),
        "--data-dir",
        str(data_dir),
    ]
    measurement = measure(command, timeout)
    read = added = None
    if match := SUMMARY_PATTERN.search(measurement.stdout):
        read, added = (int(group.replace(",", "")) for group in match.groups())
    return BorderlessRun(measurement, read, added, _stored_visits(data_dir))


def _describe(label: str, measurement: Measurement, extra: str = "") -> None:
    status = "ok" if measurement.ok else (
        "TIMED OUT" if measurement.returncode is None else f"exit {measurement.returncode}"
    )  # fmt: skip
    print(
        f"  {label:<22} {measurement.seconds:7.2f} s wall {measurement.cpu_seconds:7.2f} s cpu "
        f"{measurement.peak_mib:7.1f} MiB  {status}{extra}",
        flush=True,
    )
    if not measurement.ok:
        for line in (measurement.stdout + measurement.stderr).strip().splitlines()[-15:]:
            print(f"      | {line}")


def _describe_scan(label: str, run: BorderlessRun) -> None:
    extra = f"  read {_number(run.read)}, added {_number(run.added)}, stored {_number(run.stored)}"
    _describe(label, run.measurement, extra)


def bench_browser(
    browser: Browser, generated: Generated, args: argparse.Namespace, scratch: Path
) -> Result:
    """All the measurements of one browser's history."""
    result = Result(browser.name, generated)
    print(f"{browser.name}: {generated.rows:,} rows, {generated.navigations:,} navigations")
    last_dir: Path | None = None
    for index in range(args.runs):
        run_dir = Path(tempfile.mkdtemp(prefix=f"{browser.name}-run{index + 1}-", dir=scratch))
        run_dir.rmdir()  # borderless creates it: a fresh folder, exactly as on first use
        run = borderless_scan(generated.path, run_dir, args.timeout)
        result.runs.append(run)
        _describe_scan(f"borderless scan {index + 1}", run)
        if last_dir is not None:
            shutil.rmtree(last_dir, ignore_errors=True)
        last_dir = run_dir
        if not run.measurement.ok:
            break
    if last_dir is not None and result.scans_ok:
        result.rescan = borderless_scan(generated.path, last_dir, args.timeout)
        _describe_scan("borderless rescan", result.rescan)
    if last_dir is not None:
        shutil.rmtree(last_dir, ignore_errors=True)

    if args.no_browserexport:
        result.browserexport_problem = "skipped"
    elif importlib.util.find_spec("browserexport") is None:
        result.browserexport_problem = "not installed (pip install -e '.[bench]')"
    else:
        command = [sys.executable, "-c", BROWSEREXPORT_READER, str(generated.path)]
        for index in range(args.runs):
            measurement = measure(command, args.browserexport_timeout)
            result.browserexport.append(measurement)
            count = measurement.stdout.strip().splitlines()[-1:] if measurement.ok else []
            if count and count[0].isdigit():
                result.browserexport_visits = int(count[0])
            _describe(
                f"browserexport {index + 1}", measurement, f"  visits {count[0] if count else '-'}"
            )
            if not measurement.ok:
                result.browserexport_problem = (
                    f"timed out after {args.browserexport_timeout:g} s"
                    if measurement.returncode is None
                    else f"failed (exit {measurement.returncode})"
                )
                break
    return result


# The report ---------------------------------------------------------------------------------


def _number(value: float | int | None, spec: str = ",") -> str:
    return "-" if value is None else format(value, spec)


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}x"


def report(results: Sequence[Result]) -> str:
    """The final table: one column per browser, one row per figure."""
    rows: list[tuple[str, list[str]]] = [
        ("visits in file (rows)", [_number(r.generated.rows) for r in results]),
        ("navigations expected", [_number(r.generated.navigations) for r in results]),
        ("borderless visits read", [_number(r.runs[-1].read if r.runs else None) for r in results]),
        ("to web hosts expected", [_number(r.generated.web_navigations) for r in results]),
        ("visits stored", [_number(r.stored) for r in results]),
        ("drop nothing", ["PASS" if r.nothing_dropped else "FAIL" for r in results]),
        ("borderless median s", [_number(r.median_seconds, ".2f") for r in results]),
        ("borderless max s", [_number(r.max_seconds, ".2f") for r in results]),
        (
            "borderless median cpu s",
            [
                _number(statistics.median(run.measurement.cpu_seconds for run in r.runs), ".2f")
                if r.runs
                else "-"
                for r in results
            ],
        ),
        ("borderless peak MiB", [_number(r.peak_mib, ".1f") for r in results]),
        (
            "rescan s (added)",
            [
                f"{r.rescan.measurement.seconds:.2f} ({_number(r.rescan.added)})"
                if r.rescan
                else "-"
                for r in results
            ],
        ),
        ("browserexport median s", [_number(r.browserexport_seconds, ".2f") for r in results]),
        ("browserexport peak MiB", [_number(r.browserexport_mib, ".1f") for r in results]),
        ("browserexport visits", [_number(r.browserexport_visits) for r in results]),
        (
            "time ratio bl/be",
            [_ratio(r.median_seconds, r.browserexport_seconds) for r in results],
        ),
        ("memory ratio bl/be", [_ratio(r.peak_mib, r.browserexport_mib) for r in results]),
    ]
    label_width = max(len(label) for label, _ in rows)
    widths = [
        max(len(r.browser), *(len(values[i]) for _, values in rows)) for i, r in enumerate(results)
    ]
    lines = [
        " " * label_width
        + "".join(f"  {r.browser:>{width}}" for r, width in zip(results, widths, strict=True)),
    ]
    for label, values in rows:
        lines.append(
            f"{label:<{label_width}}"
            + "".join(f"  {value:>{width}}" for value, width in zip(values, widths, strict=True))
        )
    verdicts = []
    for result in results:
        misses = result.target_misses()
        verdict = f"MISSED ({', '.join(misses)})" if misses else "OK"
        verdicts.append(f"{result.browser + ':':<{label_width}} {verdict}")
    lines.append("")
    lines.append(f"target: <= {TARGET_SECONDS} s and <= {TARGET_MIB:.0f} MB, nothing dropped")
    lines.append("(time: the median run; memory: the peak of all runs, 1 MB = 2**20 bytes)")
    lines.extend(f"  {verdict}" for verdict in verdicts)
    for result in results:
        if result.browserexport_problem:
            lines.append(f"note: browserexport on {result.browser}: {result.browserexport_problem}")
        if result.rescan is not None and not result.rescan_ok:
            lines.append(f"FAIL: the rescan of {result.browser} added visits or failed")
    return "\n".join(lines)


# Command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time `borderless scan` (and browserexport) on generated Chromium and "
        "Firefox histories, and check that no visit is dropped.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA_DIR,
        help="folder of the generated history files (kept and reused)",
    )  # fmt: skip
    parser.add_argument("--visits", type=int, default=1_000_000, help="visit rows per file")
    parser.add_argument("--urls", type=int, default=50_000, help="distinct URLs per file")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each command")
    parser.add_argument(
        "--browser", choices=[b.name for b in BROWSERS], action="append",
        help="only this browser (repeatable; default: every browser)",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds before a borderless run is killed"
    )
    parser.add_argument(
        "--browserexport-timeout", type=float, default=120.0,
        help="seconds before a browserexport run is killed",
    )  # fmt: skip
    parser.add_argument("--no-browserexport", action="store_true", help="do not run browserexport")
    args = parser.parse_args(argv)
    if args.visits < 1 or args.urls < 1 or args.runs < 1:
        parser.error("--visits, --urls and --runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    browsers = [b for b in BROWSERS if not args.browser or b.name in args.browser]
    files = [history_file(b, args.data, args.visits, args.urls) for b in browsers]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="borderless-bench-") as scratch:
        for browser, generated in zip(browsers, files, strict=True):
            results.append(bench_browser(browser, generated, args, Path(scratch)))
    print()
    print(report(results))
    failed = [r for r in results if not (r.nothing_dropped and r.rescan_ok)]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
