#!/usr/bin/env python3
"""Build the world map Borderless draws, ``resources/map/countries.json``, and its README.

The shapes come from the npm package ``world-atlas`` (Mike Bostock's TopoJSON of Natural Earth's
Admin 0 countries at 1:50m; the data public domain, the package ISC). The script decodes the
TopoJSON itself (no topojson or shapely dependency): quantized, delta-encoded arcs are summed and
scaled back to degrees, and rings are joined from arcs, ``~i`` meaning arc ``i`` reversed.

On the way:

- Features are keyed by ISO 3166-1 alpha-2, mapped from their ISO numeric ids with Debian's
  ``iso-codes`` (``/usr/share/iso-codes/json/iso_3166-1.json``), or, without it, a table below
  copied from iso-codes 4.15.0. Features without an id: Kosovo becomes ``XK`` (the code the EU,
  and IP geolocation databases, use); Northern Cyprus joins Cyprus and Somaliland joins Somalia
  (ISO 3166-1 has no code for either; a geolocation answer for them says CY or SO); the Siachen
  Glacier joins India, which holds it; the "Indian Ocean Territories" split into Christmas Island
  (CX) and the Cocos (Keeling) Islands (CC). Where features join, their shared borders go.
- Arcs are simplified with Douglas-Peucker before they make rings, so neighbours keep one common
  border; a ring that shrinks to nothing is dropped, unless it is all a country has.
- Crimea, which Natural Earth (de facto) draws in Russia, is moved to Ukraine, where ISO 3166-2
  lists it; the file is keyed by ISO 3166 throughout.
- Rings are made planar at the 180th meridian: two of Russia's rings cross it and come back (d3
  cuts them when it draws) and are split; world-atlas writes some cut points as -180 inside
  shapes west of the line (Fiji), which would draw a streak across the map; Antarctica's ring
  goes around the pole and is closed along the map's bottom edge.
- Each country gets a label ``point``: the area-weighted centroid of its largest ring, or, when
  that falls outside the ring (a crescent such as Vietnam), the middle of the widest stretch of
  the ring along the centroid's latitude. Places too small for a shape at this scale (Gibraltar,
  Tuvalu, ...), and France's overseas departments, which world-atlas draws inside France, are
  added as points only.

Needs ``npm`` on the PATH (it fetches the tarball from the configured registry). Run from
anywhere (a few seconds)::

    python scripts/build_map.py [--output-dir resources/map] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from npm_package import NpmPackage, fetch, read_member

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT_DIR = ROOT / "resources" / "map"
DEFAULT_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "borderless" / "map-build"
)
OUTPUT_FILE = "countries.json"

# A (longitude, latitude) in degrees; a ring of them, implicitly closed; a quantized position.
Point = tuple[float, float]
Ring = list[Point]
Key = tuple[int, int]

WORLD_ATLAS = NpmPackage(
    name="world-atlas",
    version="2.0.2",
    integrity="sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ==",
    shasum="4bca4a578f3a413bd409c3f07f2054fe7375824f",
)
TOPOLOGY_FILE = "countries-50m.json"
# world-atlas 2.0.2's README: "a convenient redistribution of Natural Earth's vector data,
# version 4.1.0".
NATURAL_EARTH_VERSION = "4.1.0"

# Douglas-Peucker tolerance in degrees (0.05 degrees is about 5.5 km at the equator, under a pixel
# of a 1,200 pixel wide world); coordinates are then rounded to 0.001 degrees (about 110 m).
TOLERANCE_DEGREES = 0.05
# For a country whose every ring vanishes at the tolerance above (Vatican, Monaco, Nauru, ...).
FINE_TOLERANCE_DEGREES = 0.002
DECIMALS = 3
ANTIMERIDIAN = 180.0

ISO_CODES_FILE = Path("/usr/share/iso-codes/json/iso_3166-1.json")

# ISO 3166-1 numeric, alpha-2 and name (iso-codes' common_name where it has one, else its name),
# from iso-codes 4.15.0: used when the iso-codes package is not installed.
FALLBACK_ISO_TABLE = """
004 AF Afghanistan
008 AL Albania
010 AQ Antarctica
012 DZ Algeria
016 AS American Samoa
020 AD Andorra
024 AO Angola
028 AG Antigua and Barbuda
031 AZ Azerbaijan
032 AR Argentina
036 AU Australia
040 AT Austria
044 BS Bahamas
048 BH Bahrain
050 BD Bangladesh
051 AM Armenia
052 BB Barbados
056 BE Belgium
060 BM Bermuda
064 BT Bhutan
068 BO Bolivia
070 BA Bosnia and Herzegovina
072 BW Botswana
074 BV Bouvet Island
076 BR Brazil
084 BZ Belize
086 IO British Indian Ocean Territory
090 SB Solomon Islands
092 VG Virgin Islands, British
096 BN Brunei Darussalam
100 BG Bulgaria
104 MM Myanmar
108 BI Burundi
112 BY Belarus
116 KH Cambodia
120 CM Cameroon
124 CA Canada
132 CV Cabo Verde
136 KY Cayman Islands
140 CF Central African Republic
144 LK Sri Lanka
148 TD Chad
152 CL Chile
156 CN China
158 TW Taiwan
162 CX Christmas Island
166 CC Cocos (Keeling) Islands
170 CO Colombia
174 KM Comoros
175 YT Mayotte
178 CG Congo
180 CD Congo, The Democratic Republic of the
184 CK Cook Islands
188 CR Costa Rica
191 HR Croatia
192 CU Cuba
196 CY Cyprus
203 CZ Czechia
204 BJ Benin
208 DK Denmark
212 DM Dominica
214 DO Dominican Republic
218 EC Ecuador
222 SV El Salvador
226 GQ Equatorial Guinea
231 ET Ethiopia
232 ER Eritrea
233 EE Estonia
234 FO Faroe Islands
238 FK Falkland Islands (Malvinas)
239 GS South Georgia and the South Sandwich Islands
242 FJ Fiji
246 FI Finland
248 AX Åland Islands
250 FR France
254 GF French Guiana
258 PF French Polynesia
260 TF French Southern Territories
262 DJ Djibouti
266 GA Gabon
268 GE Georgia
270 GM Gambia
275 PS Palestine, State of
276 DE Germany
288 GH Ghana
292 GI Gibraltar
296 KI Kiribati
300 GR Greece
304 GL Greenland
308 GD Grenada
312 GP Guadeloupe
316 GU Guam
320 GT Guatemala
324 GN Guinea
328 GY Guyana
332 HT Haiti
334 HM Heard Island and McDonald Islands
336 VA Holy See (Vatican City State)
340 HN Honduras
344 HK Hong Kong
348 HU Hungary
352 IS Iceland
356 IN India
360 ID Indonesia
364 IR Iran
368 IQ Iraq
372 IE Ireland
376 IL Israel
380 IT Italy
384 CI Côte d'Ivoire
388 JM Jamaica
392 JP Japan
398 KZ Kazakhstan
400 JO Jordan
404 KE Kenya
408 KP North Korea
410 KR South Korea
414 KW Kuwait
417 KG Kyrgyzstan
418 LA Laos
422 LB Lebanon
426 LS Lesotho
428 LV Latvia
430 LR Liberia
434 LY Libya
438 LI Liechtenstein
440 LT Lithuania
442 LU Luxembourg
446 MO Macao
450 MG Madagascar
454 MW Malawi
458 MY Malaysia
462 MV Maldives
466 ML Mali
470 MT Malta
474 MQ Martinique
478 MR Mauritania
480 MU Mauritius
484 MX Mexico
492 MC Monaco
496 MN Mongolia
498 MD Moldova
499 ME Montenegro
500 MS Montserrat
504 MA Morocco
508 MZ Mozambique
512 OM Oman
516 NA Namibia
520 NR Nauru
524 NP Nepal
528 NL Netherlands
531 CW Curaçao
533 AW Aruba
534 SX Sint Maarten (Dutch part)
535 BQ Bonaire, Sint Eustatius and Saba
540 NC New Caledonia
548 VU Vanuatu
554 NZ New Zealand
558 NI Nicaragua
562 NE Niger
566 NG Nigeria
570 NU Niue
574 NF Norfolk Island
578 NO Norway
580 MP Northern Mariana Islands
581 UM United States Minor Outlying Islands
583 FM Micronesia, Federated States of
584 MH Marshall Islands
585 PW Palau
586 PK Pakistan
591 PA Panama
598 PG Papua New Guinea
600 PY Paraguay
604 PE Peru
608 PH Philippines
612 PN Pitcairn
616 PL Poland
620 PT Portugal
624 GW Guinea-Bissau
626 TL Timor-Leste
630 PR Puerto Rico
634 QA Qatar
638 RE Réunion
642 RO Romania
643 RU Russian Federation
646 RW Rwanda
652 BL Saint Barthélemy
654 SH Saint Helena, Ascension and Tristan da Cunha
659 KN Saint Kitts and Nevis
660 AI Anguilla
662 LC Saint Lucia
663 MF Saint Martin (French part)
666 PM Saint Pierre and Miquelon
670 VC Saint Vincent and the Grenadines
674 SM San Marino
678 ST Sao Tome and Principe
682 SA Saudi Arabia
686 SN Senegal
688 RS Serbia
690 SC Seychelles
694 SL Sierra Leone
702 SG Singapore
703 SK Slovakia
704 VN Vietnam
705 SI Slovenia
706 SO Somalia
710 ZA South Africa
716 ZW Zimbabwe
724 ES Spain
728 SS South Sudan
729 SD Sudan
732 EH Western Sahara
740 SR Suriname
744 SJ Svalbard and Jan Mayen
748 SZ Eswatini
752 SE Sweden
756 CH Switzerland
760 SY Syria
762 TJ Tajikistan
764 TH Thailand
768 TG Togo
772 TK Tokelau
776 TO Tonga
780 TT Trinidad and Tobago
784 AE United Arab Emirates
788 TN Tunisia
792 TR Türkiye
795 TM Turkmenistan
796 TC Turks and Caicos Islands
798 TV Tuvalu
800 UG Uganda
804 UA Ukraine
807 MK North Macedonia
818 EG Egypt
826 GB United Kingdom
831 GG Guernsey
832 JE Jersey
833 IM Isle of Man
834 TZ Tanzania
840 US United States
850 VI Virgin Islands, U.S.
854 BF Burkina Faso
858 UY Uruguay
860 UZ Uzbekistan
862 VE Venezuela
876 WF Wallis and Futuna
882 WS Samoa
887 YE Yemen
894 ZM Zambia
"""

# User-assigned, not in ISO 3166-1; the code the European Commission and geolocation databases
# give Kosovo.
KOSOVO = ("XK", "Kosovo")

# Features without an id, by their Natural Earth name: joined to the country whose code a
# geolocation answer gives for them. "Indian Ocean Ter." is handled by INDIAN_OCEAN_TERRITORIES.
JOINED_FEATURES = {
    "N. Cyprus": "CY",
    "Somaliland": "SO",
    "Siachen Glacier": "IN",
}
INDIAN_OCEAN_TERRITORIES = "Indian Ocean Ter."
# Christmas Island lies at 105.6 E, the Cocos (Keeling) Islands at 96.8 E.
CHRISTMAS_ISLAND_WEST_OF = 100.0

# Polygons drawn in one country that ISO 3166 places in another, found by a point inside them.
# Crimea: Natural Earth shows de facto control and draws it in Russia; ISO 3166-2 lists it (UA-43,
# and Sevastopol UA-40) in Ukraine, as does UN General Assembly resolution 68/262. The map is keyed
# by ISO 3166, and follows it here as it does for Northern Cyprus.
MOVED_POLYGONS: dict[tuple[str, Point], str] = {("RU", (34.1, 45.0)): "UA"}

# Places with no shape of their own at 1:50m, as points: (longitude, latitude, what the point is).
# France's overseas departments are inside France's shape in world-atlas; their capitals let the
# app mark them apart from France.
POINT_ONLY_PLACES: dict[str, tuple[float, float, str]] = {
    "BQ": (-68.266, 12.144, "Kralendijk, Bonaire"),
    "BV": (3.414, -54.423, "Bouvet Island"),
    "GF": (-52.326, 4.937, "Cayenne"),
    "GI": (-5.354, 36.141, "Gibraltar"),
    "GP": (-61.726, 15.999, "Basse-Terre"),
    "MQ": (-61.059, 14.616, "Fort-de-France"),
    "RE": (55.448, -20.879, "Saint-Denis"),
    "SJ": (15.627, 78.223, "Longyearbyen, Svalbard"),
    "TK": (-171.219, -9.380, "Fakaofo"),
    "TV": (179.198, -8.521, "Funafuti"),
    "UM": (166.647, 19.282, "Wake Island"),
    "YT": (45.228, -12.781, "Mamoudzou"),
}


@dataclass(frozen=True)
class IsoCountry:
    alpha_2: str
    name: str


@dataclass
class Country:
    """One map entry as it is written: rings of (longitude, latitude) and a label point."""

    code: str
    name: str
    rings: list[Ring] = field(default_factory=list)
    point: Point | None = None
    point_note: str = ""


@dataclass
class BuildReport:
    """What the build did, for the summary and the README."""

    features: int = 0
    arc_points: int = 0
    written_points: int = 0
    rings_dropped: int = 0
    fine_tolerance: list[str] = field(default_factory=list)
    seam_points_flipped: int = 0
    polar_rings_closed: int = 0
    rings_split: int = 0
    polar_slivers_dropped: int = 0
    centroids_moved_inside: list[str] = field(default_factory=list)
    missing_from_iso: list[str] = field(default_factory=list)
    iso_source: str = ""


def iso_countries() -> tuple[dict[str, IsoCountry], str]:
    """ISO 3166-1 by numeric code, and where the table came from."""
    if ISO_CODES_FILE.exists():
        entries = json.loads(ISO_CODES_FILE.read_text(encoding="utf-8"))["3166-1"]
        table = {
            entry["numeric"]: IsoCountry(entry["alpha_2"], entry.get("common_name", entry["name"]))
            for entry in entries
        }
        return table, f"Debian iso-codes ({ISO_CODES_FILE})"
    table = {}
    for line in FALLBACK_ISO_TABLE.strip().splitlines():
        numeric, alpha_2, name = line.split(" ", 2)
        table[numeric] = IsoCountry(alpha_2, name)
    return table, "the table in scripts/build_map.py (iso-codes 4.15.0)"


# --- TopoJSON --------------------------------------------------------------------------------


def decode_arcs(topology: dict[str, Any]) -> tuple[list[list[Key]], list[Ring]]:
    """The arcs as absolute quantized positions and as (longitude, latitude) in degrees."""
    (scale_x, scale_y) = topology["transform"]["scale"]
    (translate_x, translate_y) = topology["transform"]["translate"]
    quantized: list[list[Key]] = []
    degrees: list[Ring] = []
    for encoded in topology["arcs"]:
        x = y = 0
        positions: list[Key] = []
        for delta_x, delta_y in encoded:
            x += delta_x
            y += delta_y
            positions.append((x, y))
        quantized.append(positions)
        degrees.append(
            [(x * scale_x + translate_x, y * scale_y + translate_y) for x, y in positions]
        )
    return quantized, degrees


def arc_points(arcs: Sequence[Ring], index: int) -> Ring:
    """Arc ``index``; a negative index ``~i`` is arc ``i`` backwards (the TopoJSON convention)."""
    return arcs[index] if index >= 0 else arcs[~index][::-1]


def ring_points(arc_indices: Iterable[int], arcs: Sequence[Ring]) -> Ring:
    """A ring joined from its arcs: each arc starts where the previous one ended."""
    points: Ring = []
    for index in arc_indices:
        points.extend(arc_points(arcs, index)[1:] if points else arc_points(arcs, index))
    return points


def geometry_polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    """A Polygon's or MultiPolygon's polygons, each a list of rings of arc indices."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def dissolve(rings: list[list[int]], quantized: Sequence[list[Key]]) -> list[list[int]]:
    """Rings of several joined features without the borders they share.

    An arc that one ring walks forwards and another backwards is a shared border: both go, and
    what is left is re-chained end to start (topojson-client's ``merge`` does the same).
    """
    used = Counter(index for ring in rings for index in ring)
    kept = [index for ring in rings for index in ring if used[~index] == 0]
    if len(kept) == sum(len(ring) for ring in rings):
        return rings

    def start(index: int) -> Key:
        return quantized[index][0] if index >= 0 else quantized[~index][-1]

    def end(index: int) -> Key:
        return quantized[index][-1] if index >= 0 else quantized[~index][0]

    starting_at: dict[Key, list[int]] = defaultdict(list)
    for index in kept:
        starting_at[start(index)].append(index)
    chained: list[list[int]] = []
    remaining = set(kept)
    for first in kept:
        if first not in remaining:
            continue
        remaining.discard(first)
        ring = [first]
        while end(ring[-1]) != start(first):
            following = [index for index in starting_at[end(ring[-1])] if index in remaining]
            if not following:
                raise ValueError(f"cannot close a dissolved ring after arc {ring[-1]}")
            remaining.discard(following[0])
            ring.append(following[0])
        chained.append(ring)
    return chained


