"""Merchant console: the inbox of the merchant's companies, a complaint with its private fields
and the company's answers, reply templates, bulk replies, the team and team invitations.

Views parse input, call one selector or service and render. Who may see or do what is decided
in those selectors and services (the same ones the merchant API calls): ``merchant_inbox`` and
``merchant_complaint`` only return complaints of the user's companies, ``complaint_reply`` and
friends check the state machine and the actor, the team services check the owner role. Their
``NotFound`` becomes a 404 page and their ``PermissionDenied`` a 403 page. Every form is a plain
POST form with a CSRF token that works without JavaScript; htmx only swaps the reply form when a
template is inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tousu.accounts.models import Role, User
from tousu.accounts.services import mask_target
from tousu.common.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from tousu.companies import services as companies
from tousu.companies.models import Brand, CompanyMembership, MemberRole
from tousu.complaints import services
from tousu.complaints.models import (
    Complaint,
    ComplaintEvent,
    Demand,
    EventKind,
    HideReason,
    ProblemType,
    RejectionReason,
)
from tousu.complaints.selectors import (
    complaint_events_visible,
    merchant_complaint,
    merchant_inbox,
)
from tousu.complaints.states import (
    ACCEPTED_STATUSES,
    NON_TRANSITION_ACTIONS,
    Action,
    Actor,
    Status,
    edges_for,
)
from tousu.disputes.models import Contest, ContestReason, State
from tousu.engagement import reply_templates
from tousu.engagement.models import ReplyTemplate

PAGE_SIZE = 30
BULK_MAX = 50
BULK_SESSION_KEY = "merchant_bulk_reply_result"

View = Callable[..., HttpResponse]


def console_view(fn: View) -> View:
    """Log-in required; the services' NotFound / PermissionDenied become 404 / 403 pages; the
    pages carry private data and are never stored by a browser or proxy cache."""

    @never_cache
    @login_required
    @wraps(fn)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return fn(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc

    return wrapper


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _int_or_none(raw: Any) -> int | None:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


# --- the timeline as a merchant reads it -----------------------------------------------------


class ConsoleForm(forms.Form):
    """A form whose labels carry no suffix (the Chinese labels read as headings)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def consumer_public_name(complaint: Complaint) -> str:
    """What the company sees of the consumer: the name the public sees, nothing more.

    Merchants never get the consumer's phone number or e-mail here: the platform is the channel
    (the consumer is notified of every reply), a phone number in a company's hands invites the
    calls that consumers complain about (停止骚扰 is one of the demands), and docs/domain.md
    makes only the order number and purchase date private to the company and staff.
    """
    consumer = complaint.consumer
    if complaint.show_nickname and consumer.nickname:
        return consumer.nickname
    return consumer.pseudonym


@dataclass(frozen=True)
class Entry:
    event: ComplaintEvent
    title: str
    actor: str
    side: str  # css class: consumer / merchant / platform
    detail: str  # reason label or status change
    rating: Any


def _event_title(event: ComplaintEvent) -> str:
    if event.kind == EventKind.TRANSITION and event.action:
        return str(Action(event.action).label)
    return str(EventKind(event.kind).label)


def _status_change(event: ComplaintEvent) -> str:
    if event.from_status and event.to_status:
        return f"{Status(event.from_status).label} → {Status(event.to_status).label}"
    return ""


def timeline_entries(complaint: Complaint, events: Any, *, staff_names: bool) -> list[Entry]:
    """Timeline rows with who acted. Moderators see staff names (``staff_names``); a company
    sees the consumer's public name, its own members' names and "平台" for platform staff."""
    entries = []
    for event in events:
        role = event.actor_role
        if role == Actor.CONSUMER:
            actor, side = (
                _("消费者 %(name)s") % {"name": consumer_public_name(complaint)},
                "consumer",
            )
            if staff_names and event.actor is not None:
                actor = _("消费者 %(name)s") % {"name": event.actor.display_name}
        elif role == Actor.MERCHANT:
            name = event.actor.display_name if event.actor else _("（已删除的账号）")
            actor, side = _("商家 %(name)s") % {"name": name}, "merchant"
        elif role in (Actor.MODERATOR, Actor.MEDIATOR):
            label = Actor(role).label
            if staff_names and event.actor is not None:
                actor = f"{label} {event.actor.display_name}"
            else:
                actor = _("平台%(role)s") % {"role": label}
            side = "platform"
        else:
            actor, side = _("平台（自动）"), "platform"
        detail = _status_change(event)
        if event.reason:
            reasons = HideReason if event.kind == EventKind.HIDDEN else RejectionReason
            reason = dict(reasons.choices).get(event.reason, event.reason)
            detail = f"{detail} · {reason}" if detail else str(reason)
        rating = getattr(event, "rating", None) if event.action == Action.CONFIRM else None
        entries.append(Entry(event, _event_title(event), actor, side, detail, rating))
    return entries


