"""Redaction rows and public copies of timeline messages that were written without them (bulk
writers, messages from before ADR 0012's amendment, imports): ``tousu privacy-backfill`` and
the importers make them, with spans into the message, idempotently."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tousu.accounts.models import User
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.imports.services import import_file
from tousu.privacy import services as privacy
from tousu.privacy.models import MessageCopy, Redaction

pytestmark = pytest.mark.django_db

REPLY = "已致电13912345678，请留意，经办人工号A778"
FOLLOW_UP = "我的新号码13698765432，邮箱 wang.xiaoming@example.com 也可以"
BULK = "商家答复：联系人：王小明，电话13812345678"


def _public_api(number: str) -> str:
    return json.dumps(Client().get(f"/api/v1/complaints/{number}").json(), ensure_ascii=False)


def _message_state() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    rows = list(
        Redaction.objects.filter(event__isnull=False)
        .order_by("id")
        .values_list("id", "event_id", "start", "end", "kind", "mask", "reverted_at")
    )
    copies = list(MessageCopy.objects.order_by("event_id").values_list())
    return rows, copies


def _backfill() -> str:
    out = StringIO()
    call_command("privacy_backfill", "--batch", "2", stdout=out)
    return out.getvalue()


@pytest.fixture
def bulk_messages(public_pii: Complaint, consumer: User, merchant: User) -> list[ComplaintEvent]:
    """A reply and a follow-up written through the services, then stripped of their rows and
    copies (as messages from before the amendment), and a message a bulk writer inserted
    (no listener ran), with a private entry that must get nothing."""
    services.complaint_reply(complaint_id=public_pii.pk, actor=merchant, message=REPLY)
    services.complaint_follow_up(complaint_id=public_pii.pk, actor=consumer, message=FOLLOW_UP)
    ComplaintEvent.objects.bulk_create(
        [
            ComplaintEvent(
                complaint=public_pii, kind="follow_up", actor_role="merchant", message=BULK
            ),
            ComplaintEvent(
                complaint=public_pii,
                kind="follow_up",
                actor_role="moderator",
                message="内部备注：13700001111",
                is_public=False,
            ),
        ]
    )
    Redaction.objects.filter(event__isnull=False).delete()
    MessageCopy.objects.all().delete()
    return list(
        ComplaintEvent.objects.filter(complaint=public_pii, is_public=True)
        .exclude(message="")
        .order_by("id")
    )


def test_the_backfill_writes_rows_with_spans_into_the_message_and_the_copy(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent]
) -> None:
    assert "public copies computed: 0 complaints, 3 messages" in _backfill()
    by_event = {e.message: e for e in bulk_messages}
    for event in bulk_messages:
        rows = list(Redaction.objects.filter(event=event).order_by("start"))
        assert rows, event.message
        for r in rows:
            assert (r.complaint_id, r.field, r.automatic) == (public_pii.pk, "message", True)
            assert event.message[r.start : r.end] == r.original
            assert r.rule == f"auto:{r.kind}"
    reply_rows = Redaction.objects.filter(event=by_event[REPLY])
    assert [(r.kind, r.original, r.start, r.end) for r in reply_rows] == [
        ("mobile", "13912345678", 3, 14)
    ]
    kinds = sorted(Redaction.objects.filter(event=by_event[BULK]).values_list("kind", flat=True))
    assert kinds == ["mobile", "name"]
    copies = dict(MessageCopy.objects.values_list("event_id", "message"))
    assert copies[by_event[REPLY].pk] == "已致电139****5678，请留意，经办人工号A778"
    assert copies[by_event[BULK].pk] == "商家答复：联系人：王**，电话138****5678"
    assert set(copies) == {e.pk for e in bulk_messages}  # the private entry has none
    # the copies are what the public read on the fly before: the same detectors
    for event in bulk_messages:
        assert copies[event.pk] == privacy.detectors.redact(event.message)
        assert MessageCopy.objects.get(event=event).source_hash == privacy.message_hash(
            event.message
        )


def test_public_reads_show_the_stored_copy_after_the_backfill(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent]
) -> None:
    _backfill()
    bulk = next(e for e in bulk_messages if e.message == BULK)
    # the public reads the stored copy (not the detectors): change it behind the services
    MessageCopy.objects.filter(event=bulk).update(message="（存储的公开版本）")
    text = _public_api(public_pii.public_number)
    assert "（存储的公开版本）" in text
    assert "13912345678" not in text and "13698765432" not in text and "13812345678" not in text


def test_running_it_again_creates_nothing(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent]
) -> None:
    _backfill()
    before = _message_state()
    assert "public copies computed: 0 complaints, 0 messages" in _backfill()
    assert _message_state() == before


def test_an_interrupted_backfill_resumes_without_duplicates(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent]
) -> None:
    # one batch committed before the interruption
    done = privacy.message_copies(
        privacy._message_candidates(ComplaintEvent.objects.all(), limit=1),
        now=public_pii.submitted_at,
    )
    assert done == 1 and MessageCopy.objects.count() == 1
    assert privacy.backfill(batch=2).messages == 2
    assert MessageCopy.objects.count() == 3
    spans = list(Redaction.objects.filter(event__isnull=False).values_list("event_id", "start"))
    assert len(spans) == len(set(spans))


def test_staff_reverts_survive_a_full_recomputation(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent], moderator: User
) -> None:
    _backfill()
    reply = next(e for e in bulk_messages if e.message == REPLY)
    row = Redaction.objects.get(event=reply)
    privacy.message_redaction_revert(
        complaint_id=public_pii.pk, event_id=reply.pk, redaction_id=row.pk, actor=moderator
    )
    assert privacy.backfill(all_=True).messages == 3
    assert MessageCopy.objects.get(event=reply).message == REPLY
    assert Redaction.objects.filter(event=reply).count() == 1  # reconciled, not added again


def test_a_stale_copy_is_recomputed(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent]
) -> None:
    _backfill()
    bulk = next(e for e in bulk_messages if e.message == BULK)
    edited = BULK.replace("13812345678", "13812340000")
    ComplaintEvent.objects.filter(pk=bulk.pk).update(message=edited)  # behind the services
    assert privacy.backfill().messages == 1
    assert MessageCopy.objects.get(event=bulk).message == "商家答复：联系人：王**，电话138****0000"
    live = Redaction.objects.filter(event=bulk, kind="mobile", superseded_at__isnull=True).get()
    assert edited[live.start : live.end] == live.original == "13812340000"


def test_skip_messages_leaves_them_to_the_on_the_fly_mask(
    public_pii: Complaint, bulk_messages: list[ComplaintEvent]
) -> None:
    out = StringIO()
    call_command("privacy_backfill", "--skip-messages", stdout=out)
    assert "0 messages" in out.getvalue() and not MessageCopy.objects.exists()


CFPB_HEADER = (
    "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,"
    "Company public response,Company,State,ZIP code,Tags,Consumer consent provided?,"
    "Submitted via,Date sent to company,Company response to consumer,Timely response?,"
    "Consumer disputed?,Complaint ID"
)
CFPB_REPLY = "We called the consumer at 13912345678 and refunded the fee."


def _cfpb(tmp_path: Path) -> Path:
    path = tmp_path / "cfpb-messages.csv"
    path.write_text(
        CFPB_HEADER
        + "\n"
        + (
            "2023/3/22,Credit card,General-purpose credit card,Fees or interest,"
            "Unexpected fee,The bank charged an annual fee it never disclosed to me.,"
            f'"{CFPB_REPLY}",EXAMPLE BANK,CA,940XX,,Consent provided,Web,2023/3/23,'
            "Closed with monetary relief,Yes,N/A,9100001\n"
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("deferred", [True, False], ids=["bulk-load", "reference-path"])
def test_imported_messages_get_rows_and_copies(tmp_path: Path, deferred: bool) -> None:
    path = _cfpb(tmp_path)
    report = import_file(format_name="cfpb", path=path, deferred=deferred)
    assert report.created == 1
    reply = ComplaintEvent.objects.get(action="reply")
    assert reply.message == CFPB_REPLY
    rows = list(Redaction.objects.filter(event=reply))
    assert [(r.kind, r.original, r.complaint_id) for r in rows] == [
        ("mobile", "13912345678", reply.complaint_id)
    ]
    assert CFPB_REPLY[rows[0].start : rows[0].end] == "13912345678"
    masked = CFPB_REPLY.replace("13912345678", "139****5678")
    assert MessageCopy.objects.get(event=reply).message == masked
    number = Complaint.objects.get(pk=reply.complaint_id).public_number
    text = _public_api(number)
    assert masked in text and "13912345678" not in text
    before = _message_state()
    assert import_file(format_name="cfpb", path=path, deferred=deferred).created == 0
    assert "0 complaints, 0 messages" in _backfill()
    assert _message_state() == before
