"""消费热点: weekly rising words per sector and province, from public complaints only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import numpy as np
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.companies.models import Region, Sector
from tousu.complaints.models import Complaint, Visibility

from .detect import Term, quantile, rising_terms_of_sets, word_sets
from .models import Hotspot, HotspotScope
from .services import local_day_bounds, public_text
from .topics import Topic, find_topics

WEEK_SAMPLE = 1500  # texts of the week per scope
BASELINE_SAMPLE = 3000  # texts of the four weeks before
MIN_COMPLAINTS = 20  # a scope with fewer public complaints in the week gets no hotspot
TOP_TERMS = 10  # rising words shown per scope
TOPIC_TERMS = 30  # rising words grouped into topics
MIN_TOPIC_COMPLAINTS = 5  # complaints of the week that carry a topic
TOPIC_ALPHA = 0.001  # a topic rose when its week is above this Poisson tail of its baseline


# samples are the newest by submission time: read from the submitted_at index, stopping at the
# sample size (by id, SQLite walked every public complaint newer than the window first)
NEWEST = ("-submitted_at", "-id")


def _public(first: date, last: date) -> QuerySet[Complaint]:
    start, end = local_day_bounds(first, last)
    return Complaint.objects.filter(
        submitted_at__gte=start, submitted_at__lt=end, visibility=Visibility.PUBLIC
    )


def _scopes() -> list[tuple[str, str, str, dict[str, Any]]]:
    out: list[tuple[str, str, str, dict[str, Any]]] = [(HotspotScope.ALL, "", "全国", {})]
    out += [
        (HotspotScope.SECTOR, v, str(label), {"company__sector": v}) for v, label in Sector.choices
    ]
    for code, name in Region.objects.filter(level=1).values_list("code", "name"):
        where = {"consumer_region__code__startswith": code[:2]}
        out.append((HotspotScope.REGION, code, name, where))
    return out


def hotspots_build(week_start: date) -> int:
    """Compute (again) the hotspots of the week starting on Monday ``week_start``."""
    if week_start.weekday() != 0:
        raise ValueError("week_start must be a Monday")
    week_end = week_start + timedelta(days=6)
    base_first, base_last = week_start - timedelta(days=28), week_start - timedelta(days=1)
    background = word_sets(
        public_text(c) for c in _public(base_first, week_end).order_by(*NEWEST)[:1000]
    )
    rows = []
    for kind, key, label, filters in _scopes():
        week = _public(week_start, week_end).filter(**filters)
        count = week.count()
        if count < MIN_COMPLAINTS and kind != HotspotScope.ALL:
            continue  # (the national row is always written: it marks the week as done)
        baseline = _public(base_first, base_last).filter(**filters)
        base_count = baseline.count()
        week_sample = list(week.order_by(*NEWEST)[:WEEK_SAMPLE])
        week_sets = word_sets(public_text(c) for c in week_sample)
        base_sets = word_sets(public_text(c) for c in baseline.order_by(*NEWEST)[:BASELINE_SAMPLE])
        terms = rising_terms_of_sets(week_sets, base_sets, background, top=TOPIC_TERMS)
        topics = find_topics(week_sets, base_sets, terms)
        search = {"date_from": week_start.isoformat(), "date_to": week_end.isoformat()}
        if kind != HotspotScope.ALL:
            search[kind] = key
        rows.append(
            Hotspot(
                week_start=week_start,
                scope_kind=kind,
                scope_key=key,
                label=label,
                complaints=count,
                baseline_weekly=round(base_count / 4, 1),
                terms=[_term(t) for t in terms[:TOP_TERMS]],
                topics=_topics_out(
                    topics,
                    week_scale=count / max(len(week_sets), 1),
                    base_scale=base_count / max(len(base_sets), 1) / 4,
                    numbers=[c.public_number for c in week_sample],
                    search=search,
                ),
            )
        )
    with transaction.atomic():
        Hotspot.objects.filter(week_start=week_start).delete()
        Hotspot.objects.bulk_create(rows)
    return len(rows)


def _term(t: Term) -> dict[str, Any]:
    return {"term": t.term, "z": t.z, "count": t.count}


def topic_rose(week: int, baseline_weekly: float) -> bool:
    """At least ``MIN_TOPIC_COMPLAINTS``, and more than a Poisson count with the baseline's
    weekly mean (at least 1) reaches but once in 1 / ``TOPIC_ALPHA`` weeks: in a province with
    a few dozen complaints a week, words picked because they rose make chance topics."""
    if week < MIN_TOPIC_COMPLAINTS:
        return False
    expected = np.array([max(baseline_weekly, 1.0)])
    return bool(week > quantile(expected, np.ones(1), 1 - TOPIC_ALPHA)[0])


def _topics_out(topics: list[Topic], *, week_scale: float, base_scale: float,
                numbers: list[str], search: dict[str, str]) -> list[dict[str, Any]]:  # fmt: skip
    """The topics that rose, as stored. Counts are scaled from the samples to the whole week
    (and to a week of the baseline): exact when the week had at most ``WEEK_SAMPLE``
    complaints."""
    out = []
    for topic in topics:
        week = round(topic.week * week_scale)
        base = round(topic.baseline * base_scale, 1)
        if not topic_rose(week, base):
            continue  # its words rose, but not together, or too few to tell
        out.append(
            {
                "label": topic.label,
                "terms": [_term(t) for t in topic.terms],
                "complaints": week,
                "baseline_weekly": base,
                "rise": round(week / base, 1) if base else None,
                "examples": [numbers[i] for i in topic.examples],
                "search_url": "/search/?" + urlencode({"q": " ".join(topic.words[:2]), **search}),
            }
        )
    return out


def hotspots_due(now: Any = None) -> dict[str, Any]:
    """The periodic job: build last week's hotspots once, on Monday after 01:00 or later."""
    local = timezone.localtime(now or timezone.now())
    monday = local.date() - timedelta(days=local.weekday())
    last_week = monday - timedelta(days=7)
    if (local.date() == monday and local.hour < 1) or Hotspot.objects.filter(
        week_start=last_week
    ).exists():
        return {"skipped": str(last_week)}
    return {"week": str(last_week), "hotspots": hotspots_build(last_week)}


def hotspot_weeks() -> list[date]:
    return list(
        Hotspot.objects.order_by("-week_start").values_list("week_start", flat=True).distinct()[:52]
    )
