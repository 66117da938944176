"""Playwright drives a real Chromium against pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread, and Django refuses ORM calls
from a thread with a running loop unless told that this is safe; here it is (the test, not an
async view, makes the calls).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CLIPCART_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        # A missing browser must fail loudly: a skipped browser test is a test nobody runs.
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. Install it with "
            "`apt-get install -y chromium` (CI does), or point CLIPCART_CHROMIUM at it.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _page(chromium, live_server, viewport):
    context = chromium.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def phone_page(chromium, live_server):
    context, page = _page(chromium, live_server, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop_page(chromium, live_server):
    context, page = _page(chromium, live_server, DESKTOP)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
