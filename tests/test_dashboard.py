"""The dashboard in-process (TestClient) on a store filled through the real ingest path."""

import hashlib
import io
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from fastapi.testclient import TestClient
from processes import running_ingest, server_rows
from sqlite_utils import Database
from waiting import wait_until
from webforms import submit

from nojd.server import accounts, central
from nojd.server.accounts import add_user
from nojd.server.config import Organisation, ServerConfig, Site
from nojd.server.store import SqliteStore, Store, open_store
from nojd.server.store.migrations import migrations
from nojd.server.web import create_app
from nojd.survey import build_response, default_survey, encode
from nojd.survey.translations import full_languages, text
from nojd.survey.wire import format_time

SURVEY = default_survey()
STOCKHOLM = ZoneInfo("Europe/Stockholm")
GRADES = [1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5]  # the worked example
QUERY = "from=2026-11&to=2026-11&by=site&period=total"
ORGANISATION = Organisation(
    sites={
        "kontaktcenter": Site(
            "kontaktcenter", "Kontaktcenter", "medborgarservice", ("desk-1", "desk-2")
        ),
        "bibliotek": Site("bibliotek", "Biblioteket", "kultur", ("bib-1",)),
    },
    units={"medborgarservice": "Medborgarservice", "kultur": "Kultur"},
)


def plain(html: str) -> str:
    """A page without the column names its cells carry for a phone's layout."""
    return re.sub(r' data-label="[^"]*"', "", html)


def visits():
    """(device, site, local Stockholm time, overall grade) of every response."""
    made = [
        ("desk-1", "kontaktcenter", datetime(2026, 11, 24, 10, seq), grade)  # Tuesday 10:xx
        for seq, grade in enumerate(GRADES, start=1)
    ]
    made += [("desk-2", "kontaktcenter", datetime(2025, 6, 14, 14, m), 5) for m in range(8)]  # Sat
    made += [("bib-1", "bibliotek", datetime(2026, 11, 25, 15, m), 4) for m in range(7)]  # Wed
    return made


@pytest.fixture(scope="module")
def site(tmp_path_factory, module_db):
    folder = tmp_path_factory.mktemp("dashboard")
    with running_ingest(folder, module_db) as (broker, db, ingest, publisher):
        seqs: dict[str, int] = {}
        for device, site, local, grade in visits():
            seqs[device] = seqs.get(device, 0) + 1
            message = build_response(
                SURVEY, device=device, seq=seqs[device], site=site, lang="sv",
                answers={"overall": grade, "wait_time": 5}, response_id=str(uuid.uuid4()),
                at=local.replace(tzinfo=STOCKHOLM).astimezone(UTC),
            )  # fmt: skip
            publisher.send(f"nojd/v1/{device}/response", encode(message))
        assert wait_until(lambda: len(server_rows(db)) == len(visits()), 30)
        store = open_store(db, STOCKHOLM)
        add_user(store.accounts, "anna", "ett-långt-lösenord")
        add_user(store.accounts, "bo", "bara-läsa-lösenord", role="read-only")
        config = ServerConfig(db=db, organisation=ORGANISATION)
        with Dashboard(create_app(config, store)) as client:
            client.store = store
            yield client
        store.close()


class Dashboard(TestClient):
    """The dashboard's test client, and the store behind it."""

    store: Store


def log_in(client, password="ett-långt-lösenord", name="anna"):
    client.cookies.clear()
    return submit(client, "/login", {"name": name, "password": password}, page="/login",
                  follow_redirects=False)  # fmt: skip


def test_pages_need_a_login(site):
    site.cookies.clear()
    for path in ("/", "/report", "/trend", "/hours", "/devices", "/access", "/export.csv",
                 "/export.xlsx", "/export.pdf"):  # fmt: skip
        answer = site.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
    assert "Logga in" in site.get("/login").text


def test_a_wrong_password_is_refused(site):
    site.cookies.clear()
    answer = log_in(site, "fel")
    assert answer.status_code == 401
    assert "Fel namn eller lösenord." in answer.text


