"""Public pages (anonymous visitors): home, complaint pages and list, company pages, directory.

Views parse the query string, call the selectors the API uses (``complaints.selectors``,
``companies.selectors``: the permission rules live there) and render. Anonymous responses may be
kept briefly by browsers and proxies (``Cache-Control: public, max-age=60``, ``Vary: Cookie``);
responses to a logged-in visitor are ``private, no-cache``. For anonymous visitors, complaint and
company pages carry an ETag built from what they show (a complaint: its ``updated_at`` and newest
visible event), so a conditional GET of an unchanged page is answered 304.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound
from tousu.companies.models import Company, Sector
from tousu.companies.selectors import (
    companies_count,
    company_aliases,
    company_brands,
    company_directory_page,
    company_public_get,
    company_search,
    search_key,
)
from tousu.companies.services import company_merged_into
from tousu.complaints.models import (
    Complaint,
    ComplaintEvent,
    Demand,
    EventKind,
    Evidence,
    EvidenceKind,
    HideReason,
    ProblemType,
    Rating,
)
from tousu.complaints.selectors import (
    complaint_counters,
    complaint_events_visible,
    complaint_get_for_user,
    complaint_hidden_reason,
    public_complaint_page,
)
from tousu.complaints.sla import sla_clock
from tousu.complaints.states import ACCEPTED_STATUSES, Action, Status
from tousu.disputes.models import FlagReason
from tousu.metrics import formula
from tousu.metrics.models import FRT_BOUNDS_HOURS
from tousu.metrics.selectors import (
    Scope,
    Totals,
    company_positions,
    company_problem_types,
    company_weekly,
    valid_counts,
    windows,
)
from tousu.pagecache import cache as page_cache
from tousu.pagecache.deps import complaint_deps
from tousu.privacy.selectors import (
    evidence_is_public_kind,
    public_comment,
    public_messages,
    public_text,
)

logger = logging.getLogger(__name__)

PUBLIC_MAX_AGE = 60  # seconds an anonymous page may be reused by a browser or a proxy
PAGE_SIZE = 20
SEARCH_LIMIT = 50
SUGGEST_LIMIT = 8
COUNTERS_CACHE_KEY = "tousu:web:home-counters"
# statuses a visitor may filter the public list by, in the order of the state machine
PUBLIC_STATUSES = [s for s in Status if s in ACCEPTED_STATUSES]


# --- caching -------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _etag(request: HttpRequest, *parts: object) -> str | None:
    """A validator of an anonymous page: the data it shows, its language and the day (SLA
    clocks count working days). None for a logged-in visitor, whose page also shows their
    name and unread count (``private, no-cache``, always rendered afresh), and while a message
    waits to be shown once."""
    if _viewer(request) is not None or len(get_messages(request)):
        return None
    key = (get_language(), timezone.localdate().isoformat(), *parts)
    digest = hashlib.sha256("\x1f".join(map(str, key)).encode()).hexdigest()[:32]
    # weak: two renderings of the same data differ in their CSRF token mask only
    return f'W/"{digest}"'


def _not_modified(request: HttpRequest, etag: str | None) -> HttpResponse | None:
    """A 304 when the visitor's copy is current."""
    if etag is None:
        return None
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        _cache_headers(request, response, etag)
    return response


def _cache_headers(request: HttpRequest, response: HttpResponse, etag: str | None = None) -> None:
    if _viewer(request) is None:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    if etag:
        response["ETag"] = etag


