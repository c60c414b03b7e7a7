"""Writing reports to files: atomically, never over an existing file unless asked to."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from borderless.report.content import build_report
from borderless.store import Store

# Cells a spreadsheet would run as a formula; browser data is untrusted text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DOMAIN_COLUMNS = (
    "host",
    "host_display",
    "registrable_domain",
    "is_ip",
    "visits",
    "user_initiated_visits",
    "first_seen",
    "last_seen",
    "sources",
    "resolution_status",
    "cname_chain",
    "addresses",
    "server_countries",
    "asns",
    "anycast",
)


class ReportExistsError(Exception):
    """The output file exists and overwriting was not asked for."""


def neutralise_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will run as a formula (a leading quote makes it text)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


PLATFORM_COLUMNS = (
    "name",
    "category",
    "operator",
    "parent",
    "legal_home",
    "incorporated_in",
    "attribution",
    "basis",
    "visits",
    "user_initiated_visits",
    "domains",
    "server_countries",
    "anycast",
    "hosted_by",
)


def _render_table(
    rows: list[dict[str, Any]],
    columns: tuple[str, ...],
    flatten: Callable[[dict[str, Any]], dict[str, Any]],
) -> str:
    """Rows as CSV with a header row; `flatten` turns a row's lists into single cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        flat = flatten(row)
        writer.writerow([neutralise_cell(_csv_value(flat[column])) for column in columns])
    return buffer.getvalue()


def render_platforms_csv(report: dict[str, Any]) -> str:
    """The platforms table, one row per platform (or unattributed domain)."""
    return _render_table(
        report["platforms"],
        PLATFORM_COLUMNS,
        lambda platform: dict(
            platform,
            domains=" ".join(platform["domains"]),
            server_countries=" ".join(platform["server_countries"]),
        ),
    )


def render_csv(report: dict[str, Any]) -> str:
    """The domains table, one row per host."""
    return _render_table(
        report["domains"],
        DOMAIN_COLUMNS,
        lambda domain: dict(
            domain,
            sources=" ".join(str(source) for source in domain["sources"]),
            cname_chain=" ".join(domain["cname_chain"]),
            addresses=" ".join(address["address"] for address in domain["addresses"]),
            server_countries=" ".join(domain["server_countries"]),
            asns="; ".join(
                f"AS{asn['number']} {asn['organization'] or ''}".rstrip() for asn in domain["asns"]
            ),
        ),
    )


def _csv_value(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {"json": render_json, "csv": render_csv}
# The tables a CSV report can hold, one per file.
CSV_TABLES: dict[str, Callable[[dict[str, Any]], str]] = {
    "domains": render_csv,
    "platforms": render_platforms_csv,
}


def write_atomically(path: Path, text: str, *, force: bool) -> None:
    """Write `text` to `path` through a temporary file and a rename, so no half report is left.

    Raises:
        ReportExistsError: `path` exists and `force` is false.
    """
    exists_message = f"{path} exists; choose another name or pass --force to replace it"
    if os.path.lexists(path) and not force:  # lexists: a dangling link is still in the way
        raise ReportExistsError(exists_message)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        # utf-8-sig for CSV would help old Excel, but breaks other readers; plain UTF-8 it is.
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, 0o600)  # a report can reveal as much as the audit itself
        if force:
            os.replace(temporary, path)
        else:
            # A link fails if something appeared at `path` since the check above; a rename
            # would silently replace it.
            try:
                os.link(temporary, path)
            except FileExistsError as error:
                raise ReportExistsError(exists_message) from error
            os.unlink(temporary)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_report(
    store: Store, report_format: str, output: str, *, force: bool = False, table: str = "domains"
) -> None:
    """Build the report and write it to `output` ("-" for standard output); a CSV report holds
    the one `table` asked for."""
    report = build_report(store)
    render = CSV_TABLES[table] if report_format == "csv" else FORMATS[report_format]
    text = render(report)
    if output == "-":
        sys.stdout.write(text)
        return
    write_atomically(Path(output), text, force=force)
