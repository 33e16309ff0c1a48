"""Attacks on the dashboard and the API, generated from the app's own route table so that a
route added later is attacked too: script in every parameter, forms from other sites,
odd dates, password guessing, sessions that outlive their password."""

import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from webforms import submit, token_of

from nojd.server import accounts
from nojd.server.accounts import add_user, create_token
from nojd.server.config import ServerConfig
from nojd.server.store import Batch, open_store
from nojd.server.throttle import PER_ADDRESS, PER_USER, LoginThrottle, Window
from nojd.server.web import create_app
from nojd.survey import build_response, default_survey, encode

NOJD = str(Path(sys.executable).with_name("nojd"))
SURVEY = default_survey()
PASSWORD = "ett-långt-lösenord"
SCRIPT = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
#: Every query parameter any page or download reads, beside each route's declared ones.
PAGE_PARAMETERS = ("from", "to", "by", "period", "survey", "device", "site", "unit",
                   "question", "lang")  # fmt: skip
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def app(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'server.sqlite'}", ZoneInfo("Europe/Stockholm"))
    answers = [
        build_response(SURVEY, device="desk-1", seq=seq, site="kontaktcenter", lang="sv",
                       answers={"overall": 1 + seq % 5}, at=datetime(2026, 11, 2, 10, tzinfo=UTC))
        for seq in range(1, 9)
    ]  # fmt: skip
    store.ingest(Batch(responses=[(a, encode(a)) for a in answers]), datetime.now(UTC))
    add_user(store.accounts, "anna", PASSWORD)
    made = create_app(ServerConfig(db=f"sqlite:///{tmp_path / 'server.sqlite'}"), store)
    made.state.token = create_token(store.accounts, "excel")
    yield made
    store.close()


def logged_in(app):
    client = TestClient(app)
    answer = submit(client, "/login", {"name": "anna", "password": PASSWORD}, page="/login",
                    follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
    return client


def routes(app, methods, found=None):
    """Every route of the app that answers one of ``methods``, in its included routers too
    (FastAPI keeps those behind a wrapper with ``original_router``)."""
    for route in app.routes if found is None else found:
        if isinstance(route, APIRoute) and route.methods & methods:
            yield route
        elif hasattr(route, "original_router"):
            yield from routes(app, methods, route.original_router.routes)


def test_every_route_escapes_script_in_every_parameter(app):
    client = logged_in(app)
    bearer = {"Authorization": f"Bearer {app.state.token}"}
    checked = []
    for route in routes(app, {"GET"}):
        declared = [param.alias for param in route.dependant.query_params]
        for name in dict.fromkeys([*declared, *PAGE_PARAMETERS]):
            answer = client.get(route.path, params={name: SCRIPT}, headers=bearer)
            kind = answer.headers.get("content-type", "")
            assert "<script>alert(1)" not in answer.text or "html" not in kind, (route.path, name)
            assert "<img src=x" not in answer.text or "html" not in kind, (route.path, name)
            checked.append((route.path, name, answer.status_code))
    assert {path for path, _, _ in checked} >= {
        "/",
        "/report",
        "/trend",
        "/hours",
        "/devices",
        "/access",
        "/export.csv",
        "/api/v1/figures",
    }
    assert any(status == 400 for *_, status in checked)  # refused values were shown: escaped
    # a path that does not exist, with script in it, is a page of the dashboard, escaped
    missing = client.get("/<script>alert(1)</script>")
    assert missing.status_code == 404 and "<script>" not in missing.text
    assert "<h1>Sidan finns inte</h1>" in missing.text and 'href="/report?' in missing.text


def test_the_reflected_script_of_the_attack_run_is_escaped(app):
    client = logged_in(app)
    for page in ("/report", "/export.csv"):
        answer = client.get(f"{page}?from=2026-11&to=2026-11&by=<script>alert(1)</script>")
        assert answer.status_code == 400 and answer.headers["content-type"].startswith("text/html")
        assert "by: &#39;&lt;script&gt;alert(1)&lt;/script&gt;&#39; is not one of" in answer.text


def test_every_state_changing_route_refuses_other_sites_and_missing_tokens(app):
    client = logged_in(app)
    posts = list(routes(app, UNSAFE))
    assert {route.path for route in posts} >= {"/login", "/logout", "/access/tokens",
                                               "/access/tokens/revoke"}  # fmt: skip
    for route in posts:
        token = token_of(client.get("/access").text)
        data = {"name": "x", "password": "y"}
        for headers, with_token in (
            ({}, False),  # no token
            ({"Sec-Fetch-Site": "cross-site"}, True),
            ({"Sec-Fetch-Site": "same-site"}, True),  # another host of the same site
            ({"Origin": "https://evil.example"}, True),
            ({"Origin": "null"}, True),
        ):
            sent = {**data, "csrf": token} if with_token else data
            answer = client.post(route.path, data=sent, headers=headers, follow_redirects=False)
            assert answer.status_code == 403, (route.path, headers)
            assert "Formuläret har gått ut" in answer.text
        wrong = client.post(route.path, data={**data, "csrf": "x" + token[1:]})
        assert wrong.status_code == 403, route.path
    # the logout and the token of the attack run: refused from elsewhere, still logged in
    assert client.get("/devices", follow_redirects=False).status_code == 200
    assert app.state.web.store.accounts.tokens()[0]["name"] == "excel"


def test_the_same_forms_from_this_server_s_own_pages_work(app):
    client = logged_in(app)
    made = submit(client, "/access/tokens", {"name": "rapport"}, page="/access",
                  headers={"Sec-Fetch-Site": "same-origin"})  # fmt: skip
    assert made.status_code == 200 and "rapport" in made.text
    out = submit(client, "/logout", follow_redirects=False)
    assert out.status_code == 303 and client.get("/", follow_redirects=False).status_code == 303


def test_a_form_over_64_kib_is_refused_unread(app):
    client = TestClient(app)
    token = token_of(client.get("/login").text)
    answer = client.post("/login", data={"name": "a" * 70_000, "password": "x", "csrf": token})
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "query", ["from=2026-01-01&to=9999-12-31", "from=0001-01-01&to=2026-01-01"]
)
def test_odd_dates_are_a_400_naming_the_field(app, query):
    client = logged_in(app)
    bearer = {"Authorization": f"Bearer {app.state.token}"}
    for path in ("/api/v1/figures", "/api/v1/heatmap"):
        answer = client.get(f"{path}?{query}", headers=bearer)
        assert answer.status_code == 400, (path, answer.text)
        assert re.match(r"(from|to): \d{4}-\d\d-\d\d is outside 2000-01-01..2099-12-31",
                        answer.json()["detail"])  # fmt: skip
    months = query.replace("-01&", "&").replace("-31", "").replace("-01-01", "-01")
    page = client.get(f"/report?{months}")
    odd = "9999-12" if "9999" in months else "0001-01"
    assert page.status_code == 400 and f"”{odd}” är inte en månad" in page.text
    assert "2000-01 till 2099-12" in page.text


