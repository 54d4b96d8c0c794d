"""Webhooks: a company's endpoints, the events they receive, signed delivery with retries.

Flow (docs/webhooks.md, docs/adr/0008):
1. ``complaints.services`` writes a ``ComplaintEvent`` and, on commit, calls
   ``webhooks_for_event``; the SLA scan ``webhooks_sla_due_soon`` does the same for deadlines
   that have no timeline event. Each creates one ``WebhookDelivery`` per subscribed, active
   endpoint of the complaint's company (a unique key makes a repeat create nothing) with the
   exact JSON body, and hands it to the worker.
2. The worker's task ``deliver_webhook`` sends one attempt. An attempt is *claimed* first with a
   conditional UPDATE (a lease token and the lease's end in ``next_attempt_at``): a duplicate
   task, or a second worker, finds nothing to claim and does nothing. No database transaction is
   held open during the HTTP request.
3. 2xx is success. Anything else (another status, a redirect — never followed —, a timeout, a
   refused address) is a failure: the next attempt is due after
   ``min(BASE * FACTOR**(n-1), MAX)`` seconds, up to ``WEBHOOK_MAX_ATTEMPTS`` attempts. The
   periodic job ``webhook_retries`` claims due deliveries (and those whose lease ran out: a
   worker that died mid-attempt) and enqueues them again.
4. ``WEBHOOK_DISABLE_AFTER_FAILURES`` failed attempts in a row (any success resets the count)
   disable the endpoint and notify the company's owners; its pending deliveries wait until an
   owner enables it again. Every attempt is logged (``WebhookAttempt``); any delivery can be
   replayed from the console as a new delivery with the same body and event id.
Delivery is at least once: receivers de-duplicate on the event id (``X-Tousu-Event-Id``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from tousu.accounts.models import User
from tousu.common.calendar import add_working_days
from tousu.common.errors import Conflict, NotFound, ValidationFailed
from tousu.companies.models import Company, MemberRole
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind
from tousu.complaints.states import Action, Status

from .api_keys import owned_company
from .http import check_webhook_url, webhook_client
from .models import (
    PING_EVENT,
    DeliveryState,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)

logger = logging.getLogger(__name__)

SIGNATURE_VERSION = "v1"
USER_AGENT = "Tousu-Webhooks/1.0"
RESPONSE_EXCERPT_BYTES = 2000
MAX_ENDPOINTS_PER_COMPANY = 10
EVENT_NAMESPACE = uuid.UUID("6f1c1b52-5a8e-4d55-9a53-3c1f3f0e7a10")
E = WebhookEventType


def _conf(key: str) -> Any:
    return settings.TOUSU[key]


# --- signing ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of ``"<timestamp>." + body`` with the endpoint's secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={mac.hexdigest()}"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def retry_delay(attempt: int) -> timedelta:
    """How long after failed attempt number ``attempt`` (1-based) the next one is due."""
    seconds = int(_conf("WEBHOOK_RETRY_BASE_SECONDS")) * int(_conf("WEBHOOK_RETRY_FACTOR")) ** (
        attempt - 1
    )
    return timedelta(seconds=min(seconds, int(_conf("WEBHOOK_RETRY_MAX_SECONDS"))))


# --- endpoints (owners of the company, in the merchant console) ------------------------------


def _clean_event_types(event_types: list[str]) -> list[str]:
    wanted = set(event_types or [])
    unknown = sorted(wanted - set(E.values))
    chosen = [t for t in E.values if t in wanted]
    if unknown or not chosen:
        raise ValidationFailed(
            "请至少选择一种事件",
            code="invalid_event_types",
            details={"field": "event_types", "allowed": E.values, "invalid": unknown},
        )
    return chosen


def _clean_description(description: str) -> str:
    text = " ".join((description or "").split())
    if len(text) > 100:
        raise ValidationFailed(
            "备注不能超过100个字", code="too_long", details={"field": "description"}
        )
    return text


def webhook_endpoints_of_company(actor: User, company_id: int) -> QuerySet[WebhookEndpoint]:
    owned_company(actor, company_id)
    return WebhookEndpoint.objects.filter(company_id=company_id)


def webhook_endpoint_for_owner(actor: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_related("company").filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("找不到该 Webhook", code="webhook_not_found")
    owned_company(actor, endpoint.company_id)
    return endpoint


def webhook_endpoint_create(
    *, actor: User, company_id: int, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    url = check_webhook_url(url)
    chosen = _clean_event_types(event_types)
    description = _clean_description(description)
    with transaction.atomic():
        company = owned_company(actor, company_id)
        Company.objects.select_for_update().filter(pk=company.pk).first()
        if WebhookEndpoint.objects.filter(company=company).count() >= MAX_ENDPOINTS_PER_COMPANY:
            raise ValidationFailed(
                f"每个企业最多{MAX_ENDPOINTS_PER_COMPANY}个 Webhook", code="too_many_webhooks"
            )
        endpoint = WebhookEndpoint.objects.create(
            company=company,
            url=url,
            description=description,
            secret=new_secret(),
            event_types=chosen,
            created_by=actor,
        )
    return endpoint


def webhook_endpoint_update(
    *, actor: User, endpoint_id: int, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    url = check_webhook_url(url)
    chosen = _clean_event_types(event_types)
    description = _clean_description(description)
    with transaction.atomic():
        endpoint = webhook_endpoint_for_owner(actor, endpoint_id)
        endpoint.url, endpoint.event_types, endpoint.description = url, chosen, description
        endpoint.updated_at = timezone.now()
        endpoint.save(update_fields=["url", "event_types", "description", "updated_at"])
    return endpoint


def webhook_endpoint_set_active(*, actor: User, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Enable (the failure count starts again; waiting deliveries resume) or disable."""
    endpoint = webhook_endpoint_for_owner(actor, endpoint_id)
    now = timezone.now()
    if active:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=True, disabled_at=None, disabled_reason="", consecutive_failures=0,
            updated_at=now,
        )
    else:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_active=False, disabled_at=now, disabled_reason="由企业管理员停用", updated_at=now
        )
    endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_rotate_secret(*, actor: User, endpoint_id: int) -> WebhookEndpoint:
    endpoint = webhook_endpoint_for_owner(actor, endpoint_id)
    endpoint.secret = new_secret()
    endpoint.updated_at = timezone.now()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint


