"""Cookie jars as evidence in the audit: stored by host, never lost, and shown per platform."""

from __future__ import annotations

from pathlib import Path

from borderless import analysis
from borderless.domains import canonical_host
from borderless.model import CookieHost, Source, SourceKind
from borderless.pipeline import scan
from borderless.report import build_report
from borderless.resolve.law import LawTable
from borderless.resolve.owners import Catalogue
from tests.helpers import chromium_history_with
from tests.unit.test_owners import LAWS, write_catalogue


def jar(
    host: str, cookies: int = 2, persistent: bool = True, accessed: int = 1_780_000_000_000_000
):
    return CookieHost(host, cookies, 1_770_000_000_000_000, accessed, None, persistent)


def test_a_jar_is_stored_by_host_and_a_later_reading_keeps_what_was_seen(store) -> None:
    source = store.source_id(Source(SourceKind.CHROMIUM, "Chromium", "Default", Path("/x/Cookies")))
    scan_id = store.begin_scan()
    stored = store.record_cookie_hosts(
        source, scan_id, [jar("tracker.example"), jar("bad host!"), jar("www.tube.com", 1, False)],
        canonical_host,
    )  # fmt: skip
    assert stored == 2  # the unusable host name is skipped
    # The person clears the tracker's cookies: the jar no longer names it, the audit keeps it.
    later = jar("www.tube.com", 3, False, 1_790_000_000_000_000)
    store.record_cookie_hosts(source, scan_id, [later], canonical_host)
    rows = {e.host: e for e in analysis.cookie_evidence(store)}
    assert set(rows) == {"tracker.example", "www.tube.com"}
    assert rows["www.tube.com"].cookies == 3 and not rows["www.tube.com"].persistent
    assert rows["www.tube.com"].last_accessed == "2026-09-21T14:13:20Z"
    assert rows["tracker.example"].persistent


def test_cookies_without_a_visit_make_a_tracking_platform(store, chromium_history: Path) -> None:
    catalogue = Catalogue.load(write_catalogue(chromium_history.parent / "own"))
    history = chromium_history_with(
        chromium_history.with_name("Visits"), chromium_history, ["https://www.tube.com/"]
    )
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", history)])
    source = store.source_id(Source(SourceKind.CHROMIUM, "Chromium", "x", Path("/x/Cookies")))
    store.record_cookie_hosts(
        source, store.begin_scan(),
        [jar("x.alphaads.net", 4), jar("www.tube.com", 1), jar("px.unknown-tracker.io", 1)],
        canonical_host,
    )  # fmt: skip
    audit = analysis.audit(store, "BR", catalogue, LawTable(LAWS))
    platforms = {p.attribution.platform: p for p in audit.platforms}
    tube = platforms["Tube"]
    assert (tube.visits, tube.cookies, tube.evidence) == (1, 1, ("history", "cookies"))
    assert not tube.tracks_without_visit
    ads = platforms["Alpha Ads"]  # a tracker entity whose company the catalogue places
    assert ads.tracks_without_visit and ads.evidence == ("cookies",)
    assert ads.attribution.legal_home == "US"
    assert platforms["unknown-tracker.io"].tracks_without_visit
    # The visits and the voluntary share are those of the history alone.
    assert audit.totals.visits == 1 and audit.share.user_initiated_visits == 1
    report = build_report(store, catalogue, LawTable(LAWS))
    by_name = {p["name"]: p for p in report["platforms"]}
    assert by_name["Alpha Ads"]["tracks_without_visit"] is True
    assert {row["host"] for row in report["cookie_hosts"]} == {
        "x.alphaads.net", "www.tube.com", "px.unknown-tracker.io"
    }  # fmt: skip
    assert all("value" not in row and "name" not in row for row in report["cookie_hosts"])


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_a_scan_reads_each_profiles_cookie_jar_beside_its_history(store, tmp_path: Path) -> None:
    import shutil

    from borderless.resolve.law import shipped_law_table
    from borderless.resolve.owners import shipped_catalogue

    profile = tmp_path / "chromium" / "Default"
    profile.mkdir(parents=True)
    shutil.copyfile(FIXTURES / "browsers" / "chromium" / "Default" / "History", profile / "History")
    shutil.copyfile(FIXTURES / "cookies" / "chromium" / "Default" / "Cookies", profile / "Cookies")
    source = Source(SourceKind.CHROMIUM, "Chromium", "Default", profile / "History")
    result = scan(store, [source])
    jars = [o for o in result.outcomes if o.source.kind == SourceKind.CHROMIUM_COOKIES]
    assert len(jars) == 1 and jars[0].error is None and jars[0].cookie_hosts == 4
    assert result.visits_read == 32  # the jar adds no visits
    again = scan(store, [source])
    assert [o.unchanged for o in again.outcomes] == [True, True]
    assert again.outcomes[1].cookie_hosts == 4

    audit = analysis.audit(store, "BR", shipped_catalogue(), shipped_law_table())
    tracking = [p for p in audit.platforms if p.tracks_without_visit]
    assert [p.cookie_hosts for p in tracking] == [("ad.doubleclick.net",)]
    assert tracking[0].attribution.parent == "Alphabet Inc."
    lemonde = next(p for p in audit.platforms if "lemonde.fr" in p.cookie_hosts)
    assert lemonde.visits > 0 and lemonde.evidence == ("history", "cookies")


def test_an_unreadable_jar_is_reported_and_the_history_still_counts(store, tmp_path: Path):
    import shutil

    profile = tmp_path / "Default"
    profile.mkdir()
    shutil.copyfile(FIXTURES / "browsers" / "chromium" / "Default" / "History", profile / "History")
    (profile / "Cookies").write_bytes(b"locked or broken" * 64)
    result = scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "Default", profile / "History")])
    history, jar = result.outcomes
    assert history.error is None and history.visits_added == 32
    assert jar.error is not None and str(profile / "Cookies") in jar.error
