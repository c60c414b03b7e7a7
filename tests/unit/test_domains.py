"""Host names from URLs, including what hostile or odd histories contain."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borderless.domains import (
    canonical_host,
    display_host,
    host_of_authority,
    host_of_url,
    strip_credentials,
)
from borderless.model import Host


@pytest.mark.parametrize(
    ("url", "host", "registrable"),
    [
        ("https://www.BBC.co.uk:443/news", "www.bbc.co.uk", "bbc.co.uk"),
        ("http://user:pass@host.example.com/x", "host.example.com", "example.com"),
        ("HTTPS://WWW.GOOGLE.COM./", "www.google.com", "google.com"),
        ("http://bücher.example/", "xn--bcher-kva.example", "xn--bcher-kva.example"),
        (
            "http://xn--d1abbgf6aiiy.xn--p1ai/",
            "xn--d1abbgf6aiiy.xn--p1ai",
            "xn--d1abbgf6aiiy.xn--p1ai",
        ),
        ("http://президент.рф/", "xn--d1abbgf6aiiy.xn--p1ai", "xn--d1abbgf6aiiy.xn--p1ai"),
        ("https://g1.globo.com/", "g1.globo.com", "globo.com"),
        # The ICANN section only: a github.io site belongs to GitHub's domain.
        ("https://someone.github.io/page", "someone.github.io", "github.io"),
        ("https://ex_ample.com/", "ex_ample.com", "ex_ample.com"),
        ("wss://socket.example.net/live", "socket.example.net", "example.net"),
        ("https://example.com?q=1", "example.com", "example.com"),
        ("https://example.com#top", "example.com", "example.com"),
        ("http://localhost:3000/", "localhost", None),
    ],
)
def test_web_urls_give_their_canonical_host(url: str, host: str, registrable: str | None) -> None:
    result = host_of_url(url)
    assert result == Host(name=host, registrable_domain=registrable, is_ip=False)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://192.168.1.1/admin", "192.168.1.1"),
        ("http://[::1]:8080/", "::1"),
        ("https://[2001:DB8:0:0:0:0:0:1]/", "2001:db8::1"),
        ("http://8.8.8.8/", "8.8.8.8"),
    ],
)
def test_ip_literals_are_kept_without_a_registrable_domain(url: str, address: str) -> None:
    assert host_of_url(url) == Host(name=address, registrable_domain=None, is_ip=True)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "about:blank",
        "chrome://settings/",
        "chrome-extension://abcdef/popup.html",
        "moz-extension://1234/options.html",
        "blob:https://example.com/uuid",
        "view-source:https://example.com/",
        "mailto:someone@example.com",
        "https:///no-host",
        "http://[::1/unbalanced",
        "http://a b.com/",
        "http://%65xample.com/",
        "https://" + "a" * 300 + ".com/",
        "http://1.2.3/",
        "",
        "not a url at all",
    ],
)
def test_urls_without_a_usable_web_host_give_none(url: str) -> None:
    assert host_of_url(url) is None


def test_a_ten_thousand_character_url_still_gives_its_host() -> None:
    url = "https://www.example.org/search?q=" + "x" * 10_000
    assert host_of_url(url) == Host("www.example.org", "example.org")


def test_label_longer_than_dns_allows_is_refused() -> None:
    assert canonical_host("a" * 64 + ".example.com") is None
    assert canonical_host("a" * 63 + ".example.com") is not None


def test_authority_parsing_drops_credentials_and_port() -> None:
    assert host_of_authority("user:secret@Mail.Example.COM:8443") == Host(
        "mail.example.com", "example.com"
    )


def test_display_host_decodes_punycode_and_leaves_broken_labels_alone() -> None:
    assert display_host("xn--d1abbgf6aiiy.xn--p1ai") == "президент.рф"
    assert display_host("www.example.com") == "www.example.com"
    assert display_host("xn--zz.example") == "xn--zz.example"


def test_strip_credentials_removes_user_and_password_only() -> None:
    assert strip_credentials("https://user:pass@host.example/p?q=1") == "https://host.example/p?q=1"
    assert strip_credentials("https://host.example/a@b") == "https://host.example/a@b"


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_no_text_makes_host_parsing_raise(text: str) -> None:
    for url in (text, "http://" + text, "https://" + text + "/path"):
        host = host_of_url(url)
        if host is not None:
            assert host.name == host.name.lower().strip()
            assert host.name.isascii() and len(host.name) <= 253
