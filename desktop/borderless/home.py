"""The person's home country: chosen by them, or guessed from the system locale until they do."""

from __future__ import annotations

import locale
import os
import re

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


def home_country(store: Store) -> str | None:
    """The country the person set, else the locale's guess, else None."""
    return store.setting(HOME_SETTING) or locale_country()


def home_country_source(store: Store) -> str | None:
    """Where home_country() came from: "set" by the person, guessed from the "locale", or None."""
    if store.setting(HOME_SETTING):
        return "set"
    return "locale" if locale_country() else None