def _int_param(request: HttpRequest, name: str) -> tuple[int | None, bool]:
    """``(value, ok)`` of a positive integer parameter; absent or empty is ``(None, True)``."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None, True
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        return None, False
    return int(raw), True


def _clocks_expire(request: HttpRequest, complaints: list[Complaint]) -> None:
    """A page being kept by the page cache expires at the next SLA deadline it shows (the clock
    text turns from "due" to "overdue" then, with no write to bump a version)."""
    if not page_cache.filling(request):
        return
    now = timezone.now()
    for complaint in complaints:
        clock = sla_clock(complaint, now)
        if clock is not None and clock.due_at > now:
            page_cache.expires_at(request, clock.due_at)


# --- home ----------------------------------------------------------------------------------


def _counters() -> dict[str, int]:
    counters = cache.get(COUNTERS_CACHE_KEY)
    if counters is None:
        counters = {**complaint_counters(), "companies": companies_count()}
        cache.set(COUNTERS_CACHE_KEY, counters, PUBLIC_MAX_AGE)
    return counters


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # the counters are kept for PUBLIC_MAX_AGE seconds already: so is the page
    return page_cache.serve(
        request,
        "home",
        lambda: _home(request),
        lambda: [page_cache.LISTS],
        max_seconds=PUBLIC_MAX_AGE,
    )


def _home(request: HttpRequest) -> HttpResponse:
    latest, _next = public_complaint_page(size=10)
    _clocks_expire(request, latest)
    counters = {name: f"{n:,}" for name, n in _counters().items()}
    response = render(request, "web/home.html", {"latest": latest, "counters": counters})
    _cache_headers(request, response)
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


# --- one complaint ---------------------------------------------------------------------------

ACTION_TEXT = {
    Action.ACCEPT: gettext_lazy("审核通过，投诉公开"),
    Action.REJECT: gettext_lazy("审核未通过"),
    Action.WITHDRAW: gettext_lazy("投诉人撤诉"),
    Action.RESUBMIT: gettext_lazy("投诉人修改后重新提交"),
    Action.ASSIGN: gettext_lazy("投诉已转交商家"),
    Action.CLOSE_UNASSIGNED: gettext_lazy("无法联系到商家，投诉关闭"),
    Action.REPLY: gettext_lazy("商家回复"),
    Action.ESCALATE: gettext_lazy("申请调解"),
    Action.CLOSE_OVERDUE: gettext_lazy("商家长期未回复，投诉关闭"),
    Action.FOLLOW_UP: gettext_lazy("投诉人补充说明"),
    Action.REQUEST_COMPLETION: gettext_lazy("商家申请完成"),
    Action.CONFIRM: gettext_lazy("投诉人确认完成并评价"),
    Action.DISPUTE: gettext_lazy("投诉人对完成申请有异议"),
    Action.AUTO_COMPLETE: gettext_lazy("投诉人超时未确认，自动完成"),
    Action.REOPEN: gettext_lazy("投诉人重新打开投诉"),
    Action.MEDIATION_SUCCEEDED: gettext_lazy("调解成功"),
    Action.MEDIATION_FAILED: gettext_lazy("调解失败"),
}
KIND_TEXT = {
    EventKind.SUBMITTED: gettext_lazy("提交投诉"),
    EventKind.TRANSITION: gettext_lazy("状态变更"),
    EventKind.REPLY: gettext_lazy("商家回复"),
    EventKind.SOLUTION: gettext_lazy("商家提出解决方案"),
    EventKind.FOLLOW_UP: gettext_lazy("投诉人补充说明"),
    EventKind.RATING: gettext_lazy("投诉人评价"),
    EventKind.HIDDEN: gettext_lazy("平台隐藏了投诉"),
    EventKind.UNHIDDEN: gettext_lazy("平台恢复公开"),
    EventKind.OVERDUE: gettext_lazy("商家超时未回复"),
    EventKind.EDITED: gettext_lazy("投诉人修改了投诉"),
}
# the role an event was written by, as the public reads it
PARTY = {"consumer": "consumer", "merchant": "merchant"}
HIDE_TEXT = {
    HideReason.PRIVACY: gettext_lazy("投诉内容含有个人信息"),
    HideReason.LEGAL: gettext_lazy("依据法律法规处理"),
    HideReason.ABUSE: gettext_lazy("投诉内容含有不当言论"),
    HideReason.CONSUMER_REQUEST: gettext_lazy("投诉人申请不再公开"),
    HideReason.OTHER: gettext_lazy("其他原因"),
}
RATING_PARTS = (
    ("attitude", gettext_lazy("服务态度")),
    ("speed", gettext_lazy("处理速度")),
    ("satisfaction", gettext_lazy("满意度")),
)


@dataclass(frozen=True)
class Stars:
    label: str
    value: int

    @property
    def glyphs(self) -> str:
        return "★" * self.value + "☆" * (5 - self.value)


@dataclass(frozen=True)
class TimelineRow:
    id: int
    what: str
    party: str  # "consumer", "merchant" or "platform": the colour of the dot
    actor: str
    at: datetime
    to_status: str
    message: str
    stars: list[Stars]
    comment: str
    is_public: bool


def consumer_public_name(complaint: Complaint) -> str:
    """The complaint's author as the public sees them: the pseudonym unless they chose to show
    their nickname (the same rule as the API)."""
    consumer = complaint.consumer
    if complaint.show_nickname:
        return consumer.nickname or consumer.pseudonym
    return consumer.pseudonym


def _actor(event: ComplaintEvent, author: str) -> str:
    if event.actor_role == "consumer":
        return _("投诉人 %(name)s") % {"name": author}
    if event.actor_role == "merchant":
        return _("商家")
    if event.actor_role == "mediator":
        return _("调解组织")
    return _("平台")


def _timeline(complaint: Complaint, events: list[ComplaintEvent], private: bool) -> list[Any]:
    author = consumer_public_name(complaint)
    # the public copies, derived from each message's redaction rows (one query)
    public = {} if private else public_messages(events)
    rows = []
    for event in events:
        if event.kind == EventKind.TRANSITION and event.action in ACTION_TEXT:
            what = str(ACTION_TEXT[Action(event.action)])
        else:
            what = str(KIND_TEXT.get(EventKind(event.kind), event.get_kind_display()))
        message = event.message
        if event.action == Action.REJECT and not private:
            message = ""  # the reviewer's note to the consumer stays between them
        rating: Rating | None = getattr(event, "rating", None)
        stars = (
            [Stars(str(label), getattr(rating, field)) for field, label in RATING_PARTS]
            if rating is not None
            else []
        )
        if rating is not None:
            message = ""  # the comment is shown with the stars
        comment = rating.comment if rating is not None else ""
        if not private:  # personal data in later messages is masked for the public too
            masked = public.get(event.pk, "")
            message = masked if message else ""
            comment = public_comment(comment, event.message, masked)
        rows.append(
            TimelineRow(
                id=event.pk,
                what=what,
                party=PARTY.get(event.actor_role, "platform"),
                actor=_actor(event, author),
                at=event.created_at,
                to_status=event.to_status if event.kind == EventKind.TRANSITION else "",
                message=message,
                stars=stars,
                comment=comment,
                is_public=event.is_public,
            )
        )
    return rows


def _labels(codes: list[str], choices: Any) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(code, code)) for code in codes]


def _party_link(viewer: User | None, complaint: Complaint, private: bool) -> tuple[str, str]:
    """Where a party of the complaint acts on it: ``(url, text)`` or ``("", "")``."""
    if viewer is None or not private:
        return "", ""
    number = complaint.public_number
    if viewer.pk == complaint.consumer_id:
        return reverse("web:my_complaint", args=[number]), _("在「我的投诉」中处理这条投诉")
    if viewer.role == Role.MERCHANT:
        return reverse("web:merchant_complaint", args=[number]), _("在商家工作台处理")
    if viewer.role == Role.MODERATOR:
        return reverse("web:moderation_complaint", args=[number]), _("在审核后台查看")
    return "", ""


def _complaint_not_found(request: HttpRequest, number: str) -> HttpResponse:
    reason = complaint_hidden_reason(number)
    if reason is not None:
        text = HIDE_TEXT[HideReason(reason)] if reason in HideReason.values else ""
        return render(
            request,
            "web/public/complaint_hidden.html",
            {"number": number.upper(), "reason": text},
            status=404,
        )
    return render(
        request,
        "404.html",
        {
            "message": _(
                "找不到这条投诉。投诉编号可能有误，或投诉尚在审核中、未通过审核，所以没有公开。"
            )
        },
        status=404,
    )


@require_safe
def complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    return page_cache.serve(
        request,
        "complaint",
        lambda: _complaint_detail(request, number),
        lambda: complaint_deps(number),
    )


def _complaint_detail(request: HttpRequest, number: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        complaint, private = complaint_get_for_user(viewer, number)
    except NotFound:
        return _complaint_not_found(request, number)
    if number != complaint.public_number:
        return redirect("web:complaint_detail", complaint.public_number, permanent=True)
    company = complaint.company
    # the timeline the visitor may see (public events only for the public): its newest id and
    # updated_at version the page
    events = list(complaint_events_visible(complaint, private))
    public_title, public_details = public_text(complaint)
    title, details = (
        (complaint.title, complaint.details) if private else (public_title, public_details)
    )
    etag = _etag(
        request,
        "complaint",
        complaint.public_number,
        complaint.updated_at.isoformat(),
        events[-1].pk if events else 0,
        complaint.status,
        complaint.visibility,
        company.name,
        company.is_verified,
        complaint.brand.name if complaint.brand else "",
        consumer_public_name(complaint),
        title,
        details,
    )
    cached = _not_modified(request, etag)
    if cached is not None:
        return cached

    evidence = [
        {
            "url": reverse("web:evidence_file", args=[complaint.public_number, ev.pk]),
            "is_image": ev.kind == EvidenceKind.IMAGE,
            # a video (which we cannot redact) is shown to the parties and staff only
            "withheld": not private and not evidence_is_public_kind(ev),
            "kind": ev.get_kind_display(),
            "n": i,
            "width": ev.width,
            "height": ev.height,
        }
        for i, ev in enumerate(complaint.evidence.all(), start=1)
    ]
    timeline = _timeline(complaint, events, private)
    _clocks_expire(request, [complaint])
    rating = next((row for row in reversed(timeline) if row.stars), None)
    party_url, party_text = _party_link(viewer, complaint, private)
    context = {
        "complaint": complaint,
        "title": title,
        "details": details,
        # a private viewer is told what the public sees instead of the original
        "public_copy": (
            {"title": public_title, "details": public_details}
            if private and (public_title, public_details) != (complaint.title, complaint.details)
            else None
        ),
        "company": company,
        "private": private,
        "is_public": complaint.is_public and complaint.status in ACCEPTED_STATUSES,
        "author": consumer_public_name(complaint),
        "problem_types": _labels(complaint.problem_types, ProblemType),
        "demands": _labels(complaint.demands, Demand),
        "clock": sla_clock(complaint),
        "timeline": timeline,
        "replies": sum(1 for row in timeline if row.party == "merchant" and row.message),
        "rating": rating,
        "evidence": evidence,
        "party_url": party_url,
        "party_text": party_text,
        # the 举报 form (tousu.disputes) for signed-in visitors of a public complaint
        "can_flag": viewer is not None
        and complaint.is_public
        and complaint.status in ACCEPTED_STATUSES,
        "flag_reasons": FlagReason.choices,
        "hidden_text": (
            HIDE_TEXT[HideReason(complaint.hidden_reason)]
            if complaint.hidden_reason in HideReason.values
            else ""
        ),
    }
    response = render(request, "web/public/complaint_detail.html", context)
    _cache_headers(request, response, etag)
    return response


@require_safe
def evidence_file(
    request: HttpRequest, number: str, evidence_id: int
) -> HttpResponse | FileResponse:
    """An evidence file, served only to those who may see the complaint: everyone while it is
    public, otherwise its consumer, the company's merchants and staff. The public gets an image
    or a PDF only as its redacted copy (personal data found by OCR blacked out); until the
    worker has made it, a "processing" 404 — never the original. A video is never public."""
    from tousu.privacy.selectors import public_evidence_file

    try:
        complaint, private = complaint_get_for_user(_viewer(request), number)
    except NotFound as exc:
        raise Http404 from exc
    evidence = Evidence.objects.filter(pk=evidence_id, complaint=complaint).first()
    if evidence is None:
        raise Http404
    stored = evidence.file
    if not private and not evidence_is_public_kind(evidence):
        return HttpResponse(
            gettext_lazy("为保护个人隐私，该附件不公开显示"),
            status=404,
            content_type="text/plain; charset=utf-8",
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
        )
    if not private:
        copy_file = public_evidence_file(evidence)
        if copy_file is None:
            return HttpResponse(
                gettext_lazy("图片正在处理中，隐去个人信息后公开显示")
                if evidence.kind == EvidenceKind.IMAGE
                else gettext_lazy("文件正在处理中，隐去个人信息后公开显示"),
                status=404,
                content_type="text/plain; charset=utf-8",
                headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
            )
        stored = copy_file
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        logger.error("evidence %s of %s has no file %s", evidence.pk, number, stored)
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{evidence.pk}.{evidence.ext}"'
    # a PDF opened in the browser runs no script and submits no form
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    # never in a shared cache: the complaint may be hidden tomorrow
    response["Cache-Control"] = "private, max-age=300"
    return response


# --- the public complaint list ---------------------------------------------------------------


@require_safe
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Public complaints, newest first, filtered by status, sector and company; keyset paging
    (``?before=<id>``). A filter value that is not one of ours is answered 400, in Chinese."""
    return page_cache.serve(
        request, "complaints", lambda: _complaint_list(request), lambda: [page_cache.LISTS]
    )


