"""Numbers for people: one decimal, half up, decimal comma in Swedish."""

import pytest

from nojd.survey import (
    default_survey,
    format_interval,
    format_number,
    format_percent,
    rating_figures,
)
from nojd.survey.formatting import figures_lines


@pytest.mark.parametrize(
    ("value", "sv", "en"),
    [
        (72.5, "72,5 %", "72.5%"),
        (100.0, "100,0 %", "100.0%"),
        (0.0, "0,0 %", "0.0%"),
        (63.1578947368421, "63,2 %", "63.2%"),
        (0.05, "0,1 %", "0.1%"),
        (72.25, "72,3 %", "72.3%"),
        (-0.04, "0,0 %", "0.0%"),
        (None, "–", "–"),
    ],
)
def test_format_percent(value, sv, en):
    assert format_percent(value, "sv") == sv
    assert format_percent(value, "en") == en


def test_format_number_and_interval():
    assert format_number(3.473684, "sv") == "3,5"
    assert format_number(3.473684, "en", decimals=2) == "3.47"
    assert format_number(61.8421052631579) == "61,8"
    assert format_interval([41.03915749815672, 80.85072762372616], "sv") == "41,0–80,9 %"
    assert format_interval([41.03915749815672, 80.85072762372616], "en") == "41.0–80.9%"
    assert format_interval(None, "sv") == "–"


def test_report_lines_in_swedish():
    survey = default_survey()
    figures = rating_figures((3, 4, 0, 5, 7), target=90)
    lines = figures_lines(survey.question("overall"), figures, "sv")
    assert lines[0] == "Hur upplevde du servicen som helhet?"
    assert "Svar: 19" in lines
    assert any(line.split() == ["1", "3", "15,8", "%"] for line in lines)
    assert "Andel 3–5: 63,2 %" in lines
    assert "Index: 61,8" in lines
    assert "Konfidensintervall (95 %): 41,0–80,9 %" in lines
    assert lines[-1] == "Mål 90 % (enkätens mål): ✗ målet inte nått"


def test_report_lines_when_suppressed_show_only_n():
    question = default_survey().question("overall")
    lines = figures_lines(question, rating_figures((0, 1, 0, 0, 5)), "en")
    assert lines == ["How was the service as a whole?", "Answers: 6", "too few answers"]


@pytest.mark.parametrize(
    ("value", "target", "decimals", "shown"),
    [
        (89.96, 90, 1, "89,96 %"),  # "90,0 %" would contradict ✗
        (89.7, 90, 0, "89,7 %"),  # Kontaktcenter's overall on Mål och utfall
        (89.99999, 90, 1, "89,99999 %"),
        (90.0, 90, 0, "90 %"),  # met, and shown so
        (90.04, 90, 1, "90,0 %"),
        (72.46, None, 1, "72,5 %"),  # no target: rounded as ever
        (84.96, 85, 0, "84,96 %"),
    ],
)
def test_a_share_beside_its_verdict_never_contradicts_it(value, target, decimals, shown):
    from nojd.survey import format_share

    assert format_share(value, "sv", decimals, target) == shown
    met = value >= target if target is not None else None
    if met is not None:  # what is shown is on the verdict's side of the target
        number = float(shown.removesuffix(" %").replace(",", "."))
        assert (number >= target) == met


def test_a_share_just_under_its_target_is_never_written_as_the_target_in_any_export():
    import csv
    import io

    import openpyxl

    from nojd.server.exports import to_csv, to_markdown, to_xlsx
    from nojd.survey import default_survey, rating_figures

    survey = default_survey()
    # 188 of 209 satisfied = 89.952... % against 90: one decimal would say "90,0"
    overall = rating_figures({"1": 21, "5": 188}, target=90)
    assert overall["target_met"] is False
    others = {q.id: rating_figures({}) for q in survey.questions if q.id != "overall"}
    for question in survey.questions:
        if question.kind == "choice":
            others[question.id] = {"n": 0, "counts": None, "percent": None, "suppressed": True}
    report = {"from": "2026-11-01", "to": "2026-11-30", "by": "site", "period": "total",
              "survey": "service", "groups": [{"key": "kc", "name": "Kontaktcenter",
              "period": "total", "responses": 209, "flagged": 0,
              "questions": {**others, "overall": overall}}]}  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(report, survey).decode("utf-8-sig")), delimiter=";"))
    header, [row] = rows[0], [r for r in rows[1:] if r[3] == "Hur upplevde du servicen som helhet?"]
    cell = dict(zip(header, row, strict=True))
    assert cell["Andel nöjda (%)"] == "89,95" and cell["Andel 3–5 (%)"] == "89,95"
    assert cell["Mål (%)"] == "90,0" and cell["Målet nått"] == "nej"
    markdown = to_markdown(report, survey)
    assert "Andel 3–5: 89,95 %" in markdown
    assert not [line for line in markdown.splitlines() if "Andel" in line and "90,0" in line]
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, survey)))
    sheet = book["Hur upplevde du servicen som…"]
    rows_of = list(sheet.iter_rows(values_only=True))
    [kc] = [dict(zip(rows_of[1], row, strict=True)) for row in rows_of if row[0] == "Kontaktcenter"]
    assert (kc["Andel (%)"], kc["Mål (%)"], kc["Målet nått"]) == (89.95, 90, "nej")


def test_a_target_with_a_decimal_is_judged_and_written_as_set():
    from nojd.survey import format_target, rating_figures

    # 88 of 125 is exactly 70.4 %: it meets a target of 70.4 (the float 70.4 is a hair over)
    assert rating_figures({"1": 37, "5": 88}, target=70.4)["target_met"] is True
    assert rating_figures({"1": 38, "5": 87}, target=70.4)["target_met"] is False  # 69.6
    assert format_target(70.4, "sv") == "70,4 %" and format_target(90, "sv") == "90 %"
    assert format_target(89.5, "en") == "89.5%"
