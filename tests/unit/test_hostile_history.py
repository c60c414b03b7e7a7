"""A history full of what real browsers rarely write, in the real Chromium schema."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from borderless.model import Source, SourceKind
from borderless.pipeline import scan
from tests.helpers import visits_by_host

HOSTILE_URLS = {
    "javascript:alert(document.cookie)": None,
    "data:text/html,<script>alert(1)</script>": None,
    "file:///home/someone/secret.pdf": None,
    "about:blank": None,
    "chrome://settings/": None,
    "http://192.168.1.1/admin": "192.168.1.1",
    "http://[2001:db8::1]:8080/": "2001:db8::1",
    "http://xn--80ak6aa92e.com/": "xn--80ak6aa92e.com",
    "https://www.example.org/search?q=" + "x" * 10_000: "www.example.org",
    "https://user:hunter2@mail.example.net/inbox": "mail.example.net",
    "http://bad host.example/": None,
}
HOSTILE_TITLES = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '=HYPERLINK("http://evil.example","click")',
    "\x00\x01 nul and control",
    "😀" * 2000,
]


def hostile_history(path: Path, template: Path) -> None:
    path.write_bytes(template.read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM visits")
        connection.execute("DELETE FROM urls")
        for index, url in enumerate(HOSTILE_URLS):
            title = HOSTILE_TITLES[index % len(HOSTILE_TITLES)]
            url_id = connection.execute(
                "INSERT INTO urls (url, title, last_visit_time) VALUES (?, ?, 0)", [url, title]
            ).lastrowid
            connection.execute(
                "INSERT INTO visits (url, visit_time, from_visit, transition) VALUES (?, ?, 0, ?)",
                [url_id, 13_400_000_000_000_000 + index, 0x30000001],
            )
        # A URL that is NULL, and a visit pointing at no URL row at all.
        null_id = connection.execute(
            "INSERT INTO urls (url, last_visit_time) VALUES (NULL, 0)"
        ).lastrowid
        connection.execute(
            "INSERT INTO visits (url, visit_time, transition) VALUES (?, ?, ?)",
            [null_id, 13_400_000_000_000_100, 0x30000001],
        )


def test_hostile_urls_and_titles_are_read_safely(store, chromium_history: Path) -> None:
    hostile = chromium_history.with_name("Hostile")
    hostile_history(hostile, chromium_history)
    result = scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", hostile)])
    (outcome,) = result.outcomes
    assert outcome.error is None
    wanted = {host for host in HOSTILE_URLS.values() if host}
    assert set(visits_by_host(store)) == wanted
    assert outcome.visits_added == len(wanted)
    assert outcome.visits_read == len(HOSTILE_URLS) + 1
    # Non-web URLs and unusable hosts are skipped, and said to be.
    assert outcome.visits_skipped == len(HOSTILE_URLS) - len(wanted) + 1
    # Titles are never stored, nor are URLs unless asked for.
    assert store.rows("SELECT count(*) AS n FROM pages") == [{"n": 0}]


def test_kept_urls_never_keep_credentials(store, chromium_history: Path) -> None:
    hostile = chromium_history.with_name("Hostile")
    hostile_history(hostile, chromium_history)
    scan(store, [Source(SourceKind.CHROMIUM, "Chromium", "x", hostile)], keep_urls=True)
    urls = {row["url"] for row in store.rows("SELECT url FROM pages")}
    assert "https://mail.example.net/inbox" in urls
    assert not any("hunter2" in url for url in urls)
    assert not any(url.startswith(("javascript:", "data:", "file:")) for url in urls)
