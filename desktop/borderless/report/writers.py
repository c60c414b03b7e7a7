"""Writing reports to files: atomically, never over an existing file unless asked to."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from borderless.report.content import build_report
from borderless.report.figures import legal_home_visits
from borderless.report.redaction import DEFAULT as DEFAULT_REDACTION
from borderless.report.redaction import Redaction
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


def _joined(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A flattener joining the lists in `names` with spaces."""
    return lambda row: dict(
        row, **{name: " ".join(str(v) for v in row.get(name) or []) for name in names}
    )


def _table(section: str, columns: tuple[str, ...], *lists: str) -> Callable[[dict[str, Any]], str]:
    def render(report: dict[str, Any]) -> str:
        rows = [
            {column: row.get(column) for column in (*columns, *lists)}
            for row in report.get(section, [])
        ]
        return _render_table(rows, columns, _joined(*lists))

    return render


def render_countries_csv(report: dict[str, Any]) -> str:
    """Per country: visits to platforms whose owners are at home there, and to servers there."""
    rows: dict[str, dict[str, Any]] = {}
    for row in report.get("legal_homes", []):
        rows.setdefault(row["country"], {"country": row["country"]}).update(
            legal_home_visits=row["visits"], legal_home_platforms=row["platforms"]
        )
    for row in report.get("countries", []):
        rows.setdefault(row["country"], {"country": row["country"]}).update(
            server_visits=row["visits"], server_hosts=row["hosts"],
            edge_only_server_visits=row["edge_only_visits"],
        )  # fmt: skip
    columns = ("country", "legal_home_visits", "legal_home_platforms", "server_visits",
               "server_hosts", "edge_only_server_visits")  # fmt: skip
    ordered = sorted(rows.values(), key=lambda row: row["country"])
    return _render_table([{c: row.get(c, 0) for c in columns} | {"country": row["country"]}
                          for row in ordered], columns, dict)  # fmt: skip


FORMATS: dict[str, Callable[[dict[str, Any]], str]] = {"json": render_json, "csv": render_csv}
# The tables a CSV report can hold, one per file.
CSV_TABLES: dict[str, Callable[[dict[str, Any]], str]] = {
    "domains": render_csv,
    "platforms": render_platforms_csv,
    "countries": render_countries_csv,
    "flows": _table("flows", ("kind", "from", "to", "region", "is_transfer", "adequate", "visits",
                              "user_initiated_visits", "platforms", "explanation"), "platforms"),
    "categories": _table("categories", ("category", "visits", "user_initiated_visits",
                                        "platforms", "abroad_visits")),
    "timeline": _table("timeline", ("day", "home", "abroad", "unknown")),
    "devices": _table("dns_clients", ("client", "lookups", "blocked", "hosts", "background_hosts",
                                      "attributed_lookups", "abroad_lookups", "first_seen",
                                      "last_seen")),
    "background": _table("dns_hosts", ("host", "registrable_domain", "lookups", "blocked",
                                       "clients"), "clients"),
    "owners": _table("owners", ("owner", "legal_home", "visits", "user_initiated_visits",
                                "platforms", "dns_lookups")),
    "urls": _table("urls", ("url", "visits")),
}  # fmt: skip
# Tables always written into a zip or folder; the others only when the report holds rows for them
# (which depends on the redaction level and on the evidence scanned).
CORE_TABLES = ("platforms", "countries", "domains", "flows")


def render_about_csv(report: dict[str, Any]) -> str:
    """What the tables beside it are: when, for which home country, at which redaction level."""
    redaction = report.get("redaction") or {}
    rows = [
        {"key": "schema", "value": report.get("schema")},
        {"key": "generated_at", "value": report.get("generated_at")},
        {"key": "home_country", "value": report.get("home_country")},
        {"key": "redaction", "value": redaction.get("level")},
        {"key": "redaction_description", "value": redaction.get("description")},
    ]
    return _render_table(rows, ("key", "value"), dict)


def csv_files(report: dict[str, Any]) -> dict[str, str]:
    """The CSV files of a report's tables, and about.csv saying what they are: name to text."""
    sections = {"devices": "dns_clients", "background": "dns_hosts"}
    files = {"about.csv": render_about_csv(report)}
    for name, render in CSV_TABLES.items():
        if name in CORE_TABLES or report.get(sections.get(name, name)):
            files[f"{name}.csv"] = render(report)
    return files


def write_csv_tables(report: dict[str, Any], output: Path, *, force: bool) -> None:
    """Write every table of the report as CSV files, into a ``.zip`` or into a folder.

    A folder is filled beside its final place and renamed into it. With `force`, an existing
    folder is replaced only if it holds nothing but CSV files: a report never deletes anything
    else a person keeps there.

    Raises:
        ReportExistsError: `output` exists and `force` is false, or it is a folder holding other
            files.
    """
    files = csv_files(report)
    if output.suffix.lower() == ".zip":

        def write_zip(path: Path) -> None:
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, text in files.items():
                    archive.writestr(name, text.encode("utf-8"))

        write_file_atomically(output, write_zip, force=force)
        return
    if os.path.lexists(output):
        if not force:
            raise ReportExistsError(
                f"{output} exists; choose another name or pass --force to replace it"
            )
        if not output.is_dir() or any(
            not entry.is_file() or entry.suffix.lower() != ".csv" for entry in output.iterdir()
        ):
            raise ReportExistsError(
                f"{output} holds files that are not CSV tables; it is left alone even with --force"
            )
    parent = output.parent if str(output.parent) else Path(".")
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=parent))
    try:
        for name, text in files.items():
            target = staging / name
            target.write_text(text, encoding="utf-8", newline="")
            os.chmod(target, 0o600)
        if os.path.lexists(output):
            shutil.rmtree(output)
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_atomically(path: Path, text: str, *, force: bool) -> None:
    """Write `text` to `path` through a temporary file and a rename, so no half report is left.

    Raises:
        ReportExistsError: `path` exists and `force` is false.
    """

    def write(temporary: Path) -> None:
        # utf-8-sig for CSV would help old Excel, but breaks other readers; plain UTF-8 it is.
        with temporary.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)

    write_file_atomically(path, write, force=force)


