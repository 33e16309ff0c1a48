"""What every screen is drawn from: the session's view, the terminal's context, the summary.

A screen is a function ``(canvas, page) -> None`` (:data:`ScreenDrawer`); the
screens live in :mod:`nojd.kiosk.screens` and :mod:`nojd.kiosk.staff_screen`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from nojd.kiosk.session import View
from nojd.kiosk.staff import StaffSummary
from nojd.kiosk.widgets import Canvas
from nojd.survey import Survey
from nojd.survey.translations import text


@dataclass(frozen=True)
class Context:
    """What the screens need besides the view."""

    survey: Survey
    languages: tuple[str, ...]
    device: str
    site: str
    staff_timeout: float
    has_buttons: bool
    next_opening: Callable[[], datetime | None]
    now: Callable[[], datetime]


@dataclass(frozen=True)
class Page:
    """One drawing of a screen: the view, the context and (for the staff screen) the summary."""

    view: View
    context: Context
    summary: StaffSummary

    @property
    def lang(self) -> str:
        """The visitor's language."""
        return self.view.lang

    def t(self, key: str, **values: object) -> str:
        """The text ``key`` in the visitor's language."""
        return text(key, self.view.lang, **values)


ScreenDrawer = Callable[[Canvas, Page], None]