def test_overview_report_and_devices_after_login(site):
    site.cookies.clear()
    answer = log_in(site)
    assert answer.status_code == 303
    assert "httponly" in answer.headers["set-cookie"].lower()
    overview = site.get(f"/?{QUERY}").text
    assert "Kontaktcenter" in overview and "Svar: 19" in overview
    assert "63,2 %" in overview  # 12 of 19 satisfied with the service as a whole
    assert "✗ målet inte nått" in overview and "(90 %, enkätens mål)" in overview
    assert "✓ målet nått" in overview  # everyone was content with the waiting time
    # one month is no trend: its share is said in words, not drawn as a lone dot
    assert "Svar i bara en period (2026-11: 63 %); en trend behöver minst två." in overview
    # two months (June 2025, November 2026): the chart spans them, from the first, the
    # target as a dashed line, the shares in its table
    both = site.get("/?from=2025-01&to=2026-11&by=site&period=total&site=kontaktcenter").text
    assert 'role="img" aria-label="Andel nöjda per månad: Hur upplevde du servicen' in both
    assert "stroke-dasharray" in both and ">2025-06</text>" in both
    assert '<th scope="row">2025-05</th>' not in both  # the axis starts at the first answer
    assert '<th scope="row">2025-06</th><td>100 %</td>' in both
    assert '<th scope="row">2026-11</th><td>63 %</td>' in both
    report = plain(site.get(f"/report?{QUERY}").text)
    assert "<h3>Hur upplevde du servicen som helhet?</h3>\n  <p>Svar: 19</p>" in report
    assert (
        '<th scope="row">1 <span class="word">Mycket dåligt</span></th><td>3</td><td>15,8 %</td>'
        in report
    )
    assert "41,0–80,9 %" in report and "61,8" in report
    assert "<h3>Fick du svar på din fråga?</h3>\n  <p>Svar: 0</p>" in report
    assert "för få svar" in report
    devices = plain(site.get("/devices").text)
    assert "desk-1" in devices and "Svar i dag" in devices
    assert "<td>19</td><td>0</td>" in devices  # received, missing
    assert (
        '<th scope="row">desk-1</th><td>Kontaktcenter</td>' in devices
    )  # the site's name, not its id
    assert "sedan</span>" in devices or "nyss</span>" in devices  # and how long ago


def test_english_switch(site):
    log_in(site)
    page = site.get(f"/report?{QUERY}&lang=en").text
    assert "<h3>How was the service as a whole?</h3>\n  <p>Answers: 19</p>" in page
    assert "41.0–80.9%" in page


def test_exports_hold_the_report_numbers(site):
    log_in(site)
    csv = site.get(f"/export.csv?{QUERY}")
    assert csv.headers["content-disposition"].startswith(
        'attachment; filename="nojd-2026-11-01-2026-11-30-site.csv"'
    )
    assert csv.content.startswith("\ufeff".encode()) and ";61,8;" in csv.content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(site.get(f"/export.xlsx?{QUERY}").content))
    rows = [
        [cell.value for cell in row] for row in book["Hur upplevde du servicen som…"].iter_rows()
    ]
    assert ["Kontaktcenter", "total", 3, 4, 0, 5, 7] in [row[:7] for row in rows]


def test_the_servicerapport_downloads_as_pdf_for_the_chosen_months(site, tmp_path):
    log_in(site)
    answer = site.get(f"/export.pdf?{QUERY}")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert "nojd-2026-11-01-2026-11-30-site.pdf" in answer.headers["content-disposition"]
    (tmp_path / "r.pdf").write_bytes(answer.content)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    assert "Servicerapport" in text and "november 2026" in text and "Kontaktcenter" in text
    assert "63,2 %" in text  # 12 of 19, as on the report page
    english = site.get(f"/export.pdf?{QUERY}&lang=en")
    assert english.status_code == 200 and english.content.startswith(b"%PDF-")
    bad = site.get("/export.pdf?from=2026-13")
    assert bad.status_code == 400 and "2026-13" in bad.text


