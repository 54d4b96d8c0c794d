"""Flags, contests, decisions and appeals through the services."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.complaints import services as complaint_services
from tousu.complaints.evidence import prepare_file
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind, Visibility
from tousu.disputes import services
from tousu.disputes.models import Appeal, Contest, Flag
from tousu.engagement.models import Notification

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def dispute_notes(user: User) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind="dispute"))


# --- flags ------------------------------------------------------------------------------------


def test_anyone_signed_in_flags_a_public_complaint_once(
    complaint: Complaint, other_consumer: User
) -> None:
    flag = services.flag_create(
        user=other_consumer,
        public_number=complaint.public_number,
        reason="privacy",
        text="有手机号",
    )
    assert flag.state == "open" and flag.complaint_id == complaint.pk
    with pytest.raises(Conflict):
        services.flag_create(
            user=other_consumer, public_number=complaint.public_number, reason="spam"
        )
    assert Flag.objects.count() == 1


def test_flag_needs_sign_in_a_reason_and_a_public_complaint(
    complaint: Complaint, other_consumer: User, consumer: User, company: object
) -> None:
    with pytest.raises(PermissionDenied):
        services.flag_create(user=None, public_number=complaint.public_number, reason="spam")
    with pytest.raises(ValidationFailed):
        services.flag_create(
            user=other_consumer, public_number=complaint.public_number, reason="nonsense"
        )
    with pytest.raises(ValidationFailed):  # "other" needs a text
        services.flag_create(
            user=other_consumer, public_number=complaint.public_number, reason="other"
        )
    with pytest.raises(ValidationFailed):
        services.flag_create(
            user=other_consumer,
            public_number=complaint.public_number,
            reason="spam",
            text="长" * 501,
        )
    pending, _ = complaint_services.complaint_submit(
        consumer=consumer,
        data=complaint_services.ComplaintInput(
            title="快递丢件不赔偿",
            details="快递丢失，客服一直推诿，不给赔偿。",
            company_id=complaint.company_id,
            problem_types=["delivery"],
            demands=["compensation"],
        ),
    )
    with pytest.raises(NotFound):  # still under review: not public
        services.flag_create(
            user=other_consumer, public_number=pending.public_number, reason="spam"
        )
    assert not Flag.objects.exists()


# --- contests ---------------------------------------------------------------------------------


def test_a_company_member_contests_with_evidence(complaint: Complaint, merchant: User) -> None:
    contest = services.contest_create(
        user=merchant,
        public_number=complaint.public_number,
        reason="not_customer",
        text="查无此订单",
        files=[prepare_file(png_bytes(), "orders.png")],
    )
    assert contest.company_id == complaint.company_id
    row = contest.evidence.get()
    assert row.kind == "image" and row.file.read()[:4] == b"\x89PNG"
    with pytest.raises(Conflict):  # one open contest per complaint
        services.contest_create(
            user=merchant, public_number=complaint.public_number, reason="fake", text="虚假"
        )


def test_only_members_contest_and_only_accepted_complaints(
    complaint: Complaint,
    other_merchant: User,
    other_consumer: User,
    moderator: User,
    merchant: User,
    consumer: User,
) -> None:
    for user in (other_merchant, other_consumer, moderator):
        with pytest.raises(PermissionDenied):
            services.contest_create(
                user=user, public_number=complaint.public_number, reason="fake", text="虚假"
            )
    pending, _ = complaint_services.complaint_submit(
        consumer=consumer,
        data=complaint_services.ComplaintInput(
            title="快递丢件不赔偿",
            details="快递丢失，客服一直推诿，不给赔偿。",
            company_id=complaint.company_id,
            problem_types=["delivery"],
            demands=["compensation"],
        ),
    )
    with pytest.raises(Conflict):
        services.contest_create(
            user=merchant, public_number=pending.public_number, reason="fake", text="虚假"
        )
    with pytest.raises(ValidationFailed):
        services.contest_create(
            user=merchant, public_number=complaint.public_number, reason="fake", text="  "
        )
    assert not Contest.objects.exists()


# --- decisions --------------------------------------------------------------------------------


def test_upheld_privacy_flag_hides_through_the_complaint_services(
    complaint: Complaint, other_consumer: User, moderator: User, consumer: User
) -> None:
    flag = services.flag_create(
        user=other_consumer, public_number=complaint.public_number, reason="privacy"
    )
    decision = services.decide(
        moderator=moderator, kind="flag", target_id=flag.pk, outcome="upheld", reason="含手机号"
    )
    complaint.refresh_from_db()
    flag.refresh_from_db()
    assert complaint.visibility == Visibility.HIDDEN and complaint.hidden_reason == "privacy"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.HIDDEN).count() == 1
    assert decision.hid_complaint and flag.state == "upheld"
    for user in (other_consumer, consumer):
        (note,) = dispute_notes(user)
        assert note.complaint_id == complaint.pk and "含手机号" in note.body
    with pytest.raises(Conflict):  # decided already
        services.decide(
            moderator=moderator, kind="flag", target_id=flag.pk, outcome="dismissed", reason="x"
        )


def test_decisions_need_a_moderator_and_a_reason(
    complaint: Complaint, other_consumer: User, merchant: User, moderator: User
) -> None:
    flag = services.flag_create(
        user=other_consumer, public_number=complaint.public_number, reason="abuse"
    )
    with pytest.raises(PermissionDenied):
        services.decide(
            moderator=merchant, kind="flag", target_id=flag.pk, outcome="upheld", reason="x"
        )
    with pytest.raises(ValidationFailed):
        services.decide(
            moderator=moderator, kind="flag", target_id=flag.pk, outcome="upheld", reason=" "
        )
    flag.refresh_from_db()
    assert flag.state == "open" and not Notification.objects.filter(kind="dispute").exists()


def test_dismissed_flag_leaves_the_complaint_public(
    complaint: Complaint, other_consumer: User, moderator: User
) -> None:
    flag = services.flag_create(
        user=other_consumer, public_number=complaint.public_number, reason="abuse"
    )
    decision = services.decide(
        moderator=moderator,
        kind="flag",
        target_id=flag.pk,
        outcome="dismissed",
        reason="无",
    )
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.PUBLIC and not decision.hid_complaint


def test_upheld_fake_contest_hides_and_notifies_consumer_and_merchants(
    complaint: Complaint, merchant: User, consumer: User, moderator: User
) -> None:
    contest = services.contest_create(
        user=merchant, public_number=complaint.public_number, reason="fake", text="伪造截图"
    )
    services.decide(
        moderator=moderator,
        kind="contest",
        target_id=contest.pk,
        outcome="upheld",
        reason="伪造",
    )
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.HIDDEN
    assert len(dispute_notes(consumer)) == 1 and len(dispute_notes(merchant)) == 1


def test_upheld_resolved_contest_does_not_hide(
    complaint: Complaint, merchant: User, moderator: User
) -> None:
    contest = services.contest_create(
        user=merchant, public_number=complaint.public_number, reason="resolved", text="已退款"
    )
    services.decide(
        moderator=moderator, kind="contest", target_id=contest.pk, outcome="upheld", reason="属实"
    )
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.PUBLIC


# --- appeals ----------------------------------------------------------------------------------


@pytest.fixture
def hid_by_flag(complaint: Complaint, other_consumer: User, moderator: User) -> int:
    flag = services.flag_create(
        user=other_consumer, public_number=complaint.public_number, reason="privacy"
    )
    return services.decide(
        moderator=moderator, kind="flag", target_id=flag.pk, outcome="upheld", reason="含手机号"
    ).pk


def test_only_the_affected_party_appeals_and_only_once(
    hid_by_flag: int,
    consumer: User,
    merchant: User,
    make_user: Callable[..., User],
) -> None:
    stranger = make_user(Role.CONSUMER)
    for user in (stranger, merchant):
        with pytest.raises(PermissionDenied):
            services.appeal_create(user=user, decision_id=hid_by_flag, text="不服")
    appeal = services.appeal_create(user=consumer, decision_id=hid_by_flag, text="号码是客服的")
    assert appeal.state == "open"
    with pytest.raises(Conflict):
        services.appeal_create(user=consumer, decision_id=hid_by_flag, text="再次申请")
    assert Appeal.objects.count() == 1


def test_appeal_is_decided_by_another_moderator_and_unhides(
    hid_by_flag: int,
    complaint: Complaint,
    consumer: User,
    other_consumer: User,
    moderator: User,
    moderator2: User,
) -> None:
    appeal = services.appeal_create(user=consumer, decision_id=hid_by_flag, text="号码是客服的")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(
            moderator=moderator, appeal_id=appeal.pk, outcome="upheld", reason="复核"
        )
    appeal = services.appeal_decide(
        moderator=moderator2, appeal_id=appeal.pk, outcome="upheld", reason="是企业客服电话"
    )
    complaint.refresh_from_db()
    assert appeal.state == "upheld" and appeal.decided_by_id == moderator2.pk
    assert complaint.visibility == Visibility.PUBLIC
    assert ComplaintEvent.objects.filter(complaint=complaint, kind=EventKind.UNHIDDEN).exists()
    flag = Flag.objects.get()
    assert flag.state == "dismissed"
    for user in (consumer, other_consumer):
        assert any("复核结果" in n.title for n in dispute_notes(user))
    with pytest.raises(Conflict):
        services.appeal_decide(
            moderator=moderator2, appeal_id=appeal.pk, outcome="dismissed", reason="再次"
        )


def test_dismissed_appeal_keeps_the_complaint_hidden(
    hid_by_flag: int, complaint: Complaint, consumer: User, moderator2: User
) -> None:
    appeal = services.appeal_create(user=consumer, decision_id=hid_by_flag, text="不服")
    services.appeal_decide(
        moderator=moderator2, appeal_id=appeal.pk, outcome="dismissed", reason="确含个人信息"
    )
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.HIDDEN
    assert Flag.objects.get().state == "upheld"


def test_company_appeals_a_dismissed_contest_and_the_upheld_appeal_hides(
    complaint: Complaint, merchant: User, moderator: User, moderator2: User, consumer: User
) -> None:
    contest = services.contest_create(
        user=merchant, public_number=complaint.public_number, reason="defamatory", text="恶意诽谤"
    )
    decision = services.decide(
        moderator=moderator,
        kind="contest",
        target_id=contest.pk,
        outcome="dismissed",
        reason="有据",
    )
    with pytest.raises(PermissionDenied):  # the moderator is no party
        services.appeal_create(user=moderator, decision_id=decision.pk, text="x")
    appeal = services.appeal_create(user=merchant, decision_id=decision.pk, text="附判决书")
    services.appeal_decide(
        moderator=moderator2, appeal_id=appeal.pk, outcome="upheld", reason="法院已认定诽谤"
    )
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.HIDDEN
    assert Contest.objects.get().state == "upheld"
    assert any("复核结果" in n.title for n in dispute_notes(consumer))


def test_the_queue_is_for_moderators(hid_by_flag: int, consumer: User, moderator: User) -> None:
    services.appeal_create(user=consumer, decision_id=hid_by_flag, text="不服")
    with pytest.raises(PermissionDenied):
        services.open_queue(consumer)
    found = services.open_queue(moderator)
    assert len(found["appeals"]) == 1 and found["flags"] == []
