"""The window's dialogs: settings, about, and the question before anything leaves the machine."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from borderless import __version__, paths
from borderless.home import HOME_SETTING, detected_country, normalise_country
from borderless.pipeline import GEO_DB_SETTING, KEEP_URLS_SETTING, OFFLINE_SETTING, RESOLVER_SETTING
from borderless.resolve.dns import ResolverChoice, ResolverChoiceError
from borderless.resolve.geo import GeoDatabaseError, Geolocator
from borderless.store import Store


def ask_before_resolving(parent: QWidget, resolver: str, hosts: int | None) -> bool:
    """Explain, once, what resolving sends and to whom; True to resolve, False to stay offline."""
    count = f"the {hosts:,} host names" if hosts else "the host names"
    box = QMessageBox(parent)
    box.setWindowTitle("Before Borderless looks anything up")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(
        f"To find where the servers are, Borderless asks {resolver} for the addresses of {count} "
        "found on this computer (the sites you visited, and names your devices looked up or keep "
        "cookies for), once each."
    )
    box.setInformativeText(
        "Your resolver already saw these names when they were first looked up; nothing else is "
        "sent, and "
        "nothing goes to Borderless. Offline mode sends nothing at all: you then see who owns "
        "each site, but not where its servers are."
    )
    resolve = box.addButton("Look them up", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Stay offline", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(resolve)
    box.exec()
    return box.clickedButton() is resolve


class SettingsDialog(QDialog):
    """Home country, resolver or offline, own GeoIP databases, full URLs, and deleting it all."""

    def __init__(self, audit_path: Path, data_folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._audit_path = audit_path
        self._data_folder = data_folder
        self.deleted = False
        with Store.open(audit_path) as store:
            home = store.setting(HOME_SETTING)
            resolver = store.setting(RESOLVER_SETTING) or "system"
            offline = store.setting(OFFLINE_SETTING) == "1"
            keep_urls = store.setting(KEEP_URLS_SETTING) == "1"
            databases = json.loads(store.setting(GEO_DB_SETTING) or "[]")
        suggested, source = detected_country()
        self.home = QLineEdit(home or "")
        self.home.setAccessibleName("Home country")
        self.home.setPlaceholderText(
            f"{suggested} (from your {source})" if suggested else "two letters, like BR or JP"
        )
        self.resolver = QLineEdit(resolver)
        self.resolver.setAccessibleName("DNS resolver")
        self.resolver.setToolTip("system, or an address with an optional port: 9.9.9.9, [::1]:53")
        self.offline = QCheckBox("Offline: send no DNS query at all")
        self.offline.setChecked(offline)
        self.keep_urls = QCheckBox("Keep full web addresses (never user names or passwords)")
        self.keep_urls.setChecked(keep_urls)
        self.databases = QListWidget()
        self.databases.setAccessibleName("Own geolocation databases")
        self.databases.addItems(databases)
        add = QPushButton("Add a database…")
        add.clicked.connect(self._on_add_clicked)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._on_remove_clicked)
        database_buttons = QHBoxLayout()
        database_buttons.addWidget(add)
        database_buttons.addWidget(remove)
        delete = QPushButton("Delete all Borderless data…")
        delete.setAccessibleName("Delete all Borderless data")
        delete.clicked.connect(self._on_delete_clicked)
        form = QFormLayout()
        form.addRow("Home country", self.home)
        form.addRow("DNS resolver", self.resolver)
        form.addRow("", self.offline)
        form.addRow("", self.keep_urls)
        form.addRow("Own GeoLite2 / GeoIP2 / DB-IP / IPinfo databases", self.databases)
        form.addRow("", self._wrap(database_buttons))
        self.folder_label = QLabel(str(data_folder))
        self.folder_label.setWordWrap(True)
        change_folder = QPushButton("Use another folder…")
        change_folder.clicked.connect(self._on_change_folder_clicked)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(change_folder)
        form.addRow("Data folder", self._wrap(folder_row))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(delete)
        layout.addWidget(buttons)

    @staticmethod
    def _wrap(inner: QHBoxLayout) -> QWidget:
        widget = QWidget()
        widget.setLayout(inner)
        return widget

    def _on_add_clicked(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "A MaxMind-format database", "", "MaxMind DB (*.mmdb)"
        )
        if name:
            self.databases.addItem(name)

    def _on_change_folder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where Borderless keeps its audit")
        if folder:
            self.choose_data_folder(Path(folder))

    def choose_data_folder(self, folder: Path) -> None:
        """Keep the audit in `folder` from the next start on (the window reads it then)."""
        QSettings("Borderless", "Borderless").setValue("data/folder", str(folder))
        self.folder_label.setText(f"{folder} (from the next start)")

    def _on_remove_clicked(self) -> None:
        for item in self.databases.selectedItems():
            self.databases.takeItem(self.databases.row(item))

    def problems(self) -> list[str]:
        """What is wrong with the values entered, in words (empty when they can be saved)."""
        found = []
        if self.home.text().strip():
            try:
                normalise_country(self.home.text())
            except ValueError as error:
                found.append(str(error))
        try:
            ResolverChoice.parse(self.resolver.text())
        except ResolverChoiceError as error:
            found.append(str(error))
        own = [Path(self.databases.item(i).text()) for i in range(self.databases.count())]
        try:
            Geolocator(own, include_shipped=False).close()
        except GeoDatabaseError as error:
            found.append(str(error))
        return found

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            QMessageBox.warning(self, "Settings", "\n".join(problems))
            return
        with Store.open(self._audit_path) as store:
            home = self.home.text().strip()
            store.set_setting(HOME_SETTING, normalise_country(home) if home else None)
            choice = ResolverChoice.parse(self.resolver.text())
            store.set_setting(RESOLVER_SETTING, None if choice.is_system else choice.text())
            store.set_setting(OFFLINE_SETTING, "1" if self.offline.isChecked() else "0")
            store.set_setting(KEEP_URLS_SETTING, "1" if self.keep_urls.isChecked() else "0")
            own = [self.databases.item(i).text() for i in range(self.databases.count())]
            store.set_setting(GEO_DB_SETTING, json.dumps(own) if own else None)
        super().accept()

    def _on_delete_clicked(self) -> None:
        answer = QMessageBox.warning(
            self,
            "Delete all Borderless data",
            f"This deletes the audit, the demo and every cache in {self._data_folder}. Your "
            "browsers' own files are never touched. Delete?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            delete_all_data(self._data_folder)
            self.deleted = True
            super().reject()


def delete_all_data(data_folder: Path) -> None:
    """Remove the audit database (with its journal files) and the demo folder."""
    audit = paths.audit_path(data_folder)
    for path in (audit, audit.with_name(audit.name + "-wal"), audit.with_name(audit.name + "-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(paths.demo_dir(data_folder), ignore_errors=True)


ATTRIBUTIONS = """
<p><b>Geolocation</b>: country data by ip-location-db (geo-whois-asn-country) from the Number
Resource Organization (nro.net); AS data by ip-location-db (asn) from RouteViews (routeviews.org),
the NRO and DB-IP (<a href="https://db-ip.com">IP Geolocation by DB-IP</a>); both CC BY 4.0
(https://creativecommons.org/licenses/by/4.0/), data of 2026-06-17.</p>
<p><b>Map</b>: Natural Earth (public domain) through world-atlas 2.0.2 (ISC).</p>
<p><b>Trackers</b>: third-party-web 0.30.0, © 2019 Patrick Hulce, MIT.</p>
<p><b>Ownership and law</b>: written by the Borderless developers from public sources, each fact
with its source and the date it was checked (resources/ownership, resources/law).</p>
"""


class AboutDialog(QDialog):
    """Version, data dates, and the attributions the shipped data requires."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About Borderless")
        text = QTextBrowser()
        text.setOpenExternalLinks(True)
        text.setHtml(
            f"<h2>Borderless {__version__}</h2><p>Where your data goes: from the evidence already "
            "on your computer. It reads copies of your browsers' files, and sends nothing except "
            "DNS queries to the resolver you choose (none offline).</p>" + ATTRIBUTIONS
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(buttons)
        self.resize(560, 420)
