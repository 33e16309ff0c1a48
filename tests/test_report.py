"""Key figures from a store filled through the real ingest path (broker → nojd server ingest),
compared field by field with values computed by hand."""

import json
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from processes import query, running_ingest, server_rows
from waiting import wait_until

from nojd.server.config import load_server_config
from nojd.server.figures import report
from nojd.server.store import Batch, SqliteStore, open_store
from nojd.survey import build_response, default_survey, encode

NOJD = str(Path(sys.executable).with_name("nojd"))
SURVEY = default_survey()
KC_GRADES = [1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5]  # counts 3,4,0,5,7
CONFIG = """
timezone = "Europe/Stockholm"
[[organisation.sites]]
id = "kontaktcenter"
name = "Kontaktcenter"
unit = "medborgarservice"
devices = ["kc-1"]
targets = { overall = 60 }
[[organisation.units]]
id = "medborgarservice"
name = "Medborgarservice"
"""


def responses():
    """(device, site, at, overall grade, flags) of every test response."""
    april_30 = datetime(2026, 4, 30, 21, 30, tzinfo=UTC)  # 23:30 in Stockholm: tertial 1
    may_1 = datetime(2026, 4, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 May: tertial 2
    made: list[tuple[str, str, datetime, int, list[str]]] = [
        ("kc-1", "kontaktcenter", april_30 if i < 10 else may_1, g, [])
        for i, g in enumerate(KC_GRADES)
    ]
    made.append(("kc-1", "kontaktcenter", april_30 + timedelta(minutes=10), 1, ["rapid-repeat"]))
    made += [
        ("bib-1", "bibliotek", datetime(2025, 12, 28, 12, tzinfo=UTC), 4, [])
    ] * 3  # ISO 2025-W52
    made += [
        ("bib-1", "bibliotek", datetime(2025, 12, 29, 12, tzinfo=UTC), 5, [])
    ] * 3  # ISO 2026-W01
    made += [
        ("dst-1", "dst", datetime(2026, 3, 29, 22, 30, tzinfo=UTC), 3, []),  # 00:30 CEST 30 March
        ("dst-1", "dst", datetime(2026, 10, 25, 22, 30, tzinfo=UTC), 3, []),  # 23:30 CET 25 October
        ("dst-1", "dst", datetime(2026, 10, 25, 23, 30, tzinfo=UTC), 3, []),  # 00:30 CET 26 October
    ]
    return made


@pytest.fixture(scope="module")
def store(tmp_path_factory, module_db):
    folder = tmp_path_factory.mktemp("report")
    (folder / "server.toml").write_text(CONFIG, encoding="utf-8")
    with running_ingest(folder, module_db) as (broker, db, ingest, publisher):
        seqs: dict[str, int] = {}
        for device, site, at, grade, flags in responses():
            seqs[device] = seqs.get(device, 0) + 1
            answers: dict[str, int | str] = {"overall": grade}
            if device == "kc-1":  # the choice question too, its three options in turn
                answers["resolution"] = ("answered", "referred", "unanswered")[seqs[device] % 3]
            message = build_response(
                SURVEY, device=device, seq=seqs[device], site=site, lang="sv",
                answers=answers, flags=flags, at=at, response_id=str(uuid.uuid4()),
            )  # fmt: skip
            publisher.send(f"nojd/v1/{device}/response", encode(message))
        assert wait_until(lambda: len(server_rows(db)) == len(responses()), 30)
        opened = open_store(db, ZoneInfo("Europe/Stockholm"))
        yield opened, folder, db
        opened.close()


def figures(store, survey=SURVEY, **options):
    config = load_server_config(store[1] / "server.toml")
    options = {"first": date(2025, 12, 1), "last": date(2026, 12, 31)} | options
    return report(store[0], survey, config.organisation, **options)


#: Nothing hidden: for the tests of where answers fall, not of what is shown. (With the
#: shipped min_n, kontaktcenter's first tertial is hidden: the whole T1, 11, minus it, 10,
#: would be dst's one answer in March.)
EVERY = replace(SURVEY, min_n=1)


def group(result, key, period="total"):
    [found] = [g for g in result["groups"] if g["key"] == key and g["period"] == period]
    return found


def test_worked_example_by_site_with_the_target_override(store):
    kc = group(figures(store, by="site"), "kontaktcenter")
    assert (kc["name"], kc["responses"], kc["flagged"]) == ("Kontaktcenter", 19, 1)
    overall = kc["questions"]["overall"]
    assert overall["n"] == 19
    assert overall["counts"] == {"1": 3, "2": 4, "3": 0, "4": 5, "5": 7}
    assert overall["mean"] == pytest.approx(66 / 19)
    assert overall["index"] == pytest.approx(25 * (66 - 19) / 19)
    assert [round(x, 1) for x in overall["satisfied_ci"]] == [41.0, 80.9]
    assert overall["satisfied_share"] == pytest.approx(1200 / 19)
    assert (overall["target"], overall["target_met"]) == (60, True)  # the site's override
    assert kc["questions"]["wait_time"]["n"] == 0


def test_fewer_than_seven_answers_show_only_n(store):
    bib = group(figures(store, by="site"), "bibliotek")
    overall = bib["questions"]["overall"]
    assert (bib["responses"], overall["n"], overall["suppressed"]) == (6, 6, True)
    assert overall["counts"] is None and overall["mean"] is None and overall["target_met"] is None


def test_tertial_boundary_is_local_midnight(store):
    result = figures(store, EVERY, by="site", period="tertial")
    t1, t2 = group(result, "kontaktcenter", "2026-T1"), group(result, "kontaktcenter", "2026-T2")
    assert (t1["responses"], t1["flagged"], t2["responses"], t2["flagged"]) == (10, 1, 9, 0)
    assert t1["questions"]["overall"]["counts"] == {"1": 3, "2": 4, "3": 0, "4": 3, "5": 0}
    assert t2["questions"]["overall"]["counts"] == {"1": 0, "2": 0, "3": 0, "4": 2, "5": 7}


def test_flagged_responses_only_when_asked(store):
    t1 = group(
        figures(store, EVERY, by="site", period="tertial", include_flagged=True),
        "kontaktcenter",
        "2026-T1",
    )
    assert (t1["responses"], t1["flagged"]) == (11, 0)
    assert t1["questions"]["overall"]["counts"]["1"] == 4


def test_iso_weeks_at_the_turn_of_the_year(store):
    result = figures(store, by="device", period="week")
    assert group(result, "bib-1", "2025-W52")["responses"] == 3
    assert group(result, "bib-1", "2026-W01")["responses"] == 3


def test_days_around_daylight_saving_changes(store):
    result = figures(store, by="device", period="day")
    days = sorted(g["period"] for g in result["groups"] if g["key"] == "dst-1")
    assert days == ["2026-03-30", "2026-10-25", "2026-10-26"]


def test_units_and_all(store):
    by_unit = figures(store, by="unit")
    assert group(by_unit, "medborgarservice")["name"] == "Medborgarservice"
    assert group(by_unit, "medborgarservice")["responses"] == 19
    assert group(by_unit, "bibliotek")["responses"] == 6  # a site without a unit is its own
    assert group(figures(store, by="all"), "all")["responses"] == 28


def test_the_cli_prints_the_same_json(store):
    folder, db = store[1], store[2]
    result = subprocess.run(
        [NOJD, "report", "--config", str(folder / "server.toml"), "--db", db,
         "--from", "2025-12-01", "--to", "2026-12-31", "--by", "site", "--period", "tertial"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout) == figures(store, by="site", period="tertial")


def test_csv_for_swedish_excel(store, tmp_path):
    folder, db = store[1], store[2]
    out = tmp_path / "report.csv"
    subprocess.run(
        [NOJD, "report", "--config", str(folder / "server.toml"), "--db", db,
         "--from", "2025-12-01", "--to", "2026-12-31", "--format", "csv", "-o", str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = [line.split(";") for line in raw.decode("utf-8-sig").splitlines()]
    header = rows[0]
    [kc] = [
        r
        for r in rows
        if r[0] == "kontaktcenter" and r[3] == "Hur upplevde du servicen som helhet?"
    ]
    cell = dict(zip(header, kc, strict=True))
    assert (cell["Svar"], cell["Antal 1"], cell["Antal 5"]) == ("19", "3", "7")
    assert (cell["Index"], cell["KI låg (%)"], cell["KI hög (%)"]) == ("61,8", "41,0", "80,9")
    assert (
        cell["Mål (%)"],
        cell["Målet nått"],
        cell["Dold (för få svar, eller för att skydda en grupp med för få)"],
    ) == ("60,0", "ja", "nej")
    assert (cell["Från"], cell["Till"], cell["Urval"]) == ("2025-12-01", "2026-12-31", "alla svar")
    assert cell["Gruppering"] == "per plats" and cell["Skapad"].startswith("20")
    # the choice question: its counts in a column per option, beside the figures of the JSON
    [choice] = [r for r in rows if r[0] == "kontaktcenter" and r[3] == "Fick du svar på din fråga?"]
    said = dict(zip(header, choice, strict=True))
    expected = group(figures(store, by="site"), "kontaktcenter")["questions"]["resolution"]
    for option, words in (("answered", "Jag fick svar på min fråga"),
                          ("referred", "Jag fick veta vart jag kan vända mig"),
                          ("unanswered", "Jag fick inte svar på min fråga")):  # fmt: skip
        assert said[f"Antal: {words}"] == str(expected["counts"][option])
    assert said["Antal 1"] == "" and cell["Antal: Jag fick svar på min fråga"] == ""


def test_markdown_has_tables_and_says_what_it_covers(store, tmp_path):
    folder, db = store[1], store[2]
    done = subprocess.run(
        [NOJD, "report", "--config", str(folder / "server.toml"), "--db", db, "--site",
         "kontaktcenter", "--from", "2025-12-01", "--to", "2026-12-31", "--format", "md"],
        check=True, timeout=60, capture_output=True, text=True,
    )  # fmt: skip
    text = done.stdout
    assert "```" not in text
    assert "- Från: 2025-12-01" in text and "- Urval: plats kontaktcenter" in text
    assert "| Betyg | Antal | Procent |" in text and "| --- | ---: | ---: |" in text
    expected = group(figures(store, by="site", site="kontaktcenter"), "kontaktcenter")
    counts = expected["questions"]["overall"]["counts"]
    table = text.split("### Hur upplevde du servicen som helhet?")[1].split("###")[0]
    for grade in range(1, 6):
        assert f"| {grade} | {counts[str(grade)]} |" in table
    assert "| Jag fick svar på min fråga |" in text


def test_xlsx_holds_the_same_numbers_as_the_json(store, tmp_path):
    import openpyxl

    folder, db = store[1], store[2]
    out = tmp_path / "report.xlsx"
    subprocess.run(
        [NOJD, "report", "--config", str(folder / "server.toml"), "--db", db,
         "--from", "2025-12-01", "--to", "2026-12-31", "--by", "site", "--format", "xlsx", "-o", str(out)],
        check=True, timeout=60,
    )  # fmt: skip
    expected = figures(store, by="site")
    book = openpyxl.load_workbook(out)
    # sheets named by their questions, in Swedish, as Excel allows (no "?", 31 characters)
    assert book.sheetnames == [
        "Sammanfattning", "Var väntetiden rimlig", "Hur upplevde du bemötandet",
        "Ingav personalen förtroende", "Hur upplevde du servicen som…", "Fick du svar på din fråga",
    ]  # fmt: skip
    rows_of_summary = [
        tuple(cell for cell in row if cell is not None)
        for row in book["Sammanfattning"].iter_rows(values_only=True)
    ]
    assert rows_of_summary[:7] == [("Enkät", "service"), ("Från", "2025-12-01"),
                                   ("Till", "2026-12-31"), ("Urval", "alla svar"),
                                   ("Gruppering", "per plats"), ("Flaggade svar", "ej medräknade"),
                                   ("Skapad", rows_of_summary[6][1])]  # fmt: skip
    assert str(rows_of_summary[6][1]).endswith(("+01:00", "+02:00"))  # Swedish time, configured
    summary = {row[0]: row for row in rows_of_summary[9:]}
    for each in expected["groups"]:
        assert summary[each["key"]][3:5] == (each["responses"], each["flagged"])
    sheet = book["Hur upplevde du servicen som…"]
    header = [cell.value for cell in sheet[2]]
    rows = {
        row[0]: dict(zip(header, row, strict=True))
        for row in sheet.iter_rows(min_row=3, values_only=True)
    }
    kc, json_kc = rows["Kontaktcenter"], group(expected, "kontaktcenter")["questions"]["overall"]
    assert [kc[f"Antal: {g}"] for g in range(1, 6)] == [
        json_kc["counts"][str(g)] for g in range(1, 6)
    ]
    assert kc["Antal svar på frågan"] == json_kc["n"]
    assert kc["Index"] == round(json_kc["index"], 1) == 61.8
    assert (kc["KI låg (%)"], kc["KI hög (%)"]) == (41.0, 80.9)
    assert kc["Mål (%)"] == json_kc["target"] == 60
    bib = rows["bibliotek"]
    assert (
        bib["Antal: 1"] is None
        and bib["Antal svar på frågan"] == 6
        and bib["Dold (för få svar, eller för att skydda en grupp med för få)"] == "ja"
    )
    choice = book["Fick du svar på din fråga"]
    header = [cell.value for cell in choice[2]]
    assert "Antal: Jag fick svar på min fråga" in header
    assert "Procent: Jag fick inte svar på min fråga" in header
    assert not any("answered" in str(cell) for cell in header)  # no ids for people


def test_a_unit_takes_its_sites_target_when_they_all_share_it(store):
    """Kontaktcenter (target 60 for overall) is the only site of Medborgarservice: the unit's
    verdict is judged by 60, as the site's is, and both say where their target comes from."""
    by_site = group(figures(store, by="site"), "kontaktcenter")["questions"]["overall"]
    by_unit = group(figures(store, by="unit"), "medborgarservice")["questions"]["overall"]
    assert (by_site["target"], by_site["target_source"]) == (60, "site")
    assert (by_unit["target"], by_unit["target_source"]) == (60, "unit")
    assert by_unit["target_met"] == by_site["target_met"]
    assert type(by_unit["target"]) is int  # 60, not 60.0, as the survey's targets are
    everyone = group(figures(store, by="all"), "all")["questions"]["overall"]
    assert (everyone["target"], everyone["target_source"]) == (90, "survey")


def test_one_device_only(store):
    result = figures(store, by="site", device="bib-1")
    assert result["device"] == "bib-1"
    assert [(g["key"], g["responses"]) for g in result["groups"]] == [("bibliotek", 6)]


@pytest.mark.parametrize("period", ["total", "month", "tertial", "year"])
def test_month_rollups_and_day_rollups_agree(store, period):
    whole_months = figures(
        store, by="site", period=period, first=date(2025, 12, 1), last=date(2026, 12, 31)
    )
    by_days = figures(
        store, by="site", period=period, first=date(2025, 11, 30), last=date(2027, 1, 1)
    )
    assert whole_months["groups"] == by_days["groups"]


def test_hour_rollups_agree_with_the_day_rollups(store):
    db = store[2]
    by_hours = query(
        db, "SELECT question, answer, flagged, sum(n) FROM hour_rollups GROUP BY 1, 2, 3"
    )
    by_days = query(db, "SELECT question, answer, flagged, sum(n) FROM rollups GROUP BY 1, 2, 3")
    assert by_hours and sorted(by_hours) == sorted(by_days or [])
    # 00:30 CEST on 30 March 2026 is a Monday at hour 0 in Stockholm
    hours = query(db, "SELECT month, weekday, hour, device FROM hour_responses") or []
    assert ("2026-03", 1, 0, "dst-1") in hours


def test_a_sqlite_store_made_before_hour_rollups_fills_them_when_it_opens(tmp_path):
    zone = ZoneInfo("Europe/Stockholm")
    live = SqliteStore(tmp_path / "live.sqlite", zone)
    seqs: dict[str, int] = {}
    sent = []
    for device, site, at, grade, flags in responses():
        seqs[device] = seqs.get(device, 0) + 1
        message = build_response(
            SURVEY, device=device, seq=seqs[device], site=site, lang="sv",
            answers={"overall": grade}, flags=flags, at=at,
        )  # fmt: skip
        sent.append((message, encode(message)))
    live.ingest(Batch(responses=sent), datetime.now(UTC))

    def table(db, name):
        return sorted(db.db.execute(f"SELECT * FROM {name}").fetchall())

    copy = tmp_path / "old.sqlite"
    live.db.execute(f"VACUUM INTO '{copy}'")
    old = SqliteStore(copy, zone)
    old.db.execute("DELETE FROM hour_rollups")
    old.db.execute("DELETE FROM hour_responses")
    old.db.execute("INSERT INTO backfills VALUES ('hours')")
    old.db.conn.commit()
    old.close()
    rebuilt = SqliteStore(copy, zone)
    assert table(live, "hour_rollups") and table(rebuilt, "hour_rollups") == table(
        live, "hour_rollups"
    )
    assert table(rebuilt, "hour_responses") == table(live, "hour_responses")
    assert table(rebuilt, "backfills") == []
    rebuilt.close()
    live.close()


def test_a_tertial_that_would_reveal_another_sites_one_answer_is_hidden(store):
    # by all and tertial, 2026-T1 holds kontaktcenter's 10 and dst's 1 (March): shown as
    # 11, the site's 10 beside it would give dst's answer by subtraction
    whole = group(figures(store, by="all", period="tertial"), "all", "2026-T1")
    assert whole["questions"]["overall"]["n"] == 11
    assert not whole["questions"]["overall"]["suppressed"]
    kc = group(figures(store, by="site", period="tertial"), "kontaktcenter", "2026-T1")
    assert kc["questions"]["overall"]["suppressed"] and kc["questions"]["overall"]["complementary"]
