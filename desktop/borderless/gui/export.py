"""Export: a report in the format and at the redaction level a person chooses, with a preview of
what that level keeps."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QRunnable, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from borderless.analysis import Audit
from borderless.report import write_report
from borderless.report.redaction import DEFAULT, DESCRIPTIONS, Redaction
from borderless.store import Store

from .workers import JobSignals


@dataclass(frozen=True, slots=True)
class ExportFormat:
    label: str
    format: str
    suffix: str
    filter: str


FORMATS = (
    ExportFormat("Web page (HTML, one file)", "html", ".html", "Web page (*.html)"),
    ExportFormat("PDF document", "pdf", ".pdf", "PDF (*.pdf)"),
    ExportFormat("Spreadsheet tables (CSV, zipped)", "csv", ".zip", "Zip of CSV files (*.zip)"),
    ExportFormat("Data (JSON)", "json", ".json", "JSON (*.json)"),
    ExportFormat("Database (SQLite)", "sqlite", ".sqlite", "SQLite database (*.sqlite *.db)"),
    ExportFormat("Map picture for slides (PNG)", "png", ".png", "PNG picture (*.png)"),
    ExportFormat("Map drawing for slides (SVG)", "svg", ".svg", "SVG drawing (*.svg)"),
)
LEVEL_TITLES = {
    Redaction.NONE: "Everything, with full web addresses if you kept them",
    Redaction.PATHS: "Sites (host names), without the pages you read",
    Redaction.HOSTS: "Platforms and companies, no host names",
    Redaction.PLATFORMS: "Companies only, no platform names",
    Redaction.AGGREGATE: "Country and category totals only",
}
PREVIEW_ROWS = 8


def preview_html(audit: Audit | None, level: Redaction) -> str:
    """What a report at `level` shows of this audit: the kind of rows, and the first few."""
    parts = [
        f"<p><b>{html.escape(LEVEL_TITLES[level])}.</b> {html.escape(DESCRIPTIONS[level])}</p>"
    ]
    if audit is None:
        return "".join(parts) + "<p>There is no audit to export yet.</p>"
    if level in (Redaction.NONE, Redaction.PATHS):
        title = "Sites, as they appear"
        rows = [f"{domain.host_display} ({domain.visits:,} visits)" for domain in audit.domains]
    elif level is Redaction.HOSTS:
        title = "Platforms, as they appear"
        rows = [
            f"{p.attribution.platform if p.attribution.platform_id else 'Unattributed site'}"
            f" ({p.visits:,} visits)"
            for p in audit.platforms
        ]
    elif level is Redaction.PLATFORMS:
        title = "Companies, as they appear"
        owners: dict[str, int] = {}
        for platform in audit.platforms:
            owner = platform.attribution.parent if platform.attribution.is_attributed else None
            owners[owner or "Not attributed"] = owners.get(owner or "Not attributed", 0) + (
                platform.visits
            )
        rows = [f"{name} ({visits:,} visits)" for name, visits in
                sorted(owners.items(), key=lambda item: -item[1])]  # fmt: skip
    else:
        title = "Countries, as they appear"
        rows = [f"{row.country}: {row.legal_home_visits:,} visits to companies at home there"
                for row in audit.countries if row.legal_home_visits]  # fmt: skip
    shown = "".join(f"<li>{html.escape(row)}</li>" for row in rows[:PREVIEW_ROWS])
    more = f"<p>… and {len(rows) - PREVIEW_ROWS:,} more.</p>" if len(rows) > PREVIEW_ROWS else ""
    parts.append(f"<p>{html.escape(title)}:</p><ul>{shown}</ul>{more}")
    if level is Redaction.NONE:
        parts.append(
            "<p>Full web addresses are included only if you chose to keep them (Settings); they"
            " can show what you read, searched for and bought.</p>"
        )
    return "".join(parts)


class ExportDialog(QDialog):
    """Choose a format and a redaction level, see what the level keeps, then pick a file."""

    def __init__(self, audit: Audit | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export a report")
        self._audit = audit
        self.format = QComboBox()
        self.format.setAccessibleName("Format")
        for choice in FORMATS:
            self.format.addItem(choice.label)
        self.page_size = QComboBox()
        self.page_size.setAccessibleName("Paper size")
        self.page_size.addItems(["A4", "Letter"])
        self.map_mode = QComboBox()
        self.map_mode.setAccessibleName("Map shading")
        self.map_mode.addItems(["Legal home of the platforms", "Server location"])
        self.levels = QButtonGroup(self)
        levels_box = QGroupBox("How much the report shows")
        levels_layout = QVBoxLayout(levels_box)
        for index, level in enumerate(Redaction):
            button = QRadioButton(LEVEL_TITLES[level])
            button.setToolTip(DESCRIPTIONS[level])
            button.setChecked(level is DEFAULT)
            self.levels.addButton(button, index)
            levels_layout.addWidget(button)
        self.preview = QTextBrowser()
        self.preview.setAccessibleName("Preview of what the report shows")
        self.preview.setMinimumWidth(360)
        self.levels.idToggled.connect(self._on_levels_id_toggled)
        self.format.currentIndexChanged.connect(self._on_format_current_index_changed)
        form = QFormLayout()
        form.addRow("Format:", self.format)
        form.addRow("Paper size:", self.page_size)
        form.addRow("Map:", self.map_mode)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(levels_box)
        left.addWidget(QLabel("Every report states its level on its first page."))
        left.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left)
        columns.addWidget(self.preview, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(buttons)
        self._on_format_current_index_changed(0)
        self._show_preview()

    @property
    def chosen_format(self) -> ExportFormat:
        return FORMATS[self.format.currentIndex()]

    @property
    def level(self) -> Redaction:
        return list(Redaction)[max(0, self.levels.checkedId())]

    def set_level(self, level: Redaction) -> None:
        button = self.levels.button(list(Redaction).index(level))
        if button is not None:
            button.setChecked(True)

    @Slot(int, bool)
    def _on_levels_id_toggled(self, _: int, checked: bool) -> None:
        if checked:
            self._show_preview()

    @Slot(int)
    def _on_format_current_index_changed(self, _: int) -> None:
        chosen = self.chosen_format.format
        self.page_size.setEnabled(chosen == "pdf")
        self.map_mode.setEnabled(chosen in ("png", "svg"))

    def _show_preview(self) -> None:
        self.preview.setHtml(preview_html(self._audit, self.level))

    def ask_for_file(self, folder: Path) -> Path | None:
        """The file to write, chosen in a save dialog that asks before replacing a file."""
        chosen = self.chosen_format
        suggested = folder / f"borderless-report{chosen.suffix}"
        name, _ = QFileDialog.getSaveFileName(self, "Export the report to", str(suggested),
                                              chosen.filter)  # fmt: skip
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(chosen.suffix)


class ExportJob(QRunnable):
    """Write a report off the GUI thread; a big audit takes seconds."""

    def __init__(
        self,
        audit_path: Path,
        report_format: str,
        output: Path,
        level: Redaction,
        page_size: str = "A4",
        map_mode: str = "legal-home",
    ) -> None:
        super().__init__()
        self.signals = JobSignals()
        self._arguments = (audit_path, report_format, output, level, page_size, map_mode)

    def run(self) -> None:
        audit_path, report_format, output, level, page_size, map_mode = self._arguments
        try:
            with Store.open(audit_path) as store:
                # The person confirmed replacing the file in the save dialog.
                write_report(store, report_format, str(output), force=True, redaction=level,
                             page_size=page_size, map_mode=map_mode)  # fmt: skip
        except (OSError, ValueError) as error:
            self.signals.failed.emit(f"The report could not be written to {output}: {error}")
            return
        except Exception as error:  # a bug: say so rather than die silently in a thread
            self.signals.failed.emit(f"Writing the report failed unexpectedly: {error!r}")
            return
        self.signals.finished.emit(output)
