"""The JSON and CSV reports, and how they are written."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pytest

from borderless.model import Source, SourceKind
from borderless.pipeline import scan
from borderless.report import SCHEMA, ReportExistsError, build_report, write_report
from borderless.report.writers import DOMAIN_COLUMNS, neutralise_cell, render_csv
from tests.conftest import BROWSERS

CHROMIUM = Source(
    SourceKind.CHROMIUM, "Chromium", "Default", BROWSERS / "chromium" / "Default" / "History"
)


@pytest.fixture
def scanned(store, tmp_path: Path):
    scan(store, [CHROMIUM, Source(SourceKind.CHROMIUM, "Chromium", "gone", tmp_path / "nope")])
    return store


def test_json_report_has_the_documented_sections(scanned, expected) -> None:
    report = build_report(scanned)
    assert report["schema"] == SCHEMA == "borderless-report/1"
    assert set(report) >= {"home_country", "period", "totals", "domains", "sources"}
    assert report["totals"]["visits"] == sum(e["visits"] for e in expected["chromium"].values())
    assert report["totals"]["user_initiated_visits"] == sum(
        e["user_initiated"] for e in expected["chromium"].values()
    )
    assert report["totals"]["domains"] == len(expected["chromium"])
    assert report["totals"]["sources_with_errors"] == 1
    assert report["period"]["days"] == 1
    assert report["period"]["first_visit"].startswith("2026-11-25T")
    by_host = {domain["host"]: domain for domain in report["domains"]}
    assert {
        h: {"visits": d["visits"], "user_initiated": d["user_initiated_visits"]}
        for h, d in by_host.items()
    } == expected["chromium"]
    idn = by_host["xn--d1abbgf6aiiy.xn--p1ai"]
    assert idn["host_display"] == "президент.рф"
    assert by_host["www.bbc.co.uk"]["registrable_domain"] == "bbc.co.uk"
    assert by_host["www.google.com"]["sources"] == [1]
    good, broken = report["sources"]
    assert (good["status"], good["records"], good["error"]) == ("ok", 32, None)
    assert broken["status"] == "error" and "not found" in broken["error"]
    json.dumps(report)  # plain data all the way down


def test_csv_report_round_trips_through_the_csv_module(scanned) -> None:
    text = render_csv(build_report(scanned))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == DOMAIN_COLUMNS
    assert len(rows) == build_report(scanned)["totals"]["domains"]
    assert rows[0]["host"] == "www.google.com" and rows[0]["visits"] == "3"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("www.example.com", "www.example.com"),
        (None, ""),
        (3, "3"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(value, cell: str) -> None:
    assert neutralise_cell(value) == cell


def test_reports_are_written_atomically_and_privately(scanned, tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    write_report(scanned, "json", str(output))
    assert json.loads(output.read_text())["schema"] == SCHEMA
    assert stat.S_IMODE(output.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temporary left


def test_an_existing_file_is_replaced_only_when_forced(scanned, tmp_path: Path) -> None:
    output = tmp_path / "report.csv"
    output.write_text("keep me")
    with pytest.raises(ReportExistsError, match="--force"):
        write_report(scanned, "csv", str(output))
    assert output.read_text() == "keep me"
    write_report(scanned, "csv", str(output), force=True)
    assert output.read_text().startswith("host,")


def test_a_failed_write_leaves_no_partial_file(scanned, tmp_path: Path, monkeypatch) -> None:
    from borderless.report import writers

    def broken_replace(source: str, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers.os, "link", broken_replace)
    with pytest.raises(OSError):
        write_report(scanned, "json", str(tmp_path / "r.json"))
    assert list(tmp_path.iterdir()) == []


def test_an_empty_audit_gives_an_empty_but_valid_report(store) -> None:
    report = build_report(store)
    assert report["domains"] == [] and report["totals"]["visits"] == 0
    assert report["period"] == {"first_visit": None, "last_visit": None, "days": 0}
