"""Webhooks end to end against a real local HTTP receiver: which events go where, the signature,
retries with exponential backoff (time-machine), disabling after failures with a notice, replay,
single delivery under duplicate dispatch, no redirects, and the SSRF guard."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django_tasks_db.models import DBTaskResult

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, PermissionDenied, ValidationFailed
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.engagement.models import Notification
from tousu.merchants.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEventType,
)
from tousu.merchants.webhooks import (
    webhook_claim,
    webhook_endpoint_create,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_set_active,
    webhook_replay,
    webhook_retries,
    webhook_send,
    webhook_send_test,
    webhooks_sla_due_soon,
)

pytestmark = pytest.mark.django_db

ALL = list(WebhookEventType.values)
E = WebhookEventType


@pytest.fixture
def endpoint(local_webhooks: None, merchant: User, company: Company, receiver: Any) -> Any:
    return webhook_endpoint_create(
        actor=merchant, company_id=company.pk, url=receiver.url, event_types=ALL
    )


def event_types(receiver: Any) -> list[str]:
    return [r.headers["X-Tousu-Event"] for r in receiver.requests]


def test_complaint_events_reach_the_endpoint(
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    company: Company,
    merchant: User,
    moderator: User,
    consumer: User,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(company, accept_by=moderator)
        pk = complaint.pk
        services.complaint_reply(complaint_id=pk, actor=merchant, message="您好，正在处理")
        services.complaint_follow_up(complaint_id=pk, actor=consumer, message="还是没有退款")
        services.complaint_follow_up(complaint_id=pk, actor=consumer, message="补充订单截图")
        services.complaint_reply(complaint_id=pk, actor=merchant, message="已退款")
        services.complaint_request_completion(complaint_id=pk, actor=merchant)
        services.complaint_dispute_completion(complaint_id=pk, actor=consumer, message="没到账")
        services.complaint_reply(complaint_id=pk, actor=merchant, message="请查收")
        services.complaint_request_completion(complaint_id=pk, actor=merchant)
        services.complaint_confirm_completion(
            complaint_id=pk, actor=consumer, attitude=5, speed=4, satisfaction=5
        )
    assert event_types(receiver) == [
        E.COMPLAINT_ASSIGNED,
        E.FOLLOW_UP,
        E.FOLLOW_UP,
        E.COMPLETION_DISPUTED,
        E.COMPLETION_CONFIRMED,
    ]
    first = receiver.requests[0]
    body = first.json
    assert body["type"] == E.COMPLAINT_ASSIGNED
    assert body["company"] == {"id": company.pk, "name": company.name}
    assert body["data"]["complaint"]["public_number"] == complaint.public_number
    assert body["data"]["complaint"]["api_url"] == (
        f"/api/v1/merchant/complaints/{complaint.public_number}"
    )
    assert body["data"]["event"]["to_status"] == "processing"
    # what happened, never the consumer's words or private fields
    text = b"".join(r.body for r in receiver.requests).decode()
    for private in ("DD20250601123456", "还是没有退款", "没到账", "6月1日"):
        assert private not in text
    assert first.headers["X-Tousu-Event-Id"] == body["id"]
    assert len({r.headers["X-Tousu-Event-Id"] for r in receiver.requests}) == 5
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"succeeded"}


def test_only_active_subscribed_endpoints_of_the_company(
    inline_tasks: None,
    local_webhooks: None,
    receiver: Any,
    company: Company,
    other_company: Company,
    merchant: User,
    other_merchant: User,
    moderator: User,
    consumer: User,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    def create(actor: User, company: Company, types: list[str]) -> WebhookEndpoint:
        return webhook_endpoint_create(
            actor=actor, company_id=company.pk, url=receiver.url, event_types=types
        )

    assigned_only = create(merchant, company, [E.COMPLAINT_ASSIGNED])
    disabled = create(merchant, company, ALL)
    webhook_endpoint_set_active(actor=merchant, endpoint_id=disabled.pk, active=False)
    elsewhere = create(other_merchant, other_company, ALL)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(company, accept_by=moderator)
        services.complaint_follow_up(complaint_id=complaint.pk, actor=consumer, message="补充")
    by_endpoint = {
        e.pk: list(e.deliveries.values_list("event_type", flat=True))
        for e in (assigned_only, disabled, elsewhere)
    }
    assert by_endpoint == {
        assigned_only.pk: [E.COMPLAINT_ASSIGNED],
        disabled.pk: [],
        elsewhere.pk: [],
    }
    assert event_types(receiver) == [E.COMPLAINT_ASSIGNED]


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body(
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    request = receiver.requests[0]
    timestamp = request.headers["X-Tousu-Timestamp"]
    expected = hmac.new(
        endpoint.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Tousu-Signature"] == f"v1={expected}"
    assert request.headers["X-Tousu-Delivery"] == str(delivery.delivery_id)
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == delivery.body.encode()
    # a rotated secret signs the next attempt
    old = endpoint.secret
    rotated = webhook_endpoint_rotate_secret(actor=merchant, endpoint_id=endpoint.pk)
    assert rotated.secret != old and rotated.secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    second = receiver.requests[1]
    ts = second.headers["X-Tousu-Timestamp"]
    mac = hmac.new(rotated.secret.encode(), ts.encode() + b"." + second.body, hashlib.sha256)
    assert second.headers["X-Tousu-Signature"] == f"v1={mac.hexdigest()}"


def test_sla_due_soon_once_per_deadline_and_overdue(
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    company: Company,
    moderator: User,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(company, accept_by=moderator)
        assert webhooks_sla_due_soon() == 0  # five working days ahead
    due = complaint.reply_due_at
    assert due is not None
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(due - timedelta(hours=2)), capture(execute=True):
        assert webhooks_sla_due_soon() == 1
        assert webhooks_sla_due_soon() == 0
    with time_machine.travel(due + timedelta(minutes=5)), capture(execute=True):
        assert services.sla_sweep()["overdue"] == 1
    assert event_types(receiver) == [E.COMPLAINT_ASSIGNED, E.SLA_DUE_SOON, E.SLA_OVERDUE]
    due_soon = receiver.requests[1].json
    assert due_soon["data"]["complaint"]["reply_due_at"] == due.isoformat()


def test_failed_attempts_retry_with_exponential_backoff_then_give_up(
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.default = 500
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    seen_delays = []
    with time_machine.travel(start, tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.state) == (1, DeliveryState.PENDING)
        for _ in range(7):
            assert delivery.next_attempt_at is not None
            due = delivery.next_attempt_at
            seen_delays.append(int((due - datetime.now(UTC)).total_seconds()))
            traveller.move_to(due - timedelta(seconds=1))
            with django_capture_on_commit_callbacks(execute=True):
                assert webhook_retries()["dispatched"] == 0  # not yet
            traveller.move_to(due)
            with django_capture_on_commit_callbacks(execute=True):
                assert webhook_retries()["dispatched"] == 1
            delivery.refresh_from_db()
    # 60 s × 4^(n-1), at most 12 hours
    assert seen_delays == [60, 240, 960, 3840, 15360, 43200, 43200]
    assert (delivery.attempts, delivery.state) == (8, DeliveryState.FAILED)
    assert delivery.next_attempt_at is None and delivery.last_status_code == 500
    log = list(delivery.attempt_log.values_list("number", "response_status", "error"))
    assert log == [(n, 500, "HTTP 500") for n in range(1, 9)]
    assert len(receiver.requests) == 8
    # each attempt is signed afresh: its own timestamp
    stamps = [int(r.headers["X-Tousu-Timestamp"]) for r in receiver.requests]
    assert stamps == sorted(stamps) and len(set(stamps)) == 8
    with time_machine.travel(start + timedelta(days=30)):
        assert webhook_retries()["due"] == 0  # given up


def test_an_endpoint_is_disabled_after_consecutive_failures_with_a_notice(
    settings: Any,
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    company: Company,
    make_user: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TOUSU = {**settings.TOUSU, "WEBHOOK_DISABLE_AFTER_FAILURES": 3}
    agent = make_user(Role.MERCHANT)
    company_add_member(company=company, user=agent, role=MemberRole.AGENT)

    def ping() -> WebhookDelivery:
        with django_capture_on_commit_callbacks(execute=True):
            return webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)

    receiver.statuses = [503, 503, 200]
    receiver.default = 503
    waiting = [ping(), ping()]
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 2)
    ping()  # a success resets the count
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0
    waiting += [ping(), ping()]
    endpoint.refresh_from_db()
    assert endpoint.is_active
    waiting.append(ping())  # the third failure in a row
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason.startswith("连续3次推送失败")
    notices = Notification.objects.filter(kind="webhook_disabled")
    assert [n.user_id for n in notices] == [merchant.pk]  # owners only
    assert endpoint.url in notices[0].body

    # disabled: no new deliveries, no retries
    with pytest.raises(Conflict):
        webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    later = datetime.now(UTC) + timedelta(days=1)
    assert webhook_retries(now=later)["due"] == 0
    # enabled again by an owner: the waiting deliveries go out
    receiver.default = 200
    webhook_endpoint_set_active(actor=merchant, endpoint_id=endpoint.pk, active=True)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert webhook_retries()["dispatched"] == 5
    for delivery in waiting:
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.SUCCEEDED


def test_replay_sends_the_same_event_as_a_new_delivery(
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    other_merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        original = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    with pytest.raises(PermissionDenied):
        webhook_replay(actor=other_merchant, delivery_id=original.pk)
    with django_capture_on_commit_callbacks(execute=True):
        replay = webhook_replay(actor=merchant, delivery_id=original.pk)
    replay.refresh_from_db()
    assert replay.state == DeliveryState.SUCCEEDED and replay.replay_of_id == original.pk
    assert replay.event_id == original.event_id and replay.delivery_id != original.delivery_id
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["X-Tousu-Event-Id"] == second.headers["X-Tousu-Event-Id"]
    assert first.headers["X-Tousu-Delivery"] != second.headers["X-Tousu-Delivery"]


def test_a_delivery_is_sent_once_when_dispatched_twice(
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Tasks go to the database queue here: the test plays the worker."""
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert DBTaskResult.objects.filter(task_path__endswith="deliver_webhook").count() == 1
    token = str(delivery.lease_token)
    assert webhook_claim(delivery.pk) is None  # already claimed
    assert webhook_retries()["dispatched"] == 0  # its lease is running
    assert webhook_send(delivery.pk, "not-the-token") == "skipped"
    assert webhook_send(delivery.pk, token) == "succeeded"
    assert webhook_send(delivery.pk, token) == "skipped"
    assert len(receiver.requests) == 1


