"""The main window, driven offscreen: its numbers are the report's, a country filters, a scan
runs off the GUI thread and can be cancelled."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings, Qt  # noqa: E402

from borderless import paths, pipeline  # noqa: E402
from borderless.gui.main_window import MainWindow, headline_text  # noqa: E402
from borderless.gui.models import COUNTRIES_ROLE  # noqa: E402
from borderless.gui.workers import AnalysisJob, ScanJob  # noqa: E402
from borderless.home import HOME_SETTING  # noqa: E402
from borderless.model import Source, SourceKind  # noqa: E402
from borderless.report import build_report  # noqa: E402
from borderless.store import Store  # noqa: E402
from tests.conftest import BROWSERS  # noqa: E402


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


def test_sources_are_found_off_the_gui_thread_with_their_status(qtbot, tmp_path: Path) -> None:
    home = Path(__import__("os").environ["HOME"])
    profile = home / ".config" / "chromium" / "Default"
    profile.mkdir(parents=True)
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", profile / "History")
    broken = home / ".config" / "chromium" / "Profile 1"
    broken.mkdir()
    (broken / "History").write_bytes(b"not a database" * 100)
    window = MainWindow(tmp_path)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.sources_table.model().rowsInserted, timeout=10_000):
        window._list_sources()
    qtbot.waitUntil(lambda: window.sources_table.item(1, 2) is not None)
    statuses = {window.sources_table.item(r, 2).text() for r in range(2)}
    assert "73 rows" in statuses
    assert any("not an SQLite database" in status for status in statuses)
    assert [source.profile for source in window.sources] == ["Default"]
    assert not window.demo_offer.isVisibleTo(window)


def test_with_nothing_found_the_demo_is_offered(qtbot, tmp_path: Path) -> None:
    window = MainWindow(tmp_path)
    qtbot.addWidget(window)
    window._list_sources()
    qtbot.waitUntil(lambda: window.demo_offer.isVisibleTo(window), timeout=10_000)


def test_before_the_first_online_scan_the_person_is_asked(qtbot, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("BORDERLESS_OFFLINE")
    history = tmp_path / "History"
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", history)
    window = MainWindow(tmp_path)
    qtbot.addWidget(window)
    asked: list[str] = []

    def decline(resolver: str) -> bool:
        asked.append(resolver)
        return False  # stay offline: nothing may be sent

    monkeypatch.setattr(window, "confirm_resolution", decline)
    with qtbot.waitSignal(window.platforms_model.modelReset, timeout=30_000):
        window.scan([Source(SourceKind.CHROMIUM, "Chromium", "Default", history)])
    assert len(asked) == 1 and "resolver" in asked[0]
    with Store.open(paths.audit_path(tmp_path)) as store:
        assert store.setting("offline") == "1"
        assert store.setting("resolution_explained") is None
        statuses = {row["status"] for row in store.rows("SELECT status FROM resolutions")}
    assert statuses == {"offline"}


def test_settings_are_saved_where_the_command_line_reads_them(qtbot, tmp_path: Path) -> None:
    from borderless.gui.dialogs import SettingsDialog

    dialog = SettingsDialog(paths.audit_path(tmp_path), tmp_path)
    qtbot.addWidget(dialog)
    dialog.home.setText("jp")
    dialog.resolver.setText("127.0.0.1:5353")
    dialog.offline.setChecked(True)
    dialog.keep_urls.setChecked(True)
    assert dialog.problems() == []
    dialog.accept()
    with Store.open(paths.audit_path(tmp_path)) as store:
        assert store.setting(HOME_SETTING) == "JP"
        options = pipeline.saved_options(store)
        assert options.choice.text() == "127.0.0.1:5353" and options.offline
        assert store.setting("keep_urls") == "1"
    dialog.resolver.setText("dns.google")
    dialog.home.setText("Japan")
    problems = dialog.problems()
    assert any("not an IP address" in p for p in problems)
    assert any("two-letter" in p for p in problems)


def test_delete_all_data_removes_the_audit_and_the_demo(tmp_path: Path, demo_folder: Path):
    from borderless.gui.dialogs import delete_all_data

    assert (paths.demo_dir(demo_folder) / "personas").is_dir()  # the persona was written there
    delete_all_data(demo_folder)
    assert not paths.audit_path(demo_folder).exists()
    assert not paths.demo_dir(demo_folder).exists()


def test_about_names_the_data_it_must_attribute(qtbot) -> None:
    from borderless.gui.dialogs import AboutDialog

    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    text = dialog.findChild(__import__("PySide6.QtWidgets").QtWidgets.QTextBrowser).toPlainText()
    for name in ("nro.net", "routeviews.org", "DB-IP", "CC BY 4.0", "Natural Earth", "MIT"):
        assert name in text


def test_dropping_a_profile_folder_scans_it(qtbot, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    profile.mkdir()
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", profile / "History")
    window = MainWindow(tmp_path / "data", pipeline.ResolveOptions(offline=True))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.platforms_model.modelReset, timeout=30_000):
        window.add_sources([profile, tmp_path / "nowhere"])
    assert window.audit is not None and window.audit.totals.visits == 32


def test_a_period_chosen_on_the_timeline_filters_every_view(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    bars = window.timeline.bars
    assert len(bars) == 50  # 2026-09-07 to 2026-10-26, one bar a day
    assert sum(b.home + b.abroad + b.unknown for b in bars) == window.audit.totals.visits
    whole = window.audit.totals.visits
    with qtbot.waitSignal(window.platforms_model.modelReset, timeout=20_000):
        window.timeline.select(0, 6)
    assert window.period_label.text() == "Showing 2026-09-07 to 2026-09-13 only."
    week = window.audit.totals.visits
    assert 0 < week < whole
    assert week == sum(b.home + b.abroad + b.unknown for b in bars[:7])
    assert window.audit.period.first_visit.startswith("2026-09-07")
    assert window.audit.period.last_visit <= "2026-09-13T23:59:59Z"
    with qtbot.waitSignal(window.platforms_model.modelReset, timeout=20_000):
        window.timeline.clear_selection()
    assert window.audit.totals.visits == whole and window.period_label.text() == ""


def test_long_histories_are_drawn_by_week() -> None:
    from borderless.analysis import DayVisits, bucket

    days = [DayVisits(f"2026-{month:02}-{day:02}", 1, 2, 0) for month in range(1, 7)
            for day in range(1, 29)]  # fmt: skip
    weeks = bucket(days)
    assert len(weeks) < len(days) / 5
    assert sum(w.home for w in weeks) == len(days)
    assert all(__import__("datetime").date.fromisoformat(w.day).weekday() == 0 for w in weeks)


def test_the_window_is_remembered(qtbot, tmp_path: Path) -> None:
    first = MainWindow(tmp_path)
    qtbot.addWidget(first)
    first.tabs.setCurrentIndex(2)
    first.map_mode.setCurrentIndex(1)
    first.save_state()
    again = MainWindow(tmp_path)
    qtbot.addWidget(again)
    assert (again.tabs.currentIndex(), again.map_mode.currentIndex()) == (2, 1)


def test_clicking_a_country_on_the_map_filters_the_platforms(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    window.map_view.fit()
    point = window.map_view.mapFromScene(window.map_view.country_point("CN"))
    with qtbot.waitSignal(window.map_view.country_clicked) as clicked:
        qtbot.mouseClick(window.map_view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert clicked.args == ["CN"]
    assert window.platforms_proxy.country == "CN"
    names = {
        window.platforms_proxy.index(r, 0).data() for r in range(window.platforms_proxy.rowCount())
    }
    assert "TikTok" in names and "YouTube" not in names


def test_a_data_folder_picked_in_settings_is_used_from_the_next_start(qtbot, tmp_path: Path):
    from borderless.gui.app import data_folder_to_use
    from borderless.gui.dialogs import SettingsDialog

    dialog = SettingsDialog(paths.audit_path(tmp_path / "now"), tmp_path / "now")
    qtbot.addWidget(dialog)
    dialog.choose_data_folder(tmp_path / "elsewhere")
    assert "from the next start" in dialog.folder_label.text()
    assert data_folder_to_use(tmp_path / "default", chosen_folder=False) == tmp_path / "elsewhere"
    # A folder named on the command line or in the environment wins.
    assert data_folder_to_use(tmp_path / "named", chosen_folder=True) == tmp_path / "named"
    QSettings("Borderless", "Borderless").remove("data/folder")


def test_a_guessed_home_country_says_so(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    history = tmp_path / "History"
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", history)
    with Store.open(paths.audit_path(tmp_path)) as store:
        pipeline.scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "Default", history)])
    window = loaded_window(qtbot, tmp_path)
    assert "guessed from your time zone" in window.headline.text()
    assert "outside Japan" in window.headline.text()
