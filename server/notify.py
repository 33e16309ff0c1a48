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
import threading
import time
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
#: The least a process holds a message it is sending; longer when the configured
#: timeouts let a send take longer (:func:`lease`).
LEAST_LEASE = timedelta(minutes=10)
#: How long the watch waits for one send before it goes on with the others: the send
#: goes on in the background, holding its claim, and settles it when it ends.
SEND_DEADLINE = timedelta(minutes=2)
#: A message not delivered this long after its event is given up on.
GIVE_UP = timedelta(days=1)
#: The longest wait between two tries of one message.
LONGEST_WAIT = timedelta(hours=1)
#: The kinds whose subject is a terminal; the others' is a site.
TERMINAL_KINDS = ("silent", "quarantine", "backlog")
#: SMTP exchanges in one mail besides one per address (connect, EHLO, STARTTLS, EHLO,
#: AUTH, MAIL, DATA, its end, QUIT), each under the mail timeout.
_MAIL_STEPS = 9


def lease(config: ServerConfig) -> timedelta:
    """How long a claim holds: longer than the slowest send the config allows (every
    step of a mail, every attempt of a webhook with urllib3's pauses, at their
    timeouts), with a minute to spare; at least :data:`LEAST_LEASE`."""
    alerts, longest = config.alerts, 0.0
    if config.mail is not None and alerts.email_to:
        longest = (_MAIL_STEPS + len(alerts.email_to)) * config.mail.timeout_seconds
    if alerts.webhooks:
        pauses = sum(min(0.5 * 2**n, 120) for n in range(1, alerts.webhook_attempts - 1))
        one = alerts.webhook_attempts * 2 * alerts.webhook_timeout_seconds + pauses
        longest = max(longest, one)
    return max(LEAST_LEASE, timedelta(seconds=longest + 60))


def deliver(store: Store, config: ServerConfig, now: datetime) -> list[str]:
    """Send every unsent message of every episode on every channel that does not have it
    yet; the keys of the messages sent now. ``now`` is when the round began: claims are
    stamped with it plus the time the round has taken. A channel that fails is left
    alone for the rest of the round (one dead receiver must not hold up the others'
    messages, or the next check); an episode whose messages cannot be made is logged
    and the others go on."""
    started = time.monotonic()

    def clock() -> datetime:
        return now + timedelta(seconds=time.monotonic() - started)

    sending = _Round(store, config, clock)
    for episode in store.alerts.unsent():
        try:
            sending.episode(episode)
        except Exception:
            log.exception("alert %s for %s: its messages could not be sent",
                          episode["rule"], episode["subject"])  # fmt: skip
    return sending.done