def test_an_attempt_lost_with_its_worker_is_retried_after_the_lease(
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    lost_token = str(delivery.lease_token)
    later = datetime.now(UTC) + timedelta(seconds=301)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert webhook_retries()["dispatched"] == 1
    delivery.refresh_from_db()
    assert str(delivery.lease_token) != lost_token
    assert webhook_send(delivery.pk, lost_token) == "skipped"
    assert webhook_send(delivery.pk, str(delivery.lease_token)) == "succeeded"
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    receiver.default = 302
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert len(receiver.requests) == 1
    assert delivery.state == DeliveryState.PENDING and delivery.last_status_code == 302
    assert delivery.last_error == (
        "redirect to http://169.254.169.254/latest/meta-data/ not followed"
    )


# --- SSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/tousu",  # plain http
        "ftp://hooks.example.com/tousu",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10:8443/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",  # shared address space (carrier NAT, cloud metadata)
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://erp.localhost/hook",
        "https://printer.local/hook",
        "https://user:secret@hooks.example.com/tousu",
        "https://hooks.example.com/tousu#frag",
        "not a url",
    ],
)
def test_receiver_urls_that_are_refused(merchant: User, company: Company, url: str) -> None:
    with pytest.raises(ValidationFailed):
        webhook_endpoint_create(
            actor=merchant, company_id=company.pk, url=url, event_types=ALL
        )
    assert not WebhookEndpoint.objects.exists()


