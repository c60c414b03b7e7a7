"""The one place that wires sources to the store. The CLI and the app both scan through here."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from borderless.domains import host_of_authority, strip_credentials
from borderless.model import ScanResult, Source, SourceOutcome
from borderless.sources import SourceError, history_reader
from borderless.sources.snapshot import (
    describe_database_error,
    fingerprint,
    open_read_only,
    snapshot,
)
from borderless.store import MAX_ATTACHED_SOURCES, Store


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a scan is: `done` of `total` sources finished, and what it is doing now."""

    done: int
    total: int
    stage: str


ProgressCallback = Callable[[Progress], None]
CancelledCallback = Callable[[], bool]


# How many SQLite steps pass between two looks at the cancel flag: about a millisecond's work.
CANCEL_CHECK_STEPS = 20_000


class ScanCancelledError(Exception):
    """The person cancelled; the transaction in progress was rolled back."""


def _import_source(
    store: Store,
    scan_id: int,
    source: Source,
    source_id: int,
    keep_urls: bool,
    cancelled: CancelledCallback | None,
    snapshots: contextlib.ExitStack,
) -> SourceOutcome:
    """Read one source into the store. Raises SourceError with the source named.

    The snapshot joins `snapshots`: the store keeps it attached until its transaction ends, and
    some systems refuse to delete a file that is still open.
    """
    copy = snapshots.enter_context(snapshot(source.path))
    try:
        connection = open_read_only(copy)
        try:
            query = history_reader(source.kind)(connection)
        finally:
            connection.close()
        clean_url = strip_credentials if keep_urls else None
        if cancelled is not None:
            # Only the import itself may be interrupted: the bookkeeping around it must run.
            store.set_progress_handler(lambda: int(cancelled()), every=CANCEL_CHECK_STEPS)
        try:
            counts = store.import_history(
                source_id, scan_id, copy, query, host_of_authority, clean_url
            )
        finally:
            store.set_progress_handler(None)
    except SourceError as error:
        raise SourceError(f"{source.path}: {error}") from error
    except sqlite3.OperationalError as error:
        # An interrupt can surface as another error (an ATTACH cut short cannot open).
        if "interrupted" in str(error) or (cancelled is not None and cancelled()):
            raise ScanCancelledError from error
        raise SourceError(f"{source.path}: {describe_database_error(error)}") from error
    except sqlite3.DatabaseError as error:
        raise SourceError(f"{source.path}: {describe_database_error(error)}") from error
    return SourceOutcome(
        source=source,
        visits_read=counts.read,
        visits_added=counts.added,
        visits_skipped=counts.skipped,
    )


def scan(
    store: Store,
    sources: Sequence[Source],
    *,
    keep_urls: bool = False,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
) -> ScanResult:
    """Read every source into the store; a source that fails is reported and skipped.

    Sources are read in groups of up to MAX_ATTACHED_SOURCES, each group in one transaction
    (SQLite attaches no more databases at once). Cancelling rolls back the group in progress;
    groups already finished stay stored.

    Args:
        store: the audit to add to.
        sources: the history databases to read.
        keep_urls: store full URLs (without credentials) as well as hosts.
        progress: told before each source and at the end.
        cancelled: polled often; returning True stops the scan within a fraction of a second.
    """
    scan_id = store.begin_scan()
    result = ScanResult(scan_id=scan_id)
    done = 0

    def report(stage: str) -> None:
        if progress is not None:
            progress(Progress(done, len(sources), stage))

    status = "failed"  # unless the loop below ends normally or by cancelling
    try:
        for start in range(0, len(sources), MAX_ATTACHED_SOURCES):
            group = sources[start : start + MAX_ATTACHED_SOURCES]
            outcomes: list[SourceOutcome] = []
            with contextlib.ExitStack() as snapshots, store.transaction():
                for source in group:
                    if cancelled is not None and cancelled():
                        raise ScanCancelledError
                    report(f"Reading {source.browser} ({source.profile})")
                    source_id = store.source_id(source)
                    state = json.dumps(fingerprint(source.path))
                    if (last := store.unchanged_source(source_id, state)) is not None:
                        read, skipped = last
                        outcome = SourceOutcome(source, read, 0, skipped, unchanged=True)
                    else:
                        try:
                            with store.savepoint():
                                outcome = _import_source(
                                    store, scan_id, source, source_id, keep_urls, cancelled,
                                    snapshots,
                                )  # fmt: skip
                        except SourceError as error:
                            outcome = SourceOutcome(source=source, error=str(error))
                    good = outcome.error is None
                    store.record_source_status(
                        source_id,
                        outcome.error,
                        fingerprint=state if good else None,
                        visits_read=outcome.visits_read if good else None,
                        visits_skipped=outcome.visits_skipped if good else None,
                    )
                    outcomes.append(outcome)
                    done += 1
            result.outcomes.extend(outcomes)
        status = "complete"
    except ScanCancelledError:
        result.cancelled = True
        status = "cancelled"
    finally:
        store.finish_scan(
            scan_id,
            status,
            visits_added=result.visits_added,
            sources_read=len(result.outcomes) - len(result.failed),
            sources_failed=len(result.failed),
        )
    report("Cancelled" if result.cancelled else "Done")
    return result


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """What `borderless sources` shows for one source: its rows, or why it cannot be read."""

    source: Source
    rows: int | None
    problem: str | None


def inspect(source: Source) -> SourceSummary:
    """Count a source's raw visit rows from a snapshot, or say what stops it being read."""
    try:
        with snapshot(source.path) as copy:
            connection = open_read_only(copy)
            try:
                query = history_reader(source.kind)(connection)
                rows = int(connection.execute(query.rows.format(src="main")).fetchone()[0])
            finally:
                connection.close()
    except SourceError as error:
        text = str(error)
        prefix = f"{source.path}: "
        return SourceSummary(source, None, text.removeprefix(prefix))
    except sqlite3.DatabaseError as error:
        return SourceSummary(source, None, describe_database_error(error))
    return SourceSummary(source, rows, None)
