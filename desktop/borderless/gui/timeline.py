"""The timeline: visits per day (or week), at home against abroad, with a range to select."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from borderless.analysis import DayVisits, bucket

# Colour-blind-safe pair (Okabe-Ito blue and orange), and a neutral grey.
HOME_COLOUR = QColor("#0072B2")
ABROAD_COLOUR = QColor("#E69F00")
UNKNOWN_COLOUR = QColor("#9E9E9E")


class TimelineView(QWidget):
    """Stacked bars of visits; drag across the bars to choose a period, double-click to clear.

    `range_selected` carries the first and last day (YYYY-MM-DD) of the period, or two empty
    strings when the selection is cleared.
    """

    range_selected = Signal(str, str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Timeline of visits")
        self.setMinimumHeight(140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._bars: list[DayVisits] = []
        self._selection: tuple[int, int] | None = None
        self._dragging_from: int | None = None
        self._weekly = False

    def set_days(self, days: list[DayVisits]) -> None:
        self._bars = bucket(days)
        self._weekly = len(self._bars) != len(days)
        self._selection = None
        self.update()

    @property
    def bars(self) -> list[DayVisits]:
        return self._bars

    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(48, 26, -12, -28)

    def _bar_at(self, x: float) -> int | None:
        plot = self._plot()
        if not self._bars or plot.width() <= 0:
            return None
        index = int((x - plot.left()) / plot.width() * len(self._bars))
        return min(max(index, 0), len(self._bars) - 1)

    def select(self, first: int, last: int) -> None:
        """Select bars `first` to `last` (indices, in any order) and say which days they hold."""
        first, last = sorted((first, last))
        self._selection = (first, last)
        self.update()
        start = self._bars[first].day
        end_day = dt.date.fromisoformat(self._bars[last].day)
        if self._weekly:
            end_day += dt.timedelta(days=6)
        self.range_selected.emit(start, end_day.isoformat())

    def clear_selection(self) -> None:
        self._selection = None
        self.update()
        self.range_selected.emit("", "")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging_from = self._bar_at(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging_from is None:
            return
        here = self._bar_at(event.position().x())
        if here is not None:
            self.select(self._dragging_from, here)
        self._dragging_from = None

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.clear_selection()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        painter.setPen(text)
        plot = self._plot()
        unit = "week" if self._weekly else "day"
        painter.drawText(
            QRectF(8, 4, self.width() - 16, 20),
            Qt.AlignmentFlag.AlignLeft,
            f"Visits per {unit}: owner at home (blue), abroad (orange), unknown (grey). "
            "Drag to choose a period; double-click to show all.",
        )
        if not self._bars:
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No visits yet.")
            return
        highest = max(bar.home + bar.abroad + bar.unknown for bar in self._bars) or 1
        width = plot.width() / len(self._bars)
        if self._selection is not None:
            first, last = self._selection
            shade = QColor(palette.color(QPalette.ColorRole.Highlight))
            shade.setAlpha(60)
            painter.fillRect(
                QRectF(plot.left() + first * width, plot.top(), (last - first + 1) * width,
                       plot.height()),
                shade,
            )  # fmt: skip
        painter.setPen(Qt.PenStyle.NoPen)
        for index, bar in enumerate(self._bars):
            x = plot.left() + index * width
            y = plot.bottom()
            for count, colour in ((bar.home, HOME_COLOUR), (bar.abroad, ABROAD_COLOUR),
                                  (bar.unknown, UNKNOWN_COLOUR)):  # fmt: skip
                height = plot.height() * count / highest
                painter.fillRect(QRectF(x + width * 0.1, y - height, width * 0.8, height), colour)
                y -= height
        painter.setPen(text)
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        painter.drawText(
            QRectF(0, plot.top() - 6, plot.left() - 6, 14), Qt.AlignmentFlag.AlignRight,
            f"{highest:,}",
        )  # fmt: skip
        # Label the first bar and then about every sixth of the axis.
        step = max(1, len(self._bars) // 6)
        for index in range(0, len(self._bars), step):
            painter.drawText(
                QRectF(plot.left() + index * width - 40, plot.bottom() + 4, 80, 18),
                Qt.AlignmentFlag.AlignHCenter,
                self._bars[index].day,
            )
