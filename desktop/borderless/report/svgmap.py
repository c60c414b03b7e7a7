"""The world map as an SVG document, without Qt or scripts: for the HTML report and for slides.

It draws what the window's map draws (borderless.gui.map_view), from the same Qt-free geometry
(borderless.worldmap): Equal Earth, viridis steps, grey for no data, the home country outlined,
orange arcs from home whose width follows the square root of the visits, and a legend.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from html import escape

from borderless import paths
from borderless.geography import country_name
from borderless.worldmap import (
    MAP_FILE,
    CountryShape,
    Point,
    arc_control,
    classify,
    load_countries,
    step_colours,
)

ANTARCTICA = "AQ"
NO_DATA = "#d0d0d0"
SEA = "#f3f6f9"
# Borders in the page's colour read as thin gaps between countries, as in the window.
BORDER = "#ffffff"
HOME_OUTLINE = "#1a1a1a"
TEXT = "#1a1a1a"
MUTED = "#555555"
# Orange, a hue viridis does not use (the window's FLOW_LIGHT, 190 of 255 opaque).
FLOW = "#d95f02"
FLOW_OPACITY = 0.75
MINIMUM_FLOW_WIDTH = 1.0
MAXIMUM_FLOW_WIDTH = 8.0
# A shape smaller than this (scene units, as in the window) gets a marker at its point instead.
SMALLEST_VISIBLE_SHAPE = 1.5
MARKER_RADIUS = 4.5
# Steps shorter than this (tenths of a pixel) are dropped from the outlines.
MINIMUM_STEP = 5
PADDING = 8
TITLE_HEIGHT = 34
LEGEND_ROW = 22
FONT_SIZE = 13
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"


@functools.cache
def map_source() -> str:
    """Where the shapes come from, in words, from the map file's own record (for credits)."""
    try:
        record = json.loads((paths.resources_dir() / MAP_FILE).read_text(encoding="utf-8"))
        source = record["source"]
        return f"{source['upstream']}, through {source['package']} {source['version']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "Natural Earth, through world-atlas"


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _tenths(value: float) -> str:
    """A number of tenths written as short as SVG allows: 12 -> "1.2", -3 -> "-.3", 10 -> "1"."""
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(int(value)), 10)
    if not tenth:
        return f"{sign}{whole}"
    return f"{sign}{whole or ''}.{tenth}"


def _pair(x: int, y: int) -> str:
    dy = _tenths(y)
    return f"{_tenths(x)}{'' if dy.startswith('-') else ' '}{dy}"


def _apart(here: tuple[int, int], last: tuple[int, int]) -> bool:
    """Whether two points (in tenths of a pixel) are at least half a pixel apart."""
    return (here[0] - last[0]) ** 2 + (here[1] - last[1]) ** 2 >= MINIMUM_STEP**2


class _Frame:
    """Scene units (worldmap.project) to pixels, rounded to a tenth of a pixel."""

    def __init__(self, shapes: Iterable[CountryShape], width: int, top: float) -> None:
        points = [point for shape in shapes for ring in shape.rings for point in ring]
        self.left = min(x for x, _ in points)
        self.north = min(y for _, y in points)
        right = max(x for x, _ in points)
        south = max(y for _, y in points)
        self.scale = (width - 2 * PADDING) / (right - self.left)
        self.top = top
        self.height = (south - self.north) * self.scale

    def tenths(self, point: Point) -> tuple[int, int]:
        x, y = point
        return (
            round(((x - self.left) * self.scale + PADDING) * 10),
            round(((y - self.north) * self.scale + self.top) * 10),
        )

    def pixels(self, point: Point) -> tuple[float, float]:
        x, y = self.tenths(point)
        return x / 10, y / 10

    def path(self, shape: CountryShape) -> str:
        """The shape's rings as path data with relative steps; rings under a pixel are dropped."""
        parts = []
        for ring in shape.rings:
            points: list[tuple[int, int]] = []
            for point in ring:
                here = self.tenths(point)
                # A point within half a pixel of the last one kept adds nothing one can see.
                if not points or _apart(here, points[-1]):
                    points.append(here)
            if len(points) > 1 and points[0] == points[-1]:
                points.pop()
            xs = [x for x, _ in points]
            ys = [y for _, y in points]
            if len(points) < 3 or (max(xs) - min(xs) < 10 and max(ys) - min(ys) < 10):
                continue
            steps = [
                _pair(x - previous_x, y - previous_y)
                for (previous_x, previous_y), (x, y) in zip(points, points[1:], strict=False)
            ]
            parts.append(f"M{_pair(*points[0])}l{' '.join(steps)}z")
        return "".join(parts)


