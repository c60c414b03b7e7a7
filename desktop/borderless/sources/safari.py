"""Safari history (`History.db`): tables `history_items` and `history_visits`.

Facts this reader relies on (the schema Safari's SafariShared framework creates, as recorded by
plaso's ``safari_history`` plugin and in dumps of macOS 26 databases; see
``tests/fixtures/safari/README.md``):
- ``history_items`` holds one row per URL; ``history_visits.history_item`` points at it.
- ``history_visits.visit_time`` is a REAL number of seconds since 2001-01-01 UTC (Apple's
  reference date, 978 307 200 seconds after 1970).
- A navigation through redirects writes one visit per hop: a hop that redirected names the next
  with ``redirect_destination``, and the next names it back with ``redirect_source``. The chain
  counts once, at its final page, the visit with no (surviving) destination.
- ``origin`` is 0 for a visit made on this Mac and 1 for one iCloud brought from another device.
- Safari keeps no transition types (typed, bookmark, link...): every counted visit is a "link",
  the neutral kind a person starts. Only the final page of a redirect chain whose first hop is
  gone is a "redirect" (the browser's doing, as far as we know), as for Firefox.
- Failed loads (``load_successful = 0``) and visits Safari rebuilt from an older history format
  (``synthesized = 1``) are counted: the browser still went, or tried to go, to that host.

Safari 17 and later keep one database per profile: the first in ``~/Library/Safari``, the others in
``Profiles/<UUID>/`` of Safari's container, named in ``SafariTabs.db`` (see ``discovery.py``).
macOS protects all of them: a program reads them only once the person has granted it Full Disk
Access, and the refusal arrives as a PermissionError when the file is copied.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from borderless.model import Transition
from borderless.sources.history import HistoryQuery, require_columns

LABEL = "Safari"
HISTORY_FILE = "History.db"
APPLE_EPOCH_OFFSET_US = 978_307_200_000_000  # 1970-01-01 to 2001-01-01 in microseconds
ORIGIN_THIS_DEVICE = 0
# The folder names Safari's databases live under: ~/Library/Safari, ~/Library/
# SafariTechnologyPreview, and .../Containers/com.apple.Safari/Data/Library/Safari/Profiles/<UUID>.
SAFARI_FOLDERS = frozenset({"Safari", "SafariTechnologyPreview"})

FULL_DISK_ACCESS_HELP = (
    "Safari's history is protected by macOS: open System Settings → Privacy & Security → "
    "Full Disk Access and allow Borderless (or your terminal), then scan again."
)


def is_safari_history(path: Path) -> bool:
    """Whether `path` looks like one of Safari's own history databases (by its place)."""
    return path.name == HISTORY_FILE and not SAFARI_FOLDERS.isdisjoint(path.parts)


def permission_message(path: Path) -> str:
    """What to tell a person whose Mac refused Borderless the Safari history at `path`."""
    return f"{path}: {FULL_DISK_ACCESS_HELP}"


def history_query(connection: sqlite3.Connection) -> HistoryQuery:
    """Check a snapshot's schema and return the SQL that reads it.

    Raises:
        SourceError: the database is not a Safari history or lacks the needed columns.
    """
    require_columns(connection, LABEL, "history_items", {"id", "url"})
    visit_columns = require_columns(
        connection, LABEL, "history_visits", {"id", "history_item", "visit_time"}
    )
    # Every Safari since the SQLite history (2015) has these; a damaged or foreign file may not.
    has_chains = {"redirect_source", "redirect_destination"} <= visit_columns
    synced = f"coalesce(v.origin, {ORIGIN_THIS_DEVICE}) != {ORIGIN_THIS_DEVICE}"
    if "origin" not in visit_columns:
        synced = "0"

    counted = "v.visit_time > 0"
    transition = f"'{Transition.LINK.value}'"
    if has_chains:
        # A hop that redirected elsewhere counts at the chain's end instead, if that end is
        # there. The lookups run only for the few visits that are part of a chain.
        counted += (
            " AND (v.redirect_destination IS NULL OR NOT EXISTS ("
            "SELECT 1 FROM {src}.history_visits AS d WHERE d.id = v.redirect_destination))"
        )
        transition = (
            "(CASE WHEN v.redirect_source IS NULL OR EXISTS ("
            "SELECT 1 FROM {src}.history_visits AS s WHERE s.id = v.redirect_source)"
            f" THEN '{Transition.LINK.value}' ELSE '{Transition.REDIRECT.value}' END)"
        )
    # visit_time is REAL seconds: round to whole microseconds, the store's unit.
    visited_at = f"CAST(round(v.visit_time * 1000000) AS INTEGER) + {APPLE_EPOCH_OFFSET_US}"
    # NOT INDEXED: read the visits in the order they were written (by time), which is both the
    # quickest scan and the order the audit's unique index takes new rows at its end.
    visits = f"""
        SELECT v.id AS source_visit_id,
               {visited_at} AS visited_at_us,
               v.history_item AS url_id,
               {transition} AS transition,
               ({synced}) AS synced
        FROM {{src}}.history_visits AS v NOT INDEXED
        WHERE {counted}
    """
    return HistoryQuery(
        prepare=(),
        urls="SELECT id AS url_id, url FROM {src}.history_items",
        visits=visits,
        counted=f"SELECT v.history_item AS url_id FROM {{src}}.history_visits AS v WHERE {counted}",
        rows="SELECT count(*) FROM {src}.history_visits",
    )
