"""The world map: countries coloured by a value, flows from the home country, a legend."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsView,
    QGridLayout,
    QLabel,
    QWidget,
)

from borderless import paths, worldmap
from borderless.worldmap import (
    MAP_FILE,
    CountryShape,
    arc_control,
    classify,
    load_countries,
    project,
)

MINIMUM_ZOOM = 1.0
MAXIMUM_ZOOM = 12.0
# One notch of a mouse wheel (angleDelta 120) zooms by this factor.
ZOOM_PER_NOTCH = 1.25
# A shape smaller than this (scene units, about 3 pixels on a 1,200 pixel wide world) cannot be
# seen or clicked: it gets a marker at its point instead, when it has a value.
SMALLEST_VISIBLE_SHAPE = 1.5
MARKER_DIAMETER = 9.0
MINIMUM_FLOW_WIDTH = 1.0
MAXIMUM_FLOW_WIDTH = 8.0
# How far an arc bows from the straight line, as a share of the distance it spans.
FLOW_BOW = 0.25

NO_DATA_LIGHT = QColor("#d0d0d0")
NO_DATA_DARK = QColor("#4a4a4a")
# Flow lines in orange, a hue viridis does not use.
FLOW_LIGHT = QColor(217, 95, 2, 190)
FLOW_DARK = QColor(253, 174, 97, 200)

# Z order: countries, the home country's outline, edge hatching, flows, markers on top.
COUNTRY_Z = 0.0
HOME_Z = 1.0
EDGE_Z = 2.0
FLOW_Z = 3.0
MARKER_Z = 4.0

# The item data key holding a country's alpha-2 code (countries and markers; flows have none).
CODE_KEY = 0
ANTARCTICA = "AQ"


def scene_point(longitude: float, latitude: float) -> QPointF:
    """Where a place goes in the scene: projected, scaled, and with y flipped for the screen."""
    return QPointF(*project(longitude, latitude))


def country_path(shape: CountryShape) -> QPainterPath:
    """All of a country's rings in one path; the even-odd rule turns rings inside rings to holes."""
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for ring in shape.rings:
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in ring]))
        path.closeSubpath()
    return path


def step_colours(count: int, dark: bool) -> list[QColor]:
    """`count` colours from low to high (worldmap.step_colours, as Qt colours)."""
    return [QColor(colour) for colour in worldmap.step_colours(count, dark)]


