"""Finding browser profiles on this machine, and telling what a path given by a person holds.

Where each browser keeps its profiles is a row in a table, one table per operating system (Linux,
Windows, macOS): more browsers are more rows, not more code. A row names a base folder (the home
folder, ``$XDG_CONFIG_HOME``, ``%LOCALAPPDATA%``, ...) and a path below it; the kind of browser
decides how the profiles inside are listed:

- Chromium family: a user-data folder holding ``Default``, ``Profile 1``, ... each with a
  ``History`` file (Opera keeps its one profile's ``History`` in the folder itself), named in
  ``Local State`` under ``profile.info_cache``.
- Firefox family: a folder with ``profiles.ini`` (and, since Firefox 67, ``installs.ini``), whose
  profiles each hold a ``places.sqlite``.
- Safari: ``~/Library/Safari/History.db``, and since Safari 17 one ``History.db`` per further
  profile in ``Profiles/<UUID>/`` of Safari's container, named in ``SafariTabs.db`` there.

The folders were checked against public tables of the same facts (ForensicArtifacts'
``webbrowser.yaml``, browser_cookie3, HackBrowserData's notes on Safari, and scripts that list
Flatpak and Snap browsers).
"""

from __future__ import annotations

import configparser
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from borderless.model import Source, SourceKind
from borderless.sources import safari
from borderless.sources.errors import SourceError

CHROMIUM_HISTORY = "History"
FIREFOX_HISTORY = "places.sqlite"
SAFARI_HISTORY = safari.HISTORY_FILE
SAFARI_DEFAULT_PROFILE = "Default"
# In SafariTabs.db, a bookmarks row of this subtype is a profile: its external_uuid names the
# Profiles/<UUID> folder and its title is the name a person gave it.
_SAFARI_PROFILE_SUBTYPE = 2

LINUX = "linux"
WINDOWS = "win32"
MACOS = "darwin"


@dataclass(frozen=True, slots=True)
class BrowserRoot:
    """Where one browser keeps its profiles, relative to a base folder of the operating system.

    Attributes:
        browser: the name a person knows, with "(Flatpak)" or "(Snap)" for sandboxed packages.
        kind: the family, which decides how the profiles in the folder are listed.
        base: a key of the operating system's base folders: "home" everywhere; "config"
            ($XDG_CONFIG_HOME) on Linux; "local" (%LOCALAPPDATA%) and "roaming" (%APPDATA%) on
            Windows; "support" (~/Library/Application Support) on macOS.
        relative: the folder below the base, with "/" between its parts on every system.
    """

    browser: str
    kind: SourceKind
    base: str
    relative: str


def _chromium(browser: str, base: str, relative: str) -> BrowserRoot:
    return BrowserRoot(browser, SourceKind.CHROMIUM, base, relative)


def _firefox(browser: str, base: str, relative: str) -> BrowserRoot:
    return BrowserRoot(browser, SourceKind.FIREFOX, base, relative)


# Flatpak keeps an app's ~/.config in ~/.var/app/<app id>/config (its XDG_CONFIG_HOME) and the
# dot-folders the app persists in ~/.var/app/<app id>/<folder>: (browser, app id, folder).
_FLATPAK_CHROMIUM = (
    ("Google Chrome", "com.google.Chrome", "google-chrome"),
    ("Google Chrome Dev", "com.google.ChromeDev", "google-chrome-unstable"),
    ("Chromium", "org.chromium.Chromium", "chromium"),
    ("Ungoogled Chromium", "io.github.ungoogled_software.ungoogled_chromium", "chromium"),
    ("Microsoft Edge", "com.microsoft.Edge", "microsoft-edge"),
    ("Brave", "com.brave.Browser", "BraveSoftware/Brave-Browser"),
    ("Vivaldi", "com.vivaldi.Vivaldi", "vivaldi"),
    ("Opera", "com.opera.Opera", "opera"),
)
_FLATPAK_FIREFOX = (
    ("Firefox", "org.mozilla.firefox", ".mozilla/firefox"),
    ("Firefox", "org.mozilla.firefox", "config/mozilla/firefox"),  # Firefox 147+: XDG
    ("LibreWolf", "io.gitlab.librewolf-community", ".librewolf"),
    ("Waterfox", "net.waterfox.waterfox", ".waterfox"),
    ("Floorp", "one.ablaze.floorp", ".floorp"),
    ("Zen", "app.zen_browser.zen", ".zen"),
)

