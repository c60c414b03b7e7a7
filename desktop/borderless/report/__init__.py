"""Reports a person can keep: the audit as JSON or CSV (more formats come later)."""

from __future__ import annotations

from borderless.report.content import SCHEMA, build_report
from borderless.report.writers import FORMATS, ReportExistsError, write_report

__all__ = ["FORMATS", "SCHEMA", "ReportExistsError", "build_report", "write_report"]
