"""What a browser history reader hands over: queries over a snapshot, not rows.

A history of a million visits is read fastest by SQLite itself: the store attaches the snapshot and
copies the visits with one ``INSERT ... SELECT``, three times quicker than passing each row through
Python. So a reader does not yield visits; it checks the snapshot's schema and returns the SQL that
reads it in one vocabulary. Readers know browsers; the store knows only this contract.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from borderless.model import Transition
from borderless.sources.errors import SourceError


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """SQL over a snapshot attached as schema ``{src}``; temporary tables are named ``{tmp}_*``.

    Attributes:
        prepare: statements to run first, such as building temporary tables.
        urls: a SELECT of ``url_id, url`` for every URL the visits point at.
        visits: a SELECT of ``source_visit_id, visited_at_us, url_id, transition, synced``;
            one row per visit a person would count (a redirect chain once, at its final page),
            times in microseconds since 1970 UTC.
        counted: a SELECT of ``url_id`` for the same visits, without the work of classifying
            them, for counting.
        rows: a SELECT of one number, the raw rows of the browser's visits table.
    """

    prepare: tuple[str, ...]
    urls: str
    visits: str
    counted: str
    rows: str


def transition_case(expression: str, names: Mapping[int, Transition]) -> str:
    """SQL that turns a browser's numeric transition into our vocabulary's name."""
    branches = " ".join(f"WHEN {code} THEN '{name.value}'" for code, name in names.items())
    return f"(CASE {expression} {branches} ELSE '{Transition.OTHER.value}' END)"


def table_columns(connection: sqlite3.Connection, table: str) -> set[str]:
    """The column names of `table` in the main schema (empty when there is no such table)."""
    return {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}


def require_columns(
    connection: sqlite3.Connection, label: str, table: str, needed: set[str]
) -> set[str]:
    """The columns of `table`, or a SourceError naming what a database of this kind lacks."""
    try:
        columns = table_columns(connection, table)
    except sqlite3.DatabaseError as error:
        raise SourceError(f"the database cannot be read ({error})") from error
    if not columns:
        raise SourceError(f"not a {label} history database (no table {table})")
    missing = needed - columns
    if missing:
        raise SourceError(
            f"unexpected {label} history schema (table {table} lacks {', '.join(sorted(missing))})"
        )
    return columns
