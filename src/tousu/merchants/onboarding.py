"""Merchant onboarding: claim a company with its business licence, staff approve or reject,
staff revoke a verification.

- A claim needs a logged-in consumer or merchant account with a verified phone or e-mail, the
  company's 统一社会信用代码 (it must equal the code on the company record, or, when the record
  has none, belong to no other company) and a business licence (营业执照) as an image or PDF,
  checked and re-encoded exactly like complaint evidence (``complaints.evidence.prepare_file``).
  The licence is private: only the claimant and staff get it, through checking views.
- Approval (moderators) makes the claimant the company's first owner (管理员), marks the company
  verified (the 已认证 badge) and so moves its unassigned complaints to processing through
  ``complaints.services.complaints_assign_for_company`` (the ``assign`` transition); other
  pending claims of the company are rejected. The owner then invites colleagues with roles
  (``companies.services.company_invite``).
- Revocation (moderators, with a reason) removes the badge and the access that came with it:
  the team's memberships, pending invitations, API keys and webhooks. Complaints stay where they
  are; a new claim can verify the company again.
The claimant is notified in-site of each decision.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.common.validators import validate_uscc
from tousu.companies.models import (
    Company,
    CompanyInvitation,
    CompanyMembership,
    InvitationState,
    MemberRole,
)
from tousu.companies.services import company_add_member, company_verify
from tousu.complaints.evidence import PreparedFile, prepare_file

from .models import ClaimState, CompanyApiKey, CompanyClaim, WebhookEndpoint

logger = logging.getLogger(__name__)

LICENCE_TYPES = ("image", "pdf")
LICENCE_FIELD = {"field": "licence"}


def _notify(user: User, title: str, body: str) -> None:
    from tousu.engagement.models import Notification

    Notification.objects.create(user=user, kind="claim", title=title, body=body)


def _require_staff(actor: User) -> None:
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有平台工作人员可以审核企业认证", code="moderators_only")


def licence_max_bytes() -> int:
    conf = settings.TOUSU
    return max(int(conf["EVIDENCE_MAX_IMAGE_BYTES"]), int(conf["EVIDENCE_MAX_PDF_BYTES"]))


def prepare_licence(data: bytes, original_name: str) -> PreparedFile:
    """Check a business-licence upload like evidence (type by content, size, image re-encoded
    without metadata); only images and PDF are accepted."""
    if len(data) > licence_max_bytes():
        raise ValidationFailed(
            f"营业执照文件超过 {licence_max_bytes() // (1024 * 1024)} MB 的大小限制",
            code="file_too_large",
            details=LICENCE_FIELD,
        )
    try:
        prepared = prepare_file(data, original_name)
    except ValidationFailed as exc:
        message = exc.message
        if exc.code == "unsupported_file_type":
            message = "营业执照只能上传 JPEG、PNG、WebP 图片或 PDF 文件"
        raise ValidationFailed(
            message, code=exc.code, details={**exc.details, **LICENCE_FIELD}
        ) from exc
    if prepared.kind not in LICENCE_TYPES:
        raise ValidationFailed(
            "营业执照只能上传 JPEG、PNG、WebP 图片或 PDF 文件",
            code="unsupported_file_type",
            details={**LICENCE_FIELD, "detected": prepared.content_type},
        )
    return prepared


def prepare_licence_upload(upload: Any) -> PreparedFile:
    """A Django ``UploadedFile``: refused by its size before it is read."""
    if upload is None:
        raise ValidationFailed("请上传营业执照", code="required", details=LICENCE_FIELD)
    if upload.size and upload.size > licence_max_bytes():
        raise ValidationFailed(
            f"营业执照文件超过 {licence_max_bytes() // (1024 * 1024)} MB 的大小限制",
            code="file_too_large",
            details=LICENCE_FIELD,
        )
    return prepare_licence(upload.read(), upload.name or "licence")


def _clean_text(raw: str, *, field: str, label: str, max_len: int, required: bool) -> str:
    text = " ".join((raw or "").split())
    if required and not text:
        raise ValidationFailed(f"请填写{label}", code="required", details={"field": field})
    if len(text) > max_len:
        raise ValidationFailed(
            f"{label}不能超过{max_len}个字", code="too_long", details={"field": field}
        )
    return text


def _check_claimant(user: User) -> None:
    if not user.is_active or user.role not in (Role.CONSUMER, Role.MERCHANT):
        raise PermissionDenied("该账号不能认领企业", code="not_eligible")
    if not (user.phone_verified_at or user.email_verified_at):
        raise PermissionDenied(
            "请先验证您的手机号或邮箱（退出后用验证码登录一次即可）", code="contact_not_verified"
        )


def _check_uscc(company: Company, raw: str) -> str:
    code = validate_uscc(raw)
    if company.uscc and company.uscc != code:
        raise ValidationFailed(
            "统一社会信用代码与该企业登记的不一致，请核对营业执照",
            code="uscc_mismatch",
            details={"field": "uscc"},
        )
    if not company.uscc:
        holder = Company.objects.filter(uscc=code).exclude(pk=company.pk).first()
        if holder is not None:
            raise ValidationFailed(
                f"该统一社会信用代码已登记为「{holder.name}」",
                code="uscc_exists",
                details={"field": "uscc", "company_id": holder.pk},
            )
    return code


def _check_claimable(company: Company, user: User) -> None:
    if company.is_verified:
        raise Conflict(
            "该企业已认证：请联系企业管理员邀请您加入团队", code="company_already_verified"
        )
    if CompanyMembership.objects.filter(company=company, user=user).exists():
        raise Conflict("您已是该企业的成员", code="already_member")
    if CompanyClaim.objects.filter(
        company=company, claimant=user, state=ClaimState.PENDING
    ).exists():
        raise Conflict("您已提交过该企业的认证申请，请等待审核", code="claim_pending")


def claim_submit(
    *,
    claimant: User,
    company_id: int,
    uscc: str,
    contact_name: str,
    licence: PreparedFile,
    contact_title: str = "",
    note: str = "",
) -> CompanyClaim:
    """File a claim. The licence is written first and deleted again if the claim is refused."""
    _check_claimant(claimant)
    contact_name = _clean_text(
        contact_name, field="contact_name", label="联系人姓名", max_len=40, required=True
    )
    contact_title = _clean_text(
        contact_title, field="contact_title", label="职务", max_len=40, required=False
    )
    note = (note or "").strip()
    if len(note) > 500:
        raise ValidationFailed("补充说明不能超过500字", code="too_long", details={"field": "note"})
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise NotFound("找不到该企业", code="company_not_found")
    code = _check_uscc(company, uscc)
    _check_claimable(company, claimant)

    claim = CompanyClaim(
        company=company,
        claimant=claimant,
        uscc=code,
        contact_name=contact_name,
        contact_title=contact_title,
        note=note,
        licence_content_type=licence.content_type,
        licence_ext=licence.ext,
        licence_size=len(licence.content),
        licence_sha256=licence.sha256,
        licence_original_name=licence.original_name,
    )
    claim.licence.save(f"licence.{licence.ext}", ContentFile(licence.content), save=False)
    try:
        with transaction.atomic():
            company = Company.objects.select_for_update().get(pk=company_id)
            _check_claimable(company, claimant)  # again, under the lock
            claim.company = company
            claim.save()
    except IntegrityError as exc:
        claim.licence.delete(save=False)
        raise Conflict("您已提交过该企业的认证申请，请等待审核", code="claim_pending") from exc
    except BaseException:
        claim.licence.delete(save=False)
        raise
    logger.info("claim %s of company %s filed by user %s", claim.pk, company.pk, claimant.pk)
    return claim


# --- reads ------------------------------------------------------------------------------------


def claims_of_user(user: User) -> QuerySet[CompanyClaim]:
    return CompanyClaim.objects.filter(claimant=user).select_related("company")


def claim_queue(actor: User, *, state: str | None = ClaimState.PENDING) -> QuerySet[CompanyClaim]:
    """Claims for staff: pending ones oldest first, others newest first."""
    _require_staff(actor)
    qs = CompanyClaim.objects.select_related("company", "claimant", "reviewed_by")
    if state:
        if state not in ClaimState.values:
            raise ValidationFailed("状态无效", code="invalid_state", details={"field": "state"})
        qs = qs.filter(state=state)
    return qs.order_by("id") if state == ClaimState.PENDING else qs.order_by("-id")


def claim_for_staff(actor: User, claim_id: int) -> CompanyClaim:
    _require_staff(actor)
    claim = (
        CompanyClaim.objects.select_related("company", "claimant", "reviewed_by", "revoked_by")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound("找不到该认证申请", code="claim_not_found")
    return claim


def claim_licence_for(user: User | None, claim_id: int) -> CompanyClaim:
    """The claim whose licence ``user`` may download: the claimant's own, or any for staff.
    Anyone else gets a 404 (the claim is not even confirmed to exist)."""
    claim = CompanyClaim.objects.filter(pk=claim_id).first()
    if (
        claim is None
        or user is None
        or not user.is_authenticated
        or not (claim.claimant_id == user.pk or user.role == Role.MODERATOR)
    ):
        raise NotFound("找不到该文件", code="claim_not_found")
    return claim


# --- decisions ----------------------------------------------------------------------------


def _lock_pending(claim_id: int) -> CompanyClaim:
    claim = CompanyClaim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("找不到该认证申请", code="claim_not_found")
    if claim.state != ClaimState.PENDING:
        raise Conflict("该申请已处理", code="claim_not_pending", details={"state": claim.state})
    return claim


def claim_approve(*, actor: User, claim_id: int, message: str = "") -> CompanyClaim:
    """Staff: the claimant becomes the company's owner; the company is verified."""
    _require_staff(actor)
    message = (message or "").strip()[:500]
    with transaction.atomic():
        claim = _lock_pending(claim_id)
        company = Company.objects.select_for_update().get(pk=claim.company_id)
        if company.is_verified:
            raise Conflict("该企业已认证", code="company_already_verified")
        claimant = User.objects.get(pk=claim.claimant_id)
        if not claimant.is_active or claimant.role not in (Role.CONSUMER, Role.MERCHANT):
            raise Conflict("申请人账号已不能加入企业", code="claimant_not_eligible")
        if company.uscc and company.uscc != claim.uscc:
            raise Conflict(
                "申请中的统一社会信用代码与企业登记的不一致", code="uscc_mismatch"
            )
        if not company.uscc:
            if Company.objects.filter(uscc=claim.uscc).exclude(pk=company.pk).exists():
                raise Conflict("该统一社会信用代码已登记为其他企业", code="uscc_exists")
            company.uscc = claim.uscc
            company.save(update_fields=["uscc"])
        membership = company_add_member(company=company, user=claimant, role=MemberRole.OWNER)
        if membership.role != MemberRole.OWNER:
            membership.role = MemberRole.OWNER
            membership.save(update_fields=["role"])
        # verified: the badge, and the unassigned complaints go to processing (``assign``)
        company_verify(company_id=company.pk, actor=actor)
        now = timezone.now()
        claim.state = ClaimState.APPROVED
        claim.reviewed_by = actor
        claim.reviewed_at = now
        claim.review_message = message
        claim.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_message"])
        _notify(
            claimant,
            f"「{company.name}」认证已通过",
            "您已成为该企业的管理员，可在商家工作台处理投诉、邀请同事、创建 API 密钥和 Webhook。"
            + (f"\n审核说明：{message}" if message else ""),
        )
        for other in CompanyClaim.objects.select_for_update().filter(
            company=company, state=ClaimState.PENDING
        ):
            _decide(other, actor, ClaimState.REJECTED, "该企业已由其他申请人完成认证", now)
    logger.info("claim %s approved by %s; company %s verified", claim_id, actor.pk, company.pk)
    return claim