def test_log_out_ends_the_login(site):
    log_in(site)
    submit(site, "/logout", follow_redirects=False)
    assert site.get("/", follow_redirects=False).status_code == 303


def test_site_and_unit_filters(site):
    log_in(site)
    both = site.get(f"/?{QUERY}").text
    assert "Kontaktcenter" in both and "Biblioteket" in both
    only_library = site.get(f"/?{QUERY}&unit=kultur").text
    assert "Biblioteket" in only_library and "Svar: 7" in only_library
    assert "Svar: 19" not in only_library
    only_kc = site.get(f"/report?{QUERY}&site=kontaktcenter").text
    assert "Svar: 19" in only_kc and "Svar: 7" not in only_kc
    # the options list configured sites and units by name
    assert '<option value="kultur" >Kultur</option>' in both.replace("  ", " ")


def test_trend_and_target_per_year(site):
    log_in(site)
    page = site.get("/trend?from=2025-01&to=2026-12&by=site&period=year&site=kontaktcenter").text
    assert "Andel nöjda per år" in page
    # one chart per question with answers, each with its years
    assert page.count('role="img" aria-label="Andel nöjda per år: ') == 2  # wait_time and overall
    assert ">2025</text>" in page and ">2026</text>" in page
    # VP/VB: overall 2025 is 8 of 8 (100 %, target 90 met); 2026 is 12 of 19 (63 %, not met)
    assert "Mål och utfall per år: Hur upplevde du servicen som helhet?" in page
    assert ">100 % ✓ målet nått (90 %)</text>" in page
    assert ">63 % ✗ målet inte nått (90 %)</text>" in page
    by_month = site.get("/trend?from=2026-11&to=2026-11&period=month&site=kontaktcenter").text
    assert "Svar i bara en period (2026-11: 63 %)" in by_month  # one month: said, not drawn


def test_hour_and_weekday_heatmap(site):
    log_in(site)
    page = site.get("/hours?from=2025-01&to=2026-12").text
    assert 'aria-label="Antal svar per veckodag och timme"' in page
    grid = page.split('aria-label="Antal svar per veckodag och timme"')[1].split("</svg>")[0]
    # hours 10..15 as columns; counts written in their cells
    assert ">10</text>" in grid and ">15</text>" in grid and ">09</text>" not in grid
    assert ">19</text>" in grid and ">8</text>" in grid and ">7</text>" in grid
    shares = page.split('aria-label="Andel nöjda per veckodag och timme: ')[1].split("</svg>")[0]
    # Tuesday 10:00 is 12 of 19 (63 %, under the target: an orange frame), Saturday 14:00 is 100 %
    assert ">63 %</text>" in shares and ">100 %</text>" in shares
    assert shares.count('stroke="#d55e00"') == 1
    one_site = site.get("/hours?from=2025-01&to=2026-12&site=bibliotek").text
    grid = one_site.split('aria-label="Antal svar per veckodag och timme"')[1].split("</svg>")[0]
    assert ">15</text>" in grid and ">19</text>" not in grid
    one_desk = site.get("/hours?from=2025-01&to=2026-12&device=desk-2").text
    grid = one_desk.split('aria-label="Antal svar per veckodag och timme"')[1].split("</svg>")[0]
    assert ">8</text>" in grid and ">19</text>" not in grid and ">10</text>" not in grid
    # a question without answers at all gives a grid of "–" (n = 0 is suppressed)
    asked = site.get("/hours?from=2025-01&to=2026-12&question=trust").text
    shares = asked.split('aria-label="Andel nöjda per veckodag och timme: ')[1].split("</svg>")[0]
    assert shares.count(">–</text>") == 3 and "%" not in shares


def test_responses_today_per_device(site):
    counts = {d["device"]: d["today"] for d in site.store.devices(today="2026-11-24")}
    assert (counts["bib-1"], counts["desk-1"], counts["desk-2"]) == (0, 19, 0)
    counts = {d["device"]: d["today"] for d in site.store.devices(today="2026-11-25")}
    assert counts["bib-1"] == 7


