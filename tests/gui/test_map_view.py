"""The world map, offscreen: projection, colours, clicks, zoom, flows, legend, a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPalette, QWheelEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from borderless.gui.map_view import (  # noqa: E402
    MAXIMUM_FLOW_WIDTH,
    MAXIMUM_ZOOM,
    MINIMUM_FLOW_WIDTH,
    MINIMUM_ZOOM,
    WorldMapView,
    scene_point,
)
from borderless.worldmap import classify, equal_earth  # noqa: E402

# Where the screenshot goes when a person wants to look at it (tests/gui are checked by eye).
SCREENSHOT_DIR_VARIABLE = "BORDERLESS_SCREENSHOT_DIR"

DEMO_VALUES = {
    "US": 5200.0,
    "IE": 1400.0,
    "DE": 800.0,
    "NL": 650.0,
    "GB": 420.0,
    "FR": 300.0,
    "SG": 120.0,
    "CA": 90.0,
    "SE": 60.0,
    "JP": 35.0,
    "BR": 12.0,
    "IN": 8.0,
    "MC": 7.0,
    "GF": 5.0,
    "AU": 4.0,
    "RU": 3.0,
    "FJ": 2.0,
    "ZA": 1.0,
}


@pytest.fixture
def view(qtbot) -> WorldMapView:
    """A map shown at 1200 by 700 pixels, fitted to the world."""
    widget = WorldMapView()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.fit()
    return widget


def wheel(view: WorldMapView, notches: int) -> None:
    """Turn the mouse wheel over the middle of the map."""
    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(
        centre,
        QPointF(view.viewport().mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), event)


def click_at_scene_point(qtbot, view: WorldMapView, point: QPointF) -> None:
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(point))


def test_the_map_draws_the_countries_of_the_world(view: WorldMapView) -> None:
    codes = view.country_codes()
    assert len(codes) >= 170
    assert {"BR", "US", "RU", "FJ", "XK", "UA", "CN", "ZA"} <= set(codes)
    # Antarctica is left off by default; French Guiana has no shape of its own, only a point.
    assert "AQ" not in codes
    assert "GF" not in codes
    assert view.country_point("GF") is not None


def test_equal_earth_projects_the_known_points() -> None:
    assert equal_earth(0, 0) == (0.0, 0.0)
    x, y = equal_earth(180, 0)
    assert x == pytest.approx(2.7066, abs=1e-4)
    assert y == pytest.approx(0.0, abs=1e-12)
    assert equal_earth(-180, 0)[0] == pytest.approx(-x)
    # The poles are lines at y = ±1.3173, and northern latitudes go up.
    assert equal_earth(0, 90)[1] == pytest.approx(1.3173, abs=1e-4)
    assert equal_earth(0, -90)[1] == pytest.approx(-1.3173, abs=1e-4)
    # Equal-area: at 60 degrees a degree of longitude is narrower than at the equator.
    assert equal_earth(10, 60)[0] < equal_earth(10, 0)[0]


def test_no_country_reaches_across_the_map(view: WorldMapView) -> None:
    """Shapes near the 180th meridian were split: none is as wide as the world."""
    world_width = scene_point(180, 0).x() - scene_point(-180, 0).x()
    for code in ("RU", "FJ", "US", "KI", "NZ"):
        item = view.country_item(code)
        assert item is not None
        # Russia (171 degrees wide without Chukotka's tip) fills most of the width; a streak
        # would make it the whole width.
        assert item.boundingRect().width() < world_width * 0.999, code
    fiji = view.country_item("FJ")
    assert fiji is not None
    # Fiji's islands lie on both sides of the line: drawn at both edges, but each piece is small.
    pieces = fiji.path().toSubpathPolygons()
    assert max(piece.boundingRect().width() for piece in pieces) < 5


def test_values_colour_the_countries(view: WorldMapView) -> None:
    view.set_values({"US": 5000.0, "DE": 1.0, "GB": 0.0}, "DE")
    high = view.country_item("US")
    low = view.country_item("DE")
    missing = view.country_item("BR")
    zero = view.country_item("GB")
    assert high is not None and low is not None and missing is not None and zero is not None
    colours = {item.brush().color().name() for item in (high, low, missing)}
    assert len(colours) == 3
    assert missing.brush().color() == view.colour_of(None)
    assert zero.brush().color() == view.colour_of(None)
    # The home country is outlined thicker than the others.
    assert low.pen().widthF() > high.pen().widthF()
    # On a light background the highest class is the darkest.
    assert high.brush().color().lightness() < low.brush().color().lightness()


def test_classes_follow_the_spread_of_counts() -> None:
    classes = classify([1, 3, 40, 5200])
    assert len(classes.lower_bounds) == 7
    assert classes.index(1) == 0
    assert classes.index(5200) == 6
    assert classes.index(0) is None
    labels = classes.labels()
    assert labels[0].startswith("1")
    assert labels[-1].endswith("5,200")
    assert classify([]).labels() == []
    assert classify([2.0, 2.0]).labels() == ["2"]


def test_clicking_brazil_emits_its_code(qtbot, view: WorldMapView) -> None:
    brazil = view.country_point("BR")
    assert brazil is not None
    with qtbot.waitSignal(view.country_clicked, timeout=2000) as blocker:
        click_at_scene_point(qtbot, view, brazil)
    assert blocker.args == ["BR"]


def test_clicking_the_sea_clears(qtbot, view: WorldMapView) -> None:
    middle_of_the_pacific = scene_point(-140, -5)
    with qtbot.waitSignal(view.country_clicked, timeout=2000) as blocker:
        click_at_scene_point(qtbot, view, middle_of_the_pacific)
    assert blocker.args == [""]


def test_a_marker_stands_for_a_place_too_small_to_see(qtbot, view: WorldMapView) -> None:
    view.set_values({"GF": 5.0, "MC": 3.0, "BR": 10.0}, None)
    assert view.marker_item("GF") is not None
    assert view.marker_item("MC") is not None
    assert view.marker_item("BR") is None
    marker = view.marker_item("GF")
    assert marker is not None
    with qtbot.waitSignal(view.country_clicked, timeout=2000) as blocker:
        click_at_scene_point(qtbot, view, marker.pos())
    assert blocker.args == ["GF"]


def test_the_wheel_zooms_within_the_clamp(view: WorldMapView) -> None:
    assert view.zoom() == pytest.approx(1.0)
    wheel(view, 3)
    assert view.zoom() == pytest.approx(1.25**3)
    for _ in range(30):
        wheel(view, 1)
    assert view.zoom() == pytest.approx(MAXIMUM_ZOOM)
    for _ in range(40):
        wheel(view, -1)
    assert view.zoom() == pytest.approx(MINIMUM_ZOOM)
    wheel(view, 2)
    view.fit()
    assert view.zoom() == pytest.approx(1.0)


def test_flows_draw_one_arc_per_destination(view: WorldMapView) -> None:
    view.set_values(DEMO_VALUES, "FR")
    view.set_flows([("FR", "US", 5200.0), ("FR", "IE", 1400.0), ("", "GF", 5.0), ("FR", "FR", 9)])
    arcs = view.flow_items()
    # The flow from France to France is not an arc; an empty origin is the home country.
    assert len(arcs) == 3
    widths = sorted(arc.pen().widthF() for arc in arcs)
    assert widths[0] >= MINIMUM_FLOW_WIDTH
    assert widths[-1] == pytest.approx(MAXIMUM_FLOW_WIDTH)
    assert all(arc.pen().isCosmetic() for arc in arcs)
    united_states = view.country_item("US")
    assert united_states is not None
    assert all(arc.zValue() > united_states.zValue() for arc in arcs)
    view.set_flows([("FR", "DE", 1.0)])
    assert len(view.flow_items()) == 1


def test_tooltips_come_from_the_window(view: WorldMapView) -> None:
    brazil = view.country_item("BR")
    assert brazil is not None
    assert brazil.toolTip() == "Brazil"
    view.tooltip_for = lambda code: f"{code}: 12 visits"
    assert brazil.toolTip() == "BR: 12 visits"
    view.set_values({"GF": 2.0}, None)
    marker = view.marker_item("GF")
    assert marker is not None and marker.toolTip() == "GF: 12 visits"


def test_edges_are_hatched(view: WorldMapView) -> None:
    view.set_values({"SG": 4.0, "JP": 20.0}, None)
    view.mark_edges({"JP", "SG"})
    edge = view.edge_item("JP")
    assert edge is not None
    assert edge.brush().style() == Qt.BrushStyle.BDiagPattern
    assert edge.pen().style() == Qt.PenStyle.DashLine
    # Singapore is too small to hatch; its marker has a dashed outline instead.
    marker = view.marker_item("SG")
    assert marker is not None and marker.pen().style() == Qt.PenStyle.DashLine
    view.mark_edges(set())
    assert view.edge_item("JP") is None


def test_the_legend_shows_the_steps(view: WorldMapView) -> None:
    view.set_values(DEMO_VALUES, "FR")
    view.set_legend("Visits by server country", [])
    legend = view.legend()
    assert legend.isVisible()
    shown = [label.text() for label in legend.findChildren(QLabel) if label.isVisible()]
    assert "Visits by server country" in shown
    assert "No data" in shown
    assert "1,500–5,200" in shown
    view.set_legend("Share", ["low", "high"])
    shown = [label.text() for label in legend.findChildren(QLabel) if label.isVisible()]
    assert {"Share", "low", "high", "No data"} <= set(shown)


def test_the_map_follows_a_dark_palette(view: WorldMapView) -> None:
    view.set_values({"US": 100.0, "DE": 1.0}, None)
    palette = QPalette(view.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    palette.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    view.setPalette(palette)
    assert view.backgroundBrush().color() == QColor("#1e1e1e")
    high = view.country_item("US")
    low = view.country_item("DE")
    assert high is not None and low is not None
    # On a dark background the highest class is the brightest.
    assert high.brush().color().lightness() > low.brush().color().lightness()


def test_a_screenshot_of_the_demo_map(view: WorldMapView, tmp_path: Path) -> None:
    """Render the map for a person to look at (set BORDERLESS_SCREENSHOT_DIR to keep it)."""
    view.set_values(DEMO_VALUES, "FR")
    view.set_flows([("FR", code, visits) for code, visits in DEMO_VALUES.items()])
    view.mark_edges({"SG", "JP"})
    view.set_legend("Visits by server country", [])
    folder = Path(os.environ.get(SCREENSHOT_DIR_VARIABLE) or tmp_path)
    path = folder / "map-check.png"
    image = view.grab()
    assert image.size().width() == 1200 and image.size().height() == 700
    assert image.save(str(path))
    # Not blank: the sea, grey land and the palette's colours are all there.
    rendered = image.toImage()
    colours = {
        rendered.pixelColor(x, y).name() for x in range(0, 1200, 15) for y in range(0, 700, 15)
    }
    assert len(colours) > 10
