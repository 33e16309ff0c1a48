"""Period boundaries in Stockholm time, stored and compared in UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from nojd.survey.periods import period_start

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    ("period", "moment", "start"),
    [
        # 00:30 local on 1 Jan is still 31 Dec in UTC
        ("day", datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "2026-01-01T00:00:00+01:00"),
        ("year", datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "2026-01-01T00:00:00+01:00"),
        # ISO week 1 of 2026 begins on Monday 29 December 2025
        ("week", datetime(2026, 1, 1, 12, 0, tzinfo=UTC), "2025-12-29T00:00:00+01:00"),
        ("month", datetime(2026, 4, 30, 22, 30, tzinfo=UTC), "2026-05-01T00:00:00+02:00"),
        ("tertial", datetime(2026, 4, 30, 21, 30, tzinfo=UTC), "2026-01-01T00:00:00+01:00"),
        ("tertial", datetime(2026, 4, 30, 22, 30, tzinfo=UTC), "2026-05-01T00:00:00+02:00"),
        ("tertial", datetime(2026, 12, 31, 12, 0, tzinfo=UTC), "2026-09-01T00:00:00+02:00"),
        # the day summer time begins has 23 hours; its start is still local midnight
        ("day", datetime(2026, 3, 29, 12, 0, tzinfo=UTC), "2026-03-29T00:00:00+01:00"),
    ],
)
def test_period_start(period, moment, start):
    assert period_start(period, moment, STOCKHOLM).isoformat() == start


def test_unknown_period_is_named():
    with pytest.raises(
        ValueError, match="period: 'quarter' is not one of day, week, month, tertial, year"
    ):
        period_start("quarter", datetime(2026, 1, 1, tzinfo=UTC), STOCKHOLM)
