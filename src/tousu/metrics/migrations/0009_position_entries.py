"""Every list's entries become rows (ADR 0032 amendment): each entry's JSON text goes into a
``RankingPosition`` of its list, sector lists included. The next migration drops
``RankingList.entries``."""

import json

from django.db import migrations, models


def _insert(schema_editor, table: str, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def,type-arg]
    qn = schema_editor.connection.ops.quote_name
    columns = ("ranking_id", "company_id", "rank", "index", "on_list", "entry")
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)})"  # noqa: S608 (our own names)
        f" VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with schema_editor.connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def entries_to_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    """One list at a time: its old positions (all-sector lists) are replaced by rows with the
    entry's text; red and black are ranks, as ``rankings.write_positions`` marks them."""
    RankingList = apps.get_model("metrics", "RankingList")
    RankingPosition = apps.get_model("metrics", "RankingPosition")
    for pk in RankingList.objects.order_by("pk").values_list("pk", flat=True):
        ranking = RankingList.objects.get(pk=pk)
        red, black_from = len(ranking.red), ranking.rated - len(ranking.black)
        RankingPosition.objects.filter(ranking_id=pk).delete()
        rows = [
            (
                pk,
                e["company_id"],
                e["rank"],
                e["index"],
                "red" if e["rank"] <= red else "black" if e["rank"] > black_from else "",
                json.dumps(e),
            )
            for e in ranking.entries
        ]
        _insert(schema_editor, RankingPosition._meta.db_table, rows)
        del ranking, rows


def rows_to_entries(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Back: each list's entries from its rows; only the all-sector lists keep positions."""
    RankingList = apps.get_model("metrics", "RankingList")
    RankingPosition = apps.get_model("metrics", "RankingPosition")
    for pk in RankingList.objects.order_by("pk").values_list("pk", flat=True):
        texts = (
            RankingPosition.objects.filter(ranking_id=pk)
            .order_by("rank")
            .values_list("entry", flat=True)
        )
        RankingList.objects.filter(pk=pk).update(entries=[json.loads(t) for t in texts])
    RankingPosition.objects.exclude(ranking__sector="").delete()


class Migration(migrations.Migration):

    dependencies = [
        ('metrics', '0008_position_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='rankingposition',
            name='entry',
            field=models.TextField(default=''),
            preserve_default=False,
        ),
        migrations.RunPython(entries_to_rows, rows_to_entries),
    ]
