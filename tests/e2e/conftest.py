"""The end-to-end tests' shared pieces: running the real command, and a home with browsers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BROWSERS


def run(*args: str, home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "HOME": str(home),
        "BORDERLESS_DATA_DIR": str(home / "data"),
        "LANG": "C.UTF-8",
    }
    environment.pop("XDG_CONFIG_HOME", None)
    result = subprocess.run(
        [sys.executable, "-m", "borderless", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home folder with a Chromium profile and a Firefox profile in their Linux places."""
    chromium = tmp_path / ".config" / "chromium" / "Default"
    chromium.mkdir(parents=True)
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", chromium / "History")
    firefox = tmp_path / ".mozilla" / "firefox" / "abcd.default"
    firefox.mkdir(parents=True)
    shutil.copyfile(BROWSERS / "firefox" / "places.sqlite", firefox / "places.sqlite")
    (tmp_path / ".mozilla" / "firefox" / "profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=abcd.default\n"
    )
    return tmp_path
