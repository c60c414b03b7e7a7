"""Finding profiles under a home folder, and telling what a given path holds."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from borderless.model import Source, SourceKind
from borderless.sources import SourceError
from borderless.sources.discovery import discover, sources_for_path
from tests.conftest import BROWSERS, FIXTURES
from tests.helpers import fingerprint

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
        (lambda p: p, "no Chromium, Firefox or Safari history found"),
        (lambda p: (p / "notes.txt").write_text("hello") and p / "notes.txt", "not a browser"),
    ],
)
def test_a_path_with_no_history_is_refused_clearly(tmp_path: Path, make, words: str) -> None:
    with pytest.raises(SourceError, match=words):
        sources_for_path(make(tmp_path))


# Every operating system's table, with made-up home folders ------------------------------------

SAFARI_HISTORY = FIXTURES / "safari" / "History.db"


def make_firefox_root(root: Path, profiles: dict[str, str]) -> None:
    """A Firefox-family root whose profiles.ini lists `profiles` (name -> relative folder)."""
    sections = ["[General]\nStartWithLastProfile=1\n"]
    for index, (name, folder) in enumerate(profiles.items()):
        put(FIREFOX_PLACES, root / folder / "places.sqlite")
        sections.append(f"[Profile{index}]\nName={name}\nIsRelative=1\nPath={folder}\n")
    root.mkdir(parents=True, exist_ok=True)
    (root / "profiles.ini").write_text("\n".join(sections))


def found_as(sources: list[Source]) -> list[tuple[str, str]]:
    return sorted((source.browser, source.profile) for source in sources)


def test_linux_sandboxed_packages_and_forks_are_found_and_labelled(tmp_path: Path) -> None:
    home = tmp_path / "home"
    put(CHROMIUM_HISTORY, home / ".var/app/com.google.Chrome/config/google-chrome/Default/History")
    put(CHROMIUM_HISTORY, home / "snap/chromium/common/chromium/Default/History")
    brave = home / "snap/brave/current/.config/BraveSoftware/Brave-Browser"
    put(CHROMIUM_HISTORY, brave / "Default" / "History")
    put(CHROMIUM_HISTORY, home / ".config/naver-whale/Default/History")
    put(CHROMIUM_HISTORY, home / ".config/yandex-browser/Default/History")
    make_firefox_root(home / ".var/app/org.mozilla.firefox/.mozilla/firefox", {"flat": "a.flat"})
    make_firefox_root(home / "snap/firefox/common/.mozilla/firefox", {"snappy": "b.snap"})
    make_firefox_root(home / ".librewolf", {"wolf": "c.wolf"})
    make_firefox_root(home / ".zen", {"zen": "d.zen"})
    make_firefox_root(home / ".floorp", {"floorp": "e.floorp"})
    make_firefox_root(home / ".waterfox", {"water": "f.water"})
    assert found_as(discover(home, platform="linux", environ={})) == [
        ("Brave (Snap)", "Default"),
        ("Chromium (Snap)", "Default"),
        ("Firefox (Flatpak)", "flat"),
        ("Firefox (Snap)", "snappy"),
        ("Floorp", "floorp"),
        ("Google Chrome (Flatpak)", "Default"),
        ("LibreWolf", "wolf"),
        ("Naver Whale", "Default"),
        ("Waterfox", "water"),
        ("Yandex Browser", "Default"),
        ("Zen", "zen"),
    ]


def test_a_root_reached_by_two_rows_is_read_once(tmp_path: Path) -> None:
    # Some people link the old Firefox folder to the new XDG one (or the other way round).
    make_firefox_root(tmp_path / ".config" / "mozilla" / "firefox", {"default": "x.default"})
    (tmp_path / ".mozilla").mkdir()
    (tmp_path / ".mozilla" / "firefox").symlink_to(tmp_path / ".config" / "mozilla" / "firefox")
    (found,) = discover(tmp_path, platform="linux", environ={})
    assert found.path == tmp_path / ".config/mozilla/firefox/x.default/places.sqlite"


def test_windows_folders_come_from_localappdata_and_appdata(tmp_path: Path) -> None:
    home = tmp_path / "Users" / "ada"
    local, roaming = tmp_path / "Local", tmp_path / "Roaming"
    make_chromium_root(local / "Google" / "Chrome" / "User Data")
    put(CHROMIUM_HISTORY, local / "Microsoft/Edge/User Data/Default/History")
    put(CHROMIUM_HISTORY, local / "Naver/Naver Whale/User Data/Default/History")
    put(CHROMIUM_HISTORY, local / "Yandex/YandexBrowser/User Data/Default/History")
    put(CHROMIUM_HISTORY, roaming / "Opera Software" / "Opera Stable" / "History")
    put(CHROMIUM_HISTORY, roaming / "Opera Software" / "Opera GX Stable" / "History")
    # On Windows the profiles are in a Profiles folder beside profiles.ini.
    make_firefox_root(roaming / "Mozilla" / "Firefox", {"default-release": "Profiles/r.default"})
    make_firefox_root(roaming / "librewolf", {"default": "Profiles/w.default"})
    environ = {"LOCALAPPDATA": str(local), "APPDATA": str(roaming)}
    assert found_as(discover(home, platform="win32", environ=environ)) == [
        ("Firefox", "default-release"),
        ("Google Chrome", "Personal"),
        ("Google Chrome", "Work"),
        ("LibreWolf", "default"),
        ("Microsoft Edge", "Default"),
        ("Naver Whale", "Default"),
        ("Opera", "Opera Stable"),
        ("Opera GX", "Opera GX Stable"),
        ("Yandex Browser", "Default"),
    ]


def test_windows_folders_default_to_the_home_folders_appdata(tmp_path: Path) -> None:
    put(
        CHROMIUM_HISTORY,
        tmp_path / "AppData/Local/BraveSoftware/Brave-Browser/User Data/Default/History",
    )
    make_firefox_root(tmp_path / "AppData/Roaming/Mozilla/Firefox", {"p": "Profiles/p.default"})
    assert found_as(discover(tmp_path, platform="win32", environ={})) == [
        ("Brave", "Default"),
        ("Firefox", "p"),
    ]


def make_safari_tabs(path: Path, profiles: dict[str, str]) -> None:
    """The part of SafariTabs.db the discovery reads: profiles are bookmarks of subtype 2."""
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, subtype INTEGER, external_uuid TEXT,"
            " title TEXT)"
        )
        connection.execute(
            "INSERT INTO bookmarks (subtype, external_uuid, title) VALUES (2, 'DefaultProfile', '')"
        )
        connection.executemany(
            "INSERT INTO bookmarks (subtype, external_uuid, title) VALUES (2, ?, ?)",
            profiles.items(),
        )
        connection.execute(
            "INSERT INTO bookmarks (subtype, external_uuid, title) VALUES (0, NULL, 'Favourites')"
        )


def test_macos_finds_chromium_forks_firefox_and_every_safari_profile(tmp_path: Path) -> None:
    support = tmp_path / "Library" / "Application Support"
    make_chromium_root(support / "Google" / "Chrome")
    put(CHROMIUM_HISTORY, support / "Arc/User Data/Default/History")
    put(CHROMIUM_HISTORY, support / "com.operasoftware.Opera" / "History")
    put(CHROMIUM_HISTORY, support / "Naver/Whale/Default/History")
    make_firefox_root(support / "Firefox", {"default-release": "Profiles/m.default-release"})
    make_firefox_root(support / "zen", {"Default (release)": "Profiles/z.default"})
    put(SAFARI_HISTORY, tmp_path / "Library" / "Safari" / "History.db")
    container = tmp_path / "Library/Containers/com.apple.Safari/Data/Library/Safari"
    work_uuid = "5604E6F5-02ED-4E40-8249-63DE7BC986C8"
    put(SAFARI_HISTORY, container / "Profiles" / work_uuid / "History.db")
    put(
        SAFARI_HISTORY,
        container / "Profiles" / "0B4F0E0D-0000-4000-8000-000000000001" / "History.db",
    )
    make_safari_tabs(container / "SafariTabs.db", {work_uuid: "Work"})
    put(SAFARI_HISTORY, tmp_path / "Library" / "SafariTechnologyPreview" / "History.db")
    found = discover(tmp_path, platform="darwin", environ={})
    assert found_as(found) == [
        ("Arc", "Default"),
        ("Firefox", "default-release"),
        ("Google Chrome", "Personal"),
        ("Google Chrome", "Work"),
        ("Naver Whale", "Default"),
        ("Opera", "com.operasoftware.Opera"),
        # A profile SafariTabs.db does not name keeps its folder's name.
        ("Safari", "0B4F0E0D-0000-4000-8000-000000000001"),
        ("Safari", "Default"),
        ("Safari", "Work"),
        ("Safari Technology Preview", "Default"),
        ("Zen", "Default (release)"),
    ]
    assert {s.kind for s in found if s.browser.startswith("Safari")} == {SourceKind.SAFARI}
    # A named profile's folder, given by hand, keeps its name too.
    (work,) = sources_for_path(container / "Profiles" / work_uuid)
    assert (work.browser, work.profile) == ("Safari", "Work")


def test_safari_is_listed_even_when_macos_will_not_say_it_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without Full Disk Access, stat() of ~/Library/Safari/History.db fails: the scan must then
    # explain how to allow access, so discovery must not drop the source.
    (tmp_path / "Library" / "Safari").mkdir(parents=True)
    real_is_file = Path.is_file

    def is_file(self: Path) -> bool:
        if self.name == "History.db":
            raise PermissionError(1, "Operation not permitted", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    (found,) = discover(tmp_path, platform="darwin", environ={})
    assert (found.kind, found.browser, found.profile) == (SourceKind.SAFARI, "Safari", "Default")


def test_installs_ini_names_profiles_the_list_lacks_and_nothing_is_found_twice(
    tmp_path: Path,
) -> None:
    root = tmp_path / ".mozilla" / "firefox"
    make_firefox_root(root, {"default-release": "a.default-release"})
    put(FIREFOX_PLACES, tmp_path / "elsewhere" / "kept" / "places.sqlite")
    # installs.ini names the default profile of each installation: one listed in profiles.ini
    # already, one outside the root that profiles.ini forgot (an absolute path).
    (root / "installs.ini").write_text(
        "[4F96D1932A9F858E]\nDefault=a.default-release\nLocked=1\n\n"
        f"[E3D1B5C2A4F6D8E0]\nDefault={tmp_path / 'elsewhere' / 'kept'}\nLocked=1\n"
    )
    # profiles.ini repeats the first as an [Install...] section, as Firefox writes it.
    with (root / "profiles.ini").open("a") as ini:
        ini.write("\n[Install4F96D1932A9F858E]\nDefault=a.default-release\nLocked=1\n")
    assert found_as(discover(tmp_path, platform="linux", environ={})) == [
        ("Firefox", "default-release"),
        ("Firefox", "kept"),
    ]


def test_a_broken_profiles_ini_still_finds_the_profile_folders(tmp_path: Path) -> None:
    root = tmp_path / "AppData" / "Roaming" / "Mozilla" / "Firefox"
    put(FIREFOX_PLACES, root / "Profiles" / "q.default-release" / "places.sqlite")
    (root / "profiles.ini").write_bytes(b"\xff\xfe not an ini [[[")
    assert found_as(discover(tmp_path, platform="win32", environ={})) == [
        ("Firefox", "q.default-release")
    ]


def test_the_platform_picks_the_table(tmp_path: Path) -> None:
    put(CHROMIUM_HISTORY, tmp_path / ".config" / "chromium" / "Default" / "History")
    put(CHROMIUM_HISTORY, tmp_path / "Library/Application Support/Chromium/Default/History")
    put(CHROMIUM_HISTORY, tmp_path / "AppData/Local/Chromium/User Data/Default/History")
    for platform, folder in (
        ("linux", ".config/chromium"),
        ("freebsd14", ".config/chromium"),  # the BSDs share the XDG layout
        ("darwin", "Library/Application Support/Chromium"),
        ("win32", "AppData/Local/Chromium/User Data"),
        ("cygwin", "AppData/Local/Chromium/User Data"),
    ):
        (found,) = discover(tmp_path, platform=platform, environ={})
        assert found.path == tmp_path / folder / "Default" / "History", platform


def test_a_given_folder_is_named_by_the_browser_it_belongs_to(tmp_path: Path) -> None:
    flatpak = tmp_path / ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser"
    make_chromium_root(flatpak)
    assert {(s.browser, s.profile) for s in sources_for_path(flatpak)} == {
        ("Brave (Flatpak)", "Personal"),
        ("Brave (Flatpak)", "Work"),
    }
    (single,) = sources_for_path(flatpak / "Profile 1" / "History")
    assert (single.browser, single.profile) == ("Brave (Flatpak)", "Work")
    opera_gx = tmp_path / "Roaming" / "Opera Software" / "Opera GX Stable"
    put(CHROMIUM_HISTORY, opera_gx / "History")
    assert sources_for_path(opera_gx)[0].browser == "Opera GX"


def test_discovery_never_writes_into_the_profiles(tmp_path: Path) -> None:
    container = tmp_path / "Library/Containers/com.apple.Safari/Data/Library/Safari"
    put(SAFARI_HISTORY, container / "Profiles" / "A" / "History.db")
    make_safari_tabs(container / "SafariTabs.db", {"A": "Mine"})
    make_chromium_root(tmp_path / "Library" / "Application Support" / "Vivaldi")
    before = fingerprint(tmp_path)
    assert len(discover(tmp_path, platform="darwin", environ={})) == 3
    assert fingerprint(tmp_path) == before
