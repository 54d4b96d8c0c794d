"""Who may call what: every endpoint of API v1 × every kind of caller → HTTP status.

The matrix is checked against the OpenAPI schema, so a new endpoint without a row fails
``test_matrix_covers_every_endpoint``. Each cell builds a fresh world with the complaint in the
state the endpoint acts on, calls the endpoint as one caller and checks the status; a refused
write (any 4xx) must leave every table of the platform exactly as it was.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from PIL import Image

from tousu.accounts.models import ApiToken, OneTimeCode, Role, User
from tousu.accounts.services import _code_digest, token_create
from tousu.api.routes import api
from tousu.companies.models import Company, MemberRole, Sector
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services
from tousu.complaints.evidence import prepare_file
from tousu.complaints.models import Complaint, ComplaintEvent, Evidence
from tousu.merchants.models import CompanyClaim

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "owner",
    "other_consumer",
    "merchant",
    "other_merchant",
    "moderator",
    "regulator",
    "mediator",
)
PASSWORD = "correct-horse-9"
APPS_WITH_STATE = (
    "accounts",
    "companies",
    "complaints",
    "moderation",
    "engagement",
    "leads",
    "disputes",
    "insights",
    "merchants",
    "search",
    "privacy",
    "django_tasks_database",
)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def png_bytes(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    users: dict[str, User | None]
    company: Company
    other_company: Company
    unreachable_company: Company
    complaint: Complaint
    evidence: Evidence
    token: ApiToken
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def number(self) -> str:
        return self.complaint.public_number


def _user(role: str, phone: str, nickname: str) -> User:
    return User.objects.create_user(phone=phone, password=PASSWORD, role=role, nickname=nickname)


def drive_to(state: str, complaint: Complaint, users: dict[str, Any]) -> None:
    """Move ``complaint`` through the services to ``state`` (see states.EDGES)."""
    pk, mod, mer, own = complaint.pk, users["moderator"], users["merchant"], users["owner"]
    path: dict[str, list[Callable[[], Any]]] = {
        "pending_review": [],
        "rejected": [lambda: services.complaint_reject(complaint_id=pk, actor=mod, reason="spam")],
        "processing": [lambda: services.complaint_accept(complaint_id=pk, actor=mod)],
    }
    accept = path["processing"]
    reply = [lambda: services.complaint_reply(complaint_id=pk, actor=mer, message="已联系您处理")]
    ask = [lambda: services.complaint_request_completion(complaint_id=pk, actor=mer)]
    path["replied"] = accept + reply
    path["completion_requested"] = accept + reply + ask
    path["completed"] = [
        *path["completion_requested"],
        lambda: services.complaint_confirm_completion(
            complaint_id=pk, actor=own, attitude=5, speed=4, satisfaction=5
        ),
    ]
    path["mediation"] = [
        *accept,
        lambda: services.complaint_escalate(complaint_id=pk, actor=own, message="协商不成"),
    ]
    path["hidden"] = [
        *accept,
        lambda: services.complaint_hide(complaint_id=pk, actor=mod, reason="privacy"),
    ]
    path["unassigned"] = accept  # on a company without members
    for step in path[state]:
        step()
    complaint.refresh_from_db()


def build_world(state: str, *, unreachable: bool = False) -> World:
    users: dict[str, Any] = {
        "anonymous": None,
        "owner": _user(Role.CONSUMER, "13900000001", "张三"),
        "other_consumer": _user(Role.CONSUMER, "13900000002", "李四"),
        "merchant": _user(Role.MERCHANT, "13900000003", "商家客服"),
        "other_merchant": _user(Role.MERCHANT, "13900000004", "别家客服"),
        "moderator": _user(Role.MODERATOR, "13900000005", "审核员"),
        "regulator": _user(Role.REGULATOR, "13900000006", "监管"),
        "mediator": _user(Role.MEDIATOR, "13900000007", "调解员"),
    }
    company = company_create(
        name="快乐外卖有限公司", sector=Sector.LOCAL_SERVICES, brands=["快乐跑腿"]
    )
    other_company = company_create(name="远方电商", sector=Sector.ECOMMERCE)
    unreachable_company = company_create(name="失联健身房", sector=Sector.LOCAL_SERVICES)
    company_add_member(company=company, user=users["merchant"], role=MemberRole.OWNER)
    company_add_member(company=other_company, user=users["other_merchant"], role=MemberRole.OWNER)
    target = unreachable_company if unreachable else company
    complaint, _ = services.complaint_submit(
        consumer=users["owner"],
        data=services.ComplaintInput(
            title="外卖超时两小时拒绝退款",
            details="6月1日点餐，超时两个小时才送到，申请退款被客服拒绝。",
            company_id=target.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
            amount="58.50",
            order_number="DD20250601123456",
            purchase_date=date(2025, 6, 1),
        ),
        files=[prepare_file(png_bytes(), "receipt.png")],
    )
    drive_to(state, complaint, users)
    token, _raw = token_create(user=users["owner"], name="脚本")
    return World(
        users=users,
        company=company,
        other_company=other_company,
        unreachable_company=unreachable_company,
        complaint=complaint,
        evidence=complaint.evidence.get(),
        token=token,
    )


# reference data loaded by migrations (thousands of rows) that no endpoint writes: compared by
# count only, to keep the snapshot cheap
REFERENCE_DATA = {"companies.Region"}


def snapshot() -> dict[str, Any]:
    """Every row of every platform table (sessions excluded: they are the caller's)."""
    out: dict[str, Any] = {}
    for label in APPS_WITH_STATE:
        for model in apps.get_app_config(label).get_models():
            qs = model.objects.order_by("pk")
            name = model._meta.label
            out[name] = qs.count() if name in REFERENCE_DATA else list(qs.values())
    return out


# --- the matrix ---------------------------------------------------------------------------

Request = tuple[str, dict[str, Any]]  # (url, kwargs for Client.generic / post)


@dataclass(frozen=True)
class Row:
    state: str
    request: Callable[[World, str], Request]
    expect: dict[str, int]
    unreachable: bool = False


def statuses(default: int, anonymous: int | None = None, **overrides: int) -> dict[str, int]:
    out = dict.fromkeys(ROLES, default)
    if anonymous is not None:
        out["anonymous"] = anonymous
    out.update(overrides)
    return out


def _json(url: str, body: dict[str, Any] | None = None) -> Request:
    return url, {"data": body or {}, "content_type": "application/json"}


def _get(url: str) -> Request:
    return url, {}


def _c(world: World, action: str) -> str:
    return f"/api/v1/complaints/{world.number}/{action}"


def _lead(world: World) -> int:
    from tousu.leads.models import Lead

    lead, _ = Lead.objects.get_or_create(
        kind="defect", key="matrix", defaults={"category": "brake", "title": "测试线索"}
    )
    return lead.pk


def _message(world: World) -> int:
    """A public timeline message of the complaint (written directly: its redaction rows and
    public copy are made when staff first act on it)."""
    event, _ = ComplaintEvent.objects.get_or_create(
        complaint=world.complaint,
        kind="reply",
        message="已致电13912345678，请留意",
        defaults={"actor_role": "merchant", "actor": world.users["merchant"]},
    )
    return event.pk


def _message_redaction(world: World) -> int:
    from tousu.privacy.models import Redaction

    event_id = _message(world)
    found, _ = Redaction.objects.get_or_create(
        complaint=world.complaint,
        event_id=event_id,
        field="message",
        start=0,
        end=3,
        defaults={
            "kind": "manual",
            "rule": "staff",
            "original": "已致电",
            "mask": "***",
            "automatic": False,
        },
    )
    return found.pk


def _redaction(world: World) -> int:
    from tousu.privacy.models import Redaction

    found, _ = Redaction.objects.get_or_create(
        complaint=world.complaint,
        field="details",
        start=6,
        end=8,
        defaults={"kind": "manual", "rule": "staff", "original": "超时", "mask": "***"},
    )
    return found.pk


def _alert(world: World) -> int:
    from tousu.insights.models import SurgeAlert

    alert, _ = SurgeAlert.objects.get_or_create(
        series_kind="company",
        series_key=str(world.company.pk),
        defaults={
            "label": world.company.name,
            "company": world.company,
            "sector": world.company.sector,
            "first_day": date(2026, 6, 1),
            "first_alert_day": date(2026, 6, 2),
            "last_day": date(2026, 6, 3),
            "observed": 30,
            "expected": 2.5,
            "threshold": 9,
            "peak_observed": 30,
            "peak_ratio": 12,
        },
    )
    return alert.pk


def _phone_for(world: World, role: str) -> str:
    user = world.users[role]
    return user.phone if user is not None and user.phone else "13700000009"


def _otp_login(world: World, role: str) -> Request:
    phone = _phone_for(world, role)
    OneTimeCode.objects.create(
        channel="sms",
        target=phone,
        code_hash=_code_digest(phone, "246810"),
        expires_at="2999-01-01T00:00:00Z",
    )
    return _json("/api/v1/auth/otp/login", {"login": phone, "code": "246810"})


def _new_complaint(world: World, role: str) -> Request:
    return "/api/v1/complaints", {
        "data": {
            "title": "会员自动续费不退款",
            "details": "未经同意自动续费了一年会员，客服拒绝退款。",
            "company_id": world.company.pk,
            "problem_types": ["auto_renewal"],
            "demands": ["refund"],
            "evidence": [_named_file(png_bytes("blue"), "shot.png")],
        }
    }


def _named_file(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


# a complaint that is not public yet (pending review / rejected): only its consumer and moderators
# even learn that it exists; everyone else gets 404, never 403
HIDDEN_FROM_OTHERS = {
    "other_consumer": 404,
    "merchant": 404,
    "other_merchant": 404,
    "regulator": 404,
    "mediator": 404,
}


def _verified(user: User | None) -> User | None:
    if user is not None:
        User.objects.filter(pk=user.pk).update(phone_verified_at="2025-01-01T00:00:00Z")
    return user


LICENCE_USCC = "91350100M000100Y43"


def _claim(world: World) -> CompanyClaim:
    """A pending claim of the unreachable company by a claimant of its own."""
    claimant = _verified(_user(Role.CONSUMER, "13900000099", "申请人"))
    assert claimant is not None
    return CompanyClaim.objects.create(
        company=world.unreachable_company,
        claimant=claimant,
        uscc=LICENCE_USCC,
        contact_name="王经理",
        licence="licences/test.png",
        licence_content_type="image/png",
        licence_ext="png",
        licence_size=10,
        licence_sha256="0" * 64,
    )


def _new_claim(world: World, role: str) -> Request:
    _verified(world.users[role])
    return f"/api/v1/companies/{world.unreachable_company.pk}/claims", {
        "data": {
            "uscc": LICENCE_USCC,
            "contact_name": "王经理",
            "licence": _named_file(png_bytes("green"), "licence.png"),
        }
    }


def _licence(world: World, role: str) -> Request:
    claim = _claim(world)
    claim.claimant = world.users["owner"] or claim.claimant
    claim.licence.save("licence.png", io.BytesIO(png_bytes()), save=False)
    claim.save()
    return _get(f"/api/v1/claims/{claim.pk}/licence")


def _revoke(world: World, role: str) -> Request:
    from tousu.companies.services import company_verify

    moderator = world.users["moderator"]
    assert moderator is not None
    company_verify(company_id=world.other_company.pk, actor=moderator)
    return _json(
        f"/api/v1/companies/{world.other_company.pk}/revoke-verification", {"reason": "执照过期"}
    )


def _ranking(world: World, role: str) -> Request:
    from tousu.metrics.rankings import publish

    (published, *_) = publish("weekly", date(2025, 6, 2), date(2025, 6, 8))
    return _get(f"/api/v1/rankings/{published.pk}")


def _dispute_flag(world: World) -> int:
    from tousu.disputes.models import Flag

    flag, _ = Flag.objects.get_or_create(
        complaint=world.complaint,
        reporter=world.users["other_consumer"],
        defaults={"reason": "privacy", "text": "含手机号"},
    )
    return flag.pk


def _dispute_decision(world: World) -> int:
    from tousu.disputes import services as disputes

    if "decision" not in world.extra:
        world.extra["decision"] = disputes.decide(
            moderator=_user(Role.MODERATOR, "13900000098", "另一审核员"),
            kind="flag",
            target_id=_dispute_flag(world),
            outcome="upheld",
            reason="含手机号",
        ).pk
    return int(world.extra["decision"])


def _dispute_appeal(world: World) -> int:
    from tousu.disputes import services as disputes

    return disputes.appeal_create(
        user=world.users["owner"], decision_id=_dispute_decision(world), text="号码是客服电话"
    ).pk


MATRIX: dict[str, Row] = {
    # accounts
    "POST /api/v1/auth/register": Row(
        "processing",
        lambda w, r: _json(
            "/api/v1/auth/register", {"login": f"new-{r}@example.com", "password": "a-long-pass-9"}
        ),
        statuses(201),
    ),
    "POST /api/v1/auth/login": Row(
        "processing",
        lambda w, r: _json(
            "/api/v1/auth/login",
            {
                "login": _phone_for(w, r) if r != "anonymous" else _phone_for(w, "owner"),
                "password": PASSWORD,
            },
        ),
        statuses(200),
    ),
    "POST /api/v1/auth/otp": Row(
        "processing",
        lambda w, r: _json("/api/v1/auth/otp", {"login": _phone_for(w, r)}),
        statuses(202),
    ),
    "POST /api/v1/auth/otp/login": Row("processing", _otp_login, statuses(200)),
    "POST /api/v1/auth/logout": Row(
        "processing", lambda w, r: _json("/api/v1/auth/logout"), statuses(204, 401)
    ),
    "GET /api/v1/me": Row("processing", lambda w, r: _get("/api/v1/me"), statuses(200, 401)),
    "GET /api/v1/me/tokens": Row(
        "processing", lambda w, r: _get("/api/v1/me/tokens"), statuses(200, 401)
    ),
    "POST /api/v1/me/tokens": Row(
        "processing", lambda w, r: _json("/api/v1/me/tokens", {"name": "ci"}), statuses(201, 401)
    ),
    # the owner's token: nobody else may revoke it, nor learn that it exists
    "DELETE /api/v1/me/tokens/{token_id}": Row(
        "processing",
        lambda w, r: (f"/api/v1/me/tokens/{w.token.pk}", {"method": "DELETE"}),
        statuses(404, 401, owner=204),
    ),
    # public reads
    "GET /api/v1/complaints": Row(
        "processing", lambda w, r: _get("/api/v1/complaints"), statuses(200)
    ),
    "GET /api/v1/complaints/{public_number}": Row(
        "pending_review",
        lambda w, r: _get(f"/api/v1/complaints/{w.number}"),
        statuses(404, owner=200, moderator=200),
    ),
    "GET /api/v1/complaints/{public_number}/evidence/{evidence_id}": Row(
        "pending_review",
        lambda w, r: _get(f"/api/v1/complaints/{w.number}/evidence/{w.evidence.pk}"),
        statuses(404, owner=200, moderator=200),
    ),
    "GET /api/v1/companies": Row(
        "processing", lambda w, r: _get("/api/v1/companies"), statuses(200)
    ),
    "GET /api/v1/companies/{company_id}": Row(
        "processing", lambda w, r: _get(f"/api/v1/companies/{w.company.pk}"), statuses(200)
    ),
    # search: the public scope is open to all (tests/search); scope=inbox is restricted
    "GET /api/v1/complaints/search": Row(
        "processing",
        lambda w, r: _get("/api/v1/complaints/search?q=%E9%80%80%E6%AC%BE&scope=inbox"),
        statuses(403, 401, merchant=200, other_merchant=200, moderator=200),
    ),
    "GET /api/v1/companies/suggest": Row(
        "processing", lambda w, r: _get("/api/v1/companies/suggest?q=kl"), statuses(200)
    ),
    "GET /api/v1/taxonomies": Row(
        "processing", lambda w, r: _get("/api/v1/taxonomies"), statuses(200)
    ),
    "POST /api/v1/fraud/tips": Row(
        "processing",
        lambda w, r: _json(
            "/api/v1/fraud/tips",
            {"scam_type": "fraud", "story": "对方让我刷单返利，转账后失联", "app_name": "快赚宝"},
        ),
        statuses(201, 401),
    ),
    "GET /api/v1/fraud/lookup": Row(
        "processing",
        lambda w, r: _get("/api/v1/fraud/lookup?kind=phone&value=13800138000"),
        statuses(200),
    ),
    "POST /api/v1/complaints/{public_number}/flags": Row(
        "processing",
        lambda w, r: _json(_c(w, "flags"), {"reason": "spam", "text": "广告"}),
        statuses(201, 401),
    ),
    "POST /api/v1/complaints/{public_number}/contests": Row(
        "processing",
        lambda w, r: (
            _c(w, "contests"),
            {
                "data": {
                    "reason": "not_customer",
                    "text": "查无此订单",
                    "evidence": [_named_file(png_bytes("green"), "orders.png")],
                }
            },
        ),
        statuses(403, 401, merchant=201),
    ),
    "GET /api/v1/moderation/disputes": Row(
        "processing",
        lambda w, r: _get("/api/v1/moderation/disputes"),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/moderation/disputes/{kind}/{target_id}/decide": Row(
        "processing",
        lambda w, r: _json(
            f"/api/v1/moderation/disputes/flag/{_dispute_flag(w)}/decide",
            {"outcome": "dismissed", "reason": "无个人信息"},
        ),
        statuses(403, 401, moderator=201),
    ),
    "POST /api/v1/disputes/decisions/{decision_id}/appeal": Row(
        "processing",
        lambda w, r: _json(
            f"/api/v1/disputes/decisions/{_dispute_decision(w)}/appeal", {"text": "号码是客服的"}
        ),
        statuses(403, 401, owner=201, other_consumer=201),
    ),
    "POST /api/v1/moderation/appeals/{appeal_id}/decide": Row(
        "processing",
        lambda w, r: _json(
            f"/api/v1/moderation/appeals/{_dispute_appeal(w)}/decide",
            {"outcome": "upheld", "reason": "是企业客服电话"},
        ),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/leads": Row(
        "processing",
        lambda w, r: _get("/api/v1/leads?kind=defect"),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/leads/export": Row(
        "processing",
        lambda w, r: _get("/api/v1/leads/export?kind=police&format=json"),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/leads/{lead_id}": Row(
        "processing",
        lambda w, r: _get(f"/api/v1/leads/{_lead(w)}"),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/leads/{lead_id}/{action}": Row(
        "processing",
        lambda w, r: _json(f"/api/v1/leads/{_lead(w)}/send"),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/insights/surges": Row(
        "processing",
        lambda w, r: _get("/api/v1/insights/surges"),
        statuses(403, 401, moderator=200, regulator=200),
    ),
    "GET /api/v1/insights/surges/{alert_id}": Row(
        "processing",
        lambda w, r: _get(f"/api/v1/insights/surges/{_alert(w)}"),
        statuses(403, 401, moderator=200, regulator=404),
    ),
    "POST /api/v1/insights/surges/{alert_id}/acknowledge": Row(
        "processing",
        lambda w, r: _json(f"/api/v1/insights/surges/{_alert(w)}/acknowledge"),
        statuses(403, 401, moderator=200, regulator=404),
    ),
    "POST /api/v1/insights/surges/{alert_id}/notes": Row(
        "processing",
        lambda w, r: _json(f"/api/v1/insights/surges/{_alert(w)}/notes", {"text": "已核实"}),
        statuses(403, 401, moderator=201, regulator=404),
    ),
    # a regulator without a scope may not subscribe; nobody else either
    "GET /api/v1/insights/subscriptions": Row(
        "processing", lambda w, r: _get("/api/v1/insights/subscriptions"), statuses(403, 401)
    ),
    "POST /api/v1/insights/subscriptions": Row(
        "processing",
        lambda w, r: _json(
            "/api/v1/insights/subscriptions", {"name": "上海", "region_codes": ["310000"]}
        ),
        statuses(403, 401),
    ),
    "DELETE /api/v1/insights/subscriptions/{subscription_id}": Row(
        "processing",
        lambda w, r: ("/api/v1/insights/subscriptions/1", {}),
        statuses(403, 401),
    ),
    "GET /api/v1/hotspots": Row("processing", lambda w, r: _get("/api/v1/hotspots"), statuses(200)),
    "GET /api/v1/reports": Row("processing", lambda w, r: _get("/api/v1/reports"), statuses(200)),
    "GET /api/v1/reports/{slug}": Row(
        "processing", lambda w, r: _get("/api/v1/reports/2026-05"), statuses(404)
    ),
    "GET /api/v1/open-data": Row(
        "processing", lambda w, r: _get("/api/v1/open-data"), statuses(200)
    ),
    "GET /api/v1/staff/partners": Row(
        "processing",
        lambda w, r: _get("/api/v1/staff/partners"),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/moderation/complaints/{public_number}/screening": Row(
        "pending_review",
        lambda w, r: _get(f"/api/v1/moderation/complaints/{w.number}/screening"),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/moderation/groups": Row(
        "processing",
        lambda w, r: _get("/api/v1/moderation/groups"),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/complaint-suggestions": Row(
        "processing",
        lambda w, r: _json(
            "/api/v1/complaint-suggestions",
            {"title": "会员自动续费", "details": "未经同意自动续费了一年会员，客服拒绝退款。"},
        ),
        statuses(200, 401),
    ),
    # consumer
    "POST /api/v1/complaints": Row(
        "processing", _new_complaint, statuses(403, 401, owner=201, other_consumer=201)
    ),
    "GET /api/v1/me/complaints": Row(
        "processing", lambda w, r: _get("/api/v1/me/complaints"), statuses(200, 401)
    ),
    "POST /api/v1/complaints/{public_number}/follow-up": Row(
        "replied",
        lambda w, r: _json(_c(w, "follow-up"), {"message": "商家只是敷衍，问题没解决"}),
        statuses(403, 401, owner=200),
    ),
    "POST /api/v1/complaints/{public_number}/confirm": Row(
        "completion_requested",
        lambda w, r: _json(_c(w, "confirm"), {"attitude": 5, "speed": 4, "satisfaction": 5}),
        statuses(403, 401, owner=200),
    ),
    "POST /api/v1/complaints/{public_number}/dispute": Row(
        "completion_requested",
        lambda w, r: _json(_c(w, "dispute"), {"message": "退款并没有到账"}),
        statuses(403, 401, owner=200),
    ),
    "POST /api/v1/complaints/{public_number}/withdraw": Row(
        "pending_review",
        lambda w, r: _json(_c(w, "withdraw")),
        statuses(403, 401, owner=200, **HIDDEN_FROM_OTHERS),
    ),
    "POST /api/v1/complaints/{public_number}/reopen": Row(
        "completed",
        lambda w, r: _json(_c(w, "reopen"), {"message": "问题又出现了"}),
        statuses(403, 401, owner=200),
    ),
    "POST /api/v1/complaints/{public_number}/resubmit": Row(
        "rejected",
        lambda w, r: _json(
            _c(w, "resubmit"), {"details": "补充：订单号与截图已附上，请再次审核。"}
        ),
        statuses(403, 401, owner=200, **HIDDEN_FROM_OTHERS),
    ),
    "POST /api/v1/complaints/{public_number}/escalate": Row(
        "processing",
        lambda w, r: _json(_c(w, "escalate"), {"message": "申请调解"}),
        statuses(403, 401, owner=200, moderator=200),
    ),
    # merchant
    "GET /api/v1/merchant/complaints": Row(
        "processing",
        lambda w, r: _get("/api/v1/merchant/complaints"),
        statuses(403, 401, merchant=200, other_merchant=200),
    ),
    "POST /api/v1/complaints/{public_number}/reply": Row(
        "processing",
        lambda w, r: _json(_c(w, "reply"), {"message": "您好，已为您退款"}),
        statuses(403, 401, merchant=200),
    ),
    "POST /api/v1/complaints/{public_number}/propose-solution": Row(
        "processing",
        lambda w, r: _json(_c(w, "propose-solution"), {"message": "全额退款并补偿20元"}),
        statuses(403, 401, merchant=200),
    ),
    "POST /api/v1/complaints/{public_number}/request-completion": Row(
        "replied",
        lambda w, r: _json(_c(w, "request-completion"), {"message": "已退款"}),
        statuses(403, 401, merchant=200),
    ),
    # notifications
    "GET /api/v1/notifications": Row(
        "processing", lambda w, r: _get("/api/v1/notifications"), statuses(200, 401)
    ),
    "GET /api/v1/notifications/unread-count": Row(
        "processing", lambda w, r: _get("/api/v1/notifications/unread-count"), statuses(200, 401)
    ),
    "POST /api/v1/notifications/read": Row(
        "processing", lambda w, r: _json("/api/v1/notifications/read"), statuses(200, 401)
    ),
    # staff
    "GET /api/v1/moderation/queue": Row(
        "pending_review",
        lambda w, r: _get("/api/v1/moderation/queue"),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/complaints/{public_number}/accept": Row(
        "pending_review",
        lambda w, r: _json(_c(w, "accept")),
        statuses(403, 401, moderator=200, **HIDDEN_FROM_OTHERS),
    ),
    "POST /api/v1/complaints/{public_number}/reject": Row(
        "pending_review",
        lambda w, r: _json(_c(w, "reject"), {"reason": "spam"}),
        statuses(403, 401, moderator=200, **HIDDEN_FROM_OTHERS),
    ),
    "POST /api/v1/complaints/{public_number}/hide": Row(
        "processing",
        lambda w, r: _json(_c(w, "hide"), {"reason": "privacy"}),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/complaints/{public_number}/problem-types": Row(
        "processing",
        lambda w, r: _json(_c(w, "problem-types"), {"problem_types": ["quality"]}),
        statuses(403, 401, moderator=200),
    ),
    # a hidden complaint is no longer public: only its parties and staff see it at all
    "POST /api/v1/complaints/{public_number}/unhide": Row(
        "hidden",
        lambda w, r: _json(_c(w, "unhide")),
        statuses(
            403,
            401,
            moderator=200,
            other_consumer=404,
            other_merchant=404,
            regulator=404,
            mediator=404,
        ),
    ),
    "POST /api/v1/complaints/{public_number}/close": Row(
        "unassigned",
        lambda w, r: _json(_c(w, "close")),
        statuses(403, 401, moderator=200),
        unreachable=True,
    ),
    "GET /api/v1/mediation/queue": Row(
        "mediation",
        lambda w, r: _get("/api/v1/mediation/queue"),
        statuses(403, 401, moderator=200, mediator=200),
    ),
    "POST /api/v1/complaints/{public_number}/mediation-outcome": Row(
        "mediation",
        lambda w, r: _json(_c(w, "mediation-outcome"), {"succeeded": True, "message": "已和解"}),
        statuses(403, 401, mediator=200),
    ),
    # metrics and 红黑榜: public
    "GET /api/v1/rankings": Row("processing", lambda w, r: _get("/api/v1/rankings"), statuses(200)),
    "GET /api/v1/rankings/{list_id}": Row("processing", _ranking, statuses(200)),
    "GET /api/v1/metrics": Row(
        "processing", lambda w, r: _get("/api/v1/metrics?sector=ecommerce"), statuses(200)
    ),
    "GET /api/v1/companies/{company_id}/metrics": Row(
        "processing",
        lambda w, r: _get(f"/api/v1/companies/{w.complaint.company_id}/metrics"),
        statuses(200),
    ),
    # onboarding
    "POST /api/v1/companies/{company_id}/claims": Row(
        "processing",
        _new_claim,
        statuses(201, 401, moderator=403, regulator=403, mediator=403),
    ),
    "GET /api/v1/me/claims": Row(
        "processing", lambda w, r: _get("/api/v1/me/claims"), statuses(200, 401)
    ),
    "GET /api/v1/claims/{claim_id}/licence": Row(
        "processing", _licence, statuses(404, owner=200, moderator=200)
    ),
    "GET /api/v1/moderation/claims": Row(
        "processing",
        lambda w, r: _get("/api/v1/moderation/claims"),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/moderation/claims/{claim_id}/approve": Row(
        "processing",
        lambda w, r: _json(f"/api/v1/moderation/claims/{_claim(w).pk}/approve"),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/moderation/claims/{claim_id}/reject": Row(
        "processing",
        lambda w, r: _json(
            f"/api/v1/moderation/claims/{_claim(w).pk}/reject", {"message": "执照模糊"}
        ),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/companies/{company_id}/revoke-verification": Row(
        "processing", _revoke, statuses(403, 401, moderator=200)
    ),
    # merchant reads with private fields (company API keys: tests/merchantapi)
    "GET /api/v1/merchant/complaints/{public_number}": Row(
        "processing",
        lambda w, r: _get(f"/api/v1/merchant/complaints/{w.number}"),
        statuses(403, 401, merchant=200, other_merchant=404),
    ),
    "GET /api/v1/merchant/complaints/{public_number}/evidence/{evidence_id}": Row(
        "processing",
        lambda w, r: _get(f"/api/v1/merchant/complaints/{w.number}/evidence/{w.evidence.pk}"),
        statuses(403, 401, merchant=200, other_merchant=404),
    ),
    # a company API key only; a user's session is not enough
    "GET /api/v1/merchant/key": Row(
        "processing", lambda w, r: _get("/api/v1/merchant/key"), statuses(401)
    ),
    # redactions (tousu.privacy): the originals only for the parties and staff
    "GET /api/v1/complaints/{public_number}/redactions": Row(
        "processing",
        lambda w, r: _get(_c(w, "redactions")),
        statuses(404, 401, owner=200, merchant=200, moderator=200),
    ),
    "POST /api/v1/complaints/{public_number}/redactions": Row(
        "processing",
        lambda w, r: _json(_c(w, "redactions"), {"field": "details", "text": "超时"}),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/complaints/{public_number}/redactions/{redaction_id}/revert": Row(
        "processing",
        lambda w, r: _json(_c(w, f"redactions/{_redaction(w)}/revert")),
        statuses(403, 401, moderator=200),
    ),
    "GET /api/v1/complaints/{public_number}/events/{event_id}/redactions": Row(
        "processing",
        lambda w, r: _get(_c(w, f"events/{_message(w)}/redactions")),
        statuses(404, 401, owner=200, merchant=200, moderator=200),
    ),
    "POST /api/v1/complaints/{public_number}/events/{event_id}/redactions": Row(
        "processing",
        lambda w, r: _json(_c(w, f"events/{_message(w)}/redactions"), {"text": "请留意"}),
        statuses(403, 401, moderator=200),
    ),
    "POST /api/v1/complaints/{public_number}/events/{event_id}/redactions/{redaction_id}/revert": (
        Row(
            "processing",
            lambda w, r: _json(
                _c(w, f"events/{_message(w)}/redactions/{_message_redaction(w)}/revert")
            ),
            statuses(403, 401, moderator=200),
        )
    ),
    "POST /api/v1/companies/{company_id}/verify": Row(
        "processing",
        lambda w, r: _json(f"/api/v1/companies/{w.other_company.pk}/verify"),
        statuses(403, 401, moderator=200),
    ),
}


def api_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_matrix_covers_every_endpoint() -> None:
    operations = api_operations()
    assert sorted(operations - set(MATRIX)) == [], "endpoints without a permission-matrix row"
    assert sorted(set(MATRIX) - operations) == [], "matrix rows for endpoints that do not exist"


def client_as(world: World, role: str, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    user = world.users[role]
    if user is not None:
        client.force_login(user)
    return client


def call(client: Client, method: str, url: str, kwargs: dict[str, Any]) -> Any:
    kwargs = dict(kwargs)
    method = kwargs.pop("method", method)
    if method == "GET":
        return client.get(url, **kwargs)
    if method == "DELETE":
        return client.delete(url, **kwargs)
    return client.post(url, **kwargs)


@pytest.mark.parametrize(("operation", "role"), list(itertools.product(sorted(MATRIX), ROLES)))
def test_permission_matrix(operation: str, role: str) -> None:
    row = MATRIX[operation]
    world = build_world(row.state, unreachable=row.unreachable)
    client = client_as(world, role)
    method = operation.split(" ", 1)[0]
    url, kwargs = row.request(world, role)
    before = snapshot() if method != "GET" else {}
    resp = call(client, method, url, kwargs)
    expected = row.expect[role]
    assert resp.status_code == expected, (operation, role, resp.content[:300])
    if resp.status_code >= 400:
        body = resp.json()
        assert set(body) == {"code", "message", "details"}, body
        if method != "GET":
            assert snapshot() == before, f"a refused {operation} changed the database"


# --- private fields ------------------------------------------------------------------------

PRIVATE_FIELDS = ("order_number", "purchase_date")
PRIVATE_VALUES = ("DD20250601123456", "2025-06-01")
SEES_PRIVATE = {"owner", "merchant", "moderator"}


@pytest.mark.parametrize("role", ROLES)
def test_private_fields_only_for_parties_and_staff(role: str) -> None:
    world = build_world("processing")
    resp = client_as(world, role).get(f"/api/v1/complaints/{world.number}")
    assert resp.status_code == 200
    body, text = resp.json(), resp.content.decode()
    if role in SEES_PRIVATE:
        assert body["order_number"] == "DD20250601123456"
        assert body["purchase_date"] == "2025-06-01"
    else:
        for name in PRIVATE_FIELDS:
            assert name not in body
        for value in PRIVATE_VALUES:
            assert value not in text
        assert "张三" not in text  # the consumer's nickname is private too (show_nickname off)


def test_mediator_sees_private_fields_of_complaints_in_mediation() -> None:
    world = build_world("mediation")
    body = client_as(world, "mediator").get(f"/api/v1/complaints/{world.number}").json()
    assert body["order_number"] == "DD20250601123456"


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/api/v1/complaints", "anonymous"),
        ("/api/v1/complaints", "owner"),
        ("/api/v1/complaints", "moderator"),
        ("/api/v1/me/complaints", "owner"),
        ("/api/v1/merchant/complaints", "merchant"),
        ("/api/v1/mediation/queue", "mediator"),
        ("/api/v1/moderation/queue", "moderator"),
    ],
)
def test_lists_never_carry_private_fields(url: str, role: str) -> None:
    world = build_world("processing")
    if url == "/api/v1/mediation/queue":
        services.complaint_escalate(complaint_id=world.complaint.pk, actor=world.users["owner"])
    if url == "/api/v1/moderation/queue":
        services.complaint_submit(
            consumer=world.users["owner"],
            data=services.ComplaintInput(
                title="另一条待审核的投诉",
                details="第二次下单同样超时，订单号 DD20250601123456。",
                company_id=world.company.pk,
                problem_types=["delivery"],
                demands=["refund"],
                order_number="DD20250601123456",
                purchase_date=date(2025, 6, 1),
            ),
        )
    resp = client_as(world, role).get(url)
    assert resp.status_code == 200
    results = resp.json()["results"]
    assert results, "the list should show the complaint"
    for item in results:
        for name in PRIVATE_FIELDS:
            assert name not in item
    for value in PRIVATE_VALUES:
        assert value not in resp.content.decode()


def test_public_list_shows_only_accepted_public_complaints() -> None:
    world = build_world("processing")
    pending, _ = services.complaint_submit(
        consumer=world.users["other_consumer"],
        data=services.ComplaintInput(
            title="尚在审核中的投诉",
            details="这条投诉还没有经过审核，任何人都不应在公开列表里看到它。",
            company_id=world.company.pk,
            problem_types=["quality"],
            demands=["refund"],
        ),
    )
    hidden = build_hidden_complaint(world)
    numbers = {
        c["public_number"]
        for c in Client().get("/api/v1/complaints?page_size=100").json()["results"]
    }
    assert numbers == {world.number}
    assert pending.public_number not in numbers and hidden.public_number not in numbers


def build_hidden_complaint(world: World) -> Complaint:
    complaint, _ = services.complaint_submit(
        consumer=world.users["owner"],
        data=services.ComplaintInput(
            title="被隐藏的投诉",
            details="这条投诉含有个人信息，审核员将其隐藏，公开列表不应出现。",
            company_id=world.company.pk,
            problem_types=["privacy"],
            demands=["apology"],
        ),
    )
    drive_to("hidden", complaint, world.users)
    return complaint


# --- API tokens ------------------------------------------------------------------------------


def test_bearer_token_lifecycle() -> None:
    world = build_world("replied")
    owner = world.users["owner"]
    session = client_as(world, "owner")
    created = session.post(
        "/api/v1/me/tokens", data={"name": "我的脚本"}, content_type="application/json"
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("tsk_")
    # the token works without a session and without CSRF, for reads and writes
    bearer = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    me = bearer.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == owner.pk
    detail = bearer.get(f"/api/v1/complaints/{world.number}")
    assert detail.json()["order_number"] == "DD20250601123456"
    resp = bearer.post(
        _c(world, "follow-up"), data={"message": "补充一下情况"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    listed = session.get("/api/v1/me/tokens").json()
    mine = next(t for t in listed if t["id"] == created.json()["id"])
    assert mine["last_used_at"] is not None and "token" not in mine
    assert raw not in session.get("/api/v1/me/tokens").content.decode()
    # revoked: every use answers 401, on private and public endpoints alike, and writes nothing
    assert session.delete(f"/api/v1/me/tokens/{mine['id']}").status_code == 204
    before = snapshot()
    for resp in (
        bearer.get("/api/v1/me"),
        bearer.get("/api/v1/me/complaints"),
        bearer.get(f"/api/v1/complaints/{world.number}"),
        bearer.post(_c(world, "escalate"), data={}, content_type="application/json"),
    ):
        assert resp.status_code == 401, resp.content
        assert resp.json()["code"] in ("invalid_token", "not_authenticated")
    assert snapshot() == before
    assert session.delete(f"/api/v1/me/tokens/{mine['id']}").status_code == 404


def test_unknown_bearer_token_is_refused() -> None:
    world = build_world("processing")
    bearer = Client(HTTP_AUTHORIZATION="Bearer tsk_not-a-real-token")
    before = snapshot()
    assert bearer.get("/api/v1/me/complaints").status_code == 401
    assert bearer.post(*_new_complaint(world, "owner")).status_code == 401
    assert snapshot() == before


# --- CSRF ------------------------------------------------------------------------------------


def test_session_writes_need_a_csrf_token() -> None:
    world = build_world("replied")
    client = client_as(world, "owner", enforce_csrf_checks=True)
    before = snapshot()
    refused = [
        client.post(
            _c(world, "follow-up"), data={"message": "没有CSRF"}, content_type="application/json"
        ),
        client.post(*_new_complaint(world, "owner")),
        client.post("/api/v1/me/tokens", data={"name": "x"}, content_type="application/json"),
        client.delete(f"/api/v1/me/tokens/{world.token.pk}"),
        client.post("/api/v1/auth/logout"),
    ]
    for resp in refused:
        assert resp.status_code == 403, resp.content
        assert "CSRF" in resp.json()["message"]
    assert snapshot() == before
    assert client.get("/api/v1/me").status_code == 200  # still logged in: logout was refused
    # the same request with the token from the cookie goes through
    from django.middleware.csrf import _get_new_csrf_string

    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    resp = client.post(
        _c(world, "follow-up"),
        data={"message": "带上CSRF"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=secret,
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "processing"


def test_token_writes_need_no_csrf() -> None:
    world = build_world("processing")
    _token, raw = token_create(user=world.users["owner"], name="集成")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    url, kwargs = _new_complaint(world, "owner")
    resp = client.post(url, **kwargs)
    assert resp.status_code == 201, resp.content
    assert Complaint.objects.filter(public_number=resp.json()["public_number"]).exists()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_cross_site_forms_cannot_log_in_or_sign_up(content_type: str) -> None:
    """Login CSRF: a foreign page's form may post these types without a preflight; only
    ``application/json`` is read, so it cannot log the visitor into someone else's account."""
    world = build_world("processing")
    owner = world.users["owner"]
    assert owner is not None
    client = Client(enforce_csrf_checks=True)
    before = snapshot()
    for url, body in (
        ("/api/v1/auth/login", {"login": owner.phone, "password": PASSWORD}),
        ("/api/v1/auth/register", {"login": "victim@example.com", "password": "a-long-pass-9"}),
    ):
        if content_type == "multipart/form-data":
            resp = client.post(url, data=body)
        else:
            resp = client.post(url, data=json.dumps(body), content_type=content_type)
        assert resp.status_code == 400, resp.content
        assert resp.json()["code"] == "bad_request"
        assert "JSON" in resp.json()["message"]
    assert snapshot() == before
    assert client.get("/api/v1/me").status_code == 401
    # the same body as JSON logs in
    resp = client.post(
        "/api/v1/auth/login",
        data={"login": owner.phone, "password": PASSWORD},
        content_type="application/json; charset=utf-8",
    )
    assert resp.status_code == 200


# --- company API keys on the search endpoint (not a session role, so beside the matrix) ---


@pytest.mark.parametrize(
    ("key_company", "scopes", "expected", "sees_it"),
    [
        ("company", ["read"], 200, True),
        ("company", ["reply"], 403, False),
        ("other_company", ["read", "reply"], 200, False),
    ],
)
def test_search_inbox_with_a_company_key(
    key_company: str, scopes: list[str], expected: int, sees_it: bool
) -> None:
    """GET /api/v1/complaints/search?scope=inbox with a company key: its own company's
    complaints with their private fields, nothing of another company's; scope read needed."""
    from tousu.merchants.api_keys import api_key_create

    world = build_world("processing")
    company = getattr(world, key_company)
    owner = world.users["merchant" if key_company == "company" else "other_merchant"]
    _key, raw = api_key_create(actor=owner, company_id=company.pk, name="ERP", scopes=scopes)
    resp = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(
        "/api/v1/complaints/search?q=%E9%80%80%E6%AC%BE&scope=inbox"
    )
    assert resp.status_code == expected, resp.content[:300]
    text = resp.content.decode()
    assert (world.number in text) is sees_it
    assert ("DD20250601123456" in text) is sees_it
    if expected == 200 and sees_it:
        item = resp.json()["items"][0]
        assert item["private"]["order_number"] == "DD20250601123456"
