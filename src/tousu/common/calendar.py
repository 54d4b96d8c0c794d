"""Working days with the Chinese public-holiday calendar, including 调休 working weekends.

Uses the maintained ``chinese_calendar`` package. For a year it does not know yet, falls back to
weekends plus the fixed-date holidays (New Year, Labour Day, National Day) and logs a warning.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar

logger = logging.getLogger(__name__)

# Fixed-date holidays used only for years the package does not cover.
_FIXED_HOLIDAYS = {
    (1, 1),
    (5, 1),
    (5, 2),
    (5, 3),
    (10, 1),
    (10, 2),
    (10, 3),
    (10, 4),
    (10, 5),
    (10, 6),
    (10, 7),
}


@lru_cache(maxsize=64)
def _warn_unknown_year(year: int) -> None:
    logger.warning("holiday calendar does not know %s; using weekends + fixed-date holidays", year)


def is_working_day(day: dt.date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_unknown_year(day.year)
        return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day on the ``days``-th working day after ``start``."""
    from django.utils import timezone

    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days from ``start`` to ``end`` (negative when ``end`` is earlier).

    Counts the working days after start's date up to and including end's date, so a deadline
    due tomorrow (a working day) is 1 working day away, and one due yesterday is -1 (overdue).
    """
    from django.utils import timezone

    a, b = timezone.localtime(start).date(), timezone.localtime(end).date()
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    # working days in (a, b] from per-year running counts (a page of complaints overdue for a
    # year or two used to walk hundreds of days per clock: 13 ms for 700 days)
    whole_years = sum(_running_counts(y)[-1] for y in range(a.year, b.year))
    return sign * (whole_years + _through(b) - _through(a))


def _through(day: dt.date) -> int:
    """Working days from 1 January of ``day``'s year up to and including ``day``."""
    return _running_counts(day.year)[day.timetuple().tm_yday - 1]


@lru_cache(maxsize=256)
def _running_counts(year: int) -> tuple[int, ...]:
    """For each day of ``year``: the working days from 1 January up to and including it."""
    out, count, day = [], 0, dt.date(year, 1, 1)
    while day.year == year:
        count += is_working_day(day)
        out.append(count)
        day += dt.timedelta(days=1)
    return tuple(out)
