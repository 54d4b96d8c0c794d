"""Who sees which surge alerts: platform moderators all; a regulator those in its scope."""

from __future__ import annotations

from django.db.models import QuerySet

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound, PermissionDenied

from .models import SurgeAlert
from .services import alerts_filter_for_scope


def alerts_visible(user: User | None) -> QuerySet[SurgeAlert]:
    if user is None or not user.is_authenticated:
        raise PermissionDenied("请先登录监管或平台账号", code="insights_access_denied")
    if user.role == Role.MODERATOR:
        return SurgeAlert.objects.all()
    if user.role == Role.REGULATOR:
        scope = getattr(user, "regulator_scope", None)
        if scope is None:
            return SurgeAlert.objects.none()
        ids = SurgeAlert.objects.filter(
            alerts_filter_for_scope(scope.region_codes, scope.sectors)
        ).values("pk")
        return SurgeAlert.objects.filter(pk__in=ids)
    raise PermissionDenied("只有监管部门和平台审核人员可以查看预警", code="insights_access_denied")


def alert_detail(user: User | None, alert_id: int) -> SurgeAlert:
    alert = alerts_visible(user).filter(pk=alert_id).select_related("company").first()
    if alert is None:
        raise NotFound("找不到该预警", code="alert_not_found")
    return alert
