"""Figures every report format shows alike, from the report's content alone (no Qt): the
headline in the window's words, and the visits per legal home behind the first map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from borderless.geography import country_name

Content = Mapping[str, Any]
# Attributions whose legal home is a fact of the catalogue, not a guess.
ATTRIBUTED = ("established", "named")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _rows(value: object) -> list[dict[str, Any]]:
    """The objects of a list (a missing or malformed section is an empty one)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value)


def headline(content: Content) -> tuple[str, str]:
    """The report's point in one sentence and the counts behind it (plain text).

    The same words as the window's headline (gui/main_window.py `headline_text`), written from
    the report's totals so that no Qt is needed.
    """
    totals = _dict(content.get("totals"))
    if not _int(totals.get("visits")):
        return ("Nothing scanned yet.", "Scan your browsers, or open the demo persona.")
    share = _dict(totals.get("voluntary_cross_border_share"))
    home = content.get("home_country") or None
    home_name = country_name(home) if home else "your country"
    parts = []
    foreign = share.get("foreign_legal_home_share")
    if home is None:
        sentence = (
            "No home country is known, so nothing counts as abroad: set one with "
            "borderless scan --home CC."
        )
    else:
        if isinstance(foreign, int | float):
            parts.append(
                f"{foreign:.0%} of the sites you chose to visit are run by companies based "
                f"outside {home_name}"
            )
        servers = share.get("servers_abroad_share")
        if isinstance(servers, int | float):
            parts.append(f"{servers:.0%} answered from servers abroad")
        sentence = "; ".join(parts) + "." if parts else "No visit could be attributed yet."
    source = content.get("home_country_source")
    if home and source in ("timezone", "locale"):
        # A guess is never presented as the person's choice.
        sentence += (
            f" (Home is {country_name(home, in_sentence=False)}, guessed from the "
            f"{'time zone' if source == 'timezone' else 'language settings'} of the computer "
            "that wrote this report.)"
        )
    period = _dict(content.get("period"))
    first = str(period.get("first_visit") or "")[:10]
    last = str(period.get("last_visit") or "")[:10]
    unknown = _int(share.get("suggested_visits")) + _int(share.get("unattributed_visits"))
    located = _int(share.get("located_visits"))
    detail = (
        f"{_int(share.get('user_initiated_visits')):,} visits you started, {first} to {last}: "
        f"{_int(share.get('attributed_visits')):,} to platforms whose owner is known"
        f" ({_int(share.get('foreign_legal_home_visits')):,} abroad), {unknown:,} not attributed; "
        + (
            f"servers placed for {located:,}."
            if located
            else "server locations not looked up yet (offline, or not resolved)."
        )
    )
    return sentence, detail


def legal_homes(content: Content) -> dict[str, tuple[int, int | None]]:
    """Visits and platforms per legal home, attributed platforms only, with visits.

    From the report's own `legal_homes`; a content dict without rows there (written by hand, or
    by an older version) is summed from its platforms, else its owners, else its legal-home
    flows. The platform count is None where the content does not give it.
    """
    found: dict[str, tuple[int, int | None]] = {}
    if rows := _rows(content.get("legal_homes")):
        for row in rows:
            if row.get("country"):
                found[str(row["country"])] = (_int(row.get("visits")), _int(row.get("platforms")))
    elif platforms := _rows(content.get("platforms")):
        for platform in platforms:
            home = platform.get("legal_home")
            if home and platform.get("attribution") in ATTRIBUTED:
                visits, count = found.get(str(home), (0, 0))
                found[str(home)] = (visits + _int(platform.get("visits")), (count or 0) + 1)
    elif owners := _rows(content.get("owners")):
        for owner in owners:
            home = owner.get("legal_home")
            if home:
                visits, _ = found.get(str(home), (0, None))
                found[str(home)] = (visits + _int(owner.get("visits")), None)
    else:
        for flow in _rows(content.get("flows")):
            if flow.get("kind") == "legal_home" and flow.get("to"):
                visits, _ = found.get(str(flow["to"]), (0, None))
                found[str(flow["to"])] = (visits + _int(flow.get("visits")), None)
    return {code: entry for code, entry in found.items() if entry[0] > 0}


def legal_home_visits(content: Content) -> dict[str, int]:
    """Visits per legal home (see `legal_homes`)."""
    return {code: visits for code, (visits, _) in legal_homes(content).items()}