def test_read_only_users_see_but_cannot_change(site):
    assert log_in(site, "bara-läsa-lösenord", "bo").status_code == 303
    assert "Biblioteket" in site.get(f"/?{QUERY}").text
    assert 'href="/access' not in site.get("/").text
    assert site.get("/access").status_code == 403
    refused = submit(site, "/access/tokens", {"name": "from-bo"})
    assert refused.status_code == 403 and "administratörer" in refused.text
    assert "from-bo" not in [t["name"] for t in site.store.accounts.tokens()]


def test_an_admin_makes_and_revokes_a_token(site):
    log_in(site)
    assert 'href="/access' in site.get("/").text
    made = submit(site, "/access/tokens", {"name": "excel"}, page="/access")
    assert made.status_code == 200 and "visas bara den här gången" in made.text
    token = made.text.split('<p class="token">')[1].split("</p>")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert site.get("/api/v1/devices", headers=headers).status_code == 200
    again = submit(site, "/access/tokens", {"name": "excel"}, page="/access")
    assert again.status_code == 400 and "exists already" in again.text
    listed = site.get("/access").text
    assert "<td>excel</td>" in listed and token not in listed and "anna" in listed
    submit(site, "/access/tokens/revoke", {"name": "excel"}, page="/access")
    assert site.get("/api/v1/devices", headers=headers).status_code == 401


def test_the_heatmap_api(site):
    log_in(site)
    made = submit(site, "/access/tokens", {"name": "heat"}, page="/access").text
    token = made.split('<p class="token">')[1].split("</p>")[0]
    headers = {"Authorization": f"Bearer {token}"}
    answer = site.get("/api/v1/heatmap?from=2026-11-01&to=2026-11-30&unit=medborgarservice",
                      headers=headers).json()  # fmt: skip
    assert [(c["weekday"], c["hour"], c["responses"]) for c in answer["cells"]] == [(2, 10, 19)]
    assert answer["cells"][0]["figures"]["counts"] == {"1": 3, "2": 4, "3": 0, "4": 5, "5": 7}
    bad = site.get("/api/v1/heatmap?from=2026-11-01&to=2026-11-30&question=nope", headers=headers)
    assert bad.status_code == 400 and "'nope'" in bad.json()["detail"]
    figures = site.get("/api/v1/figures?from=2026-11-01&to=2026-11-30&site=bibliotek",
                       headers=headers).json()  # fmt: skip
    assert [g["key"] for g in figures["groups"]] == ["bibliotek"] and figures["site"] == "bibliotek"


def test_the_languages_are_those_with_a_translation_file(site):
    log_in(site)
    for lang in full_languages():
        assert f'<html lang="{lang}">' in site.get(f"/devices?lang={lang}").text
    for lang in ("xx", "ar", "so"):  # none, or one for the terminal only: the default
        assert '<html lang="sv">' in site.get(f"/devices?lang={lang}").text
    swedish = site.get("/devices?lang=sv").text
    assert "?lang=ar" not in swedish
    for lang in full_languages()[1:]:  # every other language, named in itself
        name = text("language.name", lang)
        assert f'href="?lang={lang}" lang="{lang}" hreflang="{lang}">{name}</a>' in swedish
    assert 'hreflang="sv"' not in swedish
    # one survey: no choice to offer, yet "Visa" keeps it
    assert (
        '<input type="hidden" name="survey" value="service">' in site.get(f"/report?{QUERY}").text
    )


def with_survey(site, folder, survey_id, question, swedish):
    """An app on the site's store that also serves a one-question survey of its own."""
    path = folder / f"{survey_id}.toml"
    path.write_text(
        f'id = "{survey_id}"\nlanguages = ["sv", "en"]\nwelcome = {{ sv = "Hej", en = "Hello" }}\n'
        f'[[questions]]\nid = "{question}"\nkind = "rating"\n'
        f'text = {{ sv = "{swedish}", en = "In English" }}\n',
        encoding="utf-8",
    )
    config = ServerConfig(organisation=ORGANISATION, survey_files=(path,))
    return TestClient(create_app(config, site.store))


