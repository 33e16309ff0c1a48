"""Sites or units side by side: ranked by one question's share, with its change against
the period before and the same period a year earlier, and whether each change is more
than chance.

The test is the two-proportion z-test (pooled), two-sided at the 5 % level: a change is
"säker" when |z| ≥ 1.96. It is chosen over comparing Wilson intervals because two
intervals that overlap can still hide a real difference, while the z-test asks the
question a manager asks: is this period's share different from that one's? Hidden
(suppressed) figures are never compared.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

#: Two-sided 5 %: beyond this, a change is more than chance.
Z_95 = 1.959963984540054


def two_proportions(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float | None:
    """The pooled two-proportion z statistic of a's share against b's; None when either
    has no answers or every answer is the same."""
    if n_a == 0 or n_b == 0:
        return None
    pooled = (hits_a + hits_b) / (n_a + n_b)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if spread == 0:
        return None
    return (hits_a / n_a - hits_b / n_b) / spread


def before(first: date, last: date) -> tuple[date, date]:
    """The whole months just before ``first``..``last`` (as many as it spans)."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    start = _shift(first, -months)
    return start, first - timedelta(days=1)


def year_before(first: date, last: date) -> tuple[date, date]:
    """The same months a year earlier."""
    end = _shift(last.replace(day=1), -12)
    return _shift(first, -12), _month_end(end)


def hits(figures: dict[str, Any]) -> int | None:
    """How many answers count as satisfied (or resolved); None when hidden. Exact: the
    share is 100 · hits / n (survey/figures.py), so rounding gives back the whole count."""
    if figures.get("suppressed"):
        return None
    share = figures.get("satisfied_share", figures.get("resolved_share"))
    if share is None:
        return None
    return round(float(share) * int(figures["n"]) / 100)


def change(now: dict[str, Any], then: dict[str, Any] | None) -> dict[str, Any] | None:
    """The change of the share from ``then`` to ``now`` in percentage points, its z and
    whether it is more than chance; None when either is hidden or missing."""
    if then is None:
        return None
    a, b = hits(now), hits(then)
    if a is None or b is None:
        return None
    z = two_proportions(a, now["n"], b, then["n"])
    points = 100 * (a / now["n"] - b / then["n"])
    return {"points": points, "z": z, "significant": z is not None and abs(z) >= Z_95}


def compare(
    now: dict[str, Any], earlier: dict[str, Any], last_year: dict[str, Any], question: str
) -> list[dict[str, Any]]:
    """One row per group of the report ``now``: its figures for ``question``, its change
    against ``earlier`` and ``last_year`` (reports of the same grouping), ranked by share
    (hidden ones last)."""

    def by_key(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {g["key"]: g["questions"][question] for g in report["groups"]}

    then, year = by_key(earlier), by_key(last_year)
    rows = []
    for group in now["groups"]:
        figures = group["questions"][question]
        rows.append({
            "key": group["key"], "name": group["name"], "figures": figures,
            "earlier": change(figures, then.get(group["key"])),
            "last_year": change(figures, year.get(group["key"])),
        })  # fmt: skip

    def rank(row: dict[str, Any]) -> tuple[int, float]:
        share = row["figures"].get("satisfied_share", row["figures"].get("resolved_share"))
        return (1, 0.0) if share is None else (0, -share)

    return sorted(rows, key=rank)


def _shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first_of_month: date) -> date:
    return _shift(first_of_month, 1) - timedelta(days=1)
