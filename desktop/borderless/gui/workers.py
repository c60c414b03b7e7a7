"""Work off the GUI thread: scanning, resolving and analysing run as jobs on one thread pool.

Each job opens its own SQLite connection (connections belong to the thread that opened them),
never touches a widget, and reports through signals connected to slots of GUI-thread objects.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from borderless import analysis, pipeline
from borderless.home import home_country, home_country_source
from borderless.model import ScanResult, Source
from borderless.pipeline import Progress, ResolveOptions, ResolveSummary
from borderless.resolve.law import shipped_law_table
from borderless.resolve.owners import shipped_catalogue
from borderless.sources.discovery import discover
from borderless.sources.dns_evidence import discover_dns
from borderless.store import Store

# Jobs in flight, by their signals object. A job's signals must outlive its run, even when the
# window that started it has gone, or the worker would emit into a deleted object.
_LIVE: dict[QObject, QRunnable] = {}


def start(pool: QThreadPool, job: QRunnable, signals: QObject) -> None:
    """Run `job` on `pool`, keeping it (and its signals) alive until it reports."""
    _LIVE[signals] = job
    pool.start(job)


def done(signals: QObject | None) -> None:
    """Forget a job that has reported (its finished or failed signal was delivered). A job
    whose window closed first is never forgotten: a few small objects, for safety."""
    if signals is not None:
        _LIVE.pop(signals, None)


class JobSignals(QObject):
    """What a job tells the window. Emitted from the worker thread, delivered queued."""

    progressed = Signal(int, int, str)  # done, total, stage in words
    finished = Signal(object)  # the job's result
    failed = Signal(str)  # a message for a person


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What a scan job did."""

    result: ScanResult
    resolution: ResolveSummary | None
    cancelled: bool


class ScanJob(QRunnable):
    """Read sources into the audit, then resolve and locate; cancellable within a second."""

    def __init__(
        self, audit_path: Path, sources: Sequence[Source], options: ResolveOptions, keep_urls: bool
    ):
        super().__init__()
        self.signals = JobSignals()
        self._audit_path = audit_path
        self._sources = list(sources)
        self._options = options
        self._keep_urls = keep_urls
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def _progress(self, progress: Progress) -> None:
        self.signals.progressed.emit(progress.done, progress.total, progress.stage)

    def run(self) -> None:
        try:
            with Store.open(self._audit_path) as store:
                result = pipeline.scan(
                    store,
                    self._sources,
                    keep_urls=self._keep_urls,
                    progress=self._progress,
                    cancelled=self._cancel.is_set,
                )
                resolution = None
                if not result.cancelled:
                    resolution = pipeline.resolve_hosts(
                        store, self._options, progress=self._progress, cancelled=self._cancel.is_set
                    )
                cancelled = result.cancelled or bool(resolution and resolution.cancelled)
            self.signals.finished.emit(ScanOutcome(result, resolution, cancelled))
        except Exception as error:  # a bug, not an environment problem: report it whole
            self.signals.failed.emit(f"The scan failed: {error}\n\n{traceback.format_exc()}")


@dataclass(frozen=True, slots=True)
class AnalysisOutcome:
    """The analysed audit (of the chosen period, if any) and the timeline of all of it."""

    audit: analysis.Audit
    timeline: list[analysis.DayVisits]


class AnalysisJob(QRunnable):
    """Compute the analysed audit (analysis.audit) of a store, off the GUI thread."""

    def __init__(self, audit_path: Path, between: analysis.Between | None = None):
        super().__init__()
        self.signals = JobSignals()
        self._audit_path = audit_path
        self._between = between

    def run(self) -> None:
        try:
            if not self._audit_path.exists():
                self.signals.finished.emit(None)
                return
            with Store.open(self._audit_path) as store:
                home, source = home_country(store), home_country_source(store)
                catalogue, laws = shipped_catalogue(), shipped_law_table()
                whole = analysis.audit(store, home, catalogue, laws, home_source=source)
                days = analysis.timeline(store, home, whole.attributions)
                chosen = whole
                if self._between is not None:
                    chosen = analysis.audit(
                        store, home, catalogue, laws, self._between, home_source=source
                    )
            self.signals.finished.emit(AnalysisOutcome(chosen, days))
        except Exception as error:
            self.signals.failed.emit(f"The audit could not be read: {error}")


class SourcesJob(QRunnable):
    """Find the browser profiles on this computer and check each (rows, or why it cannot be
    read), off the GUI thread: a locked or huge profile must not freeze the window."""

    def __init__(self) -> None:
        super().__init__()
        self.signals = JobSignals()

    def run(self) -> None:
        try:
            summaries = pipeline.inspect_sources([*discover(), *discover_dns()])
            self.signals.finished.emit(summaries)
        except Exception as error:
            self.signals.failed.emit(f"The search for browsers failed: {error}")
