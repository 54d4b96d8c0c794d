"""Moderators correct a complaint's problem types (issue 5 §6): on the review page and through
the staff API; validated, audited on the timeline, the metric counters follow; a refused request
changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.metrics.models import CompanyProblem, ComplaintMetric, SubmissionDay

pytestmark = pytest.mark.django_db


def counters(company: Company) -> dict[str, Any]:
    return {
        "company": {
            r.problem_type: r.valid
            for r in CompanyProblem.objects.filter(company=company).exclude(valid=0)
        },
        "submitted": {
            (s.key, s.day): s.submitted
            for s in SubmissionDay.objects.filter(kind="problem").exclude(submitted=0)
        },
        "rows": {r.pk: sorted(r.problem_types) for r in ComplaintMetric.objects.all()},
    }


def state(complaint: Complaint) -> tuple[Any, ...]:
    complaint.refresh_from_db()
    return (
        list(complaint.problem_types),
        ComplaintEvent.objects.filter(complaint=complaint).count(),
    )


@pytest.fixture
def accepted(submit: Callable[..., Complaint], moderator: User, merchant: User) -> Complaint:
    complaint = submit()
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    return complaint


def test_moderator_changes_problem_types_through_the_api(
    accepted: Complaint, moderator: User, company: Company, client_for: Callable[..., Client]
) -> None:
    before = counters(company)
    assert before["company"] == {"refund_difficult": 1}
    [(_, day)] = before["submitted"]  # the submission's local day

    resp = client_for(moderator).post(
        f"/api/v1/complaints/{accepted.public_number}/problem-types",
        {"problem_types": ["false_advertising", "quality"], "note": "内容是宣传不符"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["problem_types"] == ["false_advertising", "quality"]
    accepted.refresh_from_db()
    assert accepted.problem_types == ["false_advertising", "quality"]

    event = ComplaintEvent.objects.filter(complaint=accepted).latest("id")
    assert (event.kind, event.actor_id, event.actor_role, event.is_public) == (
        "problem_types",
        moderator.pk,
        "moderator",
        False,
    )
    assert event.payload == {"from": ["refund_difficult"], "to": ["false_advertising", "quality"]}
    assert event.message == "投诉问题：退款难 → 虚假宣传、质量问题。内容是宣传不符"

    # the counters moved in the same transaction, and a rebuild agrees
    after = counters(company)
    assert after["company"] == {"false_advertising": 1, "quality": 1}
    assert after["rows"][accepted.pk] == ["false_advertising", "quality"]
    assert ("refund_difficult", day) not in after["submitted"]
    assert after["submitted"][("quality", day)] == 1
    call_command("metrics_rebuild")
    assert counters(company) == after

    # the same types again: nothing to do, no second entry
    events = ComplaintEvent.objects.filter(complaint=accepted).count()
    again = client_for(moderator).post(
        f"/api/v1/complaints/{accepted.public_number}/problem-types",
        {"problem_types": ["quality", "false_advertising"]},
        content_type="application/json",
    )
    assert again.status_code == 200
    assert ComplaintEvent.objects.filter(complaint=accepted).count() == events


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (
            {"problem_types": ["quality", "nonsense"]},
            "invalid_choice",
            "投诉问题不在可选范围内：nonsense",
        ),
        ({"problem_types": []}, "required", "请至少选择一个投诉问题"),
        ({"problem_types": ["quality"], "note": "长" * 201}, "too_long", "说明不能超过200个字"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(
    accepted: Complaint,
    moderator: User,
    company: Company,
    client_for: Callable[..., Client],
    body: dict[str, Any],
    code: str,
    message: str,
) -> None:
    before, figures = state(accepted), counters(company)
    resp = client_for(moderator).post(
        f"/api/v1/complaints/{accepted.public_number}/problem-types",
        body,
        content_type="application/json",
    )
    assert resp.status_code == 422
    assert (resp.json()["code"], resp.json()["message"]) == (code, message)
    assert state(accepted) == before and counters(company) == figures


def test_only_moderators_may_change_them(
    accepted: Complaint,
    consumer: User,
    merchant: User,
    company: Company,
    client_for: Callable[..., Client],
) -> None:
    before, figures = state(accepted), counters(company)
    for user in (consumer, merchant):
        resp = client_for(user).post(
            f"/api/v1/complaints/{accepted.public_number}/problem-types",
            {"problem_types": ["quality"]},
            content_type="application/json",
        )
        assert resp.status_code == 403 and resp.json()["code"] == "moderators_only"
        page = client_for(user).post(
            f"/moderation/complaints/{accepted.public_number}/",
            {"op": "problem_types", "problem_types": ["quality"]},
        )
        assert page.status_code == 403
    assert state(accepted) == before and counters(company) == figures


def test_review_page_form(
    submit: Callable[..., Complaint],
    moderator: User,
    company: Company,
    client_for: Callable[..., Client],
) -> None:
    pending = submit()  # still waiting for review: the moderator corrects before deciding
    client = client_for(moderator)
    url = f"/moderation/complaints/{pending.public_number}/"
    page = client.get(url).content.decode()
    assert 'id="problem-types"' in page and "修改投诉问题" in page
    checked = [p for p in page.split("<input") if 'name="problem_types"' in p and "checked" in p]
    assert len(checked) == 1 and 'value="refund_difficult"' in checked[0]

    bad = client.post(url, {"op": "problem_types", "problem_types": ["quality", "bogus"]})
    assert bad.status_code == 422
    assert "投诉问题不在可选范围内" in bad.content.decode()
    none = client.post(url, {"op": "problem_types"})
    assert none.status_code == 422 and "请至少选择一个投诉问题" in none.content.decode()
    assert state(pending)[0] == ["refund_difficult"]

    ok = client.post(
        url, {"op": "problem_types", "problem_types": ["delivery"], "note": "送餐问题"}
    )
    assert ok.status_code == 302
    assert state(pending)[0] == ["delivery"]
    page = client.get(url).content.decode()
    assert "修改问题类型" in page and "投诉问题：退款难 → 未按约定发货/送达。送餐问题" in page
    # accepted afterwards: counted under the corrected type only
    services.complaint_accept(complaint_id=pending.pk, actor=moderator)
    assert counters(company)["company"] == {"delivery": 1}