# --- Simplification --------------------------------------------------------------------------


def _distance_to_segment(point: Point, start: Point, end: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    length_squared = dx * dx + dy * dy
    if length_squared == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / length_squared))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def douglas_peucker(points: Sequence[Point], first: int, last: int, tolerance: float) -> list[int]:
    """Indices of the points kept between ``first`` and ``last`` (both kept), in order."""
    kept = {first, last}
    stack = [(first, last)]
    while stack:
        low, high = stack.pop()
        if high - low < 2:
            continue
        farthest, distance = low, -1.0
        for index in range(low + 1, high):
            here = _distance_to_segment(points[index], points[low], points[high])
            if here > distance:
                farthest, distance = index, here
        if distance > tolerance:
            kept.add(farthest)
            stack.extend(((low, farthest), (farthest, high)))
    return sorted(kept)


def simplify_arc(points: Sequence[Point], tolerance: float) -> Ring:
    """An arc simplified, keeping its ends and any point on the 180th meridian.

    The meridian points are where world-atlas cut a shape; keeping them keeps the cut edge
    straight along the map's border.
    """
    if len(points) <= 2:
        return list(points)
    last = len(points) - 1
    anchors = [0, *(i for i in range(1, last) if abs(points[i][0]) == ANTIMERIDIAN), last]
    if points[0] == points[-1] and len(anchors) == 2:
        # A closed arc (an island in one piece) has no chord: split it at its farthest point.
        x0, y0 = points[0]
        farthest = max(
            range(last), key=lambda i: (points[i][0] - x0) ** 2 + (points[i][1] - y0) ** 2
        )
        anchors = [0, farthest, last]
    kept = [0]
    for low, high in pairwise(anchors):
        kept.extend(douglas_peucker(points, low, high, tolerance)[1:])
    return [points[index] for index in kept]


