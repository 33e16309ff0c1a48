"""The dashboard against WCAG 2.1 AA, in Debian's headless Chromium on a real server.

axe-core (from the npm registry, fetched by setup.sh) runs on every page in Swedish and
English and must find nothing. axe finds only part of WCAG, so the rest is tested here
too: a keyboard-only walk with the focus always visible, reflow at 320 CSS px, text
spacing, and every chart's numbers written out beside it.
"""

import json
from pathlib import Path

import pytest
from dashboard_site import ARGS, CHROMIUM, VIEWS, log_in
from playwright.sync_api import sync_playwright

VENV = Path(__file__).resolve().parent.parent / ".venv"
AXE = sorted((VENV / "share" / "axe-core").glob("axe-*.min.js"))
#: Every page a user reaches, with data in each, and two that go wrong.
PAGES = {**VIEWS, "error": "/report?from=garbage-month", "missing": "/nowhere"}
#: The WCAG 2.0 and 2.1 rules of levels A and AA.
AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def chromium():
    assert AXE, "axe-core is missing: ./setup.sh install fetches it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def axe(page):
    """The violations axe-core finds on ``page``, as (rule, impact, where, what)."""
    page.add_script_tag(path=str(AXE[-1]))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations",
        AA,
    )
    return [
        (v["id"], v["impact"], node["target"], node["failureSummary"][:200])
        for v in found
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_axe_finds_nothing_on_any_page(server, chromium, lang, size):
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    width, height = size
    context = chromium.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    page = context.new_page()
    found = {}
    page.goto(f"{base}/login?lang={lang}")
    found["login"] = axe(page)
    log_in(page, base)
    for name, path in PAGES.items():
        joined = "&" if "?" in path else "?"
        page.goto(f"{base}{path}{joined}lang={lang}")
        found[name] = axe(page)
    context.close()
    bad = {name: violations for name, violations in found.items() if violations}
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


FOCUSABLE = """() => [...document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]')]
  .filter(e => !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .length"""

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2)
               || style.boxShadow !== 'none';
  const box = e.getBoundingClientRect();
  const seen = box.width > 0 && box.height > 0 && box.top < window.innerHeight
               && box.bottom > 0 && box.left < window.innerWidth && box.right > 0;
  return {where: e.tagName + ' ' + (e.textContent || e.name || e.getAttribute('aria-label') || '')
          .trim().slice(0, 40), ring: ring, seen: seen};
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_a_keyboard_reaches_everything_on_every_page_and_always_shows_where_it_is(
    server, chromium, width
):
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    page = chromium.new_page(viewport={"width": width, "height": 800})
    # logged in by keyboard alone
    page.goto(f"{base}/login")
    page.keyboard.press("Tab")  # the skip link first
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "name":
            break
    page.keyboard.type("anna")
    page.keyboard.press("Tab")
    page.keyboard.type("ett-långt-lösenord")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/?lang=sv")
    problems = []
    for name, path in PAGES.items():
        page.goto(base + path)
        expected = page.evaluate(FOCUSABLE)
        reached: list[dict[str, object]] = []
        for _ in range(expected + 5):
            page.keyboard.press("Tab")
            now = page.evaluate(FOCUSED)
            if now is None:
                break
            if reached and now["where"] == reached[0]["where"]:
                break
            reached.append(now)
            if not now["ring"]:
                problems.append(f"{name}: {now['where']!r} has no visible focus")
            if not now["seen"]:
                problems.append(f"{name}: {now['where']!r} is focused off screen")
        if len(reached) < expected:
            problems.append(f"{name}: {len(reached)} of {expected} controls reached by Tab")
    page.close()
    assert not problems, "\n".join(problems)


