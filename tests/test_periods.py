"""Period boundaries in Stockholm time, stored and compared in UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from nojd.survey.periods import period_labels, period_start

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


def test_period_labels_are_the_axis_of_a_trend():
    assert period_labels(date(2025, 11, 1), date(2026, 2, 28), "month") == [
        "2025-11", "2025-12", "2026-01", "2026-02"
    ]  # fmt: skip
    assert period_labels(date(2025, 4, 1), date(2026, 1, 31), "tertial") == [
        "2025-T1", "2025-T2", "2025-T3", "2026-T1"
    ]  # fmt: skip
    assert period_labels(date(2024, 12, 1), date(2026, 1, 31), "year") == ["2024", "2025", "2026"]