def _complaint_list(request: HttpRequest) -> HttpResponse:
    errors: list[str] = []
    status = request.GET.get("status", "").strip()
    if status and status not in PUBLIC_STATUSES:
        errors.append(_("「处理状态」的取值无效。"))
        status = ""
    sector = request.GET.get("sector", "").strip()
    if sector and sector not in Sector.values:
        errors.append(_("「行业」的取值无效。"))
        sector = ""
    company_id, ok = _int_param(request, "company")
    if not ok:
        errors.append(_("「企业」应为企业编号。"))
    before, ok = _int_param(request, "before")
    if not ok:
        errors.append(_("翻页参数无效，请从第一页重新浏览。"))
    company: Company | None = None
    if company_id is not None:
        try:
            company = company_public_get(company_id)
        except NotFound:
            errors.append(_("找不到该企业。"))
    filters = {k: v for k, v in (("status", status), ("sector", sector)) if v}
    if company is not None:
        filters["company"] = str(company.pk)
    context: dict[str, Any] = {
        "statuses": [(s.value, s.label) for s in PUBLIC_STATUSES],
        "sectors": Sector.choices,
        "status": status,
        "sector": sector,
        "company": company,
        "errors": errors,
        "filtered": bool(filters),
        "first_page": before is not None,
        "first_url": "?" + urlencode(filters) if filters else "?",
    }
    if errors:
        return render(request, "web/public/complaint_list.html", context, status=400)
    complaints, next_cursor = public_complaint_page(
        status=status or None,
        sector=sector or None,
        company_id=company.pk if company else None,
        before=before,
        size=PAGE_SIZE,
    )
    context["complaints"] = complaints
    _clocks_expire(request, complaints)
    if next_cursor is not None:
        context["next_url"] = "?" + urlencode({**filters, "before": next_cursor})
    response = render(request, "web/public/complaint_list.html", context)
    _cache_headers(request, response)
    return response


