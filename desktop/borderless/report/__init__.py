"""Reports a person can keep: JSON, CSV, HTML, PDF, SQLite and the map alone, at a chosen
redaction level."""

from __future__ import annotations

from borderless.report.content import SCHEMA, build_report
from borderless.report.redaction import Redaction
from borderless.report.writers import FORMATS, REPORT_FORMATS, ReportExistsError, write_report

__all__ = [
    "FORMATS",
    "REPORT_FORMATS",
    "SCHEMA",
    "Redaction",
    "ReportExistsError",
    "build_report",
    "write_report",
]
