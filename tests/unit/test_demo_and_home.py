"""The demo persona and the home country."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from borderless import demo
from borderless.home import locale_country, normalise_country
from borderless.model import Source, SourceKind
from borderless.pipeline import scan
from tests.helpers import fingerprint


def test_the_persona_history_is_a_real_chromium_history_and_reproducible(
    store, tmp_path: Path
) -> None:
    person = demo.persona()
    first = tmp_path / "a" / "History"
    second = tmp_path / "b" / "History"
    navigations = demo.write_history(person, first)
    assert demo.write_history(person, second) == navigations
    assert fingerprint(first.parent)["History"][0] == fingerprint(second.parent)["History"][0]
    with sqlite3.connect(first) as connection:
        version = connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
    assert version == ("70",)

    result = scan(store, [Source(SourceKind.CHROMIUM, "Chromium (demo)", person.name, first)])
    (outcome,) = result.outcomes
    assert outcome.error is None
    # Every navigation is counted once; the persona's few PDFs opened from disk are skipped.
    assert outcome.visits_read == navigations
    assert outcome.visits_skipped > 0
    assert outcome.visits_added == navigations - outcome.visits_skipped
    synced = store.rows("SELECT sum(synced) AS n FROM visits")[0]["n"]
    assert 0 < synced < navigations * 0.2


def test_unknown_persona_is_named_in_the_error() -> None:
    with pytest.raises(KeyError, match="no demo persona 'zed'"):
        demo.persona("zed")


@pytest.mark.parametrize(("text", "code"), [("br", "BR"), (" jp ", "JP"), ("DE", "DE")])
def test_country_codes_are_normalised(text: str, code: str) -> None:
    assert normalise_country(text) == code


@pytest.mark.parametrize("text", ["", "B", "BRA", "12", "ZZ", "XX", "EU"])
def test_non_country_codes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="two-letter country code"):
        normalise_country(text)


@pytest.mark.parametrize(
    ("lang", "country"),
    [("pt_BR.UTF-8", "BR"), ("ja_JP.UTF-8", "JP"), ("C.UTF-8", None), ("POSIX", None)],
)
def test_the_locale_suggests_a_home_country(monkeypatch, lang: str, country: str | None) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", lang)
    monkeypatch.setattr("locale.getlocale", lambda: (None, None))
    assert locale_country() == country


@pytest.mark.parametrize(
    ("zone", "country"),
    [("America/Sao_Paulo", "BR"), (":Europe/Berlin", "DE"), ("Asia/Tokyo", "JP"), ("UTC", None),
     ("Etc/GMT+3", None), ("Not/AZone", None)],
)  # fmt: skip
def test_the_time_zone_suggests_a_home_country(monkeypatch, zone: str, country) -> None:
    from borderless.home import time_zone_country

    monkeypatch.setenv("TZ", zone)
    assert time_zone_country() == country


def test_the_time_zone_comes_before_the_locale(monkeypatch, store) -> None:
    from borderless.home import home_country, home_country_source

    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setenv("TZ", "America/Sao_Paulo")
    assert (home_country(store), home_country_source(store)) == ("BR", "timezone")
    monkeypatch.setenv("TZ", "UTC")
    assert (home_country(store), home_country_source(store)) == ("US", "locale")


def test_the_persona_home_network_is_a_query_log_the_adguard_reader_reads(
    store, tmp_path: Path
) -> None:
    from borderless.sources.adguard import read_adguard
    from borderless.sources.dns_evidence import dns_kind_of

    person = demo.persona()
    sources = demo.prepare(tmp_path, person)
    assert [source.kind for source in sources] == [SourceKind.CHROMIUM, SourceKind.ADGUARD]
    log = sources[1].path
    assert dns_kind_of(log) is SourceKind.ADGUARD
    again = tmp_path / "again.json"
    written = demo.write_home_network(person, again)
    assert again.read_bytes() == log.read_bytes()  # the same log every time
    lookups = list(read_adguard(log))
    assert len(lookups) == written
    devices = {device["address"] for device in person.data["home_network"]["devices"]}
    assert {lookup.client for lookup in lookups} == devices
    blocked = set(person.data["home_network"]["blocked"])
    assert {lookup.name for lookup in lookups if lookup.outcome == "blocked"} == blocked
    result = scan(store, sources)
    assert [outcome.error for outcome in result.outcomes] == [None, None]
    assert result.outcomes[1].lookups_read == written