# --- companies -------------------------------------------------------------------------------


def _sector_param(request: HttpRequest) -> tuple[str, bool]:
    sector = request.GET.get("sector", "").strip()
    if sector and sector not in Sector.values:
        return "", False
    return sector, True


@require_safe
def company_list(request: HttpRequest) -> HttpResponse:
    """The company directory: a search by name, alias or brand (Traditional or Simplified),
    best match first; without a search, every company in id order, keyset-paged."""
    query = request.GET.get("q", "").strip()
    sector, sector_ok = _sector_param(request)
    after, after_ok = _int_param(request, "after")
    errors = []
    if not sector_ok:
        errors.append(_("「行业」的取值无效。"))
    if not after_ok:
        errors.append(_("翻页参数无效，请从第一页重新浏览。"))
    context: dict[str, Any] = {
        "q": query,
        "sector": sector,
        "sectors": Sector.choices,
        "errors": errors,
        "searching": bool(query),
        "searchable": bool(search_key(query)),
    }
    if errors:
        return render(request, "web/public/company_list.html", context, status=400)
    next_cursor = None
    if query:
        companies = company_search(query, sector=sector or None, limit=SEARCH_LIMIT)
        context["truncated"] = len(companies) >= SEARCH_LIMIT
    else:
        companies, next_cursor = company_directory_page(
            sector=sector or None, after=after, size=PAGE_SIZE
        )
    params = {"sector": sector} if sector else {}
    context["first_url"] = "?" + urlencode(params)
    if next_cursor is not None:
        context["next_url"] = "?" + urlencode({**params, "after": next_cursor})
    context["first_page"] = after is not None and not query
    context["companies"] = companies
    context["counts"] = valid_counts([c.pk for c in companies]) if companies else {}
    response = render(request, "web/public/company_list.html", context)
    _cache_headers(request, response)
    return response


