"""Alerts: which rules fire now, and the episodes they open and resolve in the store.

A check asks every rule of the config (:mod:`nojd.server.alertrules`) which subjects it
fires for at ``now``: a terminal that has been silent while its desk is open, a site
with many low grades in a rolling window, a terminal whose quarantined messages pile up,
a terminal whose backlog keeps growing.
A subject that fires and has no open episode opens one; an open episode whose subject
no longer fires is resolved. The store keeps the episodes (``store.alerts``), so a
restart in the middle of one opens no second, and two processes checking at once open
one between them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from nojd.server import central
from nojd.server.alertrules import AlertRule
from nojd.server.config import ServerConfig
from nojd.server.store import Store
from nojd.survey import Survey
from nojd.survey.wire import format_time


@dataclass(frozen=True)
class Firing:
    """A rule firing for a subject now, and what to tell about it (JSON of numbers: the
    words are the message's, in its language)."""

    rule: str
    subject: str
    detail: str


def check(
    store: Store,
    config: ServerConfig,
    survey: Survey,
    now: datetime,
    listening_since: datetime | None = None,
) -> list[Firing]:
    """Open an episode for every subject a rule fires for that has none open, resolve the
    open ones that no longer fire; what fires now. ``listening_since``: when this process
    began to receive. Until it has for a silent rule's ``minutes``, that rule does not
    judge (a terminal is not silent for the time the server was down), and its open
    episodes stay as they are."""
    firing: list[Firing] = []
    named = set()
    for rule in config.alerts.rules:
        listened = now - listening_since if listening_since else timedelta.max
        if rule.kind == "silent" and listened < timedelta(minutes=rule.minutes):
            continue
        firing += fires(store, config, survey, rule, now)
        named.add(rule.name)
    now_firing = {(f.rule, f.subject) for f in firing}
    for found in firing:
        store.alerts.open(found.rule, found.subject, found.detail, now)
    for episode in store.alerts.open_ones():
        key = (episode["rule"], episode["subject"])
        if key not in now_firing and episode["rule"] in named:
            store.alerts.resolve(*key, now)
    return firing


def fires(
    store: Store, config: ServerConfig, survey: Survey, rule: AlertRule, now: datetime
) -> list[Firing]:
    """The subjects ``rule`` fires for at ``now``."""
    if rule.kind == "silent":
        return _silent(store, config, rule, now)
    if rule.kind == "low_satisfaction":
        return _low_satisfaction(store, config, survey, rule, now)
    if rule.kind == "backlog":
        return _backlog(store, rule, now)
    return _quarantine(store, rule, now)


def _silent(store: Store, config: ServerConfig, rule: AlertRule, now: datetime) -> list[Firing]:
    """Terminals with central opening hours, open now and open ``minutes`` ago, that
    have sent neither an answer nor a status since then. A closed desk is never silent;
    a terminal without central hours is not judged (its hours are not known here)."""
    since = now - timedelta(minutes=rule.minutes)
    hours = central.hours_by_device(store, config)
    heard = {row["device"]: _latest(row.get("last_seen"), row.get("status_at"))
             for row in store.devices()}  # fmt: skip
    found = []
    for device, opening in sorted(hours.items()):
        if not (opening.is_open(now) and opening.is_open(since)):
            continue
        last = heard.get(device)
        if last is None or last < format_time(since):
            said = {"last_heard": last, "minutes": rule.minutes}
            found.append(Firing(rule.name, device, json.dumps(said)))
    return found


def _latest(*stamps: str | None) -> str | None:
    given = [stamp for stamp in stamps if stamp]
    return max(given) if given else None


def _low_satisfaction(
    store: Store, config: ServerConfig, survey: Survey, rule: AlertRule, now: datetime
) -> list[Firing]:
    """Sites with at least ``min_answers`` answers to the headline question in the last
    ``window_minutes`` (rapid repeats left out), ``low_percent`` % or more of them 1 or 2."""
    since = now - timedelta(minutes=rule.window_minutes)
    question = survey.headline.id
    counted: dict[str, list[int]] = {}
    for row in store.recent_answers(survey.id, format_time(since), format_time(now)):
        grade = json.loads(row["answers"]).get(question)
        if not isinstance(grade, int) or "rapid-repeat" in row["flags"]:
            continue
        site = config.organisation.site_of(row["device"], row["site"])
        tally = counted.setdefault(site, [0, 0])
        tally[0] += 1
        tally[1] += grade <= 2
    found = []
    for site, (answers, low) in sorted(counted.items()):
        if answers >= rule.min_answers and 100 * low >= rule.low_percent * answers:
            said = {"low": low, "answers": answers, "minutes": rule.window_minutes}
            found.append(Firing(rule.name, site, json.dumps(said)))
    return found


def _quarantine(store: Store, rule: AlertRule, now: datetime) -> list[Firing]:
    """Terminals with ``at_least`` messages quarantined in the last ``window_minutes``."""
    since = now - timedelta(minutes=rule.window_minutes)
    found = []
    for device, count in sorted(store.recent_quarantine(format_time(since)).items()):
        if count >= rule.at_least:
            said = {"quarantined": count, "minutes": rule.window_minutes}
            found.append(Firing(rule.name, device, json.dumps(said)))
    return found


def _backlog(store: Store, rule: AlertRule, now: datetime) -> list[Firing]:
    """Terminals whose backlog (answers committed, not yet confirmed by the server) has
    not fallen once in the last ``minutes``, has grown over them, and is now ``at_least``.
    The window must be covered: a terminal first heard of within it is not judged yet."""
    since = format_time(now - timedelta(minutes=rule.minutes))
    found = []
    for device, samples in sorted(store.backlog_samples(since).items()):
        counts = [backlog for _, backlog in samples]
        covered = samples[0][0] <= since
        rising = all(later >= earlier for earlier, later in pairwise(counts))
        if covered and rising and counts[-1] > counts[0] and counts[-1] >= rule.at_least:
            said = {"was": counts[0], "now": counts[-1], "minutes": rule.minutes}
            found.append(Firing(rule.name, device, json.dumps(said)))
    return found