# --- Planar rings ----------------------------------------------------------------------------


def ring_area(ring: Sequence[Point]) -> float:
    """Signed shoelace area in square degrees (the ring implicitly closed)."""
    return 0.5 * sum(
        x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True)
    )


def ground_area(ring: Sequence[Point]) -> float:
    """Unsigned area, a degree of longitude shrunk by the cosine of the ring's mean latitude.

    Good enough to tell which of a country's rings is the largest (Alaska is not the USA).
    """
    mean_latitude = sum(latitude for _, latitude in ring) / len(ring)
    return abs(ring_area(ring)) * math.cos(math.radians(mean_latitude))


def _off_seam_neighbour(ring: Sequence[Point], index: int, step: int) -> Point | None:
    """The nearest point before (step -1) or after (step 1) ``index`` that is off the meridian."""
    count = len(ring)
    for distance in range(1, count):
        point = ring[(index + step * distance) % count]
        if abs(point[0]) != ANTIMERIDIAN:
            return point
    return None


def fix_seam_signs(ring: Ring) -> tuple[Ring, int]:
    """Put each point on the 180th meridian on the side of its neighbours; count the moves.

    world-atlas quantizes longitude +180 to -180, so a piece lying just west of the line (a Fijian
    island at +179.9) has cut points at -180: segments across the map.
    """
    fixed = list(ring)
    flipped = 0
    for index, (longitude, latitude) in enumerate(ring):
        if abs(longitude) != ANTIMERIDIAN:
            continue
        before = _off_seam_neighbour(ring, index, -1)
        after = _off_seam_neighbour(ring, index, 1)
        # Neighbours on two sides mean the ring really crosses here; crossings() deals with it.
        if before is None or after is None or (before[0] > 0) != (after[0] > 0):
            continue
        side = math.copysign(ANTIMERIDIAN, before[0])
        if side != longitude:
            fixed[index] = (side, latitude)
            flipped += 1
    return fixed, flipped


