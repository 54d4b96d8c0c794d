"""The complaint, its append-only timeline, ratings, evidence and idempotency keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tousu.common.ids import new_public_number
from tousu.companies.models import Brand, Company, Region

from .states import Action, Status


class ProblemType(models.TextChoices):
    REFUND = "refund_difficult", _("退款难")
    FALSE_ADVERTISING = "false_advertising", _("虚假宣传")
    QUALITY = "quality", _("质量问题")
    DELIVERY = "delivery", _("未按约定发货/送达")
    AFTER_SALES = "after_sales", _("售后服务差")
    UNFAIR_TERMS = "unfair_terms", _("霸王条款")
    AUTO_RENEWAL = "auto_renewal", _("自动续费")
    PRICE = "price", _("价格欺诈/乱收费")
    FRAUD = "fraud", _("涉嫌诈骗")
    HARASSMENT = "harassment", _("骚扰/暴力催收")
    PRIVACY = "privacy", _("泄露个人信息")
    SAFETY = "safety", _("安全隐患")
    ACCOUNT = "account", _("账号被封/冻结")
    OTHER = "other", _("其他")


class Demand(models.TextChoices):
    REFUND = "refund", _("退款")
    RETURN_REFUND = "return_refund", _("退货退款")
    COMPENSATION = "compensation", _("赔偿")
    APOLOGY = "apology", _("道歉")
    EXPLANATION = "explanation", _("解释")
    EXCHANGE = "exchange", _("换货")
    REPAIR = "repair", _("维修")
    STOP_HARASSMENT = "stop_harassment", _("停止骚扰")
    LEGAL = "legal", _("依法处理")
    OTHER = "other", _("其他")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    HIDDEN = "hidden", _("已隐藏")
    PRIVATE = "private", _("不公开")


class RejectionReason(models.TextChoices):
    NOT_CONSUMER_DISPUTE = "not_consumer_dispute", _("非消费纠纷")
    LABOUR_DISPUTE = "labour_dispute", _("劳动纠纷")
    PRIVATE_DISPUTE = "private_dispute", _("个人之间的纠纷")
    GOVERNMENT_BODY = "government_body", _("投诉对象为政府机关")
    SPAM = "spam", _("广告或垃圾信息")
    INSULT = "insult", _("仅有辱骂，无具体事实")
    NO_COMPANY = "no_company", _("无法确定被投诉企业")
    DUPLICATE = "duplicate", _("与您尚未结束的投诉重复")
    TOO_OLD = "too_old", _("超过3年的消费纠纷")
    PROFESSIONAL_CLAIMANT = "professional_claimant", _("以牟利为目的的批量投诉")
    INSUFFICIENT = "insufficient", _("信息不足，请补充后重新提交")


class HideReason(models.TextChoices):
    PRIVACY = "privacy", _("含有个人信息")
    LEGAL = "legal", _("依法依规处理")
    ABUSE = "abuse", _("含有不当内容")
    CONSUMER_REQUEST = "consumer_request", _("投诉人申请")
    OTHER = "other", _("其他")


class Complaint(models.Model):
    public_number = models.CharField(max_length=12, unique=True, default=new_public_number)
    # db_index=False: the composite complaint_consumer_id (consumer, id) serves every lookup (an
    # index of the key alone duplicated it: 30M entries to build and store for nothing)
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints",
        db_index=False,
    )
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="complaints")
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    title = models.CharField(_("标题"), max_length=80)
    details = models.TextField(_("详情"))
    problem_types = models.JSONField(default=list)
    problem_other = models.CharField(max_length=100, blank=True)
    demands = models.JSONField(default=list)
    demand_other = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(
        _("涉诉金额"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # private: only the consumer, the company's merchants and staff see them
    order_number = models.CharField(max_length=64, blank=True)
    purchase_date = models.DateField(null=True, blank=True)
    consumer_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    show_nickname = models.BooleanField(default=False)
    # the public copy (tousu.privacy): title and details with personal data masked, and the
    # sha256 of the title and details it was computed from ("" = not computed yet; the public
    # selector then redacts on the fly, never shows the original)
    public_title = models.CharField(max_length=200, blank=True)
    public_details = models.TextField(blank=True)
    public_source_hash = models.CharField(max_length=64, blank=True)
    # duplicate guard: sha256 of the normalized text
    content_hash = models.CharField(max_length=64, db_index=True)

    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING_REVIEW)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    hidden_reason = models.CharField(max_length=20, choices=HideReason.choices, blank=True)
    hidden_message = models.CharField(max_length=200, blank=True)
    rejection_reason = models.CharField(max_length=30, choices=RejectionReason.choices, blank=True)
    rejection_message = models.CharField(max_length=500, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(default=timezone.now)
    review_due_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    reply_due_at = models.DateTimeField(null=True, blank=True)
    first_reply_at = models.DateTimeField(null=True, blank=True)
    last_reply_at = models.DateTimeField(null=True, blank=True)
    completion_requested_at = models.DateTimeField(null=True, blank=True)
    confirm_due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    overdue_marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "id"], name="complaint_status_id"),
            models.Index(fields=["company", "status", "id"], name="complaint_company_status"),
            models.Index(fields=["consumer", "id"], name="complaint_consumer_id"),
            models.Index(fields=["visibility", "id"], name="complaint_visibility_id"),
            models.Index(fields=["status", "reply_due_at"], name="complaint_status_reply_due"),
            models.Index(fields=["status", "confirm_due_at"], name="complaint_status_confirm_due"),
            # the lead scan reads complaints accepted since its last run (leads_scan): without
            # it every run read the whole table (minutes at 30M complaints)
            models.Index(fields=["accepted_at", "id"], name="complaint_accepted_at"),
        ]

    def __str__(self) -> str:
        return f"{self.public_number} {self.title}"

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("提交投诉")
    TRANSITION = "transition", _("状态变更")
    REPLY = "reply", _("商家回复")
    SOLUTION = "solution", _("商家提出解决方案")
    FOLLOW_UP = "follow_up", _("消费者补充")
    RATING = "rating", _("消费者评价")
    HIDDEN = "hidden", _("隐藏")
    UNHIDDEN = "unhidden", _("取消隐藏")
    OVERDUE = "overdue", _("商家超时未回复")
    EDITED = "edited", _("修改投诉")
    REDACTED = "redacted", _("调整个人信息隐藏")
    PROBLEM_TYPES = "problem_types", _("修改问题类型")


class ComplaintEvent(models.Model):
    """One entry of the append-only timeline. Every status change writes exactly one."""

    # db_index=False: event_complaint_id (complaint, id) serves every lookup by complaint (a
    # second index of the key alone cost ~3 min to build and ~1.5 GB at 30M complaints)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    action = models.CharField(max_length=24, choices=Action.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_role = models.CharField(max_length=12)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24, blank=True)
    reason = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["complaint", "id"], name="event_complaint_id")]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status}"


class Rating(models.Model):
    """The consumer's three ratings given when confirming completion."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="ratings")
    event = models.OneToOneField(ComplaintEvent, on_delete=models.CASCADE, related_name="rating")
    attitude = models.PositiveSmallIntegerField(
        _("服务态度"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    speed = models.PositiveSmallIntegerField(
        _("处理速度"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    attitude__gte=1,
                    attitude__lte=5,
                    speed__gte=1,
                    speed__lte=5,
                    satisfaction__gte=1,
                    satisfaction__lte=5,
                ),
                name="rating_between_1_and_5",
            )
        ]


class EvidenceKind(models.TextChoices):
    IMAGE = "image", _("图片")
    PDF = "pdf", _("PDF")
    VIDEO = "video", _("视频")


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}.{instance.ext}"


