"""Migrations ``metrics/0009`` and ``0010`` move the entries of lists published before them into
rows (sector lists too) and drop ``RankingList.entries``; backwards they put them back. Run in
a child process on its own database (SQLite file; and a scratch PostgreSQL database when the
tests run on PostgreSQL): the test migrates backwards and forwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import json
    from datetime import date
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    call_command("migrate", "metrics", "0008", verbosity=0)
    old = MigrationExecutor(connection).loader.project_state(
        ("metrics", "0008_position_indexes")).apps
    Company = old.get_model("companies", "Company")
    RankingList = old.get_model("metrics", "RankingList")
    RankingPosition = old.get_model("metrics", "RankingPosition")
    firms = [Company.objects.create(name=f"旧榜企业{i}", name_key=f"旧榜企业{i}",
                                    sector="travel" if i % 2 else "ecommerce") for i in range(6)]

    def entry(c, rank, index):
        return {"company_id": c.pk, "name": c.name, "sector": c.sector, "index": index,
                "components": {"reply": 0.5}, "inputs": {"valid": 20 - rank},
                "intervals": {"reply": [0.4, 0.6]}, "rank": rank}

    overall = [entry(c, i + 1, 90.0 - i) for i, c in enumerate(firms)]
    travel = [{**e, "rank": i + 1} for i, e in enumerate(
        e for e in overall if e["sector"] == "travel")]
    made = {}
    for sector, entries in (("", overall), ("travel", travel)):
        size = len(entries) // 2  # (as ``rankings.red_black`` with fewer than 20)
        made[sector] = RankingList.objects.create(
            kind="weekly", sector=sector, period_end=date(2026, 5, 10), formula_version="1",
            red=entries[:size], black=entries[: -size - 1 : -1], entries=entries,
            rated=len(entries))
    for e in overall:  # the positions of the all-sector list, as written before 0009
        RankingPosition.objects.create(
            ranking=made[""], company_id=e["company_id"], rank=e["rank"], index=e["index"],
            on_list="red" if e["rank"] <= 3 else "black")
    call_command("migrate", verbosity=0)
    from tousu.metrics.models import RankingPosition as Position
    from tousu.metrics.selectors import company_positions
    rows = {s: [[p.company_id, p.rank, p.index, p.on_list, p.data]
                for p in Position.objects.filter(ranking_id=r.pk).order_by("rank")]
            for s, r in made.items()}
    history = company_positions(firms[1].pk)
    call_command("migrate", "metrics", "0008", verbosity=0)
    back = {s: RankingList.objects.get(pk=r.pk).entries for s, r in made.items()}
    kept = sorted(RankingPosition.objects.values_list("ranking_id", flat=True).distinct())
    call_command("migrate", verbosity=0)
    print(json.dumps({"overall": overall, "travel": travel, "rows": rows,
                      "history": [[h["list_id"], h["rank"], h["list"]] for h in history],
                      "ids": {s: r.pk for s, r in made.items()}, "back": back, "kept": kept}))
    """
)


def _run(tmp_path: Path, database_url: str) -> dict:  # type: ignore[type-arg]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tousu.settings",
        "TOUSU_LOCAL": "1",
        "TOUSU_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _check(result: dict) -> None:  # type: ignore[type-arg]
    overall, travel, rows = result["overall"], result["travel"], result["rows"]
    assert rows[""] == [
        [e["company_id"], e["rank"], e["index"], on, e]
        for e, on in zip(overall, ["red", "red", "red", "black", "black", "black"], strict=True)
    ]
    assert [r[4] for r in rows["travel"]] == travel  # the sector list's rows, its own ranks
    assert [r[1] for r in rows["travel"]] == [1, 2, 3]
    assert [r[3] for r in rows["travel"]] == ["red", "", "black"]
    assert result["history"] == [[result["ids"][""], 2, "red"]]  # all-sector lists only
    assert result["back"] == {"": overall, "travel": travel}
    assert result["kept"] == [result["ids"][""]]


@pytest.mark.django_db
def test_old_lists_entries_become_rows_and_back(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        _check(_run(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}"))
        return
    import psycopg

    settings = connection.settings_dict
    name = f"tousu_mig_{uuid.uuid4().hex[:8]}"
    conninfo = {
        "host": settings["HOST"], "port": settings["PORT"] or 5432,
        "user": settings["USER"], "password": settings["PASSWORD"] or None, "dbname": "postgres",
    }  # fmt: skip
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        _check(_run(tmp_path, f"postgres://{auth}@{conninfo['host']}:{conninfo['port']}/{name}"))
    finally:
        with psycopg.connect(**conninfo, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}"')