def test_a_public_https_url_is_accepted(merchant: User, company: Company) -> None:
    endpoint = webhook_endpoint_create(
        actor=merchant,
        company_id=company.pk,
        url="https://hooks.example.com:8443/tousu?c=1",
        event_types=[E.SLA_OVERDUE],
    )
    assert endpoint.secret.startswith("whsec_") and endpoint.is_active


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_addresses_are_refused_when_connecting(
    settings: Any,
    inline_tasks: None,
    endpoint: WebhookEndpoint,
    receiver: Any,
    merchant: User,
    host: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A URL saved while private addresses were allowed (or a name that resolves to one later,
    as with DNS rebinding) is refused where the connection is made."""
    endpoint.url = receiver.url.replace("127.0.0.1", host)
    endpoint.save()
    settings.TOUSU = {**settings.TOUSU, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert receiver.requests == []
    assert delivery.state == DeliveryState.PENDING and delivery.last_status_code is None
    assert f"refused: {host} resolves to a non-public address" in delivery.last_error


def test_only_owners_manage_endpoints(
    make_user: Callable[..., User],
    merchant: User,
    company: Company,
    other_merchant: User,
    endpoint: WebhookEndpoint,
) -> None:
    agent = make_user(Role.MERCHANT)
    company_add_member(company=company, user=agent, role=MemberRole.AGENT)
    for actor in (agent, other_merchant):
        with pytest.raises(PermissionDenied):
            webhook_endpoint_create(
                actor=actor, company_id=company.pk, url="https://a.example.com/", event_types=ALL
            )
        with pytest.raises(PermissionDenied):
            webhook_endpoint_set_active(actor=actor, endpoint_id=endpoint.pk, active=False)
        with pytest.raises(PermissionDenied):
            webhook_send_test(actor=actor, endpoint_id=endpoint.pk)
    endpoint.refresh_from_db()
    assert endpoint.is_active