class Evidence(models.Model):
    """An evidence file. Stored privately; the public gets it only through a checking view."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    content_type = models.CharField(max_length=40)
    ext = models.CharField(max_length=8)
    file = models.FileField(upload_to=evidence_path, max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class IdempotencyKey(models.Model):
    """``Idempotency-Key`` of a complaint creation: a retry returns the same complaint."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]


# --- drafts of the submission wizard (see tousu.complaints.drafts) -------------------


def draft_file_path(instance: ComplaintDraftFile, filename: str) -> str:
    """A random name under ``drafts/``: outside ``evidence/`` (whose orphan sweep would delete
    draft files) and never served except through the owner-checking wizard view."""
    return f"drafts/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.ext}"


class ComplaintDraft(models.Model):
    """The complaint a consumer is writing in the web wizard: one per consumer, saved on every
    step, so that it survives a reload, a lost connection or a switch of device."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="complaint_draft"
    )
    # sent with the final submit: a double click or a retry files one complaint
    idempotency_key = models.CharField(max_length=64)
    # the form fields exactly as typed (strings and lists), valid or not
    data = models.JSONField(default=dict, blank=True)
    # the furthest wizard step reached
    step = models.CharField(max_length=20, default="company")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"draft of user {self.user_id} at {self.step}"


class ComplaintDraftFile(models.Model):
    """An evidence file of a draft, already checked and re-encoded like ``Evidence``."""

    draft = models.ForeignKey(ComplaintDraft, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    content_type = models.CharField(max_length=40)
    ext = models.CharField(max_length=8)
    file = models.FileField(upload_to=draft_file_path, max_length=200)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or self.file.name
