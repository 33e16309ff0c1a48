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
    assert lines[-1] == "Mål 90 %: ✗ målet inte nått"


def test_report_lines_when_suppressed_show_only_n():
    question = default_survey().question("overall")
    lines = figures_lines(question, rating_figures((0, 1, 0, 0, 5)), "en")
    assert lines == ["How was the service as a whole?", "Answers: 6", "too few answers"]
