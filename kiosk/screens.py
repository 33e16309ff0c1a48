"""The kiosk's screens, each a small function composing widgets, and :func:`draw`.

:func:`draw` paints one :class:`~nojd.kiosk.session.View` and returns the
touch targets it drew.  The screens decide what is shown where, in shares of
the screen; how it looks (text that fits, buttons, faces, colours) is in
:mod:`nojd.kiosk.widgets`, :mod:`nojd.kiosk.grades` and :mod:`nojd.kiosk.theme`.
A new screen is a function ``(canvas, page) -> None`` added to :data:`SCREENS`.
"""

from __future__ import annotations

import pygame

from nojd.kiosk.grades import grade_columns, grade_rows
from nojd.kiosk.page import Context, Page, ScreenDrawer
from nojd.kiosk.session import Screen, View
from nojd.kiosk.staff import StaffSummary
from nojd.kiosk.staff_screen import staff
from nojd.kiosk.theme import PALETTE, theme_for
from nojd.kiosk.widgets import (
    Action,
    Canvas,
    Hotspot,
    Key,
    Mark,
    button,
    button_stack,
    call_to_action,
    keypad,
    paragraph,
    top_bar,
)
from nojd.survey.translations import right_to_left, text

__all__ = ["PALETTE", "SCREENS", "Action", "Canvas", "Context", "Hotspot", "Mark", "draw"]


def draw(
    surface: pygame.Surface, view: View, context: Context, summary: StaffSummary | None
) -> Canvas:
    """Paint ``view`` on ``surface``; returns the canvas, with its touch targets (first
    match wins) and what was drawn where."""
    canvas = Canvas(
        surface, theme_for(view.large_text, view.high_contrast), right_to_left(view.lang)
    )
    surface.fill(canvas.theme.background)
    SCREENS[view.screen](canvas, Page(view, context, summary or StaffSummary()))
    return canvas


