"""Country names for codes, from the map data shipped in resources/map (ISO 3166 names)."""

from __future__ import annotations

import functools
import json

from borderless.paths import resources_dir

# Shorter or more familiar forms of some ISO names, for sentences a person reads.
_COMMON_NAMES = {
    "RU": "Russia",
    "KR": "South Korea",
    "KP": "North Korea",
    "IR": "Iran",
    "SY": "Syria",
    "VN": "Vietnam",
    "TW": "Taiwan",
    "BO": "Bolivia",
    "VE": "Venezuela",
    "TZ": "Tanzania",
    "MD": "Moldova",
    "LA": "Laos",
    "GB": "the United Kingdom",
    "US": "the United States",
    "NL": "the Netherlands",
    "AE": "the United Arab Emirates",
    "PH": "the Philippines",
    "CZ": "Czechia",
    "KY": "the Cayman Islands",
    "VG": "the British Virgin Islands",
}


@functools.cache
def _names() -> dict[str, str]:
    path = resources_dir() / "map" / "countries.json"
    try:
        countries = json.loads(path.read_text(encoding="utf-8"))["countries"]
    except (OSError, ValueError, KeyError):
        return {}
    return {code: str(entry.get("name") or code) for code, entry in countries.items()}


def country_name(code: str | None, *, in_sentence: bool = True) -> str:
    """The name of a country ("Brazil", "the United States"; "United States" for a table
    cell when not `in_sentence`), or the code when it names none known."""
    if not code:
        return "an unknown country" if in_sentence else ""
    name = _COMMON_NAMES.get(code) or _names().get(code, code)
    return name if in_sentence else name.removeprefix("the ")
