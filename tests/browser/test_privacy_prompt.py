"""A new visitor is asked once, plainly, whether to personalize their For You feed: they
answer No, the question goes, and a reload does not bring it back (issue 6)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory, make_post

from .conftest import screenshot

pytestmark = [pytest.mark.browser]
QUESTION = "Personalize your For You feed?"


@pytest.fixture
def video(transactional_db):
    return make_post(creator=UserFactory(username="lena"), caption="Morning routine #skincare")


def test_a_new_visitor_answers_no_and_is_not_asked_again(phone_page, video):
    page = phone_page
    # The first request of the live server imports the recommender's libraries: give it time.
    page.goto("/", timeout=120_000)
    expect(page.locator(f"#post-{video.pk}")).to_be_attached()

    question = page.get_by_role("dialog", name=QUESTION)
    expect(question).to_be_visible()
    yes = question.get_by_role("button", name="Yes, personalize")
    no = question.get_by_role("button", name="No, keep it general")
    expect(yes).to_be_visible()
    expect(no).to_be_visible()
    # Two equal answers: neither is bigger, brighter or already chosen.
    assert yes.get_attribute("class") == no.get_attribute("class")
    assert yes.bounding_box()["width"] == pytest.approx(no.bounding_box()["width"], abs=1)  # type: ignore[index]
    screenshot(page, "privacy-prompt")

    no.click()
    expect(question).to_have_count(0)
    expect(page.locator("#toast")).to_contain_text("Personalization is off")

    page.reload()
    expect(page.locator(f"#post-{video.pk}")).to_be_attached()
    expect(page.get_by_role("dialog", name=QUESTION)).to_have_count(0)

    page.goto("/settings/privacy/")
    expect(page.get_by_role("radio", name=re.compile("^Off"))).to_be_checked()
    expect(page.get_by_text("kept in this browser only")).to_be_visible()
