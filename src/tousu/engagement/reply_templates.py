"""Reply templates: named texts a company's merchants save and insert into a reply.

Every member of a company reads its templates; owners and agents (not read-only viewers, who
cannot reply either) create, change and delete them. A template is only text: the reply that
uses it still goes through ``complaints.services.complaint_reply`` like any other.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound, PermissionDenied, ValidationFailed
from tousu.companies.models import CompanyMembership, MemberRole

from .models import ReplyTemplate

NAME_MAX = 40
BODY_MAX = 5000


def _member_company_ids(user: User, *, editors_only: bool = False) -> list[int]:
    if user.role != Role.MERCHANT:
        raise PermissionDenied("只有商家账号可以使用回复模板", code="merchants_only")
    memberships = CompanyMembership.objects.filter(user=user)
    if editors_only:
        memberships = memberships.exclude(role=MemberRole.VIEWER)
    return list(memberships.values_list("company_id", flat=True))


def reply_templates_for(user: User, company_id: int | None = None) -> QuerySet[ReplyTemplate]:
    """The templates of the user's companies (of one of them with ``company_id``)."""
    qs = ReplyTemplate.objects.filter(company_id__in=_member_company_ids(user))
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return qs.select_related("company").order_by("company__name", "name", "id")


def reply_template_get(user: User, template_id: int | str | None) -> ReplyTemplate | None:
    """A template of one of the user's companies, or None (also for ids that are not numbers)."""
    try:
        pk = int(str(template_id))
    except (TypeError, ValueError):
        return None
    return reply_templates_for(user).filter(pk=pk).first()


def _clean(name: str, body: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    body = (body or "").strip()
    if not name:
        raise ValidationFailed("请填写模板名称", code="required", details={"field": "name"})
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            f"模板名称不能超过{NAME_MAX}个字", code="too_long", details={"field": "name"}
        )
    if not body:
        raise ValidationFailed("请填写模板内容", code="required", details={"field": "body"})
    if len(body) > BODY_MAX:
        raise ValidationFailed(
            f"模板内容不能超过{BODY_MAX}个字", code="too_long", details={"field": "body"}
        )
    return name, body


def reply_template_save(
    *,
    actor: User,
    company_id: int,
    name: str,
    body: str,
    template_id: int | None = None,
) -> ReplyTemplate:
    """Create a template, or change one (``template_id``) of a company the actor edits for."""
    name, body = _clean(name, body)
    editable = _member_company_ids(actor, editors_only=True)
    if company_id not in editable:
        raise PermissionDenied("只有该企业的管理员和客服可以编辑回复模板", code="not_an_editor")
    now = timezone.now()
    try:
        with transaction.atomic():
            if template_id is None:
                return ReplyTemplate.objects.create(
                    company_id=company_id,
                    name=name,
                    body=body,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                )
            template = (
                ReplyTemplate.objects.select_for_update()
                .filter(pk=template_id, company_id__in=editable)
                .first()
            )
            if template is None:
                raise NotFound("找不到该回复模板", code="template_not_found")
            template.company_id = company_id
            template.name, template.body, template.updated_at = name, body, now
            template.save(update_fields=["company", "name", "body", "updated_at"])
            return template
    except IntegrityError as exc:
        raise ValidationFailed(
            "该企业已有同名模板", code="duplicate_name", details={"field": "name"}
        ) from exc


def reply_template_delete(*, actor: User, template_id: int) -> None:
    deleted, _ = ReplyTemplate.objects.filter(
        pk=template_id, company_id__in=_member_company_ids(actor, editors_only=True)
    ).delete()
    if not deleted:
        raise NotFound("找不到该回复模板", code="template_not_found")


def insert_template(text: str, template: ReplyTemplate) -> str:
    """The reply box after inserting ``template``: appended below what was already typed."""
    text = (text or "").rstrip()
    return f"{text}\n\n{template.body}" if text else template.body
