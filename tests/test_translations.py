"""Translation files: every language has every key; code asks by key."""

import pytest

from nojd.errors import ConfigError
from nojd.survey.translations import (
    DEFAULT_LANGUAGE,
    TERMINAL_SECTIONS,
    catalogue,
    languages,
    text,
)


def test_swedish_is_the_default_and_english_exists():
    assert languages()[0] == DEFAULT_LANGUAGE == "sv"
    assert "en" in languages()


def test_every_language_has_the_keys_of_its_scope():
    swedish = set(catalogue("sv"))
    visitor = {key for key in swedish if key.split(".")[0] in TERMINAL_SECTIONS}
    for lang in languages():
        scope = catalogue(lang)["language.scope"]
        assert set(catalogue(lang)) == (swedish if scope == "all" else visitor), lang


def test_placeholders_are_filled():
    assert text("figures.answers", "sv", n=19) == "Svar: 19"
    assert text("figures.too_few_answers", "sv") == "för få svar"


def test_unknown_language_and_key_are_named():
    with pytest.raises(ConfigError, match="language 'xx' has no translation file"):
        text("figures.answers", "xx")
    with pytest.raises(ConfigError, match="key 'figures.nope' is missing"):
        text("figures.nope", "en")
