"""Benchmark the window: first paint, and that it never freezes while a million visits are read.

What is measured (offscreen, `QT_QPA_PLATFORM=offscreen`):

* First paint: from the start of this process's import of the window to the end of the first
  paint event of the main window, with an empty data folder (target under 1.5 s).
* The longest stall of the GUI thread's event loop while the window scans a generated
  1,000,000-visit Chromium history (bench/generate.py) and then analyses it: a 10 ms timer
  records when it fires, and the largest gap between two firings, minus the interval, is the
  stall (target: none over 100 ms).
* How long Cancel takes to stop that scan, pressed a second into it (target under 1 s).

Run: `python bench/bench_gui.py` (about a minute; the history is generated once into
bench/data/, about 15 s, and reused).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

STARTED = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BORDERLESS_OFFLINE", "1")  # the scan's resolution step sends nothing

from PySide6.QtCore import QEvent, QObject, QThreadPool, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from borderless.gui.app import application  # noqa: E402
from borderless.gui.main_window import MainWindow  # noqa: E402
from borderless.model import Source, SourceKind  # noqa: E402
from borderless.pipeline import ResolveOptions  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import chromium_history  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


class FirstPaint(QObject):
    """Notes the end of the first paint of a widget."""

    def __init__(self) -> None:
        super().__init__()
        self.at: float | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and self.at is None:
            QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        if self.at is None:
            self.at = time.perf_counter()


class StallMeter:
    """Fires every `interval` ms on the GUI thread and keeps the longest gap."""

    def __init__(self, interval_ms: int = 10):
        self.interval = interval_ms / 1000
        self.longest = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last - self.interval)
        self._last = now


def history() -> Path:
    folder = DATA / "gui-chromium-1000000"
    path = folder / "History"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        print("Generating a 1,000,000-visit Chromium history (once)...")
        chromium_history(path)
    return path


def wait_for(app: QApplication, done: callable, limit: float) -> float:  # type: ignore[valid-type]
    started = time.perf_counter()
    while not done() and time.perf_counter() - started < limit:
        app.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - started


def main() -> int:
    app = application()
    source = Source(SourceKind.CHROMIUM, "Chromium", "Bench", history())
    with tempfile.TemporaryDirectory() as folder:
        painter = FirstPaint()
        window = MainWindow(Path(folder), ResolveOptions(offline=True))
        window.installEventFilter(painter)
        window.show()
        wait_for(app, lambda: painter.at is not None, 10)
        assert painter.at is not None
        first_paint = painter.at - STARTED
        print(f"First paint: {first_paint:.2f} s after start (target < 1.5 s)")

        meter = StallMeter()
        meter.start()
        scan_started = time.perf_counter()
        window.scan([source])
        wait_for(app, lambda: window._scan_job is None, 300)
        scanned = time.perf_counter() - scan_started
        wait_for(app, lambda: window.audit is not None and window.audit.totals.visits > 0, 120)
        total = time.perf_counter() - scan_started
        wait_for(app, lambda: False, 1.0)  # the stall of showing the audit shows up after it
        visits = window.audit.totals.visits if window.audit else 0
        print(f"Scan of {visits:,} visits: {scanned:.1f} s; with the analysis {total:.1f} s")
        print(f"Longest event-loop stall: {meter.longest * 1000:.0f} ms (target < 100 ms)")

    with tempfile.TemporaryDirectory() as folder:
        window = MainWindow(Path(folder), ResolveOptions(offline=True))
        window.show()
        window.scan([source])
        wait_for(app, lambda: False, 1.0)
        pressed = time.perf_counter()
        window.cancel_action.trigger()
        wait_for(app, lambda: window._scan_job is None, 30)
        stopped = time.perf_counter() - pressed
        print(f"Cancel a second into the scan: stopped in {stopped:.2f} s (target < 1 s)")
        QThreadPool.globalInstance().waitForDone()
    return 0


if __name__ == "__main__":
    sys.exit(main())
