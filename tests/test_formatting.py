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
