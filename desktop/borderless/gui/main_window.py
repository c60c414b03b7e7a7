"""The main window: the headline, the map, the platforms and countries, the sources, a scan."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QRunnable,
    QSettings,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from borderless import demo, paths
from borderless.analysis import Audit, Between, day_range
from borderless.geography import country_name
from borderless.home import HOME_SETTING
from borderless.model import COOKIE_KIND, Source
from borderless.pipeline import (
    EXPLAINED_SETTING,
    KEEP_URLS_SETTING,
    OFFLINE_SETTING,
    ResolveOptions,
    SourceSummary,
    saved_options,
)
from borderless.report.redaction import Redaction
from borderless.resolve.dns import resolver_description
from borderless.resolve.law import shipped_law_table
from borderless.resolve.owners import shipped_catalogue
from borderless.sources import SourceError
from borderless.sources.discovery import discover, sources_for_path
from borderless.store import Store

from . import workers
from .background import BackgroundView
from .detail import platform_html
from .dialogs import AboutDialog, SettingsDialog, ask_before_resolving
from .export import ExportDialog, ExportJob
from .map_view import WorldMapView
from .models import BarDelegate, CountriesModel, CountryFilterProxy, PlatformsModel, table_view
from .timeline import TimelineView
from .workers import AnalysisJob, AnalysisOutcome, ScanJob, ScanOutcome, SourcesJob

VIEWS = ("map", "platforms", "countries", "timeline", "background")
MAP_MODES = ("Legal home of the platforms", "Server location", "Both")


def _number(value: object) -> int:
    """A number stored in QSettings (text in some formats), or 0 when it is not one."""
    try:
        return int(str(value))
    except ValueError:
        return 0


def headline_text(audit: Audit | None) -> tuple[str, str]:
    """The app's point in one sentence and the count behind it (plain text)."""
    if audit is None or not audit.totals.visits:
        return ("Nothing scanned yet.", "Scan your browsers, or open the demo persona.")
    share = audit.share
    home = country_name(audit.home) if audit.home else "your country"
    parts = []
    if share.foreign_legal_home_share is not None:
        parts.append(
            f"{share.foreign_legal_home_share:.0%} of the sites you chose to visit are run by "
            f"companies based outside {home}"
        )
    if share.servers_abroad_share is not None:
        parts.append(f"{share.servers_abroad_share:.0%} answered from servers abroad")
    sentence = "; ".join(parts) + "." if parts else "No visit could be attributed yet."
    if audit.home and audit.home_source in ("timezone", "locale"):
        # A guess is never presented as the person's choice.
        sentence += (
            f" (Home is {country_name(audit.home, in_sentence=False)}, guessed from your "
            f"{'time zone' if audit.home_source == 'timezone' else 'language settings'}: "
            "confirm or change it in Settings.)"
        )
    period = audit.period
    first = (period.first_visit or "")[:10]
    last = (period.last_visit or "")[:10]
    unknown = share.suggested_visits + share.unattributed_visits
    detail = (
        f"{share.user_initiated_visits:,} visits you started, {first} to {last}: "
        f"{share.attributed_visits:,} to platforms whose owner is known"
        f" ({share.foreign_legal_home_visits:,} abroad), {unknown:,} not attributed; "
        + (
            f"servers placed for {share.located_visits:,}."
            if share.located_visits
            else "server locations not looked up yet (offline, or not resolved)."
        )
    )
    return sentence, detail


