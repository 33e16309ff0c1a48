"""Reporting periods (DESIGN.md, "Grouping"): where a day, ISO week, month, tertial or year begins.

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
