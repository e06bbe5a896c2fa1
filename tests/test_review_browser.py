"""Review mode in a real browser (issue 30, part 1): Debian's Chromium via Playwright at 1280 and
375 px. Keyboard review to Finish, touch review through the bottom sheet with the API key, adding a
passage from a selection, undo, and the notice without JavaScript. The stored text has an emoji
before the passages and CR LF, so UTF-16 offsets would land two or four characters off.
Screenshots go to test-artifacts/review-*.png for a person to look at."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from propscan.doc import AnalysedDocument, Span
from propscan.review import Decision
from test_web_browser import ARTIFACTS, CHROMIUM, browser, watched_page  # noqa: F401 (browser: a fixture)
from web_helpers import make_app, running_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium not installed (apt-get install -y chromium)")

LL, NC, FEAR, EXG, FLAG, SLO = ("Loaded_Language", "Name_Calling,Labeling", "Appeal_to_fear-prejudice",
                                "Exaggeration,Minimisation", "Flag-Waving", "Slogans")
TEXT = ("Bridge Vote 😀 Tonight\r\n\r\nThe reckless, corrupt mayor 🙈 and her clueless cronies want to destroy our "
        "town. Make no mistake: this is the worst decision in the history of our city. Real patriots will stand "
        "up and fight. Stop the madness now!\r\n")
KEY = "s3cret-review-key"


def at(words: str, technique: str) -> tuple[int, int, str]:
    start = TEXT.index(words)  # Python counts code points, as the API does
    return (start, start + len(words), technique)


SPANS = [(at("reckless", LL), 0.8), (at("corrupt mayor", NC), 0.7), (at("clueless cronies", NC), 0.6),
         (at("destroy our town", FEAR), 0.5), (at("the worst decision in the history of our city", EXG), 0.45),
         (at("Real patriots", FLAG), 0.3), (at("Stop the madness now!", SLO), 0.55)]


def store_article(app) -> str:
    doc = AnalysedDocument(text=TEXT, source="pasted", title="Bridge Vote 😀 Tonight", model_version="fixture",
                           min_confidence=0.4, spans=[Span(*k, c) for k, c in SPANS])
    stored, _ = app.state.store.add(doc, source_kind="pasted")
    return stored.id


@pytest.fixture(scope="module")
def server(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "review.db")
    with running_server(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def keyed_server(analyzer, tmp_path_factory):
    app = make_app(analyzer, tmp_path_factory.mktemp("db") / "keyed.db", api_key=KEY)
    with running_server(app) as url:
        yield url, app


def review_of(url: str, analysis_id: str, reviewer: str) -> dict:
    data = httpx.get(f"{url}/api/v1/analyses/{analysis_id}/review", params={"reviewer": reviewer}).json()
    assert len(data["reviews"]) == 1, data
    return data["reviews"][0]


def decided(review: dict) -> dict:
    return {(d["start"], d["end"], d["technique"]): (d["decision"], d["new_start"], d["new_end"], d["new_technique"])
            for d in review["decisions"]}


def select_text(pg, words: str) -> None:
    """Select `words` in the review article as a reader's drag would (a DOM range over its text nodes)."""
    pg.evaluate("""words => {
        const article = document.getElementById('rv-article');
        const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
        const nodes = []; let all = '';
        while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]); all += walker.currentNode.data; }
        const from = all.indexOf(words), to = from + words.length;
        const point = (i, end) => { for (const [n, at] of nodes) { if (i < at + n.data.length || (end && i === at + n.data.length)) return [n, i - at]; } };
        const range = document.createRange();
        range.setStart(...point(from, false)); range.setEnd(...point(to, true));
        const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
    }""", words)


def tap_passage(pg, nth: int) -> None:
    """Scroll a passage above the bottom sheet, as a reader would, and tap it."""
    mark = pg.locator("#rv-article mark.rv").nth(nth)
    mark.evaluate("m => window.scrollBy(0, m.getBoundingClientRect().top - 120)")
    mark.tap()


def current_text(pg) -> str:
    return pg.locator("#ps-details q").first.inner_text()


