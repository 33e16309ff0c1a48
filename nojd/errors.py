"""The project's error types, shared by every layer (the infrastructure's, at the bottom).

Every error nojd raises on purpose derives from :class:`NojdError` and also
from the builtin it is closest to, so callers can catch either.
"""

from __future__ import annotations


class NojdError(Exception):
    """Base class of every error nojd raises on purpose."""


class SurveyError(NojdError, ValueError):
    """A survey definition that cannot be used."""


class ConfigError(NojdError, ValueError):
    """A configuration file or option that cannot be used."""


class FiguresError(NojdError, ValueError):
    """Counts that key figures cannot be computed from."""


class MessageError(NojdError, ValueError):
    """A wire message that is refused.

    ``field`` names the part of the message at fault (``answers.wait_time``),
    ``reason`` says what was wrong with which value and what was expected.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
