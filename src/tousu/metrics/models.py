"""Metric counters kept in step with the complaint timelines, and the ranking snapshots.

``ComplaintMetric`` holds one complaint's contribution (the fold of its timeline, see
``fold.py``); ``CompanyDay`` holds the sums of those contributions per company, brand and
submission day. Both are written only by ``tousu.metrics.services`` (in the complaint's
transaction) and by ``tousu metrics-rebuild``.
"""

from __future__ import annotations

import json
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tousu.companies.models import Company

# first-reply time histogram: upper bounds in hours of buckets 0..9; bucket 10 is "longer"
FRT_BOUNDS_HOURS: tuple[int, ...] = (1, 4, 12, 24, 48, 72, 120, 168, 336, 720)
FRT_BUCKETS = len(FRT_BOUNDS_HOURS) + 1

# the additive columns of a day row (and of a complaint's contribution)
COUNTERS: tuple[str, ...] = (
    "submitted",
    "valid",
    "assigned",
    "replied",
    "replied_in_sla",
    "completed",
    "rated",
    "attitude_sum",
    "speed_sum",
    "satisfaction_sum",
    "frt_seconds",
    *(f"frt_b{i}" for i in range(FRT_BUCKETS)),
)
# the counters the service index reads (``formula.service_index``): the columns of the month
# rollup ``CompanyMonth``; a ranking list sums only these
INDEX_COUNTERS: tuple[str, ...] = (
    "valid",
    "assigned",
    "replied",
    "replied_in_sla",
    "completed",
    "rated",
    "attitude_sum",
    "speed_sum",
    "satisfaction_sum",
)
# the columns of one ComplaintMetric row, in the order both rebuild paths write them
METRIC_COLUMNS: tuple[str, ...] = (
    "complaint_id",
    "company_id",
    "brand_key",
    "day",
    "first_assigned_at",
    "clock_started_at",
    "first_reply_at",
    "overdue",
    "problem_types",
    "region",
    *COUNTERS,
)


class Counters(models.Model):
    """The additive columns (``COUNTERS``)."""

    # complaints first submitted that day (whatever became of them): the surge scan's counts
    submitted = models.IntegerField(default=0)
    valid = models.IntegerField(default=0)
    assigned = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    replied_in_sla = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    attitude_sum = models.IntegerField(default=0)
    speed_sum = models.IntegerField(default=0)
    satisfaction_sum = models.IntegerField(default=0)
    frt_seconds = models.BigIntegerField(default=0)
    frt_b0 = models.IntegerField(default=0)
    frt_b1 = models.IntegerField(default=0)
    frt_b2 = models.IntegerField(default=0)
    frt_b3 = models.IntegerField(default=0)
    frt_b4 = models.IntegerField(default=0)
    frt_b5 = models.IntegerField(default=0)
    frt_b6 = models.IntegerField(default=0)
    frt_b7 = models.IntegerField(default=0)
    frt_b8 = models.IntegerField(default=0)
    frt_b9 = models.IntegerField(default=0)
    frt_b10 = models.IntegerField(default=0)

    class Meta:
        abstract = True


