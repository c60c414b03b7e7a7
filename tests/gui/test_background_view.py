"""The background view: DNS evidence per device, hosts never visited, and the blind spots."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from borderless import paths  # noqa: E402
from borderless.analysis import BlindSpot  # noqa: E402
from borderless.gui.background import EMPTY_TEXT, BackgroundView  # noqa: E402
from borderless.gui.main_window import VIEWS  # noqa: E402
from borderless.report import build_report  # noqa: E402
from borderless.store import Store  # noqa: E402
from tests.gui.test_main_window import loaded_window  # noqa: E402


def test_the_demo_household_shows_each_device(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    view = window.background
    assert window.tabs.tabText(VIEWS.index("background")) == "Background (DNS)"
    with Store.open(paths.audit_path(demo_folder)) as store:
        report = build_report(store)
    devices = {row["client"] for row in report["dns_clients"]}
    assert view.clients_model.rowCount() == len(devices) == 4
    shown = {view.clients_model.index(row, 0).data() for row in range(4)}
    assert shown == devices
    assert "DNS evidence holds" in view.summary.text() and "4 devices" in view.summary.text()
    assert view.blind_spots.isHidden()
    # Every device: only the hosts no history visited, by default.
    background = view.hosts_proxy.rowCount()
    visited = {row["host"] for row in report["domains"]}
    for row in range(background):
        assert view.hosts_proxy.index(row, 0).data() not in visited
    view.background_only.setChecked(False)
    assert view.hosts_proxy.rowCount() == len(report["dns_hosts"]) > background
    view.background_only.setChecked(True)


def test_choosing_a_device_shows_only_what_it_looked_up(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    view = window.background
    with Store.open(paths.audit_path(demo_folder)) as store:
        report = build_report(store)
    phone = next(row for row in report["dns_clients"] if row["client"] == "192.168.0.11")
    row = next(r for r in range(4) if view.clients_model.index(r, 0).data() == "192.168.0.11")
    view.clients_table.selectRow(row)
    assert view.selected_client() == (False, "192.168.0.11")
    hosts = {view.hosts_proxy.index(r, 0).data() for r in range(view.hosts_proxy.rowCount())}
    assert len(hosts) == phone["background_hosts"]
    by_host = {entry["host"]: entry for entry in report["dns_hosts"]}
    assert all("192.168.0.11" in by_host[host]["clients"] for host in hosts)
    assert "by 192.168.0.11" in view.hosts_label.text()
    view.clients_table.clearSelection()
    assert view.selected_client() == (True, None)


def test_the_models_pass_the_model_tester(qtbot, qtmodeltester, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    qtmodeltester.check(window.background.clients_model)
    qtmodeltester.check(window.background.hosts_model)
    qtmodeltester.check(window.background.hosts_proxy)


def test_with_no_dns_evidence_the_view_says_what_to_add(qtbot) -> None:
    view = BackgroundView()
    qtbot.addWidget(view)
    view.set_audit(None)
    assert view.summary.text() == EMPTY_TEXT
    assert view.clients_model.rowCount() == view.hosts_model.rowCount() == 0


def test_blind_spots_are_shown_and_escaped(qtbot, demo_folder: Path) -> None:
    import dataclasses

    window = loaded_window(qtbot, demo_folder)
    view = window.background
    spot = BlindSpot(1, "Firefox", "<b>x</b>", "Firefox uses DNS over HTTPS only")
    view.set_audit(dataclasses.replace(window.audit, blind_spots=[spot]))
    assert not view.blind_spots.isHidden()
    assert "Firefox (&lt;b&gt;x&lt;/b&gt;): Firefox uses DNS over HTTPS only" in (
        view.blind_spots.text()
    )
