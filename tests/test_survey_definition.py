"""The survey definition: the shipped survey is exactly the one the protocol describes; broken files are refused by name."""

import pytest

from nojd.survey import SurveyError, default_survey, load_survey


def test_the_shipped_survey_is_the_design_table():
    survey = default_survey()
    assert survey.id == "service"
    assert survey.languages == ("sv", "en", "fi", "ar", "so", "sv-x-ll")
    assert survey.welcome["sv"] == "Hur var ditt besök idag?"
    assert (survey.satisfied_threshold, survey.min_n, survey.sample_target) == (3, 7, 200)
    rows = [(q.id, q.kind, q.text["sv"], q.text["en"], q.target) for q in survey.questions[:4]]
    assert rows == [
        ("wait_time", "rating", "Var väntetiden rimlig?", "Was the waiting time reasonable?", 85),
        ("reception", "rating", "Hur upplevde du bemötandet?", "How were you treated?", 90),
        ("trust", "rating", "Ingav personalen förtroende?", "Did the staff inspire trust?", None),
        (
            "overall",
            "rating",
            "Hur upplevde du servicen som helhet?",
            "How was the service as a whole?",
            90,
        ),
    ]


def test_a_rating_names_its_grades_by_the_survey_or_by_the_terminal(tmp_path):
    survey = default_survey()
    assert survey.question("wait_time").labels("sv") == {
        1: "Inte alls",
        2: "Till liten del",
        3: "Delvis",
        4: "Till stor del",
        5: "Helt och hållet",
    }  # the telephone survey's yes/no question, answered on how far
    assert survey.question("overall").labels("en") == {
        1: "Very poor",
        2: "Poor",
        3: "Neither good nor poor",
        4: "Good",
        5: "Very good",
    }  # no scale in the survey: the terminal's words
    path = tmp_path / "ends.toml"
    path.write_text(MINIMAL + 'scale.sv = ["Inte alls", "Helt"]\n', encoding="utf-8")
    assert load_survey(path).question("overall").labels("sv") == {1: "Inte alls", 5: "Helt"}


def test_the_shipped_resolution_question():
    question = default_survey().question("resolution")
    assert question.kind == "choice"
    assert question.optional is True
    assert question.text["sv"] == "Fick du svar på din fråga?"
    assert [(o.id, o.text["sv"]) for o in question.options] == [
        ("answered", "Jag fick svar på min fråga"),
        ("referred", "Jag fick veta vart jag kan vända mig"),
        ("unanswered", "Jag fick inte svar på min fråga"),
    ]
    assert question.resolved == ("answered", "referred")
    assert question.target == 80


MINIMAL = """
id = "mini"
languages = ["sv"]
welcome.sv = "Hej"
[[questions]]
id = "overall"
kind = "rating"
text.sv = "Hur var det?"
"""