@require_safe
def company_suggest(request: HttpRequest) -> HttpResponse:
    """Typeahead of the directory: an HTML fragment for htmx. Without htmx (someone opened the
    address) the full directory search answers instead."""
    query = request.GET.get("q", "").strip()
    if not request.headers.get("HX-Request"):
        url = reverse("web:company_list")
        return redirect(f"{url}?{urlencode({'q': query})}" if query else url)
    # the suggestions are companies' names, brands, badges and complaint volumes: a company,
    # brand or alias change and every change of a public complaint bump the lists' version
    return page_cache.serve(
        request,
        "suggest",
        lambda: _company_suggest(request, query),
        lambda: [page_cache.LISTS],
    )


def _company_suggest(request: HttpRequest, query: str) -> HttpResponse:
    # prefix of name, alias, brand, pinyin or initials, by complaint volume; then infix matches
    from tousu.search.suggest import company_suggest as suggest_companies

    companies = [s.company for s in suggest_companies(query, limit=SUGGEST_LIMIT)] if query else []
    prefetch_related_objects(companies, "brands")
    response = render(
        request,
        "web/public/_company_suggestions.html",
        {"q": query, "companies": companies, "searchable": bool(search_key(query))},
    )
    _cache_headers(request, response)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "—"


def _metrics(stats: Totals) -> list[dict[str, str]]:
    """The company's metrics as the page shows them: a value and what it was computed from."""
    mean = stats.mean_rating
    return [
        {"label": _("有效投诉"), "value": f"{stats.valid:,}", "note": ""},
        {
            "label": _("回复率"),
            "value": _percent(stats.replied, stats.assigned),
            "note": _("已回复 %(n)s / 已转交 %(d)s") % {"n": stats.replied, "d": stats.assigned},
        },
        {
            "label": _("完成率"),
            "value": _percent(stats.completed, stats.valid),
            "note": _("投诉人确认完成 %(n)s 条") % {"n": stats.completed},
        },
        {
            "label": _("满意度"),
            "value": f"{mean:.1f} / 5" if mean is not None else "—",
            "note": _("%(n)s 条评价") % {"n": stats.rated},
        },
    ]


