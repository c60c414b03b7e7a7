"""The world map's geometry, without Qt: Equal Earth projection, the countries' shapes from the
shipped map file, value classes and the colour steps. The window's map and the reports draw from
it alike."""

from __future__ import annotations

import bisect
import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from borderless import paths

MAP_FILE = Path("map") / "countries.json"

# Equal Earth (Šavrič, Patterson & Jenny 2018, doi:10.1080/13658816.2018.1504949): an equal-area
# projection, so a country's colour covers as much of the screen as the country covers of Earth.
A1 = 1.340264
A2 = -0.081106
A3 = 0.000893
A4 = 0.003796
M = math.sqrt(3) / 2

# Scene units per unit of the projection (radians on the unit sphere): the world is about 540
# by 260 scene units.
SCENE_SCALE = 100.0
# How far a flow's arc bows from the straight line, as a share of the distance it spans.
FLOW_BOW = 0.25

# Viridis at nine steps (van der Walt & Smith, matplotlib): sequential, even in lightness, and
# readable with the common colour-vision deficiencies and in greyscale. A map uses seven of them,
# leaving out the end that would melt into the sea: the yellows on a light background, the
# darkest purples on a dark one.
VIRIDIS = (
    "#440154",
    "#472d7b",
    "#3b528b",
    "#2c728e",
    "#21918c",
    "#28ae80",
    "#5ec962",
    "#addc30",
    "#fde725",
)
STEPS = 7

Point = tuple[float, float]


def equal_earth(longitude: float, latitude: float) -> Point:
    """Project degrees of longitude and latitude with Equal Earth on the unit sphere.

    Returns:
        (x, y) with y growing northwards; (180, 0) maps to about (2.7066, 0) and the poles to
        y = ±1.3173.
    """
    lam = math.radians(longitude)
    theta = math.asin(M * math.sin(math.radians(latitude)))
    theta2 = theta * theta
    theta6 = theta2 * theta2 * theta2
    x = (2 * math.sqrt(3) * lam * math.cos(theta)) / (
        3 * (9 * A4 * theta6 * theta2 + 7 * A3 * theta6 + 3 * A2 * theta2 + A1)
    )
    y = theta * (A4 * theta6 * theta2 + A3 * theta6 + A2 * theta2 + A1)
    return x, y


def project(longitude: float, latitude: float) -> Point:
    """Where a place goes on the map: projected, scaled, and with y growing southwards."""
    x, y = equal_earth(longitude, latitude)
    return x * SCENE_SCALE, -y * SCENE_SCALE


@dataclass(frozen=True)
class CountryShape:
    """One entry of the map file, projected to scene coordinates."""

    code: str
    name: str
    point: Point
    rings: tuple[tuple[Point, ...], ...]


@functools.cache
def load_countries(path: Path | None = None) -> dict[str, CountryShape]:
    """The map file's countries, projected (cached: every view draws the same world)."""
    if path is None:
        path = paths.resources_dir() / MAP_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    countries: dict[str, CountryShape] = {}
    for code, entry in data["countries"].items():
        rings = []
        for ring in entry.get("polygons", []):
            projected = (equal_earth(longitude, latitude) for longitude, latitude in ring)
            rings.append(tuple((x * SCENE_SCALE, -y * SCENE_SCALE) for x, y in projected))
        countries[code] = CountryShape(code, entry["name"], project(*entry["point"]), tuple(rings))
    return countries


@dataclass(frozen=True)
class Classes:
    """Value classes for the colour steps: each class starts at a lower bound."""

    lower_bounds: tuple[float, ...]
    highest: float
    whole_numbers: bool

    def index(self, value: float) -> int | None:
        """The class of a value, or None for no data (no classes, or a value of zero or less)."""
        if value <= 0 or not self.lower_bounds:
            return None
        return max(0, bisect.bisect_right(self.lower_bounds, value) - 1)

    def labels(self) -> list[str]:
        """A legend label per class: "1", "2-4", ... for counts, "≥ 0.25" style otherwise."""
        labels = []
        if not self.lower_bounds:
            return []
        followers: list[float | None] = [*self.lower_bounds[1:], None]
        for low, following in zip(self.lower_bounds, followers, strict=True):
            if self.whole_numbers:
                high = self.highest if following is None else following - 1
                labels.append(f"{low:,.0f}" if high <= low else f"{low:,.0f}–{high:,.0f}")
            elif following is None:
                labels.append(f"≥ {low:.2g}")
            else:
                labels.append(f"{low:.2g}–{following:.2g}")
        return labels


def _two_significant_digits(value: float) -> float:
    if value <= 0:
        return value
    digits = 1 - math.floor(math.log10(value))
    return round(value, digits)


def classify(values: Iterable[float], steps: int = STEPS) -> Classes:
    """Up to `steps` classes over the positive values.

    Geometric (equal steps of the logarithm) when the values span ten times or more, as visit
    counts do (one country with thousands, many with a few), else arithmetic. Bounds are rounded
    to two significant digits, and to whole numbers for counts, so the legend reads easily.
    """
    positive = sorted(value for value in values if value > 0)
    if not positive:
        return Classes((), 0.0, True)
    low, high = positive[0], positive[-1]
    whole_numbers = all(float(value).is_integer() for value in positive)
    if high / low >= 10:
        raw = [low * (high / low) ** (step / steps) for step in range(steps)]
    else:
        raw = [low + (high - low) * step / steps for step in range(steps)]
    bounds = [low] + [_two_significant_digits(bound) for bound in raw[1:]]
    if whole_numbers:
        bounds = [float(math.ceil(bound)) for bound in bounds]
    unique = sorted({bound for bound in bounds if low <= bound <= high})
    return Classes(tuple(unique), high, whole_numbers)


def step_colours(count: int, dark: bool = False) -> list[str]:
    """`count` colours (hex) from low to high, spread over seven steps of viridis.

    On a light background high values are dark; on a dark one they are bright: the most visited
    countries always stand out most from the sea.
    """
    steps = list(VIRIDIS[-STEPS:]) if dark else list(reversed(VIRIDIS[:STEPS]))
    if count <= 0:
        return []
    if count == 1:
        return [steps[-1]]
    return [steps[round(i * (len(steps) - 1) / (count - 1))] for i in range(count)]


def arc_control(start: Point, end: Point) -> Point:
    """The control point of a quadratic curve from `start` to `end`, bowed towards the top of
    the map (y grows southwards), so arcs read as flights."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    nx, ny = (-dy / length, dx / length) if length else (0.0, 0.0)
    if ny > 0:
        nx, ny = -nx, -ny
    return (x0 + x1) / 2 + nx * length * FLOW_BOW, (y0 + y1) / 2 + ny * length * FLOW_BOW
