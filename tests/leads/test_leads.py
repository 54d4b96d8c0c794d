"""Leads end to end on the real database: the scan files accepted complaints into defect and
police leads once; fraud tips and the public lookup; who may see leads (every view and export
audited); the lifecycle; the fixed export format; the pages."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from tousu.companies.models import Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.leads.export import leads_export
from tousu.leads.models import FraudTip, Indicator, Lead, LeadEvent, LeadKind
from tousu.leads.selectors import LOOKUPS_PER_MINUTE, fraud_lookup, lead_detail
from tousu.leads.services import TipInput, fraud_tip_submit, lead_grant, lead_transition, leads_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def carmaker(db: None) -> Any:
    return company_create(name="星辰汽车有限公司", sector=Sector.AUTO, aliases=["星辰汽车"])


@pytest.fixture
def lender(db: None) -> Any:
    return company_create(name="鑫汇通金融信息服务有限公司", sector=Sector.FINANCE)


@pytest.fixture
def file(make_user: Callable[..., User], moderator: User) -> Callable[..., Any]:
    def make(
        company: Any, title: str, details: str, *, accept: bool = True, amount: str = "100"
    ) -> Any:
        consumer = make_user(Role.CONSUMER)
        complaint, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title=title,
                details=details,
                company_id=company.pk,
                problem_types=["quality"],
                demands=["refund"],
                amount=amount,
            ),
        )
        if accept:
            services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
        return complaint

    return make


@pytest.fixture
def granted(regulator: User, moderator: User) -> User:
    lead_grant(user=regulator, granted_by=moderator, defect=True, police=False)
    return regulator


def test_scan_groups_defects_by_model_and_category_once(
    file: Callable[..., Any], carmaker: Any
) -> None:
    a = file(carmaker, "星辰汽车银河X7行驶中熄火", "高速上突然熄火，差点被追尾，4S店说查不出问题。")
    b = file(
        carmaker, "星辰汽車銀河X7高速熄火", "行駛中發動機熄火，非常危險，要求廠家召回。"
    )  # Traditional
    file(carmaker, "星辰汽车银河X7车门异响", "关门时有异响，4S店不处理。")  # quality, not safety
    file(
        carmaker, "星辰汽车银河X7刹车失灵", "下坡时刹车失灵，撞上护栏。", accept=False
    )  # not accepted yet
    first = leads_scan()
    assert first == {"scanned": 3, "defect": 2, "police": 0}
    [lead] = Lead.objects.filter(kind=LeadKind.DEFECT)
    assert (lead.category, lead.product_model, lead.complaint_count) == ("power_loss", "X7", 2)
    assert lead.amount_total == 200
    assert {i.complaint_id for i in lead.items.all()} == {a.pk, b.pk}
    assert leads_scan()["defect"] == 0  # idempotent: the overlap window re-reads, adds nothing
    assert Lead.objects.get(pk=lead.pk).complaint_count == 2


def test_scan_resumes_inside_complaints_accepted_at_the_same_instant(
    file: Callable[..., Any], carmaker: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from tousu.complaints.models import Complaint
    from tousu.leads.models import LeadComplaint, ScanState

    made = [
        file(carmaker, f"星辰汽车银河X{n}刹车失灵", "下坡时刹车失灵，撞上护栏，要求召回。")
        for n in range(5)
    ]
    ids = sorted(c.pk for c in made)
    at = timezone.now() - timedelta(hours=1)
    # a moderator's batch: accepted in one instant (test set-up of the timestamps only)
    Complaint.objects.filter(pk__in=ids).update(accepted_at=at)
    progress = []
    for _ in range(4):
        leads_scan(batch=2)
        state = ScanState.objects.get(name="leads")
        progress.append((state.accepted_since == at, state.since_id))
    assert progress == [(True, ids[1]), (True, ids[3]), (True, ids[4]), (True, ids[4])]
    assert set(LeadComplaint.objects.values_list("complaint_id", flat=True)) == set(ids)
    # never backwards, never stuck: an old acceptance re-read by the overlap changes nothing
    assert leads_scan(batch=2)["scanned"] == 2


def test_scan_reads_through_the_acceptance_index() -> None:
    """On SQLite the scan's query is an index range on (accepted_at, id), not a table scan
    (every run read the whole table at 30M before the index)."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tousu.leads.models import ScanState

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL picks by table statistics")
    ScanState.objects.create(name="leads", accepted_since=timezone.now() - timedelta(days=1))
    with CaptureQueriesContext(connection) as queries:
        leads_scan()
    scans = [q["sql"] for q in queries.captured_queries if '"accepted_at" >=' in q["sql"]]
    assert len(scans) == 2
    for sql in scans:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " / ".join(row[3] for row in cursor.fetchall())
        assert "USING INDEX complaint_accepted_at" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_scan_files_illegal_platforms_by_identifier_and_lookup_counts(
    file: Callable[..., Any], lender: Any
) -> None:
    text = "在鑫汇通APP借款后遭暴力催收，爆通讯录辱骂家人，催收电话13912345678。"
    file(lender, "鑫汇通暴力催收", text)
    file(lender, "鑫汇通砍头息", "借一万到手七千，砍头息，催收电话 139-1234-5678 天天骚扰")
    leads_scan()
    phone_lead = Lead.objects.get(kind=LeadKind.POLICE, key="phone:13912345678")
    assert phone_lead.complaint_count == 2 and phone_lead.category == "illegal_lending"
    found = fraud_lookup("phone", "+86 139 1234 5678")
    assert found.reports == 2 and found.scam_types == {"illegal_lending": 2}
    assert fraud_lookup("phone", "13800000000").reports == 0