def crossings(ring: Sequence[Point]) -> list[int]:
    """Indices ``i`` where the segment from point ``i`` to the next jumps across the map."""
    count = len(ring)
    return [
        index
        for index in range(count)
        if abs(ring[(index + 1) % count][0] - ring[index][0]) > ANTIMERIDIAN
    ]


def close_around_pole(ring: Ring, jump: int) -> Ring:
    """A ring that circles a pole (Antarctica's coast), opened at the jump and closed via the pole.

    On the sphere the ring needs no seam; on the map it runs from one edge to the other, so from
    its end it goes along the edge to the pole line, along that to the other edge, and back up.
    """
    ordered = ring[jump + 1 :] + ring[: jump + 1]
    (start_longitude, start_latitude), (end_longitude, end_latitude) = ordered[0], ordered[-1]
    end_side = math.copysign(ANTIMERIDIAN, end_longitude)
    # Where the closing segment meets the meridian, measured without the jump.
    unwrapped_start = (
        start_longitude + 2 * end_side if abs(start_longitude) != ANTIMERIDIAN else end_side
    )
    span = unwrapped_start - end_longitude
    fraction = (end_side - end_longitude) / span if span else 0.0
    seam_latitude = end_latitude + fraction * (start_latitude - end_latitude)
    pole = -90.0 if sum(latitude for _, latitude in ring) < 0 else 90.0
    closing = [
        (end_side, seam_latitude),
        (end_side, pole),
        (-end_side, pole),
        (-end_side, seam_latitude),
    ]
    return [*ordered, *(point for point in closing if point not in (ordered[0], ordered[-1]))]