class Legend(QFrame):
    """The colour steps with their labels, over the map's lower left corner."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("mapLegend")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(8, 6, 8, 6)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)

    def show_steps(self, title: str, rows: list[tuple[QBrush, QColor, str]]) -> None:
        """Replace the rows: (swatch fill, swatch outline, label) from top to bottom."""
        while self._grid.count():
            taken = self._grid.takeAt(0)
            if taken is not None and (widget := taken.widget()) is not None:
                # Hidden at once: deleteLater only acts when the event loop next runs.
                widget.hide()
                widget.deleteLater()
        heading = QLabel(title)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        self._grid.addWidget(heading, 0, 0, 1, 2)
        shown: list[QWidget] = [heading]
        for row, (fill, outline, text) in enumerate(rows, start=1):
            swatch = QLabel()
            swatch.setPixmap(self._swatch(fill, outline))
            label = QLabel(text)
            self._grid.addWidget(swatch, row, 0)
            self._grid.addWidget(label, row, 1)
            shown += [swatch, label]
        # A layout shows the widgets added to a visible parent only when the event loop next
        # runs; a legend read (or grabbed) before then would be empty.
        for widget in shown:
            widget.show()
        self.setVisible(bool(title or rows))
        self.adjustSize()

    def _swatch(self, fill: QBrush, outline: QColor) -> QPixmap:
        size = QSize(18, 12)
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setPen(QPen(outline, 1))
        painter.setBrush(fill)
        painter.drawRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1))
        painter.end()
        return pixmap


class WorldMapView(QGraphicsView):
    """A world map (Equal Earth) of values per country, with flows from the home country.

    The window feeds it with `set_values`, `set_flows`, `mark_edges` and `set_legend`, and
    gives it `tooltip_for`, a function from a country's alpha-2 code to its tooltip text.
    Clicking a country emits `country_clicked` with its code; clicking the sea, an empty string.
    """

    country_clicked = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        map_path: Path | None = None,
        show_antarctica: bool = False,
    ) -> None:
        super().__init__(parent)
        self._shapes = load_countries(map_path or paths.resources_dir() / MAP_FILE)
        self._tooltip_for: Callable[[str], str] = self._country_name_tooltip
        self._values: dict[str, float] = {}
        self._home: str | None = None
        self._classes = classify([])
        self._flows: list[tuple[str, str, float]] = []
        self._edge_codes: set[str] = set()
        self._legend_title = ""
        self._legend_labels: list[str] = []
        self._fit_scale = 1.0
        self._press_position: QPoint | None = None

        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumSize(320, 180)

        self._country_items: dict[str, QGraphicsPathItem] = {}
        for code, shape in self._shapes.items():
            if not shape.rings or (code == ANTARCTICA and not show_antarctica):
                continue
            item = QGraphicsPathItem(country_path(shape))
            item.setData(CODE_KEY, code)
            item.setZValue(COUNTRY_Z)
            self.scene().addItem(item)
            self._country_items[code] = item
        self._world = self._items_bounds(self._country_items.values())
        margin = self._world.width() * 0.02
        self.scene().setSceneRect(self._world.adjusted(-margin, -margin, margin, margin))
        self._edge_items: dict[str, QGraphicsPathItem] = {}
        self._flow_items: list[QGraphicsPathItem] = []
        self._marker_items: dict[str, QGraphicsEllipseItem] = {}
        self._legend = Legend(self)
        self._apply_palette()
        self._refresh_tooltips()

    # The window's interface ---------------------------------------------------------------

    @property
    def tooltip_for(self) -> Callable[[str], str]:
        """The tooltip text of a country, by alpha-2 code (set by the window)."""
        return self._tooltip_for

    @tooltip_for.setter
    def tooltip_for(self, provider: Callable[[str], str]) -> None:
        self._tooltip_for = provider
        self._refresh_tooltips()

    def set_values(self, values: Mapping[str, float], home: str | None) -> None:
        """Colour each country by its value (grey for none, or zero) and outline `home`."""
        self._values = {code: value for code, value in values.items() if value > 0}
        self._home = home
        self._classes = classify(self._values.values())
        self._paint_countries()
        self._place_markers()
        self._refresh_tooltips()
        self._refresh_legend()

    def set_flows(self, flows: Iterable[tuple[str, str, float]]) -> None:
        """Draw an arc for each (origin, destination, visits), from origin to destination.

        The origin may be empty, meaning the home country. Flows from a country to itself, or
        to a place the map does not know, are not drawn. The widest arc has the most visits.
        """
        for item in self._flow_items:
            self.scene().removeItem(item)
        self._flow_items = []
        self._flows = [
            (origin or self._home or "", destination, visits)
            for origin, destination, visits in flows
        ]
        drawable = [
            (origin, destination, visits)
            for origin, destination, visits in self._flows
            if origin != destination
            and origin in self._shapes
            and destination in self._shapes
            and visits > 0
        ]
        most = max((visits for _, _, visits in drawable), default=0.0)
        pen_colour = FLOW_DARK if self._is_dark() else FLOW_LIGHT
        for origin, destination, visits in drawable:
            item = QGraphicsPathItem(self._arc(origin, destination))
            # Width by the square root of visits, so the area of ink follows the count.
            width = MINIMUM_FLOW_WIDTH + (MAXIMUM_FLOW_WIDTH - MINIMUM_FLOW_WIDTH) * math.sqrt(
                visits / most
            )
            pen = QPen(pen_colour, width)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            item.setPen(pen)
            item.setBrush(Qt.BrushStyle.NoBrush)
            item.setZValue(FLOW_Z)
            # An open curve's shape includes the area under it: it must not take clicks or
            # tooltips from the countries below.
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            item.setAcceptHoverEvents(False)
            self.scene().addItem(item)
            self._flow_items.append(item)

    def mark_edges(self, codes: Iterable[str]) -> None:
        """Hatch the countries whose value comes only from anycast or CDN edge servers.

        Such a value says where the nearest copy answered, not where the company keeps data.
        """
        for item in self._edge_items.values():
            self.scene().removeItem(item)
        self._edge_items = {}
        self._edge_codes = set(codes)
        for code in sorted(self._edge_codes):
            country = self._country_items.get(code)
            if country is None:
                continue
            item = QGraphicsPathItem(country.path())
            item.setZValue(EDGE_Z)
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            item.setAcceptHoverEvents(False)
            self.scene().addItem(item)
            self._edge_items[code] = item
        self._paint_edges()
        self._place_markers()
        self._refresh_legend()

    def set_legend(self, title: str, labels: list[str]) -> None:
        """Title the legend, and label its colour steps from low to high.

        With no labels the legend shows the value ranges of the classes of `set_values`.
        Labels given replace them one for one, or, if there are more or fewer of them than
        classes, are shown against colours spread over the palette.
        """
        self._legend_title = title
        self._legend_labels = list(labels)
        self._refresh_legend()

    def fit(self) -> None:
        """Show the whole world (zoom 1)."""
        self.resetTransform()
        self.fitInView(self._world, Qt.AspectRatioMode.KeepAspectRatio)
        self._fit_scale = self.transform().m11() or 1.0

    def zoom(self) -> float:
        """How far the map is zoomed in, 1 showing the whole world."""
        return self.transform().m11() / self._fit_scale

    # Lookups, for the window and the tests ------------------------------------------------

    def country_codes(self) -> list[str]:
        """The codes of the countries drawn as shapes."""
        return sorted(self._country_items)

    def country_name(self, code: str) -> str | None:
        shape = self._shapes.get(code)
        return shape.name if shape else None

    def country_item(self, code: str) -> QGraphicsPathItem | None:
        return self._country_items.get(code)

    def country_point(self, code: str) -> QPointF | None:
        """Where the country's label, marker and flows go, in scene coordinates."""
        shape = self._shapes.get(code)
        return QPointF(*shape.point) if shape else None

    def marker_item(self, code: str) -> QGraphicsEllipseItem | None:
        return self._marker_items.get(code)

    def edge_item(self, code: str) -> QGraphicsPathItem | None:
        return self._edge_items.get(code)

    def flow_items(self) -> list[QGraphicsPathItem]:
        return list(self._flow_items)

    def legend(self) -> Legend:
        return self._legend

    def colour_of(self, value: float | None) -> QColor:
        """The fill for a value under the current classes (no-data grey for None)."""
        index = None if value is None else self._classes.index(value)
        if index is None:
            return self._no_data_colour()
        return step_colours(len(self._classes.lower_bounds), self._is_dark())[index]

    # Qt overrides ---------------------------------------------------------------------------

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120
        if not notches:
            event.ignore()
            return
        current = self.zoom()
        wanted = min(MAXIMUM_ZOOM, max(MINIMUM_ZOOM, current * ZOOM_PER_NOTCH**notches))
        if not math.isclose(wanted, current):
            factor = wanted / current
            self.scale(factor, factor)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._press_position = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        pressed, self._press_position = self._press_position, None
        if event.button() != Qt.MouseButton.LeftButton or pressed is None:
            return
        moved = (event.position().toPoint() - pressed).manhattanLength()
        # A drag pans the map; only a click (a press and release in place) picks a country.
        if moved < QApplication.startDragDistance():
            self.country_clicked.emit(self._code_at(event.position().toPoint()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        zoom = self.zoom()
        super().resizeEvent(event)
        centre = self.mapToScene(self.viewport().rect().center())
        self.fit()
        if zoom > MINIMUM_ZOOM:
            self.scale(zoom, zoom)
            self.centerOn(centre)
        self._place_legend()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if math.isclose(self.zoom(), MINIMUM_ZOOM) or self._fit_scale == 1.0:
            self.fit()
        self._place_legend()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    # Drawing --------------------------------------------------------------------------------

    def _is_dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Base).lightness() < 128

    def _no_data_colour(self) -> QColor:
        return NO_DATA_DARK if self._is_dark() else NO_DATA_LIGHT

    def _apply_palette(self) -> None:
        """Colour everything from the palette: on a theme change, all of it again."""
        self.setBackgroundBrush(self.palette().base())
        self._paint_countries()
        self._paint_edges()
        self.set_flows(self._flows)
        self._place_markers()
        self._refresh_legend()

    def _paint_countries(self) -> None:
        # Borders in the sea's colour read as thin gaps between countries.
        border = QPen(self.palette().color(QPalette.ColorRole.Base), 0.6)
        border.setCosmetic(True)
        home = QPen(self.palette().color(QPalette.ColorRole.Text), 2.0)
        home.setCosmetic(True)
        home.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        for code, item in self._country_items.items():
            item.setBrush(self.colour_of(self._values.get(code)))
            is_home = code == self._home
            item.setPen(home if is_home else border)
            # The home outline goes on top, or neighbours would cover half of it.
            item.setZValue(HOME_Z if is_home else COUNTRY_Z)

    def _edge_brush(self) -> QBrush:
        colour = QColor(self.palette().color(QPalette.ColorRole.Text))
        colour.setAlpha(150)
        return QBrush(colour, Qt.BrushStyle.BDiagPattern)

    def _paint_edges(self) -> None:
        pen = QPen(self.palette().color(QPalette.ColorRole.Text), 1.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        for item in self._edge_items.values():
            item.setBrush(self._edge_brush())
            item.setPen(pen)

    def _needs_marker(self, code: str) -> bool:
        shape = self._shapes.get(code)
        if shape is None:
            return False
        item = self._country_items.get(code)
        if item is None:
            # A point-only place needs one; a shape left off the map (Antarctica) does not.
            return not shape.rings
        bounds = item.boundingRect()
        return max(bounds.width(), bounds.height()) < SMALLEST_VISIBLE_SHAPE

    def _place_markers(self) -> None:
        """A dot for each place with a value (or the home) whose shape is too small to see."""
        for marker in self._marker_items.values():
            self.scene().removeItem(marker)
        self._marker_items = {}
        wanted = set(self._values) | ({self._home} if self._home else set())
        text = self.palette().color(QPalette.ColorRole.Text)
        for code in sorted(wanted):
            point = self.country_point(code)
            if point is None or not self._needs_marker(code):
                continue
            radius = MARKER_DIAMETER / 2
            marker = QGraphicsEllipseItem(-radius, -radius, MARKER_DIAMETER, MARKER_DIAMETER)
            # Markers keep their size in pixels at every zoom.
            marker.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            marker.setPos(point)
            marker.setBrush(self.colour_of(self._values.get(code)))
            pen = QPen(text, 2.0 if code == self._home else 1.0)
            if code in self._edge_codes:
                pen.setStyle(Qt.PenStyle.DashLine)
            pen.setCosmetic(True)
            marker.setPen(pen)
            marker.setData(CODE_KEY, code)
            marker.setZValue(MARKER_Z)
            marker.setToolTip(self._tooltip_for(code))
            self.scene().addItem(marker)
            self._marker_items[code] = marker

    def _arc(self, origin: str, destination: str) -> QPainterPath:
        """A quadratic curve between two countries' points, bowed northwards."""
        start, end = self._shapes[origin].point, self._shapes[destination].point
        path = QPainterPath(QPointF(*start))
        path.quadTo(QPointF(*arc_control(start, end)), QPointF(*end))
        return path

    def _refresh_tooltips(self) -> None:
        for code, item in self._country_items.items():
            item.setToolTip(self._tooltip_for(code))
        for code, marker in self._marker_items.items():
            marker.setToolTip(self._tooltip_for(code))

    def _country_name_tooltip(self, code: str) -> str:
        return self.country_name(code) or code

    def _refresh_legend(self) -> None:
        classes = self._classes.lower_bounds
        labels = self._legend_labels or self._classes.labels()
        dark = self._is_dark()
        outline = self.palette().color(QPalette.ColorRole.Mid)
        count = len(labels) if self._legend_labels else len(classes)
        colours = step_colours(count, dark)
        # Highest first, as a reader scans a legend from the top.
        rows = [
            (QBrush(colour), outline, label)
            for colour, label in reversed(list(zip(colours, labels, strict=True)))
        ]
        rows.append((QBrush(self._no_data_colour()), outline, "No data"))
        if self._edge_codes:
            rows.append((self._edge_brush(), outline, "Edge servers only (anycast, CDN)"))
        if not classes and not self._legend_labels and not self._legend_title:
            rows = []
        self._legend.show_steps(self._legend_title, rows)
        self._place_legend()

    def _place_legend(self) -> None:
        margin = 8
        self._legend.adjustSize()
        viewport = self.viewport().geometry()
        self._legend.move(
            viewport.left() + margin, viewport.bottom() - self._legend.height() - margin
        )
        self._legend.raise_()

    def _code_at(self, position: QPoint) -> str:
        """The country (or marker) under a viewport position, or an empty string for the sea."""
        for item in self.items(position):
            code = item.data(CODE_KEY)
            if isinstance(code, str) and code:
                return code
        return ""

    @staticmethod
    def _items_bounds(items: Iterable[QGraphicsItem]) -> QRectF:
        bounds = QRectF()
        for item in items:
            bounds = bounds.united(item.sceneBoundingRect())
        return bounds
