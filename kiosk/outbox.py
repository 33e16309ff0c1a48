"""The outbox: every response is committed here before the visitor is thanked.

One SQLite file (WAL, ``synchronous=FULL``) behind sqlite-utils, with named
migrations.  ``seq`` comes from a persisted counter that is bumped in the same
transaction as the insert, so a committed seq is never handed out again, even
across crashes.  A row stays until the server's ack marks it delivered; the
uplink reads :meth:`Outbox.pending` and calls :meth:`Outbox.acknowledge`.

What comes out is a :class:`Response`, as it goes on the wire.  A response made
before NTP had set the clock is given its true time here, from the boot's
monotonic clock, as soon as the clock is synchronised (``clock = "corrected"``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from nojd.errors import NojdError
from nojd.kiosk.clock import Clock, Stamp
from nojd.survey import Response, Survey
from nojd.survey.wire import format_time, parse_time

log = logging.getLogger("nojd.kiosk")

FILENAME = "outbox.sqlite"
migrations = Migrations("nojd-kiosk-outbox")
#: What one SQLite value is in Python (sqlite3 converts to these; typeshed says Any).
SQLValue = int | float | str | bytes | None


class OutboxError(NojdError, OSError):
    """The outbox cannot be written: a full disk, a read-only folder, a broken file."""


@migrations()
def m001_responses(db: Database) -> None:
    db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    db.execute(
        """
        CREATE TABLE responses (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            device TEXT NOT NULL,
            site TEXT NOT NULL,
            survey TEXT NOT NULL,
            lang TEXT NOT NULL,
            at TEXT NOT NULL,
            clock TEXT NOT NULL,
            answers TEXT NOT NULL,
            flags TEXT NOT NULL,
            boot_id TEXT NOT NULL,
            monotonic REAL NOT NULL,
            send_count INTEGER NOT NULL DEFAULT 0,
            last_sent_at TEXT,
            acked_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX responses_unacked ON responses (seq) WHERE acked_at IS NULL")
    db.execute("CREATE INDEX responses_at ON responses (at)")


@migrations()
def m002_owner(db: Database) -> None:
    # One outbox belongs to one device: its seqs are that device's.
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "INSERT INTO meta (key, value) SELECT 'device', device FROM responses ORDER BY seq LIMIT 1"
    )


_COLUMNS = "seq, id, device, site, survey, lang, at, clock, answers, flags"


