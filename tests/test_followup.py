"""The follow-up question, "Vad kan vi bli bättre på?" (firmware_config's example survey):
offered to every visitor whatever they graded, choices only, skippable, counted in the
reports and in the servicerapport."""

import itertools
import re
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nojd.kiosk.session import Screen
from nojd.server.config import load_server_config
from nojd.server.figures import report
from nojd.server.servicerapport import context, period_of, render_pdf
from nojd.server.store import Batch
from nojd.survey import build_response, encode, load_survey

EXAMPLE = (
    Path(__file__).resolve().parent.parent / "firmware_config" / "survey-followup.example.toml"
)
SURVEY = load_survey(EXAMPLE)
#: The touch targets of a kiosk test: at least this many pixels each way, none overlapping.
MIN_TARGET = 48


def answers(row: Any) -> dict[str, Any]:
    return dict(row.answers)


@pytest.mark.parametrize("grade", [1, 5])
def test_every_visitor_is_offered_it_whatever_they_graded(rig, grade):
    kiosk = rig(survey_file=EXAMPLE)
    kiosk.press(1)
    kiosk.press(grade, grade, grade, grade)
    kiosk.press(1)  # "Jag fick svar på min fråga"
    assert kiosk.screen is Screen.QUESTION and kiosk.view.question.id == "improve"
    assert (kiosk.view.step, kiosk.view.steps) == (6, 6)
    kiosk.press(5)  # "Inget – det var bra"
    assert kiosk.screen is Screen.THANKS
    [row] = kiosk.rows()
    assert answers(row)["improve"] == "nothing" and answers(row)["overall"] == grade


def test_it_can_be_skipped_and_then_leaves_no_answer(rig):
    kiosk = rig(survey_file=EXAMPLE)
    kiosk.press(1)
    kiosk.press(4, 4, 4, 4, 2)
    kiosk.tap_action("skip")
    assert kiosk.screen is Screen.THANKS
    [row] = kiosk.rows()
    assert "improve" not in answers(row) and answers(row)["resolution"] == "referred"


@pytest.mark.parametrize("size", [(800, 480), (480, 800), (1280, 720)])
def test_its_five_choices_are_targets_a_finger_can_hit(rig, size):
    kiosk = rig(survey_file=EXAMPLE, size=size)
    kiosk.press(1)
    kiosk.press(4, 4, 4, 4, 1)
    bounds = kiosk.kiosk.surface.get_rect()
    targets = [h for h in kiosk.kiosk.hotspots if h.action[0] == "answer"]
    assert [h.action[1] for h in targets] == list(SURVEY.question("improve").option_ids)
    for hotspot in targets:
        assert bounds.contains(hotspot.rect) and min(hotspot.rect.size) >= MIN_TARGET, hotspot
    for a, b in itertools.combinations(targets, 2):
        assert not a.rect.colliderect(b.rect), (a, b)
    kiosk.tap_action("answer", "hours")
    assert answers(kiosk.rows()[0])["improve"] == "hours"


CONFIG = f"""
surveys = ["{EXAMPLE}"]
[organisation]
name = "Testby kommun"
[[organisation.sites]]
id = "kc"
name = "Kontaktcenter"
devices = ["kc-1"]
"""
#: What 20 visitors chose: 9 shorter waiting, 4 clearer information, 0 treatment,
#: 2 opening hours, 5 nothing; 3 more skipped it.
CHOSEN = ["waiting"] * 9 + ["information"] * 4 + ["hours"] * 2 + ["nothing"] * 5 + [None] * 3


def test_its_counts_are_in_the_report_and_the_servicerapport(store, tmp_path):
    sent = []
    for seq, chosen in enumerate(CHOSEN, start=1):
        given: dict[str, Any] = {"overall": 4, "resolution": "answered"}
        if chosen:
            given["improve"] = chosen
        at = datetime(2026, 11, 3 + seq % 20, 11, tzinfo=ZoneInfo("Europe/Stockholm"))
        message = build_response(SURVEY, device="kc-1", seq=seq, site="kc", lang="sv",
                                 answers=given, at=at)  # fmt: skip
        sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    config = load_server_config(tmp_path / "server.toml")
    survey = config.surveys()["service-followup"]
    figures = report(store, survey, config.organisation, first=date(2026, 11, 1),
                     last=date(2026, 11, 30), by="site")  # fmt: skip
    improve = figures["groups"][0]["questions"]["improve"]
    assert improve["n"] == 20  # the 3 who skipped are not counted
    assert improve["counts"] == {"waiting": 9, "information": 4, "treatment": 0, "hours": 2,
                                 "nothing": 5}  # fmt: skip
    assert improve["percent"]["waiting"] == pytest.approx(45.0)
    page = rapport_page(store, config)
    assert "<h3>Vad kan vi bli bättre på?</h3>" in page
    assert re.search(r"Kortare väntetid</th><td[^>]*>9</td><td[^>]*>45,0 %</td>", page)
    pdf = render_pdf(context(store, survey, config, period_of(month="2026-11"), "sv"), "sv")
    (tmp_path / "r.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(tmp_path / "r.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout  # fmt: skip
    assert "Vad kan vi bli bättre på?" in text
    for option, count, percent in (("Kortare väntetid", 9, "45,0 %"),
                                   ("Tydligare information", 4, "20,0 %"),
                                   ("Bemötandet", 0, "0,0 %"), ("Öppettiderna", 2, "10,0 %"),
                                   ("Inget – det var bra", 5, "25,0 %")):  # fmt: skip
        assert re.search(rf"{re.escape(option)}\s+{count}\s+{re.escape(percent)}", text), option


def rapport_page(store: Any, config: Any) -> str:
    """The dashboard's Rapport page of the follow-up survey, as anna sees it."""
    from fastapi.testclient import TestClient
    from webforms import submit

    from nojd.server.accounts import add_user
    from nojd.server.web import create_app

    add_user(store.accounts, "anna", "ett-långt-lösenord")
    with TestClient(create_app(config, store)) as client:
        submit(client, "/login", {"name": "anna", "password": "ett-långt-lösenord"},
               page="/login", follow_redirects=False)  # fmt: skip
        answer = client.get("/report?from=2026-11&to=2026-11&survey=service-followup")
        assert answer.status_code == 200, answer.text[-2000:]
        return answer.text
