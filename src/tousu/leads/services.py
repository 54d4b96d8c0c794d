"""Writes of the leads app: the periodic scan that files accepted complaints into leads, fraud
tips, and the lead lifecycle (draft → sent → acknowledged → closed), every step audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.common.ratelimit import hit
from tousu.companies.models import Company, Sector
from tousu.complaints.models import Complaint

from .models import (
    FraudTip,
    Indicator,
    Lead,
    LeadComplaint,
    LeadEvent,
    LeadKind,
    LeadStatus,
    ScamType,
    ScanState,
)
from .rules import (
    NORMALIZERS,
    illegal_platform,
    indicators_in,
    product_model,
    safety_defect,
)

# sectors whose complaints are about products that can be defective
PRODUCT_SECTORS = frozenset(
    {
        Sector.AUTO,
        Sector.ELECTRONICS,
        Sector.HOUSEHOLD,
        Sector.ECOMMERCE,
        Sector.SHARING,
        Sector.OTHER,
    }
)
# sectors where a company's brand names a product line rather than a shop or an app
PRODUCT_LINE_SECTORS = frozenset({Sector.AUTO, Sector.ELECTRONICS, Sector.HOUSEHOLD})
SCAN_OVERLAP = timedelta(minutes=10)  # transactions that commit late are read again
SCAN_BATCH = 1000


def _event(
    lead: Lead | None,
    kind: str,
    action: str,
    *,
    actor: User | None = None,
    note: str = "",
    meta: dict[str, Any] | None = None,
    from_status: str = "",
    to_status: str = "",
) -> None:
    LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        actor=actor,
        action=action,
        note=note[:500],
        meta=meta or {},
        from_status=from_status,
        to_status=to_status,
    )


def _lead_for(kind: str, key: str, *, category: str, title: str, **extra: Any) -> Lead:
    lead = Lead.objects.filter(kind=kind, key=key).first()
    if lead is not None:
        return lead
    try:
        with transaction.atomic():
            lead = Lead.objects.create(
                kind=kind, key=key, category=category, title=title[:200], **extra
            )
    except IntegrityError:
        return Lead.objects.get(kind=kind, key=key)
    _event(lead, kind, "created", meta={"key": key})
    return lead


def _add(lead: Lead, complaint: Complaint, terms: tuple[str, ...] | list[str]) -> bool:
    """File the complaint under the lead once; update the lead's counters if it is new."""
    try:
        with transaction.atomic():
            LeadComplaint.objects.create(lead=lead, complaint=complaint, terms=list(terms))
    except IntegrityError:
        return False
    seen = complaint.submitted_at
    Lead.objects.filter(pk=lead.pk).update(
        complaint_count=F("complaint_count") + 1,
        amount_total=F("amount_total") + (complaint.amount or Decimal(0)),
        updated_at=timezone.now(),
    )
    Lead.objects.filter(pk=lead.pk, last_seen_at__lt=seen).update(last_seen_at=seen)
    Lead.objects.filter(pk=lead.pk, first_seen_at__gt=seen).update(first_seen_at=seen)
    _event(lead, lead.kind, "complaint_added", meta={"complaint": complaint.public_number})
    return True


def _company_names(company: Company, complaint: Complaint) -> list[str]:
    names = [company.name, *company.aliases.values_list("alias", flat=True)]
    if complaint.brand is not None:
        names.append(complaint.brand.name)
    return [n for n in names if n]


