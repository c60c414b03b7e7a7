"""Golden reports of the fixture browsers' scan: JSON and every CSV table, compared whole.

The fixture histories were written by real Chromium and Firefox (tests/fixtures/browsers); the
scan resolves nothing (offline), so the report depends only on them, the catalogue and the law
table. After a deliberate change (a new field, a catalogue fix), read the difference, then run
these tests with BORDERLESS_UPDATE_GOLDEN=1 to rewrite the files and commit them.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from borderless import pipeline
from borderless.home import HOME_SETTING
from borderless.model import Source, SourceKind
from borderless.report import build_report, write_report
from borderless.report.redaction import Redaction
from tests.conftest import BROWSERS

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
UPDATE = os.environ.get("BORDERLESS_UPDATE_GOLDEN") == "1"
# Fields that say when or with which build a report was written, not what it found.
VOLATILE = {"generated_at", "version", "resolved_at", "last_scanned_at"}


@pytest.fixture
def fixture_store(store):
    chromium = BROWSERS / "chromium" / "Default" / "History"
    firefox = BROWSERS / "firefox" / "places.sqlite"
    pipeline.scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "Default", chromium),
                          Source(SourceKind.FIREFOX, "Firefox", "default", firefox)])  # fmt: skip
    pipeline.resolve_hosts(store, pipeline.ResolveOptions(offline=True))
    store.set_setting(HOME_SETTING, "BR")
    return store


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("…" if k in VOLATILE else _stable(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(item) for item in value]
    return value


def _compare(path: Path, text: str) -> None:
    # Bytes, not text: CSV rows end in CRLF, which reading as text would hide.
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.read_bytes().decode("utf-8") == text, (
        f"{path.name} changed: read the difference, then rewrite it with BORDERLESS_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize("level", [Redaction.PATHS, Redaction.AGGREGATE])
def test_the_json_report_of_the_fixture_scan(fixture_store, level: Redaction) -> None:
    report = _stable(build_report(fixture_store, redaction=level))
    text = json.dumps(report, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    _compare(GOLDEN / f"golden-fixture-{level.value}.json", text)


def test_every_csv_table_of_the_fixture_scan(fixture_store, tmp_path: Path) -> None:
    output = tmp_path / "tables.zip"
    write_report(fixture_store, "csv", str(output))
    with zipfile.ZipFile(output) as archive:
        tables = {name: archive.read(name).decode("utf-8") for name in sorted(archive.namelist())}
    listing = "".join(f"{name}\n" for name in tables)
    _compare(GOLDEN / "golden-tables" / "tables.txt", listing)
    for name, text in tables.items():
        assert text.startswith(next(io.StringIO(text)))  # a header row first
        if name == "about.csv":  # says when it was written: not golden
            assert "redaction,paths" in text
            continue
        _compare(GOLDEN / "golden-tables" / name, text)


def _fixed(report: dict[str, Any]) -> dict[str, Any]:
    """The report with the fields that say when and with what it was written held still."""
    fixed = _stable(report)
    fixed["generated_at"] = "2026-11-26T00:00:00Z"
    return fixed


def test_the_pdf_text_of_the_fixture_scan(qapp, fixture_store, tmp_path: Path) -> None:
    """The words of every page, in order (pdftotext), against the golden text: layout details
    such as line breaks may differ between font builds, the content may not. A period of one
    day once read "(1 days)" here."""
    import shutil
    import subprocess

    from borderless.report.pdf import write_pdf

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    output = tmp_path / "fixture.pdf"
    write_pdf(_fixed(build_report(fixture_store)), output)
    text = subprocess.run(["pdftotext", "-raw", str(output), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    words = "\n".join(" ".join(page.split()) for page in text.split("\f") if page.strip()) + "\n"
    _compare(GOLDEN / "golden-fixture-pdf.txt", words)


def test_the_sqlite_report_tables_of_the_fixture_scan(fixture_store, tmp_path: Path) -> None:
    import sqlite3

    output = tmp_path / "fixture.sqlite"
    write_report(fixture_store, "sqlite", str(output), redaction=Redaction.HOSTS)
    lines = []
    with sqlite3.connect(output) as connection:
        listed = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"
        names = [row[0] for row in connection.execute(listed)]
        for name in names:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{name}")')]
            lines.append(f"{name}: {', '.join(columns)}")
            for row in connection.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
                values = dict(zip(columns, row, strict=True))
                if name == "report_info" and values["key"] == "generated_at":
                    continue
                kept = {k: v for k, v in values.items() if k not in VOLATILE}
                lines.append("  " + json.dumps(kept, ensure_ascii=False, sort_keys=True))
    _compare(GOLDEN / "golden-fixture-sqlite.txt", "\n".join(lines) + "\n")
