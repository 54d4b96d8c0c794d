"""Timeline messages (follow-ups, merchant replies, rating comments) as redaction targets: rows
written with the message, a public copy derived from them, staff revert and add (service, API,
console), the author told, the public page cache invalidated, and bad input changing nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind
from tousu.engagement.models import Notification
from tousu.engagement.services import notify_for_event
from tousu.privacy import services as privacy
from tousu.privacy.models import MessageCopy, Redaction

pytestmark = pytest.mark.django_db

REPLY = "已致电13912345678，请留意，经办人工号A778"
FOLLOW_UP = "我的新号码13698765432，白天可联系"


def _reply(complaint: Complaint, merchant: User, text: str = REPLY) -> ComplaintEvent:
    services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message=text)
    return ComplaintEvent.objects.filter(complaint=complaint, message=text).latest("id")


def _public_api(number: str) -> str:
    body = Client().get(f"/api/v1/complaints/{number}").json()
    return json.dumps(body, ensure_ascii=False)


def _public_page(number: str) -> str:
    return Client().get(f"/complaints/{number}/").content.decode()


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _state() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    return (
        list(Redaction.objects.order_by("id").values()),
        list(MessageCopy.objects.order_by("event_id").values()),
        ComplaintEvent.objects.count(),
    )


def test_a_reply_is_stored_with_its_redaction_rows_and_public_copy(
    public_pii: Complaint, merchant: User
) -> None:
    event = _reply(public_pii, merchant)
    rows = list(Redaction.objects.filter(event=event))
    assert [(r.field, r.kind, r.rule, r.original, r.automatic) for r in rows] == [
        ("message", "mobile", "auto:mobile", "13912345678", True)
    ]
    assert rows[0].complaint_id == public_pii.pk
    copy = MessageCopy.objects.get(event=event)
    assert copy.message == "已致电139****5678，请留意，经办人工号A778"
    # the complaint's own redactions are not mixed with the message's
    assert not Redaction.objects.filter(
        complaint=public_pii, field__in=["title", "details"]
    ).filter(event__isnull=False)


def test_every_public_path_shows_the_copy_and_the_parties_the_original(
    public_pii: Complaint, consumer: User, merchant: User, moderator: User
) -> None:
    _reply(public_pii, merchant)
    services.complaint_follow_up(complaint_id=public_pii.pk, actor=consumer, message=FOLLOW_UP)
    number = public_pii.public_number
    for text in (_public_api(number), _public_page(number)):
        assert "139****5678" in text and "136****5432" in text
        assert "13912345678" not in text and "13698765432" not in text
    for user in (consumer, merchant, moderator):
        own = json.dumps(_as(user).get(f"/api/v1/complaints/{number}").json(), ensure_ascii=False)
        assert "13912345678" in own and "13698765432" in own


def test_the_public_copy_comes_from_the_rows_not_the_detectors(
    public_pii: Complaint, merchant: User
) -> None:
    event = _reply(public_pii, merchant)
    # a row changed behind the services: the public reads what the stored copy says
    MessageCopy.objects.filter(event=event).update(message="（已由存储的公开版本替换）")
    assert "（已由存储的公开版本替换）" in _public_api(public_pii.public_number)


def test_staff_revert_shows_the_value_at_once_and_tells_the_author(
    public_pii: Complaint,
    merchant: User,
    moderator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    event = _reply(public_pii, merchant)
    number = public_pii.public_number
    assert "13912345678" not in _public_page(number)  # rendered (and cached) before the change
    row = Redaction.objects.get(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.message_redaction_revert(
            complaint_id=public_pii.pk, event_id=event.pk, redaction_id=row.pk, actor=moderator
        )
    row.refresh_from_db()
    assert row.reverted_by == moderator and row.reverted_at is not None
    assert MessageCopy.objects.get(event=event).message == REPLY
    assert "13912345678" in _public_page(number)  # the page cache was invalidated
    assert "13912345678" in _public_api(number)
    audit = ComplaintEvent.objects.get(complaint=public_pii, kind=EventKind.REDACTED)
    assert audit.is_public is False and audit.actor == moderator
    assert audit.payload == {
        "event": event.pk,
        "author": merchant.pk,
        "field": "message",
        "redaction": row.pk,
        "change": "revert",
        "kind": "mobile",
    }
    notify_for_event(audit.pk)
    told = list(Notification.objects.filter(event=audit).values_list("user_id", "title"))
    assert told == [(merchant.pk, "平台调整了您留言公开内容中的个人信息隐藏")]


def test_staff_add_hides_every_occurrence_and_tells_the_consumer_who_wrote_it(
    public_pii: Complaint, consumer: User, moderator: User
) -> None:
    services.complaint_follow_up(
        complaint_id=public_pii.pk, actor=consumer, message="我住幸福小区，幸福小区门口等"
    )
    event = ComplaintEvent.objects.filter(complaint=public_pii, actor=consumer).latest("id")
    created = privacy.message_redaction_add(
        complaint_id=public_pii.pk, event_id=event.pk, actor=moderator, text="幸福小区"
    )
    assert [(r.start, r.end, r.rule, r.created_by) for r in created] == [
        (2, 6, "staff", moderator),
        (7, 11, "staff", moderator),
    ]
    assert "幸福小区" not in _public_api(public_pii.public_number)
    assert "幸福小区" not in _public_page(public_pii.public_number)
    audit = ComplaintEvent.objects.get(complaint=public_pii, kind=EventKind.REDACTED)
    notify_for_event(audit.pk)
    assert list(Notification.objects.filter(event=audit).values_list("user_id", flat=True)) == [
        consumer.pk
    ]
    # the console's revert (the complaint-level action) finds a message's row too
    privacy.redaction_revert(
        complaint_id=public_pii.pk, redaction_id=created[0].pk, actor=moderator
    )
    assert MessageCopy.objects.get(event=event).message == "我住幸福小区，***门口等"


def test_a_rating_comment_is_its_event_message(
    public_pii: Complaint, consumer: User, merchant: User, moderator: User
) -> None:
    _reply(public_pii, merchant, "已为您办理退款")
    services.complaint_request_completion(complaint_id=public_pii.pk, actor=merchant)
    services.complaint_confirm_completion(
        complaint_id=public_pii.pk,
        actor=consumer,
        attitude=5,
        speed=4,
        satisfaction=5,
        comment="退款已到账，有事打13712345678",
    )
    event = ComplaintEvent.objects.filter(complaint=public_pii, action="confirm").get()
    body = Client().get(f"/api/v1/complaints/{public_pii.public_number}").json()
    rated = next(e for e in body["events"] if e["id"] == event.pk)
    assert rated["rating"]["comment"] == "退款已到账，有事打137****5678"
    assert "13712345678" not in _public_page(public_pii.public_number)
    row = Redaction.objects.get(event=event)
    privacy.message_redaction_revert(
        complaint_id=public_pii.pk, event_id=event.pk, redaction_id=row.pk, actor=moderator
    )
    assert "有事打13712345678" in _public_page(public_pii.public_number)


def test_messages_written_before_are_masked_on_read_without_writes(
    public_pii: Complaint, merchant: User, moderator: User
) -> None:
    # written outside the services (as before this change, or by a bulk writer): no rows
    event = ComplaintEvent.objects.create(
        complaint=public_pii,
        kind=EventKind.REPLY,
        actor=merchant,
        actor_role="merchant",
        message="请拨打13512345678",
    )
    assert not Redaction.objects.filter(event=event).exists()
    text = _public_api(public_pii.public_number)
    assert "135****5678" in text and "13512345678" not in text
    page = _public_page(public_pii.public_number)
    assert "135****5678" in page and "13512345678" not in page
    # a public read writes nothing
    assert not Redaction.objects.filter(event=event).exists()
    assert not MessageCopy.objects.filter(event=event).exists()
    # staff acting on it makes its rows first, then applies the change
    privacy.message_redaction_add(
        complaint_id=public_pii.pk, event_id=event.pk, actor=moderator, text="请拨打"
    )
    assert Redaction.objects.filter(event=event).count() == 2  # automatic mobile + manual
    assert MessageCopy.objects.get(event=event).message.endswith("135****5678")


# --- API ----------------------------------------------------------------------------------------


def test_api_lists_adds_and_reverts(public_pii: Complaint, merchant: User, moderator: User) -> None:
    event = _reply(public_pii, merchant)
    base = f"/api/v1/complaints/{public_pii.public_number}/events/{event.pk}/redactions"
    staff = _as(moderator)
    listed = staff.get(base).json()
    assert listed["public_message"] == "已致电139****5678，请留意，经办人工号A778"
    assert [(r["kind"], r["original"], r["active"]) for r in listed["redactions"]] == [
        ("mobile", "13912345678", True)
    ]
    added = staff.post(base, {"text": "A778"}, content_type="application/json")
    assert added.status_code == 200
    assert added.json()["public_message"] == "已致电139****5678，请留意，经办人工号***"
    first = listed["redactions"][0]["id"]
    reverted = staff.post(f"{base}/{first}/revert", {}, content_type="application/json")
    assert reverted.status_code == 200
    assert reverted.json()["public_message"] == "已致电13912345678，请留意，经办人工号***"
    assert "13912345678" in _public_api(public_pii.public_number)
    again = staff.post(f"{base}/{first}/revert", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_reverted"


@pytest.mark.parametrize("who", ["consumer", "merchant", "moderator"])
def test_api_list_is_for_the_parties_and_staff(
    public_pii: Complaint, merchant: User, who: str, request: pytest.FixtureRequest
) -> None:
    event = _reply(public_pii, merchant)
    url = f"/api/v1/complaints/{public_pii.public_number}/events/{event.pk}/redactions"
    response = _as(request.getfixturevalue(who)).get(url)
    assert response.status_code == 200
    assert response.json()["redactions"][0]["original"] == "13912345678"


def test_api_list_is_hidden_from_others(
    public_pii: Complaint, merchant: User, other_consumer: User
) -> None:
    event = _reply(public_pii, merchant)
    url = f"/api/v1/complaints/{public_pii.public_number}/events/{event.pk}/redactions"
    assert Client().get(url).status_code == 401
    response = _as(other_consumer).get(url)
    assert response.status_code == 404 and response.json()["code"] == "complaint_not_found"


@pytest.mark.parametrize(
    ("who", "path", "body", "status", "code"),
    [
        ("consumer", "", {"text": "请留意"}, 403, "moderators_only"),
        ("merchant", "", {"text": "请留意"}, 403, "moderators_only"),
        ("merchant", "/{row}/revert", {}, 403, "moderators_only"),
        ("moderator", "", {"text": "不存在的文字"}, 422, "text_not_found"),
        ("moderator", "", {"text": " "}, 422, "text_required"),
        ("moderator", "", {"start": 5, "end": 500}, 422, "invalid_span"),
        ("moderator", "", {"start": 6, "end": 2}, 422, "invalid_span"),
        ("moderator", "/999999/revert", {}, 404, "redaction_not_found"),
        ("moderator", "/{other}/revert", {}, 404, "redaction_not_found"),
    ],
)
def test_api_bad_input_changes_nothing(
    public_pii: Complaint,
    merchant: User,
    who: str,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
    request: pytest.FixtureRequest,
) -> None:
    event = _reply(public_pii, merchant)
    row = Redaction.objects.get(event=event)
    other = Redaction.objects.filter(complaint=public_pii, event__isnull=True).first()
    assert other is not None  # a row of the complaint text is not a row of this message
    url = f"/api/v1/complaints/{public_pii.public_number}/events/{event.pk}/redactions"
    url += path.format(row=row.pk, other=other.pk)
    before = _state()
    response = _as(request.getfixturevalue(who)).post(url, body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["code"] == code
    assert _state() == before


def test_api_unknown_or_private_event_is_404(public_pii: Complaint, moderator: User) -> None:
    submitted = ComplaintEvent.objects.filter(complaint=public_pii).order_by("id").first()
    assert submitted is not None
    base = f"/api/v1/complaints/{public_pii.public_number}/events"
    staff = _as(moderator)
    for event_id in (999999, submitted.pk):  # no such entry; an entry with no public message
        before = _state()
        got = staff.get(f"{base}/{event_id}/redactions")
        posted = staff.post(
            f"{base}/{event_id}/redactions", {"text": "x"}, content_type="application/json"
        )
        for response in (got, posted):
            assert response.status_code == 404
            assert response.json()["code"] == "message_not_found"
        assert _state() == before


# --- the moderation console ---------------------------------------------------------------


def test_console_lists_adds_and_reverts_message_redactions(
    public_pii: Complaint, merchant: User, moderator: User
) -> None:
    event = _reply(public_pii, merchant)
    page_url = f"/moderation/complaints/{public_pii.public_number}/"
    staff = _as(moderator)
    page = staff.get(page_url).content.decode()
    assert 'id="message-redactions"' in page and "13912345678" in page
    added = staff.post(page_url, {"op": "redact_message", "event": event.pk, "text": "A778"})
    assert added.status_code == 302
    assert MessageCopy.objects.get(event=event).message.endswith("工号***")
    row = Redaction.objects.get(event=event, kind="mobile")
    reverted = staff.post(page_url, {"op": "unredact", "redaction": row.pk})
    assert reverted.status_code == 302
    assert "13912345678" in _public_page(public_pii.public_number)
    before = _state()
    bad = staff.post(page_url, {"op": "redact_message", "event": event.pk, "text": "没有的字"})
    assert bad.status_code == 422 and "留言中找不到这段文字" in bad.content.decode()
    assert _state() == before
    assert (
        _as(merchant).post(page_url, {"op": "redact_message", "event": event.pk}).status_code == 403
    )