class MainWindow(QMainWindow):
    """Borderless' window over the audit of one data folder."""

    exported = Signal(str)  # a report was written to this path

    def __init__(self, data_folder: Path, options: ResolveOptions | None = None):
        super().__init__()
        self.setWindowTitle("Borderless")
        self.data_folder = data_folder
        self.audit_path = paths.audit_path(data_folder)
        # Options given by the caller (tests, the command line) win over the saved settings.
        self._fixed_options = options is not None
        self.options = options or ResolveOptions()
        self._between: Between | None = None  # the period chosen on the timeline
        self.audit: Audit | None = None
        self._scan_job: ScanJob | None = None
        self._pool = QThreadPool.globalInstance()
        self._build()
        self._restore_state()

    # Building -------------------------------------------------------------------------------

    def _build(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        self.scan_action = QAction("Scan", self)
        self.scan_action.setShortcut(QKeySequence("Ctrl+R"))
        self.scan_action.setToolTip("Read every browser profile found, then resolve and locate")
        self.scan_action.triggered.connect(self._on_scan_action_triggered)
        self.cancel_action = QAction("Cancel", self)
        self.cancel_action.setShortcut(QKeySequence("Esc"))
        self.cancel_action.setEnabled(False)
        self.cancel_action.triggered.connect(self._on_cancel_action_triggered)
        self.demo_action = QAction("Demo persona", self)
        self.demo_action.setToolTip("Show the audit of a made-up person (kept apart from yours)")
        self.demo_action.triggered.connect(self._on_demo_action_triggered)
        for action in (self.scan_action, self.cancel_action, self.demo_action):
            toolbar.addAction(action)
        self.add_action = QAction("Add a history file or folder…", self)
        self.add_action.setShortcut(QKeySequence.StandardKey.Open)
        self.add_action.triggered.connect(self._on_add_action_triggered)
        self.settings_action = QAction("Settings…", self)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.settings_action.triggered.connect(self._on_settings_action_triggered)
        self.export_action = QAction("Export report…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.setToolTip(
            "Write a report (web page, PDF, tables, data) to keep or share"
        )
        self.export_action.triggered.connect(self._on_export_action_triggered)
        self.about_action = QAction("About Borderless", self)
        self.about_action.triggered.connect(self._on_about_action_triggered)
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.scan_action, self.add_action, self.demo_action, self.export_action,
                       self.settings_action):  # fmt: skip
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.menuBar().addMenu("&Help").addAction(self.about_action)
        self.setAcceptDrops(True)
        # Shown while a country filters the views; choosing it shows everything again.
        self.clear_filter_action = QAction("", self)
        self.clear_filter_action.setToolTip("Show every country again")
        self.clear_filter_action.setVisible(False)
        self.clear_filter_action.triggered.connect(self._on_clear_filter_action_triggered)
        toolbar.addSeparator()
        toolbar.addAction(self.clear_filter_action)

        self.headline = QLabel()
        self.headline.setObjectName("headline")
        self.headline.setWordWrap(True)
        font = QFont(self.headline.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.headline.setFont(font)
        self.headline_detail = QLabel()
        self.headline_detail.setWordWrap(True)

        self.map_view = WorldMapView()
        self.map_view.setAccessibleName("World map")
        self.map_view.country_clicked.connect(self._on_map_view_country_clicked)
        self.map_view.tooltip_for = self._country_tooltip
        self.map_mode = QComboBox()
        self.map_mode.setAccessibleName("What the map shows")
        self.map_mode.addItems(MAP_MODES)
        self.map_mode.currentIndexChanged.connect(self._on_map_mode_current_index_changed)
        map_page = QWidget()
        map_layout = QVBoxLayout(map_page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Shade countries by:"))
        row.addWidget(self.map_mode)
        row.addStretch(1)
        map_layout.addLayout(row)
        map_layout.addWidget(self.map_view, 1)

        self.platforms_model = PlatformsModel()
        self.platforms_proxy = CountryFilterProxy()
        self.platforms_proxy.setSourceModel(self.platforms_model)
        self.platforms_search = QLineEdit()
        self.platforms_search.setPlaceholderText("Search platforms, owners, countries")
        self.platforms_search.setAccessibleName("Search platforms")
        self.platforms_search.setClearButtonEnabled(True)
        self.platforms_search.textChanged.connect(self.platforms_proxy.setFilterFixedString)
        self.platforms_table = table_view(self.platforms_proxy, "Platforms", 6)
        self.platforms_table.horizontalHeader().setMaximumSectionSize(320)
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Platform detail")
        self.detail.setOpenExternalLinks(True)
        self.detail.setPlaceholderText("Select a platform to see who owns it and why we say so.")
        self.platforms_table.selectionModel().currentRowChanged.connect(
            self._on_platforms_selection_current_row_changed
        )
        platforms_split = QSplitter(Qt.Orientation.Vertical)
        platforms_split.addWidget(self.platforms_table)
        platforms_split.addWidget(self.detail)
        platforms_split.setStretchFactor(0, 3)
        platforms_split.setStretchFactor(1, 2)
        platforms_page = QWidget()
        platforms_layout = QVBoxLayout(platforms_page)
        platforms_layout.addWidget(self.platforms_search)
        platforms_layout.addWidget(platforms_split)

        self.countries_model = CountriesModel()
        self.countries_proxy = CountryFilterProxy()
        self.countries_proxy.setSourceModel(self.countries_model)
        self.countries_table = table_view(self.countries_proxy, "Countries", 1)
        bars = BarDelegate(lambda: self.countries_model.maximum, self.countries_table)
        countries_header = self.countries_table.horizontalHeader()
        for column in (1, 3):
            self.countries_table.setItemDelegateForColumn(column, bars)
            countries_header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

        self.tabs = QTabWidget()
        self.tabs.addTab(map_page, "Map")
        self.tabs.addTab(platforms_page, "Platforms")
        self.tabs.addTab(self.countries_table, "Countries")
        self.timeline = TimelineView()
        self.timeline.range_selected.connect(self._on_timeline_range_selected)
        self.tabs.addTab(self.timeline, "Timeline")
        self.background = BackgroundView()
        self.tabs.addTab(self.background, "Background (DNS)")
        self.period_label = QLabel()

        self.sources_table = QTableWidget(0, 3)
        self.sources_table.setAccessibleName("Sources")
        self.sources_table.setHorizontalHeaderLabels(["Browser", "Profile", "Status"])
        self.sources_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch
        )
        self.sources_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        self.demo_offer = QPushButton("No browser found here: show the demo persona")
        self.demo_offer.setVisible(False)
        self.demo_offer.clicked.connect(self._on_demo_offer_clicked)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.demo_offer)
        right_layout.addWidget(self.headline)
        right_layout.addWidget(self.headline_detail)
        right_layout.addWidget(self.period_label)
        right_layout.addWidget(self.tabs, 1)
        self.splitter = splitter = QSplitter()
        splitter.addWidget(self.sources_table)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([240, 1100])
        self.setCentralWidget(splitter)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Scan progress")
        self.progress.setVisible(False)
        self.stage = QLabel()
        self.statusBar().addWidget(self.stage, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self._show_audit(None)

    # State ----------------------------------------------------------------------------------

    def _restore_state(self) -> None:
        """The window as the person left it: size and place, panes, view, map mode."""
        settings = QSettings("Borderless", "Borderless")
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        splitter = settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        self.tabs.setCurrentIndex(_number(settings.value("window/view", 0)))
        self.map_mode.setCurrentIndex(_number(settings.value("window/map_mode", 0)))

    def save_state(self) -> None:
        settings = QSettings("Borderless", "Borderless")
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("window/view", self.tabs.currentIndex())
        settings.setValue("window/map_mode", self.map_mode.currentIndex())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._scan_job is not None:
            self._scan_job.cancel()
        self.save_state()
        super().closeEvent(event)

    # Loading --------------------------------------------------------------------------------

    def start(self) -> None:
        """After the first paint: list the sources and load the stored audit in the background."""
        QTimer.singleShot(0, self._list_sources)
        self.reload()

    def reload(self) -> None:
        job = AnalysisJob(self.audit_path, self._between)
        job.signals.finished.connect(self._on_analysis_finished)
        job.signals.failed.connect(self._on_job_failed)
        self._start(job, job.signals)

    def _start(self, job: QRunnable, signals: QObject) -> None:
        workers.start(self._pool, job, signals)

    def _forget_sender(self) -> None:
        workers.done(self.sender())

    @Slot(object)
    def _on_analysis_finished(self, outcome: AnalysisOutcome | None) -> None:
        self._forget_sender()
        if outcome is None:
            self.timeline.set_days([])
            self._show_audit(None)
            return
        if self._between is None:
            self.timeline.set_days(outcome.timeline)
        self._show_audit(outcome.audit)

    @Slot(str, str)
    def _on_timeline_range_selected(self, first: str, last: str) -> None:
        self._between = day_range(first, last) if first else None
        self.period_label.setText(f"Showing {first} to {last} only." if first else "")
        self.reload()

    def _show_audit(self, audit: Audit | None) -> None:
        self.audit = audit
        sentence, detail = headline_text(audit)
        self.headline.setText(sentence)
        self.headline_detail.setText(detail)
        self.platforms_model.set_audit(audit)
        self.countries_model.set_audit(audit)
        self.background.set_audit(audit)
        for table in (self.platforms_table, self.countries_table):
            # New data comes in the analysis' order: keep the order the person chose.
            header = table.horizontalHeader()
            table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._paint_map()

    def _paint_map(self) -> None:
        audit = self.audit
        if audit is None:
            self.map_view.set_values({}, None)
            self.map_view.set_flows([])
            return
        mode = self.map_mode.currentIndex()
        values: dict[str, float] = {}
        flows: list[tuple[str, str, float]] = []
        edges: set[str] = set()
        for row in audit.countries:
            by_home, by_server = row.legal_home_visits, row.server_visits
            value = by_home if mode == 0 else by_server if mode == 1 else by_home + by_server
            if value:
                values[row.country] = value
            if row.server_visits and row.edge_only_server_visits == row.server_visits:
                edges.add(row.country)
        for flow in audit.flows:
            wanted = {0: "legal_home", 1: "server"}.get(mode)
            if wanted is None or flow.kind == wanted:
                if flow.flow.destination != audit.home:
                    flows.append((flow.flow.origin, flow.flow.destination, flow.visits))
        self.map_view.set_values(values, audit.home)
        self.map_view.set_flows(flows)
        self.map_view.mark_edges(edges if mode != 0 else set())
        self.map_view.set_legend(
            "Visits by "
            + (
                "legal home"
                if mode == 0
                else "server country"
                if mode == 1
                else "legal home and server country"
            ),  # fmt: skip
            [],
        )

    def _country_tooltip(self, country: str) -> str:
        if self.audit is None:
            return country
        row = next((r for r in self.audit.countries if r.country == country), None)
        if row is None:
            return f"{country}: no visits"
        platforms = [
            p.attribution.platform
            for p in self.audit.platforms
            if p.attribution.legal_home == country or country in p.server_countries
        ][:5]
        edge = " (edges only)" if row.server_visits and row.edge_only_server_visits else ""
        return (
            f"{country}\nCompanies at home here: {row.legal_home_visits:,} visits"
            f"\nServers here: {row.server_visits:,} visits{edge}"
            + (f"\nTop: {', '.join(platforms)}" if platforms else "")
        )

    def _list_sources(self) -> None:
        job = SourcesJob()
        job.signals.finished.connect(self._on_sources_job_finished)
        job.signals.failed.connect(self._on_job_failed)
        self._start(job, job.signals)

    @Slot(object)
    def _on_sources_job_finished(self, summaries: list[SourceSummary]) -> None:
        self._forget_sender()
        # Cookie jars are read with their profile's history, so only histories are scanned.
        # DNS evidence is scanned like a history; cookie jars come with their profile's history.
        jar_kinds = set(COOKIE_KIND.values())
        self.sources = [
            summary.source
            for summary in summaries
            if summary.problem is None and summary.source.kind not in jar_kinds
        ]
        self.sources_table.setRowCount(len(summaries))
        for row, summary in enumerate(summaries):
            status = summary.status
            cells = (summary.source.browser, summary.source.profile, status)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{summary.source.path}\n{status}")
                self.sources_table.setItem(row, column, item)
        # The system's DNS cache alone is no one's history: offer the demo all the same.
        nothing = all(summary.source.live for summary in summaries)
        nothing = nothing and not self.audit_path.exists()
        self.demo_offer.setVisible(nothing)
        if nothing:
            self.stage.setText("No browser history was found on this computer.")

    @Slot(QModelIndex, QModelIndex)
    def _on_platforms_selection_current_row_changed(
        self, current: QModelIndex, previous: QModelIndex
    ) -> None:
        if self.audit is None or not current.isValid():
            self.detail.clear()
            return
        row = self.platforms_proxy.mapToSource(current).row()
        platform = self.platforms_model.platform(row)
        self.detail.setHtml(
            platform_html(platform, self.audit, shipped_catalogue(), shipped_law_table())
        )

    # Filtering ------------------------------------------------------------------------------

    @Slot(str)
    def _on_map_view_country_clicked(self, country: str) -> None:
        self.set_country_filter(country or None)

    def set_country_filter(self, country: str | None) -> None:
        """Show only the rows that touch `country` in every table (None shows all)."""
        self.platforms_proxy.set_country(country)
        self.countries_proxy.set_country(country)
        self.clear_filter_action.setText(f"Only {country}: show all" if country else "")
        self.clear_filter_action.setVisible(country is not None)

    @Slot()
    def _on_clear_filter_action_triggered(self) -> None:
        self.set_country_filter(None)

    @Slot(int)
    def _on_map_mode_current_index_changed(self, index: int) -> None:
        self._paint_map()

    # Scanning -------------------------------------------------------------------------------

    @Slot()
    def _on_scan_action_triggered(self) -> None:
        sources = getattr(self, "sources", None) or discover()
        if not sources:
            answer = QMessageBox.question(
                self,
                "Nothing to scan",
                "No browser history was found on this computer. Open the demo persona instead?",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self._on_demo_action_triggered()
            return
        self.scan(sources)

    def scan(self, sources: list[Source]) -> None:
        if self._scan_job is not None:
            return
        paths.ensure_private_dir(self.audit_path.parent)
        with Store.open(self.audit_path) as store:
            keep_urls = store.setting(KEEP_URLS_SETTING) == "1"
            options = self.options if self._fixed_options else saved_options(store)
            if not options.offline and store.setting(EXPLAINED_SETTING) != "1":
                resolver = resolver_description(options.choice)
                if self.confirm_resolution(resolver):
                    store.set_setting(EXPLAINED_SETTING, "1")
                else:
                    store.set_setting(OFFLINE_SETTING, "1")
                    options = dataclasses.replace(options, offline=True)
        job = ScanJob(self.audit_path, sources, options, keep_urls)
        job.signals.progressed.connect(self._on_scan_job_progressed)
        job.signals.finished.connect(self._on_scan_job_finished)
        job.signals.failed.connect(self._on_job_failed)
        self._scan_job = job
        self.scan_action.setEnabled(False)
        self.demo_action.setEnabled(False)
        self.cancel_action.setEnabled(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.stage.setText("Starting")
        self._start(job, job.signals)

    def confirm_resolution(self, resolver: str) -> bool:
        """Ask, once, before host names go to a resolver (True: go ahead)."""
        return ask_before_resolving(self, resolver, None)

    @Slot()
    def _on_add_action_triggered(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A browser profile or history folder")
        if folder:
            self.add_sources([Path(folder)])

    def add_sources(self, targets: list[Path]) -> None:
        """Scan history files or folders the person chose (a dialog or a drop)."""
        found: list[Source] = []
        problems: list[str] = []
        for target in targets:
            try:
                found.extend(sources_for_path(target))
            except SourceError as error:
                problems.append(str(error))
        if problems:
            self.stage.setText("; ".join(problems))
        if found:
            self.scan(found)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        targets = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if targets:
            event.acceptProposedAction()
            self.add_sources(targets)

    @Slot()
    def _on_settings_action_triggered(self) -> None:
        paths.ensure_private_dir(self.audit_path.parent)
        dialog = SettingsDialog(self.audit_path, self.data_folder, self)
        dialog.exec()
        if dialog.deleted:
            self.stage.setText("All Borderless data was deleted.")
        self.reload()

    @Slot()
    def _on_export_action_triggered(self) -> None:
        dialog = ExportDialog(self.audit, self)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        settings = QSettings()
        folder = Path(str(settings.value("export/folder", "") or Path.home()))
        output = dialog.ask_for_file(folder)
        if output is None:
            return
        settings.setValue("export/folder", str(output.parent))
        self.export(output, dialog.chosen_format.format, dialog.level,
                    dialog.page_size.currentText(),
                    "servers" if dialog.map_mode.currentIndex() == 1 else "legal-home")  # fmt: skip

    def export(
        self,
        output: Path,
        report_format: str,
        level: Redaction,
        page_size: str = "A4",
        map_mode: str = "legal-home",
    ) -> None:
        """Write the report in the background; the status bar says when it is done."""
        job = ExportJob(self.audit_path, report_format, output, level, page_size, map_mode)
        job.signals.finished.connect(self._on_export_job_finished)
        job.signals.failed.connect(self._on_job_failed)
        self.stage.setText(f"Writing {output.name}…")
        self._start(job, job.signals)

    @Slot(object)
    def _on_export_job_finished(self, output: Path) -> None:
        self._forget_sender()
        self.stage.setText(f"Wrote {output}")
        self.stage.setToolTip(str(output))
        self.exported.emit(str(output))

    @Slot()
    def _on_about_action_triggered(self) -> None:
        AboutDialog(self).exec()

    @Slot(int, int, str)
    def _on_scan_job_progressed(self, done: int, total: int, stage: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.stage.setText(stage)

    @Slot(object)
    def _on_scan_job_finished(self, outcome: ScanOutcome) -> None:
        self._forget_sender()
        self._scan_job = None
        self.scan_action.setEnabled(True)
        self.demo_action.setEnabled(True)
        self.cancel_action.setEnabled(False)
        self.progress.setVisible(False)
        result = outcome.result
        text = f"{result.visits_added:,} new visits from {len(result.outcomes)} sources"
        if result.failed:
            text += f"; {len(result.failed)} could not be read"
        if outcome.cancelled:
            text = "Cancelled: what was stored before you stopped is kept. " + text
        self.stage.setText(text)
        self.reload()

    @Slot()
    def _on_cancel_action_triggered(self) -> None:
        if self._scan_job is not None:
            self._scan_job.cancel()
            self.stage.setText("Stopping")

    @Slot(str)
    def _on_job_failed(self, message: str) -> None:
        was_scan = self._scan_job is not None and self.sender() is self._scan_job.signals
        self._forget_sender()
        if was_scan:
            self._scan_job = None
            self.scan_action.setEnabled(True)
            self.demo_action.setEnabled(True)
            self.cancel_action.setEnabled(False)
            self.progress.setVisible(False)
        # The first line for the status bar; the whole text (a bug's traceback) as its tooltip.
        self.stage.setText(message.splitlines()[0])
        self.stage.setToolTip(message)

    @Slot()
    def _on_demo_offer_clicked(self) -> None:
        self.demo_offer.setVisible(False)
        self._on_demo_action_triggered()

    @Slot()
    def _on_demo_action_triggered(self) -> None:
        """Switch to the demo persona's audit (kept apart from the person's own) and scan it."""
        person = demo.persona(None)
        sources = demo.prepare(self.data_folder, person)
        demo_folder = paths.demo_dir(self.data_folder)
        paths.ensure_private_dir(demo_folder)
        self.audit_path = paths.audit_path(demo_folder)
        with Store.open(self.audit_path) as store:
            store.set_setting(HOME_SETTING, person.home_country)
        self.setWindowTitle(f"Borderless: demo persona {person.name}")
        self.scan(sources)