def test_fraud_tip_is_validated_recorded_and_aggregated(consumer: User) -> None:
    for bad in (
        TipInput(scam_type="nonsense", story="对方冒充客服让我转账五千元"),
        TipInput(scam_type="impersonation", story="太短"),
        TipInput(scam_type="impersonation", story="对方冒充客服让我转账五千元"),  # no identifier
        TipInput(scam_type="impersonation", story="对方冒充客服让我转账五千元", phone="12"),
        TipInput(scam_type="impersonation", story="对方冒充客服让我转账五千元", url="not a url"),
        TipInput(
            scam_type="impersonation",
            story="对方冒充客服让我转账五千元",
            phone="13800138000",
            amount_lost="-5",
        ),
    ):
        with pytest.raises(ValidationFailed):
            fraud_tip_submit(reporter=consumer, data=bad)
    assert not FraudTip.objects.exists() and not Indicator.objects.exists()
    tip = fraud_tip_submit(
        reporter=consumer,
        data=TipInput(
            scam_type="impersonation",
            story="对方自称快递客服，让我共享屏幕后转走五千元",
            phone="13800138000",
            url="https://kefu-pay.top/x",
            amount_lost="5000",
        ),
    )
    assert set(Indicator.objects.filter(tip=tip).values_list("kind", "value")) == {
        ("phone", "13800138000"),
        ("domain", "kefu-pay.top"),
    }
    lead = Lead.objects.get(kind=LeadKind.POLICE, key="domain:kefu-pay.top")
    assert lead.tip_count == 1 and lead.amount_total == 5000
    looked = fraud_lookup("domain", "http://www.KEFU-PAY.top/login")
    assert looked.reports == 1 and looked.scam_types == {"impersonation": 1}
    assert not hasattr(looked, "story") and not hasattr(looked, "amount_lost")


def test_tips_are_rate_limited(consumer: User) -> None:
    data = TipInput(scam_type="fraud", story="对方让我刷单返利，转了钱不返还", app_name="快赚宝")
    for _ in range(10):
        fraud_tip_submit(reporter=consumer, data=data)
    with pytest.raises(RateLimited):
        fraud_tip_submit(reporter=consumer, data=data)
    assert FraudTip.objects.count() == 10


def test_who_sees_leads_and_every_view_and_export_is_audited(
    file: Callable[..., Any],
    carmaker: Any,
    lender: Any,
    granted: User,
    consumer: User,
    merchant: User,
    make_user: Callable[..., User],
    moderator: User,
    client_for: Callable[[User | None], Client],
) -> None:
    file(carmaker, "银河X7刹车失灵", "下坡时刹车失灵，撞上护栏。")
    file(lender, "鑫汇通暴力催收", "遭暴力催收，爆通讯录，电话13912345678")
    leads_scan()
    defect = Lead.objects.get(kind=LeadKind.DEFECT)
    police = Lead.objects.filter(kind=LeadKind.POLICE).first()
    assert police is not None
    ungranted = make_user(Role.REGULATOR)
    for user in (consumer, merchant, ungranted):
        with pytest.raises(PermissionDenied):
            lead_detail(user, defect.pk)
    with pytest.raises(PermissionDenied):
        lead_detail(granted, police.pk)  # granted defect leads only
    with pytest.raises(PermissionDenied):
        leads_export(user=granted, kind=LeadKind.POLICE, fmt="json")
    audited = ["viewed", "exported", "listed"]
    before = LeadEvent.objects.filter(action__in=audited).count()
    # a refused listing shows nothing and records nothing
    regulator_web = client_for(granted)
    assert regulator_web.get("/api/v1/leads", {"kind": "police"}).status_code == 403
    assert regulator_web.get("/leads/", {"kind": "police"}).status_code == 403
    assert client_for(consumer).get("/api/v1/leads", {"kind": "defect"}).status_code == 403
    assert LeadEvent.objects.filter(action__in=audited).count() == before
    lead_detail(granted, defect.pk)
    leads_export(user=granted, kind=LeadKind.DEFECT, fmt="csv")
    lead_detail(moderator, police.pk)
    listed = regulator_web.get("/api/v1/leads", {"kind": "defect", "status": "draft"})
    assert [x["id"] for x in listed.json()] == [defect.pk]
    assert regulator_web.get("/leads/", {"kind": "defect"}).status_code == 200
    assert client_for(moderator).get("/leads/", {"kind": "police"}).status_code == 200
    audit = list(
        LeadEvent.objects.filter(action__in=audited)
        .order_by("id")
        .values_list("action", "actor_id", "kind", "meta")
    )[before:]
    police_ids = list(
        Lead.objects.filter(kind=LeadKind.POLICE)
        .order_by("-complaint_count", "-last_seen_at", "id")
        .values_list("id", flat=True)
    )
    assert [a[:2] for a in audit] == [
        ("viewed", granted.pk),
        ("exported", granted.pk),
        ("viewed", moderator.pk),
        ("listed", granted.pk),
        ("listed", granted.pk),
        ("listed", moderator.pk),
    ]
    assert [(a[2], a[3]) for a in audit[3:]] == [
        (LeadKind.DEFECT, {"status": "draft", "via": "api", "page": 1, "leads": [defect.pk]}),
        (LeadKind.DEFECT, {"status": "", "via": "page", "page": 1, "leads": [defect.pk]}),
        (LeadKind.POLICE, {"status": "", "via": "page", "page": 1, "leads": police_ids}),
    ]


