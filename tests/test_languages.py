"""Six languages at the terminal: every file complete for what it covers, each language
named in itself, Arabic shaped and right to left with the grades still 1 to 5 from the
left, and staff screens in a language that has their texts."""

import tomllib
from importlib import resources

import arabic_reshaper  # type: ignore[import-untyped]
import pygame
import pytest

from nojd.kiosk.direction import reads_rtl, runs
from nojd.kiosk.session import Screen
from nojd.kiosk.theme import STANDARD
from nojd.survey import default_survey
from nojd.survey.translations import (
    TERMINAL_SECTIONS,
    catalogue,
    full_languages,
    languages,
    right_to_left,
    text,
)

SIX = ("sv", "en", "fi", "ar", "so", "sv-x-ll")
NAMES = {"sv": "Svenska", "en": "English", "fi": "Suomi", "ar": "العربية", "so": "Soomaali",
         "sv-x-ll": "Lättläst svenska"}  # fmt: skip


def header(lang):
    source = resources.files("nojd.assets") / "translations" / f"{lang}.toml"
    return tomllib.loads(source.read_text("utf-8"))["language"]


def test_the_six_languages_have_files_that_say_what_they_cover_and_how_far_to_trust_them():
    assert set(SIX) <= set(languages())
    assert full_languages() == ("sv", "en")
    swedish = catalogue("sv")
    visitor = {key for key in swedish if key.split(".")[0] in TERMINAL_SECTIONS}
    for lang in SIX:
        about = header(lang)
        assert about["name"] == NAMES[lang]
        assert about["direction"] == ("rtl" if lang == "ar" else "ltr")
        assert about["status"]
        keys = set(catalogue(lang))
        assert keys == (set(swedish) if about["scope"] == "all" else visitor), lang
    for lang in ("fi", "ar", "so", "sv-x-ll"):
        assert "not reviewed" in header(lang)["status"]
        assert header(lang)["scope"] == "terminal"


def test_the_shipped_survey_speaks_all_six():
    survey = default_survey()
    assert survey.languages == SIX
    for lang in SIX:
        assert survey.welcome[lang]
        for question in survey.questions:
            assert question.text[lang]
            assert all(option.text[lang] for option in question.options)
            if question.kind == "rating":
                assert len(question.labels(lang)) == 5


def test_the_font_has_every_letter_of_every_language(fonts):
    survey = default_survey()
    for lang in SIX:
        words = [*catalogue(lang).values(), survey.welcome[lang]]
        for question in survey.questions:
            words += [question.text[lang], *(o.text[lang] for o in question.options)]
            words += list(question.labels(lang).values())
        for bold in (False, True):
            font = STANDARD.font(24, bold)
            missing = {c for c in "".join(words) if not c.isspace() and font.metrics(c) == [None]}
            assert not missing, (lang, bold, missing)


@pytest.fixture
def fonts():
    pygame.font.init()


def test_runs_keep_numbers_and_latin_words_left_to_right_inside_arabic():
    assert runs("نفتح غدًا الساعة 08:00.", rtl=True) == [
        (".", True),
        ("08:00", False),
        ("نفتح غدًا الساعة ", True),
    ]
    assert runs("اللغة / Language", rtl=True) == [("Language", False), ("اللغة / ", True)]
    assert runs("Svenska", rtl=True) == [("Svenska", False)]
    assert runs("Välj språk / اختر اللغة / Suomi", rtl=False) == [
        ("Välj språk / ", False),
        ("اختر اللغة", True),
        (" / Suomi", False),
    ]
    assert reads_rtl("1 من 5", False) and not reads_rtl("Fråga 1", True)
    assert reads_rtl("12:30", True) and not reads_rtl("12:30", False)


def ink(surface, rect, background):
    """The pixels of ``rect`` that are not ``background``, as offsets from its corner."""
    found = set()
    for x in range(rect.width):
        for y in range(rect.height):
            colour = surface.get_at((rect.left + x, rect.top + y))[:3]
            if sum(abs(a - b) for a, b in zip(colour, background, strict=True)) > 200:
                found.add((x, y))
    return found


def drawn(image):
    return {(x, y) for x in range(image.get_width()) for y in range(image.get_height())
            if image.get_at((x, y))[3] > 128}  # fmt: skip


def apart(a, b):
    return len(a ^ b) / max(1, len(a | b))


def test_arabic_on_the_screen_is_shaped_as_an_independent_shaper_shapes_it(rig):
    """The welcome in Arabic, read off the screen, against the same words shaped by
    arabic-reshaper (Unicode's joined letter forms, laid right to left by hand) and drawn
    by a font that shapes nothing: the same picture. The letters unjoined are far from it."""
    kiosk = rig(languages=SIX)
    kiosk.tap_action("languages")
    kiosk.tap_action("language", "ar")
    welcome = default_survey().welcome["ar"]
    [mark] = [m for m in kiosk.kiosk.marks if m.words == welcome]
    surface = kiosk.kiosk.surface
    seen = ink(surface, mark.rect, STANDARD.background)
    plain = pygame.font.Font(str(STANDARD.bold_font), mark.size)  # no script, no direction
    reference = drawn(plain.render(arabic_reshaper.reshape(welcome)[::-1], True, (255,) * 3))
    unjoined = drawn(plain.render(welcome[::-1], True, (255,) * 3))
    assert apart(unjoined, reference) > 0.4  # the measure tells joined from unjoined
    assert apart(seen, reference) < 0.1, apart(seen, reference)


def test_an_arabic_screen_mirrors_its_layout_but_never_the_grades(rig):
    kiosk = rig(languages=SIX)
    kiosk.tap_action("languages")
    kiosk.tap_action("language", "ar")
    kiosk.tap_action("start")
    width = kiosk.kiosk.surface.get_width()
    where = {h.action: h.rect for h in kiosk.kiosk.hotspots}
    assert where[("back", None)].left > width / 2  # back where reading starts: the right
    assert where[("skip", None)].right < width / 2
    assert where[("languages", None)].right < width / 2
    grades = [where[("answer", grade)].left for grade in range(1, 6)]
    assert grades == sorted(grades)  # 1 is leftmost, as button 1
    kiosk.press(1, 2, 5, 5)  # the physical button 1 is grade 1
    kiosk.tap_action("answer", "answered")
    assert kiosk.screen is Screen.THANKS
    [response] = kiosk.committed
    assert response.lang == "ar" and response.answers["wait_time"] == 1
    assert response.answers["reception"] == 2


def test_the_language_screen_names_each_language_in_itself(rig):
    kiosk = rig(languages=SIX)
    kiosk.tap_action("languages")
    words = {m.words for m in kiosk.kiosk.marks}
    assert set(NAMES.values()) <= words
    badges = [m.words for m in kiosk.kiosk.marks if m.words.isdigit()]
    assert badges == ["1", "2", "3", "4", "5"]  # a number for each grade button, no sixth
    kiosk.press(4)
    assert kiosk.view.lang == "ar"
    assert right_to_left("ar") and not right_to_left("fi")


def test_staff_read_swedish_or_english_whatever_the_visitors_read(rig):
    kiosk = rig(languages=("ar", "so", "en"))
    assert kiosk.view.lang == "ar"
    kiosk.key(pygame.K_F12)
    assert kiosk.view.lang == "en"  # the first language with the staff screens' texts
    assert text("kiosk.pin_title", "en") in {m.words for m in kiosk.kiosk.marks}


def test_a_terminal_language_cannot_be_asked_for_staff_texts():
    from nojd.errors import ConfigError

    with pytest.raises(ConfigError, match="key 'staff.title' is missing"):
        text("staff.title", "so")
