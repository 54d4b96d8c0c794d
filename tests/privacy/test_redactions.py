"""Redactions as data: computed with every change in its transaction, reversible by staff, the
consumer told, kept through edits, backfilled for complaints written before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from privacy_data import DETAILS, PHONE, SECRETS, TITLE

from tousu.accounts.models import User
from tousu.common.errors import PermissionDenied, ValidationFailed
from tousu.complaints import hooks, services
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind
from tousu.engagement.models import Notification
from tousu.engagement.services import notify_for_event
from tousu.privacy import services as privacy
from tousu.privacy.models import Redaction
from tousu.privacy.selectors import public_text

pytestmark = pytest.mark.django_db


def active(complaint: Complaint) -> list[tuple[str, str, str]]:
    return [
        (r.field, r.kind, r.original)
        for r in Redaction.objects.filter(complaint=complaint)
        if r.is_active
    ]


def test_submission_writes_the_public_copy_and_one_record_per_span(
    file_pii: Callable[..., Complaint],
) -> None:
    complaint = file_pii()
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.title == TITLE and stored.details == DETAILS  # the original is kept
    assert stored.public_title == "退款难，请联系138****5678"
    for secret in SECRETS:
        assert secret not in stored.public_details
    assert "400-820-8820" in stored.public_details and "12999元" in stored.public_details
    assert sorted(active(stored)) == sorted(
        [
            ("title", "mobile", PHONE),
            ("details", "name", "王小明"),
            ("details", "mobile", PHONE),
            ("details", "address", "建国路88号3栋501室"),
            ("details", "order_number", "2023051212345678901"),
        ]
    )
    r = Redaction.objects.get(complaint=stored, field="title")
    assert (r.start, r.end, r.automatic, r.rule, r.created_by) == (7, 18, True, "auto:mobile", None)
    assert TITLE[r.start : r.end] == PHONE


def test_a_failing_listener_rolls_the_submission_back(
    file_pii: Callable[..., Complaint], monkeypatch: Any
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("detector crashed")

    monkeypatch.setattr(privacy, "refresh", boom)
    with pytest.raises(RuntimeError):
        file_pii()
    assert not Complaint.objects.exists() and not Redaction.objects.exists()


def test_resubmission_supersedes_what_was_edited_away(
    file_pii: Callable[..., Complaint], moderator: User, consumer: User
) -> None:
    complaint = file_pii()
    services.complaint_reject(complaint_id=complaint.pk, actor=moderator, reason="no_company")
    services.complaint_resubmit(
        complaint_id=complaint.pk,
        actor=consumer,
        details="补充：我的邮箱wang.xm@example.com，手机13812345678。",
    )
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.public_details == "补充：我的邮箱w***@example.com，手机138****5678。"
    assert sorted(active(stored)) == sorted(
        [
            ("title", "mobile", PHONE),
            ("details", "email", "wang.xm@example.com"),
            ("details", "mobile", PHONE),
        ]
    )
    superseded = Redaction.objects.filter(complaint=stored, superseded_at__isnull=False)
    assert {r.kind for r in superseded} == {"name", "address", "order_number"}


def test_staff_revert_shows_the_value_and_tells_the_consumer(
    public_pii: Complaint, moderator: User, consumer: User, django_capture_on_commit_callbacks: Any
) -> None:
    name = Redaction.objects.get(complaint=public_pii, kind="name")
    with django_capture_on_commit_callbacks(execute=True):
        privacy.redaction_revert(complaint_id=public_pii.pk, redaction_id=name.pk, actor=moderator)
    name.refresh_from_db()
    assert name.reverted_by == moderator and name.reverted_at is not None
    _title, details = public_text(Complaint.objects.get(pk=public_pii.pk))
    assert "我叫王小明" in details and PHONE not in details
    event = ComplaintEvent.objects.filter(complaint=public_pii, kind=EventKind.REDACTED).get()
    assert event.is_public is False and event.actor == moderator
    notify_for_event(event.pk)
    note = Notification.objects.get(event=event)
    assert note.user == consumer and "个人信息" in note.title
    # a later recomputation keeps the revert
    privacy.backfill(all_=True)
    assert "我叫王小明" in public_text(Complaint.objects.get(pk=public_pii.pk))[1]


def test_staff_add_hides_every_occurrence(public_pii: Complaint, moderator: User) -> None:
    created = privacy.redaction_add(
        complaint_id=public_pii.pk, actor=moderator, field="details", text="客服热线"
    )
    assert len(created) == 1 and created[0].automatic is False
    assert created[0].created_by == moderator and created[0].kind == "manual"
    details = public_text(Complaint.objects.get(pk=public_pii.pk))[1]
    assert "客服热线" not in details and "***400-820-8820" in details
    assert ComplaintEvent.objects.filter(complaint=public_pii, kind=EventKind.REDACTED).count() == 1
    # a span works too, and overlapping an automatic redaction widens it
    privacy.redaction_add(
        complaint_id=public_pii.pk, actor=moderator, field="title", start=0, end=3
    )
    assert public_text(Complaint.objects.get(pk=public_pii.pk))[0] == "***，请联系138****5678"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"field": "details", "text": "不存在的文字"}, "text_not_found"),
        ({"field": "details", "text": "  "}, "text_required"),
        ({"field": "details", "start": 5, "end": 2}, "invalid_span"),
        ({"field": "details", "start": 0, "end": 10_000}, "invalid_span"),
        ({"field": "owner", "text": "王小明"}, "invalid_field"),
    ],
)
def test_bad_staff_input_changes_nothing(
    public_pii: Complaint, moderator: User, kwargs: dict[str, Any], code: str
) -> None:
    before = list(Redaction.objects.values())
    with pytest.raises(ValidationFailed) as exc:
        privacy.redaction_add(complaint_id=public_pii.pk, actor=moderator, **kwargs)
    assert exc.value.code == code
    assert list(Redaction.objects.values()) == before


@pytest.mark.parametrize("who", ["consumer", "merchant", "regulator"])
def test_only_moderators_change_redactions(
    public_pii: Complaint, who: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    r = Redaction.objects.filter(complaint=public_pii).first()
    assert r is not None
    with pytest.raises(PermissionDenied):
        privacy.redaction_revert(complaint_id=public_pii.pk, redaction_id=r.pk, actor=user)
    with pytest.raises(PermissionDenied):
        privacy.redaction_add(complaint_id=public_pii.pk, actor=user, field="details", text="金额")
    r.refresh_from_db()
    assert r.reverted_at is None


def test_a_copy_never_computed_is_redacted_on_the_fly_then_backfilled(
    public_pii: Complaint,
) -> None:
    Complaint.objects.filter(pk=public_pii.pk).update(
        public_title="", public_details="", public_source_hash=""
    )
    Redaction.objects.all().delete()
    stale = Complaint.objects.get(pk=public_pii.pk)
    title, details = public_text(stale)
    assert PHONE not in title and all(s not in details for s in SECRETS)
    call_command("privacy_backfill")
    fresh = Complaint.objects.get(pk=public_pii.pk)
    assert fresh.public_source_hash and (fresh.public_title, fresh.public_details) == (
        title,
        details,
    )
    assert Redaction.objects.filter(complaint=fresh).count() == 5


def test_bulk_written_histories_get_their_copy_in_the_same_transaction(
    public_pii: Complaint,
) -> None:
    Complaint.objects.filter(pk=public_pii.pk).update(public_source_hash="")
    hooks.dispatch_bulk([public_pii.pk])
    assert privacy.is_current(Complaint.objects.get(pk=public_pii.pk))


def test_a_text_edited_outside_the_services_is_never_shown_raw(public_pii: Complaint) -> None:
    Complaint.objects.filter(pk=public_pii.pk).update(details="新的联系方式：13998765432")
    details = public_text(Complaint.objects.get(pk=public_pii.pk))[1]
    assert details == "新的联系方式：139****5432"
