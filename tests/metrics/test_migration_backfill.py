"""Migrations ``metrics/0005`` and ``metrics/0007`` fill the new counters of an existing
database (submissions per company day, province and problem type; the month and all-time
index rollups) with what the incremental path would have written. Run in a child process on
a file database: the test migrates backwards and forwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = textwrap.dedent(
    """
    import json
    from datetime import UTC, datetime, timedelta
    import django
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    call_command("migrate", verbosity=0)
    from tousu.accounts.models import User
    from tousu.companies.services import company_create
    from tousu.complaints import services
    from tousu.metrics.models import (
        CompanyDay, CompanyMonth, CompanyTotal, ComplaintMetric, SubmissionDay)

    consumer = User.objects.create_user(phone="13600000001", role="consumer", nickname="c")
    moderator = User.objects.create_user(phone="13600000005", role="moderator", nickname="m")
    firms = [company_create(name=n) for n in ("迁移一号有限公司", "迁移二号有限公司")]
    shapes = [(["refund_difficult"], "110105"), (["quality", "refund_difficult"], None),
              ([], "440305")]
    t0 = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    for i in range(9):
        types, region = shapes[i % 3]
        c, _ = services.complaint_submit(consumer=consumer, now=t0 + timedelta(hours=7 * i),
            data=services.ComplaintInput(
                title=f"迁移测试投诉{i}", details=f"第{i}单：商家拒绝退款，客服不回复消息。",
                company_id=firms[i % 2].pk, problem_types=types,
                problem_other="" if types else "其他", demands=["refund"],
                consumer_region=region))
        if i % 3 == 0:
            services.complaint_accept(complaint_id=c.pk, actor=moderator, now=t0 + timedelta(1))

    def tables():
        days = sorted([r.company_id, r.brand_key, str(r.day), r.submitted, r.valid]
                      for r in CompanyDay.objects.all() if r.submitted or r.valid)
        metrics = sorted([m.complaint_id, m.region, m.submitted]
                         for m in ComplaintMetric.objects.all())
        subs = sorted([s.kind, s.key, str(s.day), s.submitted]
                      for s in SubmissionDay.objects.all())
        months = sorted([m.company_id, str(m.month), m.valid, m.assigned]
                        for m in CompanyMonth.objects.all() if m.valid or m.assigned)
        totals = sorted([t.company_id, t.valid, t.assigned]
                        for t in CompanyTotal.objects.all() if t.valid or t.assigned)
        return {"days": days, "metrics": metrics, "submissions": subs, "months": months,
                "totals": totals}

    before = tables()
    call_command("migrate", "metrics", "0004", verbosity=0)
    with connection.cursor() as cur:  # before 0005 a day row existed only with a counter
        cur.execute("DELETE FROM metrics_companyday WHERE valid = 0")
        cur.execute("SELECT COUNT(*) FROM metrics_companyday")
        kept = cur.fetchone()[0]
    call_command("migrate", verbosity=0)
    print(json.dumps({"before": before, "after": tables(), "kept": kept}))
    """
)


def test_backfill_writes_what_the_incremental_path_wrote(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "tousu.settings",
        "TOUSU_LOCAL": "1",
        "TOUSU_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    before, after = result["before"], result["after"]
    assert len(before["metrics"]) == 9 and {m[2] for m in before["metrics"]} == {1}
    assert {s[0] for s in before["submissions"]} == {"region", "problem"}
    assert 0 < result["kept"] < len(before["days"])  # the backfill must insert the others
    assert len(before["months"]) == 2 and len(before["totals"]) == 2  # (metrics/0007)
    assert after == before
