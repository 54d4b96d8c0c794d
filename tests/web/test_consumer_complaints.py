"""My complaints, my view of one complaint, and the actions include with its POST routes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent, Rating
from tousu.complaints.states import Status

pytestmark = pytest.mark.django_db


def html(resp: Any) -> str:
    return str(resp.content.decode())


def field_error(page: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', page, re.S)
    assert match, f"no error next to {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def action_names(page: str) -> list[str]:
    return re.findall(r'<details class="action" id="action-([a-z_]+)"', page)


@pytest.fixture
def make_complaint(
    consumer: User, company: Company, moderator: User, merchant: User
) -> Callable[..., Complaint]:
    """A complaint of ``consumer`` moved through the services to ``status``."""
    counter = iter(range(1, 1000))

    def make(status: str = Status.PENDING_REVIEW, *, by: User | None = None) -> Complaint:
        n = next(counter)
        complaint, _ = services.complaint_submit(
            consumer=by or consumer,
            data=services.ComplaintInput(
                title=f"外卖超时两小时拒绝退款{n}",
                details=f"第{n}单：6月1日点餐，超时两个小时才送到，申请退款被客服拒绝。",
                company_id=company.pk,
                problem_types=["delivery"],
                demands=["refund"],
                amount="58.50",
                order_number=f"DD{n:06d}",
            ),
        )
        pk = complaint.pk
        if status == Status.REJECTED:
            services.complaint_reject(
                complaint_id=pk, actor=moderator, reason="insufficient", message="请补充订单信息"
            )
        if status in (
            Status.PROCESSING,
            Status.REPLIED,
            Status.COMPLETION_REQUESTED,
            Status.COMPLETED,
        ):
            services.complaint_accept(complaint_id=pk, actor=moderator)
        if status in (Status.REPLIED, Status.COMPLETION_REQUESTED, Status.COMPLETED):
            services.complaint_reply(complaint_id=pk, actor=merchant, message="已为您处理退款")
        if status in (Status.COMPLETION_REQUESTED, Status.COMPLETED):
            services.complaint_request_completion(complaint_id=pk, actor=merchant)
        if status == Status.COMPLETED:
            services.complaint_confirm_completion(
                complaint_id=pk, actor=by or consumer, attitude=5, speed=4, satisfaction=5
            )
        complaint.refresh_from_db()
        assert complaint.status == status
        return complaint

    return make


@pytest.fixture
def me(consumer: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(consumer)


def act(client: Client, complaint: Complaint, action: str, **data: Any) -> Any:
    return client.post(f"/my/complaints/{complaint.public_number}/{action}/", data)


# --- my complaints ---------------------------------------------------------------------------


def test_my_complaints_needs_login() -> None:
    resp = Client().get("/my/complaints/")
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/login/?next=/my/complaints/"


def test_my_complaints_lists_only_mine_with_status_and_sla(
    me: Client, make_complaint: Callable[..., Complaint], other_consumer: User
) -> None:
    pending = make_complaint()
    processing = make_complaint(Status.PROCESSING)
    theirs = make_complaint(by=other_consumer)
    page = html(me.get("/my/complaints/"))
    assert pending.title in page and processing.title in page
    assert theirs.title not in page
    assert 'data-status="pending_review">审核中</span>' in page
    assert 'data-status="processing">处理中</span>' in page
    assert re.search(r"商家回复剩余 \d+ 个工作日|商家回复今天到期", page)
    assert re.search(r"审核剩余 \d+ 个工作日|审核今天到期", page)


def test_my_complaints_filters_by_status(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    pending = make_complaint()
    processing = make_complaint(Status.PROCESSING)
    page = html(me.get("/my/complaints/?status=processing"))
    assert processing.title in page and pending.title not in page
    page = html(me.get("/my/complaints/?status=bogus"))
    assert processing.title in page and pending.title in page


def test_an_unsent_draft_is_offered(me: Client) -> None:
    me.get("/complaints/new/")
    me.post("/complaints/new/company/", {"company_name": "某店", "op": "save"})
    assert "您有一份尚未提交的投诉草稿" in html(me.get("/my/complaints/"))


# --- my view of one complaint -------------------------------------------------------------------


def test_my_complaint_shows_private_fields_and_the_timeline(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.REPLIED)
    page = html(me.get(f"/my/complaints/{complaint.public_number}/"))
    assert complaint.order_number in page
    assert "仅商家和平台可见" in page
    assert "已为您处理退款" in page and "商家回复" in page
    assert f'href="/complaints/{complaint.public_number}/"' in page  # the public page


def test_another_consumer_gets_404_for_my_complaint(
    make_complaint: Callable[..., Complaint],
    other_consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    complaint = make_complaint(Status.PROCESSING)  # public, but not theirs
    client = client_for(other_consumer)
    assert client.get(f"/my/complaints/{complaint.public_number}/").status_code == 404
    assert client.get("/my/complaints/NOPE12345678/").status_code == 404


def test_a_rejected_complaint_shows_the_reason(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.REJECTED)
    page = html(me.get(f"/my/complaints/{complaint.public_number}/"))
    assert "未通过审核" in page and "信息不足，请补充后重新提交" in page
    assert "请补充订单信息" in page


# --- which actions are offered --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (Status.PENDING_REVIEW, ["withdraw"]),
        (Status.REJECTED, ["resubmit"]),
        (Status.PROCESSING, ["follow_up", "escalate"]),
        (Status.REPLIED, ["follow_up", "escalate"]),
        (Status.COMPLETION_REQUESTED, ["confirm", "dispute", "follow_up"]),
        (Status.COMPLETED, ["reopen"]),
    ],
)
def test_only_the_actions_allowed_now_are_offered(
    me: Client, make_complaint: Callable[..., Complaint], status: str, expected: list[str]
) -> None:
    complaint = make_complaint(status)
    page = html(me.get(f"/my/complaints/{complaint.public_number}/"))
    assert action_names(page) == expected


def test_reopen_is_not_offered_after_the_window(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.COMPLETED)
    Complaint.objects.filter(pk=complaint.pk).update(
        completed_at=timezone.now() - timedelta(days=31)
    )
    assert action_names(html(me.get(f"/my/complaints/{complaint.public_number}/"))) == []


def test_the_include_renders_nothing_for_anybody_but_the_consumer(
    make_complaint: Callable[..., Complaint], other_consumer: User, merchant: User
) -> None:
    """The public complaint page includes web/consumer/_actions.html for every visitor."""
    from django.contrib.auth.models import AnonymousUser

    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    for user in (AnonymousUser(), other_consumer, merchant):
        request = RequestFactory().get(f"/complaints/{complaint.public_number}/")
        request.user = user
        out = render_to_string(
            "web/consumer/_actions.html", {"complaint": complaint}, request=request
        )
        assert out.strip() == ""
    request = RequestFactory().get(f"/complaints/{complaint.public_number}/")
    request.user = complaint.consumer
    out = render_to_string("web/consumer/_actions.html", {"complaint": complaint}, request=request)
    assert action_names(out) == ["confirm", "dispute", "follow_up"]
    assert f'action="/my/complaints/{complaint.public_number}/confirm/"' in out
    assert f'name="next" value="/complaints/{complaint.public_number}/"' in out
    assert "csrfmiddlewaretoken" in out


def test_star_ratings_are_labelled_radio_groups(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    page = html(me.get(f"/my/complaints/{complaint.public_number}/"))
    for label in ("服务态度", "处理速度", "满意度"):
        assert f"<legend>{label}</legend>" in page
    assert page.count('type="radio"') == 15
    assert '<span class="visually-hidden">5 星</span>' in page


# --- actions -------------------------------------------------------------------------------


def test_follow_up_is_added_to_the_timeline(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.REPLIED)
    resp = act(me, complaint, "follow_up", message="退款还没有到账", next="/my/complaints/")
    assert resp.status_code == 302 and resp["Location"] == "/my/complaints/"
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING
    assert complaint.events.filter(message="退款还没有到账").exists()
    assert "补充内容已提交" in html(me.get("/my/complaints/"))


def test_an_empty_follow_up_is_explained_and_nothing_changes(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.REPLIED)
    events = complaint.events.count()
    resp = act(me, complaint, "follow_up", message="   ")
    page = html(resp)
    assert resp.status_code == 200
    assert field_error(page, "follow_up_message") == "请填写补充内容"
    complaint.refresh_from_db()
    assert complaint.status == Status.REPLIED and complaint.events.count() == events


def test_confirm_with_three_ratings_completes(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    resp = act(me, complaint, "confirm", attitude="5", speed="3", satisfaction="4", comment="满意")
    assert resp.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.COMPLETED
    rating = Rating.objects.get(complaint=complaint)
    assert (rating.attitude, rating.speed, rating.satisfaction, rating.comment) == (5, 3, 4, "满意")


def test_a_missing_rating_is_named_and_the_rest_is_kept(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    resp = act(me, complaint, "confirm", attitude="5", satisfaction="2", comment="速度一般")
    page = html(resp)
    assert resp.status_code == 200
    assert field_error(page, "confirm_speed") == "请为处理速度打分"
    assert re.search(r'id="confirm_attitude_4" value="5" checked', page)
    assert re.search(r'id="confirm_satisfaction_1" value="2" checked', page)
    assert "速度一般" in page
    assert '<details class="action" id="action-confirm" open>' in page
    complaint.refresh_from_db()
    assert complaint.status == Status.COMPLETION_REQUESTED


def test_a_rating_out_of_range_is_refused(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    page = html(act(me, complaint, "confirm", attitude="9", speed="3", satisfaction="4"))
    assert field_error(page, "confirm_attitude") == "评分应为1到5星"


def test_dispute_sends_the_case_back_to_processing(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    assert act(me, complaint, "dispute", message="钱没有退回").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING


def test_withdraw_asks_for_confirmation_first(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint()
    resp = act(me, complaint, "withdraw", message="已经私下解决")
    page = html(resp)
    assert resp.status_code == 200
    assert "确定要撤销投诉" in page and ">确认撤诉</button>" in page
    assert 'name="confirm" value="yes"' in page and 'value="已经私下解决"' in page
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_REVIEW
    resp = act(me, complaint, "withdraw", message="已经私下解决", confirm="yes")
    assert resp.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.WITHDRAWN


def test_reopen_within_the_window(me: Client, make_complaint: Callable[..., Complaint]) -> None:
    complaint = make_complaint(Status.COMPLETED)
    assert act(me, complaint, "reopen", message="问题又出现了").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING


def test_resubmit_after_rejection_with_edits(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.REJECTED)
    page = html(me.get(f"/my/complaints/{complaint.public_number}/"))
    assert f'value="{complaint.title}"' in page  # prefilled
    resp = act(
        me,
        complaint,
        "resubmit",
        title="补充了订单号的投诉",
        details="订单号DD1，6月1日下单后一直未发货。",
    )
    assert resp.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_REVIEW
    assert complaint.title == "补充了订单号的投诉"


def test_escalate_asks_for_mediation(me: Client, make_complaint: Callable[..., Complaint]) -> None:
    complaint = make_complaint(Status.PROCESSING)
    assert act(me, complaint, "escalate").status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.MEDIATION


def test_an_illegal_action_is_explained_and_changes_nothing(
    me: Client, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.PROCESSING)
    events = ComplaintEvent.objects.count()
    resp = act(me, complaint, "confirm", attitude="5", speed="5", satisfaction="5")
    assert resp.status_code == 302
    assert resp["Location"] == f"/my/complaints/{complaint.public_number}/"
    page = html(me.get(resp["Location"]))
    assert "投诉当前状态为「处理中」，不能「确认完成并评价」" in page
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING
    assert ComplaintEvent.objects.count() == events
    assert not Rating.objects.exists()


def test_another_consumer_cannot_act_on_my_complaint(
    make_complaint: Callable[..., Complaint],
    other_consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)  # public: they can read it
    client = client_for(other_consumer)
    events = ComplaintEvent.objects.count()
    for action, data in (
        ("confirm", {"attitude": "1", "speed": "1", "satisfaction": "1"}),
        ("dispute", {"message": "不是我的投诉"}),
        ("follow_up", {"message": "捣乱"}),
        ("follow_up", {"message": ""}),
    ):
        resp = act(client, complaint, action, **data)
        assert resp.status_code == 302
        assert resp["Location"] == f"/complaints/{complaint.public_number}/"
    resp = act(client, complaint, "withdraw", message="", confirm="yes")
    assert resp.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.COMPLETION_REQUESTED
    assert ComplaintEvent.objects.count() == events
    messages = [str(m) for m in resp.wsgi_request._messages]
    assert set(messages) == {"您无权对该投诉执行此操作", "只有投诉人可以补充投诉"}


def test_another_consumer_cannot_see_my_complaint_under_review(
    make_complaint: Callable[..., Complaint],
    other_consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    complaint = make_complaint()
    resp = act(client_for(other_consumer), complaint, "withdraw", confirm="yes")
    assert resp.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_REVIEW


def test_actions_need_login_csrf_and_a_known_name(
    consumer: User, make_complaint: Callable[..., Complaint]
) -> None:
    complaint = make_complaint(Status.REPLIED)
    url = f"/my/complaints/{complaint.public_number}/follow_up/"
    resp = Client().post(url, {"message": "x"})
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/?next=")
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    assert client.post(url, {"message": "补充"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.REPLIED
    plain = Client()
    plain.force_login(consumer)
    assert plain.post(f"/my/complaints/{complaint.public_number}/accept/").status_code == 404
    assert plain.get(url).status_code == 302  # GET only goes back


def test_next_must_stay_on_this_site(me: Client, make_complaint: Callable[..., Complaint]) -> None:
    complaint = make_complaint(Status.REPLIED)
    resp = act(me, complaint, "follow_up", message="补充", next="https://evil.example/")
    assert resp["Location"] == f"/my/complaints/{complaint.public_number}/"


def test_my_complaints_stays_within_a_query_budget(
    me: Client,
    make_complaint: Callable[..., Complaint],
    django_assert_max_num_queries: Any,
) -> None:
    for status in (Status.PENDING_REVIEW, Status.PROCESSING, Status.REPLIED, Status.REJECTED):
        make_complaint(status)
    with django_assert_max_num_queries(10):
        assert me.get("/my/complaints/").status_code == 200


def test_my_complaint_page_stays_within_a_query_budget(
    me: Client,
    make_complaint: Callable[..., Complaint],
    django_assert_max_num_queries: Any,
) -> None:
    complaint = make_complaint(Status.COMPLETION_REQUESTED)
    with django_assert_max_num_queries(12):
        assert me.get(f"/my/complaints/{complaint.public_number}/").status_code == 200