class CompanyDay(Counters):
    """Sums of complaint contributions for one company, brand (0 = none) and cohort day (the
    local date the complaint was first submitted). Sector and region come from the company at
    query time, so a company moved to another sector takes its history with it."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    brand_key = models.BigIntegerField(default=0, help_text="brand id, 0 when none")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "brand_key", "day"], name="metrics_companyday_key"
            )
        ]
        indexes = [
            models.Index(fields=["day", "company"], name="metrics_companyday_day"),
            models.Index(fields=["brand_key", "day"], name="metrics_companyday_brand"),
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.brand_key}/{self.day}"


class IndexCounters(models.Model):
    """The counters the service index reads (``INDEX_COUNTERS``)."""

    valid = models.IntegerField(default=0)
    assigned = models.IntegerField(default=0)
    replied = models.IntegerField(default=0)
    replied_in_sla = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    attitude_sum = models.IntegerField(default=0)
    speed_sum = models.IntegerField(default=0)
    satisfaction_sum = models.IntegerField(default=0)

    class Meta:
        abstract = True


class CompanyMonth(IndexCounters):
    """The day rows of a company summed per calendar month (``month``: its first day), for the
    counters the service index reads: a monthly or quarterly 红黑榜 sums a few rows per
    company instead of every day row (ADR 0032). Kept exactly in step with ``CompanyDay``:
    the same deltas in the same transaction (incremental path, bulk refresh), and refilled
    from the day rows by both rebuilds. No row for a month whose index counters never moved."""

    # no index of its own: the unique key starts with the company
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", db_index=False)
    month = models.DateField(help_text="first day of the month")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "month"], name="metrics_companymonth_key")
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.month:%Y-%m}"


class CompanyTotal(IndexCounters):
    """A company's day rows summed over all time, index counters only: the overall 红黑榜
    reads one row per company (less the days after its last day). Kept like ``CompanyMonth``
    (ADR 0032)."""

    company = models.OneToOneField(
        Company, on_delete=models.CASCADE, related_name="+", primary_key=True
    )

    def __str__(self) -> str:
        return f"{self.company_id}"


class ComplaintMetric(Counters):
    """One complaint's folded timeline: its contribution to ``CompanyDay`` plus the state the
    fold needs to take the next event (see ``fold.State``)."""

    complaint_id = models.BigIntegerField(primary_key=True)
    company_id = models.BigIntegerField()
    brand_key = models.BigIntegerField(default=0)
    day = models.DateField()
    first_assigned_at = models.DateTimeField(null=True)
    clock_started_at = models.DateTimeField(null=True)
    first_reply_at = models.DateTimeField(null=True)
    overdue = models.BooleanField(default=False)
    # the complaint's problem types, counted in ``CompanyProblem`` while it is valid
    problem_types = models.JSONField(default=list)
    # the consumer's province (``110000``), "" when unknown: counted in ``SubmissionDay``
    region = models.CharField(max_length=6, default="", blank=True)

    class Meta:
        indexes = [
            # only the overdue rows (a few per cent): ``overdue_now`` counts a company's in
            # an index range. The former (company_id, overdue) index was read for every row of
            # the company (SQLite does not match a bare boolean to an index column): 180 ms for
            # the largest company at 30M complaints
            models.Index(
                fields=["company_id"],
                condition=models.Q(overdue=True),
                name="metrics_cm_overdue_now",
            ),
        ]

    def __str__(self) -> str:
        return f"metrics of complaint {self.complaint_id}"


class CompanyProblem(models.Model):
    """Valid complaints of a company per problem type (a complaint may have several)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    problem_type = models.CharField(max_length=30)
    valid = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "problem_type"], name="metrics_companyproblem_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id}/{self.problem_type}"


class SubmissionKind(models.TextChoices):
    REGION = "region", _("地区")
    PROBLEM = "problem", _("问题类型")


class SubmissionDay(models.Model):
    """Complaints first submitted on a local day per consumer province or per problem type
    (a complaint may have several), whatever became of them: with ``CompanyDay.submitted`` the
    daily series of the surge scan (``tousu.insights.services.load_counts``), read without
    touching the complaints. Kept like ``CompanyDay``: in the complaint's transaction, by the
    bulk refresh and by ``tousu metrics-rebuild``."""

    kind = models.CharField(max_length=10, choices=SubmissionKind.choices)
    key = models.CharField(max_length=30)
    day = models.DateField()
    submitted = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "day", "key"], name="metrics_submissionday_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.key}/{self.day}"


class ListKind(models.TextChoices):
    WEEKLY = "weekly", _("周榜")
    MONTHLY = "monthly", _("月榜")
    QUARTERLY = "quarterly", _("季榜")
    OVERALL = "overall", _("总榜")


