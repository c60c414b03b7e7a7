"""Finding profiles under a home folder, and telling what a given path holds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from borderless.model import SourceKind
from borderless.sources import SourceError
from borderless.sources.discovery import discover, sources_for_path
from tests.conftest import BROWSERS

CHROMIUM_HISTORY = BROWSERS / "chromium" / "Default" / "History"
FIREFOX_PLACES = BROWSERS / "firefox" / "places.sqlite"


def put(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def make_chromium_root(root: Path) -> None:
    put(CHROMIUM_HISTORY, root / "Default" / "History")
    put(CHROMIUM_HISTORY, root / "Profile 1" / "History")
    (root / "Profile 2").mkdir()  # a profile never used: no History yet
    state = {
        "profile": {"info_cache": {"Default": {"name": "Personal"}, "Profile 1": {"name": "Work"}}}
    }
    (root / "Local State").write_text(json.dumps(state))


def test_chromium_profiles_are_found_with_their_display_names(tmp_path: Path) -> None:
    make_chromium_root(tmp_path / ".config" / "google-chrome")
    found = discover(tmp_path)
    assert [(s.browser, s.profile, s.kind) for s in found] == [
        ("Google Chrome", "Personal", SourceKind.CHROMIUM),
        ("Google Chrome", "Work", SourceKind.CHROMIUM),
    ]


def test_a_broken_local_state_falls_back_to_folder_names(tmp_path: Path) -> None:
    root = tmp_path / ".config" / "chromium"
    make_chromium_root(root)
    (root / "Local State").write_text("{not json")
    assert [s.profile for s in discover(tmp_path)] == ["Default", "Profile 1"]


def test_opera_keeps_its_history_in_the_root(tmp_path: Path) -> None:
    put(CHROMIUM_HISTORY, tmp_path / ".config" / "opera" / "History")
    (found,) = discover(tmp_path)
    assert (found.browser, found.profile) == ("Opera", "opera")


def test_firefox_profiles_from_profiles_ini_in_both_linux_roots(tmp_path: Path) -> None:
    legacy = tmp_path / ".mozilla" / "firefox"
    put(FIREFOX_PLACES, legacy / "abcd.default-release" / "places.sqlite")
    put(FIREFOX_PLACES, tmp_path / "elsewhere" / "work" / "places.sqlite")
    (legacy / "profiles.ini").write_text(
        "[General]\nStartWithLastProfile=1\n\n"
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=abcd.default-release\n\n"
        f"[Profile1]\nName=Work\nIsRelative=0\nPath={tmp_path / 'elsewhere' / 'work'}\n"
    )
    # Firefox 147 and later keep the root under XDG_CONFIG_HOME (default ~/.config).
    put(FIREFOX_PLACES, tmp_path / ".config" / "mozilla" / "firefox" / "xyz.new" / "places.sqlite")
    found = discover(tmp_path)
    assert sorted((s.browser, s.profile) for s in found) == [
        ("Firefox", "Work"),
        ("Firefox", "default-release"),
        ("Firefox", "xyz.new"),
    ]


def test_xdg_config_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    make_chromium_root(tmp_path / "cfg" / "chromium")
    assert {s.profile for s in discover(tmp_path)} == {"Personal", "Work"}


def test_a_home_without_browsers_finds_nothing(tmp_path: Path) -> None:
    assert discover(tmp_path) == []


def test_a_given_file_folder_or_root_is_understood(tmp_path: Path) -> None:
    root = tmp_path / "chrome-copy"
    make_chromium_root(root)
    assert [s.profile for s in sources_for_path(root)] == ["Personal", "Work"]
    assert [s.profile for s in sources_for_path(root / "Profile 1")] == ["Work"]
    (single,) = sources_for_path(root / "Profile 1" / "History")
    assert single.kind is SourceKind.CHROMIUM
    renamed = put(FIREFOX_PLACES, tmp_path / "backup.db")
    assert sources_for_path(renamed)[0].kind is SourceKind.FIREFOX
    # Telling a renamed file's kind must not leave -wal or -shm files beside it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "chrome-copy"]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p / "missing", "not found"),
        (lambda p: p, "no Chromium or Firefox history found"),
        (lambda p: (p / "notes.txt").write_text("hello") and p / "notes.txt", "not a browser"),
    ],
)
def test_a_path_with_no_history_is_refused_clearly(tmp_path: Path, make, words: str) -> None:
    with pytest.raises(SourceError, match=words):
        sources_for_path(make(tmp_path))
