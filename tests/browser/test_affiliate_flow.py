"""Issue 4, end to end in Chromium: a creator joins a shop's open plan and tags its product in a
video; a new shopper taps the anchor and buys; the creator's studio shows the order with a
pending commission and its receipt; the seller refunds half and the commission halves.

Set CLIPCART_SCREENSHOTS=1 to refresh docs/screenshots/earnings-*.png from this run."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission
from clipcart.media.models import Anchor
from clipcart.orders.models import Order
from tests.conftest import ADDRESS
from tests.factories import PASSWORD, UserFactory

from .conftest import DESKTOP, PHONE, screenshot
from .test_feed import clip_files, hoodie, publish  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def new_page(chromium, live_server, viewport):
    context = chromium.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page, username: str, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(next_url) + "$"))


def docs_screenshot(page, name: str) -> None:
    screenshot(page, name)
    if os.environ.get("CLIPCART_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def test_a_creator_earns_from_a_video_and_a_half_refund_halves_it(
    chromium,
    live_server,
    hoodie,  # noqa: F811
    clip_files,  # noqa: F811
):
    seller = hoodie.shop.memberships.get().user
    plan = affiliate_services.open_plan(user=seller, shop_id=hoodie.shop_id)
    offer = affiliate_services.check_offer(rate="10", kind="open")
    affiliate_services.add_product(user=seller, plan_id=plan.pk, product_id=hoodie.pk, offer=offer)
    creator = UserFactory(username="cozy_corner")
    post = publish(creator, clip_files, "Softest hoodie I own #cozy", minutes_ago=1)

    # The creator finds the hoodie among products open for collaboration and joins.
    studio = new_page(chromium, live_server, DESKTOP)
    sign_in(studio, "cozy_corner", "/studio/collabs/")
    card = studio.locator(f"#collab-{hoodie.pk}")
    expect(card).to_contain_text("10%")
    card.get_by_role("button", name=re.compile("^Join .* Cloud hoodie")).click()
    expect(card).to_contain_text("Joined")

    # ...and tags it in their video.
    studio.goto(f"/studio/{post.pk}/edit/")
    studio.get_by_placeholder("Search products to tag").fill("hoodie")
    studio.get_by_role("button", name="Add Cloud hoodie").click()
    studio.get_by_role("button", name="Save").click()
    studio.wait_for_url(re.compile(r"/studio/$"))
    assert Anchor.objects.get(post=post, product=hoodie).earns_commission

    # A new shopper sees the disclosure, taps the anchor and buys without leaving the feed.
    UserFactory(username="newshopper")
    phone = new_page(chromium, live_server, PHONE)
    sign_in(phone, "newshopper", "/")
    item = phone.locator(f"#post-{post.pk}")
    expect(item.get_by_text("Commission earned")).to_be_visible()
    item.locator("[data-anchor]").click()
    sheet = phone.locator("#sheet")
    expect(sheet.get_by_role("heading", name="Cloud hoodie")).to_be_visible()
    sheet.get_by_role("button", name="Buy now").click()
    sheet.get_by_label("Full name").fill(ADDRESS["name"])
    sheet.get_by_label("Address", exact=True).fill(ADDRESS["line1"])
    sheet.get_by_label("City").fill(ADDRESS["city"])
    sheet.get_by_label("Postal code").fill(ADDRESS["postal_code"])
    sheet.get_by_role("button", name=re.compile("Place order")).click()
    expect(sheet.get_by_role("heading", name="Thank you, your order is placed")).to_be_visible()
    order = Order.objects.get(buyer__username="newshopper")

    # The creator's studio shows the order with a pending commission, and its receipt.
    commission = Commission.objects.get(order=order)
    assert (commission.creator, commission.amount) == (creator, Decimal("4.00"))
    studio.goto("/studio/earnings/")
    heading = studio.get_by_role("heading", name="Latest commissions")
    latest = studio.locator("section", has=heading).locator("tr", has_text="Cloud hoodie")
    expect(latest).to_contain_text("$4.00")
    expect(latest).to_contain_text(re.compile("Pending", re.I))
    docs_screenshot(studio, "earnings-studio")
    latest.get_by_role("link", name=re.compile("Receipt")).first.click()
    expect(studio.get_by_text(re.compile("anchor", re.I)).first).to_be_visible()
    expect(studio.get_by_text("$40.00").first).to_be_visible()
    expect(studio.get_by_text("$4.00").first).to_be_visible()
    docs_screenshot(studio, "earnings-receipt")

    # The seller refunds half of the line; the commission halves.
    desk = new_page(chromium, live_server, DESKTOP)
    sign_in(desk, seller.username, f"/seller/{order.shop_id}/orders/{order.pk}/")
    refund = desk.locator("#refund")
    refund.get_by_label("Amount").fill("20.00")
    refund.get_by_label("Reason").fill("One sleeve arrived stained")
    desk.once("dialog", lambda dialog: dialog.accept())
    refund.get_by_role("button", name="Refund").click()
    expect(desk.get_by_text("Refunded 20.00 USD to the buyer.")).to_be_visible()

    commission.refresh_from_db()
    assert (commission.clawed_back, commission.net_amount) == (Decimal("2.00"), Decimal("2.00"))
    studio.goto("/studio/earnings/commissions/")
    row = studio.locator("tr", has_text="Cloud hoodie").first
    expect(row).to_contain_text("$2.00")