class _Round:
    """One round of sending: the channels, which of them failed in it, what went."""

    def __init__(self, store: Store, config: ServerConfig, clock: Callable[[], datetime]) -> None:
        self.store, self.config, self.clock = store, config, clock
        self.began = clock()  # the round's start: the next try is counted from it
        self.channels = _channels(config)
        self.rules = {rule.name: rule for rule in config.alerts.rules}
        self.lease = lease(config)
        self.broken: set[str] = set()
        self.done: list[str] = []

    def episode(self, episode: dict[str, Any]) -> None:
        """Send what ``episode`` owes: its "opened" message, then its "resolved" one."""
        store, opened = self.store, episode["opened_sent"]
        for message in ("opened", "resolved"):
            if not episode[f"{message}_at"]:
                return  # not resolved yet
            if episode[f"{message}_sent"]:
                continue
            if message == "resolved" and opened == GAVE_UP:  # its beginning never reached
                store.alerts.settle(episode["id"], message, GAVE_UP)  # them: nor its end
                return
            prefix = f"alert|{episode['rule']}|{episode['subject']}|{episode['opened_at']}|"
            keys = {name: f"{prefix}{message}|{name}" for name in self.channels}
            states = store.deliveries.states(f"{prefix}{message}|")
            stale = self.clock() - parse_time(episode[f"{message}_at"]) > GIVE_UP
            waiting = [name for name, key in keys.items() if not _sent(states.get(key))]
            if not stale and waiting:
                said = _words(episode, message, self.rules.get(episode["rule"]), self.config)
                for name in [n for n in waiting if n not in self.broken]:
                    before = states.get(keys[name]) or {}
                    if self._send(keys[name], name, said, int(before.get("attempts") or 0) + 1):
                        waiting.remove(name)
            if not waiting:
                store.alerts.settle(episode["id"], message, SENT)
                opened = SENT
            elif stale:
                store.alerts.settle(episode["id"], message, GAVE_UP)
                opened = GAVE_UP if message == "opened" else opened
                log.warning("alert %s for %s: %s message given up after %s: %s",
                            episode["rule"], episode["subject"], message, GIVE_UP,
                            ", ".join(waiting))  # fmt: skip
            else:
                return  # the "resolved" message waits for the "opened" one

    def _send(self, key: str, channel: str, said: dict[str, Any], tried: int) -> bool:
        """Claim ``key`` and send it on ``channel`` (its ``tried``-th try); whether it went.
        The send runs in a thread of its own that settles the claim when it ends: if it
        takes longer than :data:`SEND_DEADLINE`, the round goes on without it, and without
        the channel. So does a round whose receiver failed, or was too slow to answer. The
        thread reads nothing from the store (a reader would be opened for it, and kept)."""
        store, clock = self.store, self.clock
        token = store.deliveries.claim(key, clock(), self.lease)
        if token is None:
            return False
        went: list[bool] = []
        slow: list[bool] = []

        def send() -> None:
            try:
                self.channels[channel](said | {"key": key})
            except webhooks.Unanswered as exc:  # perhaps received: never sent twice
                store.deliveries.sent(key, token, clock(), note=str(exc))
                log.warning("alert message on %s: %s", channel, exc)
                slow.append(True)
            except Exception as exc:  # released, whatever went wrong: a claim held would wait
                error = str(exc) if isinstance(exc, NojdError) else f"{type(exc).__name__}: {exc}"
                wait = min(timedelta(minutes=2 ** (tried - 1)), LONGEST_WAIT)
                store.deliveries.failed(key, token, error, self.began + wait)
                log.warning("alert message not sent (try %d, next in %s): %s", tried, wait,
                            error, exc_info=not isinstance(exc, NojdError))  # fmt: skip
                return
            else:
                store.deliveries.sent(key, token, clock())
                log.info("alert %s for %s: %s sent on %s", said["rule"], said["subject_id"],
                         said["message"], channel)  # fmt: skip
            went.append(True)

        worker = threading.Thread(target=send, name=f"send {channel}", daemon=True)
        worker.start()
        worker.join(SEND_DEADLINE.total_seconds())
        if worker.is_alive():
            log.warning("alert message on %s still sending after %s; left to finish, "
                        "holding its claim", channel, SEND_DEADLINE)  # fmt: skip
        if not went or slow:
            self.broken.add(channel)
        if not went:
            return False
        self.done.append(key)
        return True


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
            key = hashlib.sha256(said["key"].encode()).hexdigest()
            webhooks.post(address, said["webhook"] | {"id": key},
                          alerts.webhook_timeout_seconds, alerts.webhook_attempts, key)  # fmt: skip

        channels[f"webhook:{digest}"] = by_webhook
    return channels


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
    if "last_heard" in said:  # a stored UTC stamp, or never: in words, local time
        stamp = said["last_heard"]
        said["last_heard"] = local_time(stamp, config.zone) if stamp else text("alerts.never", lang)
    try:
        return text(f"alerts.detail_{kind}", lang, **said) if kind else _numbers(said)
    except (KeyError, IndexError, ValueError):  # found by a rule of another kind, since
        return _numbers(said)  # renamed or taken out: its numbers as they are


def _numbers(said: dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in said.items())


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
    return {"subject": heading, "body": body, "webhook": webhook, "rule": episode["rule"],
            "subject_id": episode["subject"], "message": message}  # fmt: skip
