"""Nothing revealed by subtraction: cases built to leak a hidden site, terminal or month,
and the reports that must not let them. Counts worked out by hand."""

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from nojd.server.config import load_server_config
from nojd.server.figures import report
from nojd.server.store import Batch
from nojd.server.suppression import hidden_cells
from nojd.survey import build_response, default_survey, encode
from nojd.survey.formatting import figures_lines

SURVEY = default_survey()
CONFIG = """
[[organisation.sites]]
id = "a"
name = "A"
unit = "u"
devices = ["a-1"]
[[organisation.sites]]
id = "b"
name = "B"
unit = "u"
devices = ["b-1", "b-2"]
[[organisation.sites]]
id = "c"
name = "C"
unit = "u"
devices = ["c-1"]
[[organisation.sites]]
id = "solo"
name = "Solo"
unit = "v"
devices = ["s-1"]
[[organisation.sites]]
id = "big"
name = "Big"
unit = "w"
devices = ["w-1"]
[[organisation.units]]
id = "u"
name = "U"
[[organisation.units]]
id = "w"
name = "W"
[[organisation.units]]
id = "v"
name = "V"
"""
#: (device, site, month of 2026, grades): A has 3 answers, too few; B 10 (b-1 4, b-2 6);
#: C 20; Solo 5, alone in its unit V; Big 30, alone in W. A's 3 are in November, C's in
#: October and November.
VISITS = [
    ("a-1", "a", 11, [1, 1, 2]),
    ("b-1", "b", 11, [5, 5, 4, 4]),
    ("b-2", "b", 11, [5, 4, 4, 3, 3, 3]),
    ("c-1", "c", 10, [5] * 10),
    ("c-1", "c", 11, [4] * 10),
    ("s-1", "solo", 11, [2, 2, 2, 2, 2]),
    ("w-1", "big", 10, [3] * 30),
]


def filled(store, tmp_path, visits=VISITS, config=CONFIG):
    """The store with ``visits`` (device, site, month of 2026 or (year, month), grades)."""
    sent: list[Any] = []
    seqs: dict[str, int] = {}
    for device, site, when, grades in visits:
        year, month = when if isinstance(when, tuple) else (2026, when)
        for grade in grades:
            seqs[device] = seqs.get(device, 0) + 1
            message = build_response(
                SURVEY, device=device, seq=seqs[device], site=site, lang="sv",
                answers={"overall": grade}, at=datetime(year, month, 10, 10, tzinfo=UTC),
            )  # fmt: skip
            sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    path = tmp_path / "server.toml"
    path.write_text(config, encoding="utf-8")
    return load_server_config(path).organisation


def overall(result, key, period="total"):
    [found] = [g for g in result["groups"] if g["key"] == key and g["period"] == period]
    return found["questions"]["overall"]


def counts(figures):
    return {grade: figures["counts"][str(grade)] for grade in range(1, 6)}


def test_a_hidden_site_cannot_be_had_as_its_unit_minus_its_sisters(store, tmp_path):
    organisation = filled(store, tmp_path)
    days: dict[str, Any] = {"first": date(2026, 10, 1), "last": date(2026, 11, 30)}
    by_site = report(store, SURVEY, organisation, by="site", **days)
    assert overall(by_site, "a")["suppressed"]  # 3 answers: too few
    assert overall(by_site, "b")["suppressed"] and overall(by_site, "b")["complementary"]
    assert not overall(by_site, "c")["suppressed"]  # 20: the largest stays
    units = report(store, SURVEY, organisation, by="unit", **days)
    unit = overall(units, "u")
    assert unit["n"] == 33 and not unit["suppressed"]
    # V (5) is hidden; the whole minus U minus W would be V, so W (30, smaller) is hidden too
    assert overall(units, "v")["suppressed"] and overall(units, "w")["complementary"]
    # the leak that would have been: U minus B minus C is A; now only A and B together
    left = {g: counts(unit)[g] - counts(overall(by_site, "c"))[g] for g in range(1, 6)}
    assert left == {1: 2, 2: 1, 3: 3, 4: 4, 5: 3}  # A's 1,1,2 with B's 5,5,4,4,5,4,4,3,3,3
    assert overall(by_site, "b")["counts"] is None  # B's own counts are not shown
    said = figures_lines(SURVEY.question("overall"), overall(by_site, "b"), "sv")
    assert said[-1] == "dold: skyddar en grupp med för få svar"  # not "för få svar": 10
    # chosen alone, B is still hidden: it is the one that protects A
    alone = report(store, SURVEY, organisation, by="site", site="b", **days)
    assert overall(alone, "b")["suppressed"] and overall(alone, "b")["counts"] is None


