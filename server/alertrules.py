"""The alert rules of the server config: what counts as trouble worth a message.

    [[alerts.rules]]
    kind = "silent"             # no status or heartbeat during opening hours
    minutes = 30

    [[alerts.rules]]
    kind = "low_satisfaction"   # many low grades in a rolling window
    window_minutes = 60
    min_answers = 10
    low_percent = 40            # of the headline question's answers, grades 1 and 2

    [[alerts.rules]]
    kind = "quarantine"         # a terminal's unreadable messages pile up
    window_minutes = 15
    at_least = 20

    [[alerts.rules]]
    kind = "backlog"            # a terminal's unsent answers keep growing
    minutes = 60                # never falling over this long, and growing
    at_least = 20               # to at least this many

Where they go: ``email_to`` (over the ``[mail]`` server, :mod:`nojd.server.mailer`) and
``webhooks`` (:mod:`nojd.server.webhooks`), in ``lang``; ``dashboard_url`` is the link
a message ends with. Every key is checked when the config is read, with a one-line error
naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nojd.server.mailer import addresses
from nojd.server.store.sql import BACKLOG_MINUTES
from nojd.server.webhooks import url
from nojd.tomlconfig import Table, one_of, whole

#: The kinds of rule, with the keys each takes.
KINDS = {
    "silent": ("minutes",),
    "low_satisfaction": ("window_minutes", "min_answers", "low_percent"),
    "quarantine": ("window_minutes", "at_least"),
    "backlog": ("minutes", "at_least"),
}
#: The languages a message to staff is written in.
STAFF_LANGUAGES = ("sv", "en")


@dataclass(frozen=True)
class AlertRule:
    """One rule: its kind, its name (for the message and the dashboard) and its limits."""

    kind: str
    name: str
    minutes: int = 30
    window_minutes: int = 60
    min_answers: int = 10
    low_percent: int = 40
    at_least: int = 20


@dataclass(frozen=True)
class AlertsConfig:
    """The rules, how often the server checks them, and where their messages go."""

    rules: tuple[AlertRule, ...] = ()
    check_seconds: int = 60
    lang: str = "sv"
    email_to: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()
    webhook_timeout_seconds: int = 10
    webhook_attempts: int = 3
    dashboard_url: str = ""


def parse_alerts(table: Table) -> AlertsConfig:
    """The ``[alerts]`` table of a server config."""
    table.only("rules", "check_seconds", "lang", "email_to", "webhooks",
               "webhook_timeout_seconds", "webhook_attempts", "dashboard_url")  # fmt: skip
    rules = []
    names: set[str] = set()
    for index, item in enumerate(table.get("rules", [], _tables, "a list of [[alerts.rules]]")):
        rule = Table(item, table.label, f"alerts.rules[{index}]")
        kind = rule.require("kind", _kind, f"one of {', '.join(KINDS)}")
        rule.only("kind", "name", *KINDS[kind])
        name = rule.get("name", kind, _name, "a name of 1-60 printable characters, no '|'")
        if name in names:
            raise rule.fail("name", f"{name!r} is already the name of another rule")
        names.add(name)
        limits: dict[str, Any] = {}
        longest = BACKLOG_MINUTES if kind == "backlog" else 10_080
        ranges = {"minutes": (1, longest), "window_minutes": (1, 10_080),
                  "min_answers": (1, 100_000), "low_percent": (1, 100),
                  "at_least": (1, 1_000_000)}  # fmt: skip
        for key in KINDS[kind]:
            low, high = ranges[key]
            default = getattr(AlertRule, key)
            limits[key] = rule.get(key, default, whole(low, high), f"a whole number {low}..{high}")
        rules.append(AlertRule(kind=kind, name=name, **limits))
    every = table.get("check_seconds", 60, whole(5, 3600), "seconds 5..3600")
    return AlertsConfig(
        tuple(rules),
        every,
        lang=table.get("lang", "sv", staff_language, " or ".join(STAFF_LANGUAGES)),
        email_to=table.get("email_to", (), addresses, "a list of 1-50 e-mail addresses"),
        webhooks=_webhooks(table),
        webhook_timeout_seconds=table.get(
            "webhook_timeout_seconds", 10, whole(1, 60), "seconds 1..60"
        ),
        webhook_attempts=table.get("webhook_attempts", 3, whole(1, 5), "a whole number 1..5"),
        dashboard_url=table.get("dashboard_url", "", url, "the dashboard's http(s) URL"),
    )


#: A check for a language staff messages are written in.
staff_language = one_of(STAFF_LANGUAGES)


def _webhooks(table: Table) -> tuple[str, ...]:
    """``webhooks``: each checked alone, and never shown whole in an error (a chat
    webhook's path is its secret)."""
    found = table.data.get("webhooks", [])
    if not isinstance(found, list) or len(found) > 10:
        raise table.fail("webhooks", "expected a list of at most 10 http(s) URLs")
    for index, each in enumerate(found):
        try:
            url(each)
        except (TypeError, ValueError):
            start = repr(each)[:14] + "…" if isinstance(each, str) else type(each).__name__
            raise table.fail(f"webhooks[{index}]", f"{start} is not an http(s) URL with a "
                             "host") from None  # fmt: skip
    return tuple(found)


def _tables(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TypeError(value)
    return value


def _kind(value: object) -> str:
    if not isinstance(value, str) or value not in KINDS:
        raise TypeError(value)
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not 1 <= len(value.strip()) <= 60:
        raise TypeError(value)
    if not value.isprintable() or "|" in value:  # "|" separates a message key's parts
        raise ValueError(value)
    return value.strip()
