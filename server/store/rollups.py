"""The rollups: counts per span (a day; a month; a month, weekday and hour), device, site,
survey, question and answer, which figures read instead of the responses.

Ingest adds a whole batch's counts in the transaction that stores its responses
(:meth:`nojd.server.store.SqliteStore.ingest`), so that counts and responses always
agree; the tables themselves are made by :mod:`~nojd.server.migrations`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nojd.server.store.base import Transaction
from nojd.survey.periods import period_keys

#: Each rollup: its answers table, its responses table and the columns of its span.
ROLLUPS = (
    ("rollups", "response_rollups", ("day",)),
    ("month_rollups", "month_responses", ("month",)),
    ("hour_rollups", "hour_responses", ("month", "weekday", "hour")),
)


class Tally:
    """Rollup increments of many responses, written with one statement per table."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[tuple[Any, ...], int]] = {r[0]: {} for r in ROLLUPS}
        self.responses: dict[str, dict[tuple[Any, ...], int]] = {r[1]: {} for r in ROLLUPS}
        self.days: set[str] = set()

    def add(
        self,
        where: tuple[str, str, str],
        local: datetime,
        answers: dict[str, Any],
        flagged: int,
    ) -> None:
        """Count one response of ``where`` = (device, site, survey) given at ``local`` time."""
        day = local.date().isoformat()
        spans = ((day,), (day[:7],), (day[:7], local.isoweekday(), local.hour))
        for (answers_table, responses_table, _), span in zip(ROLLUPS, spans, strict=True):
            for question, answer in answers.items():
                key = (*span, *where, question, str(answer), flagged)
                self.answers[answers_table][key] = self.answers[answers_table].get(key, 0) + 1
            key = (*span, *where, flagged)
            self.responses[responses_table][key] = self.responses[responses_table].get(key, 0) + 1
        self.days.add(day)

    def write(self, conn: Transaction) -> None:
        """Add the counts to the rollup tables, in key order: two ingest processes then
        lock shared rows in the same order and never deadlock each other."""
        for answers_table, responses_table, columns in ROLLUPS:
            span = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            conn.executemany(
                f"""INSERT INTO {answers_table} ({span}, device, site, survey, question, answer,
                    flagged, n) VALUES ({marks}, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT ({span}, device, site, survey, question, answer, flagged)
                    DO UPDATE SET n = {answers_table}.n + excluded.n""",
                [(*key, n) for key, n in sorted(self.answers.get(answers_table, {}).items())],
            )
            conn.executemany(
                f"""INSERT INTO {responses_table} ({span}, device, site, survey, flagged, n)
                    VALUES ({marks}, ?, ?, ?, ?, ?)
                    ON CONFLICT ({span}, device, site, survey, flagged)
                    DO UPDATE SET n = {responses_table}.n + excluded.n""",
                [(*key, n) for key, n in sorted(self.responses.get(responses_table, {}).items())],
            )
        conn.executemany(
            "INSERT INTO days VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [period_keys(day) for day in sorted(self.days)],
        )
