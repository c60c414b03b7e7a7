"""The background view: what DNS evidence saw looked up, per device, beside what was visited."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QSortFilterProxyModel, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from borderless.analysis import Audit, ClientSummary, DnsEvidence
from borderless.geography import country_name

from .models import ModelIndex, PrecomputedModel, table_view

NO_CLIENT = "this computer / not recorded"
EMPTY_TEXT = (
    "No DNS evidence has been scanned yet. DNS shows what every app and device asked for, not"
    " only the pages you opened: add a Pi-hole database, an AdGuard Home query log, a dnsmasq"
    " log, a packet capture, a NextDNS export or a Chromium NetLog (File ▸ Add, or drop the"
    " file on the window)."
)


def client_text(client: str | None) -> str:
    return client if client is not None else NO_CLIENT


class ClientsModel(PrecomputedModel):
    """One row per asking device."""

    HEADERS = ("Device", "Lookups", "Blocked", "Hosts", "Never visited", "Owners abroad",
               "First seen", "Last seen", "Looked up most")  # fmt: skip
    NUMERIC = frozenset({1, 2, 3, 4, 5})

    def set_clients(self, clients: list[ClientSummary]) -> None:
        values = [
            (
                client_text(client.client),
                client.lookups,
                client.blocked,
                client.hosts,
                client.background_hosts,
                client.abroad_share if client.abroad_share is not None else -1.0,
                (client.first_seen or "")[:16].replace("T", " "),
                (client.last_seen or "")[:16].replace("T", " "),
                ", ".join(f"{name} ({count:,})" for name, count in client.platforms),
            )
            for client in clients
        ]
        texts = [
            (
                str(row[0]),
                f"{row[1]:,}",
                f"{row[2]:,}",
                f"{row[3]:,}",
                f"{row[4]:,}",
                f"{client.abroad_share:.0%}" if client.abroad_share is not None else "",
                *(str(value) for value in row[6:]),
            )
            for client, row in zip(clients, values, strict=True)
        ]
        self._fill(list(clients), values, texts)


class DnsHostsModel(PrecomputedModel):
    """One row per host seen in DNS evidence, with who runs it and whether it was visited."""

    HEADERS = ("Host", "Platform", "Owner", "Legal home", "Servers in", "Lookups", "Blocked",
               "Devices", "Visited")  # fmt: skip
    NUMERIC = frozenset({5, 6})
    VISITED_COLUMN = 8
    CLIENTS_ROLE = Qt.ItemDataRole.UserRole + 3
    VISITED_ROLE = Qt.ItemDataRole.UserRole + 4

    def set_audit(self, audit: Audit | None) -> None:
        rows = list(audit.dns) if audit else []
        visited = {domain.host for domain in audit.domains} if audit else set()
        self._visited = [entry.host in visited for entry in rows]
        values = []
        texts = []
        for entry, was_visited in zip(rows, self._visited, strict=True):
            attribution = audit.attributions.get(entry.host) if audit else None
            home = attribution.legal_home if attribution else None
            network = audit.networks.get(entry.host) if audit else None
            servers = " ".join(network.server_countries) if network else ""
            row = (
                entry.host,
                attribution.platform if attribution else "",
                (attribution.parent or attribution.hosted_by or "") if attribution else "",
                home or "",
                servers + (" (edge)" if network and network.anycast else ""),
                entry.lookups,
                entry.blocked,
                ", ".join(client_text(client) for client in entry.clients),
                "yes" if was_visited else "no: background",
            )
            values.append(row)
            home_text = f"{country_name(home, in_sentence=False)} ({home})" if home else ""
            texts.append((*(str(value) for value in row[:3]), home_text, str(row[4]),
                          f"{entry.lookups:,}", f"{entry.blocked:,}", str(row[7]),
                          str(row[8])))  # fmt: skip
        self._fill(rows, values, texts)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and 0 <= index.row() < len(self._rows):
            entry: DnsEvidence = self._rows[index.row()]
            if role == self.CLIENTS_ROLE:
                return entry.clients
            if role == self.VISITED_ROLE:
                return self._values[index.row()][self.VISITED_COLUMN] == "yes"
        return super().data(index, role)


class DeviceFilterProxy(QSortFilterProxyModel):
    """Keeps the hosts one device looked up, and (if asked) only those never visited."""

    def __init__(self) -> None:
        super().__init__()
        self._client: str | None = None
        self._any_client = True
        self._background_only = True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)

    def set_filter(self, any_client: bool, client: str | None, background_only: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self._any_client, self._client = any_client, client
            self._background_only = background_only
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - Qt before 6.10
            self._any_client, self._client = any_client, client
            self._background_only = background_only
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        if self._background_only and model.data(index, DnsHostsModel.VISITED_ROLE):
            return False
        if self._any_client:
            return True
        clients = model.data(index, DnsHostsModel.CLIENTS_ROLE) or ()
        if self._client is None:
            return not clients  # evidence that does not say who asked
        return self._client in clients


class BackgroundView(QWidget):
    """DNS evidence: a sentence, the blind spots, the devices and the hosts they looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.blind_spots = QLabel()
        self.blind_spots.setWordWrap(True)
        self.blind_spots.setObjectName("blind-spots")
        self.blind_spots.setStyleSheet(
            "QLabel#blind-spots { border: 1px solid #d55e00; border-radius: 4px; padding: 6px; }"
        )
        self.clients_model = ClientsModel()
        self.clients_table = self._table(self.clients_model, "Devices")
        self.clients_table.selectionModel().selectionChanged.connect(
            self._on_clients_selection_changed
        )
        self.hosts_model = DnsHostsModel()
        self.hosts_proxy = DeviceFilterProxy()
        self.hosts_proxy.setSourceModel(self.hosts_model)
        self.hosts_table = self._table(self.hosts_proxy, "Hosts looked up")
        self.background_only = QCheckBox("Only hosts no browser visited (background traffic)")
        self.background_only.setChecked(True)
        self.background_only.toggled.connect(self._on_background_only_toggled)
        self.hosts_label = QLabel()

        hosts_page = QWidget()
        hosts_layout = QVBoxLayout(hosts_page)
        hosts_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.hosts_label, 1)
        row.addWidget(self.background_only)
        hosts_layout.addLayout(row)
        hosts_layout.addWidget(self.hosts_table)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.clients_table)
        split.addWidget(hosts_page)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        # Room for a household's devices (five rows) before the hosts take the rest.
        self.clients_table.setMinimumHeight(
            6 * self.clients_table.verticalHeader().defaultSectionSize()
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.blind_spots)
        layout.addWidget(split, 1)
        self.set_audit(None)

    @staticmethod
    def _table(model: QAbstractItemModel, name: str) -> QTableView:
        table = table_view(model, name, 1 if name == "Devices" else 5)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.horizontalHeader().setMaximumSectionSize(360)
        return table

    def set_audit(self, audit: Audit | None) -> None:
        clients = audit.clients if audit else []
        self.clients_model.set_clients(clients)
        self.hosts_model.set_audit(audit)
        for table in (self.clients_table, self.hosts_table):
            header = table.horizontalHeader()
            table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.summary.setText(summary_text(audit))
        spots = audit.blind_spots if audit else []
        self.blind_spots.setVisible(bool(spots))
        self.blind_spots.setText(
            "<b>Blind spots.</b> "
            + " ".join(
                html.escape(f"{spot.browser} ({spot.profile}): {spot.problem}.") for spot in spots
            )
        )
        self._apply_filter()

    @Slot(QItemSelection, QItemSelection)
    def _on_clients_selection_changed(self, selected: QItemSelection, _: QItemSelection) -> None:
        self._apply_filter()

    @Slot(bool)
    def _on_background_only_toggled(self, _: bool) -> None:
        self._apply_filter()

    def selected_client(self) -> tuple[bool, str | None]:
        """(True, None) when no device is selected; else (False, its address or None)."""
        rows = self.clients_table.selectionModel().selectedRows()
        if not rows:
            return True, None
        client: ClientSummary = self.clients_model.row_at(rows[0].row())
        return False, client.client

    def _apply_filter(self) -> None:
        any_client, client = self.selected_client()
        background_only = self.background_only.isChecked()
        self.hosts_proxy.set_filter(any_client, client, background_only)
        who = "every device" if any_client else client_text(client)
        what = "never visited" if background_only else "looked up"
        self.hosts_label.setText(f"Hosts {what}, by {who}: {self.hosts_proxy.rowCount():,}")


def summary_text(audit: Audit | None) -> str:
    """One paragraph on the DNS evidence, or what to add when there is none."""
    if audit is None or not audit.dns:
        return EMPTY_TEXT
    lookups = sum(entry.lookups for entry in audit.dns)
    blocked = sum(entry.blocked for entry in audit.dns)
    visited = {domain.host for domain in audit.domains}
    background = [entry for entry in audit.dns if entry.host not in visited]
    devices = [client for client in audit.clients if client.client is not None]
    parts = [
        f"DNS evidence holds {lookups:,} lookups of {len(audit.dns):,} hosts",
        f" from {len(devices):,} devices" if devices else "",
        f". {len(background):,} of those hosts were never visited in a browser: apps, page"
        " scripts and other devices asked for them in the background.",
    ]
    if blocked:
        parts.append(f" {blocked:,} attempts were blocked by a filter, so nothing was sent.")
    abroad = sum(client.abroad_lookups for client in audit.clients)
    attributed = sum(client.attributed_lookups for client in audit.clients)
    if attributed and audit.home:
        parts.append(
            f" Of the lookups of platforms whose owner we know, {abroad / attributed:.0%} went to"
            f" companies based outside {country_name(audit.home)}."
        )
    return "".join(parts)
