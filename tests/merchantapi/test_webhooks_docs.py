"""The example receiver of docs/webhooks.md, run as written, against a real delivery.

The two Python blocks of the document are executed; the receiver class they define serves on
a local port in a thread, and Tousu delivers to it through the worker's code path (claim, sign,
POST). The receiver must accept the genuine delivery and refuse one signed with another secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from merchantapi_helpers import start_server

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.merchants.models import DeliveryState, WebhookDelivery, WebhookEventType
from tousu.merchants.webhooks import webhook_endpoint_create, webhook_send_test

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def doc_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def documented_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("TOUSU_WEBHOOK_SECRET", "placeholder")
    namespace: dict[str, Any] = {"__name__": "tousu_webhook_example"}
    blocks = doc_blocks()
    assert len(blocks) == 2, "docs/webhooks.md should hold the verifier and the receiver"
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    server, base = start_server(namespace["TousuWebhook"])
    namespace["url"] = f"{base}/tousu"
    yield namespace
    server.shutdown()
    server.server_close()


def test_the_documented_receiver_accepts_a_real_delivery(
    local_webhooks: None,
    inline_tasks: None,
    documented_receiver: dict[str, Any],
    merchant: User,
    company: Company,
    django_capture_on_commit_callbacks: Any,
) -> None:
    endpoint = webhook_endpoint_create(
        actor=merchant,
        company_id=company.pk,
        url=documented_receiver["url"],
        event_types=[WebhookEventType.COMPLAINT_ASSIGNED],
    )
    documented_receiver["SECRET"] = endpoint.secret  # what the admin copies from the console
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SUCCEEDED
    attempt = delivery.attempt_log.get()
    assert attempt.response_status == 204  # the receiver's answer to a valid signature
    assert documented_receiver["seen_events"] == {str(delivery.event_id)}

    # the same event signed with another secret: the receiver refuses it, Tousu will retry
    documented_receiver["SECRET"] = "whsec_not-the-right-one"
    with django_capture_on_commit_callbacks(execute=True):
        second = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    second.refresh_from_db()
    assert second.state == DeliveryState.PENDING
    assert second.attempt_log.get().response_status == 401
    assert str(second.event_id) not in documented_receiver["seen_events"]
    assert WebhookDelivery.objects.count() == 2


def test_the_documented_verifier_refuses_old_and_tampered_requests(
    documented_receiver: dict[str, Any],
) -> None:
    from tousu.merchants.webhooks import sign

    verify = documented_receiver["verify_signature"]
    body = b'{"id":"x","type":"ping"}'
    headers = {"X-Tousu-Timestamp": "1700000000", "X-Tousu-Signature": sign("s", 1700000000, body)}
    assert verify("s", headers, body, now=1700000100)
    assert not verify("s", headers, body, now=1700000000 + 301)  # too old
    assert not verify("s", headers, body + b" ", now=1700000100)  # body changed
    assert not verify("t", headers, body, now=1700000100)  # other secret
    assert not verify("s", {**headers, "X-Tousu-Timestamp": "1700000001"}, body, now=1700000100)
