"""Reading checked values out of a TOML configuration file.

Every error names the file and the key at fault, with the value and what was
expected: ``kiosk config k.toml: session.inactivity_timeout: 'soon' is not a
number of seconds``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from nojd.errors import ConfigError, NojdError

T = TypeVar("T")
#: The default's type, apart from ``T``: an empty ``()`` or ``[]`` default must not decide
#: the type that ``check`` gives.
D = TypeVar("D")


class Table:
    """One TOML table of a file (a config, a survey); every read names the file and key.

    ``error`` is the error raised: :class:`ConfigError` for configs, the survey's own
    :class:`~nojd.errors.SurveyError` for surveys.
    """

    def __init__(
        self,
        data: dict[str, Any],
        label: str,
        where: str = "",
        error: type[NojdError] = ConfigError,
    ) -> None:
        self.data = data
        self.label = label
        self.where = where
        self.error = error

    @classmethod
    def load(cls, path: str | Path, kind: str, error: type[NojdError] = ConfigError) -> Table:
        """The top-level table of the file at ``path``; ``kind`` names it in errors."""
        label = f"{kind} {path}"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise error(f"{label}: not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise error(f"{label}: cannot be read ({exc})") from None
        try:
            return cls(tomllib.loads(text), label, error=error)
        except tomllib.TOMLDecodeError as exc:
            raise error(f"{label}: not valid TOML: {exc}") from None

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, problem: str) -> NojdError:
        return self.error(f"{self.label}: {self.key(name)}: {problem}")

    def only(self, *names: str, required: tuple[str, ...] = ()) -> None:
        """Refuse keys this table does not know (a typo must not pass silently), and
        require ``required``."""
        for name in self.data:
            if name not in names:
                raise self.fail(name, f"unknown key (expected one of {', '.join(names)})")
        for name in required:
            if name not in self.data:
                raise self.fail(name, "missing")

    def table(self, name: str) -> Table:
        value = self.data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(name, f"expected a table [{self.key(name)}], got {value!r}")
        return Table(value, self.label, self.key(name), self.error)

    def tables(self, name: str, at_least: int) -> list[Table]:
        """An array of tables (``[[name]]``), each named ``name[i]`` in errors."""
        items = self.data.get(name)
        if (
            not isinstance(items, list)
            or len(items) < at_least
            or not all(isinstance(item, dict) for item in items)
        ):
            tables = "table" if at_least == 1 else "tables"
            raise self.fail(name, f"expected at least {_count(at_least)} [[{name}]] {tables}")
        return [
            Table(item, self.label, f"{self.key(name)}[{index}]", self.error)
            for index, item in enumerate(items)
        ]

    def get(self, name: str, default: D, check: Callable[[object], T], expected: str) -> T | D:
        """The value at ``name`` as ``check`` makes it, or ``default`` when it is absent."""
        if name not in self.data:
            return default
        return self._checked(name, check, expected)

    def require(self, name: str, check: Callable[[object], T], expected: str) -> T:
        if name not in self.data:
            raise self.fail(name, f"missing, and has no default (expected {expected})")
        return self._checked(name, check, expected)

    def _checked(self, name: str, check: Callable[[object], T], expected: str) -> T:
        try:
            return check(self.data[name])
        except (TypeError, ValueError):
            raise self.fail(name, f"{self.data[name]!r} is not {expected}") from None


def _count(number: int) -> str:
    return {1: "one", 2: "two"}.get(number, str(number))


def number(low: float, high: float) -> Callable[[object], float]:
    """A check for a number within ``low..high``."""

    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(value)
        if not low <= value <= high:
            raise ValueError(value)
        return float(value)

    return check


def whole(low: int, high: int) -> Callable[[object], int]:
    """A check for a whole number within ``low..high``."""

    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(value)
        if not low <= value <= high:
            raise ValueError(value)
        return value

    return check


def one_of(allowed: tuple[str, ...]) -> Callable[[object], str]:
    """A check for one of the words ``allowed``."""

    def check(value: object) -> str:
        if value not in allowed:
            raise ValueError(value)
        return str(value)

    return check


def text(value: object) -> str:
    """A check for a string."""
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def boolean(value: object) -> bool:
    """A check for true or false."""
    if not isinstance(value, bool):
        raise TypeError(value)
    return value