def test_a_site_alone_in_its_unit_hides_the_unit_with_it(store, tmp_path):
    organisation = filled(store, tmp_path)
    days: dict[str, Any] = {"first": date(2026, 11, 1), "last": date(2026, 11, 30)}
    assert overall(report(store, SURVEY, organisation, by="site", **days), "solo")["suppressed"]
    assert overall(report(store, SURVEY, organisation, by="unit", **days), "v")["suppressed"]


def test_a_hidden_terminal_cannot_be_had_as_its_site_minus_the_other(store, tmp_path):
    organisation = filled(store, tmp_path)
    days: dict[str, Any] = {"first": date(2026, 11, 1), "last": date(2026, 11, 30)}
    by_device = report(store, SURVEY, organisation, by="device", **days)
    # b-1 (4) and b-2 (6) are both under 7: two hidden, nothing more to do
    assert overall(by_device, "b-1")["suppressed"] and overall(by_device, "b-2")["suppressed"]
    assert "complementary" not in overall(by_device, "b-2")
    assert not overall(by_device, "c-1")["suppressed"]  # alone at C: C's own figure


def test_a_hidden_month_cannot_be_had_as_the_range_minus_the_other_months(store, tmp_path):
    organisation = filled(store, tmp_path)
    days: dict[str, Any] = {"first": date(2026, 10, 1), "last": date(2026, 11, 30)}
    months = report(store, SURVEY, organisation, by="unit", period="month", **days)
    hidden = {(g["key"], g["period"]) for g in months["groups"]
              if g["questions"]["overall"]["suppressed"]}  # fmt: skip
    # V has 5 in November: hidden. The whole November minus U would be V: U's November
    # is hidden. U's two months minus October would be U's November: U's October too.
    # October's whole minus U would be W: W's October too.
    assert hidden == {("v", "2026-11"), ("u", "2026-11"), ("u", "2026-10"), ("w", "2026-10")}
    # the whole, month by month, has no sisters and nothing small: shown
    by_all = report(store, SURVEY, organisation, by="all", period="month", **days)
    assert overall(by_all, "all", "2026-10")["n"] == 40
    assert overall(by_all, "all", "2026-11")["n"] == 28
    assert not overall(by_all, "all", "2026-11")["suppressed"]


def test_the_rule_hides_the_smallest_sister_until_no_family_has_one_hidden():
    answers = {
        ("a", "2026-10", "q"): 3,  # too few
        ("b", "2026-10", "q"): 9,
        ("c", "2026-10", "q"): 30,
        ("a", "2026-11", "q"): 20,
        ("b", "2026-11", "q"): 40,
        ("c", "2026-11", "q"): 50,
    }
    hidden = hidden_cells(answers, {"a": "u", "b": "u", "c": "u"}.get, 7)
    # October: a, then b beside it; then a's months and b's months each have one hidden,
    # so November's a and b follow; then November's sisters have two hidden: done
    assert hidden == {("a", "2026-10", "q"), ("b", "2026-10", "q"), ("a", "2026-11", "q"),
                      ("b", "2026-11", "q")}  # fmt: skip
    # a cell without answers hides nothing and protects nothing
    lone = {("a", "2026-10", "q"): 3, ("b", "2026-10", "q"): 0}
    assert hidden_cells(lone, {"a": "u", "b": "u"}.get, 7) == {("a", "2026-10", "q")}


def test_a_unit_hidden_to_protect_another_hides_its_only_site_by_site_too(store, tmp_path):
    organisation = filled(store, tmp_path)
    days: dict[str, Any] = {"first": date(2026, 10, 1), "last": date(2026, 11, 30)}
    # by unit, W (30) protects V (5); by site, Big is W (its only site): without the lattice
    # the whole (68) minus U (33) minus Big (30) gave Solo's five 2s
    assert overall(report(store, SURVEY, organisation, by="unit", **days), "w")["complementary"]
    by_site = report(store, SURVEY, organisation, by="site", **days)
    assert overall(by_site, "big")["suppressed"] and overall(by_site, "big")["counts"] is None
    by_device = report(store, SURVEY, organisation, by="device", **days)
    assert overall(by_device, "w-1")["suppressed"]  # Big's only terminal, the same answers
    whole = overall(report(store, SURVEY, organisation, by="all", **days), "all")
    assert whole["n"] == 68 and not whole["suppressed"]  # the whole stays: two units hidden


def test_a_site_hidden_to_protect_another_hides_its_only_terminal_by_terminal_too(store, tmp_path):
    # A 3 answers, B 10 on one terminal, C 20, all in U: by site B protects A; by terminal
    # b-1 is B, and U minus b-1 minus c-1 would have been A's answers
    visits = [("a-1", "a", 11, [1, 1, 2]), ("b-1", "b", 11, [4] * 10), ("c-1", "c", 11, [5] * 20)]
    organisation = filled(store, tmp_path, visits)
    days: dict[str, Any] = {"first": date(2026, 11, 1), "last": date(2026, 11, 30)}
    by_site = report(store, SURVEY, organisation, by="site", **days)
    assert overall(by_site, "b")["complementary"]
    by_device = report(store, SURVEY, organisation, by="device", **days)
    assert overall(by_device, "b-1")["suppressed"] and overall(by_device, "b-1")["counts"] is None
    assert not overall(by_device, "c-1")["suppressed"]


