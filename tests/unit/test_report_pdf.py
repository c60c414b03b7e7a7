"""The PDF report: the demo audit on A4 and Letter, read back with poppler; the maps are vectors;
hostile names print as text; missing sections and every redaction level are fine."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")

from borderless import paths  # noqa: E402
from borderless.report import Redaction, build_report, pdf  # noqa: E402
from borderless.report.pdf import headline, write_pdf  # noqa: E402
from borderless.store import Store  # noqa: E402

# Where the PDFs go when a person wants to look at them (render them with pdftoppm).
SCREENSHOT_DIR_VARIABLE = "BORDERLESS_SCREENSHOT_DIR"

needs_poppler = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdfinfo", "pdfimages")),
    reason="needs poppler-utils (pdftotext, pdfinfo, pdfimages)",
)

HOSTILE_NAMES = ("<img src=x onerror=alert(1)>", "<b>bold</b> & <i>it</i>")


@pytest.fixture(scope="module")
def demo_data(demo_template: Path) -> Path:
    """A data folder holding the demo persona's audit (resolved offline), only read here."""
    return demo_template


def demo_report(folder: Path, redaction: Redaction | None = None) -> dict[str, Any]:
    with Store.open(paths.audit_path(folder)) as store:
        if redaction is None:
            return build_report(store)
        return build_report(store, redaction=redaction)


@pytest.fixture(scope="module")
def report(demo_data: Path) -> dict[str, Any]:
    return demo_report(demo_data)


@pytest.fixture(scope="module")
def demo_pdf(qapp, report: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo report as an A4 PDF. `qapp` first: the tests' application is a QApplication,
    which later widget tests need (write_pdf would otherwise make a QGuiApplication)."""
    path = tmp_path_factory.mktemp("pdf") / "demo.pdf"
    write_pdf(report, path)
    keep = os.environ.get(SCREENSHOT_DIR_VARIABLE)
    if keep:
        shutil.copyfile(path, Path(keep) / "report-demo.pdf")
    return path


def run(*command: str | Path) -> str:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=True
    ).stdout


def text_of(path: Path, *options: str) -> str:
    """The PDF's text, with every run of white space made one space (lines wrap anywhere)."""
    return " ".join(run("pdftotext", *options, path, "-").split())


def info(path: Path) -> dict[str, str]:
    lines = run("pdfinfo", path).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def page_streams(path: Path) -> list[bytes]:
    """The PDF's streams, inflated where Qt compressed them."""
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S):
        try:
            streams.append(zlib.decompress(raw))
        except zlib.error:
            streams.append(raw)
    return streams


def test_the_demo_report_is_a_pdf_of_several_pages(demo_pdf: Path) -> None:
    data = demo_pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    # Readable by its owner only: it shows as much as the browsing history it comes from.
    if sys.platform != "win32":
        assert demo_pdf.stat().st_mode & 0o777 == 0o600


@needs_poppler
def test_a4_and_letter_pages_have_their_sizes(
    qapp, demo_pdf: Path, report: dict[str, Any], tmp_path: Path
) -> None:
    letter = tmp_path / "letter.pdf"
    write_pdf(report, letter, page_size="Letter")
    a4_info, letter_info = info(demo_pdf), info(letter)
    assert int(a4_info["Pages"]) > 1 and int(letter_info["Pages"]) > 1
    assert a4_info["Page size"].startswith("595 x 842 pts")
    assert letter_info["Page size"].startswith("612 x 792 pts")


def test_an_unknown_page_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="A3"):
        write_pdf({}, tmp_path / "a3.pdf", page_size="A3")
    assert not (tmp_path / "a3.pdf").exists()


@needs_poppler
def test_the_text_holds_the_headline_the_redaction_and_every_section(
    demo_pdf: Path, report: dict[str, Any]
) -> None:
    text = text_of(demo_pdf)
    share = report["totals"]["voluntary_cross_border_share"]
    sentence, detail = headline(report)
    assert sentence.startswith(f"{share['foreign_legal_home_share']:.0%} of the sites you chose")
    assert sentence in text
    assert f"{share['user_initiated_visits']:,} visits you started" in text
    first_page = text_of(demo_pdf, "-l", "1")
    assert "Borderless privacy report" in first_page
    assert "Redaction level: paths." in first_page
    assert "Brazil (BR), set by you" in first_page
    for title in (
        "Where the companies are at home",
        "Where the servers answered from",
        "Platforms",
        "Kinds of platform",
        "Hosts visited",
        "Countries",
        "Timeline",
        "The law on both sides",
        "Brazil → United States",
        "CLOUD Act",
        "Background traffic and devices",
        "Cookies",
        "Sources and blind spots",
        "Resolution",
        "Methods and attributions",
        "CC BY 4.0",
        "Natural Earth",
        f"Borderless {report['generator']['version']} at {report['generated_at']}",
    ):
        assert title in text, title
    for platform in report["platforms"][:10]:
        assert platform["name"] in text
    # Ligatures would make "Netflix" unsearchable (one glyph for "fl").
    assert "Netflix" in text and "\ufb02" not in text
    assert re.search(r"Page 1 of \d+", text)


