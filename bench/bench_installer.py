"""Benchmark the packaged app: build time, bundle size, and start to first paint.

* Build: `scripts/build-installer --no-package` (PyInstaller with installers/borderless.spec,
  one folder, then the frozen self-test), timed whole.
* Size of dist/Borderless unpacked (target under 150 MB) and as tar.gz (target under 70 MB).
* Start: from launching the frozen `borderless` to the end of its window's first paint (the app
  prints "first paint" and quits when BORDERLESS_QUIT_AFTER_FIRST_PAINT is set), on an empty data
  folder; under Xvfb with the real X11 plugin when xvfb-run is installed, else offscreen. The
  first run after the build and the median of five more (target under 1.5 s).

Run: `python bench/bench_installer.py` (about a minute and a half; needs the `package` extra).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dist" / "Borderless"


def folder_size(path: Path) -> int:
    return sum(e.stat().st_size for e in path.rglob("*") if e.is_file() and not e.is_symlink())


def start_to_first_paint(executable: Path) -> float:
    with tempfile.TemporaryDirectory() as home:
        environment = dict(os.environ, HOME=home, BORDERLESS_QUIT_AFTER_FIRST_PAINT="1",
                           BORDERLESS_DATA_DIR=str(Path(home) / "data"), BORDERLESS_OFFLINE="1",
                           BORDERLESS_SYSTEM_ROOT=str(Path(home) / "root"))  # fmt: skip
        command = [str(executable)]
        if shutil.which("xvfb-run"):
            environment.pop("QT_QPA_PLATFORM", None)
            command = ["xvfb-run", "-a", *command]
        else:
            environment["QT_QPA_PLATFORM"] = "offscreen"
        started = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            if line.strip() == "first paint":
                elapsed = time.perf_counter() - started
                break
        else:
            raise RuntimeError("the frozen app never painted its window")
        process.wait(timeout=30)
    return elapsed


def xvfb_overhead() -> float:
    """How long xvfb-run takes to start a server and run `true`: taken off the start times."""
    if not shutil.which("xvfb-run"):
        return 0.0
    started = time.perf_counter()
    subprocess.run(["xvfb-run", "-a", "true"], check=True)
    return time.perf_counter() - started


def main() -> int:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build-installer"), "--no-package"],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "Borderless.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(APP, arcname=APP.name)
        compressed = archive.stat().st_size
    print(f"Build and self-test: {build_s:.0f} s")
    print(f"Bundle: {folder_size(APP) / 2**20:.0f} MB unpacked (target < 150 MB),"
          f" {compressed / 2**20:.0f} MB as tar.gz (target < 70 MB)")  # fmt: skip
    overhead = xvfb_overhead()
    executable = APP / "borderless"
    first = start_to_first_paint(executable)
    later = statistics.median(start_to_first_paint(executable) for _ in range(5))
    where = (
        f"under Xvfb (X11; starting Xvfb itself takes {overhead:.2f} s of it)"
        if overhead
        else "offscreen"
    )
    print(f"Start to first paint, {where}: first run {first:.2f} s,"
          f" then median {later:.2f} s (target < 1.5 s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