def test_nojd_report_says_an_odd_date_in_one_line(tmp_path):
    result = subprocess.run(
        [NOJD, "report", "--from", "2026-01-01", "--to", "9999-12-31",
         "--db", f"sqlite:///{tmp_path / 's.sqlite'}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip() == "nojd: to: 9999-12-31 is outside 2000-01-01..2099-12-31"


def test_security_headers_on_pages_errors_and_the_api(app):
    client = logged_in(app)
    for path in ("/", "/login", "/nowhere", "/healthz", "/static/nojd.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp, path  # no script at all
        assert "style-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        cached = "max-age=3600" if path.startswith("/static") else "no-store"
        assert headers["cache-control"] == cached, path
        assert "strict-transport-security" not in headers  # plain http here
    https = TestClient(app, base_url="https://testserver")
    assert https.get("/login").headers["strict-transport-security"] == "max-age=31536000"
    page = client.get("/").text
    assert "<style" not in page and "style=" not in page and "<script" not in page


def test_guessing_a_password_is_throttled_per_address_without_locking_the_user_out(app):
    client = TestClient(app, client=("203.0.113.7", 5000))
    for _ in range(PER_ADDRESS):
        wrong = submit(client, "/login", {"name": "anna", "password": "fel"}, page="/login")
        assert wrong.status_code == 401
    refused = submit(client, "/login", {"name": "anna", "password": PASSWORD}, page="/login")
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 300
    assert "För många inloggningsförsök" in refused.text
    # the real anna, from her own desk, still logs in
    desk = TestClient(app, client=("198.51.100.20", 5000))
    ok = submit(desk, "/login", {"name": "anna", "password": PASSWORD}, page="/login",
                follow_redirects=False)  # fmt: skip
    assert ok.status_code == 303


def test_guessing_one_user_from_many_addresses_is_throttled_per_user(app):
    for number in range(PER_USER):
        client = TestClient(app, client=(f"198.18.0.{number + 1}", 5000))
        assert submit(client, "/login", {"name": "anna", "password": "fel"},
                      page="/login").status_code == 401  # fmt: skip
    fresh = TestClient(app, client=("198.18.1.1", 5000))
    assert submit(fresh, "/login", {"name": "ANNA", "password": "fel"},
                  page="/login").status_code == 429  # fmt: skip


def test_the_throttle_forgets_with_time_and_stays_bounded():
    now = [0.0]
    window = Window(3, window=60, capacity=100, clock=lambda: now[0])
    for _ in range(3):
        window.take("a")
    assert window.wait("a") == 60
    now[0] = 30
    assert window.wait("a") == 30
    now[0] = 61
    assert window.wait("a") == 0 and len(window) == 0  # the key left with its last attempt
    for number in range(10_000):  # a flood from rotating addresses
        window.take(f"10.0.{number // 256}.{number % 256}")
    assert len(window) == 100


def test_guesses_from_elsewhere_never_keep_a_user_from_her_own_desk():
    """The attack the review found: one guess each time the per-user window has room, for an
    hour, from rotating addresses. Anna, at the desk she logged in from before, gets in."""
    now = [0.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    assert throttle.attempt("198.51.100.20", "anna") == 0
    throttle.succeeded("198.51.100.20", "anna")  # her desk, yesterday
    for minute in range(60):
        now[0] = minute * 60.0
        for guess in range(PER_USER):
            throttle.attempt(f"203.0.113.{(minute * PER_USER + guess) % 250}", "anna")
        assert throttle.attempt("198.51.100.20", "anna") == 0, minute
        throttle.succeeded("198.51.100.20", "anna")
    assert throttle.attempt("192.0.2.1", "anna") > 0  # a new address still waits


def test_an_ipv6_subscriber_counts_as_one_address():
    throttle = LoginThrottle()
    for host in range(PER_ADDRESS):
        assert throttle.attempt(f"2001:db8:1:2::{host + 1:x}", f"user-{host}") == 0
    assert throttle.attempt("2001:db8:1:2:ffff::1", "someone-else") > 0
    assert throttle.attempt("2001:db8:1:3::1", "someone-else") == 0  # another /64


def test_guesses_sent_at_once_are_held_to_the_limit(app):
    """The attempt is counted when it starts, not after its password check."""

    def one(_):
        client = TestClient(app, client=("203.0.113.9", 5000))
        return submit(client, "/login", {"name": "anna", "password": "fel"},
                      page="/login").status_code  # fmt: skip

    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(one, range(40)))
    assert statuses.count(401) == PER_ADDRESS and statuses.count(429) == 40 - PER_ADDRESS


def test_a_huge_user_name_is_refused_before_it_is_counted(app):
    client = TestClient(app)
    answer = submit(client, "/login", {"name": "ΐ" * 2000, "password": "x"}, page="/login")
    assert answer.status_code == 422 and "name" in answer.text
    assert len(app.state.web.throttle.users) == 0


def test_a_crash_is_a_500_page_with_the_security_headers(app, monkeypatch):
    client = logged_in(app)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(app.state.web.store, "devices", broken)
    for path in ("/devices", "/api/v1/devices"):
        answer = TestClient(app, raise_server_exceptions=False, cookies=client.cookies).get(
            path, headers={"Authorization": f"Bearer {app.state.token}"}
        )
        assert answer.status_code == 500, path
        assert "the disk is gone" not in answer.text
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
        assert answer.headers["cache-control"] == "no-store"


def test_an_unknown_user_answers_as_slowly_as_a_known_one(app):
    """An unknown name is checked against the stand-in hash: a real scrypt, so the answer
    takes as long. Timed in turns (known, unknown, ...) so that the machine's load falls on
    both alike; without the stand-in an unknown name answers in about a millisecond."""
    checked = accounts._stand_in.cache_info()

    def took(name, number):
        client = TestClient(app, client=(f"192.0.2.{number}", 5000))  # under every limit
        started = time.perf_counter()
        assert submit(client, "/login", {"name": name, "password": "fel-lösenord"},
                      page="/login").status_code == 401  # fmt: skip
        return time.perf_counter() - started

    pairs = [(took("anna", n), took(f"nobody-{n}", n)) for n in range(7)]
    known = statistics.median(k for k, _ in pairs)
    unknown = statistics.median(u for _, u in pairs)
    assert unknown > 0.3 * known, (known, unknown)
    after = accounts._stand_in.cache_info()
    assert after.hits + after.misses >= checked.hits + checked.misses + 7  # used each time


def test_a_new_password_or_a_removed_user_ends_the_old_logins(app, tmp_path):
    client = logged_in(app)
    add_user(app.state.web.store.accounts, "anna", "ett-nytt-långt-lösenord")
    assert client.get("/devices", follow_redirects=False).status_code == 303
    again = TestClient(app)
    assert submit(again, "/login", {"name": "anna", "password": "ett-nytt-långt-lösenord"},
                  page="/login", follow_redirects=False).status_code == 303  # fmt: skip
    assert app.state.web.store.accounts.remove_user("anna")
    assert again.get("/devices", follow_redirects=False).status_code == 303
