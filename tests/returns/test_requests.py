"""A buyer asks to return items: who may, when, how many, and with which photos."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from clipcart.accounts.models import Notification
from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.returns import services
from clipcart.returns.models import Return, ReturnPhoto, ReturnStatus

from ..factories import make_product
from .conftest import api_request, ask, bought, deliver, image_bytes, photo

pytestmark = pytest.mark.django_db


def test_a_buyer_returns_part_of_a_delivered_order_and_the_shop_staff_hear_of_it(delivered, seller):
    ret = ask(delivered, quantity=1)

    assert ret.status == ReturnStatus.REQUESTED
    assert [(line.order_line_id, line.quantity) for line in ret.lines.all()] == [
        (delivered.lines.get().pk, 1)
    ]
    assert ret.events.get().kind == "requested"
    note = Notification.objects.get(user=seller, kind="return_requested")
    assert f"/seller/{delivered.shop_id}/returns/{ret.pk}/" in note.url


@pytest.mark.parametrize(
    "days_after, reason, allowed",
    [
        (29, "changed_mind", True),
        (31, "changed_mind", False),
        (31, "damaged", True),
        (89, "defective", True),
        (91, "defective", False),
    ],
)
def test_the_return_window_is_30_days_and_90_for_damaged_or_defective(
    shopper, product, days_after, reason, allowed
):
    delivered_at = timezone.now() - timedelta(days=days_after)
    with time_machine.travel(delivered_at, tick=False):
        order = deliver(bought(shopper, product).pk)
    photos = [photo()] if reason in ("damaged", "defective") else []

    if allowed:
        assert ask(order, reason=reason, photos=photos).status == ReturnStatus.REQUESTED
    else:
        with pytest.raises(Conflict) as error:
            ask(order, reason=reason, photos=photos)
        assert error.value.code == "return_window_closed"
        assert not Return.objects.exists()


def test_the_window_follows_the_settings(shopper, product):
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        order = deliver(bought(shopper, product).pk)
    with override_settings(CLIPCART_RETURN_WINDOW_DAYS=7), pytest.raises(Conflict):
        ask(order)


def test_an_order_not_yet_delivered_cannot_be_returned(shopper, shopper_api, product):
    order = bought(shopper, product)

    answer = api_request(shopper_api, order)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "order_not_delivered"


def test_another_buyers_order_is_not_found(delivered, stranger):
    with pytest.raises(NotFound):
        services.request_return(
            buyer=stranger,
            order_id=delivered.pk,
            lines=[{"line_id": delivered.lines.get().pk, "quantity": 1}],
            reason="changed_mind",
        )
    assert not Return.objects.exists()


def test_another_buyers_order_is_404_on_the_api(delivered, stranger):
    from ..conftest import ApiClient

    assert api_request(ApiClient(stranger), delivered).status_code == 404


def test_no_more_units_than_were_bought(shopper_api, delivered):
    line = delivered.lines.get()

    answer = api_request(shopper_api, delivered, lines=[{"line_id": line.pk, "quantity": 3}])

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "lines.quantity"
    assert not Return.objects.exists()


def test_units_in_earlier_returns_count_until_the_return_is_rejected_or_withdrawn(
    delivered, seller
):
    line = delivered.lines.get()
    withdrawn = ask(delivered, quantity=2)
    services.cancel_return(buyer=delivered.buyer, return_id=withdrawn.pk)
    kept = ask(delivered, quantity=1)
    services.approve_return(
        user=seller, shop_id=delivered.shop_id, return_id=kept.pk, refund_without_return=True
    )
    services.refund_return(user=seller, shop_id=delivered.shop_id, return_id=kept.pk, key="k")

    assert services.returned_quantities(order_id=delivered.pk) == {line.pk: 1}
    with pytest.raises(InvalidInput) as error:
        ask(delivered, quantity=2)
    assert error.value.field == "lines.quantity"
    assert ask(delivered, quantity=1).status == ReturnStatus.REQUESTED


def test_one_open_return_per_order_line(delivered):
    ask(delivered, quantity=1)

    with pytest.raises(Conflict) as error:
        ask(delivered, quantity=1)

    assert error.value.code == "return_already_open"
    assert Return.objects.count() == 1


@pytest.mark.parametrize(
    "lines, field",
    [
        ([], "lines"),
        ("nope", "lines"),
        ([{"line_id": "x", "quantity": 1}], "lines.line_id"),
        ([{"line_id": 1, "quantity": 0}], "lines.quantity"),
        ([{"line_id": 1, "quantity": -1}], "lines.quantity"),
        ([{"line_id": 1, "quantity": True}], "lines.quantity"),
        ([{"line_id": 1, "quantity": 10**9}], "lines.quantity"),
        ([{"line_id": 1, "quantity": 1}, {"line_id": 1, "quantity": 1}], "lines.line_id"),
    ],
)
def test_bad_lines_are_refused(delivered, lines, field):
    with pytest.raises(InvalidInput) as error:
        services.request_return(
            buyer=delivered.buyer, order_id=delivered.pk, lines=lines, reason="changed_mind"
        )
    assert error.value.field == field


def test_a_line_of_another_order_is_refused(delivered, shopper, other_product):
    other = deliver(bought(shopper, other_product, quantity=1).pk)

    with pytest.raises(InvalidInput) as error:
        services.request_return(
            buyer=shopper,
            order_id=delivered.pk,
            lines=[{"line_id": other.lines.get().pk, "quantity": 1}],
            reason="changed_mind",
        )
    assert error.value.field == "lines.line_id"


@pytest.mark.parametrize("reason", ["", "broken", None, 3])
def test_an_unknown_reason_is_refused(shopper_api, delivered, reason):
    answer = api_request(shopper_api, delivered, reason=reason if reason is not None else "")
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "reason"


def test_photos_are_stored_with_the_return(shopper_api, delivered):
    answer = api_request(
        shopper_api,
        delivered,
        reason="damaged",
        photos=[photo("a.png"), photo("b.jpg", image_bytes("JPEG"), "image/jpeg")],
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert [(p["width"], p["height"]) for p in body["photos"]] == [(8, 8), (8, 8)]
    assert all(p["url"].startswith("/media/returns/") for p in body["photos"])
    assert ReturnPhoto.objects.count() == 2


def test_damaged_or_defective_needs_a_photo(shopper_api, delivered):
    answer = api_request(shopper_api, delivered, reason="defective")

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "photos"


@pytest.mark.parametrize(
    "upload, message",
    [
        (photo("notes.png", b"these are not pixels", "image/png"), "not a readable image"),
        (photo("anim.gif", image_bytes("GIF"), "image/gif"), "JPEG, PNG or WebP"),
        (photo("half.png", image_bytes()[:40], "image/png"), "not a readable image"),
    ],
)
def test_a_file_that_is_not_an_allowed_image_is_refused(shopper_api, delivered, upload, message):
    answer = api_request(shopper_api, delivered, reason="damaged", photos=[upload])

    assert answer.status_code == 422
    assert message in answer.json()["error"]["message"]
    assert not Return.objects.exists()
    assert not ReturnPhoto.objects.exists()


def test_a_photo_over_10_mb_is_refused(shopper_api, delivered):
    big = photo("big.png", image_bytes() + b"\0" * (services.MAX_PHOTO_BYTES + 1))

    answer = api_request(shopper_api, delivered, reason="damaged", photos=[big])

    assert answer.status_code == 422
    assert "10 MB" in answer.json()["error"]["message"]


def test_a_decompression_bomb_is_refused_without_decoding_it(shopper_api, delivered):
    bomb = photo("bomb.png", image_bytes(size=(8000, 6000)))

    answer = api_request(shopper_api, delivered, reason="damaged", photos=[bomb])

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "photos"


def test_more_than_six_photos_are_refused(shopper_api, delivered):
    answer = api_request(
        shopper_api, delivered, reason="damaged", photos=[photo(f"{n}.png") for n in range(7)]
    )

    assert answer.status_code == 422
    assert "at most 6" in answer.json()["error"]["message"]
    assert not Return.objects.exists()


def test_lines_that_are_not_json_are_refused(shopper_api, delivered):
    answer = shopper_api.client.post(
        f"/api/v1/orders/{delivered.pk}/returns",
        data={"reason": "changed_mind", "lines": "[{"},
        headers=shopper_api.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "lines"


def test_a_fully_refunded_line_cannot_be_returned(delivered, seller):
    from clipcart.orders import services as order_services

    order_services.refund_line(
        shop_id=delivered.shop_id,
        order_id=delivered.pk,
        line_id=delivered.lines.get().pk,
        amount="40.00",
        actor=seller,
        reason="Goodwill",
        key="all",
    )

    with pytest.raises(Conflict) as error:
        ask(delivered)
    assert error.value.code == "already_refunded"


def test_a_product_with_variants_returns_only_the_chosen_lines(shopper, shop):
    product = make_product(
        shop=shop,
        title="Tee",
        variants=[{"name": "S", "stock": 3}, {"name": "M", "stock": 3}],
    )
    from ..factories import buy

    ids = [v.pk for v in product.variants.all()]
    order_id = buy(shopper, ids, quantity=1)[0]["id"]
    order = deliver(order_id)
    small = order.lines.get(variant_name="S")

    ret = services.request_return(
        buyer=shopper,
        order_id=order.pk,
        lines=[{"line_id": small.pk, "quantity": 1}],
        reason="wrong_size",
    )

    assert list(ret.lines.values_list("order_line_id", flat=True)) == [small.pk]
