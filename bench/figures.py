"""Figures benchmark: 10 million responses' rollups, then the two queries a manager runs most.

    .venv/bin/python bench/figures.py [--responses 10000000]

The figures read only the rollups (answers per local day, and per local
month, × device × site × question × answer × flagged; responses per day and
month × device), never the responses themselves.  So this loads the rollups
that 10 million responses would leave, over 3 years, 50 devices at 10 sites,
directly into a fresh store through its import (the
responses table stays empty), then times:

1. a year by month for all sites (``by=site, period=month``, one year);
2. the total of one device over the 3 years (``by=device, period=total``);
3. the same year by month from ``2025-01-02`` to ``2025-12-30``: not whole months;
4. 50 random ranges (any days, any length, a random grouping and period), each cold
   (the first query of a store just opened) and warm: p50, p99 and max.

On SQLite and on a throwaway PostgreSQL (``--stores sqlite,postgresql``).
Aim (the ingest and figures issue): any range under 200 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))  # a PostgreSQL

from nojd.server.config import Organisation
from nojd.server.figures import Report, report
from nojd.server.store import Store, open_store
from nojd.server.store.tables import TABLES
from nojd.survey import default_survey
from nojd.survey.periods import period_keys

SURVEY = default_survey()
DEVICES = [(f"desk-{n:02d}", f"site-{n % 10}") for n in range(50)]
START = date(2024, 1, 1)
DAYS = 3 * 365
WEIGHTS = (5, 8, 15, 32, 40)


def load(store: Store, responses: int) -> None:
    chance = random.Random(2026)
    per_day = responses / (DAYS * len(DEVICES))
    rollups: list[tuple[Any, ...]] = []
    counts: list[tuple[Any, ...]] = []
    days: list[tuple[Any, ...]] = []
    for offset in range(DAYS):
        day = (START + timedelta(days=offset)).isoformat()
        days.append(period_keys(day))
        for device, site in DEVICES:
            n = max(0, round(chance.gauss(per_day, per_day / 5)))
            flagged = chance.randint(0, 2) if n else 0
            counts.append((day, device, site, SURVEY.id, 0, n - flagged))
            counts.append((day, device, site, SURVEY.id, 1, flagged))
            for question in SURVEY.questions:
                answers = (
                    chance.choices(range(1, 6), WEIGHTS, k=n)
                    if question.kind == "rating" else chance.choices(question.option_ids, k=n)
                )  # fmt: skip
                tally: dict[str, int] = {}
                for answer in answers:
                    tally[str(answer)] = tally.get(str(answer), 0) + 1
                for answer, many in tally.items():
                    rollups.append((day, device, site, SURVEY.id, question.id, answer, 0, many))
    # the month rollups ingest keeps beside the day rollups: the same counts per month
    months: dict[tuple[Any, ...], int] = {}
    month_counts: dict[tuple[Any, ...], int] = {}
    for row in rollups:
        key = (row[0][:7], *row[1:-1])
        months[key] = months.get(key, 0) + row[-1]
    for row in counts:
        key = (row[0][:7], *row[1:-1])
        month_counts[key] = month_counts.get(key, 0) + row[-1]
    given: dict[str, list[tuple[Any, ...]]] = {
        "days": days,
        "response_rollups": counts,
        "rollups": rollups,
        "month_rollups": [(*key, n) for key, n in months.items()],
        "month_responses": [(*key, n) for key, n in month_counts.items()],
    }
    store.import_tables((table, [given[table.name]]) for table in TABLES if table.name in given)
    print(f"loaded {sum(c[5] for c in counts):,} responses as {len(rollups):,} rollup rows")


def timed(label: str, run: Callable[[], Report], repeats: int = 20) -> None:
    run()  # the first run warms the page cache
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{label}: median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms "
          f"over {repeats} runs ({len(result['groups'])} groups)")  # fmt: skip


def random_ranges(count: int) -> list[tuple[date, date, str, str]]:
    """``count`` ranges anywhere in the 3 years, starting and ending on any day (seldom
    whole months), with a grouping and a period a manager would pick."""
    chance = random.Random(11)
    made = []
    for _ in range(count):
        first = START + timedelta(days=chance.randrange(DAYS - 2))
        last = first + timedelta(days=chance.randrange(1, DAYS - (first - START).days))
        made.append((first, last, chance.choice(["site", "unit", "device", "all"]),
                     chance.choice(["total", "month", "tertial", "year"])))  # fmt: skip
    return made


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def any_ranges(open_: Callable[[], Store], label: str, count: int = 50) -> None:
    """Each range cold (the first query of a store just opened) and warm (the same again)."""
    cold: list[float] = []
    warm: list[float] = []
    for first, last, by, period in random_ranges(count):
        store = open_()
        organisation = Organisation()
        for samples in (cold, warm):
            started = time.perf_counter()
            report(store, SURVEY, organisation, first=first, last=last, by=by, period=period)
            samples.append((time.perf_counter() - started) * 1000)
        store.close()
    for name, samples in (("cold", cold), ("warm", warm)):
        print(f"{label}, {count} random ranges, {name}: p50 {statistics.median(samples):.0f} ms, "
              f"p99 {percentile(samples, 0.99):.0f} ms, max {max(samples):.0f} ms")  # fmt: skip


def bench_store(kind: str, url: str, responses: int, zone: ZoneInfo) -> None:
    store = open_store(url, zone)
    started = time.perf_counter()
    load(store, responses)
    print(f"{kind}: load took {time.perf_counter() - started:.0f} s")
    organisation = Organisation()
    timed(f"{kind}: year by month, all sites", lambda: report(
        store, SURVEY, organisation, first=date(2025, 1, 1), last=date(2025, 12, 31),
        by="site", period="month"))  # fmt: skip
    timed(f"{kind}: three years' total of one device", lambda: report(
        store, SURVEY, organisation, first=START, last=START + timedelta(days=DAYS - 1),
        by="device", period="total", device="desk-07"))  # fmt: skip
    timed(f"{kind}: year by month, not whole months", lambda: report(
        store, SURVEY, organisation, first=date(2025, 1, 2), last=date(2025, 12, 30),
        by="site", period="month"))  # fmt: skip
    store.close()
    any_ranges(lambda: open_store(url, zone), kind)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    args = parser.parse_args()
    zone = ZoneInfo("Europe/Stockholm")
    with tempfile.TemporaryDirectory() as scratch:
        for kind in args.stores.split(","):
            if kind == "sqlite":
                bench_store(kind, f"sqlite:///{Path(scratch) / 'server.sqlite'}", args.responses,
                            zone)  # fmt: skip
                continue
            from postgres import Postgres  # type: ignore[import-not-found]  # tests/

            postgres = Postgres().start()
            try:
                bench_store(kind, postgres.database(), args.responses, zone)
            finally:
                postgres.stop()


if __name__ == "__main__":
    main()
