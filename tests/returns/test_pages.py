"""The return pages: the buyer's form, list and detail, the seller's list and detail with the
actions, from a request to the refund."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from clipcart.inventory import selectors as inventory_selectors
from clipcart.orders.models import LineRefund
from clipcart.returns.models import Return, ReturnStatus

from .conftest import ask, photo

pytestmark = pytest.mark.django_db
S = ReturnStatus


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_buyer_returns_an_item_and_is_refunded_through_the_pages(
    shopper, seller, delivered, django_capture_on_commit_callbacks
):
    buyer, shop_staff = signed_in(shopper), signed_in(seller)
    line = delivered.lines.get()
    shop_id = delivered.shop_id
    stock_before = inventory_selectors.available_quantity(line.variant_id)

    form = buyer.get(f"/orders/{delivered.pk}/return/")
    assert form.status_code == 200
    assert f'name="qty_{line.pk}"' in form.content.decode()

    asked = buyer.post(
        f"/orders/{delivered.pk}/return/",
        {
            f"qty_{line.pk}": "1",
            "reason": "damaged",
            "details": "Cap cracked",
            "photos": [photo("cap.png")],
        },
    )
    ret = Return.objects.get()
    assert asked.status_code == 302 and asked["Location"] == f"/returns/{ret.pk}/"
    assert "Cap cracked" in buyer.get(f"/returns/{ret.pk}/").content.decode()
    assert f"Return #{ret.pk}" in buyer.get("/returns/").content.decode()

    listed = shop_staff.get(f"/seller/{shop_id}/returns/?status=requested").content.decode()
    assert f"/seller/{shop_id}/returns/{ret.pk}/" in listed
    detail = shop_staff.get(f"/seller/{shop_id}/returns/{ret.pk}/").content.decode()
    assert "Approve return" in detail and "Reject return" in detail

    shop_staff.post(f"/seller/{shop_id}/returns/{ret.pk}/approve/", {})
    shipped = buyer.post(
        f"/returns/{ret.pk}/ship/", {"carrier": "USPS", "tracking_number": "9400111899"}
    )
    assert shipped.status_code == 302
    shop_staff.post(
        f"/seller/{shop_id}/returns/{ret.pk}/receive/", {"restock_line_ids": [str(line.pk)]}
    )
    page = shop_staff.get(f"/seller/{shop_id}/returns/{ret.pk}/").content.decode()
    assert f'name="amount_{line.pk}"' in page and 'value="20.00"' in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        refunded = shop_staff.post(
            f"/seller/{shop_id}/returns/{ret.pk}/refund/",
            {f"amount_{line.pk}": "18.00", "reason": "Cap only", "key": key},
        )

    assert refunded.status_code == 302
    ret.refresh_from_db()
    assert (ret.status, str(ret.refund_total)) == (S.REFUNDED, "18.00")
    assert LineRefund.objects.get().amount == ret.refund_total
    assert inventory_selectors.available_quantity(line.variant_id) == stock_before + 1
    assert "Refunded" in buyer.get(f"/returns/{ret.pk}/").content.decode()
    kinds = list(ret.events.values_list("kind", flat=True))
    assert kinds == ["requested", "approved", "shipped", "received", "restocked", "refunded"]


def test_the_form_explains_what_is_wrong(shopper, delivered):
    buyer = signed_in(shopper)
    line = delivered.lines.get()

    nothing = buyer.post(f"/orders/{delivered.pk}/return/", {"reason": "changed_mind"})
    too_many = buyer.post(
        f"/orders/{delivered.pk}/return/", {f"qty_{line.pk}": "5", "reason": "changed_mind"}
    )
    no_photo = buyer.post(
        f"/orders/{delivered.pk}/return/", {f"qty_{line.pk}": "1", "reason": "defective"}
    )

    assert nothing.status_code == 422
    assert "Choose at least one item" in nothing.content.decode()
    assert too_many.status_code == 422
    assert no_photo.status_code == 422
    assert "at least one photo" in no_photo.content.decode()
    assert not Return.objects.exists()


def test_a_line_in_an_open_return_links_to_it_on_the_form(shopper, delivered):
    ret = ask(delivered)
    page = signed_in(shopper).get(f"/orders/{delivered.pk}/return/").content.decode()
    assert f"In return #{ret.pk}" in page


def test_the_form_of_an_undelivered_order_answers_409(shopper, product):
    from .conftest import bought

    order = bought(shopper, product)
    line = order.lines.get()
    answer = signed_in(shopper).post(
        f"/orders/{order.pk}/return/", {f"qty_{line.pk}": "1", "reason": "changed_mind"}
    )
    assert answer.status_code == 409


def test_empty_states(shopper, seller, shop):
    assert "No returns" in signed_in(shopper).get("/returns/").content.decode()
    page = signed_in(seller).get(f"/seller/{shop.pk}/returns/").content.decode()
    assert "No returns here" in page


def test_nobody_sees_another_partys_return(stranger, other_seller, other_shop, delivered):
    ret = ask(delivered)
    assert signed_in(stranger).get(f"/returns/{ret.pk}/").status_code == 404
    assert signed_in(stranger).get(f"/orders/{delivered.pk}/return/").status_code == 404
    seller = signed_in(other_seller)
    assert seller.get(f"/seller/{other_shop.pk}/returns/{ret.pk}/").status_code == 404
    assert seller.post(f"/seller/{other_shop.pk}/returns/{ret.pk}/approve/").status_code == 404
    assert seller.get(f"/seller/{ret.shop_id}/returns/").status_code == 403


def test_pages_need_a_sign_in(delivered):
    assert Client().get("/returns/").status_code == 302
    assert Client().get(f"/orders/{delivered.pk}/return/").status_code == 302


def test_htmx_actions_answer_with_the_panel(seller, delivered):
    ret = ask(delivered)
    answer = signed_in(seller).post(
        f"/seller/{ret.shop_id}/returns/{ret.pk}/reject/",
        {"reason": "Worn"},
        headers={"HX-Request": "true"},
    )
    html = answer.content.decode()
    assert answer.status_code == 200
    assert html.lstrip().startswith('<aside class="stack" id="return-panel">')
    assert "Rejected: Worn" in html


def test_a_bad_htmx_answer_shows_the_error_in_the_panel(seller, delivered):
    ret = ask(delivered)
    answer = signed_in(seller).post(
        f"/seller/{ret.shop_id}/returns/{ret.pk}/reject/",
        {"reason": "  "},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 422
    assert 'id="return-panel"' in answer.content.decode()


def test_the_buyer_withdraws_from_the_page(shopper, delivered):
    ret = ask(delivered)
    signed_in(shopper).post(f"/returns/{ret.pk}/cancel/")
    ret.refresh_from_db()
    assert ret.status == S.CANCELLED


def test_the_seller_list_takes_as_many_queries_for_four_returns_as_for_one(
    seller, shop, delivered, shopper, product
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import bought, deliver

    staff = signed_in(seller)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(f"/seller/{shop.pk}/returns/").status_code == 200
        return len(captured)

    ask(delivered)
    one = queries()
    for _ in range(3):
        ask(deliver(bought(shopper, product, quantity=1).pk))
    assert queries() == one