def _count(value: float, unit: str) -> str:
    """A value with its unit: "1,645 visits", "1 visit"."""
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return f"{number} {unit[:-1] if value == 1 and unit.endswith('s') else unit}"


def _legend_items(
    labels: list[str], colours: list[str], edges: str | None, home: str | None, flows: bool
) -> list[tuple[str, str]]:
    """(swatch SVG at 0,0, label) from low to high, then the marks that are not values."""
    items = [
        (
            f'<rect width="18" height="12" fill="{colour}" stroke="{MUTED}" stroke-width=".5"/>',
            label,
        )
        for colour, label in zip(colours, labels, strict=True)
    ]
    items.append(
        (
            f'<rect width="18" height="12" fill="{NO_DATA}" stroke="{MUTED}" stroke-width=".5"/>',
            "No data",
        )
    )
    if edges:
        items.append(
            (
                f'<rect width="18" height="12" fill="url(#{edges})" '
                f'stroke="{MUTED}" stroke-width=".5"/>',
                "Edge servers only (anycast, CDN)",
            )
        )
    if home:
        items.append(
            (
                f'<rect x="1" y="1" width="16" height="10" fill="none" stroke="{HOME_OUTLINE}" '
                'stroke-width="2"/>',
                f"Home: {country_name(home, in_sentence=False)}",
            )
        )
    if flows:
        items.append(
            (
                f'<path d="M1 10Q9 0 17 10" fill="none" stroke="{FLOW}" '
                f'stroke-opacity="{FLOW_OPACITY}" stroke-width="3" stroke-linecap="round"/>',
                "Flow from home (width: visits)",
            )
        )
    return items


def _legend(
    items: list[tuple[str, str]], caption: str, top: float, width: int
) -> tuple[str, float]:
    """The legend laid out in rows under the map; returns the SVG and its height."""
    parts = [
        f'<text x="{PADDING}" y="{top + 15:.1f}" font-weight="600" fill="{TEXT}">'
        f"{_text(caption)}</text>"
    ]
    x, y = float(PADDING), top + LEGEND_ROW
    for swatch, label in items:
        # A rough width of the label: ~0.6 em per character, enough for the digits and dashes.
        needed = 24 + len(label) * FONT_SIZE * 0.6 + 18
        if x > PADDING and x + needed > width - PADDING:
            x, y = float(PADDING), y + LEGEND_ROW
        parts.append(
            f'<g transform="translate({x:.1f} {y + 4:.1f})">{swatch}'
            f'<text x="24" y="11" fill="{TEXT}">{_text(label)}</text></g>'
        )
        x += needed
    return "".join(parts), y + LEGEND_ROW - top


