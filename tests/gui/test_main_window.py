"""The main window, driven offscreen: its numbers are the report's, a country filters, a scan
runs off the GUI thread and can be cancelled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from borderless import demo, paths, pipeline  # noqa: E402
from borderless.gui.main_window import MainWindow, headline_text  # noqa: E402
from borderless.gui.models import COUNTRIES_ROLE  # noqa: E402
from borderless.gui.workers import AnalysisJob, ScanJob  # noqa: E402
from borderless.home import HOME_SETTING  # noqa: E402
from borderless.model import Source, SourceKind  # noqa: E402
from borderless.report import build_report  # noqa: E402
from borderless.store import Store  # noqa: E402
from tests.conftest import BROWSERS  # noqa: E402


@pytest.fixture
def demo_folder(tmp_path: Path) -> Path:
    """A data folder holding the demo persona's audit (resolved offline)."""
    person = demo.persona(None)
    history = tmp_path / "History"
    demo.write_history(person, history)
    with Store.open(paths.audit_path(tmp_path)) as store:
        store.set_setting(HOME_SETTING, person.home_country)
        pipeline.scan(store, [Source(SourceKind.CHROMIUM, "Chromium", person.name, history)])
        pipeline.resolve_hosts(store, pipeline.ResolveOptions(offline=True))
    return tmp_path


def loaded_window(qtbot, folder: Path) -> MainWindow:
    window = MainWindow(folder)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.platforms_model.modelReset, timeout=20_000):
        window.reload()
    return window


def test_the_headline_numbers_are_the_reports(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    with Store.open(paths.audit_path(demo_folder)) as store:
        report = build_report(store)
    share = report["totals"]["voluntary_cross_border_share"]
    sentence, detail = headline_text(window.audit)
    assert window.headline.text() == sentence
    assert sentence.startswith(f"{share['foreign_legal_home_share']:.0%} of the sites you chose")
    assert f"{share['user_initiated_visits']:,} visits you started" in detail
    assert window.platforms_model.rowCount() == len(report["platforms"])
    assert window.countries_model.rowCount() >= len(report["countries"])


def test_the_table_models_pass_the_model_tester(qtbot, qtmodeltester, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    qtmodeltester.check(window.platforms_model)
    qtmodeltester.check(window.countries_model)
    qtmodeltester.check(window.platforms_proxy)


def test_a_country_filters_every_table(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    everything = window.platforms_proxy.rowCount()
    window.map_view.country_clicked.emit("CN")
    shown = window.platforms_proxy.rowCount()
    assert 0 < shown < everything
    for row in range(shown):
        countries = window.platforms_proxy.index(row, 0).data(COUNTRIES_ROLE)
        assert "CN" in countries
    assert window.countries_proxy.rowCount() == 1
    assert window.clear_filter_action.isVisible()
    window.clear_filter_action.trigger()
    assert window.platforms_proxy.rowCount() == everything


def test_searching_platforms(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    window.platforms_search.setText("bytedance")
    assert window.platforms_proxy.rowCount() >= 1
    names = {
        window.platforms_proxy.index(r, 0).data() for r in range(window.platforms_proxy.rowCount())
    }
    assert "TikTok" in names


def test_sorting_by_visits_sorts_numbers(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    window.platforms_table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    visits = [
        window.platforms_proxy.index(r, 6).data(Qt.ItemDataRole.UserRole + 1)
        for r in range(window.platforms_proxy.rowCount())
    ]
    assert visits == sorted(visits, reverse=True)


def test_a_scan_runs_off_the_gui_thread_and_fills_the_window(qtbot, tmp_path: Path) -> None:
    history = tmp_path / "History"
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", history)
    window = MainWindow(tmp_path, pipeline.ResolveOptions(offline=True))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.platforms_model.modelReset, timeout=30_000):
        window.scan([Source(SourceKind.CHROMIUM, "Chromium", "Default", history)])
    assert window.audit is not None and window.audit.totals.visits == 32
    assert "32 new visits" in window.stage.text()
    assert window.scan_action.isEnabled() and not window.cancel_action.isEnabled()


def test_a_cancelled_scan_keeps_what_was_stored(qtbot, tmp_path: Path) -> None:
    history = tmp_path / "History"
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", history)
    job = ScanJob(paths.audit_path(tmp_path), [Source(SourceKind.CHROMIUM, "C", "D", history)],
                  pipeline.ResolveOptions(offline=True), keep_urls=False)  # fmt: skip
    job.cancel()  # before it starts: it must stop at its first look
    with qtbot.waitSignal(job.signals.finished, timeout=10_000) as blocker:
        job.run()
    assert blocker.args[0].cancelled


def test_an_empty_data_folder_says_what_to_do(qtbot, tmp_path: Path) -> None:
    job = AnalysisJob(paths.audit_path(tmp_path))
    with qtbot.waitSignal(job.signals.finished) as blocker:
        job.run()
    assert blocker.args == [None]
    assert headline_text(None)[0] == "Nothing scanned yet."
