"""Host names from URLs: one canonical form, the registrable domain, and a readable form.

The registrable domain (eTLD+1) comes from the Public Suffix List shipped inside the
``publicsuffixlist`` package, which never goes online. Only the list's ICANN section is used: its
private section makes every ``*.github.io`` or ``*.blogspot.com`` site a domain of its own, while
the audit asks which company runs a site, and those are GitHub's and Google's.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from urllib.parse import urlsplit

import idna
from publicsuffixlist import PublicSuffixList

from borderless.model import Host

# Schemes whose URLs name a host that data was sent to. Everything else (file:, data:,
# javascript:, about:, blob:, chrome:, extension pages, view-source:) never left the machine.
WEB_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})

# Real host names carry underscores now and then (DNS allows them); browsers accept them too.
_ASCII_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_MAX_HOST_LENGTH = 253


@functools.cache
def _suffix_list() -> PublicSuffixList:
    return PublicSuffixList(only_icann=True)


def host_of_url(url: str) -> Host | None:
    """The host a URL sent data to, or None when it names no web host.

    Args:
        url: any URL text as a browser stored it, trusted or not.

    Returns:
        The canonical host, or None for non-web schemes and host names no resolver would accept.
    """
    scheme, separator, rest = url.partition(":")
    if not separator or scheme.lower() not in WEB_SCHEMES or not rest.startswith("//"):
        return None
    # The authority ends at the first "/", "?" or "#". Finding it by hand is several times
    # quicker than urlsplit, and a history holds tens of thousands of URLs on a few hosts.
    end = len(rest)
    for delimiter in "/?#":
        position = rest.find(delimiter, 2)
        if position != -1 and position < end:
            end = position
    return host_of_authority(rest[2:end])


@functools.lru_cache(maxsize=65536)
def host_of_authority(authority: str) -> Host | None:
    """The host of a URL's authority part (``user:password@host:port``), or None if unusable."""
    # Many URLs share a host: the cache saves the parsing for all but the first.
    try:
        host_text = urlsplit("//" + authority).hostname
    except ValueError:
        return None
    return canonical_host(host_text) if host_text else None


def canonical_host(text: str) -> Host | None:
    """The canonical form of a host name or IP literal, or None if it is not a usable host."""
    text = text.strip().rstrip(".").lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return Host(name=address.compressed, registrable_domain=None, is_ip=True)
    if not text.isascii():
        try:
            text = idna.encode(text, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    if len(text) > _MAX_HOST_LENGTH:
        return None
    labels = text.split(".")
    if not all(_ASCII_LABEL.match(label) for label in labels):
        return None
    if labels[-1].isdigit():  # 1.2.3, or an IPv4 address in a form ip_address refuses
        return None
    registrable = _suffix_list().privatesuffix(text)
    return Host(name=text, registrable_domain=registrable, is_ip=False)


def display_host(name: str) -> str:
    """The form of a host a person reads: Unicode for IDN labels, the stored form otherwise."""
    if "xn--" not in name:
        return name
    try:
        return idna.decode(name)
    except idna.IDNAError:
        return name


def strip_credentials(url: str) -> str:
    """A URL without the user name and password some links carry (`https://user:pass@host/`)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
