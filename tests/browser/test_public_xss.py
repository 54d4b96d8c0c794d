"""XSS check in a real browser: a complaint whose title, details and company name are script
payloads renders them as text on every public page, and no script runs (no dialog opens)."""

from __future__ import annotations

from typing import Any

from tousu.accounts.models import Role, User
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def evil_complaint(make_user: Any, moderator: User) -> Complaint:
    company = company_create(name=SCRIPT, brands=[IMG], aliases=["恶意测试企业"])
    consumer = make_user(Role.CONSUMER, nickname=IMG)
    complaint, _created = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title=SCRIPT,
            details=f"{IMG} 正文 {SCRIPT}",
            company_id=company.pk,
            brand_id=company.brands.get().pk,
            problem_types=["other"],
            problem_other=IMG,
            demands=["refund"],
            show_nickname=True,
        ),
    )
    return services.complaint_accept(complaint_id=complaint.pk, actor=moderator)


def watch_dialogs(page: Any) -> list[str]:
    fired: list[str] = []

    def on_dialog(dialog: Any) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return fired


def test_script_payloads_render_as_text(page: Any, make_user: Any, moderator: User) -> None:
    complaint = evil_complaint(make_user, moderator)
    fired = watch_dialogs(page)

    page.goto(f"/complaints/{complaint.public_number}/")
    assert page.locator("h1").inner_text() == SCRIPT
    assert IMG in page.locator(".details").inner_text()
    facts = page.locator(".facts").first.inner_text()
    assert SCRIPT in facts and IMG in facts  # company name, brand, free-text problem, nickname
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("main script").count() == 0

    company_id = complaint.company_id
    for address in ("/", "/complaints/", f"/companies/{company_id}/", "/companies/?q=script"):
        page.goto(address)
        assert SCRIPT in page.locator("main").inner_text(), address
        assert page.locator("img[src='x']").count() == 0, address

    # the typeahead swaps in an htmx fragment: still text
    page.goto("/companies/")
    page.get_by_label("企业名称、别名或品牌").press_sequentially("恶意测试")
    suggestion = page.locator("#company-suggestions a").first
    suggestion.wait_for()
    assert suggestion.inner_text() == SCRIPT
    assert page.locator("img[src='x']").count() == 0

    page.wait_for_timeout(300)  # give a stray onerror handler time to fire
    assert fired == []
