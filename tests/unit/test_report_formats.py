"""Every report format from the same redacted content: JSON against its schema, CSV tables in a
zip or a folder, the SQLite database, the map alone; a hostile history in each."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from borderless import pipeline
from borderless.home import HOME_SETTING
from borderless.model import Source, SourceKind
from borderless.report import ReportExistsError, build_report, write_report
from borderless.report.redaction import Redaction
from borderless.report.writers import CORE_TABLES, neutralise_cell
from tests.unit.test_hostile_history import hostile_history

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "report-schema.json"
HOSTILE_PROFILE = '=HYPERLINK("http://evil.example","x")<script>alert(1)</script>'


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture
def hostile_store(store, chromium_history: Path):
    hostile = chromium_history.with_name("Hostile")
    hostile_history(hostile, chromium_history)
    sources = [Source(SourceKind.CHROMIUM, "Chromium", HOSTILE_PROFILE, hostile),
               Source(SourceKind.CHROMIUM, "Chromium", "Default", chromium_history)]  # fmt: skip
    pipeline.scan(store, sources, keep_urls=True)
    pipeline.resolve_hosts(store, pipeline.ResolveOptions(offline=True))
    store.set_setting(HOME_SETTING, "BR")
    return store


@pytest.mark.parametrize("level", list(Redaction))
def test_every_level_of_every_audit_matches_the_schema(
    level: Redaction, demo_store, validator
) -> None:
    report = build_report(demo_store, redaction=level)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(report)]
    assert errors == []


@pytest.mark.parametrize("level", [Redaction.NONE, Redaction.PATHS])
def test_the_hostile_history_matches_the_schema(level, hostile_store, validator) -> None:
    report = build_report(hostile_store, redaction=level)
    assert list(validator.iter_errors(report)) == []
    # The schema is no rubber stamp: a wrong type is caught.
    broken = dict(report, totals=dict(report["totals"], visits="many"))
    assert list(validator.iter_errors(broken))


def _read_zip(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def test_csv_tables_in_a_zip_round_trip(demo_store, tmp_path: Path) -> None:
    output = tmp_path / "report.zip"
    write_report(demo_store, "csv", str(output))
    tables = _read_zip(output)
    assert {f"{name}.csv" for name in CORE_TABLES} <= set(tables)
    about = {row["key"]: row["value"] for row in tables["about.csv"]}
    assert about["redaction"] == "paths" and about["home_country"] == "BR"
    assert {"categories.csv", "timeline.csv", "devices.csv", "background.csv"} <= set(tables)
    report = build_report(demo_store)
    assert [row["name"] for row in tables["platforms.csv"]] == [
        p["name"] for p in report["platforms"]
    ]
    days = sum(int(r["home"]) + int(r["abroad"]) + int(r["unknown"])
               for r in tables["timeline.csv"])  # fmt: skip
    assert days == report["totals"]["visits"]
    assert len(tables["devices.csv"]) == 4
    countries = {row["country"]: row for row in tables["countries.csv"]}
    assert int(countries["US"]["legal_home_visits"]) > 0


def test_csv_tables_follow_the_redaction_level(demo_store, tmp_path: Path) -> None:
    output = tmp_path / "aggregate.zip"
    write_report(demo_store, "csv", str(output), redaction=Redaction.AGGREGATE)
    tables = _read_zip(output)
    assert tables["platforms.csv"] == tables["domains.csv"] == []
    assert "devices.csv" not in tables and "background.csv" not in tables
    text = "".join(json.dumps(rows) for rows in tables.values())
    assert "Alphabet" not in text and "youtube" not in text.lower()


def test_csv_tables_into_a_folder_never_delete_other_files(demo_store, tmp_path: Path) -> None:
    output = tmp_path / "tables"
    write_report(demo_store, "csv", str(output))
    assert (output / "platforms.csv").is_file()
    with pytest.raises(ReportExistsError, match="exists"):
        write_report(demo_store, "csv", str(output))
    write_report(demo_store, "csv", str(output), force=True)  # only CSV files there: replaced
    (output / "notes.txt").write_text("mine")
    with pytest.raises(ReportExistsError, match="not CSV tables"):
        write_report(demo_store, "csv", str(output), force=True)
    assert (output / "notes.txt").read_text() == "mine"


def test_the_hostile_history_is_inert_in_csv(hostile_store, tmp_path: Path) -> None:
    output = tmp_path / "hostile.zip"
    write_report(hostile_store, "csv", str(output), redaction=Redaction.NONE)
    with zipfile.ZipFile(output) as archive:
        cells = [
            cell
            for name in archive.namelist()
            for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8")))
            for cell in row
        ]
    assert cells and not [cell for cell in cells if cell.startswith(("=", "+", "-", "@"))]
    assert neutralise_cell(HOSTILE_PROFILE) == "'" + HOSTILE_PROFILE


def test_sqlite_report_holds_the_audit_and_views_at_paths(demo_store, tmp_path: Path) -> None:
    output = tmp_path / "audit.sqlite"
    write_report(demo_store, "sqlite", str(output))
    with sqlite3.connect(output) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert {"visits", "hosts", "dns_lookups", "report_platforms", "report_info"} <= names
        assert {"visit_log", "visits_per_day", "lookup_log", "platforms_abroad"} <= names
        (visits,) = connection.execute("SELECT count(*) FROM visit_log").fetchone()
        assert visits == demo_store.rows("SELECT count(*) AS n FROM visits")[0]["n"]
        abroad = connection.execute("SELECT name, legal_home FROM platforms_abroad").fetchall()
        assert abroad and all(home != "BR" for _, home in abroad)
        assert connection.execute("SELECT count(*) FROM pages").fetchone() == (0,)
        paths = [row[0] for row in connection.execute("SELECT path FROM sources")]
        assert paths == ["History", "querylog.json"]


def test_sqlite_report_above_paths_holds_no_raw_evidence(demo_store, tmp_path: Path) -> None:
    output = tmp_path / "hosts.sqlite"
    write_report(demo_store, "sqlite", str(output), redaction=Redaction.HOSTS)
    with sqlite3.connect(output) as connection:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        assert "visits" not in names and "hosts" not in names and "report_platforms" in names
        dump = "\n".join(connection.iterdump())
    assert "www.youtube.com" not in dump and "192.168.0.11" not in dump
    assert "YouTube" in dump  # platform names stay at this level


def test_the_map_alone_as_svg_and_png(qapp, demo_store, tmp_path: Path) -> None:
    """`qapp` first: later widget tests need a QApplication, not the QGuiApplication the
    PNG writer would make."""
    import xml.etree.ElementTree as ElementTree

    svg = tmp_path / "map.svg"
    write_report(demo_store, "svg", str(svg))
    root = ElementTree.parse(svg).getroot()
    assert root.tag.endswith("svg")
    png = tmp_path / "map.png"
    write_report(demo_store, "png", str(png), map_mode="servers")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="standard output"):
        write_report(demo_store, "png", "-")


def test_the_core_and_its_writers_stay_free_of_qt() -> None:
    code = (
        "import sys, borderless.cli, borderless.report, borderless.report.writers,"
        " borderless.report.database, borderless.report.redaction;"
        " assert not [m for m in sys.modules if m.startswith('PySide6')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_hostile_history_in_the_sqlite_and_html_reports(hostile_store, tmp_path: Path) -> None:
    """Stored as plain values in SQLite, escaped in HTML: nothing from the history is markup."""
    from html.parser import HTMLParser

    database = tmp_path / "hostile.sqlite"
    write_report(hostile_store, "sqlite", str(database), redaction=Redaction.NONE)
    with sqlite3.connect(database) as connection:
        profiles = {row[0] for row in connection.execute("SELECT profile FROM report_sources")}
        assert HOSTILE_PROFILE in profiles
        assert connection.execute("SELECT count(*) FROM visit_log").fetchone()[0] > 0
    page = tmp_path / "hostile.html"
    write_report(hostile_store, "html", str(page), redaction=Redaction.NONE)
    tags: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.append(tag)
            assert not [name for name, _ in attrs if name.startswith("on")]

    text = page.read_text(encoding="utf-8")
    Tags().feed(text)
    assert "script" not in tags and "img" not in tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
