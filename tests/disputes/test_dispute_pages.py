"""The 举报 form, the merchant's 异议 form, the moderators' queue and the appeal page."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tousu.accounts.models import User
from tousu.complaints.models import Complaint, Visibility
from tousu.disputes import services
from tousu.disputes.models import Appeal, Contest, Flag
from tousu.engagement.models import Notification

pytestmark = pytest.mark.django_db


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


def test_flag_form_on_the_public_page(
    complaint: Complaint, other_consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    url = f"/complaints/{complaint.public_number}/"
    assert "data-flag-form" not in client_for(None).get(url).content.decode()
    client = client_for(other_consumer)
    page = client.get(url).content.decode()
    assert "data-flag-form" in page and "举报原因" in page and "csrfmiddlewaretoken" in page
    bad = client.post(f"{url}flag/", {"reason": "other", "text": ""}, follow=True)
    assert "请填写举报说明" in bad.content.decode() and not Flag.objects.exists()
    done = client.post(f"{url}flag/", {"reason": "privacy", "text": "有手机号"}, follow=True)
    assert "举报已提交" in done.content.decode()
    assert Flag.objects.get().reporter_id == other_consumer.pk


def test_contest_form_on_the_merchant_page(
    complaint: Complaint, merchant: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(merchant)
    url = f"/merchant/complaints/{complaint.public_number}/"
    page = client.get(url).content.decode()
    assert 'id="contest-form"' in page and "申诉/异议" in page
    resp = client.post(
        f"{url}contest/",
        {
            "reason": "not_customer",
            "text": "查无此订单",
            "evidence": SimpleUploadedFile("orders.png", png(), content_type="image/png"),
        },
        follow=True,
    )
    assert "异议已提交" in resp.content.decode() and "data-contest-open" in resp.content.decode()
    assert Contest.objects.get().evidence.count() == 1


def test_moderator_queue_decides_with_a_reason(
    complaint: Complaint,
    other_consumer: User,
    moderator: User,
    consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    flag = services.flag_create(
        user=other_consumer, public_number=complaint.public_number, reason="privacy"
    )
    assert client_for(consumer).get("/moderation/disputes/").status_code == 403
    client = client_for(moderator)
    page = client.get("/moderation/disputes/").content.decode()
    assert f'data-flag="{flag.pk}"' in page and "处理理由" in page
    url = f"/moderation/disputes/flag/{flag.pk}/decide/"
    missing = client.post(url, {"outcome": "upheld", "reason": ""}, follow=True)
    assert "请填写处理理由" in missing.content.decode()
    client.post(url, {"outcome": "upheld", "reason": "含手机号"})
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.HIDDEN
    assert Notification.objects.filter(user=consumer, kind="dispute").count() == 1


def test_appeal_page_for_the_affected_party(
    complaint: Complaint,
    other_consumer: User,
    moderator: User,
    moderator2: User,
    consumer: User,
    merchant: User,
    client_for: Callable[[User | None], Client],
) -> None:
    flag = services.flag_create(
        user=other_consumer, public_number=complaint.public_number, reason="abuse"
    )
    decision = services.decide(
        moderator=moderator, kind="flag", target_id=flag.pk, outcome="upheld", reason="辱骂"
    )
    url = f"/disputes/decisions/{decision.pk}/appeal/"
    note = Notification.objects.get(user=consumer, kind="dispute")
    assert url in note.body
    assert client_for(merchant).get(url).status_code == 403
    client = client_for(consumer)
    assert 'id="appeal-form"' in client.get(url).content.decode()
    assert client.post(url, {"text": " "}).status_code == 422
    client.post(url, {"text": "只是陈述事实"})
    appeal = Appeal.objects.get()
    assert 'data-appeal-state="open"' in client.get(url).content.decode()
    # the other moderator decides it in the queue; the first one is not offered the form
    queue = client_for(moderator).get("/moderation/disputes/").content.decode()
    assert "须由另一位审核员复核" in queue
    client_for(moderator2).post(
        f"/moderation/appeals/{appeal.pk}/decide/", {"outcome": "upheld", "reason": "无辱骂"}
    )
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.PUBLIC