def _decide(claim: CompanyClaim, actor: User, state: str, message: str, now: Any) -> None:
    claim.state = state
    claim.reviewed_by = actor
    claim.reviewed_at = now
    claim.review_message = message
    claim.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_message"])
    _notify(
        claim.claimant,
        f"「{claim.company.name}」认证申请未通过",
        f"原因：{message}\n您可以修改后重新提交申请。",
    )


def claim_reject(*, actor: User, claim_id: int, message: str) -> CompanyClaim:
    """Staff: refuse a claim with a reason the claimant reads."""
    _require_staff(actor)
    message = _clean_text(message, field="message", label="驳回原因", max_len=500, required=True)
    with transaction.atomic():
        claim = _lock_pending(claim_id)
        _decide(claim, actor, ClaimState.REJECTED, message, timezone.now())
    return claim


def claim_withdraw(*, claimant: User, claim_id: int) -> CompanyClaim:
    with transaction.atomic():
        claim = CompanyClaim.objects.select_for_update().filter(pk=claim_id).first()
        if claim is None or claim.claimant_id != claimant.pk:
            raise NotFound("找不到该认证申请", code="claim_not_found")
        if claim.state != ClaimState.PENDING:
            raise Conflict("该申请已处理", code="claim_not_pending")
        claim.state = ClaimState.WITHDRAWN
        claim.save(update_fields=["state"])
    return claim


