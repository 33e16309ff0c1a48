"""The key figures against cases computed by hand."""

import math
from collections.abc import Mapping, Sequence

import pytest

from nojd.survey import (
    FiguresError,
    SurveyError,
    choice_figures,
    default_survey,
    rating_figures,
    survey_figures,
    wilson_interval,
)


def test_worked_example_from_design():
    # counts (3,4,0,5,7): n = 19, sum of grades = 3 + 8 + 0 + 20 + 35 = 66
    figures = rating_figures((3, 4, 0, 5, 7))
    assert figures["n"] == 19
    assert figures["mean"] == pytest.approx(66 / 19)
    assert round(figures["mean"], 2) == 3.47
    assert round(figures["index"], 1) == 61.8
    assert figures["counts"] == {"1": 3, "2": 4, "3": 0, "4": 5, "5": 7}
    assert figures["percent"]["2"] == pytest.approx(400 / 19)
    assert figures["share_3_5"] == pytest.approx(1200 / 19)
    assert figures["share_4_5"] == pytest.approx(1200 / 19)
    assert figures["share_5"] == pytest.approx(700 / 19)
    assert figures["satisfied_share"] == figures["share_3_5"]


def test_wilson_interval_12_of_19():
    low, high = rating_figures((3, 4, 0, 5, 7))["satisfied_ci"]
    assert round(low, 1) == 41.0
    assert round(high, 1) == 80.9


def test_wilson_formula_by_hand():
    # p = 0.5, n = 100: centre 0.5, half = 1.96 * sqrt(0.0025 + 3.8416/40000) / 1.038416
    low, high = wilson_interval(50, 100)
    half = 1.96 * math.sqrt(0.0025 + 3.8416 / 40000) / 1.038416
    assert low == pytest.approx(0.5 - half)
    assert high == pytest.approx(0.5 + half)


def test_wilson_interval_at_the_edges_stays_inside_0_1():
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert high == 1.0
    assert low == pytest.approx(0.7225, abs=1e-4)


@pytest.mark.parametrize(("successes", "n"), [(1, 0), (-1, 5), (6, 5)])
def test_wilson_interval_refuses_non_shares(successes, n):
    with pytest.raises(FiguresError, match=f"{successes} of {n}"):
        wilson_interval(successes, n)


def test_report_example_from_design():
    figures = rating_figures({1: 80, 2: 16, 3: 24, 4: 100, 5: 580}, target=85)
    assert figures["n"] == 800
    assert figures["percent"] == {"1": 10.0, "2": 2.0, "3": 3.0, "4": 12.5, "5": 72.5}
    assert figures["share_3_5"] == 88.0
    assert figures["share_4_5"] == 85.0
    assert figures["share_5"] == 72.5
    assert figures["mean"] == 4.355
    assert figures["index"] == 83.875
    assert [round(x, 2) for x in figures["satisfied_ci"]] == [85.56, 90.07]
    assert figures["target_met"] is True
    assert figures["complete"] is True
    assert figures["suppressed"] is False


@pytest.mark.parametrize(("grade", "index"), [(1, 0), (2, 25), (3, 50), (4, 75), (5, 100)])
def test_index_of_a_single_grade(grade, index):
    counts = {grade: 10}
    assert rating_figures(counts)["index"] == index


def test_suppressed_below_min_n_shows_only_n():
    figures = rating_figures((0, 0, 1, 2, 3), target=90)
    assert figures["n"] == 6
    assert figures["suppressed"] is True
    for key in ("counts", "percent", "share_3_5", "share_4_5", "share_5", "mean", "index"):
        assert figures[key] is None, key
    assert figures["satisfied_share"] is None
    assert figures["satisfied_ci"] is None
    assert figures["target"] == 90
    assert figures["target_met"] is None


def test_min_n_is_the_first_shown_count():
    assert rating_figures((0, 0, 0, 0, 7))["suppressed"] is False
    assert rating_figures((0, 0, 0, 0, 7), min_n=8)["suppressed"] is True


def test_no_answers_is_suppressed_without_dividing_by_zero():
    figures = rating_figures((0, 0, 0, 0, 0), min_n=1)
    assert figures["n"] == 0
    assert figures["suppressed"] is True
    assert figures["mean"] is None


