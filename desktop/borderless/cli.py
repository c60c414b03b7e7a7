"""The `borderless` command: a thin layer over the library (sources, pipeline, store, report)."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click

from borderless import __version__, analysis, demo, lookup, paths
from borderless.home import HOME_SETTING, home_country, normalise_country
from borderless.model import COOKIE_KIND, ScanResult, Source
from borderless.pipeline import (
    GEO_DB_SETTING,
    KEEP_URLS_SETTING,
    OFFLINE_SETTING,
    OFFLINE_VARIABLE,
    RESOLVER_SETTING,
    Progress,
    ResolveOptions,
    ResolveSummary,
    inspect_sources,
    resolve_hosts,
    scan,
)
from borderless.report import ReportExistsError, write_report
from borderless.report.redaction import DEFAULT as DEFAULT_REDACTION
from borderless.report.redaction import Redaction
from borderless.report.writers import CSV_TABLES, MAP_MODES, REPORT_FORMATS
from borderless.resolve.dns import ResolverChoice, ResolverChoiceError
from borderless.resolve.geo import GeoDatabaseError, Geolocator
from borderless.resolve.law import shipped_law_table
from borderless.resolve.owners import shipped_catalogue
from borderless.sources import SourceError
from borderless.sources.discovery import discover, sources_for_path
from borderless.sources.dns_evidence import DNS_KINDS, discover_dns
from borderless.store import Store

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(function: F) -> F:
    """The --data-dir option every command shares."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"Folder of the audit database (default: ${paths.DATA_DIR_VARIABLE}, else "
        "the platform's user data folder).",
    )(function)


