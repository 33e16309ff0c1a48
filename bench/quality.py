"""Data quality benchmark: the report page's reads of the responses themselves.

    .venv/bin/python bench/quality.py [--responses 200000]

Data quality (``nojd.server.quality``) counts partial visits and rapid repeats per
terminal (``SqlStore.visit_quality``) and the clock hours with a response
(``SqlStore.answered_hours``) from the responses table, which the rollups do not
replace. This stores ``--responses`` responses of 20 terminals over 14 months (one in 11
partial) in a fresh SQLite store through its ingest, then times each read for one month
and for the 14 months, cold (a store just opened) and warm, and the whole
``quality()`` of a month with opening hours for every terminal. ``--without-index``
drops the ``(at)`` index of migration m013 first, to compare.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nojd.server.config import Organisation
from nojd.server.quality import quality
from nojd.server.store import Batch, Store, open_store
from nojd.survey import build_response, default_survey, encode
from nojd.survey.hours import OpeningHours

SURVEY = default_survey()
ZONE = ZoneInfo("Europe/Stockholm")
DEVICES = [f"desk-{n:02d}" for n in range(20)]
START = datetime(2025, 10, 1, tzinfo=UTC)
SPAN = timedelta(days=425)
WEEKDAYS = {day: ((datetime.min.time().replace(hour=8), datetime.min.time().replace(hour=17)),)
            for day in range(5)}  # fmt: skip


def load(store: Store, responses: int) -> None:
    chance = random.Random(2026)
    seqs = dict.fromkeys(DEVICES, 0)
    batch: list[tuple[Any, bytes]] = []
    for n in range(responses):
        device = chance.choice(DEVICES)
        seqs[device] += 1
        at = START + SPAN * chance.random()
        message = build_response(
            SURVEY, device=device, seq=seqs[device], site="kc", lang="sv",
            answers={"overall": chance.randint(1, 5)}, at=at,
            flags=["partial"] if n % 11 == 0 else [],
        )  # fmt: skip
        batch.append((message, encode(message)))
        if len(batch) == 5000:
            store.ingest(Batch(responses=batch), datetime.now(UTC))
            batch = []
    if batch:
        store.ingest(Batch(responses=batch), datetime.now(UTC))


def timed(call: Callable[..., object], *args: object) -> float:
    start = time.perf_counter()
    call(*args)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--without-index", action="store_true",
                        help="drop the (at) index first (as before m013)")  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'quality.sqlite'}"
        store = open_store(url, ZONE)
        began = time.perf_counter()
        load(store, args.responses)
        print(f"stored {args.responses:,} responses in {time.perf_counter() - began:.1f} s")
        if args.without_index:
            with store.connection.transaction() as conn:  # type: ignore[attr-defined]
                conn.execute("DROP INDEX responses_at")
        store.close()
        ranges = {"one month": ("2026-11-01", "2026-11-30"),
                  "14 months": ("2025-10-01", "2026-11-30")}  # fmt: skip
        for name, (first, last) in ranges.items():
            for read, given in (("visit_quality", ("service", first, last)),
                               ("answered_hours", (first, last))):  # fmt: skip
                store = open_store(url, ZONE)
                cold = timed(getattr(store, read), *given)
                warm = timed(getattr(store, read), *given)
                store.close()
                print(f"{read:15} {name:9}: cold {cold:6.1f} ms, warm {warm:6.1f} ms")
        store = open_store(url, ZONE)
        hours = {device: OpeningHours(ZONE, WEEKDAYS) for device in DEVICES}
        organisation = Organisation(sites={}, units={})
        whole = timed(quality, store, organisation, "service", date(2026, 11, 1),
                      date(2026, 11, 30), "device", hours)  # fmt: skip
        store.close()
        print(f"quality() of a month, by terminal, with opening hours: {whole:.1f} ms")


if __name__ == "__main__":
    main()