def choice_labels(choices: Any, values: list[str]) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels[v]) for v in values or [] if v in labels]


# --- inbox -------------------------------------------------------------------------------

MERCHANT_STATUSES = [
    Status.PROCESSING,
    Status.REPLIED,
    Status.COMPLETION_REQUESTED,
    Status.MEDIATION,
    Status.COMPLETED,
    Status.AUTO_COMPLETED,
    Status.CLOSED,
]


class InboxFilter(ConsoleForm):
    status = forms.ChoiceField(label=gettext_lazy("状态"), required=False)
    due = forms.ChoiceField(
        label=gettext_lazy("期限"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("overdue", gettext_lazy("已超时")),
            ("soon", gettext_lazy("1个工作日内到期")),
        ],
    )
    company = forms.TypedChoiceField(
        label=gettext_lazy("企业"), required=False, coerce=int, empty_value=None
    )
    brand = forms.TypedChoiceField(
        label=gettext_lazy("品牌"), required=False, coerce=int, empty_value=None
    )
    since = forms.DateField(
        label=gettext_lazy("提交日期从"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=gettext_lazy("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    order = forms.ChoiceField(
        label=gettext_lazy("排序"),
        required=False,
        choices=[("due", gettext_lazy("按回复期限")), ("newest", gettext_lazy("最新提交"))],
    )

    def __init__(
        self, data: Any, memberships: list[CompanyMembership], brands: list[Brand]
    ) -> None:
        super().__init__(data)
        fields = self.fields
        cast(forms.ChoiceField, fields["status"]).choices = [
            ("", _("全部状态")),
            *[(s.value, s.label) for s in MERCHANT_STATUSES],
        ]
        cast(forms.ChoiceField, fields["company"]).choices = [
            ("", _("全部企业")),
            *[(m.company_id, m.company.name) for m in memberships],
        ]
        several = len(memberships) > 1
        cast(forms.ChoiceField, fields["brand"]).choices = [
            ("", _("全部品牌")),
            *[(b.pk, f"{b.name}（{b.company.name}）" if several else b.name) for b in brands],
        ]


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@console_view
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if user.role != Role.MERCHANT and companies.company_invitations_pending(user).exists():
        return redirect("web:merchant_invitations")
    memberships = list(companies.merchant_memberships(user))
    brands = list(
        Brand.objects.filter(company_id__in=[m.company_id for m in memberships])
        .select_related("company")
        .order_by("company__name", "name")
    )
    form = InboxFilter(request.GET or None, memberships, brands)
    filters: dict[str, Any] = {"order": "due"}
    if form.is_bound:
        form.is_valid()  # a wrong value is reported next to its field; the others still apply
        data = form.cleaned_data
        due, since, until = data.get("due"), data.get("since"), data.get("until")
        filters = {
            "status": data.get("status") or None,  # a filter for the selector, not a write
            "company_id": data.get("company"),
            "brand_id": data.get("brand"),
            "order": data.get("order") or "due",
            "overdue": True if due == "overdue" else None,
            "due_soon": due == "soon",
            "since": _day_start(since) if since else None,
            "until": _day_start(until + timedelta(days=1)) if until else None,
        }
    # the selector refuses non-merchants and companies the user does not belong to
    complaints = merchant_inbox(user, **filters)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    roles = {m.company_id: m.role for m in memberships}
    return render(
        request,
        "web/merchant/inbox.html",
        {
            "form": form,
            "page_obj": page,
            "memberships": memberships,
            "several_companies": len(memberships) > 1,
            "can_reply": any(r != MemberRole.VIEWER for r in roles.values()),
            "templates": list(reply_templates.reply_templates_for(user)),
            "bulk_max": BULK_MAX,
            "filtered": form.is_bound,
        },
    )


# --- one complaint -----------------------------------------------------------------------


def _allowed(action: Action, status: str) -> bool:
    """Whether the state machine lets a merchant take ``action`` in ``status``."""
    if any(Actor.MERCHANT in e.actors for e in edges_for(action, status)):
        return True
    return status in NON_TRANSITION_ACTIONS.get(str(action), frozenset())


def _complaint_page(
    request: HttpRequest,
    complaint: Complaint,
    *,
    reply_text: str = "",
    completion_text: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    role = (
        CompanyMembership.objects.filter(company_id=complaint.company_id, user=user)
        .values_list("role", flat=True)
        .first()
    )
    events = complaint_events_visible(complaint, private=True)
    can_act = role is not None and role != MemberRole.VIEWER
    can_reply = can_act and _allowed(Action.REPLY, complaint.status)
    can_request = can_act and _allowed(Action.REQUEST_COMPLETION, complaint.status)
    errors = errors or {}
    # an error of a form that is no longer shown (the status changed) goes above the page, with
    # the text that was not sent, so that nothing typed is lost
    page_error, unsent = "", ""
    if errors.get("reply") and not can_reply:
        page_error, unsent = errors.pop("reply"), reply_text
    elif errors.get("completion") and not can_request:
        page_error, unsent = errors.pop("completion"), completion_text
    return render(
        request,
        "web/merchant/complaint.html",
        {
            "complaint": complaint,
            "consumer_name": consumer_public_name(complaint),
            "problem_labels": choice_labels(ProblemType, complaint.problem_types),
            "demand_labels": choice_labels(Demand, complaint.demands),
            "entries": timeline_entries(complaint, events, staff_names=False),
            "evidence": list(complaint.evidence.all()),
            "my_role": MemberRole(role).label if role else "",
            "can_reply": can_reply,
            "can_request_completion": can_request,
            "page_error": page_error,
            "unsent_text": unsent,
            "read_only": not can_act,
            "templates": list(
                reply_templates.reply_templates_for(user, company_id=complaint.company_id)
            )
            if can_act
            else [],
            "reply_text": reply_text,
            "completion_text": completion_text,
            "errors": errors,
            # the 申诉/异议 form (tousu.disputes)
            "can_contest": can_act and complaint.status in ACCEPTED_STATUSES,
            "contest_open": Contest.objects.filter(complaint=complaint, state=State.OPEN).exists(),
            "contest_reasons": ContestReason.choices,
        },
        status=status,
    )


@console_view
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    found = merchant_complaint(user, number)  # 403 / 404 for anyone else
    if request.method == "GET":
        template = reply_templates.reply_template_get(user, request.GET.get("template"))
        return _complaint_page(request, found, reply_text=template.body if template else "")
    op = request.POST.get("op", "")
    text = request.POST.get("message", "")
    if op == "insert_template":
        template = reply_templates.reply_template_get(user, request.POST.get("template"))
        if template is None or template.company_id != found.company_id:
            return _complaint_page(
                request, found, reply_text=text, errors={"reply": _("请选择要插入的回复模板")}
            )
        return _complaint_page(
            request, found, reply_text=reply_templates.insert_template(text, template)
        )
    actions: dict[str, tuple[Callable[..., Complaint], str, str]] = {
        "reply": (services.complaint_reply, "reply", _("已回复，消费者会收到通知")),
        "solution": (
            services.complaint_propose_solution,
            "reply",
            _("已提出解决方案，消费者会收到通知"),
        ),
        "request_completion": (
            services.complaint_request_completion,
            "completion",
            _("已申请完成，等待消费者确认"),
        ),
    }
    if op not in actions:
        return _complaint_page(
            request, found, reply_text=text, errors={"reply": _("未知操作")}, status=400
        )
    fn, box, done = actions[op]
    try:
        fn(complaint_id=found.pk, actor=user, message=text)
    except DomainError as exc:
        found.refresh_from_db()
        return _complaint_page(
            request,
            found,
            reply_text=text if box == "reply" else "",
            completion_text=text if box == "completion" else "",
            errors={box: exc.message},
            status=exc.status_code,
        )
    messages.success(request, done)
    return redirect("web:merchant_complaint", number=found.public_number)


# --- bulk reply --------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkOutcome:
    number: str
    title: str
    ok: bool
    message: str


def _bulk_reply(user: User, numbers: list[str], message: str) -> list[BulkOutcome]:
    """Reply to each complaint through the service; one refusal does not stop the others."""
    outcomes = []
    for number in numbers:
        try:
            found = merchant_complaint(user, number)
        except DomainError as exc:
            outcomes.append(BulkOutcome(number, "", False, exc.message))
            continue
        try:
            services.complaint_reply(complaint_id=found.pk, actor=user, message=message)
        except DomainError as exc:
            outcomes.append(BulkOutcome(found.public_number, found.title, False, exc.message))
        else:
            outcomes.append(BulkOutcome(found.public_number, found.title, True, _("已回复")))
    return outcomes


@console_view
@require_http_methods(["GET", "POST"])
def bulk_reply(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "GET":
        # the report of the last bulk reply (post/redirect/get: a reload does not resend)
        result = request.session.pop(BULK_SESSION_KEY, None)
        if result is None:
            return redirect("web:merchant_inbox")
        outcomes = [BulkOutcome(**row) for row in result]
        return render(
            request,
            "web/merchant/bulk_result.html",
            {
                "succeeded": [o for o in outcomes if o.ok],
                "refused": [o for o in outcomes if not o.ok],
            },
        )
    merchant_inbox(user)  # 403 for non-merchants before anything else
    numbers = list(dict.fromkeys(n.strip().upper() for n in request.POST.getlist("numbers")))
    numbers = [n for n in numbers if n][: BULK_MAX + 1]
    message = request.POST.get("message", "").strip()
    template = reply_templates.reply_template_get(user, request.POST.get("template"))
    if not message and template is not None:
        message = template.body
    error = ""
    if not numbers:
        error = _("请先勾选要回复的投诉")
    elif len(numbers) > BULK_MAX:
        error = _("一次最多批量回复 %(n)d 条投诉") % {"n": BULK_MAX}
    elif not message:
        error = _("请填写回复内容，或选择一个回复模板")
    elif len(message) > 5000:
        error = _("回复内容不能超过5000个字")
    if error:
        return render(
            request,
            "web/merchant/bulk_compose.html",
            {
                "numbers": numbers[:BULK_MAX],
                "message": message,
                "error": error,
                "templates": list(reply_templates.reply_templates_for(user)),
            },
            status=422,
        )
    outcomes = _bulk_reply(user, numbers, message)
    request.session[BULK_SESSION_KEY] = [o.__dict__ for o in outcomes]
    return redirect("web:merchant_bulk_reply")


# --- reply templates ---------------------------------------------------------------------


class TemplateForm(ConsoleForm):
    company = forms.TypedChoiceField(label=gettext_lazy("企业"), coerce=int)
    name = forms.CharField(label=gettext_lazy("模板名称"), max_length=40)
    body = forms.CharField(label=gettext_lazy("模板内容"), max_length=5000, widget=forms.Textarea)

    def __init__(self, *args: Any, memberships: list[CompanyMembership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        editable = [m for m in memberships if m.role != MemberRole.VIEWER]
        cast(forms.ChoiceField, self.fields["company"]).choices = [
            (m.company_id, m.company.name) for m in editable
        ]
        if len(editable) == 1:
            self.fields["company"].initial = editable[0].company_id
            self.fields["company"].widget = forms.HiddenInput()


def _service_error(form: forms.Form, exc: DomainError) -> None:
    field = str(exc.details.get("field") or "")
    form.add_error(field if field in form.fields else None, exc.message)


@console_view
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    memberships = list(companies.merchant_memberships(user))
    existing = list(reply_templates.reply_templates_for(user))  # 403 for non-merchants
    editing: ReplyTemplate | None = None
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "save")
        template_id = _int_or_none(request.POST.get("template_id"))
        if op == "delete" and template_id is not None:
            reply_templates.reply_template_delete(actor=user, template_id=template_id)
            messages.success(request, _("模板已删除"))
            return redirect("web:merchant_templates")
        form = TemplateForm(request.POST, memberships=memberships)
        if template_id is not None:
            editing = reply_templates.reply_template_get(user, template_id)
            if editing is None:
                raise NotFound(_("找不到该回复模板"))
        if form.is_valid():
            try:
                reply_templates.reply_template_save(
                    actor=user,
                    company_id=form.cleaned_data["company"],
                    name=form.cleaned_data["name"],
                    body=form.cleaned_data["body"],
                    template_id=editing.pk if editing else None,
                )
            except ValidationFailed as exc:
                _service_error(form, exc)
            else:
                messages.success(request, _("模板已保存"))
                return redirect("web:merchant_templates")
        status = 422
    else:
        editing = reply_templates.reply_template_get(user, request.GET.get("edit"))
        initial = (
            {"company": editing.company_id, "name": editing.name, "body": editing.body}
            if editing
            else {}
        )
        form = TemplateForm(initial=initial, memberships=memberships)
    return render(
        request,
        "web/merchant/templates.html",
        {
            "form": form,
            "existing": existing,
            "editing": editing,
            "editable_ids": {m.company_id for m in memberships if m.role != MemberRole.VIEWER},
            "several_companies": len(memberships) > 1,
        },
        status=status,
    )


# --- team --------------------------------------------------------------------------------


class InviteForm(ConsoleForm):
    login = forms.CharField(
        label=gettext_lazy("手机号或邮箱"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=MemberRole.choices)


ROLE_HELP = [
    (MemberRole.OWNER, gettext_lazy("管理团队成员，处理投诉")),
    (MemberRole.AGENT, gettext_lazy("回复投诉、申请完成、编辑回复模板")),
    (MemberRole.VIEWER, gettext_lazy("只能查看，不能回复")),
]


def _member_login(user: User) -> str:
    return mask_target(user.phone or user.email or "")


@console_view
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    memberships = list(companies.merchant_memberships(user))
    if user.role != Role.MERCHANT or not memberships:
        raise PermissionDenied(_("只有企业成员可以查看团队"))
    company_id = _int_or_none(request.POST.get("company") or request.GET.get("company"))
    if company_id is None:
        company_id = memberships[0].company_id
    invite_form = InviteForm(initial={"role": MemberRole.AGENT})
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "invite":
                invite_form = InviteForm(request.POST)
                if invite_form.is_valid():
                    outcome = companies.company_invite(
                        actor=user,
                        company_id=company_id,
                        login=invite_form.cleaned_data["login"],
                        role=invite_form.cleaned_data["role"],
                    )
                    if outcome.membership is not None:
                        messages.success(request, _("该商家账号已加入团队"))
                    else:
                        messages.success(
                            request,
                            _(
                                "已发出邀请。请对方用该手机号或邮箱登录（验证码登录）后，"
                                "在「团队邀请」页面接受。"
                            ),
                        )
                    return redirect(f"{reverse('web:merchant_team')}?company={company_id}")
                status = 422
            elif op == "set_role":
                companies.company_member_set_role(
                    actor=user,
                    membership_id=_int_or_none(request.POST.get("membership")) or 0,
                    role=request.POST.get("role", ""),
                )
                messages.success(request, _("角色已更新"))
                return redirect(f"{reverse('web:merchant_team')}?company={company_id}")
            elif op == "remove":
                companies.company_member_remove(
                    actor=user, membership_id=_int_or_none(request.POST.get("membership")) or 0
                )
                messages.success(request, _("成员已移除"))
                return redirect(f"{reverse('web:merchant_team')}?company={company_id}")
            elif op == "revoke":
                companies.company_invitation_revoke(
                    actor=user, invitation_id=_int_or_none(request.POST.get("invitation")) or 0
                )
                messages.success(request, _("邀请已撤回"))
                return redirect(f"{reverse('web:merchant_team')}?company={company_id}")
            else:
                messages.error(request, _("未知操作"))
                status = 400
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            if op == "invite":
                _service_error(invite_form, exc)
            else:
                messages.error(request, exc.message)
            status = exc.status_code
    view = companies.company_team(actor=user, company_id=company_id)  # 403 for non-members
    return render(
        request,
        "web/merchant/team.html",
        {
            "team": view,
            "members": [(m, _member_login(m.user)) for m in view.members],
            "memberships": memberships,
            "several_companies": len(memberships) > 1,
            "invite_form": invite_form,
            "role_choices": MemberRole.choices,
            "role_help": ROLE_HELP,
        },
        status=status,
    )


# --- invitations to the invitee ------------------------------------------------------------


@console_view
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    """The pending invitations to the logged-in user's verified phone or e-mail."""
    user = _user(request)
    if request.method == "POST":
        invitation_id = _int_or_none(request.POST.get("invitation")) or 0
        if request.POST.get("op") == "accept":
            membership = companies.company_invitation_accept(user=user, invitation_id=invitation_id)
            messages.success(
                request, _("您已加入「%(name)s」团队") % {"name": membership.company.name}
            )
            return redirect("web:merchant_inbox")
        companies.company_invitation_decline(user=user, invitation_id=invitation_id)
        messages.success(request, _("已拒绝邀请"))
        return redirect("web:merchant_invitations")
    return render(
        request,
        "web/merchant/invitations.html",
        {
            "invitations": list(companies.company_invitations_pending(user)),
            "is_consumer": user.role == Role.CONSUMER,
            "unverified": not (user.phone_verified_at or user.email_verified_at),
        },
    )
