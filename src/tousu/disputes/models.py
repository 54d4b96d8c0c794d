"""Flags (anyone signed in reports a public complaint), contests (the company disputes a
complaint), moderators' decisions on both and the one appeal against each decision.

See docs/adr/0017-flags-contests-appeals.md. The complaint itself is only ever changed through
``tousu.complaints.services`` (hide / unhide)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FlagReason(models.TextChoices):
    PRIVACY = "privacy", _("泄露个人信息")
    ABUSE = "abuse", _("辱骂或不当内容")
    FALSE_INFO = "false_info", _("内容不实")
    SPAM = "spam", _("广告或垃圾信息")
    DUPLICATE = "duplicate", _("重复投诉")
    OTHER = "other", _("其他")


class ContestReason(models.TextChoices):
    NOT_CUSTOMER = "not_customer", _("非本公司客户")
    FAKE = "fake", _("虚假投诉")
    DEFAMATORY = "defamatory", _("诽谤/恶意中伤")
    RESOLVED = "resolved", _("问题已解决")


class State(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("成立")
    DISMISSED = "dismissed", _("不成立")


class Outcome(models.TextChoices):
    UPHELD = "upheld", _("成立")
    DISMISSED = "dismissed", _("不成立")


# reasons whose upheld decision hides the complaint (and the HideReason it is hidden with)
FLAG_HIDES = {FlagReason.PRIVACY: "privacy", FlagReason.ABUSE: "abuse"}
CONTEST_HIDES = {ContestReason.FAKE: "other", ContestReason.DEFAMATORY: "legal"}


class Flag(models.Model):
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="flags"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=20, choices=FlagReason.choices)
    text = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "reporter"],
                condition=Q(state="open"),
                name="flag_one_open_per_reporter",
            )
        ]


class Contest(models.Model):
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="contests"
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="contests"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contests"
    )
    reason = models.CharField(max_length=20, choices=ContestReason.choices)
    text = models.TextField(max_length=2000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(state="open"), name="contest_one_open"
            )
        ]


class ContestEvidence(models.Model):
    """A file the company attached to a contest: checked like complaint evidence
    (``tousu.complaints.evidence.prepare_file``); private to staff and the company."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to="disputes/%Y/%m/")
    kind = models.CharField(max_length=10)
    content_type = models.CharField(max_length=50)
    original_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)


class Decision(models.Model):
    """A moderator's decision on one flag or one contest (exactly one of the two is set)."""

    flag = models.OneToOneField(
        Flag, null=True, blank=True, on_delete=models.CASCADE, related_name="decision"
    )
    contest = models.OneToOneField(
        Contest, null=True, blank=True, on_delete=models.CASCADE, related_name="decision"
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dispute_decisions"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(max_length=1000)
    hid_complaint = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(flag__isnull=False) & Q(contest__isnull=True))
                | (Q(flag__isnull=True) & Q(contest__isnull=False)),
                name="decision_one_target",
            )
        ]

    @property
    def target_kind(self) -> str:
        return "flag" if self.flag_id else "contest"

    @property
    def complaint_id(self) -> int:
        target = self.flag if self.flag_id else self.contest
        assert target is not None
        return target.complaint_id


class Appeal(models.Model):
    """The affected party's one appeal against a decision, decided by another moderator."""

    decision = models.OneToOneField(Decision, on_delete=models.CASCADE, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dispute_appeals"
    )
    text = models.TextField(max_length=2000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_appeals",
    )
    reason = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