def _rate(rate: float | None, ci: tuple[float, float] | None) -> str:
    if rate is None or ci is None:
        return "—"
    return f"{100 * rate:.0f}% ({100 * ci[0]:.0f}–{100 * ci[1]:.0f}%)"


def _hours(h: float | None) -> str:
    if h is None:
        return "—"
    if h < 48:
        return _("%(n)s 小时") % {"n": f"{h:.1f}"}
    return _("%(n)s 天") % {"n": f"{h / 24:.1f}"}


WINDOW_LABELS = {
    "7": gettext_lazy("近7天"),
    "30": gettext_lazy("近30天"),
    "90": gettext_lazy("近90天"),
    "365": gettext_lazy("近一年"),
    "all": gettext_lazy("全部"),
}


def _window_table(wins: dict[str, Totals]) -> dict[str, Any]:
    """Rows (one metric each) × columns (one window each), as text."""
    cols = list(wins.values())

    def index(t: Totals) -> str:
        idx = t.index
        return f"{idx.index:.1f}" if idx.index is not None else str(_("不参与评级"))

    rows: list[tuple[Any, Callable[[Totals], str]]] = [
        (_("服务指数"), index),
        (_("有效投诉"), lambda t: f"{t.valid:,}"),
        (_("回复率"), lambda t: _rate(t.reply_rate, t.reply_ci)),
        (_("按时回复率"), lambda t: _rate(t.on_time_rate, t.on_time_ci)),
        (_("完成率"), lambda t: _rate(t.completion_rate, t.completion_ci)),
        (
            _("满意度"),
            lambda t: f"{t.mean_rating:.2f} / 5" if t.mean_rating is not None else "—",
        ),
        (_("平均首次回复"), lambda t: _hours(t.mean_frt_hours)),
        (_("首次回复中位数"), lambda t: _hours(t.median_frt_hours)),
    ]
    return {
        "headers": [WINDOW_LABELS[label] for label in wins],
        "rows": [{"label": label, "cells": [fn(t) for t in cols]} for label, fn in rows],
    }


