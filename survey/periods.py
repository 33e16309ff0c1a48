"""Reporting periods: where a day, ISO week, month, tertial or year begins.

Boundaries are local midnights in the configured time zone (default
Europe/Stockholm); times are stored in UTC.  Kiosk and server both take their
period boundaries from here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "tertial", "year")


def period_start(period: str, moment: datetime, zone: ZoneInfo) -> datetime:
    """The local midnight that begins the ``period`` holding ``moment`` (an aware time)."""
    day = moment.astimezone(zone).date()
    starts = {
        "day": day,
        "week": day - timedelta(days=day.weekday()),
        "month": day.replace(day=1),
        "tertial": date(day.year, 1 + 4 * ((day.month - 1) // 4), 1),
        "year": date(day.year, 1, 1),
    }
    if period not in starts:
        raise ValueError(f"period: {period!r} is not one of {', '.join(PERIODS)}")
    return datetime.combine(starts[period], time(), zone)


def period_keys(day: str) -> tuple[str, str, str, str, str]:
    """Labels of a local day: ``("2026-01-01", "2026-W01", "2026-01", "2026-T1", "2026")``.

    Weeks are ISO weeks (the last days of December can belong to week 1 of the
    next year); tertials are T1 January–April, T2 May–August, T3 September–December.
    """
    moment = date.fromisoformat(day)
    year, week, _ = moment.isocalendar()
    tertial = (moment.month - 1) // 4 + 1
    return day, f"{year}-W{week:02d}", day[:7], f"{day[:4]}-T{tertial}", day[:4]


def period_labels(first: date, last: date, period: str) -> list[str]:
    """Every label of ``period`` (month, tertial or year) that local days
    ``first``..``last`` touch, in order: the x axis of a trend."""
    column = {"month": 2, "tertial": 3, "year": 4}[period]
    labels: list[str] = []
    month = first.replace(day=1)
    while month <= last:
        label = period_keys(month.isoformat())[column]
        if label not in labels:
            labels.append(label)
        month = (month + timedelta(days=32)).replace(day=1)
    return labels
