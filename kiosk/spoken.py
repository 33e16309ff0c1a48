"""What each screen says aloud, in the visitor's language: the same words the screen
shows, with the scale read out, so that a visitor who cannot see it can answer with the
buttons. A press is confirmed without its grade: a bystander must not learn it."""

from __future__ import annotations

from nojd.kiosk.page import Page
from nojd.kiosk.session import Screen, View
from nojd.survey.translations import text


def spoken(page: Page) -> str:
    """The words of the screen ``page`` shows."""
    view, say = page.view, page.t
    if view.screen is Screen.WELCOME:
        first = page.context.survey.welcome[page.lang]
        how = say("kiosk.speech_start") if page.context.has_buttons else say("kiosk.start_button")
        return f"{first} {how} {say('kiosk.speech_modes')}"
    if view.screen is Screen.QUESTION and view.more_time:
        return f"{say('kiosk.more_time')} {say('kiosk.more_time_speech')}"
    if view.screen is Screen.QUESTION and view.question is not None:
        asked = view.question
        words = [say("kiosk.progress", step=view.step, steps=view.steps) + ".",
                 asked.text[page.lang]]  # fmt: skip
        if asked.kind == "choice":
            for number, option in enumerate(asked.options, start=1):
                words.append(
                    say("kiosk.speech_option", number=number, option=option.text[page.lang])
                )
        else:
            words.append(say("kiosk.speech_scale"))
            for number, meaning in asked.labels(page.lang).items():
                words.append(say("kiosk.speech_option", number=number, option=meaning))
        return " ".join(words)
    if view.screen is Screen.LANGUAGE:
        names = [text("language.name", lang) for lang in page.context.languages]
        return " ".join(
            say("kiosk.speech_option", number=number, option=name)
            for number, name in enumerate(names, start=1)
        )
    if view.screen is Screen.THANKS:
        return f"{say('kiosk.thanks')} {say('kiosk.thanks_more')}"
    if view.screen is Screen.CLOSED:
        return say("kiosk.closed")
    if view.screen is Screen.OUT_OF_ORDER:
        return f"{say('kiosk.out_of_order')} {say('kiosk.out_of_order_more')}"
    return ""  # the staff's screens are not read aloud


def announced(before: View | None, view: View) -> str:
    """What turning larger text or high contrast on or off says, in the visitor's language;
    empty when neither changed within the visit."""
    if before is None or before.visitor != view.visitor:
        return ""
    staff = (Screen.PIN, Screen.STAFF)
    if view.screen in staff or before.screen in staff:
        return ""  # staff see the standard look; the visitor's modes are not turned off
    said = []
    for mode in ("large_text", "high_contrast"):
        now = getattr(view, mode)
        if now != getattr(before, mode):
            said.append(text(f"kiosk.{mode}_{'on' if now else 'off'}", view.lang))
    return " ".join(said)


def confirmed(lang: str) -> str:
    """A press taken, without saying which."""
    return text("kiosk.speech_confirmed", lang)
