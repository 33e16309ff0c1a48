"""Opening hours: outside them the terminal shows the closed screen, and the server knows
the desk is closed.

In the kiosk config::

    [hours]
    timezone = "Europe/Stockholm"
    mon = "08:00-16:30"
    fri = "08:00-12:00, 13:00-15:00"
    closed_dates = ["2026-12-24"]

A day that is not listed is closed.  Without ``[hours]`` the terminal is
always open.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from nojd.tomlconfig import Table

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")

Span = tuple[time, time]


@dataclass(frozen=True)
class OpeningHours:
    """When the desk is open, per weekday (0 = Monday), in a time zone."""

    timezone: ZoneInfo
    days: Mapping[int, tuple[Span, ...]]
    closed_dates: frozenset[date] = frozenset()

    def is_open(self, moment: datetime) -> bool:
        """Whether the desk is open at ``moment`` (an aware time)."""
        local = moment.astimezone(self.timezone)
        if local.date() in self.closed_dates:
            return False
        clock = local.time().replace(tzinfo=None)
        return any(start <= clock < end for start, end in self.days.get(local.weekday(), ()))

    def hours_of(self, weekday: int) -> list[int]:
        """The clock hours (0–23) of ``weekday`` (0 = Monday) the desk is open in, at least
        in part."""
        spans = self.days.get(weekday, ())
        return [
            hour
            for hour in range(24)
            if any(start < (time(hour + 1) if hour < 23 else time.max) and end > time(hour)
                   for start, end in spans)
        ]  # fmt: skip

    def next_change(self, moment: datetime) -> datetime | None:
        """The first opening or closing after ``moment``, within a fortnight."""
        local = moment.astimezone(self.timezone)
        for offset in range(15):
            day = local.date() + timedelta(days=offset)
            if day in self.closed_dates:
                continue
            for start, end in self.days.get(day.weekday(), ()):
                for edge in (start, end):
                    at = datetime.combine(day, edge, self.timezone)
                    if at > local:
                        return at.astimezone(UTC)
        return None

    def next_opening(self, moment: datetime) -> datetime | None:
        """When the desk opens next after ``moment`` (local time), within a fortnight."""
        change = self.next_change(moment)
        while change is not None and not self.is_open(change):
            change = self.next_change(change)
        return None if change is None else change.astimezone(self.timezone)


def parse_hours(table: Table) -> OpeningHours:
    """Opening hours from the ``[hours]`` table of a kiosk config."""
    table.only("timezone", *DAYS, "closed_dates")
    name = table.get("timezone", "Europe/Stockholm", _text, "a time zone like 'Europe/Stockholm'")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise table.fail("timezone", f"{name[:60]!r} is not a known time zone") from None
    days = {
        index: table.get(day, (), _spans, "times like '08:00-16:30, 17:00-19:00' or ''")
        for index, day in enumerate(DAYS)
    }
    closed = table.get("closed_dates", frozenset(), _dates, "a list of dates like '2026-12-24'")
    return OpeningHours(zone, days, closed)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _spans(value: object) -> tuple[Span, ...]:
    text = _text(value).strip()
    if text in ("", "closed"):
        return ()
    spans = []
    for part in text.split(","):
        match = _SPAN.fullmatch(part.strip())
        if not match:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start = time(h1, m1)
        end = time.max if (h2, m2) == (24, 0) else time(h2, m2)
        if not start < end:
            raise ValueError(part)
        spans.append((start, end))
    return tuple(spans)


def _dates(value: object) -> frozenset[date]:
    if not isinstance(value, list):
        raise TypeError(value)
    return frozenset(date.fromisoformat(_text(item)) for item in value)