def resolution_options(function: F) -> F:
    """The options that choose how host names are resolved and addresses located."""
    options = [
        click.option(
            "--resolver",
            metavar="ADDR[:PORT]",
            help="Ask this DNS resolver (e.g. 127.0.0.1:5353, [::1]:53) instead of the "
            "system's; `system` goes back. Saved.",
        ),
        click.option(
            "--offline/--online",
            default=None,
            help="Offline: send no DNS query at all; use only what is already stored. Saved. "
            f"${OFFLINE_VARIABLE}=1 forces offline unless --online is given.",
        ),
        click.option(
            "--geo-db",
            "geo_databases",
            multiple=True,
            type=click.Path(path_type=Path, dir_okay=False),
            help="A MaxMind-format database of your own (GeoLite2/GeoIP2 City, Country or ASN; "
            "DB-IP; IPinfo Lite) to use before the shipped ones; repeat for several. Saved; "
            "--geo-db shipped goes back to the shipped ones only.",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _resolve_options(
    store: Store | None,
    resolver: str | None,
    offline: bool | None,
    geo_databases: tuple[Path, ...],
    save: bool,
) -> ResolveOptions:
    """The resolution options from the command line, else the saved settings; saves the ones
    given when `save`."""

    def setting(key: str) -> str | None:
        return store.setting(key) if store is not None else None

    def keep(key: str, value: str | None) -> None:
        if save and store is not None:
            store.set_setting(key, value)

    try:
        chosen = resolver if resolver is not None else setting(RESOLVER_SETTING)
        choice = ResolverChoice.parse(chosen or "system")
    except ResolverChoiceError as error:
        raise click.BadParameter(str(error), param_hint="--resolver") from error
    if resolver is not None:
        keep(RESOLVER_SETTING, None if choice.is_system else choice.text())
    if offline is not None:
        keep(OFFLINE_SETTING, "1" if offline else "0")
    else:
        offline = os.environ.get(OFFLINE_VARIABLE) == "1" or setting(OFFLINE_SETTING) == "1"
    if geo_databases:
        if [str(path) for path in geo_databases] == ["shipped"]:
            geo_databases = ()
            keep(GEO_DB_SETTING, None)
        else:
            geo_databases = tuple(path.resolve() for path in geo_databases)
            try:
                # Checked before it is saved: a wrong file is refused now, not at every scan.
                Geolocator(geo_databases, include_shipped=False).close()
            except GeoDatabaseError as error:
                raise click.BadParameter(str(error), param_hint="--geo-db") from error
            keep(GEO_DB_SETTING, json.dumps([str(path) for path in geo_databases]))
    else:
        geo_databases = tuple(Path(text) for text in json.loads(setting(GEO_DB_SETTING) or "[]"))
    return ResolveOptions(choice=choice, offline=offline, geo_databases=geo_databases)


def _data_folder(data_dir: Path | None) -> Path:
    """The data folder: the command's --data-dir, else one given before the command, else the
    default."""
    if data_dir is None:
        data_dir = click.get_current_context().find_root().params.get("data_dir")
    return paths.data_dir(data_dir)


def _open_store(folder: Path) -> Store:
    paths.ensure_private_dir(folder)
    try:
        return Store.open(paths.audit_path(folder))
    except RuntimeError as error:  # a newer schema
        raise click.ClickException(str(error)) from error


def _progress_printer() -> Callable[[Progress], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(progress: Progress) -> None:
        click.echo(f"[{progress.done}/{progress.total}] {progress.stage}", err=True)

    return show


def _summary_line(result: ScanResult, total: int) -> str:
    jar_kinds = set(COOKIE_KIND.values())
    dns = [o for o in result.outcomes if o.source.kind in DNS_KINDS]
    history = [o for o in result.outcomes if o.source.kind not in jar_kinds and o not in dns]
    jars = [o for o in result.outcomes if o.source.kind in jar_kinds]
    total -= len(dns)
    skipped = sum(outcome.visits_skipped for outcome in history)
    ok = len(history) - sum(outcome.error is not None for outcome in history)
    plural = "s" if total != 1 else ""
    text = (
        f"Scanned {ok} of {total} source{plural}: "
        f"{result.visits_read:,} visits read, {result.visits_added:,} new"
    )
    if skipped:
        text += f", {skipped:,} without a web host skipped"
    unchanged = sum(outcome.unchanged for outcome in history)
    if unchanged:
        text += f" ({unchanged} unchanged since the last scan, not read again)"
    failed = sum(outcome.error is not None for outcome in history)
    if failed:
        text += f"; {failed} could not be read"
    read_jars = [jar for jar in jars if jar.error is None]
    if jars:
        hosts = sum(jar.cookie_hosts for jar in read_jars)
        text += f"; {len(read_jars)} of {len(jars)} cookie jars: cookies for {hosts:,} hosts"
    if dns:
        good = [o for o in dns if o.error is None]
        lookups = sum(o.lookups_read for o in good)
        added = sum(o.lookups_added for o in good)
        part = f"{len(good)} of {len(dns)} DNS sources: {lookups:,} lookups, {added:,} new"
        text = f"{text}; {part}" if history else f"Read {part}"
    if result.cancelled:
        text += " (cancelled: what was being read when you stopped it was not stored)"
    return text + "."


class Interruption:
    """Ctrl-C during a scan asks it to stop (within a fraction of a second, keeping what was
    stored) instead of killing it with a traceback; a second Ctrl-C kills as usual."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> Interruption:
        self._previous = signal.signal(signal.SIGINT, self._on_signal)
        return self

    def __exit__(self, *exc_info: object) -> None:
        signal.signal(signal.SIGINT, self._previous)

    def _on_signal(self, number: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        click.echo("Stopping; press Ctrl-C again to quit at once.", err=True)

    def __call__(self) -> bool:
        return self.requested


def _run_scan(store: Store, sources: Sequence[Source], options: ResolveOptions) -> ScanResult:
    """Read `sources`, then resolve and locate the hosts; exits 130 if the person cancels."""
    keep_urls = store.setting(KEEP_URLS_SETTING) == "1"
    with Interruption() as interruption:
        result = scan(
            store,
            sources,
            keep_urls=keep_urls,
            progress=_progress_printer(),
            cancelled=interruption,
        )
        for outcome in result.failed:
            click.echo(f"error: {outcome.error}", err=True)
        click.echo(_summary_line(result, len(sources)))
        if result.cancelled:
            sys.exit(130)  # what a shell expects of a program stopped by Ctrl-C
        summary = _run_resolution(store, options, interruption)
    if summary.cancelled:
        sys.exit(130)
    return result


def _run_resolution(
    store: Store, options: ResolveOptions, cancelled: Callable[[], bool]
) -> ResolveSummary:
    def announce(resolver: str, hosts: int) -> None:
        click.echo(
            f"Resolving {hosts:,} host names with {resolver}. It saw these names when you "
            "browsed (or your devices looked them up); use --offline to send none.",
            err=True,
        )

    summary = resolve_hosts(
        store, options, progress=_progress_printer(), cancelled=cancelled, announce=announce
    )
    for problem in summary.problems:
        click.echo(f"warning: geolocation database left out: {problem}", err=True)
    click.echo(_resolution_line(summary))
    return summary


_STATUS_WORDS = {
    "ok": "with addresses",
    "no_address": "without an address",
    "nxdomain": "that do not exist (NXDOMAIN)",
    "servfail": "the resolver failed on (SERVFAIL)",
    "refused": "the resolver refused (REFUSED)",
    "timeout": "that timed out",
    "no_network": "unreachable (no network)",
    "error": "with errors",
    "local_name": "local names, not sent",
    "ip_literal": "IP addresses already",
    "offline": "not looked up (offline)",
}


def _resolution_line(summary: ResolveSummary) -> str:
    if not summary.hosts_considered:
        text = "No new or expired host names to resolve"
    else:
        parts = [
            f"{count:,} {_STATUS_WORDS.get(status, status)}"
            for status, count in summary.statuses.most_common()
        ]
        where = "offline, nothing sent" if summary.offline else None
        if summary.queried and summary.resolver:
            where = f"asked {summary.resolver}"
        text = f"Resolved {summary.hosts_considered:,} hosts ({where}): " + ", ".join(parts)
    if summary.cancelled:
        return text + " (cancelled: the answers received so far are kept)."
    located = ""
    if summary.addresses_located:
        located = f"; located {summary.addresses_located:,} addresses"
    databases = ", ".join(f"{info.name} ({info.built})" for info in summary.databases if info.holds)
    return f"{text}{located}" + (f" with {databases}." if databases and located else ".")


def _print_audit_summary(store: Store, folder: Path) -> None:
    totals = analysis.totals(store)
    period = analysis.period(store)
    if not totals.visits:
        return
    click.echo(
        f"The audit in {folder} holds {totals.visits:,} visits to {totals.domains:,} hosts "
        f"({totals.registrable_domains:,} domains) from {period.first_visit} to "
        f"{period.last_visit}; {totals.user_initiated_visits:,} of them started by hand "
        "(typed, clicked, bookmarked)."
    )
    domains = analysis.domain_summaries(store)
    top = domains[:10]
    if top:
        click.echo("Most visited:")
        for domain in top:
            click.echo(f"  {domain.visits:>8,}  {domain.host_display}")
    for line in _headline(store, domains):
        click.echo(line)


def _headline(store: Store, domains: list[analysis.DomainSummary]) -> list[str]:
    """The point of the app in two sentences: whose law and whose servers the person's own
    visits went to, with the counts behind each share."""
    home = home_country(store)
    if home is None:
        return ["Set your home country (borderless scan --home CC) to see what crosses borders."]
    networks = analysis.host_networks(store)
    found = analysis.attributions(domains, networks, shipped_catalogue())
    share = analysis.voluntary_share(home, domains, networks, found, shipped_law_table())
    lines = []
    if share.foreign_legal_home_share is not None:
        unknown = share.suggested_visits + share.unattributed_visits
        lines.append(
            f"Of the {share.attributed_visits:,} visits you started to sites whose owner is known, "
            f"{share.foreign_legal_home_visits:,} ({share.foreign_legal_home_share:.0%}) went to "
            f"platforms of companies based outside {home}"
            + (f"; {unknown:,} more went to sites whose owner is not known." if unknown else ".")
        )
    if share.servers_abroad_share is not None:
        lines.append(
            f"{share.servers_abroad_share:.0%} of the {share.located_visits:,} whose servers "
            f"could be placed answered from servers outside {home}."
        )
    return lines


def _folder_was_chosen(data_dir: Path | None) -> bool:
    """Whether the data folder was named (option or environment) rather than the default."""
    if data_dir is None:
        data_dir = click.get_current_context().find_root().params.get("data_dir")
    return data_dir is not None or bool(os.environ.get(paths.DATA_DIR_VARIABLE))


def _has_screen() -> bool:
    """Whether a window can be shown: a desktop session (always on Windows and macOS; on other
    systems an X11 or Wayland display), and Qt not told to render offscreen. Without one,
    `borderless` works in text mode."""
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return False
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="borderless")
@click.option(
    "--self-test",
    is_flag=True,
    help="Check this installation end to end (the window, offscreen if need be, a demo scan,"
    " reports) in a temporary folder, offline, and exit 0 if all is well.",
)
@data_dir_option
@click.pass_context
def cli(context: click.Context, self_test: bool, data_dir: Path | None) -> None:
    """Borderless shows where your data goes: which sites you visit, the companies behind them
    and where those are at home, and the countries their servers answer from, from the evidence
    already on your computer. It only ever reads copies of your browsers' files; the only thing it
    sends is DNS queries for the hosts in that evidence, to the resolver you choose (none with
    --offline).

    With no command it opens the window; where there is no screen it scans every browser
    profile it finds (or, if there is none, a demo persona) and prints a summary.
    """
    if self_test:
        from borderless.gui.selftest import run_self_test  # noqa: PLC0415

        sys.exit(run_self_test(click.echo))
    if context.invoked_subcommand is not None:
        return
    folder = paths.data_dir(data_dir)
    if _has_screen():
        # Imported here: Qt takes a while to load, and the text mode does not need it.
        from borderless.gui import app  # noqa: PLC0415

        sys.exit(app.run(folder, chosen_folder=_folder_was_chosen(data_dir)))
    sources = [*discover(), *discover_dns()]
    # The system's DNS cache alone is no one's history: it shows too little for a first look.
    if all(source.live for source in sources):
        click.echo("No browser history found on this computer; showing a demo persona instead.")
        context.invoke(demo_command, data_dir=data_dir)
        return
    with _open_store(folder) as store:
        _run_scan(store, sources, _resolve_options(store, None, None, (), save=False))
        _print_audit_summary(store, folder)
    click.echo("Write a report with: borderless report --format json --output report.json")


@cli.command("sources")
@data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def sources_command(data_dir: Path | None, as_json: bool) -> None:
    """List the browser history (and cookie jars) found on this computer: browser, profile,
    rows in the browser's file (hosts, for a cookie jar), what is already in the audit, path,
    and what could not be read and why. Reads copies only; stores nothing."""
    summaries = inspect_sources([*discover(), *discover_dns()])
    stored: dict[str, int] = {}
    skipped: dict[str, int] = {}
    audit = paths.audit_path(_data_folder(data_dir))
    if audit.exists():
        with Store.open(audit) as store:
            for row in store.sources():
                stored[row["path"]] = row["records"]
                if row["visits_skipped"]:
                    skipped[row["path"]] = row["visits_skipped"]
    if as_json:
        rows = [
            {
                "kind": summary.source.kind.value,
                "browser": summary.source.browser,
                "profile": summary.source.profile,
                "path": str(summary.source.path),
                "rows": summary.rows,
                "stored_visits": stored.get(str(summary.source.path)),
                # At the last scan: visits to pages with no web host (file:, about:, ...).
                "skipped_visits": skipped.get(str(summary.source.path)),
                "problem": summary.problem,
            }
            for summary in summaries
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not summaries:
        click.echo("No browser history found. Try `borderless demo`, or scan a file or folder.")
        return
    for summary in summaries:
        status = summary.status if summary.rows is not None else "cannot be read"
        in_audit = stored.get(str(summary.source.path))
        audit_text = f"{in_audit:,} stored" if in_audit is not None else "not scanned"
        click.echo(
            f"{summary.source.browser:<20} {summary.source.profile:<20} {status:>14}"
            f" {audit_text:>14}  {summary.source.path}"
        )
        if summary.problem:
            click.echo(f"    {summary.problem}")
        if skipped.get(str(summary.source.path)):
            click.echo(
                f"    {skipped[str(summary.source.path)]:,} visits skipped at the last scan: "
                "pages with no web host (files, settings, extensions)"
            )


@cli.command("scan")
@click.argument("targets", nargs=-1, type=click.Path(path_type=Path))
@click.option("--home", help="Your home country as a two-letter code (BR, JP, DE, ...); saved.")
@click.option(
    "--keep-urls/--hosts-only",
    default=None,
    help="Also store full URLs (without user names or passwords) from now on, or go back to "
    "hosts only. Saved; hosts only is the default.",
)
@resolution_options
@click.option(
    "--refresh-dns",
    is_flag=True,
    help="Ask the resolver about every host again, not only new "
    "ones and those whose answer has expired.",
)
@data_dir_option
def scan_command(
    targets: tuple[Path, ...],
    home: str | None,
    keep_urls: bool | None,
    resolver: str | None,
    offline: bool | None,
    geo_databases: tuple[Path, ...],
    refresh_dns: bool,
    data_dir: Path | None,
) -> None:
    """Read browser history into the audit, then resolve each host visited (CNAME chain, IPv4
    and IPv6 addresses) and locate its servers (country, network operator).

    With no TARGETS, every profile found on this computer; a TARGET may be a profile folder, a
    browser folder, or a History / places.sqlite file. Rescanning adds only what is new, and
    asks the resolver only about hosts that are new or whose answer has expired (answers are
    kept for their TTL, at least a day).

    Resolving sends each host name to a DNS resolver, the same one that saw it when you browsed
    unless you choose another; --offline sends nothing."""
    folder = _data_folder(data_dir)
    sources: list[Source] = []
    problems: list[str] = []
    if targets:
        for target in targets:
            try:
                sources.extend(sources_for_path(target))
            except SourceError as error:
                problems.append(str(error))
    else:
        sources = [*discover(), *discover_dns()]
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    with _open_store(folder) as store:
        if home is not None:
            try:
                store.set_setting(HOME_SETTING, normalise_country(home))
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--home") from error
        if keep_urls is not None:
            store.set_setting(KEEP_URLS_SETTING, "1" if keep_urls else "0")
        options = _resolve_options(store, resolver, offline, geo_databases, save=True)
        options = dataclasses.replace(options, refresh=refresh_dns)
        if not sources:
            if not problems:
                click.echo("No browser history found. Try `borderless demo`.", err=True)
            sys.exit(1)
        result = _run_scan(store, sources, options)
    if problems or (result.outcomes and len(result.failed) == len(result.outcomes)):
        sys.exit(1)


@cli.command("report")
@click.option(
    "--format",
    "report_format",
    type=click.Choice(REPORT_FORMATS),
    required=True,
    help="json: the whole audit (schema borderless-report/1); csv: every table, into a .zip or"
    " a folder (or one table, see --table, into a .csv file or -); html: one self-contained page;"
    " pdf: the same, paginated; sqlite: a database to explore; svg, png: the map alone.",
)
@click.option(
    "--redact",
    type=click.Choice([level.value for level in Redaction]),
    default=DEFAULT_REDACTION.value,
    show_default=True,
    help="How much the report reveals: none (full URLs, if kept), paths (hosts, no URL paths),"
    " hosts (platforms, no host names), platforms (owners only), aggregate (country and category"
    " totals only).",
)
@click.option(
    "--table",
    type=click.Choice(sorted(CSV_TABLES)),
    default="domains",
    show_default=True,
    help="For csv into one .csv file or standard output: which table.",
)
@click.option(
    "--page-size",
    type=click.Choice(["A4", "Letter"]),
    default="A4",
    show_default=True,
    help="For pdf: the paper size.",
)
@click.option(
    "--map",
    "map_mode",
    type=click.Choice(MAP_MODES),
    default="legal-home",
    show_default=True,
    help="For svg and png: shade countries by the platforms' legal home or by server location.",
)
@click.option("--output", required=True, help="File (or folder, for csv) to write; - for stdout.")
@click.option("--force", is_flag=True, help="Replace the output if it exists.")
@click.option("--demo", "use_demo", is_flag=True, help="Report the demo persona's audit.")
@data_dir_option
def report_command(
    report_format: str,
    redact: str,
    table: str,
    page_size: str,
    map_mode: str,
    output: str,
    force: bool,
    use_demo: bool,
    data_dir: Path | None,
) -> None:
    """Write a report of the audit. See docs/report-format.md for the JSON layout and what each
    redaction level keeps."""
    folder = _data_folder(data_dir)
    if use_demo:
        folder = paths.demo_dir(folder)
    if not paths.audit_path(folder).exists():
        raise click.ClickException(
            f"no audit in {folder} yet: run `borderless scan` (or `borderless demo`) first"
        )
    with _open_store(folder) as store:
        try:
            write_report(
                store, report_format, output, force=force, table=table,
                redaction=Redaction(redact), page_size=page_size, map_mode=map_mode,
            )  # fmt: skip
        except ReportExistsError as error:
            raise click.ClickException(str(error)) from error
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        except OSError as error:
            raise click.ClickException(f"cannot write {output}: {error.strerror}") from error
    if output != "-":
        click.echo(f"Wrote {output} (redaction: {redact})", err=True)


def _saved_options(
    folder: Path, resolver: str | None = None, offline: bool | None = None
) -> ResolveOptions:
    """The resolution settings saved in the audit of `folder` (without creating it), overridden
    by what was given on the command line for this run."""
    if not paths.audit_path(folder).exists():
        return _resolve_options(None, resolver, offline, (), save=False)
    with _open_store(folder) as store:
        return _resolve_options(store, resolver, offline, (), save=False)


@cli.command("demo")
@click.option("--persona", "persona_id", default=None, help="Which persona (default: the first).")
@click.option("--resolver", metavar="ADDR[:PORT]", help="Resolver for this run (not saved).")
@click.option("--offline/--online", default=None, help="For this run (not saved).")
@data_dir_option
def demo_command(
    persona_id: str | None, resolver: str | None, offline: bool | None, data_dir: Path | None
) -> None:
    """Scan a demo persona: the made-up history of a fictional person, written in the real
    Chromium format and read like a real profile. It is kept apart from your own audit
    (in the data folder's demo/ subfolder)."""
    try:
        person = demo.persona(persona_id)
    except KeyError as error:
        raise click.BadParameter(str(error.args[0]), param_hint="--persona") from error
    data_folder = _data_folder(data_dir)
    folder = paths.demo_dir(data_folder)
    sources = demo.prepare(data_folder, person)
    click.echo(f"Demo persona: {person.name}. {person.description}")
    options = _saved_options(data_folder, resolver, offline)
    with _open_store(folder) as store:
        store.set_setting(HOME_SETTING, person.home_country)
        _run_scan(store, sources, options)
        _print_audit_summary(store, folder)
        click.echo(f"Home country: {home_country(store)}.")
    click.echo("Write its report with: borderless report --demo --format json --output demo.json")


@cli.command("lookup")
@click.argument("target")
@resolution_options
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@data_dir_option
def lookup_command(
    target: str,
    resolver: str | None,
    offline: bool | None,
    geo_databases: tuple[Path, ...],
    as_json: bool,
    data_dir: Path | None,
) -> None:
    """Explain one host or IP address: its CNAME chain, addresses, their countries and
    network operators (ASN), whether they are anycast or CDN edges, and which resolver and
    databases said so. A host is resolved now (nothing is stored); offline, the audit's stored
    answer is shown instead. Options given here are not saved."""
    folder = _data_folder(data_dir)
    audit = paths.audit_path(folder)
    store = Store.open(audit) if audit.exists() else None
    try:
        options = _resolve_options(store, resolver, offline, geo_databases, save=False)
        explanation = lookup.explain(target, options, store)
    except lookup.TargetError as error:
        raise click.ClickException(str(error)) from error
    except GeoDatabaseError as error:
        raise click.ClickException(f"cannot use the geolocation database {error}") from error
    finally:
        if store is not None:
            store.close()
    if as_json:
        click.echo(json.dumps(explanation.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in explanation.lines():
            click.echo(line)
    if explanation.status not in ("ok", "ip_literal"):
        sys.exit(1)


@cli.command("gui")
@click.option(
    "--view",
    type=click.Choice(["map", "platforms", "countries", "timeline", "background"]),
    default="map",
    show_default=True,
    help="Which view a screenshot shows.",
)
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Render the window with the stored audit to this PNG and exit (works offscreen).",
)
@click.option("--size", default="1400x900", show_default=True, help="Screenshot size, WxH.")
@click.option("--demo", "use_demo", is_flag=True, help="Show the demo persona's audit.")
@data_dir_option
def gui_command(
    view: str, screenshot: Path | None, size: str, use_demo: bool, data_dir: Path | None
) -> None:
    """Open the Borderless window over the audit. With --screenshot, render it to a PNG and
    exit instead: it makes the README's pictures and lets anyone check what the window shows
    without a display."""
    folder = _data_folder(data_dir)
    if use_demo:
        folder = paths.demo_dir(folder)
    # Imported here: Qt takes a while to load, and no other command needs it.
    from borderless.gui import app  # noqa: PLC0415

    if screenshot is not None:
        try:
            width, height = (int(part) for part in size.lower().split("x"))
        except ValueError as error:
            raise click.BadParameter(
                "write the size as WIDTHxHEIGHT", param_hint="--size"
            ) from error
        try:
            app.screenshot(folder, view, screenshot, (width, height))
        except OSError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Wrote {screenshot}", err=True)
        return
    sys.exit(app.run(folder, chosen_folder=use_demo or _folder_was_chosen(data_dir)))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `borderless` script and `python -m borderless`."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="borderless")
