"""消费者服务之星: quarterly and annual nominations from the service index; staff decide.

Nominees of a period: companies with at least ``STAR_MIN_VALID`` valid complaints filed in the
period, a service index of at least ``STAR_MIN_INDEX``, the best ``STAR_NOMINEES`` of them.
Staff (moderators) confirm or decline each nomination; the award page shows confirmed stars.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied

from . import formula
from .models import ServiceStar, StarPeriod, StarState
from .rankings import periods, rank
from .selectors import company_inputs

STAR_MIN_VALID = 30
STAR_MIN_INDEX = 70.0
STAR_NOMINEES = 5


def star_periods(today: date) -> dict[str, tuple[date, date]]:
    quarter = periods(today)["quarterly"]
    assert quarter[0] is not None
    year = today.year - 1
    return {
        StarPeriod.QUARTERLY: (quarter[0], quarter[1]),
        StarPeriod.ANNUAL: (date(year, 1, 1), date(year, 12, 31)),
    }


def stars_nominate(today: date | None = None) -> dict[str, int]:
    """The periodic job: nominate for the latest complete quarter and year, once."""
    today = today or timezone.localdate()
    made: dict[str, int] = {}
    for period, (start, end) in star_periods(today).items():
        made[str(period)] = 0
        if ServiceStar.objects.filter(
            period=period, period_end=end, formula_version=formula.VERSION
        ).exists():
            continue
        rated, _not_rated = rank(company_inputs(start, end))
        nominees = [
            e
            for e in rated
            if e["inputs"]["valid"] >= STAR_MIN_VALID and e["index"] >= STAR_MIN_INDEX
        ][:STAR_NOMINEES]
        try:
            with transaction.atomic():
                for position, e in enumerate(nominees, start=1):
                    ServiceStar.objects.create(
                        period=period,
                        period_start=start,
                        period_end=end,
                        company_id=e["company_id"],
                        rank=position,
                        index=e["index"],
                        inputs={**e["inputs"], "components": e["components"]},
                        formula_version=formula.VERSION,
                    )
        except IntegrityError:  # another scheduler nominated first
            continue
        made[str(period)] = len(nominees)
    return made


def _require_staff(actor: User) -> None:
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有平台工作人员可以评定服务之星", code="moderators_only")


def stars_for_review(actor: User) -> QuerySet[ServiceStar]:
    _require_staff(actor)
    return ServiceStar.objects.filter(state=StarState.NOMINATED).select_related("company")


def stars_awarded() -> QuerySet[ServiceStar]:
    return ServiceStar.objects.filter(state=StarState.CONFIRMED).select_related("company")


def star_decide(*, star_id: int, actor: User, confirm: bool, note: str = "") -> ServiceStar:
    """Staff confirm (award) or decline a nomination; decided once."""
    _require_staff(actor)
    with transaction.atomic():
        star = ServiceStar.objects.select_for_update().filter(pk=star_id).first()
        if star is None:
            raise NotFound("找不到该提名", code="star_not_found")
        if star.state != StarState.NOMINATED:
            raise Conflict("该提名已评定", code="star_decided")
        star.state = StarState.CONFIRMED if confirm else StarState.DECLINED
        star.decided_by = actor
        star.decided_at = timezone.now()
        star.note = (note or "").strip()[:200]
        star.save(update_fields=["state", "decided_by", "decided_at", "note"])
    return star
