"""The installed ``nojd`` command, run as a user would, checked through the library."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nojd.survey import decode, default_survey, rating_figures

NOJD = str(Path(sys.executable).with_name("nojd"))


def nojd(*args, stdin=None):
    return subprocess.run(
        [NOJD, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_help_lists_the_commands():
    result = nojd("--help")
    assert result.returncode == 0
    for command in ("survey", "message", "figures"):
        assert command in result.stdout


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "nojd", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("nojd ")


def test_figures_json_equals_the_library():
    result = nojd("figures", "3,4,0,5,7", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == rating_figures((3, 4, 0, 5, 7), target=90)


def test_figures_text_in_swedish():
    result = nojd("figures", "3,4,0,5,7")
    assert "Index: 61,8" in result.stdout
    assert "41,0–80,9 %" in result.stdout


def test_figures_refuses_bad_counts():
    result = nojd("figures", "3,x,0")
    assert result.returncode == 1
    assert "counts: '3,x,0' is not c1,...,c5" in result.stderr


def test_message_check_accepts_and_normalises():
    raw = (
        '{"v":1,"id":"0b7f6c1e-3d2a-4f5b-9c8d-7e6f5a4b3c2d","device":"d1","seq":1,'
        '"site":"s","survey":"service","lang":"sv","at":"2026-01-01T00:00:00Z",'
        '"clock":"unsynced","answers":{"overall":5},"flags":[]}'
    )
    result = nojd("message", "check", stdin=raw)
    assert result.returncode == 0, result.stderr
    assert decode(result.stdout, default_survey()) == decode(raw, default_survey())
    assert json.loads(result.stdout)["at"] == "2026-01-01T00:00:00.000Z"


def test_message_check_prints_the_reason():
    result = nojd("message", "check", "--topic-device", "x", stdin='{"v": 2}')
    assert result.returncode == 1
    assert result.stderr.strip() == "nojd: v: 2 is not a supported version (expected 1)"


def test_survey_check_names_the_broken_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('id = "x"\n', encoding="utf-8")
    result = nojd("survey", "check", str(broken))
    assert result.returncode == 1
    assert f"survey file {broken}: languages: missing" in result.stderr


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_survey_show(lang):
    result = nojd("survey", "show", "--lang", lang)
    assert result.returncode == 0
    for question in default_survey().questions:
        assert question.text[lang] in result.stdout


@pytest.mark.parametrize("size", ["100000x100000", "10x480", "720x1280@45", "wide"])
def test_a_panel_size_out_of_range_is_refused_by_name(tmp_path, size):
    result = subprocess.run(
        [NOJD, "kiosk", "screenshots", str(tmp_path), f"--size={size}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if "--size" in line and size in line]
    assert "argument --size" in line and not list(tmp_path.iterdir())


#: ``nojd device add`` for a terminal that reaches the broker by name
ADD = ("device", "add", "desk-1", "--site", "s", "--broker", "mqtts://nojd.example:8883")


def test_device_add_refuses_the_server_s_own_user(secured):
    before = secured.plugin_file.read_text()
    result = nojd("device", "add", "nojd-server", "--site", "kontaktcenter", "--rotate",
                  "--broker", secured.url, "--admin", str(secured.admin_file),
                  "--out", str(secured.folder / "out"))  # fmt: skip
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "nojd: device: 'nojd-server' is reserved (ids starting with nojd- are the server's "
        "own broker users), expected another id"
    ]
    assert secured.plugin_file.read_text() == before


def test_device_add_says_in_one_line_what_is_wrong_with_the_admin_file(tmp_path, secured):
    missing = nojd(*ADD, "--admin", str(tmp_path / "none"))
    assert missing.stderr.strip() == f"nojd: broker admin file {tmp_path / 'none'}: not found"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(secured.admin_file.read_text().replace('password = "', 'password = "x'))
    refused = nojd(*ADD, "--admin", str(wrong), "--out", str(tmp_path))  # fmt: skip
    assert refused.stderr.strip().splitlines() == [
        f"nojd: broker: {secured.url} refused nojd-admin (Not authorized)"
    ]
    down = tmp_path / "down.toml"
    down.write_text(secured.admin_file.read_text().replace(secured.url, "mqtt://127.0.0.1:9"))
    unreachable = nojd(*ADD, "--admin", str(down), "--out", str(tmp_path))  # fmt: skip
    [line] = unreachable.stderr.strip().splitlines()
    assert line.startswith("nojd: broker: cannot reach mqtt://127.0.0.1:9 (")
    nowhere = nojd(*ADD, "--admin", str(secured.admin_file),
                   "--out", "/proc/nowhere")  # fmt: skip
    assert nowhere.stderr.strip().splitlines() == [
        "nojd: out: cannot make '/proc/nowhere' (No such file or directory)"
    ]
    made = nojd(*ADD, "--admin", str(secured.admin_file),
                "--out", str(tmp_path / "out"))  # fmt: skip
    assert made.returncode == 0 and "desk-1: added to the broker (epoch 0)" in made.stdout
    assert oct((tmp_path / "out/desk-1.toml").stat().st_mode & 0o777) == "0o600"


def test_user_passwd_and_remove(tmp_path):
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    add = subprocess.run([NOJD, "server", "user", "add", "anna", "--role", "read-only",
                          "--db", db], input="ett-långt-lösenord\n", text=True,
                         capture_output=True, timeout=60)  # fmt: skip
    assert add.returncode == 0, add.stderr
    changed = subprocess.run([NOJD, "server", "user", "passwd", "anna", "--db", db],
                             input="ett-annat-lösenord\n", text=True, capture_output=True,
                             timeout=60)  # fmt: skip
    assert changed.returncode == 0 and "their logins ended" in changed.stderr
    assert nojd("server", "user", "list", "--db", db).stdout == "anna\tread-only\n"  # role kept
    short = subprocess.run([NOJD, "server", "user", "passwd", "anna", "--db", db],
                           input="kort\n", text=True, capture_output=True, timeout=60)  # fmt: skip
    assert short.stderr.strip() == "nojd: password: 4 characters given (expected at least 10)"
    for action in ("passwd", "remove"):
        unknown = subprocess.run([NOJD, "server", "user", action, "bo", "--db", db],
                                 input="ett-långt-lösenord\n", text=True, capture_output=True,
                                 timeout=60)  # fmt: skip
        assert unknown.returncode != 0
        assert unknown.stderr.strip() == (
            "nojd: name: 'bo' is not a dashboard user (nojd server user list)"
        )
    removed = nojd("server", "user", "remove", "anna", "--db", db)
    assert removed.returncode == 0 and nojd("server", "user", "list", "--db", db).stdout == ""