def test_a_configured_survey_is_shown_when_asked_for(site, tmp_path):
    with with_survey(site, tmp_path, "mini", "overall", "Hur var det?") as client:
        log_in(client)
        mini = client.get("/hours?from=2025-01&to=2026-12&survey=mini")
        assert mini.status_code == 200 and "Hur var det?" in mini.text
        assert "Hur upplevde du servicen som helhet?" not in mini.text
        shipped = client.get(f"/report?{QUERY}").text  # no survey named: the shipped one
        assert "<h3>Hur upplevde du servicen som helhet?</h3>\n  <p>Svar: 19</p>" in shipped
        form = mini.text.split('<form class="filters"')[1].split("</form>")[0]
        assert '<select name="survey">' in form  # two surveys: the form keeps the choice
        assert '<option value="mini" selected>mini</option>' in form
        assert '<option value="service" selected>service</option>' in shipped
        for page in ("/report", "/export.csv"):  # a refused value comes back escaped
            script = client.get(f"{page}?{QUERY}&survey=<script>alert(1)</script>")
            assert script.status_code == 400
            assert "<script>" not in script.text and "&lt;script&gt;alert(1)" in script.text
        unknown = client.get(f"/report?{QUERY}&survey=nope")
        assert unknown.status_code == 400
        assert "survey: &#39;nope&#39; is not one of service, mini" in unknown.text
        assert "<h1>Frågan gick inte att besvara</h1>" in unknown.text  # a page of its own


def test_a_survey_without_overall_shows_its_first_rating_instead(site, tmp_path):
    with with_survey(site, tmp_path, "speedy", "speed", "Gick det fort?") as client:
        log_in(client)
        for page in ("/", "/report", "/trend", "/hours", "/export.csv"):
            shown = client.get(f"{page}?from=2025-01&to=2026-12&survey=speedy")
            assert shown.status_code == 200, (page, shown.text[:300])
        assert "Gick det fort?" in client.get("/hours?survey=speedy").text
        asked = client.get("/hours?survey=speedy&question=overall")  # not in this survey
        assert asked.status_code == 200 and "Gick det fort?" in asked.text


def test_the_rename_to_logins_keeps_the_table_and_asks_each_browser_to_log_in_once(tmp_path):
    # A database as the server left it before m008_logins: logins in a table named sessions.
    path = tmp_path / "old.sqlite"
    old = Database(path)
    migrations.apply(old, stop_before="m008_logins")
    cookie = "a-cookie-given-before-the-upgrade"
    old.execute(
        "INSERT INTO users VALUES (?, ?, 'admin', ?)",
        ["anna", accounts.hash_password("ett-långt-lösenord"), format_time(datetime.now(UTC))],
    )
    old.execute(
        "INSERT INTO sessions VALUES (?, 'anna', ?)",
        [
            hashlib.sha256(cookie.encode()).hexdigest(),
            format_time(datetime.now(UTC) + timedelta(hours=1)),
        ],
    )
    old.conn.commit()
    old.close()
    store = SqliteStore(path, STOCKHOLM)
    try:
        assert "m008_logins" in [m.name for m in migrations.applied(store.db)]
        assert store.db["sessions"].exists() is False and store.db["logins"].count == 1
        assert accounts.login_user(store.accounts, cookie) == {"name": "anna", "role": "admin"}
        with TestClient(create_app(ServerConfig(), store)) as client:
            client.cookies.set("nojd_session", cookie)  # what a browser still holds
            assert client.get("/devices", follow_redirects=False).status_code == 303
            assert log_in(client).headers["set-cookie"].startswith("nojd_login=")
            assert client.get("/devices", follow_redirects=False).status_code == 200
        assert store.db["logins"].count == 2  # the old row expires on its own
    finally:
        store.close()


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("from=2026-11&to=2026-01", "Från månad (2026-11) ligger efter Till månad (2026-01)."),
        ("from=garbage", "Från månad: ”garbage” är inte en månad som 2026-11"),
        ("to=2026-13", "Till månad: ”2026-13” är inte en månad som 2026-11"),
        ("from=1066-10", "Från månad: ”1066-10” är inte en månad som 2026-11"),
        ("from=2026-11-05", "Från månad: ”2026-11-05” är inte en månad"),
    ],
)
def test_a_month_that_cannot_be_shown_is_refused_in_words_with_the_navigation(site, query, said):
    log_in(site)
    for path in ("/report", "/", "/export.csv"):
        answer = site.get(f"{path}?{query}")
        assert answer.status_code == 400, path
        assert said in answer.text, path
        assert '<a href="/report?' in answer.text  # the navigation: a way on
    english = site.get(f"/report?{query}&lang=en")
    assert english.status_code == 400 and ("is not a month" in english.text
                                           or "is after To month" in english.text)  # fmt: skip


