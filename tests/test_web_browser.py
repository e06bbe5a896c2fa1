"""The web app in a real browser (Playwright driving Debian's Chromium, headless).

Skipped when /usr/bin/chromium is missing (`.ci/run` installs it). The screenshot of a result
page is saved to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import json

import os
from pathlib import Path

import pytest

from conftest import ROOT
from web_helpers import make_app, running_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("PROPSCAN_ARTIFACTS", ROOT / "test-artifacts"))
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed (apt-get install -y chromium)")

XSS_TITLE = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>'
XSS_TEXT = (
    XSS_TITLE + "\n\nThe corrupt, reckless mayor <svg onload=\"window.__pwned=3\"></svg> and her clueless cronies "
    "want to destroy our town. <a href=\"javascript:window.__pwned=4\">click</a> "
    "Make no mistake: this is the worst, most disastrous decision in the history of our city. "
    "Stop the madness now! \"><script>window.__pwned=5</script>\n"
)


@pytest.fixture(scope="module")
def server(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "browser.db")
    with running_server(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def base_url(server):
    return server[0]


TWO_TECHNIQUES = "Stop the Invasion\n\nThe corrupt elites will flood our towns with criminals. Stop them now!\n"


@pytest.fixture(scope="module")
def overlap_url(server):
    """A stored analysis with one passage under two techniques (as the model can produce), to see
    how the page shows it."""
    from propscan.doc import AnalysedDocument, Span

    url, app = server
    text = TWO_TECHNIQUES
    start = text.index("The corrupt")
    doc = AnalysedDocument(text=text, source="pasted", title="Stop the Invasion", model_version="fixture",
                           spans=[Span(start + 4, start + 18, "Name_Calling,Labeling", 0.62),
                                  Span(start, text.index("!") + 1, "Appeal_to_fear-prejudice", 0.41),
                                  Span(text.index("Stop them"), text.index("!") + 1, "Slogans", 0.55)])
    stored, _ = app.state.store.add(doc, source_kind="pasted")
    return f"{url}/a/{stored.id}"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def watched_page(context):
    """A page that records its dialogs and its console and script errors."""
    pg = context.new_page()
    pg.dialogs, pg.console_errors = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    return pg


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield watched_page(context)
    context.close()


def desktop_and_phone(browser, stem: str):
    """A watched page at desktop width, then at phone width, each with its screenshot name
    (STEM.png, STEM-phone.png)."""
    for width, name in ((1200, f"{stem}.png"), (375, f"{stem}-phone.png")):
        context = browser.new_context(viewport={"width": width, "height": 900})
        try:
            yield watched_page(context), name
        finally:
            context.close()


def open_switches(pg):
    """On a phone the legend and switches are folded into a bar above the article: open it."""
    if not pg.locator("#ps-controls").evaluate("d => d.open"):
        pg.locator("#ps-controls > summary").click()


def close_switches(pg):
    if pg.viewport_size["width"] <= 800 and pg.locator("#ps-controls").evaluate("d => d.open"):
        pg.locator("#ps-controls > summary").click()


def paste_and_analyse(page, base_url, text):
    page.goto(base_url + "/")
    page.fill("#text", text)
    page.click("#analyse")
    page.wait_for_url("**/a/*")


def test_paste_highlight_click_toggle(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    marks = page.locator("mark.ps:not(.off)")  # less certain passages are switched off at first
    assert marks.count() > 0
    first = marks.first
    techs = first.get_attribute("data-techs").split()
    first.click()
    details = page.locator("#ps-details .item").first
    assert details.is_visible()
    from propscan import techniques

    shown = techniques.get(techs[0])
    assert details.locator("strong").inner_text() in {techniques.get(t).title for t in techs}
    assert "confidence" in details.inner_text() and shown.definition[:30] in page.locator("#ps-details").inner_text() \
        or any(techniques.get(t).definition[:30] in page.locator("#ps-details").inner_text() for t in techs)

    # toggling a technique off removes exactly its highlights
    name = techs[0]
    only_this = page.locator(f'mark.ps:not(.off)[data-techs="{name}"]')
    n = only_this.count()
    assert n > 0
    off_before = page.locator(f'mark.ps.off[data-techs="{name}"]').count()
    page.locator(f'input.ps-toggle[value="{name}"]').uncheck()
    assert page.locator(f'mark.ps.off[data-techs="{name}"]').count() == n + off_before
    page.locator(f'input.ps-toggle[value="{name}"]').check()
    assert page.locator(f'mark.ps.off[data-techs="{name}"]').count() == off_before

    shot(page, "result-page.png")

    # permalink reloads the same analysis; history lists it
    permalink = page.url
    title = page.locator("#title").inner_text()
    page.goto(permalink)
    assert page.locator("#title").inner_text() == title and page.locator("mark.ps:not(.off)").count() == marks.count()
    page.goto(base_url + "/history")
    link = page.locator("table.history a", has_text=title[:40]).first
    assert link.is_visible()
    link.click()
    page.wait_for_url(permalink)
    assert not page.dialogs and not page.console_errors


def test_keyboard_can_open_details(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    page.locator("mark.ps").first.focus()
    page.keyboard.press("Enter")
    assert page.locator("#ps-details .item").count() >= 1


def test_xss_payloads_do_not_execute(page, base_url, site):
    paste_and_analyse(page, base_url, XSS_TEXT)
    result_url = page.url
    page.locator("mark.ps").first.click() if page.locator("mark.ps").count() else None
    for frag in ("window.__pwned", "<script>"):
        assert frag in page.locator("#ps-article").inner_text()  # shown as text
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("#ps-article img, #ps-article svg, #ps-article script, #ps-article a").count() == 0
    # in the history list, the title and source are text too
    page.goto(base_url + "/history")
    assert page.evaluate("window.__pwned === undefined")
    # a URL given to analyse is never turned into a link that runs script
    page.goto(base_url + "/")
    page.fill("#text", "")
    page.evaluate("document.querySelector('#url').type = 'text'")
    page.fill("#url", 'javascript:window.__pwned=6//"><script>window.__pwned=7</script>')
    page.click("#analyse")
    assert "http" in page.locator("#error").inner_text()
    assert page.evaluate("window.__pwned === undefined")
    page.goto(result_url)
    assert page.evaluate("window.__pwned === undefined")
    assert not page.dialogs, page.dialogs
    # the refused URL's 422 is the only error; a CSP refusal of injected script would show here too
    expected = "Failed to load resource: the server responded with a status of 422"
    assert [e for e in page.console_errors if not e.startswith(expected)] == []


def test_reading_works_without_javascript(browser, base_url, example_text):
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(base_url + "/")
    pg.fill("#text", example_text)
    pg.click("#analyse")
    pg.wait_for_url("**/a/*")
    assert pg.locator("mark.ps").count() > 0
    assert pg.locator(".passages li").count() > 0 and "What is" in pg.locator(".passages").inner_text()
    context.close()


def test_phone_viewport_has_no_horizontal_scroll(browser, base_url, example_text):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    pg = context.new_page()
    paste_and_analyse(pg, base_url, example_text)
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_toggle_filters_highlights_details_passages_counts_and_chart(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    name = page.locator("mark.ps:not(.off)").first.get_attribute("data-techs").split()[0]
    total = int(page.locator("#ps-count").inner_text())
    in_list = page.locator(f'.passages li[data-tech="{name}"]:visible').count()
    assert in_list > 0 and page.locator(f'.ps-chart .bar[data-tech="{name}"]').is_visible()
    page.locator("mark.ps:not(.off)").first.click()
    page.locator(f'input.ps-toggle[value="{name}"]').uncheck()
    assert page.locator(f'.passages li[data-tech="{name}"]:visible').count() == 0
    assert not page.locator(f'.ps-chart .bar[data-tech="{name}"]').is_visible()
    assert int(page.locator("#ps-count").inner_text()) == total - in_list
    from propscan import techniques

    assert techniques.get(name).title not in page.locator("#ps-details").inner_text()
    shot(page, "result-toggled-off.png")
    page.locator(f'input.ps-toggle[value="{name}"]').check()
    assert page.locator(f'.passages li[data-tech="{name}"]:visible').count() == in_list
    assert int(page.locator("#ps-count").inner_text()) == total
    assert not page.console_errors


def test_confidence_is_labelled_and_show_in_text_flashes_the_passage(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    item = page.locator(".passages li:visible").last
    assert "model confidence" in item.inner_text() and "Confidence is the model" in page.locator(".passages").inner_text()
    assert "share of the text" in page.locator(".ps-note").first.inner_text()
    item.locator("a.jump").click()
    index = item.get_attribute("data-span")
    flashed = page.locator("mark.ps.flash")
    assert flashed.count() >= 1 and index in flashed.first.get_attribute("data-spans").split()
    page.wait_for_timeout(700)  # smooth scroll
    box, height = flashed.first.bounding_box(), page.viewport_size["height"]
    assert 0 <= box["y"] <= height
    assert page.locator("#ps-details .item").count() >= 1


def test_colour_is_not_the_only_cue(page, overlap_url):
    from propscan import techniques

    page.goto(overlap_url)
    for mark in page.locator("mark.ps").all():
        top = techniques.get(mark.get_attribute("data-techs").split()[0])
        style = mark.evaluate("m => getComputedStyle(m).textDecorationStyle")
        assert style == top.underline
    labels = page.locator("mark.ps[data-abbr]").evaluate_all(
        "ms => ms.map(m => getComputedStyle(m, '::before').content)")
    assert labels and all(len(x.strip('"')) >= 2 for x in labels)
    # the legend lists the techniques found, in the guide's order, with the same labels
    found = sorted({"Name_Calling,Labeling", "Appeal_to_fear-prejudice", "Slogans"}, key=techniques.NAMES.index)
    assert page.locator(".ps-legend .sw").all_inner_texts() == [techniques.get(n).abbr for n in found]


def test_a_passage_with_two_techniques_shows_and_lists_both(page, overlap_url):
    page.goto(overlap_url)
    multi = page.locator("mark.ps.multi").first
    assert multi.evaluate("m => getComputedStyle(m).boxShadow") not in ("", "none")  # the second stripe
    multi.click()
    items = page.locator("#ps-details .item strong")
    assert items.count() == 2
    assert set(items.all_inner_texts()) == {"Name calling / labeling", "Appeal to fear / prejudice"}
    shot(page, "result-two-techniques.png")
    assert not page.console_errors


def test_phone_tap_opens_details_beside_the_tap(browser, base_url, example_text):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    pg = context.new_page()
    paste_and_analyse(pg, base_url, example_text)
    shot(pg, "result-phone.png")
    mark = pg.locator("mark.ps:not(.off)").last  # the last shown passage: far down the page
    mark.scroll_into_view_if_needed()
    pg.evaluate("window.scrollBy(0, -window.innerHeight + 120)")  # the passage near the bottom of the screen
    mark.tap()
    sheet = pg.locator("#ps-details")
    pg.wait_for_timeout(100)
    box = sheet.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740 + 1  # on screen, not 2,700 px below
    assert pg.locator("#ps-details .item").first.is_visible()
    tapped = mark.bounding_box()
    assert 0 <= tapped["y"] and tapped["y"] + tapped["height"] <= box["y"]  # the passage stays in sight above it
    pg.screenshot(path=str(ARTIFACTS / "result-phone-details.png"))
    pg.locator("#ps-details button.close").tap()
    assert "open" not in (sheet.get_attribute("class") or "")
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def test_delete_asks_for_confirmation(page, base_url):
    paste_and_analyse(page, base_url, "Delete me in the browser\n\nThe outrageous, reckless scheme must end.\n")
    result = page.url
    page.click("#delete")
    assert page.locator("h1").inner_text() == "Delete this analysis?"
    page.click("text=Cancel")
    page.wait_for_url(result)
    page.click("#delete")
    page.click("#confirm-delete")
    page.wait_for_url("**/history?deleted=1")
    assert "deleted" in page.locator("[role=status]").inner_text()
    assert page.goto(result).status == 404


def test_times_are_shown_in_the_readers_zone(browser, base_url, example_text):
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-GB")
    pg = context.new_page()
    paste_and_analyse(pg, base_url, example_text)
    shown = pg.locator(".ps-meta time").first
    iso = shown.get_attribute("datetime")
    assert "UTC" not in shown.inner_text() and "T" not in shown.inner_text() and iso.endswith("+00:00")
    context.close()


def test_less_certain_passages_are_hidden_until_asked_for(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    data = json.loads(page.locator("#ps-data").text_content())
    below = [s for s in data["spans"] if s["confidence"] < data["min_confidence"]]
    assert below, "the example article has passages below the display threshold"
    count = page.locator("#ps-count")
    legend_total = lambda: sum(int(b.inner_text()) for b in page.locator(".ps-legend b[data-count]").all())  # noqa: E731
    assert int(count.inner_text()) == legend_total() == len(data["spans"]) - len(below)
    assert page.locator(".passages li[data-unc]:visible").count() == 0
    assert page.locator(".ps-more").is_visible()
    # a technique with only less certain passages is not listed ("Name calling 0", ticked) until they are shown
    only_below = {s["technique"] for s in below} - {s["technique"] for s in data["spans"] if s not in below}
    assert only_below, "the example article has a technique found only below the threshold"
    rows = {n: page.locator(f'.ps-legend li[data-tech="{n}"]') for n in only_below}
    assert not any(row.is_visible() for row in rows.values())
    page.locator("#ps-uncertain").check()
    assert all(row.is_visible() and int(row.locator("b").inner_text()) > 0 for row in rows.values())
    assert int(count.inner_text()) == legend_total() == len(data["spans"])
    assert not page.locator(".ps-more").is_visible()  # no longer "N less certain hidden"
    assert page.locator(".passages li[data-unc]:visible").count() == len(below)
    assert page.locator("mark.ps.off").count() == 0
    shot(page, "result-less-certain-shown.png")
    page.locator("#ps-uncertain").uncheck()
    assert int(count.inner_text()) == len(data["spans"]) - len(below)
    assert not any(row.is_visible() for row in rows.values())
    assert not page.console_errors


def test_partisanship_gauge_and_claims_to_check(browser, base_url, example_text):
    """The reading aids on the result page: the gauge and its caution near the top, the claims list
    with jump-to, the claims marked in the text apart from the technique highlights; desktop and phone."""
    for pg, name in desktop_and_phone(browser, "result-aids"):
        paste_and_analyse(pg, base_url, example_text)
        gauge = pg.locator(".ps-partisan")
        assert gauge.is_visible() and "not a judgement of truth" in gauge.inner_text()
        probability = float(pg.locator(".ps-partisan meter").get_attribute("value"))
        assert 0 <= probability <= 1 and f"{probability:.0%}" in gauge.inner_text()
        # the gauge is above the article, so a reader on a phone meets it first
        assert gauge.bounding_box()["y"] < pg.locator("#ps-article").bounding_box()["y"]
        gauge.locator("summary").click()
        assert pg.locator(".ps-reasons li").count() > 0
        claims = pg.locator(".ps-claims li")
        marked = pg.locator("#ps-article .ps-claim")
        assert claims.count() == marked.count() > 0
        claim_style = """() => { const c = document.querySelector('#ps-article .ps-claim');
            const m = document.querySelector('#ps-article mark.ps');
            return [getComputedStyle(c).outlineStyle, getComputedStyle(c, '::before').content,
                    getComputedStyle(m).outlineStyle]; }"""
        # the outline is off at first, so the technique highlights are not drowned in dotted boxes
        assert pg.evaluate(claim_style)[:2] == ["none", "none"]
        open_switches(pg)
        pg.locator("#ps-claims-outline").check()
        # switched on, a claim looks different from a technique highlight: its own outline and label
        style = pg.evaluate(claim_style)
        assert style[0] == "dotted" and "claim" in style[1] and style[2] != "dotted"
        close_switches(pg)
        link = claims.last.locator("a.jump-claim")
        target = pg.locator("#ps-c" + link.get_attribute("data-claim"))
        assert target.inner_text().strip() in claims.last.locator("q").inner_text()
        link.click()
        pg.wait_for_function("(id) => document.getElementById(id).classList.contains('flash')",
                             arg="ps-c" + link.get_attribute("data-claim"))
        assert target.is_visible()
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        pg.evaluate("window.scrollTo(0, 0)")
        shot(pg, name)
        assert not pg.console_errors


def test_quoted_material_is_shaded_and_the_author_only_switch_works(browser, base_url):
    """Voice on the result page: quoted passages shaded apart from technique highlights, the speaker
    in the details panel, and "Only the author's own voice" hiding quoted spans everywhere."""
    from test_attribution import QUOTED_ARTICLE

    for pg, name in desktop_and_phone(browser, "result-voice"):
        paste_and_analyse(pg, base_url, QUOTED_ARTICLE)
        quoted_marks = pg.locator("#ps-article mark.ps.q:not(.off)")
        n_marks = quoted_marks.count()  # the locator is live: keep the count from before the switch
        assert n_marks > 0 and pg.locator("#ps-article .ps-q").count() > 0
        shade = pg.evaluate("getComputedStyle(document.querySelector('#ps-article .ps-q')).backgroundImage")
        assert "gradient" in shade  # the grey wash, under any technique tint
        assert "quoted from Marta Ilic" in quoted_marks.first.get_attribute("title")
        quoted_marks.first.click()
        assert "Quoted from Marta Ilic" in pg.locator("#ps-details").inner_text()
        total = int(pg.locator("#ps-count").inner_text())
        n_quoted = pg.evaluate("JSON.parse(document.getElementById('ps-data').textContent).spans"
                               ".filter(s => s.voice === 'quoted' && s.confidence >= 0.3).length")
        open_switches(pg)
        pg.locator("#ps-author-only").check()
        # every highlight still on carries a span in the author's voice (one that only reaches into a quote)
        assert pg.evaluate("""() => { const spans = JSON.parse(document.getElementById('ps-data').textContent).spans;
            return [...document.querySelectorAll('#ps-article mark.ps:not(.off)')].every(m =>
                m.dataset.spans.split(' ').some(i => spans[+i].voice === 'author')); }""")
        assert pg.locator("#ps-article mark.ps.q:not(.off)").count() < n_marks
        assert int(pg.locator("#ps-count").inner_text()) == total - n_quoted
        assert pg.locator(".passages li .voice:visible").count() == 0
        close_switches(pg)
        pg.evaluate("window.scrollTo(0, 0)")
        shot(pg, name)
        open_switches(pg)
        pg.locator("#ps-author-only").uncheck()
        assert pg.locator("#ps-article mark.ps.q:not(.off)").count() == n_marks
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert not pg.console_errors


def test_on_a_phone_the_switches_are_a_bar_above_the_article_and_the_nav_one_line(browser, base_url, example_text):
    """At 375 px the legend and switches came after the article (~5,000 px down) and the nav wrapped.
    Now: the nav is one line; the switches are a folded bar above the article that stays at the top
    of the screen while reading, opens to the toggles, and works from there."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    pg = watched_page(context)
    paste_and_analyse(pg, base_url, example_text)
    tops = pg.locator("nav.top a").evaluate_all(  # "Analyse" gives way to Reviews on a phone: the brand leads home
        "as => as.filter(a => a.getClientRects().length).map(a => Math.round(a.getBoundingClientRect().top))")
    assert len(tops) == 5 and max(tops) - min(tops) <= 6, tops
    assert pg.evaluate("(n => n.scrollWidth <= n.clientWidth)(document.querySelector('nav.top'))")  # and inside its box
    controls, article = pg.locator("#ps-controls"), pg.locator("#ps-article")
    assert controls.bounding_box()["y"] + controls.bounding_box()["height"] <= article.bounding_box()["y"]
    assert not controls.evaluate("d => d.open") and controls.bounding_box()["height"] < 60  # folded: one line
    # read on: deep in the article the bar is still at the top of the screen
    pg.locator("mark.ps:not(.off)").last.scroll_into_view_if_needed()
    pg.evaluate("window.scrollBy(0, 300)")
    assert 0 <= controls.bounding_box()["y"] < 10
    pg.locator("#ps-controls > summary").tap()
    name = pg.locator("mark.ps:not(.off)").first.get_attribute("data-techs").split()[0]
    toggle = pg.locator(f'input.ps-toggle[value="{name}"]')
    assert toggle.is_visible()
    toggle.uncheck()
    assert pg.locator(f'mark.ps:not(.off)[data-techs="{name}"]').count() == 0
    shot(pg, "result-phone-switches.png")
    toggle.check()
    assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not pg.console_errors
    context.close()


