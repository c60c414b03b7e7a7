"""The one place that wires sources to the store. The CLI and the app both scan through here."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from borderless.domains import canonical_host, host_of_authority, strip_credentials
from borderless.model import (
    COOKIE_KIND,
    Resolution,
    ResolutionStatus,
    ScanResult,
    Source,
    SourceOutcome,
)
from borderless.resolve import dns as resolve_dns
from borderless.resolve.geo import DatabaseInfo, Geolocator
from borderless.sources import SourceError, history_reader
from borderless.sources import cookies as cookie_readers
from borderless.sources.discovery import cookie_jar_for
from borderless.sources.dns_evidence import DNS_KINDS, read_lookups
from borderless.sources.snapshot import (
    describe_database_error,
    fingerprint,
    open_read_only,
    snapshot,
)
from borderless.store import MAX_ATTACHED_SOURCES, Store

if TYPE_CHECKING:
    import dns.asyncresolver


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
                    # A live source (a command's output) has no file to compare: it is read
                    # at every scan, and no fingerprint is kept for it.
                    state = None if source.live else json.dumps(fingerprint(source.path))
                    if (
                        state is not None
                        and (last := store.unchanged_source(source_id, state)) is not None
                    ):
                        read, skipped = last
                        if source.kind in DNS_KINDS:
                            outcome = SourceOutcome(source, unchanged=True, lookups_read=read)
                        else:
                            outcome = SourceOutcome(source, read, 0, skipped, unchanged=True)
                    elif source.kind in DNS_KINDS:
                        outcome = _import_dns(store, scan_id, source, source_id)
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
                    # For DNS evidence the source's "visits read" holds its lookups.
                    read_count = outcome.lookups_read or outcome.visits_read
                    store.record_source_status(
                        source_id,
                        outcome.error,
                        fingerprint=state if good else None,
                        visits_read=read_count if good else None,
                        visits_skipped=outcome.visits_skipped if good else None,
                    )
                    outcomes.append(outcome)
                    jar = cookie_jar_for(source)
                    if jar is not None and source.kind in COOKIE_KIND:
                        outcomes.append(_read_cookie_jar(store, scan_id, source, jar))
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


def _import_dns(store: Store, scan_id: int, source: Source, source_id: int) -> SourceOutcome:
    """Store the lookups of one DNS evidence source and adopt its answers as addresses."""
    try:
        with store.savepoint():
            read, added = store.record_dns_lookups(
                source_id, scan_id, read_lookups(source), canonical_host
            )
            store.adopt_dns_answers()
    except SourceError as error:
        return SourceOutcome(source=source, error=str(error))
    return SourceOutcome(source=source, lookups_read=read, lookups_added=added)


def _read_cookie_jar(store: Store, scan_id: int, profile: Source, jar: Path) -> SourceOutcome:
    """Store the hosts a profile's cookie jar names; a jar that cannot be read (a browser that
    holds it locked) is reported and the scan goes on."""
    source = Source(
        kind=COOKIE_KIND[profile.kind],
        browser=f"{profile.browser} cookies",
        profile=profile.profile,
        path=jar,
    )
    source_id = store.source_id(source)
    state = json.dumps(fingerprint(jar))
    if (last := store.unchanged_source(source_id, state)) is not None:
        return SourceOutcome(source, unchanged=True, cookie_hosts=last[0])
    try:
        found = cookie_readers.READERS[profile.kind](jar)
        with store.savepoint():
            count = store.record_cookie_hosts(source_id, scan_id, found, canonical_host)
    except SourceError as error:
        store.record_source_status(source_id, str(error))
        return SourceOutcome(source=source, error=str(error))
    # visits_read holds the host count for a jar: what an unchanged jar reports next time.
    store.record_source_status(source_id, None, fingerprint=state, visits_read=count,
                               visits_skipped=0)  # fmt: skip
    return SourceOutcome(source=source, cookie_hosts=count)


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """What `borderless sources` shows for one source: its rows, or why it cannot be read."""

    source: Source
    rows: int | None
    problem: str | None

    @property
    def status(self) -> str:
        """The count in words ("73 rows", "4 hosts", "53 lookups"), or the problem."""
        if self.rows is None:
            return self.problem or "cannot be read"
        if self.source.kind in COOKIE_KIND.values():
            unit = "hosts"
        elif self.source.kind in DNS_KINDS:
            unit = "lookups"
        else:
            unit = "rows"
        return f"{self.rows:,} {unit}"


def inspect_sources(sources: Sequence[Source]) -> list[SourceSummary]:
    """`inspect` each history source, and after each its cookie jar, if it has one."""
    summaries = []
    for source in sources:
        summaries.append(inspect(source))
        jar = cookie_jar_for(source)
        if jar is not None and source.kind in COOKIE_KIND:
            jar_source = Source(COOKIE_KIND[source.kind], f"{source.browser} cookies",
                                source.profile, jar)  # fmt: skip
            summaries.append(inspect(jar_source))
    return summaries


def inspect(source: Source) -> SourceSummary:
    """Count a source's raw rows (visits; for a cookie jar, the hosts it keeps cookies for)
    from a snapshot, or say what stops it being read."""
    if source.kind in DNS_KINDS:
        try:
            return SourceSummary(source, sum(1 for _ in read_lookups(source)), None)
        except SourceError as error:
            return SourceSummary(source, None, str(error).removeprefix(f"{source.path}: "))
    family = next((kind for kind, jar in COOKIE_KIND.items() if jar == source.kind), None)
    if family is not None:
        try:
            return SourceSummary(source, len(cookie_readers.READERS[family](source.path)), None)
        except SourceError as error:
            return SourceSummary(source, None, str(error).removeprefix(f"{source.path}: "))
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


# Resolution -------------------------------------------------------------------------------------

# An answer is kept at least this long whatever its TTL says (CDN answers live for seconds, and the
# audit asks where a platform's servers are, not which one answered this minute) and at most this
# long whatever it says.
MIN_KEEP_S = 24 * 3600
MAX_KEEP_S = 7 * 24 * 3600
# A resolver that failed, refused or stayed silent is asked again after this long.
RETRY_FAILED_AFTER_S = 3600
# Names that will never need asking (local names, IP literals) are looked at again after a year.
NEVER_S = 365 * 24 * 3600
# Resolutions are stored in batches of this many, each batch committed: cancelling keeps them.
RESOLUTION_BATCH = 250
# The settings key of the databases the stored locations came from (for reports).
GEO_DATABASES_SETTING = "geo_databases_used"
# The person's choices, kept in the audit's settings; the CLI and the window share them.
KEEP_URLS_SETTING = "keep_urls"
RESOLVER_SETTING = "resolver"
OFFLINE_SETTING = "offline"
GEO_DB_SETTING = "geo_databases"
# Set once the window has explained what resolving sends, and the person agreed.
EXPLAINED_SETTING = "resolution_explained"
# Set to 1 to keep every command offline whatever the saved setting (a classroom, a test run).
OFFLINE_VARIABLE = "BORDERLESS_OFFLINE"


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    """How to resolve: which resolver, whether to send anything at all, how hard to try."""

    choice: resolve_dns.ResolverChoice = field(default_factory=resolve_dns.ResolverChoice)
    offline: bool = False
    refresh: bool = False  # ask again about every host, not only new and expired ones
    concurrency: int = resolve_dns.DEFAULT_CONCURRENCY
    timeout: float = resolve_dns.DEFAULT_TIMEOUT
    retries: int = resolve_dns.DEFAULT_RETRIES
    geo_databases: tuple[Path, ...] = ()  # the person's own .mmdb files, before the shipped ones


@dataclass(slots=True)
class ResolveSummary:
    """What the resolution step did, for the summary line, the report and the app."""

    resolver: str | None = None  # in words; None in offline mode
    offline: bool = False
    hosts_considered: int = 0  # new or expired hosts this run
    queried: int = 0  # of those, sent to the resolver
    statuses: Counter[str] = field(default_factory=Counter)  # of those considered
    addresses_located: int = 0
    databases: list[DatabaseInfo] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # geolocation databases left out, and why
    cancelled: bool = False


def saved_options(store: Store) -> ResolveOptions:
    """The resolution options the person saved in this audit (BORDERLESS_OFFLINE=1 wins)."""
    offline = os.environ.get(OFFLINE_VARIABLE) == "1" or store.setting(OFFLINE_SETTING) == "1"
    databases = tuple(Path(text) for text in json.loads(store.setting(GEO_DB_SETTING) or "[]"))
    try:
        choice = resolve_dns.ResolverChoice.parse(store.setting(RESOLVER_SETTING) or "system")
    except resolve_dns.ResolverChoiceError:
        choice = resolve_dns.ResolverChoice()  # a setting damaged by hand: the system's
    return ResolveOptions(choice=choice, offline=offline, geo_databases=databases)


def keep_until(resolution: Resolution) -> int:
    """When to ask about a host again, in seconds since 1970."""
    status = resolution.status
    if status in (ResolutionStatus.NO_NETWORK, ResolutionStatus.OFFLINE):
        return 0  # at the next chance
    if status in (ResolutionStatus.LOCAL_NAME, ResolutionStatus.IP_LITERAL):
        return int(resolution.resolved_at) + NEVER_S
    if status.is_failure:
        return int(resolution.resolved_at) + RETRY_FAILED_AFTER_S
    keep = min(max(resolution.ttl or 0, MIN_KEEP_S), MAX_KEEP_S)
    return int(resolution.resolved_at) + keep


def resolve_hosts(
    store: Store,
    options: ResolveOptions,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelledCallback | None = None,
    announce: Callable[[str, int], None] | None = None,
) -> ResolveSummary:
    """Resolve the hosts that are new or expired (visited, looked up in DNS evidence without
    being blocked, or keeping cookies: store.EVIDENCED_HOSTS_SQL), then locate every address not yet
    located with the current databases. Offline, nothing is sent: hosts never resolved are
    recorded as such, and what is stored stays in use however old.

    A geolocation database of the person's that cannot be used is left out, and named in the
    summary's problems; the shipped databases still answer.

    `announce` is told, before the first query leaves, who will be asked (in words) and about
    how many hosts: the person should know who sees their host names.
    """
    summary = ResolveSummary(offline=options.offline)
    now = time.time()
    candidates = store.hosts_to_resolve(int(now), refresh=options.refresh)
    if options.offline:
        # Offline, an expired answer is still the best there is: only the never-resolved count.
        never = {host_id for host_id, _name in store.unresolved_hosts()}
        candidates = [entry for entry in candidates if entry[0] in never]
    summary.hosts_considered = len(candidates)
    ids = {name: host_id for host_id, name, _is_ip in candidates}
    settled: list[Resolution] = []
    to_ask: list[str] = []
    for _host_id, name, is_ip in candidates:
        if is_ip:
            settled.append(Resolution(name, ResolutionStatus.IP_LITERAL, addresses=(name,),
                                      resolved_at=now))  # fmt: skip
        elif resolve_dns.is_local_name(name):
            settled.append(Resolution(name, ResolutionStatus.LOCAL_NAME, resolved_at=now,
                                      detail="a local name: not sent to any resolver"))  # fmt: skip
        elif options.offline:
            settled.append(Resolution(name, ResolutionStatus.OFFLINE, resolved_at=now,
                                      detail="offline mode: not looked up"))  # fmt: skip
        else:
            to_ask.append(name)

    def store_batch(batch: Sequence[Resolution]) -> None:
        with store.transaction():
            store.record_resolutions(
                (ids[resolution.host], resolution, keep_until(resolution)) for resolution in batch
            )
        summary.statuses.update(resolution.status.value for resolution in batch)

    store_batch(settled)
    if to_ask:
        try:
            resolver = resolve_dns.make_resolver(options.choice, options.timeout, options.retries)
        except resolve_dns.NoResolverError as error:
            reason = f"no resolver: {error}"
            store_batch([resolve_dns.unresolvable(name, reason) for name in to_ask])
        else:
            summary.resolver = resolve_dns.describe_resolver(resolver, options.choice)
            summary.queried = len(to_ask)
            if announce is not None:
                announce(summary.resolver, len(to_ask))
            summary.cancelled = _resolve_online(
                resolver, options, to_ask, store_batch, progress, cancelled
            )
    if not summary.cancelled:
        located, databases = locate_addresses(
            store, options.geo_databases, progress, on_problem=summary.problems.append
        )
        summary.addresses_located = located
        summary.databases = databases
    return summary


def _resolve_online(
    resolver: dns.asyncresolver.Resolver,
    options: ResolveOptions,
    names: Sequence[str],
    store_batch: Callable[[Sequence[Resolution]], None],
    progress: ProgressCallback | None,
    cancelled: CancelledCallback | None,
) -> bool:
    """Ask the resolver about `names`, storing answers in batches; True if cancelled."""
    text = options.choice.text()
    batch: list[Resolution] = []
    done = 0

    def on_resolved(resolution: Resolution) -> None:
        nonlocal done
        batch.append(resolution)
        done += 1
        if len(batch) >= RESOLUTION_BATCH:
            store_batch(batch)
            batch.clear()
            if progress is not None:
                progress(Progress(done, len(names), "Resolving host names"))

    async def run() -> bool:
        work = asyncio.ensure_future(
            resolve_dns.resolve_many(resolver, names, text, on_resolved, options.concurrency)
        )
        while not work.done():
            if cancelled is not None and cancelled():
                work.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await work
                return True
            await asyncio.wait([work], timeout=0.05)
        work.result()
        return False

    if progress is not None:
        progress(Progress(0, len(names), "Resolving host names"))
    try:
        was_cancelled = asyncio.run(run())
    finally:
        if batch:
            store_batch(batch)  # what was answered before a cancel or an error is kept
    return was_cancelled


def locate_addresses(
    store: Store,
    own_databases: Sequence[Path] = (),
    progress: ProgressCallback | None = None,
    on_problem: Callable[[str], None] | None = None,
) -> tuple[int, list[DatabaseInfo]]:
    """Locate the stored addresses not yet located with these databases; returns how many were
    located and the databases used. A database that cannot be used is left out and named to
    `on_problem` (without it, it raises GeoDatabaseError)."""
    with Geolocator(own_databases, on_problem=on_problem) as geolocator:
        pending = store.addresses_to_locate(geolocator.identity)
        if progress is not None and pending:
            progress(Progress(0, len(pending), "Locating addresses"))
        locations = geolocator.locate_many(pending)
        databases = [database.info for database in geolocator.databases]
        with store.transaction():
            store.record_locations(locations, geolocator.identity)
            store.set_setting(
                GEO_DATABASES_SETTING,
                json.dumps([dataclasses.asdict(info) for info in databases], default=sorted),
            )
        return len(locations), databases
