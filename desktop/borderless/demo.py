"""Demo personas: the synthetic history of a fictional person, in the real Chromium schema, and
the query log of her home's resolver in AdGuard Home's format.

A computer with no browser data (a classroom's, a fresh install) still has something to show: the
persona's history is written as a Chromium ``History`` file, into the schema the real Chromium
writes, and scanned through the same pipeline as a person's own. It is generated from a seed and
the persona's description in ``resources/demo/personas.json``, so it is the same every time.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dns.message
import dns.rrset

from borderless import paths
from borderless.domains import canonical_host
from borderless.model import Source, SourceKind
from borderless.sources import chromium

_CORE_CODES = {
    "link": 0,
    "typed": 1,
    "bookmark": 2,
    "generated": 5,
    "form_submit": 7,
    "reload": 8,
    "keyword": 9,
}


@dataclass(frozen=True, slots=True)
class Persona:
    id: str
    name: str
    description: str
    home_country: str
    browser: str
    data: dict[str, Any]


def personas() -> list[Persona]:
    """The personas shipped with the app."""
    document = json.loads((paths.resources_dir() / "demo" / "personas.json").read_text("utf-8"))
    return [
        Persona(
            id=entry["id"],
            name=entry["name"],
            description=entry["description"],
            home_country=entry["home_country"],
            browser=entry["browser"],
            data=entry,
        )
        for entry in document["personas"]
    ]


def persona(identifier: str | None = None) -> Persona:
    """The persona with this id, or the first one."""
    available = personas()
    if identifier is None:
        return available[0]
    for candidate in available:
        if candidate.id == identifier:
            return candidate
    names = ", ".join(candidate.id for candidate in available)
    raise KeyError(f"no demo persona {identifier!r} (there are: {names})")


def _chromium_time(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1_000_000) + chromium.UNIX_EPOCH_OFFSET_US


def _signed(value: int) -> int:
    """Chromium stores the 32-bit transition in a signed column."""
    return value - (1 << 32) if value >= (1 << 31) else value


def write_history(person: Persona, path: Path) -> int:
    """Write the persona's history as a Chromium `History` file; returns the navigations made."""
    data = person.data
    rng = random.Random(data["seed"])
    schema = (paths.resources_dir() / "demo" / "chromium-history.sql").read_text("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript(schema)
        url_ids: dict[str, int] = {}

        def url_id(url: str, moment: int) -> int:
            if url not in url_ids:
                cursor = connection.execute(
                    "INSERT INTO urls (url, title, visit_count, typed_count, last_visit_time,"
                    " hidden) VALUES (?, '', 0, 0, ?, 0)",
                    [url, moment],
                )
                url_ids[url] = int(cursor.lastrowid or 0)
            connection.execute(
                "UPDATE urls SET visit_count = visit_count + 1, last_visit_time = ? WHERE id = ?",
                [moment, url_ids[url]],
            )
            return url_ids[url]

        sites = data["sites"]
        weights = [site["weight"] for site in sites]
        local = dt.timezone(dt.timedelta(hours=data["utc_offset_hours"]))
        start = dt.datetime.fromisoformat(data["start"]).replace(tzinfo=local)
        low, high = data["navigations_per_day"]
        navigations = 0
        for day in range(data["days"]):
            count = rng.randint(low, high)
            # Three sittings a day: before class, at lunch, and the evening.
            minutes = sorted(
                rng.choice([rng.randint(420, 540), rng.randint(720, 840), rng.randint(1140, 1439)])
                for _ in range(count)
            )
            for minute in minutes:
                site = rng.choices(sites, weights=weights)[0]
                number = rng.randint(1000, 99999)
                moment = start + dt.timedelta(days=day, minutes=minute, seconds=rng.randint(0, 59))
                hops = [*site.get("redirected_from", []), site["url"]]
                core = _CORE_CODES[site["transition"]]
                from_visit = 0
                for index, hop in enumerate(hops):
                    flags = core
                    flags |= chromium.CHAIN_START if index == 0 else chromium.SERVER_REDIRECT
                    if index == len(hops) - 1:
                        flags |= chromium.CHAIN_END
                    when = _chromium_time(moment) + index * 90_000
                    cursor = connection.execute(
                        "INSERT INTO visits (url, visit_time, from_visit, transition,"
                        " visit_duration) VALUES (?, ?, ?, ?, ?)",
                        [
                            url_id(hop.format(n=number), when),
                            when,
                            from_visit,
                            _signed(flags),
                            0 if index < len(hops) - 1 else rng.randint(0, 600_000_000),
                        ],
                    )
                    from_visit = int(cursor.lastrowid or 0)
                if rng.random() < data["synced_share"]:
                    # Seen on her phone and synced here: not a visit made on this computer.
                    connection.execute(
                        "INSERT INTO visit_source (id, source) VALUES (?, ?)",
                        [from_visit, chromium.SOURCE_SYNCED],
                    )
                navigations += 1
        connection.commit()
    finally:
        connection.close()
    return navigations


def history_path(data_folder: Path, person: Persona) -> Path:
    """Where the persona's generated History lives, inside the demo's own data folder."""
    return paths.demo_dir(data_folder) / "personas" / person.id / "History"


def write_home_network(person: Persona, path: Path) -> int:
    """Write the query log of the persona's home resolver (AdGuard Home's ``querylog.json``, one
    JSON object a line, oldest first); returns the lookups written, 0 if she has none."""
    network = person.data.get("home_network")
    if not network:
        return 0
    data = person.data
    rng = random.Random(network["seed"])
    blocked = set(network["blocked"])
    local = dt.timezone(dt.timedelta(hours=data["utc_offset_hours"]))
    start = dt.datetime.fromisoformat(data["start"]).replace(tzinfo=local)
    answers: dict[str, list[str]] = network.get("answers", {})
    registrable: dict[str, str | None] = {}
    wire: dict[str, str] = {}
    entries: list[tuple[dt.datetime, str]] = []
    for day in range(data["days"]):
        for device in network["devices"]:
            hosts = [host for host, _ in device["hosts"]]
            weights = [weight for _, weight in device["hosts"]]
            low, high = device["lookups_per_day"]
            for _ in range(rng.randint(low, high)):
                # Devices at home are busy from seven in the morning to midnight.
                moment = start + dt.timedelta(days=day, seconds=rng.randint(7 * 3600, 86_399))
                host = rng.choices(hosts, weights=weights)[0]
                query_type = "AAAA" if rng.random() < 0.4 else "A"
                if host not in registrable:
                    canonical = canonical_host(host)
                    registrable[host] = canonical.registrable_domain if canonical else None
                record = {
                    "T": moment.isoformat(timespec="microseconds"),
                    "QH": host,
                    "QT": query_type,
                    "QC": "IN",
                    "CP": "",
                    "IP": device["address"],
                    "Result": {"IsFiltered": True, "Reason": 3} if host in blocked else {},
                    "Elapsed": rng.randint(200_000, 40_000_000),
                    "Cached": rng.random() < 0.3,
                }
                addresses = answers.get(registrable[host] or "", [])
                if host not in blocked and query_type == "A" and addresses:
                    if host not in wire:  # the same answer every time: made once
                        wire[host] = _answer(host, addresses)
                    record["Answer"] = wire[host]
                entries.append((moment, json.dumps(record, separators=(",", ":"))))
    entries.sort(key=lambda entry: entry[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for _, line in entries), encoding="utf-8")
    return len(entries)


def _answer(host: str, addresses: list[str]) -> str:
    """An A response for `host` in DNS wire format, base64, as AdGuard Home logs it."""
    query = dns.message.make_query(host, "A")
    query.id = (
        zlib.crc32(host.encode()) & 0xFFFF
    )  # dnspython picks a random one: the log would vary
    response = dns.message.make_response(query)
    # One rrset per address: dnspython's rrsets are sets, whose order would vary from run to run.
    for address in addresses:
        response.answer.append(dns.rrset.from_text(host + ".", 300, "IN", "A", address))
    return base64.b64encode(response.to_wire()).decode("ascii")


def home_network_path(data_folder: Path, person: Persona) -> Path:
    """Where the persona's generated home resolver log lives, beside her History."""
    return history_path(data_folder, person).with_name("querylog.json")


def prepare(data_folder: Path, person: Persona) -> list[Source]:
    """Write the persona's evidence into the demo's data folder; the sources to scan."""
    history = history_path(data_folder, person)
    paths.ensure_private_dir(history.parent)
    write_history(person, history)
    sources = [Source(SourceKind.CHROMIUM, f"{person.browser} (demo)", person.name, history)]
    log = home_network_path(data_folder, person)
    if write_home_network(person, log):
        sources.append(Source(SourceKind.ADGUARD, "AdGuard Home (demo)", "home network", log))
    return sources
