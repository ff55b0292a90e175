"""End to end in a real headless Chromium (Debian's package, driven by Playwright): what a user sees.

Screenshots go to $BOT_TEST_OUTPUT (e.g. test-output/) when set, else to the test's tmp_path.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from index.settings import Settings
from bot.webapp import serve_in_background

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "!!! BROWSER TESTS SKIPPED: /usr/bin/chromium is missing. Install it: apt-get install -y chromium fonts-noto-cjk !!!",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
HELMET_FILE = "003_ae09e089aea9dcdf.txt"
HELMET = "황금 사무라이 투구"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def out_dir(tmp_path) -> Path:
    d = Path(os.environ["BOT_TEST_OUTPUT"]) if os.environ.get("BOT_TEST_OUTPUT") else tmp_path
    d.mkdir(parents=True, exist_ok=True)
    return d


class Watch:
    """Records what must never happen: a JS dialog (an injected script ran) or a request leaving the machine."""

    def __init__(self, page: Page, url: str):
        self.dialogs: list[str] = []
        self.external: list[str] = []
        host = urlparse(url).hostname
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.external.append(r.url) if urlparse(r.url).hostname not in (host, None) and not r.url.startswith("data:") else None)


def open_page(browser, url: str) -> tuple[Page, Watch]:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    watch = Watch(page, url)
    page.goto(url)
    expect(page.get_by_placeholder("Ask a question… (Enter to send)")).to_be_visible(timeout=20_000)
    return page, watch


def ask(page: Page, question: str, answers: int) -> None:
    box = page.get_by_placeholder("Ask a question… (Enter to send)")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#sources .turn")).to_have_count(answers, timeout=30_000)


def test_ask_see_cited_source_then_follow_up(browser, seed_settings, chatbot, out_dir):
    app, url = serve_in_background(seed_settings, chatbot)
    try:
        page, watch = open_page(browser, url)
        page.screenshot(path=str(out_dir / "webapp-empty.png"))
        ask(page, "What did Ishiba give Trump?", answers=1)
        card = page.locator("#sources .card", has=page.locator("mark", has_text=HELMET))
        expect(card).to_contain_text(HELMET_FILE)
        bot_msgs = page.locator("[data-testid='bot']")
        expect(bot_msgs.last).to_contain_text("사무라이 투구")
        card_id = card.get_attribute("id")
        page.locator(f'a[href="#{card_id}"]').first.click()  # [n] brings its card into view
        expect(card).to_have_class("card flash")
        expect(card).to_be_in_viewport()
        page.screenshot(path=str(out_dir / "webapp-answer.png"))

        ask(page, "Where was it prepared?", answers=2)
        expect(page.locator("#src-2-1")).to_be_visible()
        expect(bot_msgs).to_have_count(2)
        expect(bot_msgs.last).not_to_be_empty()
        page.screenshot(path=str(out_dir / "webapp-follow-up.png"))

        # a question that is markup is shown as text in the chat and the sources header, and runs nothing
        ask(page, "<img src=x onerror=alert(1)><script>alert(2)</script> What did Ishiba give Trump?", answers=3)
        expect(page.locator("#sources .turn-head")).to_contain_text("<img src=x onerror=alert(1)>")
        assert page.locator("#sources img, .message-wrap img[src='x']").count() == 0
        assert watch.dialogs == [] and watch.external == []
    finally:
        app.close()


def test_uploaded_document_with_markup_is_escaped_in_the_page(browser, tmp_path, out_dir):
    """Upload through the file picker into an empty index, ask about it: its <script> shows as text, no dialog."""
    settings = Settings.load(env={}, index_dir=tmp_path / "index", docs=[tmp_path / "none"])
    doc = tmp_path / "festival.txt"
    doc.write_text(
        "The Ulsan whale festival opens every June with a lantern parade.\n\n"
        "Visitors to the Ulsan whale festival read <script>alert(1)</script> and <img src=x onerror=alert(2)> banners.\n",
        encoding="utf-8",
    )
    app, url = serve_in_background(settings)
    try:
        page, watch = open_page(browser, url)
        page.locator("#panel-btn").click()
        page.locator("input[type=file]").set_input_files(str(doc))
        expect(page.locator("#upload-status")).to_contain_text("1 added", timeout=60_000)
        expect(page.locator("#index-info")).to_contain_text("festival.txt")
        ask(page, "What do visitors to the Ulsan whale festival read?", answers=1)
        expect(page.locator("#src-1-1 .passage")).to_contain_text("<script>alert(1)</script>")
        assert page.locator("#sources script, #sources img").count() == 0
        page.screenshot(path=str(out_dir / "webapp-upload.png"))
        assert watch.dialogs == [] and watch.external == []
    finally:
        app.close()
