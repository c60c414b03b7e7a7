"""How much of a person's browsing a report reveals, chosen when it is written.

Each level hides what the one before it shows; every format is written from the redacted content,
so no writer can leak what the level removed:

- ``none``: everything, with full URLs when the person kept them (``scan --keep-urls``);
- ``paths`` (the default): hosts but no URL paths or queries, and file names of the sources
  without the folders (which name the person's account);
- ``hosts``: platforms, owners and countries, but no host names; sites the catalogue does not know
  become "Unattributed site N", devices "device N", browser profiles "profile N";
- ``platforms``: owners (ultimate parent companies) and countries, no platform names;
- ``aggregate``: only totals per country and per category, the flows between countries, the laws
  and the timeline.
"""

from __future__ import annotations

import enum
import json
from typing import Any


class Redaction(enum.StrEnum):
    NONE = "none"
    PATHS = "paths"
    HOSTS = "hosts"
    PLATFORMS = "platforms"
    AGGREGATE = "aggregate"

    @property
    def rank(self) -> int:
        return list(Redaction).index(self)


DEFAULT = Redaction.PATHS

DESCRIPTIONS = {
    Redaction.NONE: "Nothing is redacted: host names, and full web addresses where they were kept.",
    Redaction.PATHS: "Host names are shown; web addresses' paths and queries are not.",
    Redaction.HOSTS: "Platforms, owners and countries are shown; host names are not.",
    Redaction.PLATFORMS: "Owning companies and countries are shown; platform names are not.",
    Redaction.AGGREGATE: "Only totals per country and per category are shown.",
}


def redact(content: dict[str, Any], level: Redaction) -> dict[str, Any]:
    """A copy of a report's content holding only what `level` reveals (see the module)."""
    # A JSON round trip copies plain data several times faster than copy.deepcopy, and leaves
    # plain JSON data all the way down (lists, not tuples) for every writer.
    result: dict[str, Any] = json.loads(json.dumps(content))
    result["redaction"] = {"level": level.value, "description": DESCRIPTIONS[level]}
    if level.rank >= Redaction.PATHS.rank:
        result.pop("urls", None)
        for source in result.get("sources", []):
            full, source["path"] = source.get("path"), _file_name(source.get("path"))
            if isinstance(full, str) and isinstance(source.get("error"), str):
                # Readers name the file in their messages; the folder names the account.
                source["error"] = source["error"].replace(full, str(source["path"]))
        for database in result.get("resolution", {}).get("databases", []):
            database["path"] = _file_name(database.get("path"))
    if level.rank >= Redaction.HOSTS.rank:
        _hide_hosts(result)
    if level.rank >= Redaction.PLATFORMS.rank:
        _hide_platforms(result)
    if level.rank >= Redaction.AGGREGATE.rank:
        _keep_totals_only(result)
    return result


def _file_name(path: object) -> str | None:
    if not isinstance(path, str):
        return None
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or None


class _Numbering(dict[str, str]):
    """A mapping that hands out "prefix 1", "prefix 2", ... in order of first use."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, key: str) -> str:
        value = f"{self.prefix} {len(self) + 1}"
        self[key] = value
        return value


def _hide_hosts(content: dict[str, Any]) -> None:
    for section in ("domains", "dns_hosts", "cookie_hosts"):
        if section in content:
            content[section] = []
    sites = _Numbering("Unattributed site")
    names: dict[str, str] = {}
    for platform in content.get("platforms", []):
        platform["domains"] = []
        platform["cookie_hosts"] = []
        platform["dns_hosts"] = []
        if platform.get("id") is None:
            # Without a catalogue entry the "platform" is its registrable domain: a host name.
            original = str(platform.get("name"))
            platform["name"] = names[original] = sites[original]
            platform["hosted_by"] = None
    for flow in content.get("flows", []):
        flow["platforms"] = [names.get(name, name) for name in flow.get("platforms", [])]
    devices = _Numbering("device")
    for client in content.get("dns_clients", []):
        if client.get("client") is not None:
            client["client"] = devices[str(client["client"])]
        client["platforms"] = [
            dict(entry, platform=names.get(entry["platform"], entry["platform"]))
            for entry in client.get("platforms", [])
        ]
    profiles = _Numbering("profile")
    for row in [*content.get("sources", []), *content.get("blind_spots", [])]:
        if row.get("profile") is not None:
            row["profile"] = profiles[f"{row.get('browser')}\0{row['profile']}"]


def _hide_platforms(content: dict[str, Any]) -> None:
    owners: dict[tuple[str, str | None], dict[str, Any]] = {}
    by_name: dict[str, str] = {}
    for platform in content.get("platforms", []):
        attributed = platform.get("attribution") in ("established", "named")
        owner = platform.get("parent") if attributed else None
        owner = owner or "Not attributed"
        legal_home = platform.get("legal_home") if attributed else None
        by_name[str(platform.get("name"))] = owner
        row = owners.setdefault(
            (owner, legal_home),
            {
                "owner": owner,
                "legal_home": legal_home,
                "visits": 0,
                "user_initiated_visits": 0,
                "platforms": 0,
                "dns_lookups": 0,
            },  # fmt: skip
        )
        row["visits"] += int(platform.get("visits") or 0)
        row["user_initiated_visits"] += int(platform.get("user_initiated_visits") or 0)
        row["dns_lookups"] += int(platform.get("dns_lookups") or 0)
        row["platforms"] += 1
    content["owners"] = sorted(owners.values(), key=lambda row: (-row["visits"], row["owner"]))
    content["platforms"] = []
    for flow in content.get("flows", []):
        flow["platforms"] = list(
            dict.fromkeys(by_name.get(name, "Not attributed") for name in flow.get("platforms", []))
        )
    for client in content.get("dns_clients", []):
        client["platforms"] = []


def _keep_totals_only(content: dict[str, Any]) -> None:
    content["owners"] = []
    content["dns_clients"] = []
    for flow in content.get("flows", []):
        flow["platforms"] = []
    for row in content.get("sources", []):
        row["path"] = None
        row["profile"] = None
    for row in content.get("blind_spots", []):
        row["profile"] = None