def seam_latitude(point: Point, following: Point) -> float:
    """Where the segment from ``point`` to ``following``, which jumps across the map, meets it."""
    side = math.copysign(ANTIMERIDIAN, point[0])
    unwrapped = following[0] + 2 * side
    span = unwrapped - point[0]
    fraction = (side - point[0]) / span if span else 0.0
    return point[1] + fraction * (following[1] - point[1])


def split_at_antimeridian(ring: Ring, jumps: Sequence[int]) -> list[Ring]:
    """A ring that crosses the 180th meridian (and back), as pieces on either side of it.

    Each piece runs from one crossing to the next and is closed along the meridian. With the
    even-odd rule the pieces fill what the ring did, even if one piece's stretch of the meridian
    contains another's: every crossing below a point of the meridian toggles inside and outside,
    and each crossing is the end of exactly one piece on each side.
    """
    start = jumps[0] + 1
    ordered = ring[start:] + ring[:start]
    count = len(ordered)
    pieces: list[Ring] = []
    current: Ring = []
    for index, point in enumerate(ordered):
        current.append(point)
        following = ordered[(index + 1) % count]
        if abs(following[0] - point[0]) > ANTIMERIDIAN:
            latitude = seam_latitude(point, following)
            side = math.copysign(ANTIMERIDIAN, point[0])
            current.append((side, latitude))
            pieces.append(current)
            current = [(-side, latitude)]
    # The last jump is the one before the ring's (rotated) start: it opens the first piece.
    pieces[0].insert(0, current[0])
    return pieces


def planar_rings(ring: Ring, report: BuildReport) -> list[Ring]:
    """The ring as rings drawable on a flat map (none for a sliver around a pole)."""
    ring, flipped = fix_seam_signs(ring)
    report.seam_points_flipped += flipped
    jumps = crossings(ring)
    if not jumps:
        return [ring]
    if all(abs(latitude) > 89.9 for _, latitude in ring):
        # world-atlas gives Antarctica a ring around the pole at 89.999 S (the spherical
        # polygon's outer ring): on the map it is a line along the bottom edge.
        report.polar_slivers_dropped += 1
        return []
    if len(jumps) == 1:
        report.polar_rings_closed += 1
        return [close_around_pole(ring, jumps[0])]
    if len(jumps) % 2 == 0:
        report.rings_split += 1
        return split_at_antimeridian(ring, jumps)
    raise ValueError(
        f"a ring crosses the 180th meridian {len(jumps)} times near {ring[jumps[0]]}: an odd"
        " number, yet it does not circle a pole"
    )


def rounded(ring: Sequence[Point]) -> Ring:
    """Coordinates to DECIMALS places, without repeated points or the closing point."""
    out: Ring = []
    for longitude, latitude in ring:
        point = (round(longitude, DECIMALS), round(latitude, DECIMALS))
        if not out or out[-1] != point:
            out.append(point)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def is_drawable(ring: Sequence[Point]) -> bool:
    return len(ring) >= 3 and ring_area(ring) != 0


# --- Label points ----------------------------------------------------------------------------


def centroid(ring: Sequence[Point]) -> Point:
    """The area-weighted centroid of a ring (the planar formula, in degrees)."""
    twice_area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        cross = x1 * y2 - x2 * y1
        twice_area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if twice_area == 0:
        return (sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring))
    return (cx / (3 * twice_area), cy / (3 * twice_area))


def row_crossings(ring: Sequence[Point], latitude: float) -> list[float]:
    """Sorted longitudes where the ring's edges cross a parallel.

    An edge counts when its ends lie on two sides (one may touch it), so a vertex counts once.
    """
    found = []
    for (x1, y1), (x2, y2) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y1 > latitude) != (y2 > latitude):
            found.append(x1 + (latitude - y1) * (x2 - x1) / (y2 - y1))
    return sorted(found)


def contains(ring: Sequence[Point], point: Point) -> bool:
    longitude, latitude = point
    return sum(1 for crossing in row_crossings(ring, latitude) if crossing < longitude) % 2 == 1


