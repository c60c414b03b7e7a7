"""Where Borderless keeps things: shipped resources, the user's audit data, settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Borderless"
DATA_DIR_VARIABLE = "BORDERLESS_DATA_DIR"
RESOURCES_VARIABLE = "BORDERLESS_RESOURCES"
AUDIT_FILE_NAME = "audit.sqlite"
DEMO_FOLDER_NAME = "demo"

_PACKAGE_DIR = Path(__file__).resolve().parent


def resources_dir() -> Path:
    """The folder of data shipped with the app.

    Looked for, in order: the environment variable, a PyInstaller bundle (``sys._MEIPASS``), a
    wheel (``borderless/resources``) and a source checkout (``resources/`` at the top).
    """
    candidates: list[Path] = []
    if override := os.environ.get(RESOURCES_VARIABLE):
        candidates.append(Path(override))
    if bundle := getattr(sys, "_MEIPASS", None):
        candidates.append(Path(bundle) / "resources")
    candidates.append(_PACKAGE_DIR / "resources")
    candidates.append(_PACKAGE_DIR.parent.parent / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(candidate) for candidate in candidates)
    raise FileNotFoundError(f"Borderless cannot find its resources folder (looked in {tried})")


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The folder of the audit database: ``--data-dir``, else the variable, else the platform's."""
    if override is not None:
        return Path(override).expanduser()
    if from_environment := os.environ.get(DATA_DIR_VARIABLE):
        return Path(from_environment).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create `path`, and any missing parent, readable by its owner only.

    The folders will hold a person's browsing history. Folders that already exist keep their
    permissions: the person may have shared one on purpose.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        if os.name == "posix":
            os.chmod(folder, 0o700)  # mkdir's mode is narrowed by the umask, never widened
    return path


def audit_path(folder: Path) -> Path:
    return folder / AUDIT_FILE_NAME


def demo_dir(folder: Path) -> Path:
    """The demo persona's own audit lives apart from the person's, so the two never mix."""
    return folder / DEMO_FOLDER_NAME