def webhook_endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    webhook_endpoint_for_owner(actor, endpoint_id).delete()


def webhook_deliveries(actor: User, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    endpoint = webhook_endpoint_for_owner(actor, endpoint_id)
    return endpoint.deliveries.select_related("complaint")


def webhook_delivery_for_owner(actor: User, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "complaint")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound("找不到该推送记录", code="delivery_not_found")
    owned_company(actor, delivery.endpoint.company_id)
    return delivery


# --- events → deliveries -----------------------------------------------------------------------


def event_type_for(event: ComplaintEvent) -> str | None:
    """The webhook event a timeline entry is, if any."""
    if event.kind == EventKind.TRANSITION:
        if event.action == Action.ASSIGN or (
            event.action == Action.ACCEPT and event.to_status == Status.PROCESSING
        ):
            return E.COMPLAINT_ASSIGNED
        if event.action in (Action.FOLLOW_UP, Action.REOPEN):
            return E.FOLLOW_UP
        if event.action == Action.CONFIRM:
            return E.COMPLETION_CONFIRMED
        if event.action == Action.DISPUTE:
            return E.COMPLETION_DISPUTED
        return None
    if event.kind == EventKind.FOLLOW_UP:
        return E.FOLLOW_UP
    if event.kind == EventKind.OVERDUE:
        return E.SLA_OVERDUE
    return None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def complaint_payload(complaint: Complaint) -> dict[str, Any]:
    """What a webhook says about a complaint: enough to decide, no consumer text or personal
    data (fetch ``data.complaint.api_url`` with a company API key for the rest)."""
    return {
        "public_number": complaint.public_number,
        "title": complaint.title,
        "status": complaint.status,
        "brand_id": complaint.brand_id,
        "submitted_at": _iso(complaint.submitted_at),
        "reply_due_at": _iso(complaint.reply_due_at),
        "is_overdue": complaint.is_overdue,
        "api_url": f"/api/v1/merchant/complaints/{complaint.public_number}",
    }


def _body(
    *, event_id: uuid.UUID, event_type: str, company: Company, data: dict[str, Any], at: datetime
) -> str:
    return json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "created_at": at.isoformat(),
            "company": {"id": company.pk, "name": company.name},
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def _subscribed(company_id: int, event_type: str) -> list[WebhookEndpoint]:
    # filtered in Python: JSON containment lookups differ between SQLite and PostgreSQL
    return [
        e
        for e in WebhookEndpoint.objects.filter(company_id=company_id, is_active=True)
        if event_type in e.event_types
    ]


def _fan_out(
    *,
    company: Company,
    event_type: str,
    dedupe_key: str,
    complaint: Complaint | None,
    data: dict[str, Any],
    at: datetime,
    endpoints: list[WebhookEndpoint] | None = None,
) -> list[WebhookDelivery]:
    endpoints = _subscribed(company.pk, event_type) if endpoints is None else endpoints
    if not endpoints:
        return []
    event_id = uuid.uuid5(EVENT_NAMESPACE, f"{company.pk}:{dedupe_key}")
    body = _body(event_id=event_id, event_type=event_type, company=company, data=data, at=at)
    created = []
    now = timezone.now()
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint,
                    event_id=event_id,
                    event_type=event_type,
                    dedupe_key=dedupe_key,
                    complaint=complaint,
                    body=body,
                    next_attempt_at=now,
                )
        except IntegrityError:
            continue  # this event already went to this endpoint
        created.append(delivery)
    for delivery in created:
        _enqueue_on_commit(delivery.pk)
    return created


