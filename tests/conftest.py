"""Shared fixtures. Tests never touch the network beyond 127.0.0.1, nor a real profile."""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import shutil
from pathlib import Path

import dns.nameserver
import pytest

# CI has no display; Qt must render offscreen in every test that uses it.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from borderless.store import Store  # noqa: E402 - after the environment is set

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROWSERS = FIXTURES / "browsers"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test may find (or write into) the real user's browsers or data folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("BORDERLESS_DATA_DIR", str(home / "borderless-data"))
    # Commands run by tests send no DNS query unless a test asks for one (to 127.0.0.1).
    monkeypatch.setenv("BORDERLESS_OFFLINE", "1")
    # The machine's own time zone must not decide a test's home country.
    monkeypatch.setenv("TZ", "UTC")
    # Nor may its own DNS logs (a Pi-hole, /var/log/dnsmasq.log) be found.
    monkeypatch.setenv("BORDERLESS_SYSTEM_ROOT", str(home / "system-root"))
    return home


@pytest.fixture(autouse=True)
def _loopback_dns_only(monkeypatch: pytest.MonkeyPatch):
    """Fail any test whose code sends a DNS query anywhere but to this machine."""
    strays: list[str] = []
    original = dns.nameserver.Do53Nameserver.async_query

    async def guarded(self, *args, **kwargs):
        if not ipaddress.ip_address(self.address).is_loopback:
            strays.append(self.address)
            raise OSError(errno.ENETUNREACH, "tests may only query resolvers on 127.0.0.1")
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(dns.nameserver.Do53Nameserver, "async_query", guarded)
    yield
    assert not strays, f"a DNS query went to {strays[0]}, not to a resolver on this machine"


@pytest.fixture
def store():
    with Store.in_memory() as opened:
        yield opened


def scan_demo(store: Store, folder: Path) -> None:
    """The demo persona's evidence written into `folder`, scanned into `store`, resolved
    offline, as `borderless demo` does."""
    from borderless import demo, pipeline  # noqa: PLC0415
    from borderless.home import HOME_SETTING  # noqa: PLC0415

    person = demo.persona(None)
    store.set_setting(HOME_SETTING, person.home_country)
    pipeline.scan(store, demo.prepare(folder, person))
    pipeline.resolve_hosts(store, pipeline.ResolveOptions(offline=True))


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding the demo persona's audit, made once per run: read it, never change
    it (`demo_folder` gives each test a copy of its own)."""
    from borderless import paths  # noqa: PLC0415

    folder = tmp_path_factory.mktemp("demo-template")
    with Store.open(paths.audit_path(folder)) as opened:
        scan_demo(opened, folder)
    return folder


@pytest.fixture
def demo_folder(demo_template: Path, tmp_path: Path) -> Path:
    """A data folder of this test's own holding the demo persona's audit (resolved offline)."""
    target = tmp_path / "demo-data"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def demo_store(demo_folder: Path):
    """The demo persona's audit, open, in a folder of this test's own."""
    from borderless import paths  # noqa: PLC0415

    with Store.open(paths.audit_path(demo_folder)) as opened:
        yield opened


@pytest.fixture(scope="session")
def expected() -> dict:
    """Visits per final host that the fixture browsers were made to record."""
    return json.loads((BROWSERS / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def chromium_history(tmp_path: Path) -> Path:
    """A private copy of the Chromium fixture's History, for tests that alter it."""
    target = tmp_path / "chromium" / "Default" / "History"
    target.parent.mkdir(parents=True)
    shutil.copyfile(BROWSERS / "chromium" / "Default" / "History", target)
    return target


@pytest.fixture
def firefox_places(tmp_path: Path) -> Path:
    target = tmp_path / "firefox" / "places.sqlite"
    target.parent.mkdir(parents=True)
    shutil.copyfile(BROWSERS / "firefox" / "places.sqlite", target)
    return target


@pytest.fixture(scope="session", autouse=True)
def _fixtures_stay_untouched():
    """Fail the run if anything wrote into the committed fixtures (a -shm file, a checkpoint)."""
    from tests.helpers import fingerprint

    before = fingerprint(FIXTURES)
    yield
    after = fingerprint(FIXTURES)
    assert after == before, "tests changed tests/fixtures: open copies, never the originals"
