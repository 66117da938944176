"""A shopper opens their interest profile in Chromium, removes an interest (it is gone after a
reload, and listed as removed), and downloads their data as JSON."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.feed import test_interests as shared
from tests.feed.test_interests import enjoy, watch

from .conftest import DESKTOP, screenshot

pytestmark = [pytest.mark.browser]
books, booktok, cleaner, cleantok = shared.books, shared.booktok, shared.cleaner, shared.cleantok
_empty_redis_history = shared._empty_redis_history  # autouse here too


def sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def test_remove_an_interest_and_download_the_data(
    chromium, live_server, shopper, booktok, cleantok
):
    enjoy(booktok, user=shopper)
    watch(cleantok, "impression", "complete", user=shopper)
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, "shopper", "/settings/interests/")

    hashtags = page.locator("#hashtag-interests")
    expect(hashtags.locator(".interest-name")).to_have_text(["#booktok", "#cleantok"])
    screenshot(page, "interest-profile")

    hashtags.get_by_role("button", name="Remove #booktok").click()
    expect(hashtags.get_by_role("button", name="Undo #booktok")).to_be_visible()
    page.reload()

    expect(hashtags.locator(".interest-name")).to_have_text(["#cleantok"])
    removed = page.locator("#removed")
    expect(removed).to_contain_text("#booktok")
    expect(removed.get_by_role("button", name="Restore #booktok")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert download.value.suggested_filename.startswith("clipcart-my-data-")
    assert data["format"] == "clipcart.behavioural-data"
    assert len(data["events"]) == 5
    assert [r["name"] for r in data["removed_interests"]] == ["booktok"]
    assert [i["name"] for i in data["interest_profile"]["hashtags"]] == ["cleantok"]
    context.close()
