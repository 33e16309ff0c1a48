"""User-facing texts in every language, from ``assets/translations/<lang>.toml``.

Code never holds Swedish or English sentences; it asks for a key such as
``figures.too_few_answers``.  A new language is a new file: one of scope "all" has
every text, one of scope "terminal" only what a visitor sees at the terminal.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from nojd.errors import ConfigError

DEFAULT_LANGUAGE = "sv"


@functools.cache
def languages() -> tuple[str, ...]:
    """The languages that have a translation file, the default first."""
    folder = resources.files("nojd.assets") / "translations"
    found = sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml"))
    found.remove(DEFAULT_LANGUAGE)
    return (DEFAULT_LANGUAGE, *found)


#: The sections a visitor sees: all a terminal-only language ("scope" "terminal") has.
TERMINAL_SECTIONS = ("language", "kiosk", "days")


@functools.cache
def full_languages() -> tuple[str, ...]:
    """The languages with every text (scope "all"): for staff screens, the dashboard and
    the reports. The others are for the terminal's visitors only."""
    return tuple(lang for lang in languages() if catalogue(lang).get("language.scope") == "all")


def right_to_left(lang: str) -> bool:
    """Whether ``lang`` is written right to left (its file's ``language.direction``)."""
    return catalogue(lang).get("language.direction") == "rtl"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """Every text of one language, keyed ``section.key``."""
    if lang not in languages():
        raise ConfigError(
            f"language {lang!r} has no translation file (available: {', '.join(languages())})"
        )
    resource = resources.files("nojd.assets") / "translations" / f"{lang}.toml"
    try:
        data = tomllib.loads(resource.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"translation file {lang}.toml: not valid TOML: {exc}") from None
    return dict(_flatten(data))


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    texts = catalogue(lang)
    if key not in texts:
        raise ConfigError(f"translation file {lang}.toml: key {key!r} is missing")
    return texts[key].format(**values) if values else texts[key]


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            items.extend(_flatten(value, f"{prefix}{key}."))
        else:
            items.append((f"{prefix}{key}", str(value)))
    return items
