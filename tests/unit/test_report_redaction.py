"""Redaction: each level of a report reveals less than the one before, in every section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderless import demo, pipeline
from borderless.home import HOME_SETTING
from borderless.model import Source, SourceKind
from borderless.report import build_report
from borderless.report.redaction import DESCRIPTIONS, Redaction, redact


@pytest.fixture
def kept_urls_store(store, chromium_history: Path):
    pipeline.scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "Ana Souza", chromium_history)],
                  keep_urls=True)  # fmt: skip
    store.set_setting(HOME_SETTING, "BR")
    return store


def _text(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False)


def test_the_default_shows_hosts_but_no_url_and_no_folders(kept_urls_store, chromium_history):
    content = build_report(kept_urls_store)
    assert content["redaction"] == {"level": "paths", "description": DESCRIPTIONS[Redaction.PATHS]}
    assert "urls" not in content
    assert content["domains"] and all("/" not in row["host"] for row in content["domains"])
    text = _text(content)
    assert str(chromium_history.parent) not in text  # the folder names the person's account
    assert [row["path"] for row in content["sources"]] == ["History"]
    kept = build_report(kept_urls_store, redaction=Redaction.NONE)["urls"]
    with_paths = [row["url"] for row in kept if row["url"].split("://", 1)[1].strip("/").count("/")]
    assert with_paths and not [url for url in with_paths if url in text]


def test_none_gives_full_urls_only_when_they_were_kept(kept_urls_store) -> None:
    content = build_report(kept_urls_store, redaction=Redaction.NONE)
    assert content["urls"] and all(row["url"].startswith("http") for row in content["urls"])
    assert sum(row["visits"] for row in content["urls"]) <= content["totals"]["visits"]
    path = content["sources"][0]["path"]
    assert path.endswith("History") and "/" in path


def test_hosts_hides_every_host_name_device_and_profile(demo_store) -> None:
    full = build_report(demo_store, redaction=Redaction.PATHS)
    content = build_report(demo_store, redaction=Redaction.HOSTS)
    assert content["domains"] == content["dns_hosts"] == content["cookie_hosts"] == []
    text = _text(content)
    hosts = {row["host"] for row in full["domains"]} | {row["host"] for row in full["dns_hosts"]}
    leaked = sorted(host for host in hosts if f'"{host}"' in text)
    assert leaked == []
    assert all(not p["domains"] and not p["dns_hosts"] for p in content["platforms"])
    assert {c["client"] for c in content["dns_clients"]} == {"device 1", "device 2", "device 3",
                                                             "device 4"}  # fmt: skip
    assert "192.168.0." not in text and "Ana" not in {s["profile"] for s in content["sources"]}
    # Platforms, owners, countries and every count stay.
    assert [p["visits"] for p in content["platforms"]] == [p["visits"] for p in full["platforms"]]
    assert (
        content["totals"] == full["totals"]
        and content["flows"]
        and content["countries"] == (full["countries"])
    )


def test_unattributed_sites_become_numbered_everywhere_they_appear() -> None:
    content = {
        "platforms": [
            {"id": None, "name": "tiny-shop.example", "domains": ["tiny-shop.example"],
             "cookie_hosts": [], "dns_hosts": [], "hosted_by": "Example Hosting"},
            {"id": "youtube", "name": "YouTube", "domains": ["www.youtube.com"],
             "cookie_hosts": [], "dns_hosts": []},
        ],
        "flows": [{"platforms": ["YouTube", "tiny-shop.example"]}],
        "dns_clients": [{"client": None, "platforms": [{"platform": "tiny-shop.example",
                                                        "lookups": 3}]}],
    }  # fmt: skip
    hidden = redact(content, Redaction.HOSTS)
    assert [p["name"] for p in hidden["platforms"]] == ["Unattributed site 1", "YouTube"]
    assert hidden["flows"][0]["platforms"] == ["YouTube", "Unattributed site 1"]
    assert hidden["dns_clients"][0] == {
        "client": None, "platforms": [{"platform": "Unattributed site 1", "lookups": 3}]
    }  # fmt: skip
    assert "tiny-shop" not in _text(hidden)
    assert content["platforms"][0]["name"] == "tiny-shop.example"  # the original is untouched


def test_platforms_leaves_owners_and_countries(demo_store) -> None:
    full = build_report(demo_store)
    content = build_report(demo_store, redaction=Redaction.PLATFORMS)
    assert content["platforms"] == []
    names = {p["name"] for p in full["platforms"]}
    text = _text(content)
    assert sorted(name for name in names if f'"{name}"' in text) == []
    owners = {row["owner"]: row for row in content["owners"]}
    assert owners["Alphabet Inc."]["legal_home"] == "US"
    assert sum(row["visits"] for row in content["owners"]) == sum(
        p["visits"] for p in full["platforms"]
    )
    assert all(name in owners for flow in content["flows"] for name in flow["platforms"])
    assert content["categories"] == full["categories"]


def test_aggregate_keeps_only_totals_per_country_and_category(demo_store) -> None:
    full = build_report(demo_store)
    content = build_report(demo_store, redaction=Redaction.AGGREGATE)
    assert content["platforms"] == content["owners"] == content["dns_clients"] == []
    assert all(flow["platforms"] == [] for flow in content["flows"])
    assert [flow["visits"] for flow in content["flows"]] == [f["visits"] for f in full["flows"]]
    assert content["categories"] == full["categories"] and content["timeline"] == full["timeline"]
    assert all(row["path"] is None and row["profile"] is None for row in content["sources"])
    assert "Alphabet" not in _text(content)


def test_categories_and_timeline_add_up(demo_store) -> None:
    content = build_report(demo_store)
    assert sum(row["visits"] for row in content["categories"]) == sum(
        p["visits"] for p in content["platforms"]
    )
    days = content["timeline"]
    assert content["timeline_unit"] == "day"
    assert sum(d["home"] + d["abroad"] + d["unknown"] for d in days) == content["totals"]["visits"]
    assert [d["day"] for d in days] == sorted(d["day"] for d in days)


def test_a_dns_source_counts_its_lookups_as_records(demo_store) -> None:
    sources = {row["kind"]: row for row in build_report(demo_store)["sources"]}
    stored = demo_store.rows("SELECT count(*) AS n FROM dns_lookups")[0]["n"]
    assert sources["adguard"]["records"] == stored > 0


def test_an_error_message_does_not_give_the_folder_away(store, tmp_path: Path) -> None:
    missing = tmp_path / "someone" / "profile" / "History"
    pipeline.scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "gone", missing)])
    full = build_report(store, redaction=Redaction.NONE)
    assert str(missing) in full["sources"][0]["error"]
    content = build_report(store)
    error = content["sources"][0]["error"]
    assert "History" in error and str(missing.parent) not in error


def test_the_timeline_counts_each_visit_on_its_utc_day(store, tmp_path: Path) -> None:
    """Against a count made independently, visit by visit (including one before 1970)."""
    import datetime as dt
    from collections import Counter

    from borderless import analysis
    from borderless.resolve.owners import shipped_catalogue

    pipeline.scan(store, demo.prepare(tmp_path, demo.persona()))
    store.connection.execute("UPDATE visits SET visited_at_us = -1 WHERE id = 1")
    domains = analysis.domain_summaries(store)
    found = analysis.attributions(domains, analysis.host_networks(store), shipped_catalogue())
    days = analysis.timeline(store, "BR", found)
    expected: Counter[str] = Counter()
    for (moment,) in store.connection.execute("SELECT visited_at_us FROM visits"):
        day = dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=moment)
        expected[day.date().isoformat()] += 1
    assert {d.day: d.home + d.abroad + d.unknown for d in days} == dict(expected)
    assert days[0].day == "1969-12-31"