def lead_file_complaint(complaint: Complaint) -> dict[str, int]:
    """Recognise a defect or an illegal platform in one accepted complaint and file it."""
    added = {"defect": 0, "police": 0}
    text = f"{complaint.title}\n{complaint.details}"
    company = complaint.company
    if company.sector in PRODUCT_SECTORS:
        match = safety_defect(text)
        if match is not None:
            known = list(
                Lead.objects.filter(kind=LeadKind.DEFECT, company=company)
                .exclude(product_model="")
                .values_list("product_model", flat=True)
                .distinct()
            )
            if complaint.brand is not None and company.sector in PRODUCT_LINE_SECTORS:
                # a car maker's or device maker's brand is its product line (速腾, Mate)
                known.append(complaint.brand.name)
            model = product_model(
                text, brand_names=_company_names(company, complaint), known_models=known
            )
            brand = complaint.brand.name if complaint.brand else company.name
            if brand == model:
                brand = company.name
            lead = _lead_for(
                LeadKind.DEFECT,
                f"{company.pk}|{model.lower()}|{match.category}",
                category=match.category,
                title=f"{brand} {model} {match.label}".replace("  ", " ").strip(),
                company=company,
                brand_name=brand,
                product_model=model,
            )
            added["defect"] += _add(lead, complaint, match.terms)
    platform = illegal_platform(text)
    if platform is not None:
        found = indicators_in(text)
        for kind, value in found:
            try:
                with transaction.atomic():
                    Indicator.objects.create(
                        kind=kind, value=value, complaint=complaint, scam_type=platform.category
                    )
            except IntegrityError:
                pass
        keys = [(f"{kind}:{value}", value) for kind, value in found] or [
            (f"company:{company.pk}", company.name)
        ]
        for key, name in keys:
            lead = _lead_for(
                LeadKind.POLICE,
                key,
                category=platform.category,
                title=f"{name}（{platform.label}）",
                company=company,
            )
            added["police"] += _add(lead, complaint, platform.terms)
    return added


def leads_scan(*, batch: int = SCAN_BATCH) -> dict[str, int]:
    """The periodic job: file complaints accepted since the last run, in (acceptance time, id)
    order through the ``complaint_accepted_at`` index, at most ``batch`` a run; the next run
    resumes after the last one read. Complaints accepted up to ``SCAN_OVERLAP`` before that
    point are read again (at most ``batch``: transactions that committed late). Idempotent — a
    complaint is filed under a lead once (unique constraint)."""
    state, _ = ScanState.objects.get_or_create(name="leads")
    accepted = Complaint.objects.filter(accepted_at__isnull=False).select_related(
        "company", "brand"
    )
    since, since_id = state.accepted_since, state.since_id
    complaints: list[Complaint] = []
    forward = accepted
    if since is not None:
        complaints += list(
            accepted.filter(accepted_at__gte=since - SCAN_OVERLAP, accepted_at__lte=since)
            .exclude(accepted_at=since, id__gt=since_id)
            .order_by("-accepted_at", "-id")[:batch]
        )
        forward = accepted.filter(accepted_at__gte=since).exclude(
            accepted_at=since, id__lte=since_id
        )
    ahead = list(forward.order_by("accepted_at", "id")[:batch])
    totals = {"scanned": 0, "defect": 0, "police": 0}
    for complaint in complaints + ahead:
        added = lead_file_complaint(complaint)
        totals["scanned"] += 1
        totals["defect"] += added["defect"]
        totals["police"] += added["police"]
    if ahead:
        ScanState.objects.filter(pk=state.pk).update(
            accepted_since=ahead[-1].accepted_at, since_id=ahead[-1].pk, updated_at=timezone.now()
        )
    return totals


# --- fraud tips ------------------------------------------------------------------------------

TIPS_PER_HOUR = 10


@dataclass(frozen=True)
class TipInput:
    scam_type: str
    story: str
    phone: str = ""
    account: str = ""
    url: str = ""
    app_name: str = ""
    amount_lost: str | None = None


