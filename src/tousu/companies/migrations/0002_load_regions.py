"""Load the GB/T 2260 division table from companies/data/regions.csv.

Self-contained on purpose: it reads the CSV by path and uses the historical model, so later
changes to app code cannot change what this migration does. Existing rows are left as they are
(``tousu.companies.regions.regions_sync`` updates an existing table after the CSV changes).
"""

import csv
from pathlib import Path

from django.db import migrations

CSV_PATH = Path(__file__).resolve().parent.parent / "data" / "regions.csv"


def load_regions(apps, schema_editor):
    Region = apps.get_model("companies", "Region")
    db = schema_editor.connection.alias
    with CSV_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    existing = set(Region.objects.using(db).values_list("code", flat=True))
    # parents first: provinces, then prefectures, then counties
    for level in ("1", "2", "3"):
        Region.objects.using(db).bulk_create(
            [
                Region(
                    code=row["code"],
                    name=row["name"],
                    level=int(row["level"]),
                    parent_id=row["parent_code"] or None,
                )
                for row in rows
                if row["level"] == level and row["code"] not in existing
            ],
            batch_size=500,
        )


def unload_regions(apps, schema_editor):
    Region = apps.get_model("companies", "Region")
    db = schema_editor.connection.alias
    # children before parents (parent is PROTECT)
    for level in (3, 2, 1):
        Region.objects.using(db).filter(level=level).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_regions, unload_regions, elidable=False),
    ]