def label_point(ring: Sequence[Point]) -> tuple[Point, bool]:
    """A point inside the ring for a label or a flow's end, and whether the centroid was moved.

    The centroid, unless it falls outside the ring; then the middle of the widest stretch inside
    the ring along the centroid's parallel (or the ring's mid-latitude, if that misses it).
    """
    middle = centroid(ring)
    if contains(ring, middle):
        return middle, False
    latitudes = [latitude for _, latitude in ring]
    for latitude in (middle[1], (min(latitudes) + max(latitudes)) / 2):
        found = row_crossings(ring, latitude)
        stretches = list(zip(found[::2], found[1::2], strict=True))
        if stretches:
            west, east = max(stretches, key=lambda stretch: stretch[1] - stretch[0])
            return ((west + east) / 2, latitude), True
    return middle, True


# --- Build -----------------------------------------------------------------------------------


def feature_code(
    geometry: dict[str, Any], iso: dict[str, IsoCountry], report: BuildReport
) -> str | None:
    """The alpha-2 code a feature's shapes go to; None when it is split by polygon."""
    name = geometry.get("properties", {}).get("name", "")
    numeric = geometry.get("id")
    if numeric is not None:
        if numeric not in iso:
            report.missing_from_iso.append(f"{numeric} {name}")
            return None
        return iso[numeric].alpha_2
    if name == "Kosovo":
        return KOSOVO[0]
    if name in JOINED_FEATURES:
        return JOINED_FEATURES[name]
    if name == INDIAN_OCEAN_TERRITORIES:
        return None
    raise ValueError(f"a feature without an id that this script does not know: {name!r}")


def make_rings(
    arc_rings: Sequence[list[int]], arcs: Sequence[Ring], report: BuildReport
) -> list[Ring]:
    """Drawable planar rings from rings of arc indices; rings that vanished are counted, dropped."""
    rings: list[Ring] = []
    for arc_ring in arc_rings:
        for planar in planar_rings(ring_points(arc_ring, arcs), report):
            ring = rounded(planar)
            if is_drawable(ring):
                rings.append(ring)
            else:
                report.rings_dropped += 1
    return rings


def polygon_code(name: str, feature_alpha_2: str | None, outer_ring: Ring) -> str | None:
    """The country one polygon of a feature goes to: the feature's, unless it is moved or split."""
    if name == INDIAN_OCEAN_TERRITORIES:
        return "CX" if outer_ring[0][0] > CHRISTMAS_ISLAND_WEST_OF else "CC"
    for (from_alpha_2, inside), to_alpha_2 in MOVED_POLYGONS.items():
        if feature_alpha_2 == from_alpha_2 and contains(outer_ring, inside):
            return to_alpha_2
    return feature_alpha_2


def build_countries(
    topology: dict[str, Any], iso: dict[str, IsoCountry], report: BuildReport
) -> dict[str, Country]:
    """Every country with a shape, then the places that get a point only."""
    quantized, arcs = decode_arcs(topology)
    report.arc_points = sum(len(arc) for arc in arcs)
    simplified = [simplify_arc(arc, TOLERANCE_DEGREES) for arc in arcs]
    finer = [simplify_arc(arc, FINE_TOLERANCE_DEGREES) for arc in arcs]
    names = {entry.alpha_2: entry.name for entry in iso.values()}
    names[KOSOVO[0]] = KOSOVO[1]

    # Each country's rings of arc indices; the ring structure of polygons (outer ring, holes) is
    # not kept, since the even-odd rule draws holes from the rings alone.
    arc_rings: dict[str, list[list[int]]] = defaultdict(list)
    features_of: dict[str, set[int]] = defaultdict(set)
    for feature, geometry in enumerate(topology["objects"]["countries"]["geometries"]):
        report.features += 1
        name = geometry.get("properties", {}).get("name", "")
        feature_alpha_2 = feature_code(geometry, iso, report)
        for polygon in geometry_polygons(geometry):
            code = polygon_code(name, feature_alpha_2, ring_points(polygon[0], arcs))
            if code is not None:
                arc_rings[code].extend(polygon)
                features_of[code].add(feature)
    countries: dict[str, Country] = {}
    for code, rings_of_arcs in sorted(arc_rings.items()):
        if len(features_of[code]) > 1:
            rings_of_arcs = dissolve(rings_of_arcs, quantized)
        rings = make_rings(rings_of_arcs, simplified, report)
        if not rings:
            report.fine_tolerance.append(code)
            rings = make_rings(rings_of_arcs, finer, report) or make_rings(
                rings_of_arcs, arcs, report
            )
        if not rings:
            continue
        country = Country(code=code, name=names.get(code, code), rings=rings)
        largest = max(rings, key=ground_area)
        point, moved = label_point(largest)
        if moved:
            report.centroids_moved_inside.append(code)
        country.point = (round(point[0], DECIMALS), round(point[1], DECIMALS))
        country.point_note = "centroid of the largest ring" + (", moved inside" if moved else "")
        countries[code] = country
    for code, (longitude, latitude, place) in sorted(POINT_ONLY_PLACES.items()):
        if code in countries:
            raise ValueError(f"{code} has a shape now; take it out of POINT_ONLY_PLACES")
        countries[code] = Country(
            code=code, name=names[code], point=(longitude, latitude), point_note=place
        )
    report.written_points = sum(
        len(ring) for country in countries.values() for ring in country.rings
    )
    return dict(sorted(countries.items()))


