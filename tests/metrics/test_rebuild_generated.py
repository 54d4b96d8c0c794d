"""A generated dataset (``tousu bench-data``): the counters kept by the incremental paths (the
bulk listener for the loaded histories, then live events through the services) are the rows the
SQL rebuild writes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from conftest import complaint_table, day_table
from tousu.accounts.models import Role, User
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.states import Status
from tousu.metrics.models import CompanyDay, ComplaintMetric
from tousu.metrics.services import rebuild, rebuild_python, refresh

pytestmark = pytest.mark.django_db

END = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


def test_generated_histories_rebuild_to_the_incremental_rows(tmp_path: Path) -> None:
    call_command(
        "bench_data",
        complaints=1200,
        days=200,
        surges=2,
        end=END.isoformat(),
        truth=str(tmp_path),
        no_rebuild=True,
    )
    assert not ComplaintMetric.objects.exists()  # the loader bypasses the listeners
    refresh(list(Complaint.objects.order_by("pk").values_list("pk", flat=True)))
    # live events on top: accepts of pending complaints and the SLA sweep's overdue marks
    moderator = User.objects.create_user(phone="13600009001", role=Role.MODERATOR, nickname="m")
    pending = Complaint.objects.filter(status=Status.PENDING_REVIEW).order_by("pk")[:20]
    for c in pending:
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=END)
    swept = services.sla_sweep(now=END + timedelta(days=12))
    incremental = (day_table(), complaint_table())

    result = rebuild()
    assert result["method"] == "sql"
    assert (day_table(), complaint_table()) == incremental
    rebuild_python()
    assert (day_table(), complaint_table()) == incremental

    # the data exercised what the fold distinguishes (else this test could not fail)
    rows = ComplaintMetric.objects
    assert rows.count() == Complaint.objects.count()
    assert result["complaints"] == rows.count()
    assert result["day_rows"] == CompanyDay.objects.count() > 100
    assert rows.filter(replied=1, replied_in_sla=0).exists()
    assert rows.filter(replied_in_sla=1).exists()
    assert rows.filter(completed=1).exists() and rows.filter(rated=1).exists()
    assert rows.filter(overdue=True).exists() and swept["overdue"] > 0
    assert sum(rows.filter(**{f"frt_b{i}": 1}).exists() for i in range(11)) >= 4
    assert ComplaintEvent.objects.filter(action__in=["follow_up", "dispute"]).exists()


def test_the_sql_fold_runs_only_where_the_time_zone_offset_is_fixed() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tousu.metrics.sqlfold import fixed_offset

    assert fixed_offset(date(2020, 1, 1), date(2026, 12, 31)) == 8 * 3600  # Asia/Shanghai
    with timezone.override(ZoneInfo("Europe/Berlin")):
        assert fixed_offset(date(2024, 1, 1), date(2024, 2, 1)) == 3600
        assert fixed_offset(date(2024, 1, 1), date(2024, 12, 31)) is None  # summer time
