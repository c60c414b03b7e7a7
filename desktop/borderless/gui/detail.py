"""The detail of one platform: who owns it (with the basis of each fact), where its servers are,
and the law on both sides of its flow. Everything shown that came from a browser, a resolver or a
data file is escaped: it is text, never markup."""

from __future__ import annotations

from html import escape

from borderless.analysis import Audit, PlatformSummary, network_of
from borderless.resolve.law import Instrument, LawTable
from borderless.resolve.owners import Catalogue


def _link(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'
    return escape(url)


def _laws(title: str, laws: tuple[Instrument, ...]) -> str:
    if not laws:
        return ""
    items = "".join(
        f"<li><b>{escape(law.name)}</b> ({escape(law.instrument)}"
        + (f", {escape(law.articles)}" if law.articles else "")
        + (f", {law.year}" if law.year else "")
        + f"): {escape(law.summary)} {_link(law.link)}</li>"
        for law in laws
    )
    return f"<h4>{escape(title)}</h4><ul>{items}</ul>"


def platform_html(
    platform: PlatformSummary, audit: Audit, catalogue: Catalogue, laws: LawTable
) -> str:
    """The detail of `platform` as HTML for a QTextBrowser."""
    attribution = platform.attribution
    parts = [f"<h2>{escape(attribution.platform)}</h2>"]
    facts = [
        ("Category", attribution.category),
        ("Run by", attribution.operator),
        ("Ultimate owner", attribution.parent),
        ("Legal home", attribution.legal_home),
        ("Incorporated in", attribution.incorporated_in),
        ("Served by (a host, not an owner)", attribution.hosted_by),
        ("Attribution", f"{attribution.confidence.value}: {attribution.basis}"),
        ("Visits", f"{platform.visits:,} ({platform.user_initiated_visits:,} started by you)"),
    ]
    parts.append(
        "<table>"
        + "".join(
            f"<tr><td><i>{escape(label)}</i></td><td>{escape(str(value))}</td></tr>"
            for label, value in facts
            if value
        )
        + "</table>"
    )
    if attribution.platform_id is not None:
        operator = catalogue.platforms[attribution.platform_id].operator
        chain = catalogue.chain(operator)
        items = []
        for company in chain:
            sources = "".join(
                f"<li>{escape(basis.fact)} ({escape(basis.kind)}, checked {escape(basis.checked)})"
                f": {_link(basis.source)}</li>"
                for basis in company.basis
            )
            home = company.headquarters or "?"
            incorporated = (
                f", incorporated in {escape(company.incorporated_in)}"
                if company.incorporated_in and company.incorporated_in != home
                else ""
            )
            note = f"<br><i>{escape(company.note)}</i>" if company.note else ""
            items.append(
                f"<li><b>{escape(company.name)}</b>: headquarters {escape(home)}{incorporated}"
                f"{note}<ul>{sources}</ul></li>"
            )
        parts.append("<h3>Ownership chain</h3><ol>" + "".join(items) + "</ol>")
    hosts = []
    for host in platform.hosts:
        network = network_of(audit.networks, host)
        aliases = " → ".join((host, *network.cname_chain))
        addresses = "".join(
            f"<li>{escape(fact.address)}: {escape(fact.country or fact.scope)}"
            + (f", AS{fact.asn} {escape(fact.as_organization or '')}" if fact.asn else "")
            + (
                f" <b>[{escape(fact.edge_kind)}: {escape(fact.edge_operator or '')}]</b>"
                if fact.edge_kind
                else ""
            )
            + "</li>"
            for fact in network.addresses
        )
        status = network.status or "not resolved yet"
        hosts.append(f"<li>{escape(aliases)} <i>({escape(status)})</i><ul>{addresses}</ul></li>")
    parts.append("<h3>Hosts, aliases and servers</h3><ul>" + "".join(hosts) + "</ul>")
    if platform.cookie_hosts:
        lead = (
            "Your browsers keep cookies for it, though you never visited it: it tracks you "
            "across the sites you do visit."
            if platform.tracks_without_visit
            else "Your browsers keep cookies for it."
        )
        names = "".join(f"<li>{escape(host)}</li>" for host in platform.cookie_hosts)
        parts.append(
            f"<h3>Cookies ({platform.cookies:,})</h3><p>{escape(lead)} Only the hosts are "
            f"read, never the cookies' contents.</p><ul>{names}</ul>"
        )
    if platform.anycast:
        parts.append(
            "<p>Some of these servers are anycast or CDN edges: their country is that of the "
            "edge nearest you, not where the data is processed.</p>"
        )
    if audit.home and attribution.legal_home and attribution.is_attributed:
        flow = laws.flow(audit.home, attribution.legal_home)
        parts.append(
            f"<h3>The law: {escape(audit.home)} → {escape(attribution.legal_home)}</h3>"
            f"<p>{escape(flow.explanation)}</p>"
        )
        parts.append(
            _laws(f"Duties in {audit.home} to keep data at home", flow.origin_localisation)
        )
        parts.append(
            _laws(f"Rules of {audit.home} for sending data abroad", flow.origin_transfer_rules)
        )
        parts.append(
            _laws(
                f"Laws of {attribution.legal_home} that reach data its companies hold",
                flow.destination_access_laws,
            )
        )
    return "".join(parts)
