"""``tousu import``: the four formats on small synthetic fixtures written for these tests
(shaped like the real files in ../shared/data, with their broken rows), re-runs and resumes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from tousu.accounts.models import Role, User
from tousu.companies.models import Brand, Company, Sector
from tousu.companies.services import company_create
from tousu.complaints.models import Complaint, ComplaintEvent, Visibility
from tousu.complaints.states import Status
from tousu.imports.models import ImportedRecord, ImportRun, RunState
from tousu.imports.services import import_file

FIXTURES = Path(__file__).parent / "fixtures"
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def by_source_id(source_id: str) -> Complaint:
    return Complaint.objects.get(import_record__external_key=source_id)


def timeline(complaint: Complaint) -> list[tuple[str, str, str]]:
    return [
        (e.kind, e.action, e.to_status) for e in ComplaintEvent.objects.filter(complaint=complaint)
    ]


def problems(report_problems: list[dict], kind: str = "bad") -> dict[int, str]:
    return {p["line"]: p["reason"] for p in report_problems if p["kind"] == kind}


# --- 黑猫 JSON -------------------------------------------------------------------------------


def test_heimao_json_maps_fields_statuses_and_timelines() -> None:
    report = import_file(format_name="heimao-json", path=FIXTURES / "heimao.json")

    assert report.counts["created"] == 4
    bad = problems(report.problems)
    assert sorted(bad) == [5, 6, 8, 9]
    assert "unknown status" in bad[5] and "'99'" in bad[5]
    assert "bad amount" in bad[6]
    assert "no company" in bad[8]
    assert "企业名称" in bad[9]  # refused when written: too long a company name

    done = by_source_id("90000000001")
    assert done.status == Status.COMPLETED
    assert done.visibility == Visibility.PUBLIC
    assert done.amount == Decimal("299.00")
    assert done.problem_types == ["quality", "refund_difficult"]
    assert done.demands == ["return_refund", "apology"]
    submitted = datetime(2025, 3, 5, 10, 20, 30, tzinfo=SHANGHAI)
    assert done.submitted_at == submitted
    assert done.completed_at == submitted and done.reply_due_at is None
    assert timeline(done) == [
        ("submitted", "", "pending_review"),
        ("transition", "accept", "processing"),
        ("transition", "reply", "replied"),
        ("transition", "request_completion", "completion_requested"),
        ("transition", "confirm", "completed"),
    ]
    first = ComplaintEvent.objects.filter(complaint=done).first()
    assert first is not None and first.payload["source_id"] == "90000000001"
    later = ComplaintEvent.objects.filter(complaint=done).last()
    assert later is not None and later.payload["date_known"] is False

    assert by_source_id("90000000002").status == Status.REPLIED
    assert by_source_id("90000000003").status == Status.PROCESSING
    fresh = by_source_id("90000000006")
    assert fresh.status == Status.UNASSIGNED and fresh.assigned_at is None

    # 飯點外賣 (Traditional) is the company 饭点外卖 created by the record before it
    assert by_source_id("90000000003").company_id == by_source_id("90000000002").company_id
    assert Company.objects.filter(name="饭点外卖", is_confirmed=False).exists()


def test_existing_companies_are_matched_by_name_alias_and_script() -> None:
    company = company_create(
        name="快乐电商有限公司", aliases=["快乐电商客服"], sector=Sector.ECOMMERCE
    )
    import_file(format_name="heimao-json", path=FIXTURES / "heimao.json")
    assert by_source_id("90000000001").company_id == company.pk


def test_imported_complaints_belong_to_one_inactive_placeholder_per_source() -> None:
    import_file(format_name="heimao-json", path=FIXTURES / "heimao.json")
    import_file(format_name="heimao-csv", path=FIXTURES / "heimao.csv")
    import_file(format_name="cfpb", path=FIXTURES / "cfpb.csv")
    owners = set(Complaint.objects.values_list("consumer_id", flat=True))
    assert len(owners) == 2  # heimao (JSON and CSV share it) and cfpb
    for user in User.objects.filter(pk__in=owners):
        assert user.role == Role.CONSUMER
        assert not user.is_active and not user.has_usable_password()
        assert user.email.endswith("@import.tousu.invalid")


# --- 黑猫 CSV ---------------------------------------------------------------------------------


def test_heimao_csv_repairs_mojibake_skips_headers_and_reports_bad_lines() -> None:
    report = import_file(format_name="heimao-csv", path=FIXTURES / "heimao.csv")

    assert report.counts == {
        "created": 4,
        "repaired": 2,
        "skipped": 2,  # the header repeated on lines 3 and 11
        "duplicates": 1,
        "bad": 2,
    }
    bad = problems(report.problems)
    assert sorted(bad) == [9, 18]
    assert "mojibake" in bad[9]
    assert "wrong number of fields" in bad[18]
    assert problems(report.problems, "duplicate") == {13: "与第5行重复 (same as line 5), skipped"}

    lines = dict(ImportedRecord.objects.values_list("line", "complaint__title"))
    assert lines == {
        5: "团购券过期不退",
        7: "充值卡余额被清零",
        15: "快递丢件不赔",
        20: "話費被亂扣",
    }
    express = Complaint.objects.get(title="快递丢件不赔")
    assert (
        express.details
        == "快递显示已签收，但我没有收到。\n联系快递员说放在门口了，要求赔偿被拒绝。"
    )
    assert express.status == Status.UNASSIGNED  # published on heimao, status unknown
    gym = Complaint.objects.get(title="充值卡余额被清零")
    assert gym.company.name == "阳光健身"
    assert gym.problem_types == ["fraud"] and gym.demands == ["refund", "compensation"]
    assert ComplaintEvent.objects.filter(complaint=gym).first().payload["repaired_mojibake"]


# --- 车质网 -----------------------------------------------------------------------------------


def test_12365auto_statuses_brands_and_bad_rows() -> None:
    report = import_file(format_name="12365auto", path=FIXTURES / "car.csv")

    assert report.counts["created"] == 4
    bad = problems(report.problems)
    assert sorted(bad) == [6, 7, 8]
    assert "bad date" in bad[6]
    assert "unknown status" in bad[7] and "已撤销" in bad[7]
    assert "no brand" in bad[8]

    assert by_source_id("900101").status == Status.PENDING_REVIEW
    assert by_source_id("900101").visibility == Visibility.PRIVATE
    brakes = by_source_id("900102")
    assert brakes.status == Status.PROCESSING
    assert brakes.title == "远方星云刹车失灵"  # the stray TAB is gone
    assert brakes.problem_types == ["safety"]
    assert brakes.company.sector == Sector.AUTO
    assert brakes.brand is not None and brakes.brand.name == "远方星云"
    assert "E111" in brakes.details
    assert by_source_id("900103").status == Status.REPLIED
    assert by_source_id("900104").status == Status.COMPLETED
    assert Brand.objects.filter(name="远方星云").count() == 1
    assert by_source_id("900101").submitted_at == datetime(2020, 6, 8, 12, tzinfo=SHANGHAI)


# --- CFPB ---------------------------------------------------------------------------------------


def test_cfpb_responses_dates_and_narratives() -> None:
    report = import_file(format_name="cfpb", path=FIXTURES / "cfpb.csv")

    assert report.counts["created"] == 4
    bad = problems(report.problems)
    assert sorted(bad) == [8, 9]
    assert "bad date" in bad[8]
    assert "unknown company response" in bad[9]
    assert dict(ImportedRecord.objects.values_list("external_key", "line")) == {
        "9000001": 2,
        "9000002": 3,  # a narrative over three lines
        "9000003": 6,
        "9000004": 7,
    }

    bureau = by_source_id("9000001")
    assert bureau.status == Status.AUTO_COMPLETED  # closed by the company, never confirmed
    assert bureau.details.startswith("Product: Credit reporting / Credit reporting\n")
    reply = ComplaintEvent.objects.get(complaint=bureau, action="reply")
    assert reply.message == "Company response: Closed with explanation"

    lender = by_source_id("9000002")
    assert lender.status == Status.AUTO_COMPLETED
    assert lender.details.endswith("I asked for a refund and was told no.")
    assert lender.submitted_at == datetime(2023, 3, 22, 12, tzinfo=SHANGHAI)
    assert lender.accepted_at == datetime(2023, 3, 24, 12, tzinfo=SHANGHAI)
    reply = ComplaintEvent.objects.get(complaint=lender, action="reply")
    assert reply.message.startswith("Company believes it acted appropriately")
    assert lender.company.sector == Sector.FINANCE
    assert "price" in lender.problem_types

    assert by_source_id("9000003").status == Status.CLOSED  # untimely response
    assert by_source_id("9000003").problem_types == ["harassment"]
    assert by_source_id("9000004").status == Status.PROCESSING  # in progress


# --- idempotency and resume --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("heimao-json", "heimao.json"),
        ("heimao-csv", "heimao.csv"),
        ("12365auto", "car.csv"),
        ("cfpb", "cfpb.csv"),
    ],
)
def test_running_the_same_import_again_creates_nothing(fmt: str, name: str) -> None:
    first = import_file(format_name=fmt, path=FIXTURES / name)
    complaints = Complaint.objects.count()
    events = ComplaintEvent.objects.count()
    companies = Company.objects.count()

    again = import_file(format_name=fmt, path=FIXTURES / name)

    assert again.counts.get("created", 0) == 0
    # a row repeated in the file was a duplicate the first time, is already imported now
    assert again.counts["already_imported"] == first.counts["created"] + first.counts.get(
        "duplicates", 0
    )
    assert again.run_id != first.run_id
    assert Complaint.objects.count() == complaints
    assert ComplaintEvent.objects.count() == events
    assert Company.objects.count() == companies


class Interrupted(Exception):
    pass


def test_an_interrupted_import_resumes_and_duplicates_nothing() -> None:
    def crash_in_third_batch(run: ImportRun, number: int) -> None:
        if number == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        import_file(
            format_name="cfpb",
            path=FIXTURES / "cfpb.csv",
            batch_size=1,
            on_batch=crash_in_third_batch,
        )
    run = ImportRun.objects.get()
    assert run.state == RunState.RUNNING
    assert run.checkpoint == 2  # two batches committed, the third rolled back whole
    assert sorted(ImportedRecord.objects.values_list("external_key", flat=True)) == [
        "9000001",
        "9000002",
    ]
    assert Complaint.objects.count() == 2
    assert ComplaintEvent.objects.count() == 5 + 5

    report = import_file(format_name="cfpb", path=FIXTURES / "cfpb.csv", batch_size=1)

    assert report.run_id == run.pk and report.resumed_from == 2
    run.refresh_from_db()
    assert run.state == RunState.FINISHED and run.resumed == 1
    assert report.counts == {"created": 4, "bad": 2}
    assert sorted(problems(report.problems)) == [8, 9]
    assert Complaint.objects.count() == 4 == ImportedRecord.objects.count()
    assert ComplaintEvent.objects.filter(kind="submitted").count() == 4


def test_a_crash_inside_a_batch_leaves_nothing_of_that_batch() -> None:
    def crash(run: ImportRun, number: int) -> None:
        raise Interrupted

    with pytest.raises(Interrupted):
        import_file(format_name="heimao-json", path=FIXTURES / "heimao.json", on_batch=crash)
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()
    assert not Company.objects.exists()
    assert ImportRun.objects.get().checkpoint == 0


# --- the command ------------------------------------------------------------------------------


def test_the_command_lists_bad_rows_with_line_numbers() -> None:
    out = StringIO()
    path = FIXTURES / "car.csv"
    call_command("import", "12365auto", str(path), stdout=out)
    text = out.getvalue()
    assert f"{path}:6: bad: 日期无效 (bad date): '2020-13-45'" in text
    assert f"{path}:8: bad: 没有品牌/厂家 (no brand)" in text
    assert "4 created" in text and "3 bad rows skipped" in text
