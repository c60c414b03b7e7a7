"""Firefox-family history (`places.sqlite`): tables `moz_places` and `moz_historyvisits`.

Facts this reader relies on (Firefox's ``toolkit/components/places/nsINavHistoryService.idl``):
- ``visit_date`` counts microseconds since 1970-01-01 UTC.
- ``visit_type``: 1 link, 2 typed, 3 bookmark, 4 embed, 5 permanent redirect, 6 temporary
  redirect, 7 download, 8 framed link, 9 reload.
- A page reached through a redirect is visited with type 5 or 6 and points back at the visit that
  redirected with ``from_visit``. The chain counts once, at its final page, as the kind of visit
  that began it (walk ``from_visit`` back past the redirects).
"""

from __future__ import annotations

import sqlite3

from borderless.model import Transition
from borderless.sources.history import (
    HistoryQuery,
    require_columns,
    transition_case,
)

LABEL = "Firefox"
REDIRECT_TYPES = (5, 6)
_MAX_CHAIN = 32  # a guard against from_visit cycles in a damaged database
EXCLUDED = -1

VISIT_TYPES = {
    1: Transition.LINK,
    2: Transition.TYPED,
    3: Transition.BOOKMARK,
    4: Transition.EMBED,
    5: Transition.REDIRECT,  # only where the chain's start is gone
    6: Transition.REDIRECT,
    7: Transition.DOWNLOAD,
    8: Transition.FRAMED_LINK,
    9: Transition.RELOAD,
}


def history_query(connection: sqlite3.Connection) -> HistoryQuery:
    """Check a snapshot's schema and return the SQL that reads it.

    Raises:
        SourceError: the database is not a Firefox history or lacks the needed columns.
    """
    require_columns(connection, LABEL, "moz_places", {"id", "url"})
    require_columns(
        connection,
        LABEL,
        "moz_historyvisits",
        {"id", "from_visit", "place_id", "visit_date", "visit_type"},
    )
    redirects = ", ".join(str(code) for code in REDIRECT_TYPES)
    # One small table answers both questions a visit may raise, with one lookup per visit:
    # did it redirect elsewhere (EXCLUDED: the chain counts at its end instead), and, for the
    # final page of a chain, what kind of visit began the chain.
    prepare = (
        "CREATE TABLE {tmp}_chain (id INTEGER PRIMARY KEY, start_type INTEGER NOT NULL)",
        f"""INSERT OR IGNORE INTO {{tmp}}_chain
            SELECT from_visit, {EXCLUDED} FROM {{src}}.moz_historyvisits
            WHERE visit_type IN ({redirects}) AND from_visit > 0""",
        f"""INSERT OR IGNORE INTO {{tmp}}_chain
            WITH RECURSIVE walk(visit_id, ancestor, ancestor_type, depth) AS (
                SELECT id, from_visit, visit_type, 0 FROM {{src}}.moz_historyvisits
                WHERE visit_type IN ({redirects})
                    AND id NOT IN (SELECT id FROM {{tmp}}_chain)
                UNION ALL
                SELECT walk.visit_id, parent.from_visit, parent.visit_type, walk.depth + 1
                FROM walk JOIN {{src}}.moz_historyvisits AS parent ON parent.id = walk.ancestor
                WHERE walk.ancestor_type IN ({redirects}) AND walk.depth < {_MAX_CHAIN}
            )
            SELECT visit_id, ancestor_type FROM walk WHERE ancestor_type NOT IN ({redirects})""",
    )
    chain_join = "LEFT JOIN {tmp}_chain AS c ON c.id = v.id"
    counted = f"coalesce(c.start_type, 0) != {EXCLUDED} AND v.visit_date > 0"
    # A redirect whose chain start is gone stays a redirect: the browser's doing, as far as we know.
    code = "coalesce(c.start_type, v.visit_type)"
    # NOT INDEXED: read the visits in the order they were written (by time), which is both the
    # quickest scan and the order the audit's unique index takes new rows at its end.
    visits = f"""
        SELECT v.id AS source_visit_id,
               v.visit_date AS visited_at_us,
               v.place_id AS url_id,
               {transition_case(code, VISIT_TYPES)} AS transition,
               0 AS synced
        FROM {{src}}.moz_historyvisits AS v NOT INDEXED {chain_join}
        WHERE {counted}
    """
    return HistoryQuery(
        prepare=prepare,
        urls="SELECT id AS url_id, url FROM {src}.moz_places",
        visits=visits,
        counted=(
            "SELECT v.place_id AS url_id FROM {src}.moz_historyvisits AS v"
            f" {chain_join} WHERE {counted}"
        ),
        rows="SELECT count(*) FROM {src}.moz_historyvisits",
    )
