"""Data quality per terminal, site and unit, beside the figures: unfinished visits,
rapid repeats and quarantined messages, counted by hand."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from nojd.server.config import load_server_config
from nojd.server.figures import report
from nojd.server.quality import quality
from nojd.server.store import Batch, Reject, open_store
from nojd.survey import build_response, default_survey, encode

SURVEY = default_survey()
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


def test_unfinished_visits_rapid_repeats_and_quarantine_are_counted_beside_the_figures(
    db, tmp_path
):
    store = open_store(db, ZoneInfo("Europe/Stockholm"))
    try:
        check(store, tmp_path)
    finally:
        store.close()


def check(store, tmp_path):
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
    assert (unit["name"], unit["responses"], unit["partial"], unit["repeated"]) == (
        "Medborgarservice", 18, 2, 3)  # fmt: skip
    # never in the figures: the rapid repeats are left out there, the partial visits in
    figures = report(store, SURVEY, organisation, first=first, last=last, by="unit")
    assert figures["groups"][0]["questions"]["overall"]["n"] == 15
    october = quality(store, organisation, "service", date(2026, 10, 1), date(2026, 10, 31),
                      "site")  # fmt: skip
    assert [row["responses"] for row in october] == [0]  # only the quarantine, now