def test_a_minimal_survey_gets_the_defaults(tmp_path):
    path = tmp_path / "mini.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    survey = load_survey(path)
    assert survey.id == "mini"
    assert survey.question_ids == ("overall",)
    assert (survey.satisfied_threshold, survey.min_n, survey.sample_target) == (3, 7, 200)
    assert survey.source == str(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("id = [", "not valid TOML: "),
        (MINIMAL.replace('id = "mini"', ""), "id: missing"),
        (MINIMAL.replace('id = "mini"', 'id = "Mini Survey"'), "id: 'Mini Survey' is not an id"),
        (
            MINIMAL + "colour = 1\n",
            "questions[0].colour: unknown key (expected one of id, kind, optional, scale, target, "
            "text)",
        ),
        (
            MINIMAL.replace('languages = ["sv"]', 'languages = ["sv", "en"]'),
            "welcome.en: missing (every language needs a text)",
        ),
        (
            MINIMAL.replace('languages = ["sv"]', 'languages = ["svenska"]'),
            "languages: 'svenska' is not a language code like 'sv'",
        ),
        (
            MINIMAL.replace('languages = ["sv"]', "languages = []"),
            "languages: expected a list of languages, got list []",
        ),
        (
            MINIMAL.replace('kind = "rating"', 'kind = "stars"'),
            "questions[0].kind: 'stars' is not 'rating' or 'choice'",
        ),
        (
            MINIMAL.replace('text.sv = "Hur var det?"', 'text.sv = ""'),
            "questions[0].text.sv: expected a text, got str ''",
        ),
        (
            MINIMAL.replace('text.sv = "Hur var det?"', 'text.sv = "Hur?"\ntext.fi = "Miten?"'),
            "questions[0].text.fi: unknown language (the survey's languages are sv)",
        ),
        (MINIMAL + "target = 120\n", "questions[0].target: 120 is outside 0..100"),
        (
            MINIMAL + 'scale.sv = ["Dålig", "Okej", "Bra"]\n',
            "questions[0].scale.sv: expected 5 words (grades 1 to 5) or 2 (grades 1 and 5), of "
            "at most 60 characters, got list ['Dålig', 'Okej', 'Bra']",
        ),
        (
            MINIMAL + 'scale.sv = ["Dålig", ""]\n',
            "questions[0].scale.sv: expected 5 words",
        ),
        (
            MINIMAL + 'scale.sv = ["Dålig", "' + "x" * 61 + '"]\n',
            "questions[0].scale.sv: expected 5 words",
        ),
        (
            MINIMAL + 'scale.sv = "Dålig till bra"\n',
            "questions[0].scale.sv: expected 5 words",
        ),
        (MINIMAL + 'scale = "bra"\n', "questions[0].scale: expected a table of languages, got str"),
        (
            MINIMAL + 'scale.sv = ["a", "b"]\nscale.fi = ["c", "d"]\n',
            "questions[0].scale.fi: unknown language (the survey's languages are sv)",
        ),
        (
            MINIMAL.replace('languages = ["sv"]', 'languages = ["sv", "en"]')
            .replace('welcome.sv = "Hej"', 'welcome.sv = "Hej"\nwelcome.en = "Hi"')
            .replace('text.sv = "Hur var det?"', 'text.sv = "Hur?"\ntext.en = "How?"')
            + 'scale.sv = ["Dålig", "Bra"]\n',
            "questions[0].scale.en: missing (every language needs the scale's words)",
        ),
        (
            MINIMAL + 'target = "high"\n',
            "questions[0].target: expected a percentage, got str 'high'",
        ),
        (
            MINIMAL + 'optional = "yes"\n',
            "questions[0].optional: expected true or false, got 'yes'",
        ),
        (MINIMAL.replace("languages", "min_n = 0\nlanguages"), "min_n: 0 is outside 1..1000000"),
        (
            MINIMAL.replace("languages", "satisfied_threshold = 6\nlanguages"),
            "satisfied_threshold: 6 is outside 1..5",
        ),
        (
            MINIMAL.replace("languages", "sample_target = 2.5\nlanguages"),
            "sample_target: expected a whole number, got float 2.5",
        ),
        (
            MINIMAL + MINIMAL[MINIMAL.index("[[questions]]") :],
            "questions[1].id: 'overall' is used twice",
        ),
        (
            MINIMAL[: MINIMAL.index("[[questions]]")] + "questions = []\n",
            "questions: expected at least one [[questions]] table",
        ),
    ],
)
def test_a_broken_survey_names_file_key_and_problem(tmp_path, text, problem):
    path = tmp_path / "broken.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError) as caught:
        load_survey(path)
    assert str(caught.value).startswith(f"survey file {path}: {problem}")


CHOICE = (
    MINIMAL
    + """
[[questions]]
id = "resolution"
kind = "choice"
text.sv = "Fick du svar?"
{extra}
[[questions.options]]
id = "yes"
text.sv = "Ja"
[[questions.options]]
id = "{second}"
text.sv = "Nej"
"""
)


@pytest.mark.parametrize(
    ("extra", "second", "problem"),
    [
        (
            'resolved = ["maybe"]',
            "no",
            "questions[1].resolved: ['maybe'] is not a list of option ids (yes, no)",
        ),
        (
            "target = 80",
            "no",
            "questions[1].target: a choice question's target needs 'resolved' options",
        ),
        ("", "yes", "questions[1].options[1].id: 'yes' is used twice"),
    ],
)
def test_a_broken_choice_question_is_refused(tmp_path, extra, second, problem):
    path = tmp_path / "choice.toml"
    path.write_text(CHOICE.format(extra=extra, second=second), encoding="utf-8")
    with pytest.raises(SurveyError, match="^survey file .*choice.toml: ") as caught:
        load_survey(path)
    assert str(caught.value).endswith(problem)


def test_a_missing_or_unreadable_file(tmp_path):
    with pytest.raises(SurveyError, match="nope.toml: not found"):
        load_survey(tmp_path / "nope.toml")
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.replace("Hej", "Hej då").encode("latin-1"))
    with pytest.raises(SurveyError, match="latin1.toml: cannot be read"):
        load_survey(path)


def test_unknown_question_lookup_names_the_known_ones():
    with pytest.raises(SurveyError, match="has no question 'x' .it has wait_time, reception"):
        default_survey().question("x")