def test_target_met_is_exact_at_the_boundary():
    # 17 of 20 = exactly 85 %: met; 33 of 39 = 84.6 %: not met
    assert rating_figures((3, 0, 0, 0, 17), target=85)["target_met"] is True
    assert rating_figures((6, 0, 0, 0, 33), target=85)["target_met"] is False


def test_no_target_means_no_verdict():
    figures = rating_figures((1, 1, 1, 1, 10))
    assert figures["target"] is None
    assert figures["target_met"] is None


def test_complete_at_sample_target():
    assert rating_figures((0, 0, 0, 0, 200))["complete"] is True
    assert rating_figures((0, 0, 0, 0, 199))["complete"] is False


def test_satisfied_threshold_moves_satisfied_share_not_share_3_5():
    figures = rating_figures((3, 4, 0, 5, 7), satisfied_threshold=4)
    assert figures["share_3_5"] == pytest.approx(1200 / 19)
    assert figures["satisfied_share"] == pytest.approx(1200 / 19)
    figures = rating_figures((1, 1, 5, 1, 1), satisfied_threshold=4)
    assert figures["share_3_5"] == pytest.approx(700 / 9)
    assert figures["satisfied_share"] == pytest.approx(200 / 9)


def test_counts_by_string_grade_and_missing_grades():
    assert rating_figures({"5": 8})["counts"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 8}


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((1, 2, 3), "not five counts"),
        ({6: 1}, "grade 6 is outside 1..5"),
        ({"x": 1}, "grade 'x' is outside 1..5"),
        ((1, -2, 3, 4, 5), r"counts.2: -2 is not a count"),
        ((1, 2.5, 3, 4, 5), r"counts.2: 2.5 is not a count"),
        ((1, True, 3, 4, 5), r"counts.2: True is not a count"),
    ],
)
def test_bad_counts_are_refused_by_name(counts, message):
    with pytest.raises(FiguresError, match=message):
        rating_figures(counts)


def test_resolution_question_resolved_share():
    figures = choice_figures(
        {"answered": 5, "referred": 3, "unanswered": 2},
        ("answered", "referred", "unanswered"),
        resolved=("answered", "referred"),
        target=80,
    )
    assert figures["n"] == 10
    assert figures["counts"] == {"answered": 5, "referred": 3, "unanswered": 2}
    assert figures["percent"] == {"answered": 50.0, "referred": 30.0, "unanswered": 20.0}
    assert figures["resolved_share"] == 80.0
    low, high = figures["resolved_ci"]
    assert low == pytest.approx(100 * wilson_interval(8, 10)[0])
    assert high == pytest.approx(100 * wilson_interval(8, 10)[1])
    assert figures["target_met"] is True


def test_choice_suppression_and_unknown_option():
    figures = choice_figures({"answered": 2}, ("answered", "unanswered"), resolved=("answered",))
    assert figures["suppressed"] is True
    assert figures["counts"] is None
    assert figures["resolved_share"] is None
    with pytest.raises(FiguresError, match="option 'maybe' is not one of answered, unanswered"):
        choice_figures({"maybe": 2}, ("answered", "unanswered"))


def test_survey_figures_uses_the_survey_targets_and_overrides():
    survey = default_survey()
    counts: dict[str, Sequence[int] | Mapping[str, int]] = {
        "wait_time": (1, 1, 1, 7, 10),
        "resolution": {"answered": 8, "unanswered": 2},
    }
    figures = survey_figures(survey, counts, targets={"overall": 50})
    assert set(figures) == {"wait_time", "reception", "trust", "overall", "resolution"}
    assert figures["wait_time"]["target"] == 85
    assert figures["wait_time"]["satisfied_share"] == 90.0
    assert figures["wait_time"]["target_met"] is True
    assert figures["trust"]["target"] is None
    assert figures["overall"]["target"] == 50
    assert figures["overall"]["n"] == 0
    assert figures["resolution"]["resolved_share"] == 80.0
    assert figures["resolution"]["target"] == 80


def test_survey_figures_refuses_an_unknown_question():
    with pytest.raises(SurveyError, match="no question 'colour'"):
        survey_figures(default_survey(), {"colour": (1, 1, 1, 1, 1)})
