"""Count what the ownership catalogue and the law table cover, for the issue's targets.

Run: `python scripts/catalogue_coverage.py` (the project installed). Prints platforms, registrable
domains, companies, the countries whose own platforms are catalogued (by the legal home of each
platform's ultimate parent), by continent, the categories, the tracker entities, and the
countries of the law table.
"""

from __future__ import annotations

import sys
from collections import Counter

from borderless.resolve.law import LawTable
from borderless.resolve.owners import Catalogue

# ISO 3166-1 alpha-2 -> continent, for the countries a catalogue is likely to name.
CONTINENTS = {
    "Africa": "DZ AO BJ BW BF BI CM CV CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR"
    " LY MG MW ML MR MU MA MZ NA NE NG RW ST SN SC SL SO ZA SS SD TZ TG TN UG ZM ZW",
    "Asia": "AF AM AZ BH BD BT BN KH CN CY GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN"
    " MM NP KP OM PK PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE",
    "Europe": "AL AD AT BY BE BA BG HR CZ DK EE FI FR DE GR HU IS IE IT XK LV LI LT LU MT MD MC ME"
    " NL MK NO PL PT RO RU SM RS SK SI ES SE CH UA GB VA GG JE IM GI FO",
    "North America": "AG BS BB BZ CA CR CU DM DO SV GD GT HT HN JM MX NI PA KN LC VC TT US PR"
    " KY BM VG",
    "South America": "AR BO BR CL CO EC GY PY PE SR UY VE",
    "Oceania": "AU FJ KI MH FM NR NZ PW PG WS SB TO TV VU",
}
CONTINENT_OF = {code: name for name, codes in CONTINENTS.items() for code in codes.split()}


def main() -> int:
    catalogue = Catalogue.load()
    laws = LawTable.load()
    homes: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    for platform in catalogue.platforms.values():
        parent = catalogue.ultimate_parent(platform.operator)
        if parent.headquarters:
            homes[parent.headquarters] += 1
        categories[platform.category] += 1
    by_continent: dict[str, list[str]] = {}
    for country in homes:
        by_continent.setdefault(CONTINENT_OF.get(country, "other"), []).append(country)
    tracker_entities = {id(entity) for entity in catalogue.trackers_by_domain.values()}
    law_countries = [code for code in laws.countries if code != "EU"]
    print(f"platforms: {len(catalogue.platforms)} (target 400)")
    print(f"registrable domains: {len(catalogue.by_domain)} (target 1,500)")
    print(f"companies: {len(catalogue.companies)}")
    print(f"countries that are the legal home of a catalogued platform: {len(homes)} (target 40)")
    for continent in sorted(by_continent):
        countries = sorted(by_continent[continent])
        print(f"  {continent}: {len(countries)}: {' '.join(countries)}")
    print("categories: " + ", ".join(f"{name} {count}" for name, count in categories.most_common()))
    print(f"public-sector suffixes: {len(catalogue.public_sector)}")
    print(
        f"tracker entities (third-party-web): {len(tracker_entities)}, domains"
        f" {len(catalogue.trackers_by_domain)}, companies mapped {len(catalogue.tracker_companies)}"
    )
    print(f"law table: {len(law_countries)} countries plus the EU (target 50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
