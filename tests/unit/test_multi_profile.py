"""Two profiles per browser, written by the real browsers: found, named, read, and never written.

The fixture (tests/fixtures/profiles, see its README) is one Chromium user-data folder with the
profiles `Default` and `Profile 1`, and one Firefox root whose `profiles.ini` lists `personal` and
`work`. Tests copy it into a made-up home folder: the originals are never opened.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from borderless.model import COOKIE_KIND, Source, SourceKind
from borderless.pipeline import scan
from borderless.sources.discovery import cookie_jar_for, discover
from tests.helpers import fingerprint, visits_by_host

PROFILES = Path(__file__).resolve().parent.parent / "fixtures" / "profiles"
CHROMIUM_FIXTURE = PROFILES / "chromium-user-data"
FIREFOX_FIXTURE = PROFILES / "firefox-root"
EXPECTED = json.loads((PROFILES / "expected.json").read_text(encoding="utf-8"))


def make_home(home: Path) -> tuple[Path, Path]:
    """Copies of both fixture folders at their Linux places under `home`."""
    chromium = home / ".config" / "chromium"
    firefox = home / ".mozilla" / "firefox"
    shutil.copytree(CHROMIUM_FIXTURE, chromium)
    shutil.copytree(FIREFOX_FIXTURE, firefox)
    return chromium, firefox


def expected_profiles(chromium: Path, firefox: Path) -> dict[Path, tuple[str, str, dict]]:
    """History path -> (browser, display name, what expected.json says of the profile)."""
    profiles = {}
    for folder, entry in EXPECTED["chromium"].items():
        profiles[(chromium / folder / "History").resolve()] = ("Chromium", entry["name"], entry)
    for folder, entry in EXPECTED["firefox"].items():
        profiles[(firefox / folder / "places.sqlite").resolve()] = ("Firefox", entry["name"], entry)
    return profiles


def cookie_hosts_of(store, jar_source: Source) -> list[str]:
    rows = store.connection.execute(
        "SELECT h.name FROM cookie_hosts AS c JOIN hosts AS h ON h.id = c.host_id"
        " WHERE c.source_id = ? ORDER BY h.name",
        [store.source_id(jar_source)],
    ).fetchall()
    return [name for (name,) in rows]


def test_the_fixture_has_two_named_profiles_per_browser() -> None:
    assert set(EXPECTED["chromium"]) == {"Default", "Profile 1"}
    assert len(EXPECTED["firefox"]) == 2
    for browser in ("chromium", "firefox"):
        names = [entry["name"] for entry in EXPECTED[browser].values()]
        assert len(set(names)) == 2, f"{browser}: the two profiles must have distinct names"
    # The names Chromium itself wrote into Local State are the ones expected.json records.
    state = json.loads((CHROMIUM_FIXTURE / "Local State").read_text(encoding="utf-8"))
    cache = state["profile"]["info_cache"]
    assert {k: v["name"] for k, v in cache.items()} == {
        k: v["name"] for k, v in EXPECTED["chromium"].items()
    }
    # Only what the app reads was kept, and no journal or WAL beside any database.
    leftovers = [p for p in PROFILES.rglob("*") if p.name.endswith(("-wal", "-journal", "-shm"))]
    assert not leftovers


def test_discovery_finds_all_four_profiles_with_names_and_cookie_jars(tmp_path: Path) -> None:
    chromium, firefox = make_home(tmp_path)
    found = discover(tmp_path, platform="linux", environ={})
    expected = expected_profiles(chromium, firefox)
    assert {source.path: (source.browser, source.profile) for source in found} == {
        path: (browser, name) for path, (browser, name, _entry) in expected.items()
    }
    kinds = {source.path: source.kind for source in found}
    for path, (browser, _name, entry) in expected.items():
        assert kinds[path] is (SourceKind.CHROMIUM if browser == "Chromium" else SourceKind.FIREFOX)
        source = next(s for s in found if s.path == path)
        jar = cookie_jar_for(source)
        if browser == "Chromium":
            assert jar == path.parent / entry["jar"]
        else:
            assert jar == path.parent / "cookies.sqlite"


def test_a_scan_stores_visits_and_cookies_per_profile_and_writes_nothing(
    tmp_path: Path, store
) -> None:
    chromium, firefox = make_home(tmp_path)
    before = {folder: fingerprint(folder) for folder in (chromium, firefox)}

    sources = discover(tmp_path, platform="linux", environ={})
    result = scan(store, sources)

    assert not result.failed, [outcome.error for outcome in result.failed]
    expected = expected_profiles(chromium, firefox)
    for source in sources:
        _browser, _name, entry = expected[source.path]
        assert visits_by_host(store, store.source_id(source)) == entry["visits"], source.profile
        jar = cookie_jar_for(source)
        assert jar is not None
        jar_source = Source(
            COOKIE_KIND[source.kind], f"{source.browser} cookies", source.profile, jar
        )
        assert cookie_hosts_of(store, jar_source) == entry["cookie_hosts"], source.profile
    jar_outcomes = [o for o in result.outcomes if o.source.kind in COOKIE_KIND.values()]
    assert len(jar_outcomes) == 4
    assert all(outcome.cookie_hosts == 1 for outcome in jar_outcomes)
    # Discovery and the scan only ever read: not a byte, not a time stamp, not a -shm file.
    assert {folder: fingerprint(folder) for folder in (chromium, firefox)} == before


# A Chromium that is running -----------------------------------------------------------------------

WATCHED = ("History", "History-journal", "Cookies", "Cookies-journal")


def _open_by_some_process(path: Path) -> bool:
    """Whether any process on this machine holds `path` open (Linux: /proc/<pid>/fd)."""
    target = str(path)
    for fd_folder in Path("/proc").glob("[0-9]*/fd"):
        try:
            links = list(fd_folder.iterdir())
        except OSError:
            continue
        for link in links:
            try:
                if os.readlink(link) == target:
                    return True
            except OSError:
                continue
    return False


def _watched(profile: Path) -> dict[str, tuple[str, int]]:
    """Fingerprints of the profile's history and cookie files (and their journals) only."""
    return {name: value for name, value in fingerprint(profile).items() if name in WATCHED}


