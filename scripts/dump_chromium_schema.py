#!/usr/bin/env python3
"""Write resources/demo/chromium-history.sql: the schema of a History file written by Chromium.

The demo persona's history is generated into this schema, so that it goes through the very reader
real histories go through. The source is the fixture profile that the real Chromium wrote
(tests/fixtures/browsers/make_profiles.py); only the schema and the `meta` rows are kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "fixtures" / "browsers" / "chromium" / "Default" / "History"
TARGET = ROOT / "resources" / "demo" / "chromium-history.sql"


def main() -> None:
    connection = sqlite3.connect(f"{SOURCE.as_uri()}?mode=ro&immutable=1", uri=True)
    statements = [
        row[0] + ";"
        for row in connection.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
            " ORDER BY type = 'index', name"
        )
    ]
    for key, value in connection.execute("SELECT key, value FROM meta ORDER BY key"):
        statements.append(f"INSERT INTO meta (key, value) VALUES ('{key}', '{value}');")
    connection.close()
    header = f"-- The schema of a Chromium History file, dumped by {Path(__file__).name}.\n"
    TARGET.write_text(header + "\n".join(statements) + "\n", encoding="utf-8")
    print("wrote", TARGET)


if __name__ == "__main__":
    main()