def _enqueue_on_commit(delivery_pk: int) -> None:
    transaction.on_commit(lambda: webhook_dispatch(delivery_pk), robust=True)


def webhooks_for_event(event: ComplaintEvent) -> int:
    """Called on commit of every timeline event; creates the deliveries it calls for."""
    event_type = event_type_for(event)
    if event_type is None:
        return 0
    complaint = event.complaint
    endpoints = _subscribed(complaint.company_id, event_type)
    if not endpoints:
        return 0
    complaint = Complaint.objects.select_related("company").get(pk=complaint.pk)
    data = {
        "complaint": complaint_payload(complaint),
        "event": {
            "id": event.pk,
            "kind": event.kind,
            "action": event.action,
            "from_status": event.from_status,
            "to_status": event.to_status,
            "created_at": _iso(event.created_at),
        },
    }
    return len(
        _fan_out(
            company=complaint.company,
            event_type=event_type,
            dedupe_key=f"event:{event.pk}",
            complaint=complaint,
            data=data,
            at=event.created_at,
            endpoints=endpoints,
        )
    )


def webhooks_sla_due_soon(*, now: datetime | None = None) -> int:
    """Periodic: ``complaint.sla_due_soon`` for processing complaints whose reply is due within
    one working day, once per complaint and deadline (a new deadline is a new event)."""
    now = now or timezone.now()
    by_company: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        if E.SLA_DUE_SOON in endpoint.event_types:
            by_company.setdefault(endpoint.company_id, []).append(endpoint)
    if not by_company:
        return 0
    horizon = add_working_days(now, 1)
    due = Complaint.objects.filter(
        company_id__in=list(by_company),
        status=Status.PROCESSING,
        is_overdue=False,
        reply_due_at__gte=now,
        reply_due_at__lte=horizon,
    ).select_related("company")
    created = 0
    for complaint in due:
        assert complaint.reply_due_at is not None
        key = f"due_soon:{complaint.pk}:{int(complaint.reply_due_at.timestamp())}"
        endpoints = by_company[complaint.company_id]
        done = set(
            WebhookDelivery.objects.filter(
                endpoint__in=endpoints, dedupe_key=key, replay_of__isnull=True
            ).values_list("endpoint_id", flat=True)
        )
        todo = [e for e in endpoints if e.pk not in done]
        if not todo:
            continue
        data = {"complaint": complaint_payload(complaint)}
        with transaction.atomic():
            created += len(
                _fan_out(
                    company=complaint.company,
                    event_type=E.SLA_DUE_SOON,
                    dedupe_key=key,
                    complaint=complaint,
                    data=data,
                    at=now,
                    endpoints=todo,
                )
            )
    return created