def test_keyboard_review_to_finish_with_a_passage_added_from_a_selection_and_an_undo(browser, server):  # noqa: F811
    url, app = server
    analysis_id = store_article(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = watched_page(context)
    pg.goto(f"{url}/a/{analysis_id}")
    pg.click("#rv-start")
    pg.fill("#rv-name", "Ana Ruiz")
    pg.press("#rv-name", "Enter")
    pg.wait_for_selector("#rv-article mark.rv-cur")
    assert pg.locator("#rv-progress").inner_text() == "0 of 6 decided"  # 'Real patriots' is below the threshold
    pg.check("#rv-uncertain")  # the less certain ones too, when the reviewer asks for them
    assert pg.locator("#rv-progress").inner_text() == "0 of 7 decided"
    pg.uncheck("#rv-uncertain")  # the keys still work with the box in focus
    assert current_text(pg) == "reckless"
    pg.keyboard.press("a")  # accept, and on to the next
    assert current_text(pg) == "corrupt mayor"
    pg.keyboard.press("x")  # reject
    assert current_text(pg) == "clueless cronies"
    pg.keyboard.press("l")  # relabel as Loaded language
    assert "relabelled" in pg.locator("#ps-details .rv-state").inner_text()
    pg.keyboard.press("j")
    assert current_text(pg) == "destroy our town"
    pg.keyboard.press("]")  # end one word later...
    assert current_text(pg) == "destroy our town."
    pg.keyboard.press("u")  # ...undone
    assert current_text(pg) == "destroy our town" and "not decided" in pg.locator(".rv-state").inner_text()
    pg.keyboard.press("a")
    select_text(pg, "Real patriots will stand up and fight")
    pg.wait_for_selector("#rv-add")
    pg.keyboard.press("w")  # with text selected, a technique's key adds it
    assert current_text(pg) == "Real patriots will stand up and fight"
    assert pg.locator("#rv-progress").inner_text() == "4 of 6 decided · 1 added"
    pg.keyboard.press("?")
    assert pg.locator("#rv-help").is_visible()
    pg.screenshot(path=str(ARTIFACTS / "review-help.png"))
    pg.keyboard.press("Escape")
    assert not pg.locator("#rv-help").is_visible()
    pg.keyboard.press("Shift+F")
    confirm = pg.locator("#rv-confirm-text").inner_text()
    assert confirm.startswith("2 of the 6 passages shown are undecided: finishing counts them as rejected.")
    assert "will hold the 4 passages accepted or added" in confirm
    pg.screenshot(path=str(ARTIFACTS / "review-desktop.png"), full_page=True)
    pg.keyboard.press("Enter")  # the focused 'Finish the review'
    pg.wait_for_selector("#rv-done:not([hidden])")
    assert "holds 4 passages" in pg.locator("#rv-done").inner_text()
    review = review_of(url, analysis_id, "Ana Ruiz")
    assert review["finished"]
    added = at("Real patriots will stand up and fight", FLAG)
    assert decided(review) == {
        at("reckless", LL): ("accept", None, None, None),
        at("corrupt mayor", NC): ("reject", None, None, None),
        at("clueless cronies", NC): ("relabel", None, None, LL),
        at("destroy our town", FEAR): ("accept", None, None, None),
        added: ("add", None, None, None),
        at("the worst decision in the history of our city", EXG): ("reject", None, None, None),
        at("Stop the madness now!", SLO): ("reject", None, None, None)}
    assert sorted(tuple(s.values()) for s in review["spans"]) == sorted(
        [at("reckless", LL), at("clueless cronies", LL), at("destroy our town", FEAR), added])
    # the name is remembered: the next visit reviews as Ana Ruiz without asking, her decisions back
    pg.reload()
    pg.click("#rv-start")
    pg.wait_for_selector("#rv-article mark.rv-cur")
    assert pg.locator("#rv-who").inner_text() == "Reviewing as Ana Ruiz"
    assert pg.locator("#rv-progress").inner_text() == "6 of 6 decided · 1 added"
    # what reviewers agree with, from this review
    pg.goto(f"{url}/reviews")
    assert pg.locator('#agreement tr[data-tech="Flag-Waving"] td').last.inner_text() == "1"  # the added passage
    pg.screenshot(path=str(ARTIFACTS / "reviews-page.png"))
    assert pg.console_errors == []
    context.close()


def test_touch_review_at_375_px_through_the_bottom_sheet_with_the_api_key(browser, keyed_server):  # noqa: F811
    url, app = keyed_server
    analysis_id = store_article(app)
    context = browser.new_context(viewport={"width": 375, "height": 740}, has_touch=True, is_mobile=True,
                                  device_scale_factor=2)
    pg = watched_page(context)
    pg.goto(f"{url}/a/{analysis_id}")
    pg.tap("#rv-start")
    pg.fill("#rv-name", "Ben")
    pg.fill("#rv-key", "not the key")
    pg.tap("#rv-begin")
    tap_passage(pg, 2)  # the third passage: 'clueless cronies'
    sheet = pg.locator("#ps-details")
    box = sheet.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(740, abs=2) and box["width"] == pytest.approx(375, abs=2)
    assert current_text(pg) == "clueless cronies"
    pg.tap("#rv-accept")  # refused: the key is wrong, so the form asks again and nothing is stored yet
    pg.wait_for_selector("#rv-setup-error:not([hidden])")
    assert "API key" in pg.locator("#rv-error").inner_text()
    assert httpx.get(f"{url}/api/v1/analyses/{analysis_id}/review").json()["reviews"] == []
    pg.fill("#rv-key", KEY)
    pg.tap("#rv-begin")  # the decision on screen is saved with the right key
    expect(pg.locator("#rv-saved")).to_have_text("saved")
    assert decided(review_of(url, analysis_id, "Ben")) == {at("clueless cronies", NC): ("accept", None, None, None)}
    tap_passage(pg, 0)
    assert current_text(pg) == "reckless"
    pg.tap("#rv-reject")
    assert current_text(pg) == "corrupt mayor"
    pg.select_option("#rv-technique", LL)  # change the technique
    pg.tap("#rv-end-later")  # and the extent: 'corrupt mayor 🙈', the emoji taken in
    assert current_text(pg) == "corrupt mayor 🙈"
    pg.tap("#rv-next")
    pg.tap("#rv-end-later")
    pg.tap("#rv-sheet-undo")  # undo that
    assert current_text(pg) == "clueless cronies" and pg.locator(".rv-state").inner_text() == "accepted"
    select_text(pg, "Make no mistake")
    pg.wait_for_selector("#rv-add")
    pg.select_option("#rv-add-technique", "Thought-terminating_Cliches")
    pg.screenshot(path=str(ARTIFACTS / "review-phone.png"))
    pg.tap("#rv-add-button")
    assert current_text(pg) == "Make no mistake"
    expect(pg.locator("#rv-saved")).to_have_text("saved")
    pg.screenshot(path=str(ARTIFACTS / "review-phone-added.png"))
    pg.tap("#rv-finish")
    assert pg.locator("#rv-confirm-text").inner_text().startswith("3 of the 6 passages shown are undecided")
    pg.tap("#rv-finish-yes")
    pg.wait_for_selector("#rv-done:not([hidden])")
    review = review_of(url, analysis_id, "Ben")
    wider = at("corrupt mayor 🙈", NC)
    assert review["finished"]
    got = decided(review)
    assert got[at("reckless", LL)][0] == "reject"
    assert got[at("corrupt mayor", NC)] == ("extend", wider[0], wider[1], LL)
    assert got[at("Make no mistake", "Thought-terminating_Cliches")] == ("add", None, None, None)
    assert got[at("clueless cronies", NC)][0] == "accept"
    assert [k for k, v in got.items() if v[0] == "reject"] == [at("reckless", LL), at("destroy our town", FEAR),
                                                             at("the worst decision in the history of our city", EXG),
                                                             at("Stop the madness now!", SLO)]
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide at 375"
    assert [e for e in pg.console_errors if "401" not in e] == []
    context.close()


def test_without_javascript_the_page_says_reviewing_needs_it(browser, server):  # noqa: F811
    url, app = server
    analysis_id = store_article(app)
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{url}/a/{analysis_id}")
    notice = pg.locator("#rv-nojs")
    assert notice.is_visible() and "needs JavaScript" in notice.inner_text()
    assert not pg.locator("#rv-start").is_visible() and not pg.locator("#rv-bar").is_visible()
    pg.screenshot(path=str(ARTIFACTS / "review-nojs-phone.png"))
    app.state.store.save_review(analysis_id, "Cy", [Decision(*at("reckless", LL), "accept")], finished=False)
    pg.goto(f"{url}/reviews")  # the Reviews page needs no script, and fits a phone
    assert pg.locator("#agreement").is_visible()
    assert pg.evaluate("document.documentElement.scrollWidth") <= 375
    pg.screenshot(path=str(ARTIFACTS / "reviews-page-phone.png"), full_page=True)
    context.close()
