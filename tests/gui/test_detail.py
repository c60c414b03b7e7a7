"""The platform detail: the ownership chain with its sources, the law of the flow, all escaped."""

from __future__ import annotations

import json
from pathlib import Path

from borderless import analysis
from borderless.gui.detail import platform_html
from borderless.model import Source, SourceKind
from borderless.pipeline import scan
from borderless.resolve.law import LawTable
from borderless.resolve.owners import Catalogue
from tests.helpers import chromium_history_with
from tests.unit.test_owners import BASIS, COMPANIES, LAWS, PLATFORMS, write_catalogue


def test_the_detail_shows_the_chain_its_sources_and_the_law(store, chromium_history: Path):
    hostile = [
        {
            **COMPANIES[0],
            "name": "<script>alert(1)</script> Inc.",
            "note": '<img src=x onerror="x">',
        },
        *COMPANIES[1:],
    ]
    catalogue = Catalogue.load(write_catalogue(chromium_history.parent / "own", hostile, PLATFORMS))
    history = chromium_history_with(
        chromium_history.with_name("Detail"), chromium_history, ["https://www.tube.com/"]
    )
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", history)])
    laws = LawTable(LAWS)
    audit = analysis.audit(store, "BR", catalogue, laws)
    html = platform_html(audit.platforms[0], audit, catalogue, laws)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Inc." in html
    assert "Alpha Europe Ltd." in html  # the operator, first in the chain
    assert BASIS[0]["source"] in html and "checked 2026-11-25" in html
    assert "LGPD art. 33" in html and "CLOUD Act" in html
    assert "www.tube.com" in html
    json.dumps(html)


def test_the_detail_says_when_a_platform_tracks_without_a_visit(store, chromium_history: Path):
    from borderless.domains import canonical_host
    from borderless.model import CookieHost

    catalogue = Catalogue.load(write_catalogue(chromium_history.parent / "own2"))
    source = store.source_id(Source(SourceKind.CHROMIUM, "Chromium", "x", Path("/x/Cookies")))
    store.record_cookie_hosts(
        source, store.begin_scan(), [CookieHost("x.alphaads.net", 3, None, None, None, True)],
        canonical_host,
    )  # fmt: skip
    laws = LawTable(LAWS)
    audit = analysis.audit(store, "BR", catalogue, laws)
    (ads,) = [p for p in audit.platforms if p.attribution.platform == "Alpha Ads"]
    html = platform_html(ads, audit, catalogue, laws)
    assert "though you never visited it" in html and "x.alphaads.net" in html
    assert "Cookies (3)" in html