def test_the_headline_is_the_windows(qapp, demo_data: Path, report: dict[str, Any]) -> None:
    from borderless.analysis import audit
    from borderless.gui.main_window import headline_text
    from borderless.home import home_country, home_country_source
    from borderless.resolve.law import shipped_law_table
    from borderless.resolve.owners import shipped_catalogue

    with Store.open(paths.audit_path(demo_data)) as store:
        home = home_country(store)
        analysed = audit(
            store,
            home,
            shipped_catalogue(),
            shipped_law_table(),
            home_source=home_country_source(store),
        )
    assert headline(report) == headline_text(analysed)


@needs_poppler
def test_the_maps_are_vector_graphics(demo_pdf: Path) -> None:
    assert run("pdfimages", "-list", demo_pdf).splitlines()[2:] == []
    assert not re.search(rb"/Subtype\s*/Image", demo_pdf.read_bytes())
    content = b"".join(page_streams(demo_pdf))
    # Country outlines: thousands of line-to operators, and filled paths.
    assert content.count(b" l\n") > 5_000
    assert b"\nf\n" in content or b"\nf*\n" in content or b"\nB*\n" in content


@needs_poppler
def test_hostile_names_are_printed_as_text(qapp, report: dict[str, Any], tmp_path: Path) -> None:
    hostile = copy.deepcopy(report)
    for platform, name in zip(hostile["platforms"], HOSTILE_NAMES, strict=False):
        platform["name"] = name
    hostile["domains"][0].update(host="xn--bcher-kva.example", host_display="bücher.example")
    hostile["redaction"] = {"level": "paths", "description": "<u>Host</u> names are shown."}
    path = tmp_path / "hostile.pdf"
    write_pdf(hostile, path)
    text = text_of(path)
    for name in HOSTILE_NAMES:
        assert name in text
    assert "<u>Host</u> names are shown." in text
    # An internationalised name in both forms: as read, and as sent.
    assert "bücher.example (xn--bcher-kva.example)" in text
    assert run("pdfimages", "-list", path).splitlines()[2:] == []
    assert not re.search(rb"/Subtype\s*/Image", path.read_bytes())


@needs_poppler
def test_missing_and_empty_sections_get_a_sentence(qapp, tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    write_pdf({}, empty)
    text = text_of(empty)
    assert "Nothing scanned yet." in text
    assert "Redaction: none recorded." in text
    assert "This report has no timeline." in text
    assert "No cookie jar was read" in text
    hollow = {
        "home_country": "DE",
        "home_country_source": "timezone",
        "redaction": {},
        "totals": {"visits": 0},
        "timeline": [],
        "categories": [],
        "platforms": [],
        "owners": [],
        "domains": [],
        "urls": [],
        "countries": [],
        "flows": [],
        "sources": [],
        "blind_spots": [],
        "resolution": {},
    }
    path = tmp_path / "hollow.pdf"
    write_pdf(hollow, path)
    text = text_of(path)
    assert "Germany (DE), guessed from the time zone" in text
    assert "No data was found going abroad." in text
    assert "This report lists no platforms." in text


@needs_poppler
@pytest.mark.parametrize("level", list(Redaction))
def test_every_redaction_level_prints_and_says_so_first(
    qapp, demo_data: Path, tmp_path: Path, level: Redaction
) -> None:
    redacted = demo_report(demo_data, level)
    path = tmp_path / f"{level}.pdf"
    write_pdf(redacted, path)
    assert f"Redaction level: {level.value}." in text_of(path, "-l", "1")
    text = text_of(path)
    if level.rank >= Redaction.HOSTS.rank:
        assert "www.google.com" not in text
        assert f"left out at this report's redaction level ({level.value})" in text
    if level is Redaction.PLATFORMS:
        assert "Alphabet Inc." in text and "YouTube" not in text


@needs_poppler
def test_long_tables_are_cut_with_a_pointer_to_the_export(
    qapp, report: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "PLATFORM_ROWS", 3)
    monkeypatch.setattr(pdf, "DOMAIN_ROWS", 4)
    path = tmp_path / "cut.pdf"
    write_pdf(report, path)
    text = text_of(path)
    assert f"{len(report['platforms']) - 3:,} more platforms in the CSV or JSON export." in text
    assert f"{len(report['domains']) - 4:,} more hosts in the CSV or JSON export." in text


def test_a_drawing_error_is_raised_not_a_crash(
    qapp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An exception in a text object's Qt override would take the process down; it is kept and
    raised once Qt is done."""

    def broken(*arguments: object) -> None:
        raise ArithmeticError("broken chart")

    monkeypatch.setattr(pdf, "_paint_timeline", broken)
    content = {"timeline": [{"day": "2026-01-01", "home": 1, "abroad": 2, "unknown": 0}]}
    with pytest.raises(ArithmeticError, match="broken chart"):
        write_pdf(content, tmp_path / "broken.pdf")


def test_importing_the_reports_and_the_cli_loads_no_qt() -> None:
    code = (
        "import sys, borderless.report, borderless.report.pdf, borderless.cli; "
        "assert not [m for m in sys.modules if m.startswith('PySide6')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_pdf_is_written_without_a_screen_or_an_application(tmp_path: Path) -> None:
    """From the command line no application exists and there may be no display: write_pdf
    makes an offscreen one."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")
    }
    target = tmp_path / "bare.pdf"
    code = (
        "import sys; from pathlib import Path; from borderless.report.pdf import write_pdf; "
        f"write_pdf({{}}, Path({str(target)!r}))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=environment)
    assert target.read_bytes().startswith(b"%PDF-")
