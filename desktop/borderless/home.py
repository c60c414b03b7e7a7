"""The person's home country: chosen by them, or guessed from the system locale until they do."""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import locale
import os
import re
from pathlib import Path
from typing import Any

from borderless.store import Store

HOME_SETTING = "home_country"
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
# Not countries: "user-assigned" and exceptionally reserved codes a locale may still carry.
_NOT_COUNTRIES = {"AA", "QM", "QN", "QO", "QP", "QQ", "QR", "QS", "QT", "QU", "QV", "QW", "QX",
                  "QY", "QZ", "XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XI", "XJ", "XL",
                  "XM", "XN", "XO", "XP", "XQ", "XR", "XS", "XT", "XU", "XV", "XW", "XX", "XY",
                  "XZ", "ZZ", "EU", "UN"}  # fmt: skip


def normalise_country(text: str) -> str:
    """An ISO 3166-1 alpha-2 code in upper case.

    Raises:
        ValueError: `text` is not two letters naming a country.
    """
    code = text.strip().upper()
    if not _COUNTRY_CODE.match(code) or code in _NOT_COUNTRIES:
        raise ValueError(f"{text!r} is not a two-letter country code (ISO 3166-1), like BR or JP")
    return code


def locale_country() -> str | None:
    """The territory of the system locale (``pt_BR.UTF-8`` gives BR), if there is one."""
    candidates = [os.environ.get(name) for name in ("LC_ALL", "LC_MESSAGES", "LANG")]
    try:
        candidates.append(locale.getlocale()[0])
    except ValueError:
        pass
    for candidate in candidates:
        if not candidate:
            continue
        match = re.match(r"^[a-zA-Z]{2,3}[_-]([A-Za-z]{2})\b", candidate)
        if match:
            try:
                return normalise_country(match.group(1))
            except ValueError:
                continue
    return None


def system_time_zone() -> str | None:
    """The IANA name of the system's time zone (``America/Sao_Paulo``), where the system says."""
    if os.environ.get("TZ", "").strip(":"):
        return os.environ["TZ"].strip(":")
    for path in (Path("/etc/timezone"),):
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError:
            continue
        if text:
            return text
    try:
        target = os.readlink("/etc/localtime")  # a link into the zoneinfo folder on Unix
    except OSError:
        return None
    _, marker, name = target.partition("zoneinfo/")
    return name if marker else None


@functools.cache
def _zone_countries() -> dict[str, str]:
    """Time zone name -> country, from the tz database's zone.tab (the system's, or that of
    the tzdata package where the system has none, as on Windows)."""
    candidates: list[Any] = [Path("/usr/share/zoneinfo/zone.tab")]
    with contextlib.suppress(ModuleNotFoundError):
        candidates.append(importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab")
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        table = {}
        for line in text.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) >= 3:
                table[parts[2]] = parts[0]
        return table
    return {}


def time_zone_country() -> str | None:
    """The country of the system's time zone (``Europe/Berlin`` gives DE), if it names one.

    UTC and the other Etc/ zones name no country."""
    zone = system_time_zone()
    if not zone:
        return None
    country = _zone_countries().get(zone)
    try:
        return normalise_country(country) if country else None
    except ValueError:
        return None


def detected_country() -> tuple[str | None, str | None]:
    """The home country the system suggests, and from what: the time zone first (many machines
    keep the US-English locale wherever they are), else the locale's territory."""
    if (country := time_zone_country()) is not None:
        return country, "timezone"
    if (country := locale_country()) is not None:
        return country, "locale"
    return None, None


def home_country(store: Store) -> str | None:
    """The country the person set, else the system's suggestion, else None."""
    return store.setting(HOME_SETTING) or detected_country()[0]


def home_country_source(store: Store) -> str | None:
    """Where home_country() came from: "set" by the person, guessed from the "timezone" or the
    "locale", or None."""
    if store.setting(HOME_SETTING):
        return "set"
    return detected_country()[1]
