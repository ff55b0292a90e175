"""Regenerate the README's screenshots of the web UI: docs/web-desktop.png (1366×900) and docs/web-mobile.png (390×844).

Serves the seed index (building it first into --index-dir if it is not there) and asks one question per language in
Debian's headless Chromium (`apt-get install -y chromium fonts-noto-cjk`):

    python scripts/screenshots.py [--index-dir /tmp/seed-index] [--out docs]
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from bot.webapp import serve_in_background  # noqa: E402
from index.settings import SEEDS_DIR, Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ["What did Ishiba give Trump?", "이시바 총리는 트럼프에게 무엇을 선물했나?"]


def ask(page, question: str, n: int) -> None:
    box = page.get_by_role("textbox", name="Question")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#sources .turn")).to_have_count(n, timeout=120_000)
    expect(page.locator("#send-btn")).to_be_visible(timeout=60_000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, default=Path("/tmp/seedbot-screenshots-index"))
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    settings = Settings.load(env={}, index_dir=args.index_dir, docs=[SEEDS_DIR])
    from bot.chain import open_chatbot

    chatbot = open_chatbot(settings)  # builds the seed index first if there is none
    args.out.mkdir(parents=True, exist_ok=True)
    app, url = serve_in_background(settings, chatbot)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            for name, viewport, mobile in (("web-desktop.png", {"width": 1366, "height": 900}, False), ("web-mobile.png", {"width": 390, "height": 844}, True)):
                page = browser.new_context(viewport=viewport, is_mobile=mobile, device_scale_factor=1).new_page()
                page.goto(url)
                page.wait_for_function("document.body.dataset.ready === '1'", timeout=60_000)
                for i, q in enumerate(QUESTIONS[: 1 if mobile else 2], start=1):
                    ask(page, q, i)
                if not mobile:
                    page.locator("#sources .card a, [data-testid='bot'] a.cite").last.hover()
                page.wait_for_timeout(800)
                page.screenshot(path=str(args.out / name))
                print(f"wrote {args.out / name}")
                page.context.close()
            browser.close()
    finally:
        app.close()


if __name__ == "__main__":
    main()