def test_wide_screen_keeps_the_switches_open_beside_the_article(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    controls, article = page.locator("#ps-controls"), page.locator("#ps-article")
    assert controls.evaluate("d => d.open") and not page.locator("#ps-controls > summary").is_visible()
    assert controls.bounding_box()["x"] > article.bounding_box()["x"] + article.bounding_box()["width"]
    assert abs(controls.bounding_box()["y"] - article.bounding_box()["y"]) < 30  # side by side, at the top


def test_history_fits_a_phone_as_cards(browser, base_url, example_text):
    """At 375 px History's seven-column table was 499 px wide: each analysis is now a card that
    fits the screen, with every figure labelled."""
    for pg, name in desktop_and_phone(browser, "history"):
        paste_and_analyse(pg, base_url, example_text)
        shown, path = pg.locator("#ps-count").inner_text(), pg.url.split("/", 3)[3]
        pg.goto(base_url + "/history")
        row = pg.locator("table.history tbody tr").filter(has=pg.locator(f'a[href="/{path}"]'))
        assert row.locator("td.n-shown").inner_text().strip().endswith(shown)
        wide = pg.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
            .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent || '').slice(0, 60))""")
        assert pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide
        assert pg.evaluate("document.querySelector('table.history').scrollWidth <= window.innerWidth")
        if name.endswith("-phone.png"):
            assert row.bounding_box()["width"] <= 375 and row.evaluate("r => getComputedStyle(r).display") == "block"
            assert "Passages shown" in row.locator("td.n-shown").evaluate("td => getComputedStyle(td, '::before').content")
        shot(pg, name)
        assert not pg.console_errors


def test_a_too_large_upload_shows_the_form_again_with_the_message(browser, analyzer, tmp_path):
    """Through a real server and browser (the upload is refused mid-way): the page, not raw JSON."""
    big = tmp_path / "whole-archive.txt"
    big.write_bytes(b"The reckless council will ruin the harbour. " * 70_000)  # ~3 MB
    with running_server(make_app(analyzer, tmp_path / "big.db", max_body=100_000)) as url:
        for pg, name in desktop_and_phone(browser, "upload-too-large"):
            pg.goto(url + "/")
            pg.set_input_files("#file", str(big))
            with pg.expect_navigation():
                pg.click("#analyse")
            assert "over the 100,000-byte limit" in pg.locator("#error").inner_text()
            assert pg.locator("#file").is_visible()  # the form, to try again
            shot(pg, name)
