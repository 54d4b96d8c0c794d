"""Companies, brands, aliases, sectors, regions and merchant memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    ECOMMERCE = "ecommerce", _("电商平台")
    FINANCE = "finance", _("金融支付")
    TRAVEL = "travel", _("旅游出行")
    LOCAL_SERVICES = "local_services", _("生活服务")
    EDUCATION = "education", _("教育培训")
    LOGISTICS = "logistics", _("物流快递")
    TELECOM = "telecom", _("通信")
    AUTO = "auto", _("汽车")
    ELECTRONICS = "electronics", _("数码家电")
    FASHION_BEAUTY = "fashion_beauty", _("美妆服饰")
    FOOD = "food", _("食品")
    HOUSEHOLD = "household", _("日用百货")
    REAL_ESTATE = "real_estate", _("房产家居")
    HEALTH = "health", _("医疗健康")
    GAMES = "games", _("游戏娱乐")
    SHARING = "sharing", _("共享经济")
    OTHER = "other", _("其他")


class Region(models.Model):
    """A GB/T 2260 administrative division (province, prefecture or county level)."""

    code = models.CharField(max_length=6, primary_key=True)
    name = models.CharField(max_length=60)
    level = models.PositiveSmallIntegerField(help_text="1 province, 2 prefecture, 3 county")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Company(models.Model):
    name = models.CharField("企业名称", max_length=120)
    name_key = models.CharField(
        max_length=120, unique=True, help_text="normalized name (width, case, script, spaces)"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    sector = models.CharField(max_length=20, choices=Sector.choices, default=Sector.OTHER)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT)
    website = models.URLField(blank=True)
    app_names = models.JSONField(default=list, blank=True)
    description = models.TextField(blank=True)
    is_verified = models.BooleanField("已认证", default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    # A company a consumer typed in that staff have not confirmed yet.
    is_confirmed = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "companies"
        indexes = [models.Index(fields=["sector"]), models.Index(fields=["region"])]

    def __str__(self) -> str:
        return self.name


class CompanyAlias(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=120)
    alias_key = models.CharField(max_length=120, unique=True)

    def __str__(self) -> str:
        return self.alias


class Brand(models.Model):
    """A brand or service of a company (美团 → 美团外卖); a complaint may target one."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(max_length=120)
    name_key = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "name_key"], name="brand_unique_per_company")
        ]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    OWNER = "owner", _("管理员")
    AGENT = "agent", _("客服")
    VIEWER = "viewer", _("只读")


class CompanyMembership(models.Model):
    """A merchant user's membership in a company, with a role inside the company."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.AGENT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="membership_unique")
        ]


class CompanyMerge(models.Model):
    """Staff merged a duplicate company into another; the duplicate row is gone.

    Kept so that old links to the merged company can be redirected and the action audited.
    """

    source_id = models.BigIntegerField(
        db_index=True, help_text="id of the merged (deleted) company"
    )
    source_name = models.CharField(max_length=120)
    target = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="merged_from")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    complaints_moved = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.source_name} → {self.target_id}"


class InvitationState(models.TextChoices):
    PENDING = "pending", _("待接受")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已拒绝")
    REVOKED = "revoked", _("已撤回")


class CompanyInvitation(models.Model):
    """An owner invited a phone number or e-mail address to the company's team.

    The invitee accepts it while logged in with that phone or e-mail *verified* (see
    ``services.company_invitation_accept``): joining a team turns a consumer account into a
    merchant account, so it never happens without the invitee's own click.
    """

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    target_kind = models.CharField(
        max_length=5, choices=[("phone", _("手机号")), ("email", _("邮箱"))]
    )
    # normalized like log-in does (``accounts.services.parse_login``)
    target = models.CharField(max_length=254)
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.AGENT)
    state = models.CharField(
        max_length=10, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["target", "state"], name="invitation_target_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "target"],
                condition=models.Q(state="pending"),
                name="invitation_one_pending_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.target} → {self.company_id} ({self.state})"
