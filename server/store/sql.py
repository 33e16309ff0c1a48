"""The store's queries, written once in SQL that SQLite and PostgreSQL both read.

A batch from ingest is one transaction: the responses, their rollup counts and the
device state are committed together, and only then are acks sent.  Counts are added
with ``INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n``, so batches of
several ingest processes never read, change and write back the same row.  A backend
(:mod:`.sqlite`, :mod:`.postgres`) gives the connection and its one word of dialect.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from nojd.errors import ConfigError
from nojd.server.store.base import Accounts, Batch, Connection, Reject, Transaction
from nojd.server.store.rollups import Tally
from nojd.server.store.sql_alerts import SqlAlerts
from nojd.server.store.sql_central import SqlCentral
from nojd.server.store.sql_deliveries import SqlDeliveries
from nojd.server.store.tables import Table
from nojd.survey import Response
from nojd.survey.topics import topic
from nojd.survey.wire import format_time

#: The ``days`` column of each period (``total`` needs none).
PERIOD_COLUMNS = {
    "day": "day",
    "week": "week",
    "month": "month",
    "tertial": "tertial",
    "year": "year",
}
#: Period labels from a month_rollups ``month`` (tertials: T1 January–April, …).
MONTH_PERIODS = {
    "total": "'total'",
    "month": "r.month",
    "tertial": (
        "substr(r.month, 1, 4) || '-T' || ((CAST(substr(r.month, 6, 2) AS INTEGER) + 3) / 4)"
    ),
    "year": "substr(r.month, 1, 4)",
}
#: How much of a refused payload the quarantine keeps.
PAYLOAD_HEAD = 1024
#: How far past a terminal's highest seq a response may jump: a terminal counts one by
#: one, so a larger jump is not one of its answers, and would show as that many missing.
MAX_SEQ_JUMP = 100_000
#: The quarantine keeps at most this many rows per terminal (and as many of unknown
#: senders): the newest. What the cap pushes out is counted on the terminal's row.
QUARANTINE_PER_DEVICE = 1000
#: Responses inserted by one statement (11 values each: under SQLite's 32,766).
INSERT_ROWS = 500
#: How long the backlog a status reports is kept: the longest window of the alert rule
#: that watches it grow (:mod:`nojd.server.alertrules`).
BACKLOG_MINUTES = 24 * 60
#: Kept this much longer than that window: so that the window's start always has a
#: sample before it, whenever the statuses arrived.
BACKLOG_MARGIN = 60


#: A status without ``config`` (an older terminal, its last will) keeps what was known.
_KEPT_UNLESS_SAID = (
    "%(name)s = CASE WHEN excluded.config_applied IS NULL AND excluded.config_refused IS NULL "
    "THEN devices.%(name)s ELSE excluded.%(name)s END"
)


class SqlStore:
    """Responses, rollups, device state and quarantine on a :class:`Connection`."""

    #: The larger of two values: ``max`` in SQLite, ``greatest`` in PostgreSQL.
    GREATEST = "max"

    def __init__(self, connection: Connection, accounts: Accounts, zone: ZoneInfo) -> None:
        self.connection = connection
        self.accounts = accounts
        self.central = SqlCentral(connection)
        self.alerts = SqlAlerts(connection)
        self.deliveries = SqlDeliveries(connection)
        self.zone = zone

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        self.connection.close()

    def ingest(self, batch: Batch, received_at: datetime) -> dict[str, list[int]]:
        """Store a batch in one transaction; returns the seqs to ack per device.

        A duplicate (same id, same device and seq) is acked again and changes
        nothing.  A response whose id or (device, seq) is already taken by
        another response is kept whole in quarantine, and acked: the kiosk
        must not send it forever, and nothing is lost.
        """
        acks: dict[str, list[int]] = {}
        touched: set[str | None] = set()  # the senders quarantined in this batch
        stamp = format_time(received_at)
        tally = Tally()
        with self.connection.transaction() as conn:
            self._register_epochs(conn, batch.epochs, stamp)
            senders = {response.device for response, _ in batch.responses}
            highest = self._highest_seqs(conn, senders)
            epochs = self._epochs(conn, senders)
            storing: list[tuple[Response, bytes, int]] = []  # passed every check: to insert
            for response, payload in batch.responses:
                wire = response.seq  # the terminal's own seq, which its ack names
                base = self._epoch_base(conn, epochs, highest, response, stamp)
                if base is None:  # kept, and not acked: sent again, it counts once started
                    reason = (
                        f"epoch {response.epoch} of {response.device} was not started by "
                        "nojd device add --replace"
                    )
                    where = topic("response", response.device)
                    self._quarantine(conn, Reject(where, payload, reason, response.device),
                                     stamp, touched)  # fmt: skip
                    continue
                response = replace(response, seq=base + wire)
                ceiling = highest.get(response.device, 0) + MAX_SEQ_JUMP
                if response.seq > ceiling:
                    reason = (
                        f"seq {response.seq} is over {ceiling}: more than {MAX_SEQ_JUMP} past "
                        f"the highest seq of {response.device}"
                    )
                    where = topic("response", response.device)
                    reject = Reject(where, payload, reason, response.device)
                    self._quarantine(conn, reject, stamp, touched)
                    acks.setdefault(response.device, []).append(wire)
                    continue
                highest[response.device] = max(highest.get(response.device, 0), response.seq)
                storing.append((response, payload, wire))
            inserted = self._insert_all(conn, [response for response, _, _ in storing], stamp)
            counted: dict[str, tuple[str, int, int]] = {}  # device: (site, highest, how many)
            for response, payload, wire in storing:
                key = (response.id, response.device, response.seq)
                if key in inserted:
                    inserted.discard(key)  # the same message twice counts once
                    flagged = int("rapid-repeat" in response.flags)
                    counts_of = (response.device, response.site, response.survey)
                    tally.add(counts_of, response.at.astimezone(self.zone),
                              dict(response.answers), flagged)  # fmt: skip
                    _, top, many = counted.get(response.device, ("", 0, 0))
                    counted[response.device] = (response.site, max(top, response.seq), many + 1)
                else:
                    clash = self._clash(conn, response)
                    if clash:
                        where_topic = topic("response", response.device)
                        self._quarantine(
                            conn, Reject(where_topic, payload, clash, response.device), stamp,
                            touched, whole=True,
                        )  # fmt: skip
                acks.setdefault(response.device, []).append(wire)
            self._count_devices(conn, counted, stamp)
            for reject in batch.rejects:
                self._quarantine(conn, reject, stamp, touched)
            self._trim_quarantine(conn, touched)
            tally.write(conn)
            for device, status in batch.statuses:
                config = status.get("config") or {}
                conn.execute(
                    f"""INSERT INTO devices (device, state, status_at, backlog, version,
                       config_applied, config_refused, config_reason, site)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (device) DO UPDATE SET state = excluded.state,
                       status_at = excluded.status_at, backlog = excluded.backlog,
                       version = excluded.version,
                       site = coalesce(excluded.site, devices.site),
                       {_KEPT_UNLESS_SAID % {"name": "config_applied"}},
                       {_KEPT_UNLESS_SAID % {"name": "config_refused"}},
                       {_KEPT_UNLESS_SAID % {"name": "config_reason"}}""",
                    [
                        device,
                        status["state"],
                        format_time(status["at"]),
                        status["backlog"],
                        status["version"],
                        config.get("applied"),
                        config.get("refused"),
                        config.get("reason"),
                        status.get("site"),
                    ],
                )
                self._sample_backlog(conn, device, status["backlog"], received_at)
        return acks

    @staticmethod
    def _sample_backlog(conn: Transaction, device: str, backlog: int, at: datetime) -> None:
        """Keep the backlog a status reported, at the time it arrived, for the alert rule
        that watches it grow (:mod:`nojd.server.alerts`); samples older than the longest
        window that rule takes go."""
        conn.execute(
            """INSERT INTO backlog_samples (device, at, backlog) VALUES (?, ?, ?)
               ON CONFLICT (device, at) DO UPDATE SET backlog = excluded.backlog""",
            [device, format_time(at), backlog],
        )
        oldest = format_time(at - timedelta(minutes=BACKLOG_MINUTES + BACKLOG_MARGIN))
        conn.execute("DELETE FROM backlog_samples WHERE device = ? AND at < ?", [device, oldest])

    @staticmethod
    def _register_epochs(conn: Transaction, epochs: list[tuple[str, int]], stamp: str) -> None:
        """Epochs ``nojd device add --replace`` started: known, not begun (base -1)."""
        for device, epoch in epochs:
            conn.execute(
                """INSERT INTO device_epochs (device, epoch, base, started_at)
                   VALUES (?, ?, -1, ?) ON CONFLICT DO NOTHING""",
                [device, epoch, stamp],
            )

    @staticmethod
    def _epochs(conn: Transaction, devices: set[str]) -> dict[str, dict[int, int]]:
        """``{device: {epoch: base}}`` (base -1: started, no answer yet); epoch 0 starts
        at base 0 without a row."""
        found: dict[str, dict[int, int]] = {device: {0: 0} for device in devices}
        if devices:
            marks = ", ".join("?" * len(devices))
            rows = conn.execute(
                f"SELECT device, epoch, base FROM device_epochs WHERE device IN ({marks})",
                sorted(devices),
            ).fetchall()
            for device, epoch, base in rows:
                found[device][epoch] = base
        return found

    @staticmethod
    def _epoch_base(
        conn: Transaction,
        epochs: dict[str, dict[int, int]],
        highest: dict[str, int],
        response: Response,
        stamp: str,
    ) -> int | None:
        """Where a response's epoch starts in its terminal's seqs; None for an epoch no
        ``nojd device add --replace`` started (never guessed from the traffic: credentials
        taken from a terminal must not start one).

        A started epoch begins with its first answer, after the highest seq stored so far.
        """
        known = epochs[response.device]
        base = known.get(response.epoch)
        if base is None:
            return None
        if base >= 0:
            return base
        base = highest.get(response.device, 0)
        cursor = conn.execute(
            """UPDATE device_epochs SET base = ?, started_at = ?
               WHERE device = ? AND epoch = ? AND base < 0""",
            [base, stamp, response.device, response.epoch],
        )
        if cursor.rowcount == 0:  # another worker began it first: its base holds
            row = conn.execute(
                "SELECT base FROM device_epochs WHERE device = ? AND epoch = ?",
                [response.device, response.epoch],
            ).fetchone()
            base = row[0]
        known[response.epoch] = base
        return base

    @staticmethod
    def _highest_seqs(conn: Transaction, devices: set[str]) -> dict[str, int]:
        if not devices:
            return {}
        marks = ", ".join("?" * len(devices))
        rows = conn.execute(
            f"SELECT device, highest_seq FROM devices WHERE device IN ({marks})", sorted(devices)
        ).fetchall()
        return {device: seq for device, seq in rows}

    def _insert_all(
        self, conn: Transaction, responses: list[Response], stamp: str
    ) -> set[tuple[str, str, int]]:
        """Insert responses, many rows per statement; (id, device, seq) of those inserted
        (a duplicate, or a clash of id or of (device, seq), is not inserted). The whole
        key, not the id alone: a message whose id another one of the batch was stored
        under is a clash, not that one."""
        inserted: set[tuple[str, str, int]] = set()
        for start in range(0, len(responses), INSERT_ROWS):
            chunk = responses[start : start + INSERT_ROWS]
            rows = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk))
            values = [
                value
                for response in chunk
                for value in (
                    response.id, response.device, response.seq, response.site, response.survey,
                    response.lang, format_time(response.at), response.clock,
                    json.dumps(dict(response.answers)), json.dumps(list(response.flags)), stamp,
                )
            ]  # fmt: skip
            cursor = conn.execute(
                f"""INSERT INTO responses (id, device, seq, site, survey, lang, at, clock,
                    answers, flags, received_at) VALUES {rows}
                    ON CONFLICT DO NOTHING RETURNING id, device, seq""",
                values,
            )
            inserted.update((row[0], row[1], row[2]) for row in cursor.fetchall())
        return inserted

    def _count_devices(
        self, conn: Transaction, counted: dict[str, tuple[str, int, int]], stamp: str
    ) -> None:
        """Each device's new responses in one statement per device, in device order."""
        conn.executemany(
            f"""INSERT INTO devices (device, site, first_seen, last_seen, highest_seq, received)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (device) DO UPDATE SET site = excluded.site,
               first_seen = coalesce(devices.first_seen, excluded.first_seen),
               last_seen = excluded.last_seen,
               highest_seq = {self.GREATEST}(devices.highest_seq, excluded.highest_seq),
               received = devices.received + excluded.received""",
            [
                (device, site, stamp, stamp, top, many)
                for device, (site, top, many) in sorted(counted.items())
            ],
        )

    def _clash(self, conn: Transaction, response: Response) -> str:
        """Why a response that was not inserted is not a plain duplicate ('' if it is one)."""
        row = conn.execute(
            "SELECT device, seq FROM responses WHERE id = ?", [response.id]
        ).fetchone()
        if row is None:
            return f"seq {response.seq} of {response.device} is already stored with another id"
        if tuple(row) != (response.device, response.seq):
            return f"id {response.id} is already stored as seq {row[1]} of {row[0]}"
        return ""

    def _quarantine(
        self,
        conn: Transaction,
        reject: Reject,
        stamp: str,
        touched: set[str | None],
        whole: bool = False,
    ) -> None:
        kept = reject.payload if whole else reject.payload[:PAYLOAD_HEAD]
        touched.add(reject.device)
        conn.execute(
            """INSERT INTO quarantine (received_at, topic, device, size, payload, reason)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [stamp, reject.topic[:256], reject.device, len(reject.payload), kept, reject.reason],
        )

    @staticmethod
    def _trim_quarantine(conn: Transaction, senders: set[str | None]) -> None:
        """Keep the newest rows only of each sender quarantined in this batch, counting
        what goes per terminal."""
        for device in sorted(senders, key=lambda d: d or ""):
            same = "device IS NULL" if device is None else "device = ?"
            given = [] if device is None else [device]
            cursor = conn.execute(
                f"""DELETE FROM quarantine WHERE {same} AND id <= (SELECT id FROM quarantine
                    WHERE {same} ORDER BY id DESC LIMIT 1 OFFSET ?)""",
                [*given, *given, QUARANTINE_PER_DEVICE],
            )
            if cursor.rowcount > 0 and device is not None:
                conn.execute(
                    """INSERT INTO devices (device, quarantine_dropped) VALUES (?, ?)
                       ON CONFLICT (device) DO UPDATE SET quarantine_dropped =
                       devices.quarantine_dropped + excluded.quarantine_dropped""",
                    [device, cursor.rowcount],
                )

    def expire_quarantine(self, before: datetime) -> int:
        """Remove quarantined messages received before ``before``; how many went."""
        with self.connection.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM quarantine WHERE received_at < ?", [format_time(before)]
            )
            return max(cursor.rowcount, 0)

    def devices(self, today: str | None = None) -> list[dict[str, Any]]:
        """Every device seen, with what it last said, its responses on the local day
        ``today`` (default: now), and how many responses are missing."""
        day = today or datetime.now(self.zone).date().isoformat()
        return self.connection.rows(
            """SELECT d.*, d.highest_seq - d.received AS missing,
                      (SELECT coalesce(sum(r.n), 0) FROM response_rollups r
                       WHERE r.device = d.device AND r.day = ?) AS today,
                      (SELECT count(*) FROM quarantine q WHERE q.device = d.device) AS quarantined
               FROM devices d ORDER BY d.device""",
            [day],
        )

    def visit_quality(self, survey: str, first: str, last: str) -> list[dict[str, Any]]:
        """Per device and site, for the local days ``first``..``last``: responses counted
        (not flagged rapid-repeat, as the figures count them), those of them saved partial
        (a visit left unfinished), and those flagged rapid-repeat. Read from the responses
        themselves: the rollups keep no partial flag."""
        lo, hi = self._bounds(first, last)
        return self.connection.rows(
            """SELECT device, site,
                      CAST(sum(CASE WHEN flags LIKE '%"rapid-repeat"%' THEN 0 ELSE 1 END)
                           AS BIGINT) AS responses,
                      CAST(sum(CASE WHEN flags LIKE '%"partial"%'
                                     AND flags NOT LIKE '%"rapid-repeat"%' THEN 1 ELSE 0 END)
                           AS BIGINT) AS partial,
                      CAST(sum(CASE WHEN flags LIKE '%"rapid-repeat"%' THEN 1 ELSE 0 END)
                           AS BIGINT) AS repeated
               FROM responses WHERE survey = ? AND at >= ? AND at < ?
               GROUP BY device, site ORDER BY device, site""",
            [survey, lo, hi],
        )

    def answered_hours(self, first: str, last: str) -> list[tuple[str, str]]:
        """``(device, hour)`` of every clock hour in the local days ``first``..``last`` in
        which a device sent at least one response, to any survey (a terminal moved to
        another survey is not silent); the hour in UTC, ``YYYY-MM-DDTHH``."""
        lo, hi = self._bounds(first, last)
        rows = self.connection.rows(
            """SELECT DISTINCT device, substr(at, 1, 13) AS hour FROM responses
               WHERE at >= ? AND at < ?""",
            [lo, hi],
        )
        return [(row["device"], row["hour"]) for row in rows]

    def recent_answers(self, survey: str, since: str, until: str) -> list[dict[str, Any]]:
        """The responses to ``survey`` received for times ``since``..``until`` (UTC stamps):
        device, site, answers (JSON) and flags (JSON), for the alert rules."""
        return self.connection.rows(
            """SELECT device, site, answers, flags FROM responses
               WHERE survey = ? AND at >= ? AND at < ?""",
            [survey, since, until],
        )

    def backlog_samples(self, since: str) -> dict[str, list[tuple[str, int]]]:
        """The backlogs terminals reported since ``since`` (a UTC stamp), and the last one
        before it, per terminal, oldest first: (time received, backlog)."""
        rows = self.connection.rows(
            """SELECT s.device, s.at, s.backlog FROM backlog_samples s
               WHERE s.at >= (SELECT coalesce(max(b.at), ?) FROM backlog_samples b
                              WHERE b.device = s.device AND b.at <= ?)
               ORDER BY s.device, s.at""",
            [since, since],
        )
        samples: dict[str, list[tuple[str, int]]] = {}
        for row in rows:
            samples.setdefault(row["device"], []).append((row["at"], int(row["backlog"])))
        return samples

    def recent_quarantine(self, since: str) -> dict[str, int]:
        """Messages quarantined since ``since`` (a UTC stamp), per terminal that sent them."""
        rows = self.connection.rows(
            """SELECT device, count(*) AS n FROM quarantine
               WHERE received_at >= ? AND device IS NOT NULL GROUP BY device""",
            [since],
        )
        return {row["device"]: int(row["n"]) for row in rows}

    def _bounds(self, first: str, last: str) -> tuple[str, str]:
        """The UTC times from the start of local day ``first`` to the end of ``last``."""
        lo = datetime.combine(date.fromisoformat(first), datetime.min.time(), self.zone)
        hi = datetime.combine(date.fromisoformat(last) + timedelta(days=1),
                              datetime.min.time(), self.zone)  # fmt: skip
        return format_time(lo), format_time(hi)

    def counts_by_site(self) -> dict[str, dict[str, dict[str, int]]]:
        """Rollup counts of unflagged answers: site → question → answer → n."""
        rows = self.connection.rows(
            """SELECT site, question, answer, sum(n) AS n FROM rollups WHERE flagged = 0
               GROUP BY site, question, answer"""
        )
        counts: dict[str, dict[str, dict[str, int]]] = {}
        for row in rows:
            counts.setdefault(row["site"], {}).setdefault(row["question"], {})[row["answer"]] = row[
                "n"
            ]
        return counts

    def month_totals(
        self, survey: str, first: str, last: str, include_flagged: bool, fewer_than: int
    ) -> list[dict[str, Any]]:
        """Answers per month × device × site × question (every answer summed), for the
        local days ``first``..``last``: what complementary suppression reads. Nothing
        when no terminal has between 1 and ``fewer_than`` − 1 answers to a question in a
        month: then nothing is hidden (every figure is a sum of those), and a large store
        is spared sending its months."""
        union, values = self._answer_rows(survey, first, last, "month", include_flagged, ())
        small = self.connection.rows(
            f"""SELECT 1 AS small FROM ({union}) AS t GROUP BY period, device, question
                HAVING sum(n) > 0 AND sum(n) < ? LIMIT 1""",
            [*values, fewer_than],
        )
        if not small:
            return []
        return self.connection.rows(
            f"""SELECT period, device, site, question, CAST(sum(n) AS BIGINT) AS n
                FROM ({union}) AS t GROUP BY period, device, site, question
                HAVING sum(n) <> 0""",
            values,
        )

    def _answer_rows(
        self,
        survey: str,
        first: str,
        last: str,
        period: str,
        include_flagged: bool,
        devices: Sequence[str],
    ) -> tuple[str, list[Any]]:
        """The rollup rows of ``first``..``last`` as one UNION: whole months from the month
        rollups, partial ones from at most half a month of day rollups at each end (added,
        or taken from the month), so that any range is quick."""
        only = f" AND r.device IN ({', '.join('?' * len(devices))})" if devices else ""
        months, days = _plan(first, last)
        month_key = MONTH_PERIODS[period]
        day_key = month_key.replace("r.month", "substr(r.day, 1, 7)")
        flag = "(r.flagged = 0 OR ?)"
        parts: list[str] = []
        values: list[Any] = []
        if months:
            parts.append(
                f"""SELECT {month_key} AS period, r.device, r.site, r.question, r.answer, r.n
                    FROM month_rollups r
                    WHERE r.month BETWEEN ? AND ? AND r.survey = ? AND {flag}{only}"""
            )
            values += [*months, survey, include_flagged, *devices]
        for lo, hi, sign in days:
            parts.append(
                f"""SELECT {day_key} AS period, r.device, r.site, r.question, r.answer,
                    {sign} * r.n AS n FROM rollups r
                    WHERE r.day BETWEEN ? AND ? AND r.survey = ? AND {flag}{only}"""
            )
            values += [lo, hi, survey, include_flagged, *devices]
        return " UNION ALL ".join(parts), values

    def grouped_counts(
        self,
        survey: str,
        first: str,
        last: str,
        period: str,
        include_flagged: bool,
        devices: Sequence[str] = (),
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Answer counts and response counts per period × device × site, from the rollups.

        ``period`` is ``total``, ``day``, ``week``, ``month``, ``tertial`` or ``year``;
        ``first`` and ``last`` are local days ``YYYY-MM-DD``, both included; ``devices``,
        when given, limits the counts to those devices.
        """
        only = f" AND r.device IN ({', '.join('?' * len(devices))})" if devices else ""
        if period in ("day", "week"):
            return self._day_counts(survey, first, last, period, include_flagged, devices, only)
        union, values = self._answer_rows(survey, first, last, period, include_flagged, devices)
        answers = self.connection.rows(
            f"""SELECT period, device, site, question, answer, CAST(sum(n) AS BIGINT) AS n
                FROM ({union}) AS t
                GROUP BY period, device, site, question, answer HAVING sum(n) <> 0""",
            values,
        )
        months, days = _plan(first, last)
        month_key = MONTH_PERIODS[period]
        day_key = month_key.replace("r.month", "substr(r.day, 1, 7)")
        counted = (
            "{sign} * CASE WHEN r.flagged = 0 OR ? THEN r.n ELSE 0 END AS responses, "
            "{sign} * CASE WHEN r.flagged = 1 AND NOT ? THEN r.n ELSE 0 END AS flagged"
        )
        parts, values = [], []
        if months:
            parts.append(
                f"""SELECT {month_key} AS period, r.device, r.site, {counted.format(sign=1)}
                    FROM month_responses r WHERE r.month BETWEEN ? AND ? AND r.survey = ?{only}"""
            )
            values += [include_flagged, include_flagged, *months, survey, *devices]
        for lo, hi, sign in days:
            parts.append(
                f"""SELECT {day_key} AS period, r.device, r.site, {counted.format(sign=sign)}
                    FROM response_rollups r WHERE r.day BETWEEN ? AND ? AND r.survey = ?{only}"""
            )
            values += [include_flagged, include_flagged, lo, hi, survey, *devices]
        responses = self.connection.rows(
            f"""SELECT period, device, site, CAST(sum(responses) AS BIGINT) AS responses,
                       CAST(sum(flagged) AS BIGINT) AS flagged
                FROM ({" UNION ALL ".join(parts)}) AS t
                GROUP BY period, device, site HAVING sum(responses) <> 0 OR sum(flagged) <> 0""",
            values,
        )
        return answers, responses

    def _day_counts(
        self,
        survey: str,
        first: str,
        last: str,
        period: str,
        include_flagged: bool,
        devices: Sequence[str],
        only: str,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Counts per day or week: from the day rollups."""
        key = f"d.{PERIOD_COLUMNS[period]}"
        answers = self.connection.rows(
            f"""SELECT {key} AS period, r.device, r.site, r.question, r.answer, sum(r.n) AS n
                FROM rollups r JOIN days d ON d.day = r.day
                WHERE r.day BETWEEN ? AND ? AND r.survey = ? AND (r.flagged = 0 OR ?){only}
                GROUP BY 1, r.device, r.site, r.question, r.answer""",
            [first, last, survey, include_flagged, *devices],
        )
        responses = self.connection.rows(
            f"""SELECT {key} AS period, r.device, r.site,
                       sum(CASE WHEN r.flagged = 0 OR ? THEN r.n ELSE 0 END) AS responses,
                       sum(CASE WHEN r.flagged = 1 AND NOT ? THEN r.n ELSE 0 END) AS flagged
                FROM response_rollups r JOIN days d ON d.day = r.day
                WHERE r.day BETWEEN ? AND ? AND r.survey = ?{only}
                GROUP BY 1, r.device, r.site""",
            [include_flagged, include_flagged, first, last, survey, *devices],
        )
        return answers, responses

    def hour_counts(
        self,
        survey: str,
        question: str,
        first_month: str,
        last_month: str,
        include_flagged: bool,
        devices: Sequence[str] = (),
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Answer counts of ``question`` and response counts per local weekday (1 = Monday)
        × hour × device × site, for months ``YYYY-MM`` ``first_month``..``last_month``;
        ``devices``, when given, limits them to those devices."""
        only = f" AND device IN ({', '.join('?' * len(devices))})" if devices else ""
        answers = self.connection.rows(
            f"""SELECT weekday, hour, device, site, answer, sum(n) AS n FROM hour_rollups
                WHERE month BETWEEN ? AND ? AND survey = ? AND question = ?
                  AND (flagged = 0 OR ?){only}
                GROUP BY weekday, hour, device, site, answer""",
            [first_month, last_month, survey, question, include_flagged, *devices],
        )
        responses = self.connection.rows(
            f"""SELECT weekday, hour, device, site, sum(n) AS responses FROM hour_responses
                WHERE month BETWEEN ? AND ? AND survey = ? AND (flagged = 0 OR ?){only}
                GROUP BY weekday, hour, device, site""",
            [first_month, last_month, survey, include_flagged, *devices],
        )
        return answers, responses

    def healthy(self) -> bool:
        """Whether the database answers a query on one of its tables."""
        found = self.connection.rows("SELECT count(*) AS n FROM (SELECT 1 FROM devices LIMIT 1) d")
        return len(found) == 1

    def response_keys(self) -> list[tuple[str, int, str]]:
        """``(device, seq, id)`` of every stored response, for checks and tests."""
        rows = self.connection.rows("SELECT device, seq, id FROM responses ORDER BY device, seq")
        return [(r["device"], r["seq"], r["id"]) for r in rows]

    def export_table(self, table: Table, batch: int = 5000) -> Iterator[list[tuple[Any, ...]]]:
        """Every row of ``table`` (its copied columns), in key order, ``batch`` at a time:
        each read continues after the last key, so a large table is never held whole."""
        keys = ", ".join(f'"{column}"' for column in table.key)
        wanted = [*table.columns, *(k for k in table.key if k not in table.columns)]
        select = ", ".join(f'"{column}"' for column in wanted)
        after: list[Any] = []
        while True:
            where = f" WHERE ({keys}) > ({', '.join('?' * len(after))})" if after else ""
            rows = self.connection.rows(
                f"SELECT {select} FROM {table.name}{where} ORDER BY {keys} LIMIT ?",
                [*after, batch],
            )
            if rows:
                yield [tuple(row[column] for column in table.columns) for row in rows]
            if len(rows) < batch:
                return
            after = [rows[-1][column] for column in table.key]

    def import_tables(
        self,
        tables: Iterable[tuple[Table, Iterable[list[tuple[Any, ...]]]]],
        said: Callable[[str, int], None] = lambda table, n: None,
    ) -> dict[str, int]:
        """Write whole tables into this store, which must hold none of their rows yet,
        in one transaction; the rows written per table."""
        written: dict[str, int] = {}
        with self.connection.transaction() as conn:
            for table, batches in tables:
                if conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]:
                    raise ConfigError(
                        f"to: table {table.name} already holds rows, expected an empty store"
                    )
                columns = ", ".join(f'"{column}"' for column in table.columns)
                marks = ", ".join("?" * len(table.columns))
                written[table.name] = 0
                for rows in batches:
                    conn.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)
                    written[table.name] += len(rows)
                stored = conn.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
                if stored != written[table.name]:
                    raise ConfigError(
                        f"to: table {table.name} holds {stored} rows after writing "
                        f"{written[table.name]}; nothing was copied"
                    )
                said(table.name, written[table.name])
        return written


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _plan(first: str, last: str) -> tuple[tuple[str, str] | None, list[tuple[str, str, int]]]:
    """How to count local days ``first``..``last`` from the rollups: a range of whole
    months ``YYYY-MM`` (or None), and day ranges to add (+1) or take away (-1).

    A partial month is read from its days when the range holds at most half of them;
    else as the whole month less the days outside the range. So at most half a month of
    day rows is read at each end, whatever the range."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    days: list[tuple[str, str, int]] = []
    months: list[date] = []  # months counted whole (or taken from)

    def edge(month_start: date, lo: date, hi: date) -> None:
        """The days lo..hi of the month starting at ``month_start``."""
        month_last = _month_end(month_start)
        if lo == month_start and hi == month_last:
            months.append(month_start)
        elif (hi - lo).days + 1 <= ((month_last - month_start).days + 1) // 2:
            days.append((lo.isoformat(), hi.isoformat(), 1))
        else:
            months.append(month_start)
            if lo > month_start:
                days.append((month_start.isoformat(), (lo - timedelta(days=1)).isoformat(), -1))
            if hi < month_last:
                days.append(((hi + timedelta(days=1)).isoformat(), month_last.isoformat(), -1))

    first_month, last_month = start.replace(day=1), end.replace(day=1)
    if first_month == last_month:
        edge(first_month, start, end)
    else:
        edge(first_month, start, _month_end(start))
        following = _month_end(start) + timedelta(days=1)
        if following < last_month:
            months.extend([following, (last_month - timedelta(days=1)).replace(day=1)])
        edge(last_month, last_month, end)
    span = (min(months).isoformat()[:7], max(months).isoformat()[:7]) if months else None
    return span, days
