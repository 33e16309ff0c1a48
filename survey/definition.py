"""The survey definition: questions, texts, targets and thresholds, from TOML.

A survey is data, not code: a municipality changes wording, adds a language
or a question by editing a TOML file.  :func:`load_survey` refuses a broken
file with a message that names the file, the key and the problem.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from nojd.errors import SurveyError
from nojd.survey.translations import text
from nojd.tomlconfig import Table

#: The rating scale: 1 is the worst grade, 5 the best.
GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)
#: Survey, question and option ids: lowercase letters, digits, ``_`` and ``-``.
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: A language is an ISO 639 code (``sv``, ``en``, ``fi``, ``smj``), or one with a BCP 47
#: private-use subtag for a variant that has no code of its own: ``sv-x-ll`` is lättläst
#: svenska, easy-to-read Swedish.
LANG_PATTERN = re.compile(r"[a-z]{2,3}(-x-[a-z0-9]{1,8})?")

Kind = Literal["rating", "choice"]


@dataclass(frozen=True)
class Option:
    """One option of a choice question."""

    id: str
    text: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    """One question: a 1–5 rating, or a choice between options."""

    id: str
    kind: Kind
    text: Mapping[str, str]
    target: float | None = None
    optional: bool = False
    options: tuple[Option, ...] = ()
    resolved: tuple[str, ...] = ()
    #: A rating's words per language: five (one per grade) or two (grades 1 and 5); when
    #: empty, the terminal's own (``kiosk.scale_1`` … ``kiosk.scale_5``).
    scale: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def labels(self, lang: str) -> dict[int, str]:
        """What the grades of this rating are called in ``lang``, by grade: all five, or
        only 1 and 5 when the survey names only the ends."""
        words = self.scale.get(lang)
        if words is None:
            return {grade: text(f"kiosk.scale_{grade}", lang) for grade in GRADES}
        return dict(zip((1, 5) if len(words) == 2 else GRADES, words, strict=True))

    @property
    def option_ids(self) -> tuple[str, ...]:
        """The ids of the options, in the order the visitor sees them."""
        return tuple(option.id for option in self.options)


@dataclass(frozen=True)
class Survey:
    """A whole survey with its thresholds; see docs/protocol.md, "Survey definition (TOML)"."""

    id: str
    languages: tuple[str, ...]
    welcome: Mapping[str, str]
    questions: tuple[Question, ...]
    satisfied_threshold: int = 3
    min_n: int = 7
    sample_target: int = 200
    source: str = "<memory>"

    def question(self, question_id: str) -> Question:
        """The question with this id; :class:`SurveyError` if there is none."""
        for question in self.questions:
            if question.id == question_id:
                return question
        known = ", ".join(q.id for q in self.questions)
        raise SurveyError(f"survey {self.id!r} has no question {question_id!r} (it has {known})")

    @property
    def headline(self) -> Question:
        """The question shown first where one stands for all (the overview's trend, the
        heatmap): ``overall`` if the survey has it, else its first rating question."""
        ratings = [q for q in self.questions if q.kind == "rating"]
        by_id = {q.id: q for q in self.questions}
        return by_id.get("overall") or (ratings or list(self.questions))[0]

    @property
    def question_ids(self) -> tuple[str, ...]:
        """The ids of all questions, in the order they are asked."""
        return tuple(question.id for question in self.questions)


def _ident(table: Table, name: str) -> str:
    value = table.data[name]
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise table.fail(
            name, f"{value!r} is not an id (expected lowercase letters, digits, _ or -)"
        )
    return value


def _integer(table: Table, name: str, default: int, low: int, high: int) -> int:
    value = table.data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise table.fail(name, f"expected a whole number, got {_describe(value)}")
    if not low <= value <= high:
        raise table.fail(name, f"{value} is outside {low}..{high}")
    return value


def _target(table: Table) -> float | None:
    value = table.data.get("target")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise table.fail("target", f"expected a percentage, got {_describe(value)}")
    if not 0 <= value <= 100:
        raise table.fail("target", f"{value} is outside 0..100")
    return value


def _texts(parent: Table, name: str, languages: tuple[str, ...]) -> dict[str, str]:
    value = parent.data[name]
    if not isinstance(value, dict):
        raise parent.fail(name, f"expected a table, got {_describe(value)}")
    table = parent.table(name)
    for lang, words in table.data.items():
        if lang not in languages:
            raise table.fail(
                lang, f"unknown language (the survey's languages are {', '.join(languages)})"
            )
        if not isinstance(words, str) or not words.strip():
            raise table.fail(lang, f"expected a text, got {_describe(words)}")
    for lang in languages:
        if lang not in table.data:
            raise table.fail(lang, "missing (every language needs a text)")
    return dict(table.data)


def _languages(table: Table) -> tuple[str, ...]:
    value = table.data["languages"]
    if not isinstance(value, list) or not value:
        raise table.fail("languages", f"expected a list of languages, got {_describe(value)}")
    for lang in value:
        if not isinstance(lang, str) or not LANG_PATTERN.fullmatch(lang):
            raise table.fail("languages", f"{lang!r} is not a language code like 'sv'")
    if len(set(value)) != len(value):
        raise table.fail("languages", f"{value!r} names a language twice")
    return tuple(value)


def _survey(top: Table) -> Survey:
    top.only(
        *sorted({"id", "languages", "welcome", "questions", "satisfied_threshold", "min_n",
                 "sample_target"}),
        required=("id", "languages", "questions", "welcome"),
    )  # fmt: skip
    survey_id = _ident(top, "id")
    languages = _languages(top)
    welcome = _texts(top, "welcome", languages)
    threshold = _integer(top, "satisfied_threshold", 3, 1, 5)
    min_n = _integer(top, "min_n", 7, 1, 1_000_000)
    sample_target = _integer(top, "sample_target", 200, 1, 10**9)
    questions = tuple(_question(item, languages) for item in top.tables("questions", 1))
    ids = [question.id for question in questions]
    for index, question_id in enumerate(ids):
        if question_id in ids[:index]:
            raise top.fail(f"questions[{index}].id", f"{question_id!r} is used twice")
    return Survey(
        id=survey_id,
        languages=languages,
        welcome=welcome,
        questions=questions,
        satisfied_threshold=threshold,
        min_n=min_n,
        sample_target=sample_target,
        source=top.label.removeprefix("survey file "),
    )


def _question(table: Table, languages: tuple[str, ...]) -> Question:
    kind = table.data.get("kind")
    if kind == "rating":
        table.only("id", "kind", "optional", "scale", "target", "text",
                   required=("id", "kind", "text"))  # fmt: skip
    elif kind == "choice":
        table.only(
            "id", "kind", "optional", "options", "resolved", "target", "text",
            required=("id", "kind", "options", "text"),
        )  # fmt: skip
    else:
        raise table.fail("kind", f"{kind!r} is not 'rating' or 'choice'")
    optional = table.data.get("optional", False)
    if not isinstance(optional, bool):
        raise table.fail("optional", f"expected true or false, got {optional!r}")
    question = Question(
        id=_ident(table, "id"),
        kind=kind,
        text=_texts(table, "text", languages),
        target=_target(table),
        optional=optional,
        scale=_scale(table, languages) if "scale" in table.data else {},
    )
    return question if kind == "rating" else _choice(question, table, languages)


def _scale(parent: Table, languages: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """``scale.<lang>``: the words of grades 1 to 5, or of 1 and 5, the same count in every
    language."""
    value = parent.data["scale"]
    if not isinstance(value, dict):
        raise parent.fail("scale", f"expected a table of languages, got {_describe(value)}")
    table = parent.table("scale")
    scale: dict[str, tuple[str, ...]] = {}
    for lang, words in table.data.items():
        if lang not in languages:
            raise table.fail(
                lang, f"unknown language (the survey's languages are {', '.join(languages)})"
            )
        if (
            not isinstance(words, list)
            or len(words) not in (2, 5)
            or not all(isinstance(w, str) and w.strip() and len(w) <= 60 for w in words)
        ):
            raise table.fail(
                lang, f"expected 5 words (grades 1 to 5) or 2 (grades 1 and 5), of at most "
                f"60 characters, got {_describe(words)}"
            )  # fmt: skip
        scale[lang] = tuple(words)
    for lang in languages:
        if lang not in scale:
            raise table.fail(lang, "missing (every language needs the scale's words)")
    counts = {len(words) for words in scale.values()}
    if len(counts) > 1:
        raise parent.fail("scale", "every language needs as many words (5, or 2 for the ends)")
    return scale


def _choice(question: Question, table: Table, languages: tuple[str, ...]) -> Question:
    options: list[Option] = []
    for option in table.tables("options", 2):
        option.only("id", "text", required=("id", "text"))
        option_id = _ident(option, "id")
        if option_id in (o.id for o in options):
            raise option.fail("id", f"{option_id!r} is used twice")
        options.append(Option(option_id, _texts(option, "text", languages)))
    resolved = table.data.get("resolved", [])
    ids = [o.id for o in options]
    if not isinstance(resolved, list) or any(r not in ids for r in resolved):
        raise table.fail("resolved", f"{resolved!r} is not a list of option ids ({', '.join(ids)})")
    if question.target is not None and not resolved:
        raise table.fail("target", "a choice question's target needs 'resolved' options")
    return Question(
        id=question.id,
        kind="choice",
        text=question.text,
        target=question.target,
        optional=question.optional,
        options=tuple(options),
        resolved=tuple(resolved),
    )


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def parse_survey(data: Mapping[str, Any], source: str = "<memory>") -> Survey:
    """A :class:`Survey` from already-parsed TOML data."""
    return _survey(Table(dict(data), f"survey file {source}", error=SurveyError))


def load_survey(path: str | Path) -> Survey:
    """Read and check a survey TOML file."""
    return _survey(Table.load(path, "survey file", error=SurveyError))


@functools.cache
def default_survey() -> Survey:
    """The survey ``service`` that ships with nojd."""
    resource = resources.files("nojd.survey") / "surveys" / "service.toml"
    with resources.as_file(resource) as path:
        return load_survey(path)
