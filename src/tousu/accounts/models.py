"""Users, roles, merchant memberships, regulator scopes, API tokens and one-time codes."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CONSUMER = "consumer", _("消费者")
    MERCHANT = "merchant", _("商家")
    MODERATOR = "moderator", _("审核员")
    REGULATOR = "regulator", _("监管部门")
    PARTNER = "partner", _("媒体/数据合作方")
    MEDIATOR = "mediator", _("调解组织")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> User:
        phone, email = _normalized_identity(phone, email)
        if not phone and not email:
            raise ValueError("A user needs a phone number or an e-mail address.")
        user = self.model(phone=phone, email=email, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(
        self,
        *,
        phone: str | None = None,
        email: str | None = None,
        password: str | None = None,
        **extra: Any,
    ) -> User:
        extra.setdefault("role", Role.MODERATOR)
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self.create_user(phone=phone, email=email, password=password, **extra)


def _normalized_identity(phone: str | None, email: str | None) -> tuple[str | None, str | None]:
    """Normalize a phone and an e-mail the way log-in looks them up (raises ``ValueError``)."""
    from tousu.common.errors import ValidationFailed

    from .services import normalize_email, normalize_phone

    try:
        return (
            normalize_phone(phone) if phone else None,
            normalize_email(email) if email else None,
        )
    except ValidationFailed as exc:
        raise ValueError(exc.message) from exc


def new_pseudonym() -> str:
    return "消费者" + secrets.token_hex(3).upper()


class User(AbstractBaseUser, PermissionsMixin):
    phone = models.CharField("手机号", max_length=20, unique=True, null=True, blank=True)
    email = models.EmailField("邮箱", unique=True, null=True, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    nickname = models.CharField("昵称", max_length=40, blank=True)
    pseudonym = models.CharField("公开化名", max_length=40, default=new_pseudonym)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CONSUMER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__isnull=False) | Q(email__isnull=False),
                name="user_has_phone_or_email",
            )
        ]

    def __str__(self) -> str:
        return self.nickname or self.phone or self.email or f"user {self.pk}"

    def clean(self) -> None:
        """Normalize phone and e-mail as log-in does; a user needs at least one of them."""
        from tousu.common.errors import ValidationFailed

        from .services import normalize_email, normalize_phone

        errors: dict[str, str] = {}
        for field, normalize in (("phone", normalize_phone), ("email", normalize_email)):
            value = getattr(self, field)
            try:
                setattr(self, field, normalize(value) if value else None)
            except ValidationFailed as exc:
                errors[field] = exc.message
        if errors:
            raise ValidationError(errors)
        if not self.phone and not self.email:
            raise ValidationError("手机号和邮箱至少填写一项")

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name shown to the public: the nickname, or else the pseudonym."""
        return self.nickname or self.pseudonym

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR

    @property
    def is_merchant(self) -> bool:
        return self.role == Role.MERCHANT

    @property
    def is_regulator(self) -> bool:
        return self.role == Role.REGULATOR

    @property
    def is_mediator(self) -> bool:
        return self.role == Role.MEDIATOR

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER


def scope_prefix(code: str) -> str:
    """The prefix a GB/T 2260 scope code covers: 310000 → "31", 310100 → "3101"."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


class RegulatorScope(models.Model):
    """What a regulator may see: administrative division code prefixes and sectors."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="regulator_scope")
    region_codes = models.JSONField(default=list, help_text="GB/T 2260 codes, e.g. 310000")
    sectors = models.JSONField(
        default=list, blank=True, help_text="sector codes; empty means all sectors"
    )
    agency_name = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.agency_name or f"scope of user {self.user_id}"

    def clean(self) -> None:
        from tousu.companies.models import Sector

        errors: dict[str, str] = {}
        codes = self.region_codes
        if not isinstance(codes, list) or not all(
            isinstance(c, str) and len(c) == 6 and c.isascii() and c.isdigit() for c in codes
        ):
            errors["region_codes"] = '行政区划代码应为6位数字的列表，如 ["310000"]'
        sectors = self.sectors
        if not isinstance(sectors, list) or not all(s in Sector.values for s in sectors):
            errors["sectors"] = "行业代码无效，可选：" + "、".join(Sector.values)
        if self.user_id is not None and self.user.role != Role.REGULATOR:
            errors["user"] = "只有监管部门账号可以设置监管范围"
        if errors:
            raise ValidationError(errors)

    def covers_region(self, code: str | None) -> bool:
        """Whether a GB/T 2260 code lies inside the scope: 310000 covers 310115."""
        if not code:
            return False
        return any(code.startswith(scope_prefix(c)) for c in self.region_codes)

    def covers_sector(self, sector: str) -> bool:
        return not self.sectors or sector in self.sectors


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A named, revocable API token. Only the SHA-256 of the secret is stored."""

    PREFIX = "tsk_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=60)
    token_prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class OneTimeCode(models.Model):
    """A verification code sent to a phone or e-mail. Stored hashed, single use, expiring."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("邮件")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=254, db_index=True)
    purpose = models.CharField(max_length=20, default="login")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.target} ({self.purpose})"