def _wait_until_idle(profile: Path, quiet_for: float = 2.0, timeout: float = 30.0) -> None:
    """Wait until Chromium has not touched the watched files for `quiet_for` seconds."""
    deadline = time.monotonic() + timeout
    last, since = _watched(profile), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = _watched(profile)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            return
    raise TimeoutError(f"Chromium kept writing into {profile}")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_a_scan_while_chromium_runs_reads_the_history_and_writes_nothing(
    tmp_path: Path, store
) -> None:
    user_data = tmp_path / "chromium-user-data"
    shutil.copytree(CHROMIUM_FIXTURE, user_data)
    profile = user_data / "Default"
    process = subprocess.Popen(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={user_data}", "--profile-directory=Default", "about:blank",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped below by that group's id
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _open_by_some_process(profile / "History"):
            assert process.poll() is None, "Chromium exited before opening the profile"
            assert time.monotonic() < deadline, "Chromium never opened the profile's History"
            time.sleep(0.25)
        # Chromium owns these files while it runs and may write to them at any time (its own
        # commits, a cookie flush). What this test holds the scan to is that the SCAN writes
        # nothing, so it compares the files only across the scan itself: it first waits until
        # Chromium is idle, then fingerprints right before and right after the scan. A change in
        # that window would be the scan's (or, improbably, an idle browser's: then rerun).
        _wait_until_idle(profile)
        before = _watched(profile)
        source = Source(SourceKind.CHROMIUM, "Chromium", "Default", profile / "History")
        result = scan(store, [source])
        after = _watched(profile)
        assert process.poll() is None, "Chromium must still be running during the scan"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
    assert "History" in before and after == before
    assert not result.failed, [outcome.error for outcome in result.failed]
    assert visits_by_host(store) == EXPECTED["chromium"]["Default"]["visits"]
    jar_outcomes = [o for o in result.outcomes if o.source.kind is COOKIE_KIND[SourceKind.CHROMIUM]]
    assert [outcome.cookie_hosts for outcome in jar_outcomes] == [1]
