"""Build resources/ownership/trackers.json from the npm package third-party-web (MIT).

third-party-web lists some 2,100 third-party entities (advertising, analytics, tag managers,
consent tools, CDNs, ...) with the host patterns they serve from; about 440 name a company and none
a country. This keeps each entity's name, category, company name and the registrable domains of
its patterns. Which company that is, and so its legal home, comes from our own catalogue through
`resources/ownership/tracker-companies.json` (third-party-web company or entity name -> company
id), written by hand.

Run: `python scripts/build_trackers.py` (needs npm on the PATH and the project installed, for the
Public Suffix List it ships with).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from borderless.domains import canonical_host
from npm_package import NpmPackage, fetch, read_member

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "resources" / "ownership" / "trackers.json"
DEFAULT_CACHE_DIR = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "borderless" / "npm"
)

PACKAGE = NpmPackage(
    name="third-party-web",
    version="0.30.0",
    integrity="sha512-p+PfyL5U0ediGzvwPzMSdD9MnC8rHW6nWJJVLIQvqN7RsSqfaZ+7n4c9GILqH36EYR0eXB9CzAeCRnKFr/9uJg==",
    shasum="",
)

# third-party-web's categories in the catalogue's vocabulary (resources/ownership/README.md).
CATEGORIES = {
    "ad": "advertising",
    "marketing": "advertising",
    "analytics": "analytics",
    "tag-manager": "analytics",
    "consent-provider": "analytics",
    "customer-success": "software",
    "utility": "software",
    "hosting": "cloud",
    "cdn": "cdn",
    "social": "social",
    "video": "video",
    "content": "other",
    "other": "other",
}


def registrable_domains(patterns: list[str]) -> list[str]:
    """The registrable domains of an entity's host patterns (``*.doubleclick.net``,
    ``adservice.google.de``); regular-expression patterns name no domain and are left out."""
    found: dict[str, None] = {}
    for pattern in patterns:
        if pattern.startswith("REGEXP:"):
            continue
        host = canonical_host(pattern.removeprefix("*."))
        if host is not None and host.registrable_domain is not None:
            found[host.registrable_domain] = None
    return sorted(found)


def entities(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept = []
    for entity in raw:
        category = entity.get("category") or (entity.get("categories") or ["other"])[0]
        domains = registrable_domains(entity.get("domains", []))
        if not domains:
            continue
        kept.append(
            {
                "name": entity["name"],
                "company": entity.get("company"),
                "category": CATEGORIES.get(category, "other"),
                "homepage": entity.get("homepage"),
                "domains": domains,
                # Host patterns are kept too: several entities share a registrable domain
                # (Google's ad services run on google.com hosts), and only the host tells them
                # apart.
                "hosts": sorted(
                    pattern
                    for pattern in entity.get("domains", [])
                    if not pattern.startswith("REGEXP:")
                ),
            }
        )
    return kept


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    arguments = parser.parse_args(argv)
    tarball = fetch(PACKAGE, arguments.cache_dir)
    raw = json.loads(read_member(tarball, "dist/entities-nostats.json"))
    kept = entities(raw)
    document = {
        "source": {
            "package": PACKAGE.spec,
            "integrity": PACKAGE.integrity,
            "file": "dist/entities-nostats.json",
            "licence": "MIT (Copyright (c) 2019 Patrick Hulce)",
        },
        "entities": kept,
    }
    arguments.output.write_text(
        json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    # MIT asks that its notice travel with the data.
    arguments.output.with_name("trackers-LICENSE.txt").write_bytes(read_member(tarball, "LICENSE"))
    domains = sum(len(entity["domains"]) for entity in kept)
    named = sum(1 for entity in kept if entity["company"])
    print(
        f"{arguments.output}: {len(kept)} of {len(raw)} entities ({named} with a company),"
        f" {domains} registrable domains"
    )


if __name__ == "__main__":
    sys.exit(main())