LINUX_ROOTS: tuple[BrowserRoot, ...] = (
    _chromium("Chromium", "config", "chromium"),
    _chromium("Google Chrome", "config", "google-chrome"),
    _chromium("Google Chrome Beta", "config", "google-chrome-beta"),
    _chromium("Google Chrome Dev", "config", "google-chrome-unstable"),
    _chromium("Google Chrome Canary", "config", "google-chrome-canary"),
    _chromium("Microsoft Edge", "config", "microsoft-edge"),
    _chromium("Microsoft Edge Beta", "config", "microsoft-edge-beta"),
    _chromium("Microsoft Edge Dev", "config", "microsoft-edge-dev"),
    _chromium("Brave", "config", "BraveSoftware/Brave-Browser"),
    _chromium("Brave Beta", "config", "BraveSoftware/Brave-Browser-Beta"),
    _chromium("Brave Nightly", "config", "BraveSoftware/Brave-Browser-Nightly"),
    _chromium("Vivaldi", "config", "vivaldi"),
    _chromium("Vivaldi Snapshot", "config", "vivaldi-snapshot"),
    _chromium("Opera", "config", "opera"),
    _chromium("Opera Beta", "config", "opera-beta"),
    _chromium("Opera Developer", "config", "opera-developer"),
    _chromium("Yandex Browser", "config", "yandex-browser"),
    _chromium("Yandex Browser Beta", "config", "yandex-browser-beta"),
    _chromium("Naver Whale", "config", "naver-whale"),
    _chromium("Thorium", "config", "thorium"),
    # Firefox 147 moved its Linux root under XDG_CONFIG_HOME; older installs keep ~/.mozilla.
    _firefox("Firefox", "config", "mozilla/firefox"),
    _firefox("Firefox", "home", ".mozilla/firefox"),
    _firefox("LibreWolf", "home", ".librewolf"),
    _firefox("Waterfox", "home", ".waterfox"),
    _firefox("Floorp", "home", ".floorp"),
    _firefox("Zen", "home", ".zen"),
    *(
        _chromium(f"{browser} (Flatpak)", "home", f".var/app/{app}/config/{folder}")
        for browser, app, folder in _FLATPAK_CHROMIUM
    ),
    *(
        _firefox(f"{browser} (Flatpak)", "home", f".var/app/{app}/{folder}")
        for browser, app, folder in _FLATPAK_FIREFOX
    ),
    # Snap gives each app ~/snap/<name>/common (kept across versions) and current (this version).
    _chromium("Chromium (Snap)", "home", "snap/chromium/common/chromium"),
    _chromium("Brave (Snap)", "home", "snap/brave/current/.config/BraveSoftware/Brave-Browser"),
    _firefox("Firefox (Snap)", "home", "snap/firefox/common/.mozilla/firefox"),
    _firefox("Firefox (Snap)", "home", "snap/firefox/common/.config/mozilla/firefox"),
    _firefox("LibreWolf (Snap)", "home", "snap/librewolf/common/.librewolf"),
)

# The Microsoft Store package of Arc, named with its publisher's id.
_ARC_PACKAGE = "Packages/TheBrowserCompany.Arc_ttt1ap7aakyb4"
_SAFARI_CONTAINER = "Library/Containers/com.apple.Safari"

