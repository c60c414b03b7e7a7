"""`borderless --self-test`: prove that an installed (or frozen) app works, end to end.

It opens the main window (offscreen when there is no screen), scans the demo persona through
the window as a person would, writes a JSON, an HTML, a PDF report and the map as a PNG, reads them
back, and fails on anything Qt could not load (a missing platform or image plugin, a library that
did not load): the checks a packaged build most often fails. Nothing is sent (offline) and
nothing outside a temporary folder is written.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# Words in Qt's own messages that mean part of Qt failed to load; any of them fails the test.
LOAD_FAILURES = ("could not load", "failed to load", "cannot load", "could not find the qt",
                 "library not found", "no qt platform plugin")  # fmt: skip
WAIT_S = 120.0


class SelfTestError(Exception):
    """A check failed; the message says which and why."""


def run_self_test(report: Callable[[str], None] = print) -> int:
    """Run every check, telling `report` each step; returns the exit status (0 all passed)."""
    if not os.environ.get("QT_QPA_PLATFORM") and not _has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ["BORDERLESS_OFFLINE"] = "1"
    problems: list[str] = []
    try:
        _checks(report, problems)
    except SelfTestError as error:
        problems.append(str(error))
    except Exception as error:  # a bug or a broken bundle: say what, do not hide it
        problems.append(f"unexpected {type(error).__name__}: {error}")
    if problems:
        for problem in problems:
            report(f"FAILED: {problem}")
        return 1
    report("Self-test passed.")
    return 0


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _checks(report: Callable[[str], None], problems: list[str]) -> None:
    started = time.perf_counter()
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler  # noqa: PLC0415

    def on_qt_message(kind: QtMsgType, _context: object, message: str) -> None:
        lowered = message.lower()
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) or any(
            word in lowered for word in LOAD_FAILURES
        ):
            problems.append(f"Qt: {message}")

    qInstallMessageHandler(on_qt_message)
    from borderless import paths  # noqa: PLC0415
    from borderless.pipeline import ResolveOptions  # noqa: PLC0415
    from borderless.report import write_report  # noqa: PLC0415
    from borderless.resolve.geo import Geolocator  # noqa: PLC0415
    from borderless.resolve.law import shipped_law_table  # noqa: PLC0415
    from borderless.resolve.owners import shipped_catalogue  # noqa: PLC0415
    from borderless.store import Store  # noqa: PLC0415
    from borderless.worldmap import load_countries  # noqa: PLC0415

    from .app import application  # noqa: PLC0415
    from .main_window import MainWindow  # noqa: PLC0415

    resources = paths.resources_dir()
    report(f"Resources: {resources}")
    with Geolocator() as geolocator:
        if geolocator.locate("8.8.8.8").country is None:
            raise SelfTestError("the shipped geolocation databases do not locate 8.8.8.8")
    catalogue, laws, countries = shipped_catalogue(), shipped_law_table(), load_countries()
    report(f"Data: {len(catalogue.platforms):,} platforms, {len(countries)} map shapes,"
           f" laws of {len(laws.countries)} countries")  # fmt: skip

    app = application()
    report(f"Qt platform: {app.platformName()}")
    # The icon is an SVG: a bundle without Qt's SVG icon engine would show none.
    if app.windowIcon().isNull() or app.windowIcon().pixmap(64, 64).isNull():
        raise SelfTestError("the window icon (resources/icons/borderless.svg) did not load")
    with tempfile.TemporaryDirectory(prefix="borderless-self-test-") as folder:
        data = Path(folder) / "data"
        window = MainWindow(data, ResolveOptions(offline=True))
        window.show()
        _wait(app, lambda: window.isVisible() and window.windowHandle() is not None, "the window")
        window.demo_action.trigger()  # the Demo persona button
        _wait(app, lambda: window.audit is not None and window.audit.totals.visits > 0,
              "the demo persona's scan")  # fmt: skip
        assert window.audit is not None
        visits = window.audit.totals.visits
        report(f"Window: scanned the demo persona, {visits:,} visits; {window.headline.text()}")
        if window.platforms_model.rowCount() == 0:
            raise SelfTestError("the window shows no platforms after the demo scan")
        window.close()
        outputs = Path(folder) / "reports"
        outputs.mkdir()
        with Store.open(paths.audit_path(paths.demo_dir(data))) as store:
            for name, report_format in (("report.json", "json"), ("report.html", "html"),
                                        ("report.pdf", "pdf"), ("map.png", "png")):  # fmt: skip
                write_report(store, report_format, str(outputs / name))
        _check_reports(outputs, visits)
        report("Reports: JSON, HTML, PDF and the map (PNG) written and read back")
    if problems:
        raise SelfTestError("; ".join(problems))
    report(f"All checks in {time.perf_counter() - started:.1f} s")


def _wait(app: object, done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() > deadline:
            raise SelfTestError(f"{what} did not finish within {WAIT_S:.0f} s")
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.01)


def _check_reports(folder: Path, visits: int) -> None:
    document = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    if document.get("schema") != "borderless-report/1":
        raise SelfTestError("the JSON report has no borderless-report/1 schema")
    if document["totals"]["visits"] != visits:
        raise SelfTestError("the JSON report's visits differ from the window's")
    page = (folder / "report.html").read_text(encoding="utf-8")
    if "<script" in page.lower() or "Redaction" not in page:
        raise SelfTestError("the HTML report is not the inert page expected")
    if not (folder / "report.pdf").read_bytes().startswith(b"%PDF"):
        raise SelfTestError("the PDF report is not a PDF")
    if not (folder / "map.png").read_bytes().startswith(b"\x89PNG"):
        raise SelfTestError("the map is not a PNG")
