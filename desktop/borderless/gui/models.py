"""Table models over the analysed audit: platforms, countries, sources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
)

from borderless.analysis import Audit, CountryRow, PlatformSummary
from borderless.geography import country_name

ModelIndex = QModelIndex | QPersistentModelIndex
# A role carrying the sortable raw value of a cell (numbers sort as numbers).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
# A role carrying the set of countries a row touches (legal home and server countries), used by
# the map's country filter.
COUNTRIES_ROLE = Qt.ItemDataRole.UserRole + 2


def share_text(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else ""


class _TableModel(QAbstractTableModel):
    """A flat table of `_rows` under the column titles `HEADERS`."""

    HEADERS: tuple[str, ...] = ()
    _rows: list[Any]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class PrecomputedModel(_TableModel):
    """A table whose cells (sort values and texts) are worked out once when it is filled, and
    sorted in Python on them: a proxy comparing thousands of rows through data() would hold the
    GUI thread for a fifth of a second."""

    NUMERIC: frozenset[int] = frozenset()  # columns aligned right

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Any] = []
        self._values: list[tuple[Any, ...]] = []
        self._texts: list[tuple[str, ...]] = []

    def _fill(
        self, rows: list[Any], values: list[tuple[Any, ...]], texts: list[tuple[str, ...]]
    ) -> None:
        self.beginResetModel()
        self._rows, self._values, self._texts = rows, values, texts
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.HEADERS):
            return
        order_of = sorted(
            range(len(self._rows)),
            key=lambda row: _sort_key(self._values[row][column]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        _reorder(self, order_of, (self._rows, self._values, self._texts))

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == SORT_ROLE:
            return self._values[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class PlatformsModel(PrecomputedModel):
    """One row per platform (or unattributed domain) of the audit."""

    HEADERS = (
        "Platform",
        "Category",
        "Owner",
        "Legal home",
        "Incorporated",
        "Servers in",
        "Visits",
        "Share",
        "Started by you",
        "Attribution",
        "First seen",
        "Last seen",
        "Evidence",
    )

    NUMERIC = frozenset({6, 7, 8})

    def __init__(self) -> None:
        super().__init__()
        self._total = 0

    def set_audit(self, audit: Audit | None) -> None:
        rows = list(audit.platforms) if audit else []
        self._total = audit.totals.visits if audit else 0
        # Cells are worked out once here: sorting and sizing columns read them thousands of times.
        values = [self._row_values(platform) for platform in rows]
        texts = [self._row_texts(platform, cells) for platform, cells in
                 zip(rows, values, strict=True)]  # fmt: skip
        self._fill(rows, values, texts)

    def _row_values(self, platform: PlatformSummary) -> tuple[Any, ...]:
        attribution = platform.attribution
        return (
            attribution.platform,
            attribution.category or "",
            attribution.parent or attribution.hosted_by or "",
            attribution.legal_home or "",
            attribution.incorporated_in or "",
            " ".join(platform.server_countries) + (" (edge)" if platform.anycast else ""),
            platform.visits,
            platform.visits / self._total if self._total else 0.0,
            platform.user_initiated_visits,
            attribution.confidence.value.replace("_", " "),
            (platform.first_seen or "")[:10],
            (platform.last_seen or "")[:10],
            "cookies only: tracks you without a visit"
            if platform.tracks_without_visit
            else "DNS only: background traffic"
            if platform.background
            else " ".join(platform.evidence),
        )

    def _row_texts(self, platform: PlatformSummary, values: tuple[Any, ...]) -> tuple[str, ...]:
        texts = [str(value) for value in values]
        texts[6] = f"{platform.visits:,}"
        texts[7] = share_text(platform.visits, self._total)
        texts[8] = f"{platform.user_initiated_visits:,}"
        return tuple(texts)

    def platform(self, row: int) -> PlatformSummary:
        platform: PlatformSummary = self._rows[row]
        return platform

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        shown = super().data(index, role)
        if shown is not None or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return shown
        row = index.row()
        platform = self._rows[row]
        attribution = platform.attribution
        if role == COUNTRIES_ROLE:
            countries = set(platform.server_countries)
            if attribution.legal_home:
                countries.add(attribution.legal_home)
            return countries
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [f"{attribution.platform}: {attribution.basis}"]
            if attribution.operator and attribution.operator != attribution.parent:
                lines.append(f"Run by {attribution.operator}")
            if platform.anycast:
                lines.append("Some servers are anycast or CDN edges: their country is an edge's.")
            lines.append("Hosts: " + ", ".join(platform.hosts[:8]))
            return "\n".join(lines)
        return None


def table_view(model: QAbstractItemModel, name: str, sort_column: int) -> QTableView:
    """A read-only table of whole rows, sorted by `sort_column`, most first, whose columns fit
    their contents whenever the data changes."""
    table = QTableView()
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    table.horizontalHeader().setStretchLastSection(True)
    # Fitting a column reads the first rows only: thousands of platforms would stall it.
    table.horizontalHeader().setResizeContentsPrecision(40)
    table.verticalHeader().setResizeContentsPrecision(40)
    # Columns fit their contents whenever the data changes, up to a limit, and the person may
    # widen them. Fitting runs in its own turn of the event loop: done inside the reset, the two
    # together would hold the window longer than a person notices.
    # The table is the timer's context: a table deleted before its turn comes is not called.
    model.modelReset.connect(lambda: QTimer.singleShot(0, table, table.resizeColumnsToContents))
    table.sortByColumn(sort_column, Qt.SortOrder.DescendingOrder)
    return table


def _sort_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _reorder(model: QAbstractTableModel, order_of: list[int], lists: tuple[list[Any], ...]) -> None:
    """Put a model's rows in a new order (row i becomes old row order_of[i]), keeping the
    persistent indexes (selections, proxies) on the rows they pointed at."""
    model.layoutAboutToBeChanged.emit()
    new_row = {old: new for new, old in enumerate(order_of)}
    for data in lists:
        data[:] = [data[old] for old in order_of]
    previous = model.persistentIndexList()
    model.changePersistentIndexList(
        previous,
        [model.index(new_row[index.row()], index.column()) for index in previous],
    )
    model.layoutChanged.emit()


class CountriesModel(_TableModel):
    """One row per destination country: visits by legal home and by server location."""

    HEADERS = ("Country", "Visits: owners at home here", "Platforms", "Visits: servers here",
               "Hosts", "Edges only")  # fmt: skip

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[CountryRow] = []
        self._home: str | None = None
        self.maximum = 1

    def set_audit(self, audit: Audit | None) -> None:
        self.beginResetModel()
        self._rows = list(audit.countries) if audit else []
        self._home = audit.home if audit else None
        self.maximum = max(
            [max(row.legal_home_visits, row.server_visits) for row in self._rows] or [1]
        )
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.HEADERS):
            return
        order_of = sorted(
            range(len(self._rows)),
            key=lambda row: _sort_key(self._values(self._rows[row])[column]),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        _reorder(self, order_of, (self._rows,))

    @staticmethod
    def _values(row: CountryRow) -> tuple[Any, ...]:
        return (row.country, row.legal_home_visits, row.legal_home_platforms, row.server_visits,
                row.server_hosts, row.edge_only_server_visits)  # fmt: skip

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        values: tuple[Any, ...] = (
            row.country,
            row.legal_home_visits,
            row.legal_home_platforms,
            row.server_visits,
            row.server_hosts,
            row.edge_only_server_visits,
        )
        column = index.column()
        if role == COUNTRIES_ROLE:
            return {row.country}
        if role == SORT_ROLE:
            return values[column]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                name = f"{country_name(row.country, in_sentence=False)} ({row.country})"
                return f"{name}, home" if row.country == self._home else name
            return f"{values[column]:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class CountryFilterProxy(QSortFilterProxyModel):
    """Searches the text of every column and keeps only the rows that touch the selected
    country (if one is selected); sorting is the source model's, which is quicker."""

    def __init__(self) -> None:
        super().__init__()
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self._country: str | None = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)

    @property
    def country(self) -> str | None:
        return self._country

    def set_country(self, country: str | None) -> None:
        # Qt 6.10 replaced invalidateRowsFilter() (now deprecated) with this pair.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            self._country = country or None
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - Qt before 6.10
            self._country = country or None
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        model = self.sourceModel()
        if self._country is not None:
            countries = model.data(model.index(source_row, 0, source_parent), COUNTRIES_ROLE)
            if self._country not in (countries or set()):
                return False
        return super().filterAcceptsRow(source_row, source_parent)


class BarDelegate(QStyledItemDelegate):
    """Draws a cell's number over a bar as long as its share of the column's largest value, in
    the palette's highlight colour at low opacity (readable in light and dark themes)."""

    def __init__(self, maximum: Callable[[], int], parent: QObject | None = None):
        super().__init__(parent)
        self._maximum = maximum

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        value = index.data(SORT_ROLE)
        if isinstance(value, int) and value > 0:
            rect = option.rect.adjusted(2, 3, -2, -3)
            width = int(rect.width() * value / max(self._maximum(), 1))
            colour = QColor(option.palette.color(QPalette.ColorRole.Highlight))
            colour.setAlpha(90)
            painter.save()
            painter.fillRect(rect.x(), rect.y(), width, rect.height(), colour)
            painter.restore()
        super().paint(painter, option, index)
