"""The command line as a new user meets it: no new empty store, no traceback, no abbreviated
option, no port that belongs to someone else, no terminal pointed at itself, and a
simulation that ends."""

import socket
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from processes import kiosk_config, outbox_rows

from nojd.server.store import open_store

NOJD = str(Path(sys.executable).with_name("nojd"))


def nojd(*args, cwd=None, timeout=60):
    return subprocess.run([NOJD, *args], capture_output=True, text=True, timeout=timeout,
                          check=False, cwd=cwd)  # fmt: skip


def made_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.sqlite'}"
    open_store(url, ZoneInfo("Europe/Stockholm")).close()
    return url


def test_commands_on_a_store_that_does_not_exist_make_none(tmp_path):
    missing = tmp_path / "server.sqlite"
    url = f"sqlite:///{missing}"
    for args in (
        ("server", "token", "create", "excel", "--db", url),
        ("report", "--from", "2026-01-01", "--to", "2026-01-31", "--db", url),
        ("server", "user", "list", "--db", url),
        ("server", "user", "remove", "anna", "--db", url),
    ):
        result = nojd(*args)
        assert result.returncode == 1, args
        assert result.stderr.splitlines() == [
            f"nojd: db: {url!r} does not exist; expected the store of a server that has run "
            "(give --config with the server's config, or --db URL)"
        ], args
        assert not missing.exists(), args


def test_a_token_names_the_store_it_was_made_in(tmp_path):
    url = made_store(tmp_path)
    made = nojd("server", "token", "create", "excel", "--db", url)
    assert made.returncode == 0
    assert f"token 'excel' made in {url}; it is shown only this once" in made.stderr


def test_a_report_that_cannot_be_written_is_one_line(tmp_path):
    url = made_store(tmp_path)
    result = nojd("report", "--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv",
                  "--db", url, "-o", "/nonexistent/dir/r.csv")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "nojd: output: cannot write '/nonexistent/dir/r.csv' (No such file or directory); "
        "expected a file in a folder that exists and may be written"
    ]


def test_no_option_is_taken_from_its_first_letters(tmp_path):
    url = made_store(tmp_path)
    result = nojd("report", "--form", "2026-11-01", "--to", "2026-11-30", "--db", url)
    assert result.returncode == 2
    assert "unrecognized arguments: --form 2026-11-01" in result.stderr or (
        "required: --from" in result.stderr
    )
    assert "--format: invalid choice" not in result.stderr


def test_a_mistyped_flag_shows_its_own_command_s_usage():
    result = nojd("demo", "--visitrs", "3")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: nojd demo ")
    assert "nojd demo: error: unrecognized arguments: --visitrs 3" in result.stderr


def test_a_taken_port_is_one_line_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args in (
            ("demo", "--data", str(tmp_path / "demo"), "--listen", f"127.0.0.1:{port}",
             "--duration", "5", "--no-window"),
            ("server", "run", "--db", f"sqlite:///{tmp_path / 's.sqlite'}",
             "--listen", f"127.0.0.1:{port}"),
        ):  # fmt: skip
            result = nojd(*args)
            assert result.returncode == 1, result.stderr
            assert result.stderr.splitlines() == [
                f"nojd: listen: 127.0.0.1:{port} is taken by another process; "
                "expected a free HOST:PORT"
            ], args
        assert not (tmp_path / "demo").exists() and not (tmp_path / "s.sqlite").exists()


def test_device_add_needs_the_broker_the_terminal_reaches():
    result = nojd("device", "add", "desk-1", "--site", "kontaktcenter")
    assert result.returncode == 2
    assert "the following arguments are required: --broker" in result.stderr


def test_device_add_writes_no_password_into_the_current_folder(tmp_path, secured):
    here = tmp_path / "here"
    here.mkdir()
    result = nojd("device", "add", "desk-1", "--site", "s", "--broker", secured.url,
                  "--admin", str(secured.admin_file), "--out", str(here / "terminals"),
                  cwd=here)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in here.iterdir()) == ["terminals"]
    assert oct((here / "terminals").stat().st_mode & 0o777) == "0o700"
    assert result.stderr.splitlines() == [
        f"note: --broker {secured.url} is this machine: only a terminal running here can reach it"
    ]


def test_a_simulation_against_an_unreachable_broker_ends(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    config = kiosk_config(tmp_path, "desk-1", f"mqtt://127.0.0.1:{port}")
    result = nojd("kiosk", "simulate", "--config", str(config), "--visitors", "2",
                  "--rate", "600", "--send-for", "2", timeout=120)  # fmt: skip
    assert result.returncode == 1
    [said] = [line for line in result.stderr.splitlines() if "not acknowledged" in line]
    assert said.startswith("ERROR nojd.kiosk.simulate: 2 responses not acknowledged 2 s after")
    assert len(outbox_rows(tmp_path / "desk-1")) == 2  # kept, to go out later


def test_the_demo_says_how_long_its_visitors_come(tmp_path):
    result = nojd("demo", "--data", str(tmp_path / "demo"), "--duration", "3", "--no-window",
                  timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("demo: terminal")]
    assert lines and all("visitors for 3 s" in line for line in lines)
    assert "without end" not in result.stdout


def test_a_huge_config_file_is_refused_unread(tmp_path):
    url = made_store(tmp_path)
    huge = tmp_path / "huge.toml"
    huge.write_text("# " + "x" * 5_000_000, encoding="utf-8")
    result = nojd("config", "set", "--site", "kontaktcenter", str(huge), "--db", url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"nojd: {huge}: over 16384 bytes, expected at most 16384"]
