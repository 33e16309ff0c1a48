"""`nojd demo` end to end, headless and bounded: figures reach the dashboard through the broker,
and Ctrl-C stops everything cleanly."""

import http.cookiejar
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from processes import free_port
from waiting import wait_until
from webforms import token_of

NOJD = str(Path(sys.executable).with_name("nojd"))


def test_the_demo_shows_figures_on_the_dashboard_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    demo = subprocess.Popen(
        [NOJD, "demo", "--data", str(tmp_path / "demo"), "--listen", f"127.0.0.1:{port}",
         "--duration", "300"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a display "exists" (SDL draws nowhere): the demo adds a kiosk window
        env={"SDL_VIDEODRIVER": "dummy", "PATH": "/usr/sbin:/usr/bin:/bin", "DISPLAY": ":99"},
    )  # fmt: skip
    started = time.monotonic()
    try:
        printed: list[str] = []
        assert demo.stdout is not None and demo.stderr is not None  # both PIPE
        while not any("dashboard http" in line for line in printed):
            line = demo.stdout.readline()
            assert line, demo.stderr.read()[-3000:]
            printed.append(line)
        [address] = [line for line in printed if "dashboard http" in line]
        assert f"http://127.0.0.1:{port}/" in address and "demo / nojd-demo-2026" in address
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        shown = browser.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
        login = {"name": "demo", "password": "nojd-demo-2026", "csrf": token_of(shown)}
        form = urllib.parse.urlencode(login).encode()
        browser.open(f"http://127.0.0.1:{port}/login", form, timeout=10).read()
        # Within 60 s of the start both sites have at least 7 answers: the overview shows
        # their share satisfied, not "för få svar".
        page = [""]

        def both_sites_shown():  # a person reloading the page once a second
            page[0] = browser.open(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
            return len(overall_shares(page[0])) == 2

        shown_in_time = wait_until(
            both_sites_shown, timeout=60 - (time.monotonic() - started), every=1
        )
        assert shown_in_time, f"both sites' figures not shown within 60 s: {page[0][-3000:]}"
        shown = page[0]
        assert "Kontaktcenter" in shown and "Stadsbiblioteket" in shown
        assert len(overall_shares(shown)) == 2, shown
        assert all(share.endswith(" %") for share in overall_shares(shown))
    finally:
        demo.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = demo.communicate(timeout=120)
    assert demo.returncode == 0, err[-3000:]
    lines = out.splitlines()
    assert "demo: stopping" in lines
    assert any("a terminal window (demo-kc-window)" in line for line in lines)
    for device in ("demo-kc-desk1", "demo-kc-desk2", "demo-bib-desk1", "demo-kc-window"):
        [line] = [line for line in lines if line.strip().startswith(device)]
        # every response the terminal made reached the server; it said goodbye
        assert " 0 missing, status offline (backlog 0)" in line, line
    assert any(line.strip().startswith("bibliotek: helhetsbetyg") for line in lines)


def overall_shares(page):
    """The shown shares satisfied with the service as a whole, one per site card."""
    shares = []
    for card in page.split('<section class="card">')[1:]:
        row = card.split("Hur upplevde du servicen som helhet?</th>")[1].split("</tr>")[0]
        if "för få svar" not in row:
            shares.append(re.search(r"<td[^>]*>([^<]*)</td>", row).group(1))  # type: ignore[union-attr]
    return shares
