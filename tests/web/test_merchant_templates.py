"""Reply templates /merchant/templates/: per company, editable by owners and agents."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_merchant_helpers import logged_in, text

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member
from tousu.engagement.models import ReplyTemplate
from tousu.engagement.reply_templates import reply_template_save

pytestmark = pytest.mark.django_db
URL = "/merchant/templates/"


def test_create_edit_and_delete(merchant: User, company: Company) -> None:
    client = logged_in(merchant)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"company": company.pk, "name": "退款", "body": "已退款"})
    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    assert (template.company, template.created_by, template.body) == (company, merchant, "已退款")
    page = text(client.get(f"{URL}?edit={template.pk}"))
    assert 'name="template_id"' in page and "已退款</textarea>" in page
    client.post(
        URL, {"template_id": template.pk, "company": company.pk, "name": "退款", "body": "新内容"}
    )
    template.refresh_from_db()
    assert template.body == "新内容"
    client.post(URL, {"op": "delete", "template_id": template.pk})
    assert not ReplyTemplate.objects.exists()


def test_names_are_unique_per_company(merchant: User, company: Company) -> None:
    client = logged_in(merchant)
    client.post(URL, {"company": company.pk, "name": "退款", "body": "一"})
    response = client.post(URL, {"company": company.pk, "name": "退款", "body": "二"})
    assert response.status_code == 422
    assert "该企业已有同名模板" in text(response)
    assert ReplyTemplate.objects.count() == 1


def test_an_empty_template_is_refused(merchant: User, company: Company) -> None:
    response = logged_in(merchant).post(URL, {"company": company.pk, "name": "空", "body": " "})
    assert response.status_code == 422
    assert not ReplyTemplate.objects.exists()


def test_viewers_read_but_do_not_edit(
    make_user: Callable[..., User], merchant: User, company: Company
) -> None:
    template = reply_template_save(actor=merchant, company_id=company.pk, name="致歉", body="抱歉")
    viewer = make_user(Role.MERCHANT)
    company_add_member(company=company, user=viewer, role=MemberRole.VIEWER)
    client = logged_in(viewer)
    page = text(client.get(URL))
    assert "致歉" in page and 'value="delete"' not in page
    response = client.post(URL, {"company": company.pk, "name": "新", "body": "内容"})
    assert response.status_code == 422  # the company is not among its choices
    assert client.post(URL, {"op": "delete", "template_id": template.pk}).status_code == 404
    assert ReplyTemplate.objects.count() == 1


def test_another_companys_templates_stay_private(
    merchant: User, company: Company, other_merchant: User, other_company: Company
) -> None:
    template = reply_template_save(
        actor=merchant, company_id=company.pk, name="内部话术", body="内部话术内容"
    )
    client = logged_in(other_merchant)
    assert "内部话术" not in text(client.get(URL))
    assert "内部话术内容" not in text(client.get(f"{URL}?edit={template.pk}"))
    assert client.post(URL, {"op": "delete", "template_id": template.pk}).status_code == 404
    response = client.post(
        URL,
        {"template_id": template.pk, "company": other_company.pk, "name": "改", "body": "改"},
    )
    assert response.status_code == 404
    template.refresh_from_db()
    assert template.body == "内部话术内容" and template.company == company
    response = client.post(URL, {"company": company.pk, "name": "偷", "body": "偷"})
    assert response.status_code == 422


def test_consumers_and_anonymous_visitors(consumer: User) -> None:
    assert logged_in(consumer).get(URL).status_code == 403
    assert logged_in(None).get(URL).status_code == 302
