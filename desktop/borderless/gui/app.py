"""Starting the window: the application object, and screenshots for the README and for checks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, QThreadPool, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from borderless import analysis, paths
from borderless.home import home_country, home_country_source
from borderless.pipeline import ResolveOptions
from borderless.resolve.law import shipped_law_table
from borderless.resolve.owners import shipped_catalogue
from borderless.store import Store

from .main_window import VIEWS, MainWindow


def application() -> QApplication:
    """The one QApplication of the process (made on first use)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Borderless")
    app.setOrganizationName("Borderless")
    app.setApplicationDisplayName("Borderless")
    app.setWindowIcon(QIcon(str(paths.resources_dir() / "icons" / "borderless.svg")))
    # Wayland compositors take the icon from the installed desktop entry of this name.
    app.setDesktopFileName("org.borderless.Borderless")
    return app


DATA_FOLDER_KEY = "data/folder"
# Set by benchmarks of start-up (bench/bench_installer.py): the app prints "first paint" when the
# window has first been painted, and quits.
QUIT_AFTER_FIRST_PAINT_VARIABLE = "BORDERLESS_QUIT_AFTER_FIRST_PAINT"


class _QuitAfterFirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # After the paint event has been handled: the pixels are on the screen.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print("first paint", flush=True)
        QApplication.quit()


def data_folder_to_use(default: Path, chosen_folder: bool) -> Path:
    """The folder named on the command line or in the environment, else the one picked in
    Settings, else `default`."""
    picked = QSettings("Borderless", "Borderless").value(DATA_FOLDER_KEY)
    if not chosen_folder and picked:
        return Path(str(picked))
    return default


def run(
    data_folder: Path, options: ResolveOptions | None = None, *, chosen_folder: bool = False
) -> int:
    """Open the main window and run until it closes; returns the exit status.

    Unless the folder was named on the command line or in the environment (`chosen_folder`),
    the one picked in Settings (kept in Qt's settings) is used.
    """
    app = application()
    data_folder = data_folder_to_use(data_folder, chosen_folder)
    window = MainWindow(data_folder, options)
    if os.environ.get(QUIT_AFTER_FIRST_PAINT_VARIABLE):
        window.installEventFilter(_QuitAfterFirstPaint(window))
    window.show()
    # The stored audit and the sources load after the first paint, off the GUI thread.
    QTimer.singleShot(0, window.start)
    status = app.exec()
    # A job may still be running (an analysis after a scan): let it end before Python tears
    # down the objects it reports to.
    QThreadPool.globalInstance().waitForDone()
    return status


def screenshot(data_folder: Path, view: str, output: Path, size: tuple[int, int]) -> None:
    """Render the window over the stored audit of `data_folder`, showing `view`, to a PNG.

    Raises:
        ValueError: `view` is not one of VIEWS.
        OSError: the PNG cannot be written.
    """
    if view not in VIEWS:
        raise ValueError(f"{view!r} is not a view: choose one of {', '.join(VIEWS)}")
    app = application()
    window = MainWindow(data_folder)
    window.resize(*size)
    audit_path = paths.audit_path(data_folder)
    if audit_path.exists():
        with Store.open(audit_path) as store:
            home = home_country(store)
            audit = analysis.audit(
                store, home, shipped_catalogue(), shipped_law_table(),
                home_source=home_country_source(store),
            )  # fmt: skip
            window.timeline.set_days(analysis.timeline(store, home, audit.attributions))
        window._show_audit(audit)
    window.tabs.setCurrentIndex(VIEWS.index(view))
    if view == "platforms" and window.platforms_proxy.rowCount():
        # A picture of the platforms shows one platform's detail too.
        window.platforms_table.selectRow(0)
    window.show()
    window.map_view.fit()
    for _ in range(5):
        app.processEvents()
    if not window.grab().save(str(output)):
        raise OSError(f"cannot write {output}")
    window.close()
