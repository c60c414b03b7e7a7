"""Write the example reports of the demo persona into docs/examples/, as `borderless` writes them.

Run: `python scripts/make_examples.py` (offline: nothing is sent; about 20 s). The persona is made
up; her history and home-network log are generated from resources/demo/personas.json.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
# (file name, format, extra options)
REPORTS = (
    ("demo-report.html", "html", []),
    ("demo-report.pdf", "pdf", []),
    ("demo-report-letter.pdf", "pdf", ["--page-size", "Letter"]),
    ("demo-report.json", "json", []),
    ("demo-tables.zip", "csv", []),
    ("demo-map-legal-home.svg", "svg", []),
    ("demo-map-servers.png", "png", ["--map", "servers"]),
    ("demo-report-aggregate.html", "html", ["--redact", "aggregate"]),
)


def main() -> int:
    environment = dict(os.environ, BORDERLESS_OFFLINE="1", QT_QPA_PLATFORM="offscreen")
    borderless = [sys.executable, "-m", "borderless"]
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        data = ["--data-dir", folder]
        subprocess.run([*borderless, *data, "demo"], check=True, env=environment,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        for name, report_format, options in REPORTS:
            subprocess.run(
                [*borderless, *data, "report", "--demo", "--format", report_format, *options,
                 "--output", str(EXAMPLES / name), "--force"],
                check=True, env=environment,
            )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
