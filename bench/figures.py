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
3. the same year by month from ``2025-01-02`` to ``2025-12-30``: not whole
   months, so it is read from the day rollups.

Aim (the server issue): under 200 ms each.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nojd.server.config import Organisation
from nojd.server.figures import Report, report
from nojd.server.store import SqliteStore
from nojd.server.store.tables import TABLES
from nojd.survey import default_survey
from nojd.survey.periods import period_keys

SURVEY = default_survey()
DEVICES = [(f"desk-{n:02d}", f"site-{n % 10}") for n in range(50)]
START = date(2024, 1, 1)
DAYS = 3 * 365
WEIGHTS = (5, 8, 15, 32, 40)


def load(store: SqliteStore, responses: int) -> None:
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
    run()  # the first run warms SQLite's page cache
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{label}: median {statistics.median(samples):.0f} ms, max {max(samples):.0f} ms "
          f"over {repeats} runs ({len(result['groups'])} groups)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=10_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        store = SqliteStore(Path(scratch) / "server.sqlite", ZoneInfo("Europe/Stockholm"))
        started = time.perf_counter()
        load(store, args.responses)
        print(f"load took {time.perf_counter() - started:.0f} s")
        organisation = Organisation()
        timed("year by month, all sites", lambda: report(
            store, SURVEY, organisation, first=date(2025, 1, 1), last=date(2025, 12, 31),
            by="site", period="month"))  # fmt: skip
        timed("three years' total of one device", lambda: report(
            store, SURVEY, organisation, first=START, last=START + timedelta(days=DAYS - 1),
            by="device", period="total", device="desk-07"))  # fmt: skip
        timed("year by month, all sites, from day rollups", lambda: report(
            store, SURVEY, organisation, first=date(2025, 1, 2), last=date(2025, 12, 30),
            by="site", period="month"))  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
