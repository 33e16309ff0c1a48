"""Scheduled reports: the servicerapport of each month or tertial, mailed when it ends
(:mod:`nojd.server.reportschedule` reads which from the config).

The report of a period is sent once, at the first check ``after_hours`` after the period
ended, in the server's time zone: claimed in the store (``store.deliveries``) under a key
of its own (``report|Månadsrapport|2026-10|email``), so several server processes send it
once between them, and a restart neither sends it again nor forgets it. Only the latest
period that has ended is sent: a server down for a while, or a schedule added mid-month,
sends last period's report, not a backlog of old ones.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from nojd.server import servicerapport
from nojd.server.config import ServerConfig
from nojd.server.mailer import Attachment, MailError, send
from nojd.server.reportschedule import ScheduledReport
from nojd.server.servicerapport import Period
from nojd.server.store import Store
from nojd.survey import Survey
from nojd.survey.translations import text

log = logging.getLogger("nojd.server.scheduled")
#: How long a process holds a report it is making and sending.
LEASE = timedelta(minutes=15)
#: How long after a failed send the next try waits.
RETRY = timedelta(minutes=15)


def latest_ended(every: str, today: date) -> Period:
    """The latest month or tertial that ended before ``today``."""
    if every == "month":
        last = today.replace(day=1) - timedelta(days=1)
        return servicerapport.period_of(month=last.isoformat()[:7])
    number = (today.month - 1) // 4  # the tertial before today's: 0 is last year's third
    year = today.year if number else today.year - 1
    return servicerapport.period_of(tertial=f"{year}-T{number or 3}")


def due(report: ScheduledReport, zone_now: datetime) -> Period | None:
    """The period whose report is due at ``zone_now`` (local time), if its wait is over."""
    period = latest_ended(report.every, zone_now.date())
    ended = datetime.combine(period.last + timedelta(days=1), datetime.min.time(),
                             zone_now.tzinfo)  # fmt: skip
    return period if zone_now >= ended + timedelta(hours=report.after_hours) else None


def key_of(report: ScheduledReport, period: Period) -> str:
    """The key the report of ``period`` is kept by in the store."""
    return f"report|{report.name}|{period.key}|email"


def send_due(store: Store, survey: Survey, config: ServerConfig, now: datetime) -> list[str]:
    """Make and mail every report that is due and not yet sent by any process; the keys
    of those sent now. A report that fails is tried again after ``RETRY``."""
    sent = []
    zone_now = now.astimezone(config.zone)
    mail = config.mail
    for report in config.scheduled_reports:
        period = due(report, zone_now)
        if period is None or mail is None:
            continue
        key = key_of(report, period)
        token = store.deliveries.claim(key, now, LEASE)
        if token is None:
            continue
        try:
            values = servicerapport.context(store, survey, config, period, report.lang,
                                            report.by, made=now)  # fmt: skip
            pdf = servicerapport.render_pdf(values, report.lang)
            label = period.label(report.lang)
            who = config.organisation.title or report.name
            subject = text("scheduled.subject", report.lang, name=who, period=label)
            body = text("scheduled.body", report.lang, name=report.name, period=label)
            filename = f"servicerapport-{period.key}.pdf"
            refused = send(mail, report.email_to, subject, body, (Attachment(filename, pdf),))
        except (MailError, OSError) as exc:
            store.deliveries.failed(key, token, str(exc), now + RETRY)
            log.warning("scheduled report %s of %s not sent: %s", report.name, period.key, exc)
            continue
        except Exception as exc:
            store.deliveries.failed(key, token, f"{type(exc).__name__}: {exc}", now + RETRY)
            raise
        store.deliveries.sent(key, token, now)
        for each in refused:
            log.warning("scheduled report %s of %s: %s", report.name, period.key, each)
        log.info("scheduled report %s of %s sent to %d", report.name, period.key,
                 len(report.email_to))  # fmt: skip
        sent.append(key)
    return sent
