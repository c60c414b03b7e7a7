"""Finding browser profiles on this machine, and telling what a path given by a person holds.

This covers Chromium- and Firefox-family browsers at their Linux locations; each root is a row in a
table so that more browsers and operating systems are rows, not code.
"""

from __future__ import annotations

import configparser
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from borderless.model import Source, SourceKind
from borderless.sources.errors import SourceError

CHROMIUM_HISTORY = "History"
FIREFOX_HISTORY = "places.sqlite"


@dataclass(frozen=True, slots=True)
class BrowserRoot:
    """Where one browser keeps its profiles, relative to a base folder."""

    browser: str
    kind: SourceKind
    base: str  # "home" or "config" ($XDG_CONFIG_HOME, by default ~/.config)
    relative: str


LINUX_ROOTS = (
    BrowserRoot("Chromium", SourceKind.CHROMIUM, "config", "chromium"),
    BrowserRoot("Google Chrome", SourceKind.CHROMIUM, "config", "google-chrome"),
    BrowserRoot("Google Chrome Beta", SourceKind.CHROMIUM, "config", "google-chrome-beta"),
    BrowserRoot("Google Chrome Dev", SourceKind.CHROMIUM, "config", "google-chrome-unstable"),
    BrowserRoot("Microsoft Edge", SourceKind.CHROMIUM, "config", "microsoft-edge"),
    BrowserRoot("Brave", SourceKind.CHROMIUM, "config", "BraveSoftware/Brave-Browser"),
    BrowserRoot("Vivaldi", SourceKind.CHROMIUM, "config", "vivaldi"),
    BrowserRoot("Opera", SourceKind.CHROMIUM, "config", "opera"),
    # Firefox 147 moved its Linux root under XDG_CONFIG_HOME; older installs keep ~/.mozilla.
    BrowserRoot("Firefox", SourceKind.FIREFOX, "config", "mozilla/firefox"),
    BrowserRoot("Firefox", SourceKind.FIREFOX, "home", ".mozilla/firefox"),
)


def _base_folders(home: Path) -> dict[str, Path]:
    config = os.environ.get("XDG_CONFIG_HOME")
    return {"home": home, "config": Path(config) if config else home / ".config"}


def discover(home: Path | None = None) -> list[Source]:
    """Every browser profile with a history database under the person's home folder."""
    home = home if home is not None else Path.home()
    bases = _base_folders(home)
    found: list[Source] = []
    seen: set[Path] = set()
    for root in LINUX_ROOTS:
        folder = bases[root.base] / root.relative
        if not folder.is_dir():
            continue
        for source in _profiles_in_root(folder.resolve(), root.browser, root.kind):
            if source.path not in seen:
                seen.add(source.path)
                found.append(source)
    return found


def _profiles_in_root(folder: Path, browser: str, kind: SourceKind) -> Iterator[Source]:
    if kind is SourceKind.CHROMIUM:
        yield from _chromium_profiles(folder, browser)
    else:
        yield from _firefox_profiles(folder, browser)


def _chromium_profile_names(root: Path) -> dict[str, str]:
    """Display names of a Chromium user-data folder's profiles, from `Local State`."""
    try:
        state = json.loads((root / "Local State").read_text(encoding="utf-8"))
        cache = state["profile"]["info_cache"]
        return {folder: str(info.get("name") or folder) for folder, info in cache.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _chromium_profiles(root: Path, browser: str) -> Iterator[Source]:
    names = _chromium_profile_names(root)
    if (root / CHROMIUM_HISTORY).is_file():  # Opera keeps its one profile in the root itself
        yield Source(SourceKind.CHROMIUM, browser, root.name, root / CHROMIUM_HISTORY)
    try:
        children = sorted(child for child in root.iterdir() if child.is_dir())
    except OSError:
        return
    for child in children:
        history = child / CHROMIUM_HISTORY
        if history.is_file():
            yield Source(SourceKind.CHROMIUM, browser, names.get(child.name, child.name), history)


def _firefox_profiles(root: Path, browser: str) -> Iterator[Source]:
    listed: list[tuple[str, Path]] = []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(root / "profiles.ini", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        parser = configparser.ConfigParser(interpolation=None)
    for section in parser.sections():
        if not section.startswith("Profile") or "Path" not in parser[section]:
            continue
        entry = parser[section]
        relative = entry.get("IsRelative", "1") == "1"
        folder = root / entry["Path"] if relative else Path(entry["Path"])
        listed.append((entry.get("Name", folder.name), folder))
    listed_folders = {folder.resolve() for _name, folder in listed}
    # Profiles made outside the profile manager are not in profiles.ini; look for them too.
    try:
        for child in sorted(root.iterdir()):
            if child.is_dir() and child.resolve() not in listed_folders:
                listed.append((child.name, child))
    except OSError:
        pass
    for name, folder in listed:
        places = folder / FIREFOX_HISTORY
        if places.is_file():
            yield Source(SourceKind.FIREFOX, browser, name, places)


def _browser_for_path(path: Path, kind: SourceKind) -> str:
    text = path.resolve().as_posix()
    for root in LINUX_ROOTS:
        if root.kind is kind and f"/{root.relative}/" in text:
            return root.browser
    return "Chromium-based browser" if kind is SourceKind.CHROMIUM else "Firefox-based browser"


def _kind_of_database(path: Path) -> SourceKind:
    """Tell a history database by its tables, for files a person renamed."""
    try:
        # immutable=1: read the bytes as they are, take no lock, write nothing, even a -shm file.
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise SourceError(f"{path}: not a browser history database ({error})") from error
    if {"urls", "visits"} <= tables:
        return SourceKind.CHROMIUM
    if {"moz_places", "moz_historyvisits"} <= tables:
        return SourceKind.FIREFOX
    raise SourceError(f"{path}: not a Chromium or Firefox history database")


def sources_for_path(path: Path) -> list[Source]:
    """The history databases a person pointed at: a file, a profile folder or a browser folder.

    Raises:
        SourceError: nothing readable as browser history is there.
    """
    if not path.exists():
        raise SourceError(f"{path}: not found")
    # A source is known by its path: one file reached as ./History, by its full path or through
    # a link must be one source, or its visits would be stored twice.
    path = path.resolve()
    if path.is_file():
        if path.name == CHROMIUM_HISTORY:
            kind = SourceKind.CHROMIUM
        elif path.name == FIREFOX_HISTORY:
            kind = SourceKind.FIREFOX
        else:
            kind = _kind_of_database(path)
        return [Source(kind, _browser_for_path(path, kind), path.parent.name, path)]
    for name, kind in (
        (CHROMIUM_HISTORY, SourceKind.CHROMIUM),
        (FIREFOX_HISTORY, SourceKind.FIREFOX),
    ):
        if (path / name).is_file():
            profile = path.name
            if kind is SourceKind.CHROMIUM:
                profile = _chromium_profile_names(path.parent).get(path.name, path.name)
            return [Source(kind, _browser_for_path(path / name, kind), profile, path / name)]
    found = [*_chromium_profiles(path, _browser_for_path(path / "x", SourceKind.CHROMIUM))]
    if not found:
        found = [*_firefox_profiles(path, _browser_for_path(path / "x", SourceKind.FIREFOX))]
    if not found:
        raise SourceError(f"{path}: no Chromium or Firefox history found in this folder")
    return found
