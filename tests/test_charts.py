"""The dashboard's charts: a share is never written so that it contradicts its verdict,
and every chart carries its numbers in a table."""

import re
from typing import Any

from nojd.server.charts import Values, heatmap_svg, target_bars_svg, trend_svg
from nojd.survey import default_survey, format_share

WORDS = Values("Visa siffrorna i en tabell", ("År", "Utfall", "Mål", "Bedömning"))


def shown(value, target):
    return format_share(value, "sv", 0, target)


def test_target_against_outcome_shows_89_7_not_90_beside_a_missed_target_of_90():
    svg = target_bars_svg([("2026", 89.7, 90.0, "✗ målet inte nått (90 %)")], "Mål", shown, WORDS)
    assert "89,7 % ✗ målet inte nått (90 %)" in svg
    assert ">90 % ✗" not in svg
    cells = re.findall(r"<td>([^<]*)</td>", svg)
    assert cells == ["89,7 %", "90 %", "✗ målet inte nått (90 %)"]


def test_a_trend_writes_each_point_on_its_side_of_the_target():
    words = Values("Visa siffrorna i en tabell", ("Period", "Andel nöjda", "Mål"))
    svg = trend_svg([("2026-10", 89.6), ("2026-11", 90.2), ("2026-12", None)], 90.0,
                    "Andel nöjda", shown, words)  # fmt: skip
    assert ">89,6 %<" in svg and ">90 %<" in svg  # 89.6 is not "90 %" under a 90 % target
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>', svg)
    assert rows == [("2026-10", "89,6 %", "90 %"), ("2026-11", "90 %", "90 %"),
                    ("2026-12", "–", "90 %")]  # fmt: skip


def test_a_heatmap_table_marks_the_cells_under_target():
    words = Values("Visa siffrorna i en tabell", ("Veckodag",))
    cells: dict[tuple[int, int], tuple[str, float | None, bool]] = {
        (1, 9): ("80 %", 0.8, True),
        (1, 10): ("95 %", 0.95, False),
    }
    svg = heatmap_svg(["mån"], [9, 10], cells, "Andel", words, "(under målet)")
    assert re.findall(r"<td>([^<]*)</td>", svg) == ["80 % (under målet)", "95 %"]


def test_a_trend_draws_no_marks_for_a_gap_only_its_table_says_so():
    words = Values("Visa siffrorna i en tabell", ("Period", "Andel nöjda", "Mål"))
    points = [(f"2026-{m:02d}", None if m % 2 else 80.0 + m) for m in range(1, 12)]
    svg = trend_svg(points, 90.0, "Andel nöjda", shown, words)
    picture, table = svg.split("</svg>")
    assert ">–<" not in picture  # no row of dashes to mistake for a second target line
    assert table.count("<td>–</td>") == 6


def test_the_share_heatmap_spreads_its_shades_over_the_shares_shown():
    from nojd.server.reportcharts import heatmaps

    def cell(hour, hits):
        figures = {"suppressed": False, "satisfied_share": hits, "target": 90, "n": 50,
                   "target_met": hits >= 90}  # fmt: skip
        return {"weekday": 1, "hour": hour, "responses": 50, "figures": figures}

    found = heatmaps({"question": "overall", "cells": [cell(9, 86.0), cell(10, 88.0)]},
                     default_survey(), "sv")  # fmt: skip
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', found["shares"].split("</svg>")[0])
    # 86 % the palest blue, 88 % the deepest (white: the hours without answers)
    assert set(fills) - {"#ffffff"} == {"#deebf7", "#084594"}


def monthly(shares: dict[str, float | None]) -> dict[str, Any]:
    """A report by month, January to November 2026, of one site: ``shares`` by month."""
    groups = []
    for month, share in shares.items():
        hidden = share is None
        figures = {"n": 3 if hidden else 40, "suppressed": hidden, "target": 90.0,
                   "satisfied_share": share, "target_met": share is not None and share >= 90}  # fmt: skip
        groups.append({"key": "kc", "name": "Kontaktcenter", "period": month,
                       "questions": {"overall": figures}})  # fmt: skip
    return {"from": "2026-01-01", "to": "2026-11-30", "period": "month", "groups": groups}


def test_a_trend_spans_only_the_months_with_answers_and_one_month_is_said_not_drawn():
    from nojd.server.reportcharts import trends

    survey = default_survey()
    two = trends(monthly({"2026-09": 86.0, "2026-11": 91.0}), survey, ["overall"], "sv")
    svg = two["kc"]["overall"]
    periods = re.findall(r'<th scope="row">([^<]*)</th>', svg)
    assert periods == ["2026-09", "2026-10", "2026-11"]  # not January to November
    assert "<svg" in svg
    one = trends(monthly({"2026-11": 89.96}), survey, ["overall"], "sv")["kc"]["overall"]
    assert "<svg" not in one
    assert one == ('<p class="note">Svar i bara en period (2026-11: 89,96 %); en trend behöver '
                   "minst två.</p>")  # fmt: skip
    hidden = trends(monthly({"2026-10": None, "2026-11": None}), survey, ["overall"], "sv")
    assert hidden["kc"]["overall"] == (
        '<p class="note">För få svar i varje period för att visa en trend.</p>'
    )


def test_a_trend_with_hidden_months_around_one_shown_is_drawn_with_its_gaps():
    from nojd.server.reportcharts import trends

    # January 5 answers (hidden), February 95 %, March 4 (hidden): three months answered,
    # so not "answers in one period only"; the hidden ones are gaps, "–" in the table
    chart = trends(monthly({"2026-01": None, "2026-02": 95.0, "2026-03": None}),
                   default_survey(), ["overall"], "sv")["kc"]["overall"]  # fmt: skip
    assert "<svg" in chart and "bara en period" not in chart
    rows = re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', chart)
    assert rows == [("2026-01", "–"), ("2026-02", "95 %"), ("2026-03", "–")]
