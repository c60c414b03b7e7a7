"""Chromium-family history (`History`): tables `urls`, `visits` and `visit_source`.

Facts this reader relies on (Chromium's ``ui/base/page_transition_types.h`` and
``components/history/core/browser/history_types.h``):
- ``visits.visit_time`` counts microseconds since 1601-01-01 UTC.
- ``transition & 0xFF`` is the core type; the high bits qualify it. A navigation that goes through
  redirects writes one row per hop: the first carries CHAIN_START, the last CHAIN_END, the hops in
  between SERVER_REDIRECT or CLIENT_REDIRECT. An http-to-https upgrade alone writes two rows. Every
  row of a chain carries the core type of the navigation that began it.
- ``visit_source.source`` is 0 for visits synced from another device (1 browsed here, 2 extension,
  3-5 imported from another browser); most visits have no row there at all.
"""

from __future__ import annotations

import sqlite3

from borderless.model import Transition
from borderless.sources.history import (
    HistoryQuery,
    require_columns,
    table_columns,
    transition_case,
)

LABEL = "Chromium"
UNIX_EPOCH_OFFSET_US = 11_644_473_600_000_000  # 1601-01-01 to 1970-01-01 in microseconds
CHAIN_START = 0x10000000
CHAIN_END = 0x20000000
CLIENT_REDIRECT = 0x40000000
SERVER_REDIRECT = 0x80000000
CHAIN_AND_REDIRECT_BITS = CHAIN_START | CHAIN_END | CLIENT_REDIRECT | SERVER_REDIRECT
SOURCE_SYNCED = 0

CORE_TRANSITIONS = {
    0: Transition.LINK,
    1: Transition.TYPED,
    2: Transition.BOOKMARK,
    3: Transition.SUBFRAME,  # AUTO_SUBFRAME: a frame the page loaded by itself
    4: Transition.FRAMED_LINK,  # MANUAL_SUBFRAME: the person followed a link inside a frame
    5: Transition.GENERATED,
    6: Transition.AUTO_TOPLEVEL,
    7: Transition.FORM_SUBMIT,
    8: Transition.RELOAD,
    9: Transition.KEYWORD,
    10: Transition.KEYWORD_GENERATED,
}


def history_query(connection: sqlite3.Connection) -> HistoryQuery:
    """Check a snapshot's schema and return the SQL that reads it.

    Raises:
        SourceError: the database is not a Chromium history or lacks the needed columns.
    """
    require_columns(connection, LABEL, "urls", {"id", "url"})
    visit_columns = require_columns(connection, LABEL, "visits", {"id", "url", "visit_time"})
    transition = "v.transition" if "transition" in visit_columns else "0"

    synced_terms = []
    if {"id", "source"} <= table_columns(connection, "visit_source"):
        # visit_source is small; a lookup per visit through a join would cost more than the rest.
        synced_terms.append(
            f"v.id IN (SELECT id FROM {{src}}.visit_source WHERE source = {SOURCE_SYNCED})"
        )
    if "originator_cache_guid" in visit_columns:
        # Newer Chromium marks visits it received from another device with that device's id.
        synced_terms.append("coalesce(v.originator_cache_guid, '') != ''")
    synced = " OR ".join(synced_terms) or "0"
    core = f"({transition} & 255)"

    # The last row of a chain, or a row that belongs to no chain at all (old or imported data).
    counted = (
        f"(({transition} & {CHAIN_END}) != 0 OR ({transition} & {CHAIN_AND_REDIRECT_BITS}) = 0)"
        " AND v.visit_time > 0"
    )
    # NOT INDEXED: read the visits in the order they were written (by time), which is both the
    # quickest scan and the order the audit's unique index takes new rows at its end.
    visits = f"""
        SELECT v.id AS source_visit_id,
               v.visit_time - {UNIX_EPOCH_OFFSET_US} AS visited_at_us,
               v.url AS url_id,
               {transition_case(core, CORE_TRANSITIONS)} AS transition,
               ({synced}) AS synced
        FROM {{src}}.visits AS v NOT INDEXED
        WHERE {counted}
    """
    return HistoryQuery(
        prepare=(),
        urls="SELECT id AS url_id, url FROM {src}.urls",
        visits=visits,
        counted=f"SELECT v.url AS url_id FROM {{src}}.visits AS v WHERE {counted}",
        rows="SELECT count(*) FROM {src}.visits",
    )
