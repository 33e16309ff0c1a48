"""The servicerapport as PDF: made from a store with answers counted by hand, read back with
poppler's pdftotext, and every figure checked; what suppression hides appears nowhere.

Set ``NOJD_SCREENSHOT_DIR`` to keep the PDF's pages as PNG pictures there (pdftoppm).
"""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from nojd.server.config import load_server_config
from nojd.server.servicerapport import context, period_of, render_pdf
from nojd.server.store import Batch
from nojd.survey import build_response, default_survey, encode

NOJD = str(Path(sys.executable).with_name("nojd"))
SURVEY = default_survey()
STOCKHOLM = ZoneInfo("Europe/Stockholm")
CONFIG = """
[organisation]
name = "Testby kommun"
[[organisation.sites]]
id = "kc"
name = "Kontaktcenter"
unit = "ms"
devices = ["kc-1"]
[[organisation.sites]]
id = "tiny"
name = "Lilla disken"
unit = "ms"
devices = ["t-1"]
[[organisation.sites]]
id = "mk"
name = "Medborgarkontoret"
unit = "ms"
devices = ["mk-1"]
[[organisation.sites]]
id = "bib"
name = "Stadsbiblioteket"
unit = "kultur"
devices = ["b-1"]
[[organisation.units]]
id = "ms"
name = "Medborgarservice"
[[organisation.units]]
id = "kultur"
name = "Kultur och fritid"
"""
#: (device, site, overall grades), all in November 2026. Kontaktcenter is the worked
#: example (19: 3, 4, 0, 5, 7); Lilla disken has 3 (hidden: 2, 2, 3 would be 66,7 % and
#: 33,3 %); Medborgarkontoret's 10 (8 of them 5s: 80,0 %) are hidden to protect it, as
#: Medborgarservice minus Kontaktcenter minus it would be Lilla disken; the library 40.
VISITS = [
    ("kc-1", "kc", [1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5]),
    ("t-1", "tiny", [2, 2, 3]),
    ("mk-1", "mk", [5] * 8 + [1, 1]),
    ("b-1", "bib", [3] * 4 + [4] * 16 + [5] * 20),
]


def fill(store: Any, tmp_path: Path) -> Any:
    sent: list[Any] = []
    for device, site, grades in VISITS:
        for seq, grade in enumerate(grades, start=1):
            at = datetime(2026, 11, 2 + seq % 20, 10, tzinfo=STOCKHOLM)
            message = build_response(SURVEY, device=device, seq=seq, site=site, lang="sv",
                                     answers={"overall": grade}, at=at)  # fmt: skip
            sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    return load_server_config(tmp_path / "server.toml")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "servicerapport.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=60)  # fmt: skip
    return done.stdout


def row(text: str, *cells: str) -> bool:
    """Whether ``text`` (pdftotext's raw order: a table row's cells one after the other,
    wherever a narrow column wrapped them) holds ``cells`` in order, with only white space
    between them."""
    words = [re.escape(word) for cell in cells for word in cell.split()]
    pattern = r"\s+".join(words)
    return re.search(pattern, text) is not None


def test_the_servicerapport_holds_the_hand_computed_figures_and_nothing_hidden(store, tmp_path):
    config = fill(store, tmp_path)
    made = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    values = context(store, SURVEY, config, period_of(month="2026-11"), "sv", made=made)
    pdf = render_pdf(values, "sv")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    # the cover: organisation, period, answers (19 + 3 + 10 + 40), when it was made
    assert "Testby kommun" in text and "Servicerapport" in text and "november 2026" in text
    assert row(text, "Antal svar", "72") and row(text, "Skapad", "2026-12-01 10:30")
    # the whole organisation's overall: 1: 3+0+2+0 = 5, 2: 4+2+0+0 = 6, 3: 0+1+0+4 = 5,
    # 4: 5+0+0+16 = 21, 5: 7+0+8+20 = 35; 61 of 72 satisfied = 84,7 %; index 25·(291−72)/72
    for grade, word, count, percent in ((1, "Mycket dåligt", 5, "6,9 %"),
                                        (2, "Dåligt", 6, "8,3 %"),
                                        (3, "Varken bra eller dåligt", 5, "6,9 %"),
                                        (4, "Bra", 21, "29,2 %"), (5, "Mycket bra", 35, "48,6 %")):  # fmt: skip
        assert row(text, f"{grade} {word}", str(count), percent), (grade, text)
    assert row(text, "Svar", "72", "100,0 %")
    assert row(text, "Andel 3–5", "84,7 %") and row(text, "Index", "76,0")
    assert row(text, "Medelvärde", "4,0")
    # Kontaktcenter beside the others: 12 of 19 = 63,2 % against 90, not met; the library
    # 40 of 40 = 100,0 %
    assert row(text, "63,2 %", "90 %", "✗ målet inte nått", "19")
    assert row(text, "100,0 %", "90 %", "✓ målet nått", "40")
    # target (VP) against outcome (VB) for 2026: 84,7 % against 90
    assert row(text, "2026 t.o.m. 2026-11-30", "90 %", "84,7 %")  # the year to the period's end
    # hidden: Lilla disken's 66,7 % and 33,3 %, Medborgarkontoret's 80,0 % (and its 20,0 %)
    for hidden in ("66,7", "33,3", "80,0 %", "20,0 %"):
        assert hidden not in text, hidden
    assert "för få svar" in text and "dold: skyddar en grupp med för få svar" in text
    # a page per unit, the comparison, data quality and the method
    assert "Medborgarservice" in text and "Kultur och fritid" in text
    assert "Jämförelse" in text and "Datakvalitet" in text and "Metod" in text
    assert "(medelvärde − 1) / 4 × 100" in text
    pages = int(re.findall(r"(\d+) / (\d+)", text)[-1][1])
    assert pages >= 7
    folder = os.environ.get("NOJD_SCREENSHOT_DIR")
    if folder:  # the pages as pictures, to look at
        (tmp_path / "servicerapport.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / "servicerapport.pdf"),
                        str(Path(folder) / "servicerapport-sv")], check=True, timeout=120)  # fmt: skip