def test_the_filters_work_by_keyboard_alone(server, chromium):
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    page = chromium.new_page(viewport={"width": 1366, "height": 800})
    log_in(page, base)
    page.goto(f"{base}{PAGES['overview']}")
    page.focus("select[name=unit]")
    chosen = "document.querySelector('select[name=unit]').value"
    for _ in range(5):  # down the list to Kultur och fritid
        page.keyboard.press("ArrowDown")
        if page.evaluate(chosen) == "kultur":
            break
    assert page.evaluate(chosen) == "kultur"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "unit=kultur" in page.url
    assert "Stadsbiblioteket" in page.content() and "Kontaktcenter ·" not in page.content()
    page.close()


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrolls = e => { for (let p = e.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX; if (x === 'auto' || x === 'scroll') return true; }
    return false; };
  const out = [...document.body.querySelectorAll('*')].filter(e => {
      const box = e.getBoundingClientRect();
      return box.width > 0 && (box.right > width + 1 || box.left < -1) && !scrolls(e)
             && !e.classList.contains('skip');
  }).map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 30));
  return {page: document.documentElement.scrollWidth, width: width, out: out.slice(0, 8)};
}"""


def test_every_page_reflows_at_320_css_pixels(server, chromium):
    """WCAG 1.4.10: at 320 CSS px nothing needs scrolling sideways but a data table,
    which scrolls in its own region (a keyboard reaches it: the walk above)."""
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    page = chromium.new_page(viewport={"width": 320, "height": 640})
    log_in(page, base)
    problems = {}
    for name, path in {"login": "/login", **PAGES}.items():
        page.goto(base + path)
        found = page.evaluate(OVERFLOW)
        if found["page"] > found["width"] or found["out"]:
            problems[name] = found
    page.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


SPACING = """* { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"""

#: Elements whose text is clipped; not the 1 px boxes that hold words for screen readers
#: only (column names of bars, a phone's table headings), which are hidden on purpose.
CLIPPED = """() => [...document.body.querySelectorAll('*')].filter(e => {
    const style = getComputedStyle(e);
    const hides = v => v === 'hidden' || v === 'clip';
    if (e.clientWidth <= 1 && e.clientHeight <= 1) return false;
    return (hides(style.overflowX) && e.scrollWidth > e.clientWidth + 1)
        || (hides(style.overflowY) && e.scrollHeight > e.clientHeight + 1);
  }).map(e => e.tagName + ' ' + (e.textContent || '').trim().slice(0, 30))"""


@pytest.mark.parametrize("width", [1366, 390])
def test_text_spacing_cuts_nothing_off(server, chromium, width):
    """WCAG 1.4.12: with line height 1.5, letter spacing 0.12 em, word spacing 0.16 em and
    paragraph spacing 2 em, no text is clipped and no page scrolls sideways."""
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    context = chromium.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
    page = context.new_page()
    log_in(page, base)
    problems = {}
    for name, path in PAGES.items():
        page.goto(base + path)
        page.add_style_tag(content=SPACING)
        clipped = page.evaluate(CLIPPED)
        overflow = page.evaluate(OVERFLOW)
        if clipped or overflow["out"] or overflow["page"] > overflow["width"]:
            problems[name] = {"clipped": clipped, **overflow}
    context.close()
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)


NUMBERS = """() => [...document.querySelectorAll('svg[role=img]')].map(svg => {
  const box = svg.parentElement.classList.contains('chartbox') ? svg.parentElement : svg;
  const values = box.nextElementSibling;
  const drawn = [...svg.querySelectorAll('text')].map(t => t.textContent.trim())
    .filter(t => /\\d/.test(t) && t !== '0' && t !== '50' && t !== '100');
  const table = values && values.matches('details.values') ? values.querySelector('table') : null;
  return {label: svg.getAttribute('aria-label'), drawn: drawn,
          written: table ? table.textContent : null};
})"""


def test_every_chart_has_its_numbers_in_a_table_beside_it(server, chromium):
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    page = chromium.new_page(viewport={"width": 1366, "height": 800})
    log_in(page, base)
    checked = 0
    problems = []
    for name in ("overview", "trend", "hours"):
        page.goto(base + PAGES[name])
        for chart in page.evaluate(NUMBERS):
            checked += 1
            if chart["written"] is None:
                problems.append(f"{name}: {chart['label']!r} has no table of its numbers")
                continue
            missing = [n for n in chart["drawn"] if n.split()[0] not in chart["written"]]
            if missing:
                problems.append(f"{name}: {chart['label']!r} lacks {missing[:5]} in its table")
    page.close()
    assert checked >= 5
    assert not problems, "\n".join(problems)


PHONE = """() => {
  const width = document.documentElement.clientWidth;
  const small = [...document.querySelectorAll('svg[role=img] text')].map(t => {
      const size = parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a;
      return [t.textContent.trim().slice(0, 20), Math.round(size * 10) / 10];
    }).filter(([, size]) => size < 11);
  const cut = [...document.querySelectorAll('table.stack')].filter(t => {
      const box = t.getBoundingClientRect();
      return box.right > width + 1 || t.scrollWidth > t.clientWidth + 1;
    }).map(t => (t.textContent || '').trim().slice(0, 30));
  return {small: small.slice(0, 5), cut: cut, texts: document.querySelectorAll('svg[role=img] text').length,
          stacks: document.querySelectorAll('table.stack').length};
}"""


def test_on_a_phone_chart_words_stay_readable_and_figure_tables_fit(server, chromium):
    """At 390×844 (a phone): every word and number drawn in a chart is at least 11 px (its
    box scrolls rather than shrinking it), and every table of figures fits the screen, one
    block per row, with nothing cut off."""
    port, _ = server
    base = f"http://127.0.0.1:{port}"
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    log_in(page, base)
    problems, texts, stacks = {}, 0, 0
    for name in ("overview", "report", "trend", "compare", "devices", "hours"):
        page.goto(base + PAGES[name])
        found = page.evaluate(PHONE)
        texts, stacks = texts + found["texts"], stacks + found["stacks"]
        if found["small"] or found["cut"]:
            problems[name] = found
    page.close()
    assert texts > 100 and stacks >= 5  # the pages have charts and tables to check
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)