def test_a_hidden_month_cannot_be_had_as_its_year_minus_the_other_months(store, tmp_path):
    # one site: June 2025 8 answers, March 2026 3 (too few), April 2026 50. The report by
    # year shows 2026 (53): 2026 minus April would be March, so April is hidden by month
    visits = [("c-1", "c", (2025, 6), [5] * 8), ("c-1", "c", (2026, 3), [1, 1, 2]),
              ("c-1", "c", (2026, 4), [5] * 50)]  # fmt: skip
    organisation = filled(store, tmp_path, visits)
    days: dict[str, Any] = {"first": date(2025, 1, 1), "last": date(2026, 12, 31)}
    months = report(store, SURVEY, organisation, by="site", period="month", **days)
    hidden = {g["period"] for g in months["groups"] if g["questions"]["overall"]["suppressed"]}
    assert {"2026-03", "2026-04"} <= hidden
    years = report(store, SURVEY, organisation, by="site", period="year", **days)
    shown = {g["period"]: g["questions"]["overall"]["n"] for g in years["groups"]
             if not g["questions"]["overall"]["suppressed"]}  # fmt: skip
    # what stays shown cannot be taken apart into March: 2026 is March and April together
    assert shown.get("2026") in (None, 53) and "2026-04" not in {
        g["period"] for g in months["groups"] if not g["questions"]["overall"]["suppressed"]
    }
    tertials = report(store, SURVEY, organisation, by="site", period="tertial", **days)
    t1 = next(g for g in tertials["groups"] if g["period"] == "2026-T1")["questions"]["overall"]
    assert t1["n"] == 53  # T1 is March and April: hidden or not, never April alone


def test_one_hidden_hour_of_the_heatmap_hides_another(store, tmp_path):
    from nojd.server.figures import heatmap

    # site c: 20 answers on Tuesdays at 10, 3 at 14, 9 at 16: the 3 are hidden, and the
    # site's total (32) minus the hours shown would give them: the 9 are hidden too
    stockholm = ZoneInfo("Europe/Stockholm")
    plan = [(10, 5, 20), (14, 1, 3), (16, 4, 9)]
    sent: list[Any] = []
    seq = 0
    for hour, grade, many in plan:
        for _ in range(many):
            seq += 1
            at = datetime(2026, 11, 10, hour, 15, tzinfo=stockholm)  # a Tuesday
            message = build_response(SURVEY, device="c-1", seq=seq, site="c", lang="sv",
                                     answers={"overall": grade}, at=at)  # fmt: skip
            sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    path = tmp_path / "server.toml"
    path.write_text(
        CONFIG.replace('devices = ["c-1"]', 'devices = ["c-1"]\ntargets = { overall = 80 }')
    )
    organisation = load_server_config(path).organisation
    days: dict[str, Any] = {"first": date(2026, 11, 1), "last": date(2026, 11, 30)}
    choices: list[dict[str, Any]] = [{"site": "c"}, {"device": "c-1"}]
    for chosen in choices:
        cells = heatmap(store, SURVEY, organisation, **days, **chosen)
        by_hour = {cell["hour"]: cell["figures"] for cell in cells["cells"]}
        assert not by_hour[10]["suppressed"] and by_hour[10]["target"] == 80  # the site's own
        assert by_hour[14]["suppressed"] and by_hour[16]["complementary"]


def test_a_hidden_site_stays_hidden_when_chosen_under_a_wider_grouping(store, tmp_path):
    # B is hidden to protect A; chosen alone but grouped by unit or all, the one group
    # shown holds only B's answers: it is B, and stays hidden
    organisation = filled(store, tmp_path)
    days: dict[str, Any] = {"first": date(2026, 10, 1), "last": date(2026, 11, 30)}
    for by, key in (("unit", "u"), ("all", "all")):
        result = report(store, SURVEY, organisation, by=by, site="b", **days)
        shown = overall(result, key)
        assert shown["n"] == 10 and shown["suppressed"] and shown["counts"] is None, by
    terminal = report(store, SURVEY, organisation, by="site", device="b-2", **days)
    assert overall(terminal, "b")["suppressed"]  # b-2 alone: 6 answers, too few
    # C, shown by site, is shown when chosen under a wider grouping too
    assert not overall(report(store, SURVEY, organisation, by="unit", site="c", **days), "u")[
        "suppressed"
    ]