def source_block(license_text: str) -> dict[str, str]:
    return {
        "package": WORLD_ATLAS.name,
        "version": WORLD_ATLAS.version,
        "integrity": WORLD_ATLAS.integrity,
        "file": TOPOLOGY_FILE,
        "upstream": f"Natural Earth {NATURAL_EARTH_VERSION}, Admin 0 - Countries, 1:50m",
        "upstream_url": "https://www.naturalearthdata.com/downloads/50m-cultural-vectors/",
        "licence": (
            "Natural Earth: public domain. world-atlas: ISC, "
            + license_text.strip().splitlines()[0]
        ),
        "built_by": "scripts/build_map.py",
        "simplification": f"Douglas-Peucker on shared arcs, {TOLERANCE_DEGREES} degrees",
        "coordinates": (
            f"[longitude, latitude] in degrees, {DECIMALS} decimals; rings are implicitly closed;"
            " fill a country's rings together with the even-odd rule (a ring inside another is a"
            " hole)"
        ),
    }


def write_countries(path: Path, countries: dict[str, Country], source: dict[str, str]) -> None:
    """The map file: one country a line, so that a rebuild's diff shows which shapes changed."""
    entries = []
    for code, country in countries.items():
        entry: dict[str, Any] = {"name": country.name, "point": list(country.point or ())}
        if country.rings:
            entry["polygons"] = [[list(point) for point in ring] for ring in country.rings]
        compact = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        entries.append(f"{json.dumps(code)}:{compact}")
    text = (
        '{"source":'
        + json.dumps(source, ensure_ascii=False, indent=1)
        + ',\n"countries":{\n'
        + ",\n".join(entries)
        + "\n}}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


def write_readme(
    output_dir: Path,
    countries: dict[str, Country],
    report: BuildReport,
    license_text: str,
) -> Path:
    """The README beside the map: source, licence, date, how it was built, what to know."""
    map_path = output_dir / OUTPUT_FILE
    data = map_path.read_bytes()
    shaped = [code for code, country in countries.items() if country.rings]
    point_only = [code for code, country in countries.items() if not country.rings]
    rings = sum(len(country.rings) for country in countries.values())
    row = (
        f"| `{OUTPUT_FILE}` | Country shapes and label points, keyed by ISO 3166-1 alpha-2"
        f" | {len(shaped)} with shapes ({rings:,} rings) + {len(point_only)} points only"
        f" | {len(data):,} | `{hashlib.sha256(data).hexdigest()}` |"
    )
    built = datetime.now(UTC).date().isoformat()
    places = "\n".join(
        ["  | Code | Name | Point | At |", "  |---|---|---|---|"]
        + [
            f"  | {code} | {countries[code].name} | {longitude}, {latitude} | {place} |"
            for code, (longitude, latitude, place) in sorted(POINT_ONLY_PLACES.items())
        ]
    )
    moved = ", ".join(report.centroids_moved_inside) or "none"
    fine = ", ".join(report.fine_tolerance) or "none"
    text = f"""# resources/map/

The world map the app draws. Written by `scripts/build_map.py`; do not edit by hand, run it again
(needs `npm`; a few seconds):

    python scripts/build_map.py

| File | What | Entries | Bytes | sha256 |
|---|---|---|---|---|
{row}

Built {built}.

## Source and licence

- npm package `{WORLD_ATLAS.name}`, version `{WORLD_ATLAS.version}`, tarball integrity
  `{WORLD_ATLAS.integrity}` (shasum `{WORLD_ATLAS.shasum}`); its file `{TOPOLOGY_FILE}`
  (TopoJSON, quantized arcs, ids are ISO 3166-1 numeric codes). By Mike Bostock,
  https://github.com/topojson/world-atlas.
- Upstream: Natural Earth {NATURAL_EARTH_VERSION}, Admin 0 - Countries, 1:50m
  (https://www.naturalearthdata.com/downloads/50m-cultural-vectors/). Natural Earth's terms of
  use: "All versions of Natural Earth raster + vector map data found on this website are in the
  public domain." No attribution is required; the app credits it in its About box all the same.
- world-atlas is under the ISC licence. Its `LICENSE`:

{quote(license_text)}

- Country names: ISO 3166-1, from {report.iso_source}; the `common_name` where
  it has one. Kosovo's name is ours.

## Format

```
{{"source": {{"package": ..., "version": ..., "integrity": ..., "licence": ..., ...}},
 "countries": {{
  "BR": {{"name": "Brazil", "point": [lon, lat], "polygons": [[[lon, lat], ...], ...]}},
  "GF": {{"name": "French Guiana", "point": [lon, lat]}},
  ...}}}}
```

- Coordinates are `[longitude, latitude]` in degrees (WGS 84), rounded to {DECIMALS} decimals
  (about 110 m).
- `polygons` is a flat list of rings, implicitly closed (the first point is not repeated). Holes
  (Lesotho in South Africa, San Marino and the Vatican in Italy) are rings inside rings: fill a
  country's rings together with the even-odd rule. Entries without `polygons` are points only.
- `point` is where to put a label, a marker or the end of a flow line: the area-weighted centroid
  of the country's largest ring (area weighted by the cosine of latitude to choose the largest),
  or, where the centroid falls outside that ring, the middle of the ring's widest stretch along
  the centroid's parallel (for {moved}). For point-only entries it is the place named below.

## How it was built

1. The tarball is fetched with `npm pack` and checked against the pinned integrity.
2. The arcs are decoded (delta-encoded quantized positions, scaled by the topology's transform).
3. Each arc is simplified with Douglas-Peucker at {TOLERANCE_DEGREES} degrees (about 5.5 km at
   the equator), keeping its two ends and its points on the 180th meridian. Simplifying shared
   arcs, not rings, keeps neighbours' borders identical: no slivers, no gaps.
   {report.arc_points:,} points read, {report.written_points:,} written.
4. Rings are joined from arcs. A ring that shrank to fewer than three points is dropped
   ({report.rings_dropped} dropped: islets, and the holes San Marino and the Vatican leave in
   Italy); where that would leave a country without a shape, its rings are made again at
   {FINE_TOLERANCE_DEGREES} degrees, for {fine}. Such shapes are smaller than a pixel
   on a whole-world map: the app draws a marker at their point instead.
5. Rings are made flat at the 180th meridian (below), rounded, and written one country a line.

## Caveats

- **The 180th meridian.** Most shapes in world-atlas stop at it, but two of Russia's rings
  (Chukotka and Wrangel Island) cross it and come back: d3 cuts them on the sphere when it draws.
  Here they are split into pieces on either side, each closed along the map's edge
  ({report.rings_split} rings split). world-atlas also writes +180 as -180, so the cut points of
  a Fijian island lying just west of the line sat on the far edge: every point on the meridian is
  moved to the side of its neighbours ({report.seam_points_flipped} points). Antarctica's coast
  circles the pole: it is opened at the meridian and closed along the map's bottom edge (in Equal
  Earth the pole is a line); world-atlas's ring around the pole at 89.999 S, which on a flat map
  is a line, goes. A ring crossing the meridian in any other way stops the build.
- **Features without an ISO id.** Kosovo is written as `XK` (user-assigned; the code of the
  European Commission and of geolocation databases). Northern Cyprus is joined to Cyprus (CY) and
  Somaliland to Somalia (SO): ISO 3166-1 has no code for either, and the app only ever learns a
  code. Note that IP geolocation often places North Cyprus networks in Turkey (TR). The Siachen
  Glacier is joined to India (IN), which holds it. Natural Earth's "Indian Ocean Territories" are
  split into Christmas Island (CX) and the Cocos (Keeling) Islands (CC). Where features are
  joined, the border between them is removed. Australia's two features (the mainland and Ashmore
  and Cartier Islands) are one entry.
- **Crimea** is moved from Russia, where Natural Earth (showing de facto control) draws it, to
  Ukraine (UA): ISO 3166-2 lists it as Ukraine's (UA-43, Sevastopol UA-40), as does UN General
  Assembly resolution 68/262, and this file is keyed by ISO 3166 throughout. Geolocation
  databases disagree on Crimean networks; the app shows what the database answers.
- **Points only.** These have no shape at 1:50m, or their shape is part of another's in
  world-atlas: France's overseas departments (GF, GP, MQ, RE, YT) are in France's (French Guiana
  is drawn in France's colour) and Svalbard in Norway's. The app marks them, when they have data,
  at the point below (the capital, or the main settlement).

{places}
- **Boundaries are Natural Earth's**, which show de facto control and its own choices on disputed
  areas; they are not an endorsement. Taiwan is `TW`, Western Sahara `EH`, Palestine `PS`.
- **Antarctica** (`AQ`) is in the file; the app may leave it off the map to save space.
- Small island states keep only their larger islands at this tolerance, and the smallest places
  (Vatican, Monaco, San Marino, Nauru) are a few points each.
"""
    path = output_dir / "README.md"
    path.write_text(text, encoding="utf-8")
    return path


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        help="where countries.json and README.md go (default: resources/map of this checkout)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help=f"where the npm tarball is kept between builds (default: {DEFAULT_CACHE_DIR})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    tarball = fetch(WORLD_ATLAS, arguments.cache_dir)
    print(f"{WORLD_ATLAS.spec}: {tarball} ({WORLD_ATLAS.integrity})")
    topology = json.loads(read_member(tarball, TOPOLOGY_FILE))
    license_text = read_member(tarball, "LICENSE").decode("utf-8")
    iso, iso_source = iso_countries()
    report = BuildReport(iso_source=iso_source)
    countries = build_countries(topology, iso, report)
    if report.missing_from_iso:
        sys.exit(f"ISO numeric codes not in {iso_source}: {', '.join(report.missing_from_iso)}")
    unmapped = sorted({entry.alpha_2 for entry in iso.values()} - countries.keys())
    output_dir: Path = arguments.output_dir
    write_countries(output_dir / OUTPUT_FILE, countries, source_block(license_text))
    readme = write_readme(output_dir, countries, report, license_text)
    shaped = sum(1 for country in countries.values() if country.rings)
    print(
        f"{len(countries)} entries ({shaped} with shapes) from {report.features} features;"
        f" {report.arc_points:,} points read, {report.written_points:,} written,"
        f" {report.rings_dropped} rings dropped; {report.seam_points_flipped} seam points flipped,"
        f" {report.polar_rings_closed} polar rings closed, {report.rings_split} rings split at the"
        f" 180th meridian; at the fine tolerance: {', '.join(report.fine_tolerance) or 'none'};"
        " centroids moved inside:"
        f" {', '.join(report.centroids_moved_inside) or 'none'}"
    )
    if unmapped:
        print(f"ISO 3166-1 codes not on the map: {', '.join(unmapped)}")
    size = (output_dir / OUTPUT_FILE).stat().st_size
    print(f"wrote {output_dir / OUTPUT_FILE} ({size:,} bytes) and {readme}")


if __name__ == "__main__":
    main()
