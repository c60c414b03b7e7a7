"""DNS over HTTPS: a browser that sends its lookups encrypted to a resolver of its own bypasses the
local DNS logs and captures, so DNS evidence for it is incomplete. Read from the profile's own
settings, never changed.

- Firefox keeps `network.trr.mode` in the profile's `prefs.js`: 2 means DoH first with the
  system resolver as fallback, 3 means DoH only; 0 (the default) and 5 mean off (Mozilla may
  still turn DoH on by default in some countries, which prefs.js does not show).
- Chromium-family browsers keep `dns_over_https.mode` in the user-data folder's `Local State`:
  "secure" means DoH only; "automatic" means DoH whenever the system's resolver offers it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from borderless.model import Source, SourceKind

_TRR_MODE = re.compile(r'user_pref\("network\.trr\.mode",\s*(\d+)\)')


def _firefox(profile: Path) -> str | None:
    try:
        text = (profile / "prefs.js").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = _TRR_MODE.findall(text)
    mode = int(found[-1]) if found else 0
    if mode == 2:
        return "Firefox uses DNS over HTTPS first (network.trr.mode 2)"
    if mode == 3:
        return "Firefox uses DNS over HTTPS only (network.trr.mode 3)"
    return None


def _chromium(profile: Path) -> str | None:
    for folder in (profile.parent, profile):  # Local State sits in the user-data folder
        try:
            state = json.loads((folder / "Local State").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        settings = state.get("dns_over_https") if isinstance(state, dict) else None
        mode = settings.get("mode") if isinstance(settings, dict) else None
        if mode == "secure":
            return "the browser's secure DNS is on (DNS over HTTPS only)"
        if mode == "automatic":
            return (
                "the browser's secure DNS is automatic (DNS over HTTPS when the resolver offers it)"
            )
        return None
    return None


def doh_blind_spot(source: Source) -> str | None:
    """Why DNS evidence misses this history source's lookups, or None when nothing says so."""
    profile = source.path.parent
    if source.kind is SourceKind.FIREFOX:
        return _firefox(profile)
    if source.kind is SourceKind.CHROMIUM:
        return _chromium(profile)
    return None
