"""Export from the window: a format, a redaction level with its preview, a file."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from borderless.gui.export import FORMATS, ExportDialog, preview_html  # noqa: E402
from borderless.report.redaction import DEFAULT, Redaction  # noqa: E402
from tests.gui.test_main_window import loaded_window  # noqa: E402


def test_the_preview_shows_what_each_level_keeps(qtbot, demo_folder: Path) -> None:
    window = loaded_window(qtbot, demo_folder)
    dialog = ExportDialog(window.audit, window)
    qtbot.addWidget(dialog)
    assert dialog.level is DEFAULT is Redaction.PATHS
    assert "www.google.com" in dialog.preview.toPlainText()
    dialog.set_level(Redaction.HOSTS)
    text = dialog.preview.toPlainText()
    assert "www.google.com" not in text and "YouTube" in text
    dialog.set_level(Redaction.PLATFORMS)
    text = dialog.preview.toPlainText()
    assert "YouTube" not in text and "Alphabet Inc." in text
    dialog.set_level(Redaction.AGGREGATE)
    assert "Alphabet" not in dialog.preview.toPlainText()
    assert "US:" in dialog.preview.toPlainText()


def test_only_the_options_of_the_chosen_format_are_offered(qtbot) -> None:
    dialog = ExportDialog(None)
    qtbot.addWidget(dialog)
    pdf = next(i for i, choice in enumerate(FORMATS) if choice.format == "pdf")
    png = next(i for i, choice in enumerate(FORMATS) if choice.format == "png")
    dialog.format.setCurrentIndex(pdf)
    assert dialog.page_size.isEnabled() and not dialog.map_mode.isEnabled()
    dialog.format.setCurrentIndex(png)
    assert dialog.map_mode.isEnabled() and not dialog.page_size.isEnabled()
    assert "no audit to export" in dialog.preview.toPlainText()


def test_hostile_names_in_the_preview_are_text() -> None:
    import dataclasses

    from borderless.analysis import Audit, DomainSummary

    domain = DomainSummary(
        host="x.example", host_display="<img src=x onerror=alert(1)>", registrable_domain=None,
        is_ip=False, visits=1, user_initiated_visits=1, first_seen=None, last_seen=None,
        source_ids=(),
    )  # fmt: skip
    audit = Audit.__new__(Audit)
    fields = {field.name: None for field in dataclasses.fields(Audit)}
    for name, value in {**fields, "domains": [domain], "platforms": [], "countries": []}.items():
        object.__setattr__(audit, name, value)
    assert "&lt;img src=x onerror=alert(1)&gt;" in preview_html(audit, Redaction.PATHS)


def test_exporting_writes_the_file_off_the_gui_thread(qtbot, demo_folder, tmp_path) -> None:
    window = loaded_window(qtbot, demo_folder)
    output = tmp_path / "out" / "report.zip"
    output.parent.mkdir()
    with qtbot.waitSignal(window.exported, timeout=30_000) as blocker:
        window.export(output, "csv", Redaction.HOSTS)
    assert blocker.args == [str(output)]
    with zipfile.ZipFile(output) as archive:
        assert archive.read("domains.csv").decode().count("\n") == 1  # the header row alone
    json_output = tmp_path / "out" / "report.json"
    json_output.write_text("old")  # replacing was confirmed in the save dialog
    with qtbot.waitSignal(window.exported, timeout=30_000):
        window.export(json_output, "json", Redaction.AGGREGATE)
    report = json.loads(json_output.read_text())
    assert report["redaction"]["level"] == "aggregate" and report["platforms"] == []
    assert window.stage.text() == f"Wrote {json_output}"


def test_a_pdf_is_written_off_the_gui_thread(qtbot, demo_folder, tmp_path) -> None:
    window = loaded_window(qtbot, demo_folder)
    output = tmp_path / "report.pdf"
    with qtbot.waitSignal(window.exported, timeout=60_000):
        window.export(output, "pdf", Redaction.PATHS, page_size="Letter")
    assert output.read_bytes().startswith(b"%PDF")
