"""Telling people about alerts: each episode's "opened" and "resolved" message, by mail
and by webhook, once, whichever server process gets there first.

Every message goes on every channel the config names (``[alerts] email_to`` is one
channel, each of ``[alerts] webhooks`` another), each claimed in the store before it is
sent (:mod:`nojd.server.store.sql_deliveries`), so two processes send it once between
them and a process that restarts sends what it had not. A message that fails is tried
again at a later check, waiting longer each time, up to an hour. A message still unsent a
day after its event is given up on and said so in the log and on the dashboard: a
technician told on Friday that a terminal fell silent on Tuesday is told too late. For
the same reason an episode older than a day is never announced when channels are first
configured. A "resolved" message waits for its "opened" one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from nojd.errors import NojdError
from nojd.server import mailer, webhooks
from nojd.server.alertrules import AlertRule
from nojd.server.config import ServerConfig
from nojd.server.rendering import local_time
from nojd.server.store import Store
from nojd.server.store.sql_alerts import GAVE_UP, SENT
from nojd.survey.translations import text
from nojd.survey.wire import parse_time

log = logging.getLogger("nojd.server.notify")
#: How long a process holds a message it is sending: longer than any send can take
#: (a mail's timeout is at most 60 s a step; a webhook's 60 s × 5 attempts and pauses).
LEASE = timedelta(minutes=10)
#: A message not delivered this long after its event is given up on.
GIVE_UP = timedelta(days=1)
#: The longest wait between two tries of one message.
LONGEST_WAIT = timedelta(hours=1)
#: The kinds whose subject is a terminal; the others' is a site.
TERMINAL_KINDS = ("silent", "quarantine", "backlog")


def deliver(store: Store, config: ServerConfig, now: datetime) -> list[str]:
    """Send every unsent message of every episode on every channel that does not have it
    yet; the keys of the messages sent now."""
    channels = _channels(config)
    rules = {rule.name: rule for rule in config.alerts.rules}
    done: list[str] = []
    for episode in store.alerts.unsent():
        for message in ("opened", "resolved"):
            if not episode[f"{message}_at"]:
                break  # not resolved yet
            if episode[f"{message}_sent"]:
                continue
            event = parse_time(episode[f"{message}_at"])
            prefix = f"alert|{episode['rule']}|{episode['subject']}|{episode['opened_at']}|"
            keys = {name: f"{prefix}{message}|{name}" for name in channels}
            states = store.deliveries.states(f"{prefix}{message}|")
            stale = now - event > GIVE_UP
            waiting = [name for name, key in keys.items() if not _sent(states.get(key))]
            if not stale:
                said = _words(episode, message, rules.get(episode["rule"]), config)
                for name in waiting[:]:
                    if _send(store, keys[name], channels[name], said, now):
                        done.append(keys[name])
                        waiting.remove(name)
            if not waiting:
                store.alerts.settle(episode["id"], message, SENT)
            elif stale:
                store.alerts.settle(episode["id"], message, GAVE_UP)
                log.warning("alert %s for %s: %s message given up after %s: %s",
                            episode["rule"], episode["subject"], message, GIVE_UP,
                            ", ".join(waiting))  # fmt: skip
            if waiting and not stale:
                break  # the "resolved" message waits for the "opened" one
    return done


def _sent(state: dict[str, Any] | None) -> bool:
    return bool(state and state["sent_at"])


Sender = Callable[[dict[str, Any]], None]


def _channels(config: ServerConfig) -> dict[str, Sender]:
    """The channels a message goes on, by a name that stays the same while the config
    does: ``email``, and ``webhook:`` with a digest of each URL (never the URL itself,
    whose path is often a secret)."""
    alerts, mail = config.alerts, config.mail
    channels: dict[str, Sender] = {}
    if alerts.email_to and mail is not None:
        to = alerts.email_to

        def by_mail(said: dict[str, Any]) -> None:
            for refused in mailer.send(mail, to, said["subject"], said["body"]):
                log.warning("alert mail: %s", refused)

        channels["email"] = by_mail
    for address in alerts.webhooks:
        digest = hashlib.sha256(address.encode()).hexdigest()[:12]

        def by_webhook(said: dict[str, Any], address: str = address) -> None:
            webhooks.post(address, said["webhook"], alerts.webhook_timeout_seconds,
                          alerts.webhook_attempts)  # fmt: skip

        channels[f"webhook:{digest}"] = by_webhook
    return channels


def _send(store: Store, key: str, sender: Sender, said: dict[str, Any], now: datetime) -> bool:
    """Claim ``key`` and send it; whether it went now. A failure is logged and waits."""
    if not store.deliveries.claim(key, now, LEASE):
        return False
    try:
        sender(said)
    except Exception as exc:  # released, whatever went wrong: a claim held would wait
        said_error = str(exc) if isinstance(exc, NojdError) else f"{exc.__class__.__name__}: {exc}"
        tried = int(store.deliveries.states(key).get(key, {}).get("attempts") or 1)
        wait = min(timedelta(minutes=2 ** (tried - 1)), LONGEST_WAIT)
        store.deliveries.failed(key, said_error, now + wait)
        log.warning("alert message not sent (try %d, next in %s): %s", tried, wait, said_error,
                    exc_info=not isinstance(exc, NojdError))  # fmt: skip
        return False
    store.deliveries.sent(key, now)
    _, rule, subject, _, message, channel = key.split("|")
    log.info("alert %s for %s: %s sent on %s", rule, subject, message, channel)
    return True


def try_channels(config: ServerConfig) -> list[tuple[bool, str]]:
    """Send a test message on every channel the config names, now, whatever the store
    holds (``nojd server alerts test``): for each, whether it went and a line that says
    so, naming the channel as people know it (its addresses, the webhook's host)."""
    alerts, lang = config.alerts, config.alerts.lang
    subject = text("alerts.test_subject", lang)
    body = text("alerts.test_body", lang)
    tried: list[tuple[bool, str]] = []
    if alerts.email_to and config.mail is not None:
        to = ", ".join(alerts.email_to)
        try:
            refused = mailer.send(config.mail, alerts.email_to, subject, body + "\n")
            tried.append((not refused, f"{to}: {'; '.join(refused) or 'sent'}"))
        except NojdError as exc:
            tried.append((False, f"{to}: {exc}"))
    for address in alerts.webhooks:
        said = {"event": "test", "text": f"{subject}\n{body}"}
        try:
            webhooks.post(address, said, alerts.webhook_timeout_seconds, alerts.webhook_attempts)
            tried.append((True, f"{webhooks.shown(address)}: sent"))
        except NojdError as exc:
            tried.append((False, str(exc)))
    return tried


def subject_name(kind: str | None, subject: str, config: ServerConfig) -> str:
    """An episode's subject in words: a terminal with its site, or a site by its name."""
    organisation = config.organisation
    if kind in TERMINAL_KINDS:
        site = organisation.site_of(subject, "")
        return f"{subject} ({organisation.name('site', site)})" if site else subject
    return organisation.name("site", subject)


def detail(episode: dict[str, Any], kind: str | None, lang: str, config: ServerConfig) -> str:
    """What an episode found when it opened, in words (the dashboard and the messages)."""
    said = json.loads(episode["detail"])
    if kind is None:  # a rule since taken out of the config: its numbers as they are
        return ", ".join(f"{key} {value}" for key, value in said.items())
    if "last_heard" in said:  # a stored UTC stamp, or never: in words, local time
        stamp = said["last_heard"]
        said["last_heard"] = local_time(stamp, config.zone) if stamp else text("alerts.never", lang)
    return text(f"alerts.detail_{kind}", lang, **said)


def rule_words(rule: AlertRule, lang: str) -> str:
    """What a rule watches for, in words."""
    return text(f"alerts.rule_{rule.kind}", lang, minutes=rule.minutes,
                window=rule.window_minutes, min_answers=rule.min_answers,
                low_percent=rule.low_percent, at_least=rule.at_least)  # fmt: skip


def _words(
    episode: dict[str, Any], message: str, rule: AlertRule | None, config: ServerConfig
) -> dict[str, Any]:
    """The mail's subject and body and the webhook's JSON body of one message."""
    lang, zone = config.alerts.lang, config.zone
    kind = rule.kind if rule else None
    where = subject_name(kind, episode["subject"], config)
    found = detail(episode, kind, lang, config)
    heading = text(f"alerts.subject_{message}", lang, rule=episode["rule"], subject=where)
    watches = rule_words(rule, lang) if rule else "–"
    lines = [
        text("alerts.line_rule", lang, rule=episode["rule"], watches=watches),
        text("alerts.line_subject", lang, subject=where),
        text("alerts.line_found", lang, detail=found),
        text("alerts.line_opened", lang, at=local_time(episode["opened_at"], zone)),
    ]
    if message == "resolved":
        ended = local_time(episode["resolved_at"], zone)
        lines.append(text("alerts.line_resolved", lang, at=ended))
    if config.alerts.dashboard_url:
        lines.append(text("alerts.line_link", lang, url=config.alerts.dashboard_url))
    body = "\n".join(lines) + "\n"
    webhook = {
        "event": message,
        "rule": episode["rule"],
        "kind": kind,
        "subject": episode["subject"],
        "subject_name": where,
        "opened_at": episode["opened_at"],
        "resolved_at": episode["resolved_at"] if message == "resolved" else None,
        "detail": json.loads(episode["detail"]),
        "text": f"{heading}\n{found}",
        "url": config.alerts.dashboard_url or None,
    }
    return {"subject": heading, "body": body, "webhook": webhook}