class EncodedList(list[Any]):
    """A list with its JSON text already made; ``ListJSONEncoder`` writes that text as it is.
    (Lists no longer store their entries as JSON, ADR 0032 amendment: both stay because
    migration 0007 names the encoder.)"""

    def __init__(self, items: list[Any], text: str) -> None:
        super().__init__(items)
        self.text = text


class ListJSONEncoder(json.JSONEncoder):
    """The JSON encoder of ``RankingList.entries``: an ``EncodedList`` as its own text, anything
    else as ``json.dumps`` writes it."""

    def encode(self, o: Any) -> str:
        if isinstance(o, EncodedList):
            return o.text
        return super().encode(o)


class ImmutableError(Exception):
    pass


class RankingList(models.Model):
    """A 红黑榜 as published: immutable once written. Its ``positions`` hold every rated
    company's entry, index and inputs (so the list can be checked by anyone), ``formula`` the
    formula version and its parameters; ``red`` and ``black`` are copies of the first and last
    entries."""

    kind = models.CharField(max_length=10, choices=ListKind.choices)
    sector = models.CharField(max_length=20, blank=True, help_text="blank: all sectors")
    period_start = models.DateField(null=True, blank=True, help_text="null: from the beginning")
    period_end = models.DateField()
    formula_version = models.CharField(max_length=10)
    formula = models.JSONField(default=dict)
    red = models.JSONField(default=list)
    black = models.JSONField(default=list)
    rated = models.PositiveIntegerField(default=0)
    not_rated = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "kind", "sector"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "sector", "period_end", "formula_version"],
                name="metrics_rankinglist_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sector or 'all'} {self.period_end}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableError("a published ranking list cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableError("a published ranking list cannot be deleted")


class StarPeriod(models.TextChoices):
    QUARTERLY = "quarterly", _("季度")
    ANNUAL = "annual", _("年度")


class StarState(models.TextChoices):
    NOMINATED = "nominated", _("待确认")
    CONFIRMED = "confirmed", _("已授予")
    DECLINED = "declined", _("未授予")


class ServiceStar(models.Model):
    """消费者服务之星: a nomination computed from the data (``stars.py``), then confirmed or
    declined by staff. The award page shows confirmed ones."""

    period = models.CharField(max_length=10, choices=StarPeriod.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()
    index = models.FloatField()
    inputs = models.JSONField(default=dict)
    formula_version = models.CharField(max_length=10)
    state = models.CharField(max_length=10, choices=StarState.choices, default=StarState.NOMINATED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "period", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "period_end", "company", "formula_version"],
                name="metrics_servicestar_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.period_end} #{self.rank} {self.company_id}"


class RankingPosition(models.Model):
    """A company's entry in one published list (all-sector or sector; written with the list):
    its rank, index and the entry as published (``entry``: the JSON text, with its inputs and
    intervals). The list's pages read it by rank, the company page its history in the
    all-sector lists (ADR 0032 amendment)."""

    # no single-column indexes: one unique key starts with the list (pages by rank), the other
    # with the company (its history); each of the 200,000 rows of a list at 30M was written
    # into every index
    ranking = models.ForeignKey(
        RankingList, on_delete=models.CASCADE, related_name="positions", db_index=False
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        related_name="ranking_positions",
        db_index=False,
    )
    rank = models.PositiveIntegerField()
    index = models.FloatField()
    on_list = models.CharField(max_length=5, blank=True)  # red / black / ""
    # JSON text (not parsed into jsonb on writing: 82 MB per 30M list); ``data`` parses it
    entry = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ranking", "rank"], name="ranking_position_rank"),
            models.UniqueConstraint(fields=["company", "ranking"], name="ranking_position_once"),
        ]

    @property
    def data(self) -> dict[str, Any]:
        """The entry as published (``company_id``, ``name``, ``sector``, ``index``,
        ``components``, ``inputs``, ``intervals``, ``rank``)."""
        return cast(dict[str, Any], json.loads(self.entry))