def test_in_english_on_request(store, tmp_path):
    config = fill(store, tmp_path)
    values = context(store, SURVEY, config, period_of(tertial="2026-T3"), "en")
    text = pdf_text(render_pdf(values, "en"), tmp_path)
    assert "Service report" in text and "tertial 3 2026" in text
    assert row(text, "Share 3–5", "84.7%") and "Method" in text
    assert "66.7" not in text and "33.3" not in text


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--month", "2026-13"], "month: '2026-13' is not a month like 2026-11"),
        (["--tertial", "2026-T4"], "tertial: '2026-T4' is not a tertial like 2026-T3"),
        (["--year", "twenty"], "year: 'twenty' is not a year like 2026"),
        (["--month", "2026-11", "--year", "2026"], "period: give one of --month, --tertial"),
        (["--month", "2026-11"], "format: pdf is a binary file; give -o FILE.pdf"),
        (["--year", "0000"], "year: '0000' is outside the years 2000..2099"),
        (["--month", "9999-12"], "month: '9999-12' is outside the years 2000..2099"),
        (["--tertial", "1999-T3"], "tertial: '1999-T3' is outside the years 2000..2099"),
        (["--month", "2026-11", "--from", "2026-01-01"], "not --month and --from/--to together"),
    ],
)
def test_the_command_refuses_a_bad_period_in_one_line(tmp_path, arguments, said):
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    done = subprocess.run(
        [NOJD, "report", "--config", str(tmp_path / "server.toml"), "--format", "pdf",
         *arguments], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0 and said in done.stderr and "Traceback" not in done.stderr


def test_the_command_writes_the_pdf(store, tmp_path):
    config = fill(store, tmp_path)
    store.close()
    out = tmp_path / "rapport.pdf"
    done = subprocess.run(
        [NOJD, "report", "--config", str(tmp_path / "server.toml"), "--db",
         f"sqlite:///{tmp_path / 'server.sqlite'}", "--format", "pdf", "--year", "2026",
         "-o", str(out)], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = pdf_text(out.read_bytes(), tmp_path)
    assert "Testby kommun" in text and row(text, "Andel 3–5", "84,7 %")
    assert config.organisation.title == "Testby kommun"


@pytest.mark.parametrize("value", ["12", '"x\\u0007y"', '"' + "k" * 121 + '"'])
def test_a_bad_organisation_name_is_refused_naming_the_key(tmp_path, value):
    from nojd.errors import ConfigError

    (tmp_path / "server.toml").write_text(f"[organisation]\nname = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"organisation\.name.*the organisation's name"):
        load_server_config(tmp_path / "server.toml")


def test_a_pdf_of_one_site_hides_what_the_lattice_hides_and_says_whom_it_covers(store, tmp_path):
    config = fill(store, tmp_path)
    for site, words in (("mk", "Medborgarkontoret"), ("kc", "Kontaktcenter")):
        values = context(store, SURVEY, config, period_of(month="2026-11"), "sv", site=site)
        text = pdf_text(render_pdf(values, "sv"), tmp_path)
        assert row(text, "Urval", f"plats {words}"), text[:600]
        if site == "mk":  # hidden to protect Lilla disken: its 80,0 % and 20,0 % nowhere
            assert "80,0 %" not in text and "20,0 %" not in text
            assert "dold: skyddar en grupp med för få svar" in text
        else:
            assert "63,2 %" in text and "Hela organisationen" not in text


def test_the_years_of_vp_vb_read_as_the_rest_of_the_report(store, tmp_path):
    # 3 answers in 2024 (hidden), 50 in 2025, 20 in 2026 (15 satisfied: 75,0 %). The year
    # 2026 is its own report, as the rest of the PDF for 2026: shown in both, the same
    sent = []
    plan = [(2024, [1, 2, 2]), (2025, [5] * 50), (2026, [4] * 15 + [1] * 5)]
    seq = 0
    for year, grades in plan:
        for grade in grades:
            seq += 1
            at = datetime(year, 6, 10, 10, tzinfo=STOCKHOLM)
            message = build_response(SURVEY, device="kc-1", seq=seq, site="kc", lang="sv",
                                     answers={"overall": grade}, at=at)  # fmt: skip
            sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    config = load_server_config(tmp_path / "server.toml")
    values = context(store, SURVEY, config, period_of(year="2026"), "sv")
    text = pdf_text(render_pdf(values, "sv"), tmp_path)
    assert row(text, "2026", "90 %", "75,0 %") and row(text, "2025", "90 %", "100,0 %")
    assert row(text, "2024", "90 %", "för få svar")
    assert "Mot samma period förra året" not in text  # for a year it is the period before


def test_an_empty_period_and_an_organisation_without_units(store, tmp_path):
    (tmp_path / "server.toml").write_text('[organisation]\nname = "Tomby"\n', encoding="utf-8")
    config = load_server_config(tmp_path / "server.toml")
    values = context(store, SURVEY, config, period_of(month="2000-01"), "sv")
    text = pdf_text(render_pdf(values, "sv"), tmp_path)
    assert "Tomby" in text and text.count("Inga svar i perioden.") >= 3
    assert row(text, "Antal svar", "0") and "Enheter" not in text
