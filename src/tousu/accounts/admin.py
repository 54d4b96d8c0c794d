"""Staff admin for users, regulator scopes, API tokens and one-time codes.

Secrets stay secret here too: an API token shows only its prefix and hash and cannot be made in
the admin (its raw value could not be shown); one-time codes are read-only and hide their hash.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import (
    BaseUserCreationForm,
    SetUnusablePasswordMixin,
)
from django.contrib.auth.forms import (
    UserChangeForm as DjangoUserChangeForm,
)
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from tousu.companies.models import CompanyMembership

from .models import ApiToken, OneTimeCode, RegulatorScope, User
from .services import find_login_key


class StaffLoginForm(AdminAuthenticationForm):
    """Staff log in with a phone or an e-mail; the default form would cap input at 20 characters
    (the phone column's length) and call the field 手机号."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        assert isinstance(field, forms.CharField)
        field.label = "手机号或邮箱"
        field.max_length = 254
        field.widget.attrs["maxlength"] = 254


admin.site.login_form = StaffLoginForm


class UserCreationForm(SetUnusablePasswordMixin, BaseUserCreationForm):
    """Phone and/or e-mail (normalized as log-in does); a password, or none for code-only log-in."""

    usable_password = SetUnusablePasswordMixin.create_usable_password_field()

    class Meta:
        model = User
        fields = ("phone", "email", "nickname", "role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].required = False
        self.fields["password2"].required = False


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class CompanyMembershipInline(admin.TabularInline):
    model = CompanyMembership
    fk_name = "user"
    extra = 0
    raw_id_fields = ("company",)
    fields = ("company", "role", "created_at")
    readonly_fields = ("created_at",)
    verbose_name = "企业成员身份"
    verbose_name_plural = "企业成员身份（商家）"


class RegulatorScopeInline(admin.StackedInline):
    model = RegulatorScope
    extra = 0
    max_num = 1
    verbose_name_plural = "监管范围（监管部门）"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("phone", "email", "password")}),
        ("资料", {"fields": ("nickname", "pseudonym", "role")}),
        ("验证", {"fields": ("phone_verified_at", "email_verified_at")}),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "phone",
                    "email",
                    "nickname",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("id", "phone", "email", "nickname", "role", "is_active", "date_joined")
    list_display_links = ("id", "phone", "email")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("phone", "email", "nickname", "pseudonym")
    ordering = ("-date_joined",)
    readonly_fields = ("last_login", "date_joined")
    inlines = (CompanyMembershipInline, RegulatorScopeInline)

    def get_inlines(self, request: HttpRequest, obj: Any) -> Any:
        return self.inlines if obj is not None else ()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """A phone typed as ``+86 138-0013-8000`` finds ``13800138000``."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        key = find_login_key(search_term)
        if key:
            results = results | queryset.filter(phone=key) | queryset.filter(email=key)
        return results, may_have_duplicates


@admin.register(RegulatorScope)
class RegulatorScopeAdmin(admin.ModelAdmin):
    list_display = ("user", "agency_name", "region_codes", "sectors")
    search_fields = ("agency_name", "user__phone", "user__email", "user__nickname")
    raw_id_fields = ("user",)
    list_select_related = ("user",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "token_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "token_prefix", "user__phone", "user__email")
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "token_prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "user",
        "token_prefix",
        "token_hash",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The raw token would have to be shown once; users create tokens under /api/v1/me/tokens.
        return False

    @admin.action(description="撤销所选令牌", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"已撤销 {count} 个令牌", messages.SUCCESS)


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    list_display = (
        "target",
        "channel",
        "purpose",
        "created_at",
        "expires_at",
        "used_at",
        "attempts",
    )
    list_filter = ("channel", "purpose")
    search_fields = ("target",)
    date_hierarchy = "created_at"
    exclude = ("code_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
