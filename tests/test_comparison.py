"""Sites side by side, ranked, with changes tested against chance: figures worked out by
hand, then the same through a real store and the dashboard's page."""

import math
from datetime import UTC, date, datetime
from typing import Any

import pytest

from nojd.server.comparison import Z_95, before, compare, two_proportions, year_before
from nojd.server.config import load_server_config
from nojd.server.figures import report
from nojd.server.store import Batch
from nojd.survey import build_response, default_survey, encode

SURVEY = default_survey()


def test_the_z_statistic_by_hand():
    # 45 of 50 against 30 of 50: pooled 0.75, spread √(0.75·0.25·(1/50+1/50)) = 0.0866
    assert two_proportions(45, 50, 30, 50) == pytest.approx(0.3 / math.sqrt(0.0075))
    assert two_proportions(45, 50, 30, 50) == pytest.approx(3.4641, abs=1e-4)
    # 17 of 20 against 15 of 20: pooled 0.8, spread √(0.8·0.2·0.1) = 0.1265: z 0.79
    assert two_proportions(17, 20, 15, 20) == pytest.approx(0.790569, abs=1e-6)
    assert two_proportions(5, 5, 7, 7) is None  # all satisfied in both: nothing to test
    assert two_proportions(1, 0, 3, 4) is None
    assert pytest.approx(1.96, abs=1e-3) == Z_95


def test_the_periods_compared():
    assert before(date(2026, 11, 1), date(2026, 11, 30)) == (date(2026, 10, 1), date(2026, 10, 31))
    assert before(date(2026, 1, 1), date(2026, 4, 30)) == (date(2025, 9, 1), date(2025, 12, 31))
    assert year_before(date(2026, 1, 1), date(2026, 2, 28)) == (date(2025, 1, 1), date(2025, 2, 28))
    assert year_before(date(2028, 2, 1), date(2028, 2, 29)) == (date(2027, 2, 1), date(2027, 2, 28))


CONFIG = """
[[organisation.sites]]
id = "a"
name = "A"
devices = ["a-1"]
[[organisation.sites]]
id = "b"
name = "B"
devices = ["b-1"]
[[organisation.sites]]
id = "c"
name = "C"
devices = ["c-1"]
"""
#: (device, site, year, month, satisfied, not satisfied) for overall
VISITS = [
    ("a-1", "a", 2026, 11, 45, 5), ("a-1", "a", 2026, 10, 30, 20), ("a-1", "a", 2025, 11, 44, 6),
    ("b-1", "b", 2026, 11, 17, 3), ("b-1", "b", 2026, 10, 15, 5),
    ("c-1", "c", 2026, 11, 3, 1),  # too few: hidden, never compared
    # the whole minus a and b would be c: d, the smallest other, is hidden with it
    ("d-1", "d", 2026, 11, 8, 2),
]  # fmt: skip


def test_sites_ranked_with_their_changes_from_a_real_store(store, tmp_path):
    sent: list[Any] = []
    seqs: dict[str, int] = {}
    for device, site, year, month, happy, unhappy in VISITS:
        for grade in [5] * happy + [1] * unhappy:
            seqs[device] = seqs.get(device, 0) + 1
            message = build_response(
                SURVEY, device=device, seq=seqs[device], site=site, lang="sv",
                answers={"overall": grade}, at=datetime(year, month, 12, 10, tzinfo=UTC),
            )  # fmt: skip
            sent.append((message, encode(message)))
    store.ingest(Batch(responses=sent), datetime.now(UTC))
    (tmp_path / "server.toml").write_text(CONFIG, encoding="utf-8")
    organisation = load_server_config(tmp_path / "server.toml").organisation

    def over(first, last):
        return report(store, SURVEY, organisation, first=first, last=last, by="site")

    now = over(date(2026, 11, 1), date(2026, 11, 30))
    rows = compare(now, over(*before(date(2026, 11, 1), date(2026, 11, 30))),
                   over(*year_before(date(2026, 11, 1), date(2026, 11, 30))), "overall")  # fmt: skip
    assert [row["key"] for row in rows] == ["a", "b", "c", "d"]  # 90 %, 85 %, hidden last
    a, b, c, d = rows
    assert a["earlier"]["points"] == pytest.approx(30.0)
    assert a["earlier"]["z"] == pytest.approx(3.4641, abs=1e-4) and a["earlier"]["significant"]
    assert a["last_year"]["points"] == pytest.approx(2.0)  # 90 % against 88 %
    assert not a["last_year"]["significant"]
    assert b["earlier"]["z"] == pytest.approx(0.790569, abs=1e-6)
    assert not b["earlier"]["significant"] and b["last_year"] is None  # none a year ago
    assert c["figures"]["suppressed"] and c["earlier"] is None and c["last_year"] is None
    assert d["figures"]["complementary"] and d["earlier"] is None