def write_file_atomically(path: Path, write: Callable[[Path], None], *, force: bool) -> None:
    """Have `write` fill a temporary file beside `path`, then put it in place in one step.

    Raises:
        ReportExistsError: `path` exists and `force` is false (also when something appears at
            `path` while `write` runs).
    """
    exists_message = f"{path} exists; choose another name or pass --force to replace it"
    if os.path.lexists(path) and not force:  # lexists: a dangling link is still in the way
        raise ReportExistsError(exists_message)
    folder = path.parent if str(path.parent) else Path(".")
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    os.close(descriptor)
    temporary = Path(name)
    try:
        write(temporary)
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
        temporary.unlink(missing_ok=True)
        raise


MAP_MODES = ("legal-home", "servers")


def write_report(
    store: Store,
    report_format: str,
    output: str,
    *,
    force: bool = False,
    table: str = "domains",
    redaction: Redaction = DEFAULT_REDACTION,
    page_size: str = "A4",
    map_mode: str = "legal-home",
) -> None:
    """Build the report, redacted to `redaction`, and write it to `output` in `report_format`.

    Args:
        store: the audit.
        report_format: one of REPORT_FORMATS.
        output: the file (or, for CSV, a ``.zip`` or a folder) to write; "-" is standard output
            for the text formats (json, one CSV table, html, svg).
        force: replace what is at `output`.
        table: for CSV into one ``.csv`` file or standard output, which table.
        redaction: how much the report reveals.
        page_size: for PDF, "A4" or "Letter".
        map_mode: for SVG and PNG, shade by the platforms' legal home or by server location.

    Raises:
        ReportExistsError: `output` exists and `force` is false.
        ValueError: the format cannot be written to `output` (a binary format to "-").
    """
    report = build_report(store, redaction=redaction)
    binary = _binary_writer(store, report, report_format, page_size, map_mode)
    if binary is not None:
        if output == "-":
            raise ValueError(
                f"a {report_format.upper()} report cannot go to standard output; give a file name"
            )
        write_file_atomically(Path(output), binary, force=force)
        return
    if report_format == "csv" and output != "-" and not output.lower().endswith(".csv"):
        write_csv_tables(report, Path(output), force=force)
        return
    if report_format == "csv":
        text = CSV_TABLES[table](report)
    elif report_format == "html":
        from borderless.report.html import render_html  # noqa: PLC0415

        text = render_html(report)
    elif report_format == "svg":
        text = map_document(report, map_mode)
    else:
        text = FORMATS[report_format](report)
    if output == "-":
        sys.stdout.write(text)
        return
    write_atomically(Path(output), text, force=force)


REPORT_FORMATS = ("json", "csv", "html", "pdf", "sqlite", "svg", "png")


def _binary_writer(
    store: Store, report: dict[str, Any], report_format: str, page_size: str, map_mode: str
) -> Callable[[Path], None] | None:
    """What fills a file of a binary format (None for the text formats). The writers are
    imported here: the PDF and PNG writers are the parts that use Qt."""
    if report_format == "sqlite":
        from borderless.report.database import write_database  # noqa: PLC0415

        return lambda path: write_database(store, report, path)
    if report_format == "pdf":
        from borderless.report.pdf import write_pdf  # noqa: PLC0415

        return lambda path: write_pdf(report, path, page_size)
    if report_format == "png":
        from borderless.gui.mapimage import write_map_png  # noqa: PLC0415

        svg = map_document(report, map_mode)
        return lambda path: write_map_png(svg, path)
    return None


def map_values(report: dict[str, Any], map_mode: str) -> tuple[dict[str, float], list[Any]]:
    """Visits per country and the flows from home, for the map of `map_mode` ("legal-home" or
    "servers")."""
    if map_mode == "servers":
        values = {row["country"]: float(row["visits"]) for row in report.get("countries", [])
                  if row["visits"]}  # fmt: skip
        kind = "server"
    else:
        values = {code: float(visits) for code, visits in legal_home_visits(report).items()}
        kind = "legal_home"
    flows = [
        (flow["from"], flow["to"], float(flow["visits"]))
        for flow in report.get("flows", [])
        if flow["kind"] == kind
    ]
    return values, flows


def map_document(report: dict[str, Any], map_mode: str) -> str:
    """The map alone as a standalone SVG document, for slides."""
    from borderless.report.svgmap import map_svg  # noqa: PLC0415

    values, flows = map_values(report, map_mode)
    edges = [
        row["country"]
        for row in report.get("countries", [])
        if map_mode == "servers"
        and row.get("visits")
        and row.get("edge_only_visits") == row["visits"]
    ]
    if map_mode == "servers":
        title = "Visits by server location"
    else:
        title = "Visits by the legal home of the platforms"
    return map_svg(values, report.get("home_country"), flows, title, standalone=True,
                   edge_only=edges)  # fmt: skip
