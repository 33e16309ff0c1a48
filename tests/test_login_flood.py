"""A login flood against a real `nojd server run`: 400 guesses from 400 addresses, 40 at
a time, each with a user name of its own. The server's memory stays bounded (the attack
run saw 89 MB grow to 896 MB), it keeps answering, and the real user still logs in."""

import http.client
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from processes import NOJD, Process, free_port
from waiting import wait_until
from webforms import token_of

GUESSES = 400
AT_ONCE = 40


def memory_mb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} for {pid}")


def guess(port, number, name="", password="fel-lösenord"):
    """GET the login form and POST a guess, from the address 127.1.<n>.<m>: the status."""
    source = (f"127.1.{number // 250}.{number % 250 + 1}", 0)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=source)
    try:
        connection.request("GET", "/login")
        shown = connection.getresponse()
        page = shown.read().decode()
        cookie = shown.getheader("set-cookie", "").split(";")[0]
        token = token_of(page)
        form = urllib.parse.urlencode(
            {"name": name or f"guess-{number}", "password": password, "csrf": token}
        )
        connection.request("POST", "/login", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
        })  # fmt: skip
        answer = connection.getresponse()
        answer.read()
        return answer.status
    finally:
        connection.close()


def test_a_login_flood_from_many_addresses_keeps_memory_bounded(tmp_path):
    db = f"sqlite:///{tmp_path / 'server.sqlite'}"
    subprocess.run([NOJD, "server", "user", "add", "anna", "--db", db],
                   input="ett-långt-lösenord\n", text=True, check=True, timeout=60)  # fmt: skip
    port = free_port()
    server = Process("server", "run", "--db", db, "--broker", f"mqtt://127.0.0.1:{free_port()}",
                     "--listen", f"127.0.0.1:{port}")  # fmt: skip
    try:
        assert wait_until(lambda: _up(port), 30), server.log
        assert guess(port, 9999) == 401  # one of each path, before measuring
        before = memory_mb(server.process.pid, "VmRSS")
        with ThreadPoolExecutor(AT_ONCE) as pool:
            flood = pool.map(lambda n: guess(port, n), range(GUESSES))
            # meanwhile the dashboard answers: waiting checks hold none of its threads (the
            # review saw a page take 17.5 s while they did)
            pages = [_page_time(port) for _ in range(5)]
            statuses = list(flood)
        peak = memory_mb(server.process.pid, "VmHWM")
        print(f"login flood: {GUESSES} guesses, {AT_ONCE} at once: RSS {before:.0f} MB before, "
              f"peak {peak:.0f} MB; the login page meanwhile in at most {max(pages):.2f} s; "
              f"answers {sorted((s, statuses.count(s)) for s in set(statuses))}")  # fmt: skip
        assert set(statuses) <= {401, 429} and statuses.count(401) > 0
        assert peak - before < 100, (before, peak)
        assert max(pages) < 5, pages
        # still answering, and the real user logs in from her own address
        assert guess(port, 1500, name="anna", password="ett-långt-lösenord") == 303
    finally:
        server.close()


def _page_time(port):
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/login")
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    return time.perf_counter() - started


def _up(port):
    """Whether the web server answers: 503 too, as it does here without a broker."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status in (200, 503)
    except OSError:
        return False
    finally:
        connection.close()
