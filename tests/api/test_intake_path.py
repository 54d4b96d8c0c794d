"""The submission path through the API (docs/adr/0026-intake-path.md): the 201 answer is built
from the objects in hand and must say exactly what reading the complaint back says; the whole
submission stays within its query budget; the text work done before the transaction changes
nothing in what is stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tousu.complaints import hooks
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.moderation import duplicates, listeners
from tousu.moderation.features import normalise, normalised_text
from tousu.moderation.models import ScreeningResult, SignatureBand, TextSignature
from tousu.privacy import services as privacy
from tousu.privacy.models import Redaction
from tousu.search.models import SearchDocument

pytestmark = pytest.mark.django_db

# the whole POST, session authentication included (SQLite and PostgreSQL count the same)
SUBMISSION_QUERY_BUDGET = 24  # 24 today (22 before ADR 0029); 40 before ADR 0026


def png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 20)).save(out, "PNG")
    out.seek(0)
    out.name = "shot.png"
    return out


def _forget_text_work() -> None:
    for cached in (
        duplicates._signature,
        listeners.text_screening,
        privacy._detect,
        normalise,
        normalised_text,
    ):
        cached.cache_clear()


def test_the_201_answer_is_what_reading_it_back_says(
    client_for: Any, consumer: Any, company: Any, complaint_form: dict[str, Any]
) -> None:
    c = client_for(consumer)
    brand = company.brands.first()
    resp = c.post(
        "/api/v1/complaints",
        {**complaint_form, "company_id": company.pk, "brand_id": brand.pk, "evidence": [png()]},
    )
    assert resp.status_code == 201, resp.content
    filed = resp.json()
    again = c.get(f"/api/v1/complaints/{filed['public_number']}").json()
    assert filed == again
    assert len(filed["events"]) == 1 and len(filed["evidence"]) == 1
    assert filed["brand"]["id"] == brand.pk


@pytest.mark.django_db(transaction=True)  # the acceptance runs when the submission commits
def test_a_complaint_accepted_on_commit_is_answered_as_accepted(
    client_for: Any, consumer: Any, company: Any, complaint_form: dict[str, Any], settings: Any
) -> None:
    settings.TOUSU = {**settings.TOUSU, "AUTO_ACCEPT": True, "AUTO_ACCEPT_MIN_CONFIDENCE": 0.5}
    c = client_for(consumer)
    resp = c.post("/api/v1/complaints", {**complaint_form, "company_id": company.pk})
    assert resp.status_code == 201, resp.content
    filed = resp.json()
    assert filed["status"] != Status.PENDING_REVIEW
    assert filed == c.get(f"/api/v1/complaints/{filed['public_number']}").json()


def test_submission_query_budget(
    client_for: Any, consumer: Any, company: Any, complaint_form: dict[str, Any]
) -> None:
    c = client_for(consumer)
    c.post("/api/v1/complaints", {**complaint_form, "company_id": company.pk, "title": "预热一下"})
    with CaptureQueriesContext(connection) as ctx:
        resp = c.post("/api/v1/complaints", {**complaint_form, "company_id": company.pk})
    assert resp.status_code == 201, resp.content
    assert len(ctx.captured_queries) <= SUBMISSION_QUERY_BUDGET, "\n".join(
        q["sql"][:120] for q in ctx.captured_queries
    )


def _stored(complaint: Complaint) -> dict[str, Any]:
    result = ScreeningResult.objects.get(pk=complaint.pk)
    sig = TextSignature.objects.get(pk=complaint.pk)
    complaint.refresh_from_db()
    return {
        "screening": (
            result.decision,
            result.reason,
            result.confidence,
            result.top_terms,
            result.scores,
            result.suggested_sector,
            result.suggested_problem_types,
            result.has_mass_filing,
        ),
        "signature": bytes(sig.minhash),
        "bands": sorted(SignatureBand.objects.filter(complaint=complaint).values_list("key")),
        "public": (complaint.public_title, complaint.public_details),
        "redactions": sorted(
            Redaction.objects.filter(complaint=complaint).values_list("kind", "start", "end")
        ),
        "document": SearchDocument.objects.filter(complaint_id=complaint.pk).count(),
    }


def test_text_work_before_the_transaction_changes_nothing_stored(
    client_for: Any, consumer: Any, other_consumer: Any, company: Any, complaint_form: Any
) -> None:
    form = {
        **complaint_form,
        "company_id": company.pk,
        "details": "客服电话13812345678一直不接，订单退款拖了两周，要求退还58.5元。",
    }
    prepared = hooks._text_preparers[:]
    assert prepared, "moderation and privacy register their text work"
    _forget_text_work()
    resp = client_for(consumer).post("/api/v1/complaints", form)
    assert resp.status_code == 201, resp.content
    with_preparation = _stored(Complaint.objects.get(public_number=resp.json()["public_number"]))

    _forget_text_work()
    hooks._text_preparers[:] = []
    try:
        resp = client_for(other_consumer).post("/api/v1/complaints", form)
    finally:
        hooks._text_preparers[:] = prepared
    assert resp.status_code == 201, resp.content
    without = _stored(Complaint.objects.get(public_number=resp.json()["public_number"]))
    assert with_preparation == without
    assert with_preparation["redactions"], "the phone number is redacted"
    assert with_preparation["document"] == 1