def webhook_send_test(*, actor: User, endpoint_id: int) -> WebhookDelivery:
    """A ``ping`` event to one endpoint (the console's "send a test event")."""
    endpoint = webhook_endpoint_for_owner(actor, endpoint_id)
    if not endpoint.is_active:
        raise Conflict("该 Webhook 已停用，请先启用", code="webhook_disabled")
    now = timezone.now()
    with transaction.atomic():
        deliveries = _fan_out(
            company=endpoint.company,
            event_type=PING_EVENT,
            dedupe_key=f"ping:{uuid.uuid4()}",
            complaint=None,
            data={"message": "Tousu webhook test"},
            at=now,
            endpoints=[endpoint],
        )
    return deliveries[0]


def webhook_replay(*, actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again: a new delivery with the same body (and so the same event id)."""
    original = webhook_delivery_for_owner(actor, delivery_id)
    endpoint = original.endpoint
    if not endpoint.is_active:
        raise Conflict("该 Webhook 已停用，请先启用", code="webhook_disabled")
    with transaction.atomic():
        replay = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=original.event_id,
            event_type=original.event_type,
            dedupe_key=original.dedupe_key,
            complaint=original.complaint,
            body=original.body,
            next_attempt_at=timezone.now(),
            replay_of=original,
        )
        _enqueue_on_commit(replay.pk)
    return replay


# --- delivery -----------------------------------------------------------------------------------


def webhook_claim(delivery_pk: int, *, now: datetime | None = None) -> uuid.UUID | None:
    """Take the next attempt of a due delivery of an active endpoint; None if there is none
    (already claimed, not due, finished, or the endpoint is disabled)."""
    now = now or timezone.now()
    token = uuid.uuid4()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_pk,
        state=DeliveryState.PENDING,
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    ).update(
        lease_token=token,
        next_attempt_at=now + timedelta(seconds=int(_conf("WEBHOOK_LEASE_SECONDS"))),
    )
    return token if claimed else None


def webhook_dispatch(delivery_pk: int, *, now: datetime | None = None) -> bool:
    """Claim a delivery and hand the attempt to the worker."""
    token = webhook_claim(delivery_pk, now=now)
    if token is None:
        return False
    from .tasks import deliver_webhook

    deliver_webhook.enqueue(delivery_pk, str(token))
    return True


@dataclass(frozen=True)
class AttemptResult:
    status: int | None
    body_excerpt: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _post(url: str, headers: dict[str, str], body: bytes) -> AttemptResult:
    started = time.monotonic()
    status: int | None = None
    excerpt = b""
    error = ""
    try:
        with webhook_client() as client, client.stream(
            "POST", url, content=body, headers=headers
        ) as response:
            status = response.status_code
            for chunk in response.iter_bytes():
                excerpt += chunk
                if len(excerpt) >= RESPONSE_EXCERPT_BYTES:
                    break
            if response.is_redirect:
                error = f"redirect to {response.headers.get('location', '?')} not followed"
            elif not 200 <= status < 300:
                error = f"HTTP {status}"
    except httpx.TimeoutException as exc:
        error = f"timeout: {type(exc).__name__}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = int((time.monotonic() - started) * 1000)
    return AttemptResult(
        status=status,
        body_excerpt=excerpt[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace"),
        duration_ms=duration,
        error=error[:300],
    )


def signed_headers(
    delivery: WebhookDelivery, secret: str, body: bytes, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tousu-Event": delivery.event_type,
        "X-Tousu-Event-Id": str(delivery.event_id),
        "X-Tousu-Delivery": str(delivery.delivery_id),
        "X-Tousu-Timestamp": str(timestamp),
        "X-Tousu-Signature": sign(secret, timestamp, body),
    }


def webhook_send(delivery_pk: int, token: str) -> str:
    """One attempt of a claimed delivery (the worker task). Returns what happened."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_pk).first()
    )
    if (
        delivery is None
        or delivery.state != DeliveryState.PENDING
        or str(delivery.lease_token) != str(token)
    ):
        return "skipped"
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    started_at = timezone.now()
    timestamp = int(started_at.timestamp())
    headers = signed_headers(delivery, endpoint.secret, body, timestamp)
    result = _post(endpoint.url, headers, body)
    finished = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_pk)
        number = delivery.attempts + 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            request_url=endpoint.url[:500],
            request_headers=headers,
            response_status=result.status,
            response_body=result.body_excerpt,
            duration_ms=result.duration_ms,
            error=result.error,
        )
        if str(delivery.lease_token) != str(token) or delivery.state != DeliveryState.PENDING:
            return "superseded"  # the lease ran out and another attempt took over
        delivery.attempts = number
        delivery.last_status_code = result.status
        delivery.last_error = result.error
        delivery.last_duration_ms = result.duration_ms
        delivery.lease_token = None
        if result.ok:
            delivery.state = DeliveryState.SUCCEEDED
            delivery.next_attempt_at = None
            delivery.finished_at = finished
            outcome = "succeeded"
        elif number >= int(_conf("WEBHOOK_MAX_ATTEMPTS")):
            delivery.state = DeliveryState.FAILED
            delivery.next_attempt_at = None
            delivery.finished_at = finished
            outcome = "failed"
        else:
            delivery.next_attempt_at = finished + retry_delay(number)
            outcome = "retry"
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "last_duration_ms",
                "lease_token",
                "state",
                "next_attempt_at",
                "finished_at",
            ]
        )
        _count_outcome(endpoint.pk, ok=result.ok, error=result.error)
    return outcome