def welcome(canvas: Canvas, page: Page) -> None:
    """The survey's welcome and where to touch to start."""
    _language_bar(canvas, page)
    greeting = page.context.survey.welcome[page.lang]
    paragraph(canvas, greeting, canvas.area(0.15, 0.37), canvas.text_px(11), bold=True)
    band = canvas.area(0.4, 0.65)
    width = min(band.width, canvas.px(130))
    start = pygame.Rect(band.centerx - width // 2, band.top, width, band.height)
    call_to_action(canvas, start, page.t("kiosk.start_button"), canvas.text_px(8))
    if page.context.has_buttons:
        hint = canvas.area(0.67, 0.86)
        muted = canvas.theme.muted
        paragraph(canvas, page.t("kiosk.start_buttons"), hint, canvas.text_px(6), colour=muted)
    _modes(canvas, page)
    # One big target: the whole screen starts, the button shows where to touch.
    canvas.target(canvas.surface.get_rect(), ("start", None))


def question(canvas: Canvas, page: Page) -> None:
    """The progress, the question, and its five grades or its options; when the timeout is
    near, the offer of more time over them."""
    view = page.view
    asked = view.question
    assert asked is not None
    if view.more_time:
        more_time(canvas, page)
        return
    _language_bar(canvas, page, page.t("kiosk.progress", step=view.step, steps=view.steps))
    words = asked.text[page.lang]
    if asked.kind == "choice":
        paragraph(canvas, words, canvas.area(0.14, 0.32), canvas.text_px(8), bold=True)
        options = [
            (option.text[page.lang], ("answer", option_id))
            for option_id, option in zip(asked.option_ids, asked.options, strict=True)
        ]
        band = canvas.area(0.34, 0.85)
        # more than three options side by side in landscape: targets stay tall enough
        columns = 2 if len(options) > 3 and not canvas.portrait else 1
        button_stack(canvas, band, options, canvas.text_px(6), gap=canvas.px(2.5),
                     columns=columns)  # fmt: skip
    elif canvas.portrait:
        paragraph(canvas, words, canvas.area(0.1, 0.27), canvas.text_px(9), bold=True)
        grade_rows(canvas, canvas.area(0.28, 0.87), asked.labels(page.lang))
    else:
        paragraph(canvas, words, canvas.area(0.13, 0.33), canvas.text_px(8), bold=True)
        grade_columns(canvas, canvas.area(0.34, 0.86), asked.labels(page.lang))
    _moves(canvas, page, skip=True)


def more_time(canvas: Canvas, page: Page) -> None:
    """ "Do you need more time?": the whole screen is one target that takes it, and so is
    any button; nothing is answered by it."""
    theme = canvas.theme
    ask = page.t("kiosk.more_time")
    paragraph(canvas, ask, canvas.area(0.08, 0.36), canvas.text_px(12), bold=True,
              colour=theme.warning)  # fmt: skip
    band = canvas.area(0.42, 0.72)
    width = min(band.width, canvas.px(130))
    button = pygame.Rect(band.centerx - width // 2, band.top, width, band.height)
    call_to_action(canvas, button, page.t("kiosk.more_time_button"), canvas.text_px(9))
    hint = page.t("kiosk.more_time_hint")
    paragraph(canvas, hint, canvas.area(0.76, 0.97), canvas.text_px(6.5), colour=theme.muted)
    canvas.target(canvas.surface.get_rect(), ("more_time", None))


def language(canvas: Canvas, page: Page) -> None:
    """A button per language, each named in its own language."""
    languages = page.context.languages
    # each language's words kept whole on one line (no-break spaces), each said once
    said = dict.fromkeys(text("kiosk.choose_language", lang).replace(" ", "\xa0")
                         for lang in languages)  # fmt: skip
    choose = " / ".join(said)
    paragraph(canvas, choose, canvas.area(0.04, 0.2), canvas.text_px(7), bold=True)
    choices = [(text("language.name", lang), ("language", lang)) for lang in languages]
    band = canvas.area(0.24, 0.85)
    size, gap = canvas.text_px(8), canvas.px(3)
    columns = 2 if len(choices) > 4 and not canvas.portrait else 1
    button_stack(canvas, band, choices, size, gap, tallest=canvas.px(22), columns=columns)
    _moves(canvas, page, skip=False)


def thanks(canvas: Canvas, page: Page) -> None:
    """Thanks, once the answers are safely stored."""
    paragraph(canvas, page.t("kiosk.thanks"), canvas.area(0.2, 0.6), canvas.text_px(13), bold=True)
    more, muted = page.t("kiosk.thanks_more"), canvas.theme.muted
    paragraph(canvas, more, canvas.area(0.62, 0.85), canvas.text_px(7), colour=muted)


def closed(canvas: Canvas, page: Page) -> None:
    """Closed, and when the desk opens next."""
    paragraph(canvas, page.t("kiosk.closed"), canvas.area(0.15, 0.5), canvas.text_px(12), bold=True)
    opening = page.context.next_opening()
    if opening is None:
        words = page.t("kiosk.closed_for_now")
    else:
        days = (opening.date() - page.context.now().astimezone(opening.tzinfo).date()).days
        day = {0: "days.today", 1: "days.tomorrow"}.get(days, f"days.{opening.weekday()}")
        words = page.t("kiosk.opens", day=page.t(day), time=opening.strftime("%H:%M"))
    muted = canvas.theme.muted
    paragraph(canvas, words, canvas.area(0.55, 0.85), canvas.text_px(7), colour=muted)


def out_of_order(canvas: Canvas, page: Page) -> None:
    """Out of order, and what the visitor can do, in their language. Why it is out of
    order (an errno, a path) is for staff: it goes to the log, never on this screen."""
    theme = canvas.theme
    title, more = page.t("kiosk.out_of_order"), page.t("kiosk.out_of_order_more")
    paragraph(
        canvas, title, canvas.area(0.15, 0.45), canvas.text_px(12), bold=True, colour=theme.warning
    )
    paragraph(canvas, more, canvas.area(0.5, 0.85), canvas.text_px(7))


def pin(canvas: Canvas, page: Page) -> None:
    """The staff PIN: a dot per digit typed (or that it was wrong), and a keypad."""
    view, theme = page.view, canvas.theme
    top_bar(canvas, page.t("kiosk.pin_title"), (page.t("kiosk.close"), ("close", None)))
    status = page.t("kiosk.pin_wrong") if view.pin_error else "● " * view.pin_digits
    colour = theme.warning if view.pin_error else theme.text
    size = canvas.text_px(7)
    paragraph(canvas, status.strip() or " ", canvas.area(0.15, 0.27), size, colour=colour)
    keys: list[Key] = []
    for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok"):
        if key.isdigit():
            keys.append((key, ("pin", key), canvas.text_px(8)))
        else:
            keys.append((page.t(f"kiosk.{key}"), (f"pin_{key}", None), canvas.text_px(4.5)))
    keypad(canvas, canvas.area(0.3, 0.98), keys)


def _moves(canvas: Canvas, page: Page, skip: bool) -> None:
    """Back (bottom left) and, on a question, skip (bottom right); the other way round on a
    right-to-left screen. The physical back and skip buttons keep their meaning."""
    bar = canvas.area(0.88, 0.99)
    width = min(bar.width // 2 - canvas.px(4), canvas.px(60))
    size = canvas.text_px(5)
    left = canvas.mirrored(pygame.Rect(bar.left, bar.top, width, bar.height))
    button(canvas, left, page.t("kiosk.back"), ("back", None), size)
    if skip:
        right = canvas.mirrored(pygame.Rect(bar.right - width, bar.top, width, bar.height))
        button(canvas, right, page.t("kiosk.skip"), ("skip", None), size)


def _modes(canvas: Canvas, page: Page) -> None:
    """Larger text (bottom left) and high contrast (bottom right), each filled and marked
    ✓ when on; mirrored on a right-to-left screen."""
    view = page.view
    bar = canvas.area(0.87, 0.99)
    width = min(bar.width // 2 - canvas.px(4), canvas.px(70))
    size = canvas.text_px(6)
    for mode, on, left in (
        ("large_text", view.large_text, bar.left),
        ("high_contrast", view.high_contrast, bar.right - width),
    ):
        words = page.t(f"kiosk.{mode}")
        words = page.t("kiosk.mode_on", mode=words) if on else words
        rect = canvas.mirrored(pygame.Rect(left, bar.top, width, bar.height))
        button(canvas, rect, words, (mode, None), size, pressed=on)
    # a touch that misses both buttons is not taken as "start": it was meant for one
    canvas.target(bar, ("nothing", None))


def _language_bar(canvas: Canvas, page: Page, title: str = "") -> None:
    """The top bar, with the language button when there is more than one language."""
    many = len(page.context.languages) > 1
    button = (page.t("kiosk.language_button"), ("languages", None))
    top_bar(canvas, title, button if many else None)


#: How each screen of the session is drawn.
SCREENS: dict[Screen, ScreenDrawer] = {
    Screen.WELCOME: welcome,
    Screen.QUESTION: question,
    Screen.THANKS: thanks,
    Screen.LANGUAGE: language,
    Screen.CLOSED: closed,
    Screen.OUT_OF_ORDER: out_of_order,
    Screen.PIN: pin,
    Screen.STAFF: staff,
}