def _frt_histogram(t: Totals) -> list[dict[str, Any]]:
    bounds = [0, *FRT_BOUNDS_HOURS]
    top = max(t.frt_hist) if any(t.frt_hist) else 0
    out = []
    for i, n in enumerate(t.frt_hist):
        if i < len(FRT_BOUNDS_HOURS):
            label = f"{_hours(bounds[i]) if i else '0'} – {_hours(bounds[i + 1])}"
        else:
            label = _("超过 %(d)s") % {"d": _hours(bounds[-1])}
        out.append({"label": label, "count": n, "width": round(100 * n / top) if top else 0})
    return out


@require_safe
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return page_cache.serve(
        request,
        "company",
        lambda: _company_detail(request, pk),
        lambda: [page_cache.company_key(pk), page_cache.figures_key(pk)],
    )


def _company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        company = company_public_get(pk)
    except NotFound:
        target = company_merged_into(pk)
        if target is not None:
            return redirect("web:company_detail", target, permanent=True)
        return render(
            request,
            "404.html",
            {"message": _("找不到该企业。它可能已与其他企业合并，请在企业库中搜索。")},
            status=404,
        )
    wins = windows(Scope(company_id=company.pk))
    stats = wins["all"]
    positions = company_positions(company.pk)
    problem_types = company_problem_types(company.pk)
    recent, more = public_complaint_page(company_id=company.pk, size=10)
    _clocks_expire(request, recent)
    brands = company_brands(company)
    aliases = company_aliases(company)
    etag = _etag(
        request,
        "company",
        company.pk,
        company.name,
        company.is_verified,
        company.is_confirmed,
        company.sector,
        company.region_id,
        company.website,
        company.description,
        [b.name for b in brands],
        aliases,
        {label: t.as_dict() for label, t in wins.items()},
        problem_types,
        [(c.pk, c.status, c.updated_at.isoformat(), c.is_overdue) for c in recent],
        [(p["list_id"], p["rank"], p["list"]) for p in positions],
    )
    cached = _not_modified(request, etag)
    if cached is not None:
        return cached
    top = problem_types[0][2] if problem_types else 0
    website = company.website.strip()
    response = render(
        request,
        "web/public/company_detail.html",
        {
            "company": company,
            "stats": stats,
            "breakdown": [
                {"label": label, "count": n, "width": round(100 * n / top) if top else 0}
                for _code, label, n in problem_types
            ],
            "windows": _window_table(wins),
            "index": wins["365"].index,
            "index_window": WINDOW_LABELS["365"],
            "frt_histogram": _frt_histogram(stats),
            "weekly": company_weekly(company.pk),
            "positions": positions,
            "min_valid": formula.MIN_VALID,
            "recent": recent,
            "has_more": more is not None,
            "brands": brands,
            "aliases": aliases,
            "metrics": _metrics(stats),
            # a link only to a web address (never javascript: or data:)
            "website_url": website if website.lower().startswith(("https://", "http://")) else "",
        },
    )
    _cache_headers(request, response, etag)
    return response