def test_how_long_ago_a_terminal_was_seen_is_said_in_words():
    from datetime import UTC, datetime

    from nojd.server.rendering import ago

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    said = {stamp: ago(stamp, "sv", now) for stamp in (
        "2026-11-24T11:59:30Z", "2026-11-24T11:55:00Z", "2026-11-24T09:10:00+00:00",
        "2026-11-21T12:00:00Z", None)}  # fmt: skip
    assert list(said.values()) == [
        "nyss", "för 5 min sedan", "för 2 h sedan", "för 3 dygn sedan", ""
    ]  # fmt: skip
    assert ago("2026-11-24T11:55:00Z", "en", now) == "5 min ago"


def test_the_comparison_ranks_the_sites_and_says_what_it_compares_with(site):
    log_in(site)
    page = site.get("/compare?from=2026-11&to=2026-11&by=site")
    assert page.status_code == 200
    assert "Mot perioden före" in page.text and "2026-10 – 2026-10" in page.text
    assert "2025-11 – 2025-11" in page.text and "z-test" in page.text
    assert '<th scope="row">Kontaktcenter</th>' in page.text


def test_a_comparison_at_the_earliest_month_has_nothing_before_it_and_no_error(site):
    log_in(site)
    page = site.get("/compare?from=2000-01&to=2000-01&by=site")
    assert page.status_code == 200 and "utanför" not in page.text and "outside" not in page.text


def test_the_report_page_shows_data_quality_beside_the_figures(site):
    log_in(site)
    page = plain(site.get(f"/report?{QUERY}").text)
    assert "Datakvalitet" in page and "Avbrutna besök" in page and "Snabba upprepningar" in page
    assert '<th scope="col">Öppet utan svar</th>' in page and "<td>–</td>" in page


def test_the_report_page_counts_the_hours_open_without_an_answer(site):
    # June 2025: desk-1 open Tuesdays 10-11 (the 3rd, 10th, 17th, 24th), no answer then;
    # desk-2 Saturdays 14-15 (7th, 14th, 21st, 28th), its 8 answers all on the 14th at 14.
    config = ServerConfig(db="", organisation=ORGANISATION)
    scopes = {"device:desk-1": {"tue": "10:00-11:00"}, "device:desk-2": {"sat": "14:00-15:00"}}
    try:
        for scope, hours in scopes.items():
            central.set_config(site.store, config, scope, {"hours": hours}, "anna")
        log_in(site)
        page = plain(site.get("/report?from=2025-06&to=2025-06&by=device").text)
        assert "<td>4 av 4 timmar</td>" in page and "<td>3 av 4 timmar</td>" in page
        by_site = plain(site.get("/report?from=2025-06&to=2025-06&by=site").text)
        assert "<td>7 av 8 timmar</td>" in by_site
    finally:
        for scope in scopes:
            central.set_config(site.store, config, scope, None, "anna")
