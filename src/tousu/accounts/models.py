"""Users, roles, merchant memberships, regulator scopes, API tokens and one-time codes."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Role(models.TextChoices):
    CONSUMER = "consumer", "消费者"
    MERCHANT = "merchant", "商家"
    MODERATOR = "moderator", "审核员"
    REGULATOR = "regulator", "监管部门"
    PARTNER = "partner", "媒体/数据合作方"
    MEDIATOR = "mediator", "调解组织"


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
        if not phone and not email:
            raise ValueError("A user needs a phone number or an e-mail address.")
        user = self.model(phone=phone or None, email=(email or "").lower() or None, **extra)
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

    @property
    def display_name(self) -> str:
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


class RegulatorScope(models.Model):
    """What a regulator may see: administrative division code prefixes and sectors."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="regulator_scope")
    region_codes = models.JSONField(default=list, help_text="GB/T 2260 codes, e.g. 310000")
    sectors = models.JSONField(default=list, help_text="sector codes; empty means all sectors")
    agency_name = models.CharField(max_length=100, blank=True)


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


class OneTimeCode(models.Model):
    """A verification code sent to a phone or e-mail. Stored hashed, single use, expiring."""

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        EMAIL = "email", "邮件"

    channel = models.CharField(max_length=10, choices=Channel.choices)
    target = models.CharField(max_length=254, db_index=True)
    purpose = models.CharField(max_length=20, default="login")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
