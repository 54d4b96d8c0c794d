"""The evidence route of the web site: a file is served to everyone only while its complaint is
public; otherwise to its consumer, the company's merchants (after review) and staff."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from test_public_helpers import accepted, file, logged_in

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def evidence_url(complaint: Complaint, index: int = 0) -> str:
    evidence = list(complaint.evidence.order_by("id"))[index]
    return f"/complaints/{complaint.public_number}/evidence/{evidence.pk}"


def fetch(user: User | None, address: str) -> Any:
    return logged_in(user).get(address)


@pytest.fixture
def pending(consumer: User, company: Company, merchant: User) -> Complaint:
    return file(consumer, company, images=1)


@pytest.fixture
def public(pending: Complaint, moderator: User) -> Complaint:
    return accepted(pending, moderator)


def test_public_complaint_serves_its_image_to_anyone(public: Complaint) -> None:
    # the public gets an image only as its redacted copy, made by the worker (tousu.privacy.ocr)
    from tousu.privacy.models import CopyState, EvidenceCopy

    evidence = public.evidence.order_by("id").first()
    assert evidence is not None
    assert Client().get(evidence_url(public)).status_code == 404  # not yet processed
    copy = EvidenceCopy.objects.create(evidence=evidence)
    with evidence.file.open("rb") as fh:
        copy.file.save("public", ContentFile(fh.read()), save=False)
    copy.state = CopyState.DONE
    copy.save()
    resp = Client().get(evidence_url(public))
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content).startswith(PNG_MAGIC)
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Disposition"].startswith("inline;")
    assert "sandbox" in resp["Content-Security-Policy"]
    # never stored by a shared cache: the complaint may be hidden later
    assert resp["Cache-Control"].startswith("private")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("other_consumer", 404),
        ("merchant", 404),  # not before review accepts it
        ("other_merchant", 404),
        ("consumer", 200),
        ("moderator", 200),
    ],
)
def test_pending_complaint(pending: Complaint, who: str | None, status: int, request: Any) -> None:
    user = request.getfixturevalue(who) if who else None
    assert fetch(user, evidence_url(pending)).status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("other_consumer", 404),
        ("other_merchant", 404),
        ("merchant", 200),
        ("consumer", 200),
        ("moderator", 200),
    ],
)
def test_hidden_complaint(
    public: Complaint, moderator: User, who: str | None, status: int, request: Any
) -> None:
    services.complaint_hide(complaint_id=public.pk, actor=moderator, reason="privacy")
    user = request.getfixturevalue(who) if who else None
    assert fetch(user, evidence_url(public)).status_code == status


def test_rejected_complaint(pending: Complaint, moderator: User, consumer: User) -> None:
    services.complaint_reject(complaint_id=pending.pk, actor=moderator, reason="spam")
    assert Client().get(evidence_url(pending)).status_code == 404
    assert fetch(consumer, evidence_url(pending)).status_code == 200


def test_evidence_of_another_complaint_is_not_served_under_this_number(
    public: Complaint, consumer: User, company: Company, moderator: User
) -> None:
    other = accepted(file(consumer, company, images=1), moderator)
    foreign = other.evidence.get()
    resp = Client().get(f"/complaints/{public.public_number}/evidence/{foreign.pk}")
    assert resp.status_code == 404
    assert Client().get(f"/complaints/{public.public_number}/evidence/999999").status_code == 404


def test_missing_file_is_404_not_500(public: Complaint) -> None:
    evidence = public.evidence.get()
    evidence.file.storage.delete(evidence.file.name)
    assert Client().get(evidence_url(public)).status_code == 404


def test_thumbnails_link_to_the_route(public: Complaint) -> None:
    html = Client().get(f"/complaints/{public.public_number}/").content.decode()
    assert f'<img src="{evidence_url(public)}"' in html