def test_lifecycle(file: Callable[..., Any], carmaker: Any, granted: User, moderator: User) -> None:
    file(carmaker, "银河X7刹车失灵", "下坡时刹车失灵，撞上护栏。")
    leads_scan()
    lead = Lead.objects.get(kind=LeadKind.DEFECT)
    with pytest.raises(PermissionDenied):
        lead_transition(lead_id=lead.pk, actor=granted, action="send")  # staff send
    with pytest.raises(Conflict):
        lead_transition(lead_id=lead.pk, actor=granted, action="acknowledge")  # not sent yet
    lead_transition(lead_id=lead.pk, actor=moderator, action="send", note="移送缺陷产品管理中心")
    lead_transition(lead_id=lead.pk, actor=granted, action="acknowledge")
    lead_transition(lead_id=lead.pk, actor=granted, action="close", note="已立案调查")
    with pytest.raises(Conflict):
        lead_transition(lead_id=lead.pk, actor=moderator, action="send")
    steps = list(
        LeadEvent.objects.filter(lead=lead, to_status__gt="")
        .order_by("id")
        .values_list("action", "from_status", "to_status")
    )
    assert steps == [
        ("send", "draft", "sent"),
        ("acknowledge", "sent", "acknowledged"),
        ("close", "acknowledged", "closed"),
    ]