WINDOWS_ROOTS: tuple[BrowserRoot, ...] = (
    _chromium("Google Chrome", "local", "Google/Chrome/User Data"),
    _chromium("Google Chrome Beta", "local", "Google/Chrome Beta/User Data"),
    _chromium("Google Chrome Dev", "local", "Google/Chrome Dev/User Data"),
    _chromium("Google Chrome Canary", "local", "Google/Chrome SxS/User Data"),
    _chromium("Chromium", "local", "Chromium/User Data"),
    _chromium("Microsoft Edge", "local", "Microsoft/Edge/User Data"),
    _chromium("Microsoft Edge Beta", "local", "Microsoft/Edge Beta/User Data"),
    _chromium("Microsoft Edge Dev", "local", "Microsoft/Edge Dev/User Data"),
    _chromium("Microsoft Edge Canary", "local", "Microsoft/Edge SxS/User Data"),
    _chromium("Brave", "local", "BraveSoftware/Brave-Browser/User Data"),
    _chromium("Brave Beta", "local", "BraveSoftware/Brave-Browser-Beta/User Data"),
    _chromium("Brave Nightly", "local", "BraveSoftware/Brave-Browser-Nightly/User Data"),
    # Opera keeps its user data in the roaming folder, with the profile in the root itself.
    _chromium("Opera", "roaming", "Opera Software/Opera Stable"),
    _chromium("Opera GX", "roaming", "Opera Software/Opera GX Stable"),
    _chromium("Opera Beta", "roaming", "Opera Software/Opera Next"),
    _chromium("Opera Developer", "roaming", "Opera Software/Opera Developer"),
    _chromium("Vivaldi", "local", "Vivaldi/User Data"),
    _chromium("Yandex Browser", "local", "Yandex/YandexBrowser/User Data"),
    _chromium("Naver Whale", "local", "Naver/Naver Whale/User Data"),
    _chromium("Coc Coc", "local", "CocCoc/Browser/User Data"),
    # Arc comes from the Microsoft Store: its data is in the package's folder.
    _chromium("Arc", "local", f"{_ARC_PACKAGE}/LocalCache/Local/Arc/User Data"),
    _firefox("Firefox", "roaming", "Mozilla/Firefox"),
    _firefox("LibreWolf", "roaming", "librewolf"),
    _firefox("Waterfox", "roaming", "Waterfox"),
    _firefox("Floorp", "roaming", "Floorp"),
    _firefox("Zen", "roaming", "zen"),
)

MACOS_ROOTS: tuple[BrowserRoot, ...] = (
    _chromium("Google Chrome", "support", "Google/Chrome"),
    _chromium("Google Chrome Beta", "support", "Google/Chrome Beta"),
    _chromium("Google Chrome Dev", "support", "Google/Chrome Dev"),
    _chromium("Google Chrome Canary", "support", "Google/Chrome Canary"),
    _chromium("Chromium", "support", "Chromium"),
    _chromium("Microsoft Edge", "support", "Microsoft Edge"),
    _chromium("Microsoft Edge Beta", "support", "Microsoft Edge Beta"),
    _chromium("Microsoft Edge Dev", "support", "Microsoft Edge Dev"),
    _chromium("Microsoft Edge Canary", "support", "Microsoft Edge Canary"),
    _chromium("Brave", "support", "BraveSoftware/Brave-Browser"),
    _chromium("Brave Beta", "support", "BraveSoftware/Brave-Browser-Beta"),
    _chromium("Brave Nightly", "support", "BraveSoftware/Brave-Browser-Nightly"),
    _chromium("Opera", "support", "com.operasoftware.Opera"),
    _chromium("Opera GX", "support", "com.operasoftware.OperaGX"),
    _chromium("Opera Beta", "support", "com.operasoftware.OperaNext"),
    _chromium("Opera Developer", "support", "com.operasoftware.OperaDeveloper"),
    _chromium("Vivaldi", "support", "Vivaldi"),
    _chromium("Arc", "support", "Arc/User Data"),
    _chromium("Yandex Browser", "support", "Yandex/YandexBrowser"),
    _chromium("Naver Whale", "support", "Naver/Whale"),
    _firefox("Firefox", "support", "Firefox"),
    _firefox("LibreWolf", "support", "librewolf"),
    _firefox("Waterfox", "support", "Waterfox"),
    _firefox("Floorp", "support", "Floorp"),
    _firefox("Zen", "support", "zen"),
    BrowserRoot("Safari", SourceKind.SAFARI, "home", "Library/Safari"),
    # Safari 17+ profiles other than the first: Profiles/<UUID>/History.db in the container.
    BrowserRoot("Safari", SourceKind.SAFARI, "home", f"{_SAFARI_CONTAINER}/Data/Library/Safari"),
    BrowserRoot(
        "Safari Technology Preview", SourceKind.SAFARI, "home", "Library/SafariTechnologyPreview"
    ),
)

ROOTS: Mapping[str, tuple[BrowserRoot, ...]] = {
    LINUX: LINUX_ROOTS,
    WINDOWS: WINDOWS_ROOTS,
    MACOS: MACOS_ROOTS,
}


def platform_key(platform: str) -> str:
    """The table for a `sys.platform` value: Windows, macOS, or Linux for every other Unix."""
    if platform in (WINDOWS, "cygwin"):
        return WINDOWS
    if platform == MACOS:
        return MACOS
    return LINUX  # Linux and the BSDs share the XDG layout


