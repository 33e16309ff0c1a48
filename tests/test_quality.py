"""Data quality per terminal, site and unit, beside the figures: unfinished visits,
rapid repeats and quarantined messages, counted by hand."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nojd.server.config import load_server_config
from nojd.server.figures import report
from nojd.server.quality import quality
from nojd.server.store import Batch, Reject, open_store
from nojd.survey import build_response, default_survey, encode
from nojd.survey.hours import OpeningHours

SURVEY = default_survey()
STOCKHOLM = ZoneInfo("Europe/Stockholm")
CONFIG = """
[[organisation.sites]]
id = "kc"
name = "Kontaktcenter"
unit = "ms"
devices = ["kc-1", "kc-2"]
[[organisation.units]]
id = "ms"
name = "Medborgarservice"
"""


@pytest.fixture
def store(db):
    opened = open_store(db, STOCKHOLM)
    yield opened
    opened.close()


def test_unfinished_visits_rapid_repeats_and_quarantine_are_counted_beside_the_figures(
    store, tmp_path
):
    plan: list[tuple[str, list[str]]] = ([("kc-1", [])] * 8 + [("kc-1", ["partial"])] * 2 + [("kc-2", [])] * 5
            + [("kc-2", ["rapid-repeat"])] * 3)  # fmt: skip
    sent: list[Any] = []
    seqs: dict[str, int] = {}
    for device, flags in plan:
        seqs[device] = seqs.get(device, 0) + 1
        message = build_response(
            SURVEY, device=device, seq=seqs[device], site="kc", lang="sv",
            answers={"overall": 4}, flags=flags, at=datetime(2026, 11, 10, 10, tzinfo=UTC),
        )  # fmt: skip
        sent.append((message, encode(message)))
    rejects = [Reject("nojd/v1/kc-2/response", b"{", "not JSON", device="kc-2")] * 2
    store.ingest(Batch(responses=sent, rejects=rejects), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    organisation = load_server_config(tmp_path / "server.toml").organisation
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    by_device = {row["key"]: row for row in quality(store, organisation, "service", first,
                                                     last, "device")}  # fmt: skip
    assert (by_device["kc-1"]["responses"], by_device["kc-1"]["partial"]) == (10, 2)
    assert by_device["kc-1"]["partial_share"] == 20.0
    assert (by_device["kc-2"]["repeated"], by_device["kc-2"]["quarantined"]) == (3, 2)
    [unit] = quality(store, organisation, "service", first, last, "unit")
    # the rapid repeats are not among the responses counted, as in the figures
    assert (unit["name"], unit["responses"], unit["partial"], unit["repeated"]) == (
        "Medborgarservice", 15, 2, 3)  # fmt: skip
    # never in the figures: the rapid repeats are left out there, the partial visits in
    figures = report(store, SURVEY, organisation, first=first, last=last, by="unit")
    assert figures["groups"][0]["questions"]["overall"]["n"] == 15
    october = quality(store, organisation, "service", date(2026, 10, 1), date(2026, 10, 31),
                      "site")  # fmt: skip
    assert [row["responses"] for row in october] == [0]  # only the quarantine, now


def test_hours_open_without_a_response_are_counted_from_the_central_opening_hours(store, tmp_path):
    # Mondays 08:00-10:30 (the hours 8, 9 and 10), Tuesdays 12:00-13:00 (12); Tuesday the
    # 10th closed. From Monday the 9th to Tuesday the 17th, asked at 12:30 on the 17th:
    # open 9th 8, 9, 10; 16th 8, 9, 10 (17th 12 has not ended) = 6 hours.
    hours = OpeningHours(STOCKHOLM, {0: ((time(8), time(10, 30)),), 1: ((time(12), time(13)),)},
                         frozenset({date(2026, 11, 10)}))  # fmt: skip
    local = [
        ("kc-1", datetime(2026, 11, 9, 8, 15)),  # hour 8 of the 9th
        ("kc-1", datetime(2026, 11, 9, 8, 50)),  # the same hour again
        ("kc-1", datetime(2026, 11, 9, 10, 45)),  # hour 10, after closing: still answered
        ("kc-1", datetime(2026, 11, 9, 12, 0)),  # closed: no open hour
        ("kc-1", datetime(2026, 11, 10, 12, 5)),  # a closed date
        ("kc-1", datetime(2026, 11, 16, 9, 59)),  # hour 9 of the 16th
        ("kc-2", datetime(2026, 11, 16, 8, 30)),  # another terminal's answer
    ]
    seqs: dict[str, int] = {}
    sent: list[Any] = []
    for device, at in local:
        seqs[device] = seqs.get(device, 0) + 1
        message = build_response(
            SURVEY, device=device, seq=seqs[device], site="kc", lang="sv",
            answers={"overall": 4}, at=at.replace(tzinfo=STOCKHOLM),
        )  # fmt: skip
        sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    organisation = load_server_config(tmp_path / "server.toml").organisation
    now = datetime(2026, 11, 17, 12, 30, tzinfo=STOCKHOLM)
    first, last = date(2026, 11, 9), date(2026, 11, 17)
    rows = {row["key"]: row for row in quality(store, organisation, "service", first, last,
                                                 "device", {"kc-1": hours}, now)}  # fmt: skip
    # answered: 9th 8 and 10, 16th 9; silent: 9th 9, 16th 8 and 10
    assert (rows["kc-1"]["open_hours"], rows["kc-1"]["silent_hours"]) == (6, 3)
    assert (rows["kc-2"]["open_hours"], rows["kc-2"]["silent_hours"]) == (None, None)
    [site] = quality(store, organisation, "service", first, last, "site", {"kc-1": hours}, now)
    assert (site["open_hours"], site["silent_hours"]) == (6, 3)
    # both terminals with the same hours: kc-2 answered only on the 16th at 8
    [unit] = quality(store, organisation, "service", first, last, "unit",
                     {"kc-1": hours, "kc-2": hours}, now)  # fmt: skip
    assert (unit["open_hours"], unit["silent_hours"]) == (12, 3 + 5)
    # a terminal that sent nothing at all in the range still has its silent hours
    [quiet] = quality(store, organisation, "service", date(2026, 11, 23), date(2026, 11, 23),
                      "device", {"kc-1": hours}, datetime(2026, 11, 24, tzinfo=UTC))  # fmt: skip
    assert (quiet["key"], quiet["open_hours"], quiet["silent_hours"]) == ("kc-1", 3, 3)
    # a filter keeps its terminals only: kc-1's hours are not counted for kc-2
    only = quality(store, organisation, "service", first, last, "device", {"kc-1": hours}, now,
                   device="kc-2")  # fmt: skip
    assert [(row["key"], row["open_hours"]) for row in only] == [("kc-2", None)]
    assert quality(store, organisation, "service", first, last, "device", {"kc-1": hours}, now,
                   site="elsewhere") == []  # fmt: skip


def test_open_hours_follow_the_clock_change_and_a_future_range_says_nothing(store, tmp_path):
    # a desk open all day: on 29 March 2026 the clocks go forward (23 hours), on 25
    # October back (25 hours); an answer in every hour of both days, two in the doubled 2
    always = OpeningHours(STOCKHOLM, {day: ((time(0), time.max),) for day in range(7)})
    sent: list[Any] = []
    seq = 0
    for day in (date(2026, 3, 29), date(2026, 10, 25)):
        start = datetime(day.year, day.month, day.day, tzinfo=STOCKHOLM).astimezone(UTC)
        for hour in range(25):
            seq += 1
            message = build_response(
                SURVEY, device="kc-1", seq=seq, site="kc", lang="sv", answers={"overall": 4},
                at=start + timedelta(hours=hour, minutes=30),
            )  # fmt: skip
            sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    organisation = load_server_config(tmp_path / "server.toml").organisation
    later = datetime(2026, 11, 1, tzinfo=UTC)
    for day, hours in ((date(2026, 3, 29), 23), (date(2026, 10, 25), 25)):
        [row] = quality(store, organisation, "service", day, day, "device", {"kc-1": always},
                        later)  # fmt: skip
        assert (row["open_hours"], row["silent_hours"]) == (hours, 0)
    future = quality(store, organisation, "service", date(2027, 1, 4), date(2027, 1, 8),
                     "device", {"kc-1": always}, later)  # fmt: skip
    assert future == []  # no hour has passed: nothing to count, no "0 av 0 timmar"