def test_export_formats(file: Callable[..., Any], carmaker: Any, granted: User) -> None:
    file(carmaker, "=cmd|' /C calc'!A0 银河X7刹车失灵", "下坡时刹车失灵，撞上护栏。")
    leads_scan()
    body, ctype, name = leads_export(user=granted, kind=LeadKind.DEFECT, fmt="json")
    assert ctype.startswith("application/json")
    data = json.loads(body)
    assert data["format"] == "tousu-leads/1" and name.endswith(".json")
    [lead] = data["leads"]
    assert lead["category"] == "brake" and lead["complaints"][0]["title"].startswith("=cmd")
    body, _ct, _ = leads_export(user=granted, kind=LeadKind.DEFECT, fmt="csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "#tousu-leads/1" and rows[1][0] == "lead_id"
    assert any(len(r) > 3 and r[3].startswith("'=cmd") for r in rows)  # neutralised formula
    body, _ctype, _ = leads_export(user=granted, kind=LeadKind.DEFECT, fmt="xlsx")
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["leads", "complaints", "about"]
    assert book["leads"]["C2"].value == "brake" and book["leads"]["D2"].value == "制动失效"
    with pytest.raises(ValidationFailed):
        leads_export(user=granted, kind=LeadKind.DEFECT, fmt="pdf")


def test_pages(
    file: Callable[..., Any],
    carmaker: Any,
    granted: User,
    consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    anonymous = client_for(None)
    assert anonymous.get("/fraud/report/").status_code == 302
    me = client_for(consumer)
    bad = me.post("/fraud/report/", {"scam_type": "fraud", "story": "对方让我刷单返利转账"})
    assert bad.status_code == 400 and "至少填写" in bad.content.decode()
    ok = me.post(
        "/fraud/report/",
        {"scam_type": "fraud", "story": "对方让我刷单返利转账", "app_name": "快赚宝"},
        follow=True,
    )
    assert ok.status_code == 200 and "举报已收到" in ok.content.decode()
    page = anonymous.get("/fraud/lookup/", {"kind": "app", "value": "快赚宝APP"}).content.decode()
    assert "已被举报 1 次" in page and "刷单返利转账" not in page
    assert anonymous.get("/fraud/lookup/", {"kind": "x", "value": "abc"}).status_code == 400
    file(carmaker, "银河X7刹车失灵", "下坡时刹车失灵，撞上护栏。")
    leads_scan()
    assert me.get("/leads/").status_code == 403
    regulator = client_for(granted)
    listing = regulator.get("/leads/?kind=defect").content.decode()
    assert "X7" in listing
    lead = Lead.objects.get(kind=LeadKind.DEFECT)
    assert "刹车失灵" in regulator.get(f"/leads/{lead.pk}/").content.decode()
    export = regulator.get("/leads/export?kind=defect&format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd")
    assert regulator.get("/leads/?kind=police").status_code == 403


def test_api(
    carmaker: Any,
    file: Callable[..., Any],
    granted: User,
    consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    me = client_for(consumer)
    made = me.post(
        "/api/v1/fraud/tips",
        {
            "scam_type": "fake_investment",
            "story": "投资平台无法提现，客服失联",
            "url": "bit-gold.vip",
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    bad = me.post(
        "/api/v1/fraud/tips",
        {"scam_type": "fake_investment", "story": "短"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["details"]["field"] == "story"
    looked = client_for(None).get(
        "/api/v1/fraud/lookup", {"kind": "domain", "value": "BIT-GOLD.vip"}
    )
    assert looked.json()["reports"] == 1
    file(carmaker, "银河X7刹车失灵", "下坡时刹车失灵，撞上护栏。")
    leads_scan()
    reg = client_for(granted)
    [lead] = reg.get("/api/v1/leads", {"kind": "defect"}).json()
    detail = reg.get(f"/api/v1/leads/{lead['id']}").json()
    assert detail["complaints"][0]["terms"] == ["刹车失灵"]
    assert reg.get("/api/v1/leads/export", {"kind": "defect", "format": "json"}).status_code == 200
    sent = reg.post(f"/api/v1/leads/{lead['id']}/send", {}, content_type="application/json")
    assert sent.status_code == 403
    assert me.get("/api/v1/leads", {"kind": "defect"}).status_code == 403


def _lookup_state() -> tuple[int, int, int, int]:
    return (
        FraudTip.objects.count(),
        Indicator.objects.count(),
        Lead.objects.count(),
        LeadEvent.objects.count(),
    )


def test_the_api_lookup_is_rate_limited_with_a_structured_error(
    consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    fraud_tip_submit(
        reporter=consumer,
        data=TipInput(scam_type="fraud", story="对方让我刷单返利，转了钱不返还", app_name="快赚宝"),
    )
    assert LOOKUPS_PER_MINUTE == 20
    anonymous = client_for(None)
    query = {"kind": "app", "value": "快赚宝"}
    for _ in range(LOOKUPS_PER_MINUTE):
        ok = anonymous.get("/api/v1/fraud/lookup", query)
        assert ok.status_code == 200 and ok.json()["reports"] == 1
    before = _lookup_state()
    denied = anonymous.get("/api/v1/fraud/lookup", query)
    assert denied.status_code == 429
    assert denied.json() == {
        "code": "rate_limited",
        "message": "操作过于频繁，请稍后再试",
        "details": {"retry_after_seconds": 60},
    }
    assert _lookup_state() == before
    # the page shares the address's budget: one limit for both doors
    page = anonymous.get("/fraud/lookup/", query)
    assert page.status_code == 429


def test_the_lookup_page_is_rate_limited_with_a_chinese_message(
    consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    fraud_tip_submit(
        reporter=consumer,
        data=TipInput(scam_type="fraud", story="对方让我刷单返利，转了钱不返还", app_name="快赚宝"),
    )
    anonymous = client_for(None)
    query = {"kind": "app", "value": "快赚宝"}
    for _ in range(LOOKUPS_PER_MINUTE):
        ok = anonymous.get("/fraud/lookup/", query)
        assert ok.status_code == 200 and "已被举报 1 次" in ok.content.decode()
    before = _lookup_state()
    denied = anonymous.get("/fraud/lookup/", query)
    html = denied.content.decode()
    assert denied.status_code == 429
    assert "查询过于频繁，请一分钟后再试" in html and "已被举报" not in html
    assert _lookup_state() == before
    # another address still has its own budget
    other = client_for(None).get("/fraud/lookup/", query, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200
    assert anonymous.get("/api/v1/fraud/lookup", query).status_code == 429