def map_svg(
    values: Mapping[str, float],
    home: str | None,
    flows: Iterable[tuple[str, str, float]],
    title: str,
    *,
    width: int = 960,
    standalone: bool = False,
    legend: str = "Visits",
    unit: str = "visits",
    edge_only: Iterable[str] = (),
    id_prefix: str = "map",
) -> str:
    """A world map of values per country, as one SVG element (no scripts, no external links).

    Args:
        values: a value per ISO alpha-2 code (visits); zero or less, or missing, is no data.
        home: the home country, outlined, and where flows start when their origin is empty.
        flows: (origin, destination, visits) for the arcs; arcs to the origin itself, or to a
            place the map does not know, are not drawn.
        title: the heading drawn above the map (and the SVG's accessible name).
        width: in pixels; the height follows from the projection.
        standalone: write a document of its own (XML declaration), for `report --format svg`.
        legend: the legend's caption.
        unit: what a value counts, for the tooltips ("1,645 visits").
        edge_only: countries whose value comes only from anycast or CDN edges: hatched.
        id_prefix: prefix of the ids inside (patterns), unique per map in one HTML page.

    Returns:
        The SVG text. Every country has a `<title>`, a tooltip without scripts.
    """
    shapes = {
        code: shape
        for code, shape in load_countries().items()
        if code != ANTARCTICA and (shape.rings or shape.point)
    }
    drawn = {code: shape for code, shape in shapes.items() if shape.rings}
    frame = _Frame(drawn.values(), width, TITLE_HEIGHT + PADDING)
    positive = {code: float(value) for code, value in values.items() if value > 0}
    classes = classify(positive.values())
    colours = step_colours(len(classes.lower_bounds))
    edges = set(edge_only)
    prefix = "".join(c for c in id_prefix if c.isalnum() or c in "-_") or "map"

    def fill(code: str) -> str:
        index = classes.index(positive.get(code, 0.0))
        return NO_DATA if index is None else colours[index]

    def tooltip(code: str) -> str:
        name = country_name(code, in_sentence=False)
        value = positive.get(code)
        text = f"{name}: {_count(value, unit)}" if value else f"{name}: no {unit}"
        if code == home:
            text += " (home)"
        if code in edges:
            text += " (edge servers only)"
        return text

    def too_small(shape: CountryShape) -> bool:
        points = [point for ring in shape.rings for point in ring]
        if not points:
            return True
        xs = [x for x, _ in points]
        ys = [y for _, y in points]
        return max(max(xs) - min(xs), max(ys) - min(ys)) < SMALLEST_VISIBLE_SHAPE

    map_bottom = frame.top + frame.height + PADDING
    body = [
        f'<text x="{PADDING}" y="{PADDING + 18}" font-size="18" font-weight="700" '
        f'fill="{TEXT}">{_text(title)}</text>',
        f'<rect x="0" y="{frame.top - PADDING:.1f}" width="{width}" '
        f'height="{frame.height + 2 * PADDING:.1f}" fill="{SEA}"/>',
        f'<g stroke="{BORDER}" stroke-width=".6" stroke-linejoin="round" fill-rule="evenodd">',
    ]
    # The home country last, so that its outline is not half covered by its neighbours.
    order = sorted(drawn, key=lambda code: (code == home, code))
    for code in order:
        data = frame.path(drawn[code])
        if not data:
            continue
        extra = f' stroke="{HOME_OUTLINE}" stroke-width="2"' if code == home else ""
        body.append(
            f'<path d="{data}" fill="{fill(code)}"{extra}>'
            f"<title>{_text(tooltip(code))}</title></path>"
        )
        if code in edges and code in positive:
            body.append(
                f'<path d="{data}" fill="url(#{prefix}-edge)" stroke="{TEXT}" stroke-width=".8" '
                f'stroke-dasharray="3 2" pointer-events="none"/>'
            )
    body.append("</g>")

    arcs = [
        (origin or home or "", destination, float(count)) for origin, destination, count in flows
    ]
    arcs = [
        (origin, destination, count)
        for origin, destination, count in arcs
        if origin != destination and origin in shapes and destination in shapes and count > 0
    ]
    most = max((count for _, _, count in arcs), default=0.0)
    if arcs:
        body.append(
            f'<g fill="none" stroke="{FLOW}" stroke-opacity="{FLOW_OPACITY}" '
            'stroke-linecap="round">'
        )
        # The widest first, so the thin ones stay visible on top of it.
        for origin, destination, count in sorted(arcs, key=lambda arc: -arc[2]):
            start, end = shapes[origin].point, shapes[destination].point
            x0, y0 = frame.pixels(start)
            cx, cy = frame.pixels(arc_control(start, end))
            x1, y1 = frame.pixels(end)
            # Width by the square root of visits, so the area of ink follows the count.
            stroke = MINIMUM_FLOW_WIDTH + (MAXIMUM_FLOW_WIDTH - MINIMUM_FLOW_WIDTH) * math.sqrt(
                count / most
            )
            label = (
                f"{country_name(origin, in_sentence=False)} → "
                f"{country_name(destination, in_sentence=False)}: {_count(count, unit)}"
            )
            body.append(
                f'<path d="M{x0:g} {y0:g}Q{cx:g} {cy:g} {x1:g} {y1:g}" stroke-width="{stroke:.1f}">'
                f"<title>{_text(label)}</title></path>"
            )
        body.append("</g>")

    # Places too small to see (or with no shape at all) get a dot when they have a value.
    wanted = set(positive) | ({home} if home else set())
    for code in sorted(wanted):
        shape = shapes.get(code)
        if shape is None or not too_small(shape):
            continue
        x, y = frame.pixels(shape.point)
        outline = 2 if code == home else 1
        dash = ' stroke-dasharray="2 1.5"' if code in edges else ""
        body.append(
            f'<circle cx="{x:g}" cy="{y:g}" r="{MARKER_RADIUS}" fill="{fill(code)}" '
            f'stroke="{HOME_OUTLINE}" stroke-width="{outline}"{dash}>'
            f"<title>{_text(tooltip(code))}</title></circle>"
        )

    labels = classes.labels()
    shown_edges = bool(edges & set(positive))
    hatch = f"{prefix}-edge" if shown_edges else None
    items = _legend_items(labels, colours, hatch, home, bool(arcs))
    legend_svg, legend_height = _legend(items, legend, map_bottom + 4, width)
    body.append(legend_svg)
    height = math.ceil(map_bottom + 4 + legend_height + PADDING)

    defs = (
        f'<defs><pattern id="{prefix}-edge" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" stroke="{TEXT}" stroke-opacity=".6" '
        'stroke-width="1"/></pattern></defs>'
        if shown_edges
        else ""
    )
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_text(title)}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" class="map">'
    )
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else ""
    return (
        f"{declaration}{opening}<title>{_text(title)}</title>{defs}" + "\n".join(body) + "</svg>\n"
    )
