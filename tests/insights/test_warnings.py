"""Early warnings to regulators: subscriptions inside the scope, delivery in site, by e-mail
and signed webhook (to a real local receiver), idempotence, retries, notes."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.common.errors import PermissionDenied, ValidationFailed
from tousu.companies.models import Company
from tousu.engagement.models import Notification
from tousu.engagement.senders import MemorySender
from tousu.insights.models import AlertNote, AlertRegion, SurgeAlert, WarningDelivery
from tousu.insights.warnings import (
    note_add,
    subscription_create,
    warnings_deliver,
    warnings_retry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[tuple[str, str, str]]]:
    settings.TOUSU = {
        **settings.TOUSU,
        "MESSAGE_SENDER": "tousu.engagement.senders.MemorySender",
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True,
        "WEBHOOK_ALLOW_HTTP": True,
    }
    MemorySender.outbox.clear()
    yield MemorySender.outbox


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/warnings"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _regulator(phone: str, regions: list[str], sectors: list[str] | None = None,
               email: str = "") -> User:  # fmt: skip
    user = User.objects.create_user(
        phone=phone, email=email or None, password="pw-123456", role=Role.REGULATOR
    )
    RegulatorScope.objects.create(user=user, region_codes=regions, sectors=sectors or [])
    return user


@pytest.fixture
def alert(company: Company) -> SurgeAlert:
    a = SurgeAlert.objects.create(
        series_kind="company",
        series_key=str(company.pk),
        label=company.name,
        company=company,
        sector=company.sector,
        kind="runaway",
        first_day=date(2026, 6, 1),
        first_alert_day=date(2026, 6, 2),
        last_day=date(2026, 6, 2),
        observed=14,
        expected=1.2,
        threshold=6,
        peak_observed=14,
        peak_ratio=11.7,
        terms=[{"term": "跑路", "z": 5.1, "count": 9}],
    )
    AlertRegion.objects.create(alert=a, code="310115", complaints=10)
    AlertRegion.objects.create(alert=a, code="320102", complaints=4)
    return a


def test_subscriptions_stay_inside_the_scope(consumer: User) -> None:
    reg = _regulator("13922220001", ["310000"], ["local_services"])
    sub = subscription_create(user=reg, name="上海预付费", region_codes=["310100"])
    assert sub.region_codes == ["310100"] and not sub.webhook_secret
    with pytest.raises(PermissionDenied):
        subscription_create(user=reg, name="外地", region_codes=["440000"])
    with pytest.raises(PermissionDenied):
        subscription_create(user=reg, name="金融", region_codes=["310000"], sectors=["finance"])
    with pytest.raises(ValidationFailed):
        subscription_create(user=reg, name="坏代码", region_codes=["31"])
    with pytest.raises(ValidationFailed):
        subscription_create(user=reg, name="坏类型", region_codes=["310000"], kinds=["x"])
    with pytest.raises(ValidationFailed):  # https only outside development
        subscription_create(
            user=reg, name="明文", region_codes=["310000"], webhook_url="http://example.com/x"
        )
    with pytest.raises(PermissionDenied):
        subscription_create(user=consumer, name="x", region_codes=["310000"])


def test_a_new_alert_reaches_matching_subscribers_once(
    alert: SurgeAlert, outbox: list[tuple[str, str, str]], receiver: Receiver
) -> None:
    reg = _regulator("13922220002", ["310000"], email="sh@example.gov.cn")
    sub = subscription_create(
        user=reg, name="上海", region_codes=["310000"], by_email=True, webhook_url=receiver.url
    )
    runaway_only_elsewhere = _regulator("13922220003", ["440000"])
    subscription_create(user=runaway_only_elsewhere, name="广东", region_codes=["440000"])
    surge_only = _regulator("13922220004", ["320000"])
    subscription_create(user=surge_only, name="南京激增", region_codes=["320100"], kinds=["surge"])

    assert warnings_deliver(alert.pk) == 3
    note = Notification.objects.get(user=reg)
    assert "疑似跑路" in note.title and "跑路" in note.body
    assert [m[1] for m in outbox] == ["sh@example.gov.cn"]
    headers, body = receiver.requests[0]
    payload = json.loads(body)
    assert payload["alert"]["id"] == alert.pk and payload["alert"]["kind"] == "runaway"
    stamp = headers["X-Tousu-Timestamp"]
    expected = hmac.new(
        sub.webhook_secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert expected in headers["X-Tousu-Signature"]
    # not the Guangdong regulator (no complaint from there), not the surge-only subscription
    assert not Notification.objects.filter(user__in=[runaway_only_elsewhere, surge_only]).exists()
    # a second run sends nothing again
    assert warnings_deliver(alert.pk) == 0
    assert Notification.objects.filter(user=reg).count() == 1 and len(receiver.requests) == 1


def test_a_shrunk_scope_stops_delivery(alert: SurgeAlert, outbox: Any) -> None:
    reg = _regulator("13922220005", ["310000"])
    subscription_create(user=reg, name="上海", region_codes=["310000"])
    reg.regulator_scope.region_codes = ["440000"]
    reg.regulator_scope.save()
    assert warnings_deliver(alert.pk) == 0
    assert not Notification.objects.filter(user=reg).exists()


def test_failed_webhooks_are_retried_with_backoff(
    alert: SurgeAlert, outbox: Any, receiver: Receiver
) -> None:
    reg = _regulator("13922220006", ["310000"])
    subscription_create(user=reg, name="上海", region_codes=["310000"], webhook_url=receiver.url)
    receiver.status = 503
    warnings_deliver(alert.pk)
    failed = WarningDelivery.objects.get(channel="webhook")
    assert not failed.delivered and failed.attempts == 1 and "503" in failed.last_error
    assert warnings_retry() == {"retried": 0, "delivered": 0}  # too early
    receiver.status = 200
    later = timezone.now() + timedelta(minutes=11)
    assert warnings_retry(now=later) == {"retried": 1, "delivered": 1}
    failed.refresh_from_db()
    assert failed.delivered and failed.attempts == 2


def test_notes_by_those_who_may_see_the_alert(
    alert: SurgeAlert, moderator: User, consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:  # fmt: skip
    note_add(user=moderator, alert_id=alert.pk, text="已联系属地市场监管所核实")
    with pytest.raises(PermissionDenied):
        note_add(user=consumer, alert_id=alert.pk, text="x")
    with pytest.raises(ValidationFailed):
        note_add(user=moderator, alert_id=alert.pk, text="  ")
    reg = _regulator("13922220007", ["310000"])
    response = client_for(reg).post(
        f"/api/v1/insights/surges/{alert.pk}/notes",
        data={"text": "已约谈经营者"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert AlertNote.objects.filter(alert=alert).count() == 2
    detail = client_for(reg).get(f"/api/v1/insights/surges/{alert.pk}").json()
    assert [n["text"] for n in detail["notes"]] == ["已联系属地市场监管所核实", "已约谈经营者"]
    page = client_for(reg).get(f"/insights/surges/{alert.pk}/").content.decode()
    assert "已约谈经营者" in page


def test_subscription_pages_and_api(
    client_for: Callable[[User | None], Client], consumer: User
) -> None:
    reg = _regulator("13922220008", ["310000"])
    web = client_for(reg)
    page = web.get("/insights/subscriptions/")
    assert page.status_code == 200 and "310000" in page.content.decode()
    bad = web.post("/insights/subscriptions/", {"name": "外地", "regions": "440000"})
    assert bad.status_code == 400 and "不在您的监管范围内" in bad.content.decode()
    ok = web.post(
        "/insights/subscriptions/", {"name": "浦东", "regions": "310115", "kinds": ["runaway"]}
    )
    assert ok.status_code == 302
    listed = web.get("/api/v1/insights/subscriptions").json()
    assert [(s["name"], s["kinds"]) for s in listed] == [("浦东", ["runaway"])]
    created = web.post(
        "/api/v1/insights/subscriptions",
        data={"name": "全市", "region_codes": ["310000"]},
        content_type="application/json",
    )
    assert created.status_code == 201 and "webhook_secret" in created.json()
    gone = web.delete(f"/api/v1/insights/subscriptions/{created.json()['id']}")
    assert gone.status_code == 204
    assert client_for(consumer).get("/insights/subscriptions/").status_code == 403