def base_folders(platform: str, home: Path, environ: Mapping[str, str]) -> dict[str, Path]:
    """The base folders the rows of `platform`'s table are relative to."""
    key = platform_key(platform)
    if key == WINDOWS:
        local = environ.get("LOCALAPPDATA")
        roaming = environ.get("APPDATA")
        return {
            "home": home,
            "local": Path(local) if local else home / "AppData" / "Local",
            "roaming": Path(roaming) if roaming else home / "AppData" / "Roaming",
        }
    if key == MACOS:
        return {"home": home, "support": home / "Library" / "Application Support"}
    config = environ.get("XDG_CONFIG_HOME")
    # The XDG specification says to ignore a relative path here.
    config_folder = Path(config) if config and Path(config).is_absolute() else home / ".config"
    return {"home": home, "config": config_folder}


def discover(
    home: Path | None = None,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[Source]:
    """Every browser profile with a history database under the person's home folder.

    Args:
        home: the home folder to look in (default: this user's).
        platform: whose table of folders to use, as a `sys.platform` value (default: this
            system's); tests pass another system's with a made-up home folder.
        environ: where %LOCALAPPDATA%, %APPDATA% and $XDG_CONFIG_HOME come from (default: the
            process environment).

    Returns:
        One source per history database, in the order of the table, each found once even when
        two rows lead to it (a link from the old Firefox folder to the new one, say).
    """
    home = home if home is not None else Path.home()
    platform = platform if platform is not None else sys.platform
    environ = environ if environ is not None else os.environ
    bases = base_folders(platform, home, environ)
    found: list[Source] = []
    seen: set[Path] = set()
    for root in ROOTS[platform_key(platform)]:
        folder = bases[root.base].joinpath(*root.relative.split("/"))
        if not _is_dir(folder):
            continue
        for source in _profiles_in_root(_resolved(folder), root.browser, root.kind):
            # A source is known by its path: the store keys it so, and so does de-duplication.
            path = _resolved(source.path)
            if path not in seen:
                seen.add(path)
                found.append(Source(source.kind, source.browser, source.profile, path))
    return found


def _resolved(path: Path) -> Path:
    """`path` with links followed, or as it is when that fails (a loop of links, say)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop, before Python 3.13
        return path.absolute()


def _is_dir(path: Path) -> bool:
    """Whether `path` is a folder; False also when the system refuses to say."""
    try:
        return path.is_dir()
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _children(folder: Path) -> list[Path]:
    """The sub-folders of `folder`, sorted; none when it cannot be listed."""
    try:
        return sorted(child for child in folder.iterdir() if _is_dir(child))
    except OSError:
        return []


def _profiles_in_root(folder: Path, browser: str, kind: SourceKind) -> Iterator[Source]:
    if kind is SourceKind.CHROMIUM:
        yield from _chromium_profiles(folder, browser)
    elif kind is SourceKind.FIREFOX:
        yield from _firefox_profiles(folder, browser)
    else:
        yield from _safari_profiles(folder, browser)


# Chromium family -------------------------------------------------------------------------------


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
    if _is_file(root / CHROMIUM_HISTORY):  # Opera keeps its one profile in the root itself
        yield Source(SourceKind.CHROMIUM, browser, root.name, root / CHROMIUM_HISTORY)
    for child in _children(root):
        history = child / CHROMIUM_HISTORY
        if _is_file(history):
            yield Source(SourceKind.CHROMIUM, browser, names.get(child.name, child.name), history)


# Firefox family --------------------------------------------------------------------------------


def _read_ini(path: Path) -> configparser.ConfigParser:
    """An ini file of the profile manager, or an empty one when it is missing or unreadable."""
    # strict=False: a file edited by hand may repeat a section; take what it says anyway.
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return configparser.ConfigParser(interpolation=None)
    return parser


def _profile_folder(root: Path, value: str, relative: bool) -> Path:
    return root / value if relative and not Path(value).is_absolute() else Path(value)


def _firefox_profiles(root: Path, browser: str) -> Iterator[Source]:
    """The profiles of a Firefox-family root, each once, named as the profile manager names them.

    Looks in `profiles.ini` (the profile manager's list), then at the default profile of each
    installation (`[Install...]` sections of `profiles.ini` and `installs.ini`, which can name a
    profile the list lacks), then at folders made outside the profile manager, beside
    `profiles.ini` or in its `Profiles` folder (the Windows and macOS layout).
    """
    profiles = _read_ini(root / "profiles.ini")
    installs = _read_ini(root / "installs.ini")
    listed: dict[Path, tuple[str, Path]] = {}

    def add(name: str | None, folder: Path) -> None:
        listed.setdefault(_resolved(folder), (name or folder.name, folder))

    for section in profiles.sections():
        entry = profiles[section]
        if section.startswith("Profile") and "Path" in entry:
            relative = entry.get("IsRelative", "1") == "1"
            add(entry.get("Name"), _profile_folder(root, entry["Path"], relative))
    for parser in (profiles, installs):
        for section in parser.sections():
            # [ProfileN] sections carry Default=1 as a flag; installation sections carry a path.
            is_install = parser is installs or section.startswith("Install")
            default = parser[section].get("Default", "")
            if is_install and default:
                add(None, _profile_folder(root, default, relative=True))
    for folder in (root, root / "Profiles"):
        for child in _children(folder):
            add(None, child)
    for name, folder in listed.values():
        places = folder / FIREFOX_HISTORY
        if _is_file(places):
            yield Source(SourceKind.FIREFOX, browser, name, places)


# Safari ----------------------------------------------------------------------------------------


def _safari_profile_names(root: Path) -> dict[str, str]:
    """Names of Safari's profiles by the UUID of their folder, from `SafariTabs.db` in `root`."""
    tabs = root / "SafariTabs.db"
    if not _is_file(tabs):
        return {}
    try:
        # immutable=1: read the bytes as they are, take no lock, write nothing, even a -shm file.
        connection = sqlite3.connect(f"{_resolved(tabs).as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = connection.execute(
                "SELECT external_uuid, title FROM bookmarks WHERE subtype = ?",
                [_SAFARI_PROFILE_SUBTYPE],
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error:
        return {}
    return {
        str(uuid).upper(): str(title).strip()
        for uuid, title in rows
        if uuid and isinstance(title, str) and title.strip()
    }


def _safari_history_here(history: Path) -> bool:
    """Whether a Safari history is at `history`, counting one macOS will not let us look at."""
    try:
        return history.is_file()
    except PermissionError:
        # Without Full Disk Access macOS refuses even to say whether the file exists. Report it
        # anyway: reading it then explains how to allow access.
        return True
    except OSError:
        return False


def _safari_profiles(root: Path, browser: str) -> Iterator[Source]:
    if _safari_history_here(root / SAFARI_HISTORY):
        yield Source(SourceKind.SAFARI, browser, SAFARI_DEFAULT_PROFILE, root / SAFARI_HISTORY)
    named = _children(root / "Profiles")
    if not named:
        return
    names = _safari_profile_names(root)
    for folder in named:
        history = folder / SAFARI_HISTORY
        if _safari_history_here(history):
            name = names.get(folder.name.upper(), folder.name)
            yield Source(SourceKind.SAFARI, browser, name, history)


def _safari_profile_of(history: Path) -> str:
    """The profile name of a Safari history file given by its path."""
    folder = history.parent
    if folder.parent.name == "Profiles":
        return _safari_profile_names(folder.parent.parent).get(folder.name.upper(), folder.name)
    if folder.name in safari.SAFARI_FOLDERS:
        return SAFARI_DEFAULT_PROFILE
    return folder.name


# A path given by a person ------------------------------------------------------------------------

_GENERIC_NAMES = {
    SourceKind.CHROMIUM: "Chromium-based browser",
    SourceKind.FIREFOX: "Firefox-based browser",
    SourceKind.SAFARI: "Safari",
}


def _all_roots() -> Iterable[BrowserRoot]:
    for roots in ROOTS.values():
        yield from roots


def _browser_for_path(path: Path, kind: SourceKind) -> str:
    """The browser whose folder `path` is in, by the longest known folder it contains."""
    text = path.resolve().as_posix()
    best: BrowserRoot | None = None
    for root in _all_roots():
        if root.kind is kind and f"/{root.relative}/" in text:
            if best is None or len(root.relative) > len(best.relative):
                best = root
    return best.browser if best is not None else _GENERIC_NAMES[kind]


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
    if {"history_items", "history_visits"} <= tables:
        return SourceKind.SAFARI
    raise SourceError(f"{path}: not a Chromium, Firefox or Safari history database")


_FILE_KINDS = {
    CHROMIUM_HISTORY: SourceKind.CHROMIUM,
    FIREFOX_HISTORY: SourceKind.FIREFOX,
    SAFARI_HISTORY: SourceKind.SAFARI,
}


def _profile_for_file(path: Path, kind: SourceKind) -> str:
    if kind is SourceKind.CHROMIUM:
        return _chromium_profile_names(path.parent.parent).get(path.parent.name, path.parent.name)
    if kind is SourceKind.SAFARI:
        return _safari_profile_of(path)
    return path.parent.name


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
    if path.is_file() and path.name not in _FILE_KINDS:
        # DNS evidence (logs, databases, captures) is known by its content.
        from borderless.sources.dns_evidence import dns_source_for  # noqa: PLC0415 - a cycle

        dns_source = dns_source_for(path)
        if dns_source is not None:
            return [dns_source]
    if path.is_file():
        kind = _FILE_KINDS.get(path.name) or _kind_of_database(path)
        return [Source(kind, _browser_for_path(path, kind), _profile_for_file(path, kind), path)]
    for name, kind in _FILE_KINDS.items():
        file = path / name
        if _is_file(file):
            profile = _profile_for_file(file, kind)
            return [Source(kind, _browser_for_path(file, kind), profile, file)]
    found = [*_chromium_profiles(path, _browser_for_path(path / "x", SourceKind.CHROMIUM))]
    if not found:
        found = [*_firefox_profiles(path, _browser_for_path(path / "x", SourceKind.FIREFOX))]
    if not found:
        found = [*_safari_profiles(path, _browser_for_path(path / "x", SourceKind.SAFARI))]
    if not found:
        raise SourceError(f"{path}: no Chromium, Firefox or Safari history found in this folder")
    return found


# Cookie jars -------------------------------------------------------------------------------------

CHROMIUM_COOKIES = ("Network/Cookies", "Cookies")  # Chromium 96+ first, then an unmigrated profile
FIREFOX_COOKIES = "cookies.sqlite"
SAFARI_COOKIES = "Cookies/Cookies.binarycookies"


def cookie_jar_for(source: Source) -> Path | None:
    """The cookie jar of the profile a history source belongs to, or None when there is none.

    - Chromium family: ``<profile>/Network/Cookies``, else ``<profile>/Cookies``.
    - Firefox family: ``<profile>/cookies.sqlite``.
    - Safari (HackBrowserData's ``browser/safari/source.go`` records the layout): the first
      profile's jar is in Safari's container, ``~/Library/Containers/com.apple.Safari/Data/
      Library/Cookies/``, or in ``~/Library/Cookies/`` before macOS 10.14; a Safari 17 profile's
      is in the container's ``WebKit/WebsiteDataStore/<uuid in lower case>/Cookies/``. A jar
      macOS will not even let us look at counts as there: reading it says how to allow access.
    """
    folder = source.path.parent
    if source.kind is SourceKind.CHROMIUM:
        candidates = [folder.joinpath(*name.split("/")) for name in CHROMIUM_COOKIES]
        return next((jar for jar in candidates if _is_file(jar)), None)
    if source.kind is SourceKind.FIREFOX:
        jar = folder / FIREFOX_COOKIES
        return jar if _is_file(jar) else None
    return next(
        (jar for jar in _safari_cookie_jars(source.path) if _safari_history_here(jar)), None
    )


def _safari_cookie_jars(history: Path) -> list[Path]:
    """Where the cookies of the Safari profile whose history is at `history` may be, in order."""
    folder = history.parent
    jar = Path(*SAFARI_COOKIES.split("/"))
    if folder.parent.name == "Profiles":  # <container>/Data/Library/Safari/Profiles/<UUID>
        library = folder.parent.parent.parent
        store = library / "WebKit" / "WebsiteDataStore" / folder.name.lower()
        return [store / jar]
    if folder.name != "Safari":
        # Safari Technology Preview keeps its own jar, in a place nothing we found documents.
        return []
    library = folder.parent  # ~/Library/Safari, or <container>/Data/Library/Safari
    container_library = library / _SAFARI_CONTAINER.removeprefix("Library/") / "Data" / "Library"
    if library.parent.name == "Data" and library.parent.parent.name == "com.apple.Safari":
        container_library = library
    return list(dict.fromkeys([container_library / jar, library / jar]))