def company_verification_revoke(*, actor: User, company_id: int, reason: str) -> Company:
    """Staff: remove the badge and the team's access (members, invitations, keys, webhooks)."""
    _require_staff(actor)
    reason = _clean_text(reason, field="reason", label="撤销原因", max_len=500, required=True)
    with transaction.atomic():
        company = Company.objects.select_for_update().filter(pk=company_id).first()
        if company is None:
            raise NotFound("找不到该企业", code="company_not_found")
        if not company.is_verified:
            raise Conflict("该企业未认证", code="company_not_verified")
        now = timezone.now()
        members = list(
            User.objects.filter(memberships__company=company, is_active=True).distinct()
        )
        company.is_verified = False
        company.verified_at = None
        company.save(update_fields=["is_verified", "verified_at"])
        CompanyClaim.objects.filter(company=company, state=ClaimState.APPROVED).update(
            state=ClaimState.REVOKED, revoked_by=actor, revoked_at=now, revoke_reason=reason
        )
        CompanyMembership.objects.filter(company=company).delete()
        CompanyInvitation.objects.filter(company=company, state=InvitationState.PENDING).update(
            state=InvitationState.REVOKED, responded_at=now
        )
        CompanyApiKey.objects.filter(company=company, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor
        )
        WebhookEndpoint.objects.filter(company=company, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason="企业认证已撤销", updated_at=now
        )
        for user in members:
            _notify(
                user,
                f"「{company.name}」的企业认证已被撤销",
                f"原因：{reason}\n您已不再是该企业的成员，其 API 密钥和 Webhook 已停用。"
                "如有异议，可重新提交认证申请。",
            )
    logger.info("verification of company %s revoked by %s", company_id, actor.pk)
    return company
