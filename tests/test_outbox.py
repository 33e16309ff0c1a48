"""The outbox: durable settings, a seq that is never reused, delivery state, local counts."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from nojd.kiosk.clock import ManualClock, Stamp
from nojd.kiosk.outbox import FILENAME, Outbox, OutboxError
from nojd.survey import build_response, default_survey

SURVEY = default_survey()
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def add(outbox, answers, at=T0, flags=()):
    stamp = Stamp(at, "synced", "boot-1", 12.5)

    def build(seq):
        return build_response(
            SURVEY, device=outbox.device, seq=seq, site="s", lang="sv", answers=answers,
            flags=flags, at=at,
        )  # fmt: skip

    return outbox.commit(build, stamp)


def test_settings_and_migrations(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        assert outbox.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert outbox.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        applied = [row["name"] for row in outbox.db["_sqlite_migrations"].rows]
        assert applied == ["m001_responses", "m002_owner"]
    with Outbox(tmp_path, "desk") as again:  # opening twice applies nothing twice
        assert again.db["_sqlite_migrations"].count == 2


def test_seq_counts_from_one_and_survives_reopening(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        assert [add(outbox, {"overall": 5}).seq for _ in range(3)] == [1, 2, 3]
    with Outbox(tmp_path, "desk") as outbox:
        assert add(outbox, {"overall": 4}).seq == 4


def test_seq_is_not_reused_after_rows_are_gone(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        add(outbox, {"overall": 5})
        add(outbox, {"overall": 5})
        outbox.db.execute("DELETE FROM responses")
        outbox.db.conn.commit()
        assert add(outbox, {"overall": 3}).seq == 3


def test_a_failed_build_takes_no_seq(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        with pytest.raises(ValueError, match="answers.overall: 9 is outside 1..5"):
            add(outbox, {"overall": 9})
        assert add(outbox, {"overall": 1}).seq == 1


def test_the_row_holds_the_message_and_the_clock_facts(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        response = add(outbox, {"overall": 5, "resolution": "answered"}, flags=["partial"])
        assert outbox.pending() == [response]  # what goes out is what was committed
        assert outbox.waiting([response.seq]) == [response]
        [row] = outbox.db["responses"].rows
    assert row["at"] == "2026-11-24T09:00:00.000Z"
    assert row["answers"] == '{"overall": 5, "resolution": "answered"}'
    assert row["flags"] == '["partial"]'
    assert (row["boot_id"], row["monotonic"], row["clock"]) == ("boot-1", 12.5, "synced")
    assert row["acked_at"] is None


def commit_at(outbox, clock):
    """Commit a response stamped by ``clock``, as the session does."""
    stamp = clock.stamp()

    def build(seq):
        return build_response(
            SURVEY, device=outbox.device, seq=seq, site="s", lang="sv", answers={"overall": 4},
            at=stamp.at, clock=stamp.clock,
        )  # fmt: skip

    return outbox.commit(build, stamp)


def test_unsynced_times_of_this_boot_are_corrected_once_ntp_has_set_the_clock(tmp_path):
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC), synced=False)  # a Pi's guess after boot
    other_boot = ManualClock(datetime(2026, 1, 1, tzinfo=UTC), synced=False)
    with Outbox(tmp_path, "desk", clock) as outbox:
        commit_at(outbox, clock)  # monotonic 0
        clock.advance(90)
        commit_at(outbox, clock)  # monotonic 90
        commit_at(outbox, other_boot)  # made before a reboot: its monotonic clock is gone
        outbox.acknowledge([1])
        assert [r.clock for r in outbox.pending()] == ["unsynced", "unsynced"]  # no NTP yet
        clock._start = T0 - timedelta(seconds=90)  # NTP: the truth is T0 at monotonic 90
        clock.is_synced = True
        second, third = outbox.pending()
        assert (second.at, second.clock) == (T0, "corrected")
        assert (third.clock, third.at) == ("unsynced", datetime(2026, 1, 1, tzinfo=UTC))
        stored = {r["seq"]: (r["at"], r["clock"]) for r in outbox.db["responses"].rows}
    assert stored[1] == ("2026-01-01T00:00:00.000Z", "unsynced")  # acked: already sent as it was
    assert stored[2] == ("2026-11-24T09:00:00.000Z", "corrected")  # kept: sent the same again


def test_a_garbled_row_is_logged_and_holds_back_no_other(tmp_path, caplog):
    with Outbox(tmp_path, "desk") as outbox:
        for _ in range(3):
            add(outbox, {"overall": 3})
        outbox.db.execute("UPDATE responses SET answers = '{not json' WHERE seq = 2")
        outbox.db.execute("UPDATE responses SET at = 'yesterday' WHERE seq = 3")
        outbox.db.conn.commit()
        assert [r.seq for r in outbox.pending()] == [1]
        assert [r.seq for r in outbox.waiting([3, 2, 1])] == [1]
    said = [r.getMessage() for r in caplog.records]
    assert any("row seq 2 cannot be read" in line for line in said)
    assert any("row seq 3 cannot be read" in line for line in said)


def test_waiting_keeps_the_order_asked_and_leaves_out_acknowledged(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        for _ in range(4):
            add(outbox, {"overall": 3})
        outbox.acknowledge([2])
        assert [r.seq for r in outbox.waiting([4, 2, 1, 99])] == [4, 1]
        assert outbox.waiting([]) == []


def test_acknowledge_marks_rows_and_keeps_them(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        for _ in range(5):
            add(outbox, {"overall": 5})
        assert outbox.backlog() == 5
        assert outbox.last_ack() is None
        assert outbox.acknowledge([2, 3, 99], at=T0) == 2
        assert outbox.acknowledge([3]) == 0  # a repeated ack changes nothing
        assert [response.seq for response in outbox.pending()] == [1, 4, 5]
        assert [response.seq for response in outbox.pending(limit=1, after_seq=1)] == [4]
        assert outbox.backlog() == 3
        assert outbox.last_ack() == T0
        assert outbox.db["responses"].count == 5


def test_counts_leave_out_flagged(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        add(outbox, {"overall": 5, "resolution": "referred"})
        add(outbox, {"overall": 4}, flags=["partial"])
        add(outbox, {"overall": 1}, flags=["rapid-repeat"])
        add(outbox, {"overall": 2}, at=T0 + timedelta(days=1))
        add(outbox, {"overall": 3})
        day = (T0, T0 + timedelta(hours=1))
        assert outbox.counts(SURVEY, *day) == {
            "overall": {"5": 1, "4": 1, "3": 1},
            "resolution": {"referred": 1},
        }
        assert outbox.counts(SURVEY, *day, include_flagged=True) == {
            "overall": {"5": 1, "4": 1, "1": 1, "3": 1},
            "resolution": {"referred": 1},
        }
        assert outbox.flagged(*day) == 1


def test_counts_in_whole_blocks_of_the_oldest_responses(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        for grade in (5, 5, 4, 4, 3, 3, 2, 1, 1):
            add(outbox, {"overall": grade})
        day = (T0, T0 + timedelta(hours=1))
        assert outbox.counts(SURVEY, *day, block=7) == {"overall": {"5": 2, "4": 2, "3": 2, "2": 1}}
        assert outbox.counts(SURVEY, *day, block=3) == {
            "overall": {"5": 2, "4": 2, "3": 2, "2": 1, "1": 2}
        }
        assert outbox.counts(SURVEY, *day, block=10) == {}


def test_an_outbox_belongs_to_one_device(tmp_path):
    with Outbox(tmp_path, "desk-1") as outbox:
        add(outbox, {"overall": 5})
    with pytest.raises(
        OutboxError,
        match="belongs to device 'desk-1', not 'desk-2'; give each device id its own data folder",
    ):
        Outbox(tmp_path, "desk-2")
    with Outbox(tmp_path, "desk-1") as outbox:
        assert add(outbox, {"overall": 4}).seq == 2


def test_a_folder_that_cannot_exist_is_an_outbox_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutboxError, match=f"outbox {blocker}/data/{FILENAME}: cannot be opened"):
        Outbox(blocker / "data", "desk")


def test_a_full_database_is_an_outbox_error_and_loses_nothing(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        add(outbox, {"overall": 5})
        pages = outbox.db.execute("PRAGMA page_count").fetchone()[0]
        outbox.db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(
            OutboxError, match="the response was not saved .database or disk is full"
        ):
            for _ in range(200):
                add(outbox, {"overall": 5, "wait_time": 4, "trust": 3, "reception": 2})
        kept = outbox.db["responses"].count
    with Outbox(tmp_path, "desk") as outbox:
        assert outbox.db["responses"].count == kept
        assert add(outbox, {"overall": 1}).seq == kept + 1


def test_a_broken_file_is_an_outbox_error(tmp_path):
    (tmp_path / FILENAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(OutboxError, match="cannot be opened for writing"):
        Outbox(tmp_path, "desk")


def test_other_connections_see_committed_rows(tmp_path):
    with Outbox(tmp_path, "desk") as outbox:
        add(outbox, {"overall": 5})
        other = sqlite3.connect(tmp_path / FILENAME)
        assert other.execute("SELECT count(*) FROM responses").fetchone()[0] == 1
        other.close()
