"""Values passed between the layers: sources, store, pipeline, reports. Standard library only."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class SourceKind(enum.StrEnum):
    """The format of a piece of evidence; it decides which reader opens it."""

    CHROMIUM = "chromium"
    FIREFOX = "firefox"
    SAFARI = "safari"
    # Cookie jars, read for the hosts they name only.
    CHROMIUM_COOKIES = "chromium-cookies"
    FIREFOX_COOKIES = "firefox-cookies"
    SAFARI_COOKIES = "safari-cookies"
    # DNS lookup evidence.
    DNSMASQ_LOG = "dnsmasq-log"
    PIHOLE = "pihole"
    ADGUARD = "adguard"
    CAPTURE = "capture"
    NEXTDNS = "nextdns"
    NETLOG = "netlog"
    # The operating systems' own DNS caches, saved to a file or read live by a command.
    WINDOWS_DNS_CACHE = "windows-dns-cache"
    RESOLVED_CACHE = "resolved-cache"
    MACOS_DNS_CACHE = "macos-dns-cache"


# The cookie jar kind of each browser family's profile.
COOKIE_KIND = {
    SourceKind.CHROMIUM: SourceKind.CHROMIUM_COOKIES,
    SourceKind.FIREFOX: SourceKind.FIREFOX_COOKIES,
    SourceKind.SAFARI: SourceKind.SAFARI_COOKIES,
}


class Transition(enum.StrEnum):
    """How a visit came about, in one vocabulary for every browser."""

    LINK = "link"
    TYPED = "typed"
    BOOKMARK = "bookmark"
    GENERATED = "generated"  # chosen from the address bar's suggestions
    FORM_SUBMIT = "form_submit"
    KEYWORD = "keyword"  # a search keyword typed in the address bar
    DOWNLOAD = "download"
    FRAMED_LINK = "framed_link"  # a link followed inside a frame
    SUBFRAME = "subframe"
    EMBED = "embed"
    AUTO_TOPLEVEL = "auto_toplevel"  # opened by the browser (start page, command line)
    KEYWORD_GENERATED = "keyword_generated"
    RELOAD = "reload"
    REDIRECT = "redirect"  # the end of a redirect chain whose start is gone
    OTHER = "other"


# Visits a person starts. Subframes, embeds, reloads, redirects without a known start and pages the
# browser opened by itself are the browser's doing; synced visits happened on another device.
USER_TRANSITIONS = frozenset(
    {
        Transition.LINK,
        Transition.TYPED,
        Transition.BOOKMARK,
        Transition.GENERATED,
        Transition.FORM_SUBMIT,
        Transition.KEYWORD,
        Transition.DOWNLOAD,
        Transition.FRAMED_LINK,
    }
)


@dataclass(frozen=True, slots=True)
class Source:
    """One piece of local evidence: a browser profile's history database, a DNS log, or what a
    command shows (an operating system's DNS cache)."""

    kind: SourceKind
    browser: str  # the product a person knows: "Chromium", "Google Chrome", "Firefox"
    profile: str  # the profile's display name, or its folder name
    path: Path  # the database file itself; for a live source, the command in words
    live: bool = False  # read by running a command, not from a file: read again at every scan


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Evidence that was found but could not be read, and why, in words for a person."""

    source: Source
    problem: str


@dataclass(frozen=True, slots=True)
class Host:
    """A network host name in canonical form (ASCII, punycode for IDN, lower case)."""

    name: str
    registrable_domain: str | None  # eTLD+1; None for IP literals and bare names like localhost
    is_ip: bool = False


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """What a scan did with one source."""

    source: Source
    visits_read: int = 0  # visits in the source, a redirect chain counted once
    visits_added: int = 0  # of those, not stored before
    visits_skipped: int = 0  # no web host (file:, data:, about:, ...) or an unusable host
    error: str | None = None
    unchanged: bool = False  # its files were as at the last scan, so it was not read again
    cookie_hosts: int = 0  # for a cookie jar: the hosts it keeps cookies for
    lookups_read: int = 0  # for DNS evidence: the lookups in it
    lookups_added: int = 0  # of those, not stored before


@dataclass(slots=True)
class ScanResult:
    """The outcome of one scan, for the summary line and the app."""

    scan_id: int
    outcomes: list[SourceOutcome] = field(default_factory=list)
    cancelled: bool = False

    @property
    def visits_added(self) -> int:
        return sum(outcome.visits_added for outcome in self.outcomes)

    @property
    def visits_read(self) -> int:
        return sum(outcome.visits_read for outcome in self.outcomes)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error is not None]


class ResolutionStatus(enum.StrEnum):
    """How the resolution of one host ended."""

    OK = "ok"  # at least one address
    NO_ADDRESS = "no_address"  # the name exists but has no A or AAAA record
    NXDOMAIN = "nxdomain"  # the name does not exist
    SERVFAIL = "servfail"  # the resolver failed to find out
    REFUSED = "refused"  # the resolver would not answer
    TIMEOUT = "timeout"  # no answer in time, after the retries
    NO_NETWORK = "no_network"  # no resolver could be reached at all
    ERROR = "error"  # anything else: a malformed answer, a CNAME loop
    LOCAL_NAME = "local_name"  # a name of this machine or network, never sent to a resolver
    IP_LITERAL = "ip_literal"  # the host is an address already
    OFFLINE = "offline"  # not looked up: offline mode and nothing known about it

    @property
    def is_failure(self) -> bool:
        """A failure worth trying again later, not an answer about the name."""
        return self in RETRYABLE_STATUSES


RETRYABLE_STATUSES = frozenset(
    {
        ResolutionStatus.SERVFAIL,
        ResolutionStatus.REFUSED,
        ResolutionStatus.TIMEOUT,
        ResolutionStatus.NO_NETWORK,
        ResolutionStatus.ERROR,
        ResolutionStatus.OFFLINE,
    }
)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What DNS said about one host at one time."""

    host: str
    status: ResolutionStatus
    cname_chain: tuple[str, ...] = ()  # the names the host is an alias of, in order
    addresses: tuple[str, ...] = ()  # IPv4 then IPv6, as text
    ttl: int | None = None  # the smallest TTL of the answers (negative TTL for NXDOMAIN)
    resolver: str | None = None  # "system", "127.0.0.1:5353"; None when no query was sent
    resolved_at: float = 0.0  # seconds since 1970 UTC
    detail: str | None = None  # the reason, in words, when there are no addresses


@dataclass(frozen=True, slots=True)
class CookieHost:
    """That a browser keeps cookies for a host: never their names or values, only the host,
    how many, and when (times in microseconds since 1970 UTC)."""

    host: str  # canonical host, without the leading dot of a domain cookie
    cookies: int
    first_created_us: int | None
    last_accessed_us: int | None
    latest_expiry_us: int | None  # None when every cookie ends with the session
    persistent: bool  # at least one cookie outlives the session


class LookupOutcome(enum.StrEnum):
    """How a DNS lookup in a log or capture ended."""

    ANSWERED = "answered"  # addresses (or a chain) came back
    NXDOMAIN = "nxdomain"
    NO_DATA = "no_data"  # the name exists, no record of the type asked
    BLOCKED = "blocked"  # a filter (Pi-hole, AdGuard, NextDNS) refused it: an attempt, no data sent
    FAILED = "failed"  # SERVFAIL, REFUSED and the like
    UNANSWERED = "unanswered"  # a query with no response in the evidence


@dataclass(frozen=True, slots=True)
class DnsLookup:
    """One DNS lookup seen in a log, a database or a capture: evidence that something on the
    machine (or the network) asked for a name, and what came back."""

    time_us: int  # microseconds since 1970 UTC
    name: str  # as asked, lower case, without the final dot
    record_type: str  # "A", "AAAA", "HTTPS", "CNAME", ...
    outcome: LookupOutcome
    addresses: tuple[str, ...] = ()  # A/AAAA answers, as text
    cname_chain: tuple[str, ...] = ()  # the names the answer went through, in order
    client: str | None = None  # the asking device's address, where the source records it
    cached: bool = False  # answered from the resolver's cache
