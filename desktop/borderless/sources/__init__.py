"""Readers of local evidence. They read copies, never the originals, and never touch the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from borderless.model import SourceKind
from borderless.sources import chromium, firefox, safari
from borderless.sources.errors import SourceError
from borderless.sources.history import HistoryQuery

__all__ = ["SourceError", "HistoryQuery", "history_reader"]

_READERS: dict[SourceKind, Callable[[sqlite3.Connection], HistoryQuery]] = {
    SourceKind.CHROMIUM: chromium.history_query,
    SourceKind.FIREFOX: firefox.history_query,
    SourceKind.SAFARI: safari.history_query,
}


def history_reader(kind: SourceKind) -> Callable[[sqlite3.Connection], HistoryQuery]:
    """The function that checks a snapshot of `kind` and returns the SQL that reads it."""
    return _READERS[kind]