def _invalid(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_tip", details={"field": field})


def fraud_tip_submit(*, reporter: User, data: TipInput) -> FraudTip:
    """Record a fraud tip with the scammer's identifiers and add it to the police leads."""
    if data.scam_type not in ScamType.values:
        raise _invalid("请选择诈骗类型", "scam_type")
    story = (data.story or "").strip()
    if len(story) < 10 or len(story) > 5000:
        raise _invalid("请用10到5000字说明经过", "story")
    indicators: list[tuple[str, str]] = []
    if data.phone.strip():
        phone = NORMALIZERS["phone"](data.phone)
        if not (7 <= len(phone) <= 12):
            raise _invalid("电话号码格式不正确", "phone")
        indicators.append(("phone", phone))
    if data.url.strip():
        domain = NORMALIZERS["domain"](data.url)
        if "." not in domain or len(domain) > 200 or " " in domain:
            raise _invalid("网址格式不正确，例如 example.com", "url")
        indicators.append(("domain", domain))
    if data.app_name.strip():
        app = NORMALIZERS["app"](data.app_name)
        if not (1 <= len(app) <= 60):
            raise _invalid("App 名称过长", "app_name")
        indicators.append(("app", app))
    if data.account.strip():
        account = NORMALIZERS["account"](data.account)
        if not (4 <= len(account) <= 60):
            raise _invalid("收款账号格式不正确", "account")
        indicators.append(("account", account))
    if not indicators:
        raise _invalid("请至少填写对方的电话、收款账号、网址或 App 名称之一", "phone")
    amount: Decimal | None = None
    if data.amount_lost not in (None, ""):
        try:
            amount = Decimal(str(data.amount_lost)).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise _invalid("损失金额应为数字", "amount_lost") from None
        if amount < 0 or amount > Decimal("10000000000"):
            raise _invalid("损失金额超出范围", "amount_lost")
    hit(f"fraud-tip:{reporter.pk}", limit=TIPS_PER_HOUR, window=3600)
    with transaction.atomic():
        tip = FraudTip.objects.create(
            reporter=reporter,
            scam_type=data.scam_type,
            phone=data.phone.strip()[:30],
            account=data.account.strip()[:60],
            url=data.url.strip()[:300],
            app_name=data.app_name.strip()[:60],
            amount_lost=amount,
            story=story,
        )
        label = ScamType(data.scam_type).label
        for kind, value in indicators:
            Indicator.objects.create(kind=kind, value=value, tip=tip, scam_type=data.scam_type)
            lead = _lead_for(
                LeadKind.POLICE,
                f"{kind}:{value}",
                category=data.scam_type,
                title=f"{value}（{label}）",
            )
            Lead.objects.filter(pk=lead.pk).update(
                tip_count=F("tip_count") + 1,
                amount_total=F("amount_total") + (amount or Decimal(0)),
                last_seen_at=timezone.now(),
                updated_at=timezone.now(),
            )
            _event(lead, LeadKind.POLICE, "tip_added", meta={"tip": tip.pk})
    return tip


# --- lifecycle -------------------------------------------------------------------------------

# action: (from statuses, to status, who may)
LIFECYCLE: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "send": ((LeadStatus.DRAFT,), LeadStatus.SENT, (Role.MODERATOR,)),
    "acknowledge": ((LeadStatus.SENT,), LeadStatus.ACKNOWLEDGED, (Role.REGULATOR,)),
    "close": (
        (LeadStatus.SENT, LeadStatus.ACKNOWLEDGED),
        LeadStatus.CLOSED,
        (Role.REGULATOR, Role.MODERATOR),
    ),
}


def lead_transition(*, lead_id: int, actor: User, action: str, note: str = "") -> Lead:
    from .selectors import require_lead_access

    if action not in LIFECYCLE:
        raise ValidationFailed(
            "未知的操作",
            code="invalid_action",
            details={"field": "action", "allowed": list(LIFECYCLE)},
        )
    sources, target, roles = LIFECYCLE[action]
    with transaction.atomic():
        lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
        if lead is None:
            raise NotFound("找不到该线索", code="lead_not_found")
        require_lead_access(actor, lead.kind)
        if actor.role not in roles:
            raise PermissionDenied("当前账号不能执行此操作", code="not_allowed_for_actor")
        if lead.status not in sources:
            raise Conflict(
                f"线索当前状态为「{LeadStatus(lead.status).label}」，不能执行此操作",
                code="illegal_transition",
                details={"status": lead.status, "action": action},
            )
        before = lead.status
        lead.status = target  # status-write-ok: Lead
        lead.updated_at = timezone.now()
        lead.save(update_fields=["status", "updated_at"])  # status-write-ok: Lead
        _event(
            lead,
            lead.kind,
            action,
            actor=actor,
            note=(note or "").strip(),
            from_status=before,
            to_status=target,
        )
    return lead


def lead_grant(*, user: User, granted_by: User, defect: bool, police: bool) -> None:
    """Platform staff let a regulator account see defect and/or police leads."""
    from .models import LeadGrant

    if granted_by.role != Role.MODERATOR and not granted_by.is_superuser:
        raise PermissionDenied("只有平台工作人员可以授权", code="staff_only")
    if user.role != Role.REGULATOR:
        raise ValidationFailed(
            "只能授权监管部门账号", code="not_regulator", details={"field": "user"}
        )
    LeadGrant.objects.update_or_create(
        user=user,
        defaults={
            "defect": defect,
            "police": police,
            "granted_by": granted_by,
            "granted_at": timezone.now(),
        },
    )
    _event(
        None,
        LeadKind.POLICE if police else LeadKind.DEFECT,
        "granted",
        actor=granted_by,
        meta={"user": user.pk, "defect": defect, "police": police},
    )
