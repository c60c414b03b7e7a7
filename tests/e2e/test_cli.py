"""The `borderless` command end to end, as a person runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BROWSERS
from tests.e2e.conftest import run


@pytest.mark.parametrize("command", [[], ["sources"], ["scan"], ["report"], ["demo"], ["lookup"]])
def test_every_command_explains_itself(command: list[str], tmp_path: Path) -> None:
    result = run(*command, "--help", home=tmp_path)
    assert "Usage: borderless" in result.stdout
    assert len(result.stdout.splitlines()) > 5


def test_version(tmp_path: Path) -> None:
    assert run("--version", home=tmp_path).stdout.startswith("borderless, version ")


def test_sources_lists_profiles_with_rows_and_problems(home: Path) -> None:
    broken = home / ".config" / "chromium" / "Profile 1"
    broken.mkdir()
    (broken / "History").write_bytes(b"not sqlite at all" * 10)
    text = run("sources", home=home).stdout
    assert "Chromium" in text and "73 rows" in text
    assert "Firefox" in text and "38 rows" in text
    assert "cannot be read" in text and "not an SQLite database" in text
    listed = json.loads(run("sources", "--json", home=home).stdout)
    assert {entry["rows"] for entry in listed} == {73, 38, None}


def test_scan_then_report_json_and_csv(home: Path, expected) -> None:
    first = run("scan", "--home", "br", home=home)
    assert first.stdout.splitlines() == [
        "Scanned 2 of 2 sources: 64 visits read, 64 new.",
        "Resolved 24 hosts (offline, nothing sent): 24 not looked up (offline).",
    ]
    again = run("scan", home=home)
    assert again.stdout.splitlines() == [
        "Scanned 2 of 2 sources: 64 visits read, 0 new"
        " (2 unchanged since the last scan, not read again).",
        "No new or expired host names to resolve.",
    ]

    report_path = home / "report.json"
    run("report", "--format", "json", "--output", str(report_path), home=home)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["schema"] == "borderless-report/1"
    assert report["home_country"] == "BR"
    combined: dict[str, int] = {}
    for browser in ("chromium", "firefox"):
        for host, counts in expected[browser].items():
            combined[host] = combined.get(host, 0) + counts["visits"]
    assert {d["host"]: d["visits"] for d in report["domains"]} == combined
    assert [s["kind"] for s in report["sources"]] == ["chromium", "firefox"]

    csv_text = run("report", "--format", "csv", "--output", "-", home=home).stdout
    assert csv_text.splitlines()[0].startswith("host,host_display,registrable_domain")

    refused = run(
        "report", "--format", "json", "--output", str(report_path), home=home, check=False
    )
    assert refused.returncode == 1 and "--force" in refused.stderr
    run("report", "--format", "json", "--output", str(report_path), "--force", home=home)


def test_scan_of_given_paths_reports_the_broken_one_and_reads_the_rest(home: Path) -> None:
    junk = home / "junk.sqlite"
    junk.write_bytes(b"\x00" * 4096)
    missing = home / "nowhere"
    result = run(
        "scan", str(home / ".config" / "chromium"), str(junk), str(missing), home=home, check=False
    )
    assert result.returncode == 1
    assert f"error: {missing}: not found" in result.stderr
    assert f"error: {junk}: not a browser history database" in result.stderr
    assert result.stdout.splitlines()[0] == "Scanned 1 of 1 source: 32 visits read, 32 new."


def test_a_bad_home_country_is_refused(home: Path) -> None:
    result = run("scan", "--home", "Brazil", home=home, check=False)
    assert result.returncode == 2 and "two-letter country code" in result.stderr


def test_report_before_any_scan_says_what_to_do(tmp_path: Path) -> None:
    result = run("report", "--format", "json", "--output", "-", home=tmp_path, check=False)
    assert result.returncode == 1 and "borderless scan" in result.stderr


def test_no_arguments_on_a_machine_without_browsers_shows_the_demo(tmp_path: Path) -> None:
    result = run(home=tmp_path)
    assert "demo persona" in result.stdout
    assert "Scanned 1 of 1 source" in result.stdout
    assert (
        "Of the 2,303 visits you started to sites whose owner is known, 2,024 (88%) went to "
        "platforms of companies based outside BR."
    ) in result.stdout
    report = json.loads(
        run("report", "--demo", "--format", "json", "--output", "-", home=tmp_path).stdout
    )
    assert report["home_country"] == "BR"
    assert report["totals"]["visits"] > 1000
    # The person's own audit was not touched by the demo.
    assert not (tmp_path / "data" / "audit.sqlite").exists()


def test_no_arguments_with_browsers_scans_them(home: Path) -> None:
    result = run(home=home)
    assert "Scanned 2 of 2 sources: 64 visits read, 64 new." in result.stdout
    assert "Most visited:" in result.stdout


def test_the_core_never_imports_qt(tmp_path: Path) -> None:
    code = (
        "import sys, borderless.cli, borderless.pipeline, borderless.report, borderless.demo;"
        "assert not [m for m in sys.modules if m.startswith('PySide6')], 'Qt was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_data_dir_may_come_before_or_after_the_command(home: Path) -> None:
    elsewhere = home / "elsewhere"
    run("--data-dir", str(elsewhere), "scan", home=home)
    assert (elsewhere / "audit.sqlite").exists()
    listed = json.loads(run("sources", "--json", "--data-dir", str(elsewhere), home=home).stdout)
    assert sorted(entry["stored_visits"] for entry in listed) == [32, 32]
    assert not (home / "data" / "audit.sqlite").exists()


def test_one_file_named_two_ways_is_one_source(home: Path) -> None:
    profile = home / ".config" / "chromium" / "Default"
    (home / "link").symlink_to(profile)
    run("scan", str(profile / "History"), home=home)
    environment_cwd = subprocess.run(
        [sys.executable, "-m", "borderless", "scan", "History"],
        cwd=profile,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home), "BORDERLESS_DATA_DIR": str(home / "data")},
        timeout=120,
    )
    assert environment_cwd.returncode == 0, environment_cwd.stderr
    run("scan", str(home / "link"), home=home)
    report = json.loads(run("report", "--format", "json", "--output", "-", home=home).stdout)
    assert len(report["sources"]) == 1
    assert report["totals"]["visits"] == 32


def test_ctrl_c_asks_the_scan_to_stop_and_a_second_one_quits() -> None:
    from borderless.cli import Interruption

    with Interruption() as interruption:
        assert not interruption()
        os.kill(os.getpid(), signal.SIGINT)
        assert interruption()  # asked to stop, no KeyboardInterrupt yet
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_demo_report_names_owners_flows_and_laws(tmp_path: Path) -> None:
    run("demo", home=tmp_path)
    report = json.loads(
        run("report", "--demo", "--format", "json", "--output", "-", home=tmp_path).stdout
    )
    platforms = {platform["name"]: platform for platform in report["platforms"]}
    tiktok = platforms["TikTok"]
    assert (tiktok["parent"], tiktok["legal_home"], tiktok["incorporated_in"]) == (
        "ByteDance Ltd.", "CN", "KY"
    )  # fmt: skip
    assert tiktok["attribution"] == "established" and tiktok["sources"]
    share = report["totals"]["voluntary_cross_border_share"]
    assert (
        share["attributed_visits"] + share["suggested_visits"] + share["unattributed_visits"]
        == share["user_initiated_visits"]
    )
    to_us = next(f for f in report["flows"] if f["kind"] == "legal_home" and f["to"] == "US")
    assert to_us["is_transfer"] and to_us["origin_transfer_rules"]
    assert any("CLOUD Act" in law["name"] for law in to_us["destination_access_laws"])
    assert {"BR", "US", "CN"} <= set(report["laws"])
    table = run(
        "report", "--demo", "--format", "csv", "--table", "platforms", "--output", "-",
        home=tmp_path,
    ).stdout  # fmt: skip
    header, first = table.splitlines()[:2]
    assert header.startswith("name,category,operator,parent,legal_home,incorporated_in")
    assert first.startswith("Google Search")


def test_without_a_screen_the_command_works_in_text_mode(monkeypatch) -> None:
    from borderless.cli import _has_screen

    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not _has_screen()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert _has_screen() is (sys.platform in ("win32", "darwin"))
    monkeypatch.setenv("DISPLAY", ":0")
    assert _has_screen()


def test_scan_reads_cookie_jars_and_says_so(home: Path) -> None:
    shutil.copyfile(
        BROWSERS.parent / "cookies" / "chromium" / "Default" / "Cookies",
        home / ".config" / "chromium" / "Default" / "Cookies",
    )
    first = run("scan", home=home).stdout.splitlines()[0]
    assert first == (
        "Scanned 2 of 2 sources: 64 visits read, 64 new; 1 of 1 cookie jars: cookies for 4 hosts."
    )
    report = json.loads(run("report", "--format", "json", "--output", "-", home=home).stdout)
    assert {row["host"] for row in report["cookie_hosts"]} >= {"ad.doubleclick.net"}
    tracking = [p["name"] for p in report["platforms"] if p["tracks_without_visit"]]
    assert tracking


def test_sources_lists_cookie_jars_with_their_hosts(home: Path) -> None:
    shutil.copyfile(
        BROWSERS.parent / "cookies" / "chromium" / "Default" / "Cookies",
        home / ".config" / "chromium" / "Default" / "Cookies",
    )
    listed = json.loads(run("sources", "--json", home=home).stdout)
    jars = [entry for entry in listed if entry["kind"] == "chromium-cookies"]
    assert len(jars) == 1 and jars[0]["rows"] == 4 and jars[0]["problem"] is None
    assert "4 hosts" in run("sources", home=home).stdout


def test_sources_say_what_the_last_scan_skipped(home: Path) -> None:
    from tests.helpers import chromium_history_with

    history = home / ".config" / "chromium" / "Default" / "History"
    urls = ["https://www.example.org/", "file:///home/x/a.pdf", "about:blank", "chrome://settings/"]
    chromium_history_with(history, BROWSERS / "chromium" / "Default" / "History", urls)
    run("scan", home=home)
    listed = json.loads(run("sources", "--json", home=home).stdout)
    chromium = next(entry for entry in listed if entry["kind"] == "chromium")
    assert (chromium["stored_visits"], chromium["skipped_visits"]) == (1, 3)
    assert "3 visits skipped at the last scan" in run("sources", home=home).stdout


def test_scan_of_dns_evidence_files(tmp_path: Path) -> None:
    dns = BROWSERS.parent / "dns"
    captures = BROWSERS.parent / "captures"
    result = run("scan", str(dns / "dnsmasq-extra.log"), str(captures / "capture.pcap"),
                 home=tmp_path)  # fmt: skip
    first = result.stdout.splitlines()[0]
    assert first.startswith("Read 2 of 2 DNS sources: ") and "lookups" in first
    report = json.loads(run("report", "--format", "json", "--output", "-", home=tmp_path).stdout)
    assert report["dns_hosts"] and report["totals"]["visits"] == 0


def test_sources_and_scan_include_a_pi_hole_on_this_machine(home: Path) -> None:
    root = Path(os.environ["BORDERLESS_SYSTEM_ROOT"])
    (root / "etc" / "pihole").mkdir(parents=True)
    shutil.copyfile(
        BROWSERS.parent / "dns" / "pihole-FTL.db", root / "etc" / "pihole" / "pihole-FTL.db"
    )
    listed = json.loads(run("sources", "--json", home=home).stdout)
    assert [entry["kind"] for entry in listed].count("pihole") == 1
    first = run("scan", home=home).stdout.splitlines()[0]
    assert first.startswith("Scanned 2 of 2 sources: 64 visits read, 64 new; 1 of 1 DNS sources:")
