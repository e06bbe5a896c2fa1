"""The web app in a real browser (Playwright driving Debian's Chromium, headless).

Skipped when /usr/bin/chromium is missing (`.ci/run` installs it). The screenshot of a result
page is saved to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

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
def base_url(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "browser.db")
    with running_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.dialogs, pg.console_errors = [], []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    yield pg
    context.close()


def paste_and_analyse(page, base_url, text):
    page.goto(base_url + "/")
    page.fill("#text", text)
    page.click("#analyse")
    page.wait_for_url("**/a/*")


def test_paste_highlight_click_toggle(page, base_url, example_text):
    paste_and_analyse(page, base_url, example_text)
    marks = page.locator("mark.ps")
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
    only_this = page.locator(f'mark.ps[data-techs="{name}"]')
    n = only_this.count()
    assert n > 0
    page.locator(f'input.ps-toggle[value="{name}"]').uncheck()
    assert page.locator(f'mark.ps.off[data-techs="{name}"]').count() == n
    page.locator(f'input.ps-toggle[value="{name}"]').check()
    assert page.locator(f'mark.ps.off[data-techs="{name}"]').count() == 0

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "result-page.png"), full_page=True)

    # permalink reloads the same analysis; history lists it
    permalink = page.url
    title = page.locator("#title").inner_text()
    page.goto(permalink)
    assert page.locator("#title").inner_text() == title and page.locator("mark.ps").count() == marks.count()
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
