"""Early warnings to regulators (消费预警): subscriptions, notes, and delivery of new alerts in
site, by e-mail and by signed webhook. Nothing outside a regulator's scope reaches it: a
subscription must lie inside the scope, and delivery checks the scope again."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.accounts.models import RegulatorScope, Role, User, scope_prefix
from tousu.common.errors import NotFound, PermissionDenied, ValidationFailed
from tousu.companies.models import Sector
from tousu.engagement.models import Notification
from tousu.engagement.senders import get_sender

from .models import (
    AlertKind,
    AlertNote,
    DeliveryChannel,
    SurgeAlert,
    WarningDelivery,
    WarningSubscription,
)
from .selectors import alert_detail, alerts_visible

MAX_SUBSCRIPTIONS = 20
MAX_ATTEMPTS = 5
USER_AGENT = "Tousu-Warnings/1.0"


def _scope(user: User) -> RegulatorScope:
    scope = getattr(user, "regulator_scope", None) if user.role == Role.REGULATOR else None
    if scope is None:
        raise PermissionDenied("只有设置了监管范围的监管账号可以订阅预警", code="not_a_regulator")
    return scope


def subscriptions_of(user: User) -> QuerySet[WarningSubscription]:
    _scope(user)
    return WarningSubscription.objects.filter(user=user)


def subscription_create(
    *,
    user: User,
    name: str,
    region_codes: list[str],
    sectors: list[str] | None = None,
    kinds: list[str] | None = None,
    by_email: bool = False,
    webhook_url: str = "",
) -> WarningSubscription:
    scope = _scope(user)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed("请填写订阅名称（最多60个字）", code="invalid_name",
                               details={"field": "name"})  # fmt: skip
    codes = [str(c).strip() for c in region_codes or [] if str(c).strip()]
    if not codes or not all(len(c) == 6 and c.isdigit() for c in codes):
        raise ValidationFailed(
            "请填写6位行政区划代码，如 310000",
            code="invalid_region",
            details={"field": "region_codes"},
        )
    outside = [c for c in codes if not scope.covers_region(c)]
    if outside:
        raise PermissionDenied(
            f"地区 {'、'.join(outside)} 不在您的监管范围内", code="region_outside_scope"
        )
    sectors = list(dict.fromkeys(sectors or []))
    if any(s not in Sector.values for s in sectors):
        raise ValidationFailed("行业代码无效", code="invalid_sector", details={"field": "sectors"})
    if scope.sectors and any(s not in scope.sectors for s in sectors):
        raise PermissionDenied("所选行业不在您的监管范围内", code="sector_outside_scope")
    kinds = list(dict.fromkeys(kinds or []))
    if any(k not in AlertKind.values for k in kinds):
        raise ValidationFailed("预警类型无效", code="invalid_kind", details={"field": "kinds"})
    secret = ""
    if webhook_url:
        from tousu.merchants.http import check_webhook_url
        from tousu.merchants.webhooks import new_secret

        webhook_url = check_webhook_url(webhook_url)
        secret = new_secret()
    with transaction.atomic():
        if WarningSubscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS:
            raise ValidationFailed(f"最多可以设置{MAX_SUBSCRIPTIONS}个订阅", code="too_many")
        return WarningSubscription.objects.create(
            user=user,
            name=name,
            region_codes=codes,
            sectors=sectors,
            kinds=kinds,
            by_email=by_email,
            webhook_url=webhook_url,
            webhook_secret=secret,
        )


def subscription_delete(*, user: User, subscription_id: int) -> None:
    deleted, _ = subscriptions_of(user).filter(pk=subscription_id).delete()
    if not deleted:
        raise NotFound("找不到该订阅", code="subscription_not_found")


def note_add(*, user: User, alert_id: int, text: str) -> AlertNote:
    alert = alert_detail(user, alert_id)  # 403/404 outside the scope
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise ValidationFailed("请填写备注（最多2000个字）", code="invalid_note",
                               details={"field": "text"})  # fmt: skip
    return AlertNote.objects.create(alert=alert, author=user, text=text)


# --- delivery ------------------------------------------------------------------------------


def _covers(scope_codes: list[str], code: str) -> bool:
    return any(code.startswith(scope_prefix(c)) for c in scope_codes)


def subscription_matches(sub: WarningSubscription, alert: SurgeAlert, codes: list[str]) -> bool:
    if sub.kinds and alert.kind not in sub.kinds:
        return False
    if sub.sectors and alert.sector not in sub.sectors:
        return False
    return any(_covers(sub.region_codes, c) for c in codes)


def _title(alert: SurgeAlert) -> str:
    what = "疑似跑路" if alert.kind == AlertKind.RUNAWAY else "投诉激增"
    return f"【消费预警】{alert.label}{what}"[:200]


def _body(alert: SurgeAlert) -> str:
    terms = "、".join(t["term"] for t in alert.terms[:5]) or "—"
    series = alert.get_series_kind_display()
    return (
        f"{alert.label}（{series}）自 {alert.first_day:%Y-%m-%d} 起投诉明显增多："
        f"{alert.last_day:%Y-%m-%d} 当日 {alert.observed} 件，"
        f"预期约 {alert.expected:.1f} 件。上升的词：{terms}。"
        f"详情：/insights/surges/{alert.pk}/"
    )


def _payload(alert: SurgeAlert) -> dict[str, Any]:
    return {
        "type": "surge_alert",
        "alert": {
            "id": alert.pk,
            "kind": alert.kind,
            "series_kind": alert.series_kind,
            "series_key": alert.series_key,
            "label": alert.label,
            "sector": alert.sector,
            "first_day": alert.first_day.isoformat(),
            "last_day": alert.last_day.isoformat(),
            "observed": alert.observed,
            "expected": alert.expected,
            "terms": alert.terms,
            "examples": alert.examples,
        },
    }


def _attempt(delivery: WarningDelivery) -> bool:
    sub, alert = delivery.subscription, delivery.alert
    error = ""
    if delivery.channel == DeliveryChannel.SITE:
        Notification.objects.create(
            user=sub.user, kind="surge_alert", title=_title(alert), body=_body(alert)
        )
    elif delivery.channel == DeliveryChannel.EMAIL:
        if sub.user.email:
            get_sender().send_email(sub.user.email, _title(alert), _body(alert))
        else:
            error = "no e-mail address on the account"
    else:
        from tousu.merchants.webhooks import _post, sign

        body = json.dumps(_payload(alert), ensure_ascii=False).encode()
        stamp = int(time.time())
        result = _post(
            sub.webhook_url,
            {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Tousu-Event": "surge_alert",
                "X-Tousu-Delivery": str(delivery.pk),
                "X-Tousu-Timestamp": str(stamp),
                "X-Tousu-Signature": sign(sub.webhook_secret, stamp, body),
            },
            body,
        )
        error = "" if result.ok else (result.error or f"HTTP {result.status}")
    delivery.attempts += 1
    delivery.delivered = not error
    delivery.last_error = error[:300]
    delivery.delivered_at = timezone.now() if not error else None
    delivery.save(update_fields=["attempts", "delivered", "last_error", "delivered_at"])
    return delivery.delivered


def warnings_deliver(alert_id: int) -> int:
    """Deliver one alert to every matching subscription (idempotent: a delivery row per
    subscription and channel; one already delivered is not sent again)."""
    alert = SurgeAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        return 0
    codes = list(alert.regions.values_list("code", flat=True))
    sent = 0
    subs = WarningSubscription.objects.filter(active=True).select_related(
        "user", "user__regulator_scope"
    )
    for sub in subs:
        if not subscription_matches(sub, alert, codes):
            continue
        if not alerts_visible(sub.user).filter(pk=alert.pk).exists():
            continue  # the scope shrank since the subscription was made
        channels = [DeliveryChannel.SITE]
        if sub.by_email:
            channels.append(DeliveryChannel.EMAIL)
        if sub.webhook_url:
            channels.append(DeliveryChannel.WEBHOOK)
        for channel in channels:
            try:
                with transaction.atomic():
                    delivery, _ = WarningDelivery.objects.get_or_create(
                        subscription=sub, alert=alert, channel=channel
                    )
            except IntegrityError:
                continue
            if not delivery.delivered and delivery.attempts < MAX_ATTEMPTS:
                sent += int(_attempt(delivery))
    return sent


def warnings_retry(*, now: Any = None) -> dict[str, int]:
    """Retry failed deliveries with a growing pause (the periodic job)."""
    now = now or timezone.now()
    retried = ok = 0
    for delivery in WarningDelivery.objects.filter(
        delivered=False, attempts__lt=MAX_ATTEMPTS
    ).select_related("subscription", "subscription__user", "alert")[:200]:
        if delivery.created_at + timedelta(minutes=5 * 2**delivery.attempts) > now:
            continue
        retried += 1
        ok += int(_attempt(delivery))
    return {"retried": retried, "delivered": ok}
