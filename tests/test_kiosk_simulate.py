"""``nojd kiosk simulate`` as a process: what it prints as committed is in the outbox, even after SIGKILL."""

import json
import random
import sqlite3

import pytest
from processes import Process
from waiting import wait_until

CONFIG = """
device = "sim-desk"
site = "kontaktcenter"
data_dir = "{data}"
[session]
response_interval = 0.01
inactivity_timeout = 1
rapid_repeat_limit = 100000
settle_time = 0
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG.format(data=tmp_path / "data"), encoding="utf-8")
    return path


@pytest.fixture
def simulation():
    """Start simulations; each is killed if still running, and its pipes closed."""
    started = []

    def start(config, *args):
        command = ("kiosk", "simulate", "--config", str(config), "--log-level", "WARNING", *args)
        started.append(Process(*command))
        return started[-1]

    yield start
    for run in started:
        run.close()


def outbox_rows(tmp_path):
    with sqlite3.connect(tmp_path / "data" / "outbox.sqlite") as db:
        return dict(db.execute("SELECT id, seq FROM responses").fetchall())


def test_simulate_prints_each_committed_response(simulation, config, tmp_path):
    run = simulation(config, "--visitors", "6", "--rate", "3000", "--seed", "7")
    printed = run.rest()
    assert run.process.wait(timeout=30) == 0, run.log
    assert [line["seq"] for line in printed] == [1, 2, 3, 4, 5, 6]
    assert outbox_rows(tmp_path) == {line["id"]: line["seq"] for line in printed}


def test_simulate_in_buttons_only_mode(simulation, config, tmp_path):
    text = config.read_text().replace(
        'site = "kontaktcenter"', 'site = "kontaktcenter"\nmode = "buttons"'
    )
    config.write_text(text, encoding="utf-8")
    run = simulation(config, "--visitors", "4", "--rate", "3000")
    printed = run.rest()
    assert run.process.wait(timeout=30) == 0
    assert len(printed) == 4
    with sqlite3.connect(tmp_path / "data" / "outbox.sqlite") as db:
        answers = [json.loads(a) for (a,) in db.execute("SELECT answers FROM responses")]
    assert all(list(a) == ["overall"] for a in answers)


def test_sigkill_loses_nothing_that_was_printed(simulation, config, tmp_path):
    chance = random.Random(2026)
    printed = []
    for attempt in range(6):
        run = simulation(config, "--visitors", "100000", "--rate", "100000", "--seed", str(attempt))
        printed += run.take(chance.randint(0, 40))
        run.kill()
        printed += run.rest()  # lines already in the pipe were committed too
    final = simulation(config, "--visitors", "3", "--rate", "3000")
    printed += final.rest()
    assert final.process.wait(timeout=30) == 0
    rows = outbox_rows(tmp_path)
    seqs = [line["seq"] for line in printed]
    assert len(printed) >= 40, "the kills came before the visitors"
    assert all(rows.get(line["id"]) == line["seq"] for line in printed), (
        "a printed response is missing"
    )
    assert seqs == sorted(set(seqs)), "seq went back or was used twice"
    assert sorted(rows.values()) == list(range(1, len(rows) + 1)), "the outbox has gaps"


def test_simulate_fails_when_the_terminal_is_closed(simulation, config):
    config.write_text(
        config.read_text() + '\n[hours]\ntimezone = "Europe/Stockholm"\n', encoding="utf-8"
    )
    run = simulation(config, "--visitors", "3", "--rate", "3000")
    assert run.rest() == []
    assert run.process.wait(timeout=30) == 1
    assert wait_until(lambda: "3 of 3 visitors could not answer: closed" in run.log, 10)
