"""The survey definition: questions, texts, targets and thresholds, from TOML.

A survey is data, not code: a municipality changes wording, adds a language
or a question by editing a TOML file.  :func:`load_survey` refuses a broken
file with a message that names the file, the key and the problem.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from nojd.errors import SurveyError

#: The rating scale: 1 is the worst grade, 5 the best.
GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)
#: Survey, question and option ids: lowercase letters, digits, ``_`` and ``-``.
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
#: A language is an ISO 639 code: ``sv``, ``en``, ``fi``, ``smj``.
LANG_PATTERN = re.compile(r"[a-z]{2,3}")

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

    @property
    def option_ids(self) -> tuple[str, ...]:
        """The ids of the options, in the order the visitor sees them."""
        return tuple(option.id for option in self.options)


@dataclass(frozen=True)
class Survey:
    """A whole survey with its thresholds; see DESIGN.md, "The survey"."""

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
    def question_ids(self) -> tuple[str, ...]:
        """The ids of all questions, in the order they are asked."""
        return tuple(question.id for question in self.questions)


class _Reader:
    """Reads one survey file's tables, naming the file and key in every error."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> SurveyError:
        return SurveyError(f"survey file {self.source}: {where}: {problem}")

    def table(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a table, got {_describe(value)}")
        return value

    def keys(
        self, table: dict[str, Any], where: str, required: set[str], allowed: set[str]
    ) -> None:
        for key in table:
            if key not in required | allowed:
                expected = ", ".join(sorted(required | allowed))
                raise self.fail(_join(where, key), f"unknown key (expected one of {expected})")
        for key in sorted(required - table.keys()):
            raise self.fail(_join(where, key), "missing")

    def ident(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
            raise self.fail(
                where, f"{value!r} is not an id (expected lowercase letters, digits, _ or -)"
            )
        return value

    def integer(self, value: object, where: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, f"expected a whole number, got {_describe(value)}")
        if not low <= value <= high:
            raise self.fail(where, f"{value} is outside {low}..{high}")
        return value

    def target(self, value: object, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a percentage, got {_describe(value)}")
        if not 0 <= value <= 100:
            raise self.fail(where, f"{value} is outside 0..100")
        return value

    def texts(self, value: object, where: str, languages: tuple[str, ...]) -> dict[str, str]:
        table = self.table(value, where)
        for lang, text in table.items():
            if lang not in languages:
                raise self.fail(
                    _join(where, lang),
                    f"unknown language (the survey's languages are {', '.join(languages)})",
                )
            if not isinstance(text, str) or not text.strip():
                raise self.fail(_join(where, lang), f"expected a text, got {_describe(text)}")
        for lang in languages:
            if lang not in table:
                raise self.fail(_join(where, lang), "missing (every language needs a text)")
        return dict(table)

    def languages(self, value: object) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("languages", f"expected a list of languages, got {_describe(value)}")
        for lang in value:
            if not isinstance(lang, str) or not LANG_PATTERN.fullmatch(lang):
                raise self.fail("languages", f"{lang!r} is not a language code like 'sv'")
        if len(set(value)) != len(value):
            raise self.fail("languages", f"{value!r} names a language twice")
        return tuple(value)

    def survey(self, data: dict[str, Any]) -> Survey:
        self.keys(
            data,
            "",
            {"id", "languages", "welcome", "questions"},
            {"satisfied_threshold", "min_n", "sample_target"},
        )
        survey_id = self.ident(data["id"], "id")
        languages = self.languages(data["languages"])
        welcome = self.texts(data["welcome"], "welcome", languages)
        threshold = self.integer(data.get("satisfied_threshold", 3), "satisfied_threshold", 1, 5)
        min_n = self.integer(data.get("min_n", 7), "min_n", 1, 1_000_000)
        sample_target = self.integer(data.get("sample_target", 200), "sample_target", 1, 10**9)
        questions = data["questions"]
        if not isinstance(questions, list) or not questions:
            raise self.fail("questions", "expected at least one [[questions]] table")
        parsed = tuple(
            self.question(item, f"questions[{index}]", languages)
            for index, item in enumerate(questions)
        )
        ids = [q.id for q in parsed]
        for index, question_id in enumerate(ids):
            if question_id in ids[:index]:
                raise self.fail(f"questions[{index}].id", f"{question_id!r} is used twice")
        return Survey(
            id=survey_id,
            languages=languages,
            welcome=welcome,
            questions=parsed,
            satisfied_threshold=threshold,
            min_n=min_n,
            sample_target=sample_target,
            source=self.source,
        )

    def question(self, value: object, where: str, languages: tuple[str, ...]) -> Question:
        table = self.table(value, where)
        kind = table.get("kind")
        if kind == "rating":
            self.keys(table, where, {"id", "kind", "text"}, {"target", "optional"})
        elif kind == "choice":
            self.keys(
                table, where, {"id", "kind", "text", "options"}, {"target", "optional", "resolved"}
            )
        else:
            raise self.fail(_join(where, "kind"), f"{kind!r} is not 'rating' or 'choice'")
        optional = table.get("optional", False)
        if not isinstance(optional, bool):
            raise self.fail(_join(where, "optional"), f"expected true or false, got {optional!r}")
        target = table.get("target")
        question = Question(
            id=self.ident(table["id"], _join(where, "id")),
            kind=kind,
            text=self.texts(table["text"], _join(where, "text"), languages),
            target=None if target is None else self.target(target, _join(where, "target")),
            optional=optional,
        )
        if kind == "rating":
            return question
        return self.choice(question, table, where, languages)

    def choice(
        self, question: Question, table: dict[str, Any], where: str, languages: tuple[str, ...]
    ) -> Question:
        items = table["options"]
        if not isinstance(items, list) or len(items) < 2:
            raise self.fail(_join(where, "options"), "expected at least two [[options]] tables")
        options = []
        for index, item in enumerate(items):
            at = f"{where}.options[{index}]"
            option = self.table(item, at)
            self.keys(option, at, {"id", "text"}, set())
            option_id = self.ident(option["id"], f"{at}.id")
            if option_id in (o.id for o in options):
                raise self.fail(f"{at}.id", f"{option_id!r} is used twice")
            options.append(Option(option_id, self.texts(option["text"], f"{at}.text", languages)))
        resolved = table.get("resolved", [])
        ids = [o.id for o in options]
        if not isinstance(resolved, list) or any(r not in ids for r in resolved):
            raise self.fail(
                _join(where, "resolved"),
                f"{resolved!r} is not a list of option ids ({', '.join(ids)})",
            )
        if question.target is not None and not resolved:
            raise self.fail(
                _join(where, "target"), "a choice question's target needs 'resolved' options"
            )
        return Question(
            id=question.id,
            kind="choice",
            text=question.text,
            target=question.target,
            optional=question.optional,
            options=tuple(options),
            resolved=tuple(resolved),
        )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def parse_survey(data: Mapping[str, Any], source: str = "<memory>") -> Survey:
    """A :class:`Survey` from already-parsed TOML data."""
    reader = _Reader(source)
    return reader.survey(reader.table(dict(data), "(top level)"))


def load_survey(path: str | Path) -> Survey:
    """Read and check a survey TOML file."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SurveyError(f"survey file {source}: not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyError(f"survey file {source}: cannot be read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SurveyError(f"survey file {source}: not valid TOML: {exc}") from None
    return parse_survey(data, source)


@functools.cache
def default_survey() -> Survey:
    """The survey ``service`` that ships with nojd."""
    resource = resources.files("nojd.survey") / "surveys" / "service.toml"
    with resources.as_file(resource) as path:
        return load_survey(path)