class Outbox:
    """The kiosk's durable queue of responses; safe to use from several threads.

    ``clock`` is the clock whose unsynchronised time stamps this outbox corrects;
    without one, time stamps are returned as they were committed.
    """

    def __init__(self, data_dir: Path, device: str, clock: Clock | None = None) -> None:
        self.path = Path(data_dir) / FILENAME
        self.device = device
        self.clock = clock
        self._lock = threading.Lock()
        # Rows of this boot may wait for a correction (a restarted kiosk); look once.
        self._uncorrected = clock is not None
        try:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            self.db = Database(connection)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            migrations.apply(self.db)
            owner = self._claim(device)
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"outbox {self.path}: cannot be opened for writing ({exc})") from None
        if owner != device:
            self.db.close()
            raise OutboxError(
                f"outbox {self.path}: belongs to device {owner!r}, not {device!r}; "
                "give each device id its own data folder"
            )

    def _claim(self, device: str) -> str:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES ('device', ?) ON CONFLICT DO NOTHING",
                [device],
            )
        return str(self.db.execute("SELECT value FROM meta WHERE key = 'device'").fetchone()[0])

    def close(self) -> None:
        """Close the file; safe to call twice."""
        with self._lock:
            self.db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def commit(self, build: Callable[[int], Response], stamp: Stamp) -> Response:
        """Take the next seq, build the response with it and commit both at once."""
        counter = f"seq:{self.device}"
        try:
            with self._lock, self.db.atomic():
                self.db.execute(
                    "INSERT INTO counters (name, value) VALUES (?, 0) ON CONFLICT DO NOTHING",
                    [counter],
                )
                seq = self.db.execute(
                    "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value",
                    [counter],
                ).fetchone()[0]
                response = build(seq)
                self.db.execute(
                    """INSERT INTO responses (seq, id, device, site, survey, lang, at, clock,
                       answers, flags, boot_id, monotonic) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                    [
                        response.seq, response.id, response.device, response.site,
                        response.survey, response.lang, format_time(response.at),
                        response.clock, json.dumps(dict(response.answers)),
                        json.dumps(list(response.flags)), stamp.boot_id, stamp.monotonic,
                    ],
                )  # fmt: skip
                if stamp.clock == "unsynced":  # under the lock: a reader never misses it
                    self._uncorrected = self.clock is not None
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"outbox {self.path}: the response was not saved ({exc})") from None
        return response

    def pending(self, limit: int = 100, after_seq: int = 0) -> list[Response]:
        """Unacknowledged responses after ``after_seq``, in seq order, as the uplink sends them."""
        self._correct_clocks()
        sql = f"""SELECT {_COLUMNS} FROM responses
                  WHERE acked_at IS NULL AND seq > ? ORDER BY seq LIMIT ?"""
        return self._responses(self._read(sql, [after_seq, limit]))

    def waiting(self, seqs: Iterable[int]) -> list[Response]:
        """Those of ``seqs`` that are still unacknowledged, in the order given."""
        wanted = list(seqs)
        if not wanted:
            return []
        self._correct_clocks()
        sql = f"""SELECT {_COLUMNS} FROM responses WHERE acked_at IS NULL
                  AND seq IN (SELECT value FROM json_each(?))"""
        found = {row[0]: row for row in self._read(sql, [json.dumps(wanted)])}
        return self._responses(found[seq] for seq in wanted if seq in found)

    def _responses(self, rows: Iterable[tuple[Any, ...]]) -> list[Response]:
        """The rows as responses; a row the disk has garbled is logged and left out, so
        that it never holds back the others."""
        decoded = []
        for row in rows:
            try:
                decoded.append(_response(row))
            except (ValueError, TypeError) as exc:
                log.error("outbox %s: row seq %s cannot be read (%s); it stays unsent",
                          self.path, row[0], exc)  # fmt: skip
        return decoded

    def _correct_clocks(self) -> None:
        """Give this boot's unsynced rows their true time, once NTP has set the clock."""
        clock = self.clock
        # synced() is one system call, made only while unsynced rows may wait
        if not self._uncorrected or clock is None or not clock.synced():
            return
        now, monotonic = clock.now(), clock.monotonic()
        with self._lock, self.db.atomic():
            self._uncorrected = False
            rows = self.db.execute(
                """SELECT seq, monotonic FROM responses
                   WHERE acked_at IS NULL AND clock = 'unsynced' AND boot_id = ?""",
                [clock.boot_id],
            ).fetchall()
            true_times = [
                (format_time(now - timedelta(seconds=monotonic - made)), seq) for seq, made in rows
            ]
            self.db.conn.executemany(
                "UPDATE responses SET at = ?, clock = 'corrected' WHERE seq = ?", true_times
            )

    def mark_sent(self, seqs: Iterable[int], at: datetime) -> None:
        """Count a send of these rows (for diagnosing a terminal whose acks never come)."""
        stamp = format_time(at)
        with self._lock, self.db.atomic():
            self.db.conn.executemany(
                "UPDATE responses SET send_count = send_count + 1, last_sent_at = ? WHERE seq = ?",
                [(stamp, seq) for seq in seqs],
            )

    def acknowledge(self, seqs: Iterable[int], at: datetime | None = None) -> int:
        """Mark rows delivered; returns how many were newly marked."""
        stamp = format_time(at or datetime.now(UTC))
        batch = list(seqs)
        with self._lock, self.db.atomic():
            cursor = self.db.conn.executemany(
                "UPDATE responses SET acked_at = ? WHERE seq = ? AND acked_at IS NULL",
                [(stamp, seq) for seq in batch],
            )
            return cursor.rowcount

    def backlog(self) -> int:
        """How many responses wait for the server's ack."""
        return int(self._scalar("SELECT count(*) FROM responses WHERE acked_at IS NULL") or 0)

    def last_ack(self) -> datetime | None:
        """When the server last acknowledged a response."""
        value = self._scalar("SELECT max(acked_at) FROM responses")
        return None if value is None else datetime.fromisoformat(str(value))

    def counts(
        self,
        survey: Survey,
        since: datetime,
        until: datetime,
        *,
        include_flagged: bool = False,
        block: int = 1,
    ) -> dict[str, dict[str, int]]:
        """Answers per question and grade (or option) of responses made in ``[since, until)``.

        Only the oldest responses in whole blocks of ``block`` are counted: the
        staff screen passes ``min_n``, so its figures change only when ``min_n``
        new responses have arrived, and comparing two openings never shows one
        visitor's answer.
        """
        chosen = """
            SELECT seq FROM responses r
            WHERE r.at >= ? AND r.at < ? AND r.survey = ?
              AND (? OR NOT EXISTS (
                  SELECT 1 FROM json_each(r.flags) f WHERE f.value = 'rapid-repeat'))
            ORDER BY seq
        """
        parameters = [format_time(since), format_time(until), survey.id, include_flagged]
        total = int(self._scalar(f"SELECT count(*) FROM ({chosen})", parameters) or 0)
        sql = f"""
            SELECT a.key, a.value, count(*) FROM responses r, json_each(r.answers) a
            WHERE r.seq IN ({chosen} LIMIT ?)
            GROUP BY a.key, a.value
        """
        result: dict[str, dict[str, int]] = {}
        for key, value, count in self._read(sql, [*parameters, total - total % block]):
            result.setdefault(str(key), {})[str(value)] = int(count)
        return result

    def flagged(self, since: datetime, until: datetime) -> int:
        """How many responses made in ``[since, until)`` carry the ``rapid-repeat`` flag."""
        sql = """SELECT count(*) FROM responses r WHERE r.at >= ? AND r.at < ? AND EXISTS (
                 SELECT 1 FROM json_each(r.flags) f WHERE f.value = 'rapid-repeat')"""
        return int(self._scalar(sql, [format_time(since), format_time(until)]) or 0)

    def _read(self, sql: str, parameters: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        # sqlite3 gives rows as tuples of Any (typeshed): the columns' SQL types
        try:
            with self._lock:
                return self.db.execute(sql, list(parameters)).fetchall()
        except sqlite3.Error as exc:
            raise OutboxError(f"outbox {self.path}: cannot be read ({exc})") from None

    def _scalar(self, sql: str, parameters: Iterable[object] = ()) -> SQLValue:
        rows = self._read(sql, parameters)
        return rows[0][0] if rows else None


def _response(row: tuple[Any, ...]) -> Response:
    """A row of ``_COLUMNS`` as the response it was committed as (the kiosk built it valid)."""
    seq, id_, device, site, survey, lang, at, clock, answers, flags = row
    return Response(
        id=id_,
        device=device,
        seq=seq,
        site=site,
        survey=survey,
        lang=lang,
        at=parse_time(at),
        clock=clock,
        answers=json.loads(answers),
        flags=tuple(json.loads(flags)),
    )