def _count_outcome(endpoint_pk: int, *, ok: bool, error: str) -> None:
    if ok:
        WebhookEndpoint.objects.filter(pk=endpoint_pk).exclude(consecutive_failures=0).update(
            consecutive_failures=0
        )
        return
    WebhookEndpoint.objects.filter(pk=endpoint_pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint = WebhookEndpoint.objects.select_for_update().select_related("company").get(
        pk=endpoint_pk
    )
    threshold = int(_conf("WEBHOOK_DISABLE_AFTER_FAILURES"))
    if endpoint.is_active and endpoint.consecutive_failures >= threshold:
        now = timezone.now()
        endpoint.is_active = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = f"连续{endpoint.consecutive_failures}次推送失败（{error}）"[:200]
        endpoint.updated_at = now
        endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
        _notify_owners_disabled(endpoint)
        logger.warning("webhook endpoint %s disabled after failures: %s", endpoint.pk, error)


def _notify_owners_disabled(endpoint: WebhookEndpoint) -> None:
    from tousu.engagement.models import Notification
    from tousu.engagement.senders import get_sender

    title = f"「{endpoint.company.name}」的 Webhook 已停用"
    body = (
        f"接收地址 {endpoint.url} 连续{endpoint.consecutive_failures}次推送失败，已自动停用。"
        "未送达的事件会在您修复并重新启用后继续推送；也可在推送记录中重新发送。"
    )
    owners = User.objects.filter(
        memberships__company_id=endpoint.company_id,
        memberships__role=MemberRole.OWNER,
        is_active=True,
    ).distinct()
    sender = get_sender()
    addresses: list[str] = []
    for owner in owners:
        Notification.objects.create(user=owner, kind="webhook_disabled", title=title, body=body)
        if owner.email:
            addresses.append(owner.email)

    def send() -> None:
        for address in addresses:
            sender.send_email(address, title, body)

    if addresses:
        transaction.on_commit(send, robust=True)


def webhook_retries(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Periodic: dispatch deliveries whose next attempt is due (retries, and attempts whose lease
    ran out because a worker died) on active endpoints."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    dispatched = sum(1 for pk in due if webhook_dispatch(pk, now=now))
    return {"due": len(due), "dispatched": dispatched}
