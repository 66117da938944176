"""Signed postbacks: another store reports a sale of an external product; the click's creator
earns the term in force when it happened. Verified (HMAC, 5 minutes), idempotent per order_ref.
And the seller's secret: API and page."""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import json
import re
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission, ExternalConversion
from clipcart.affiliate.services import postbacks as postback_services

from ..factories import make_product
from .helpers import entry_of, open_plan_with

ENDPOINT = "/api/v1/affiliate/postbacks"


@pytest.fixture
def lamp(shop):
    return make_product(
        shop=shop,
        title="Desk lamp",
        price="59.90",
        kind="external",
        external_url="https://lamps.example/42",
    )


@pytest.fixture
def plan(seller, shop, lamp, creator):
    plan = open_plan_with(seller, shop, [lamp], rate="10")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    return plan


def click_through(product, creator) -> str:
    """A shopper follows the creator's link out; the click id the store receives."""
    ref = account_services.ensure_ref_code(user=creator)
    response = Client().get(reverse("web:go", args=[product.pk]) + f"?ref={ref}")
    return parse_qs(urlsplit(response["Location"]).query)["clipcart_click"][0]


@pytest.fixture
def click(plan, lamp, creator) -> str:
    return click_through(lamp, creator)


@pytest.fixture
def secret(seller, shop) -> str:
    return postback_services.postback_secret(user=seller, shop_id=shop.pk).secret


def sign(raw: bytes, secret: str, *, at: float | None = None) -> str:
    timestamp = str(int(time.time() if at is None else at))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def report(click: str, **fields) -> dict:
    return {
        "click": click,
        "order_ref": "ORDER-1001",
        "amount": "59.90",
        "currency": "USD",
        "occurred_at": timezone.now().isoformat(),
        **fields,
    }


def post(body: dict, secret: str, *, at: float | None = None, header: str | None = None):
    raw = json.dumps(body).encode()
    signature = sign(raw, secret, at=at) if header is None else header
    return Client().post(
        ENDPOINT,
        data=raw,
        content_type="application/json",
        headers={"Clipcart-Signature": signature},
    )


def error_code(response) -> str:
    return response.json()["error"]["code"]


# --- Recording a sale ---------------------------------------------------------------------------


def test_a_signed_postback_records_the_sale_and_a_pending_commission_at_the_term(
    click, secret, plan, lamp, creator, shop
):
    sold_at = timezone.now()

    response = post(report(click, occurred_at=sold_at.isoformat()), secret)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["commission"]["amount"] == "5.99"  # 10% of 59.90, to the cent
    assert body["commission"]["status"] == "pending"
    assert body["reason"] is None
    conversion = ExternalConversion.objects.get()
    assert (conversion.shop, conversion.order_ref, conversion.amount) == (
        shop,
        "ORDER-1001",
        Decimal("59.90"),
    )
    commission = Commission.objects.get()
    assert commission.conversion == conversion and commission.line is None
    assert (commission.creator, commission.product, commission.term) == (
        creator,
        lamp,
        entry_of(plan, lamp).terms.get(version=1),
    )
    assert (commission.base, commission.amount, commission.earned_at) == (
        Decimal("59.90"),
        Decimal("5.99"),
        sold_at,
    )
    assert commission.touch_kind == "external_click"


def test_the_term_is_the_one_in_force_when_the_sale_happened(seller, plan, lamp, creator, secret):
    start = timezone.now()
    click = click_through(lamp, creator)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        affiliate_services.change_term(
            user=seller,
            plan_product_id=entry_of(plan, lamp).pk,
            offer=affiliate_services.Offer(rate=Decimal("15")),
        )

    with time_machine.travel(start + timedelta(hours=2), tick=False):
        before = post(
            report(click, order_ref="A-1", occurred_at=(start + timedelta(minutes=30)).isoformat()),
            secret,
        )
        after = post(
            report(click, order_ref="A-2", occurred_at=(start + timedelta(minutes=90)).isoformat()),
            secret,
        )

    assert before.json()["commission"]["amount"] == "5.99"  # 10%, before the raise
    assert after.json()["commission"]["amount"] == "8.99"  # 15% of 59.90 = 8.985, half up
    assert after.json()["commission"]["rate"] == "15.00"


def test_the_same_postback_again_answers_the_first_result_and_records_nothing(click, secret):
    body = report(click)
    first = post(body, secret)

    again = post(body, secret)  # a retry: signed afresh, same body

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert ExternalConversion.objects.count() == 1
    assert Commission.objects.count() == 1


def test_an_order_ref_reported_again_with_another_amount_is_a_conflict(click, secret):
    post(report(click), secret)

    response = post(report(click, amount="10.00"), secret)

    assert response.status_code == 409 and error_code(response) == "order_ref_reused"
    assert ExternalConversion.objects.get().amount == Decimal("59.90")


def test_a_sale_with_no_term_in_force_is_recorded_without_commission_and_says_why(
    seller, plan, lamp, click, secret
):
    affiliate_services.remove_product(user=seller, plan_product_id=entry_of(plan, lamp).pk)

    body = report(click)

    response = post(body, secret)

    assert response.status_code == 201
    assert response.json()["commission"] is None
    assert response.json()["reason"]["code"] == "no_term"
    assert ExternalConversion.objects.count() == 1
    assert not Commission.objects.exists()
    assert post(body, secret).json() == response.json()  # the replay says so too


def test_a_sale_long_after_the_click_earns_nothing(click, secret):
    with time_machine.travel(timezone.now() + timedelta(days=9), tick=False):
        response = post(report(click), secret)

    assert response.status_code == 201
    assert response.json()["reason"]["code"] == "outside_window"
    assert not Commission.objects.exists()


def test_the_commission_becomes_payable_once_the_return_window_has_closed(click, secret):
    post(report(click), secret)

    affiliate_services.release_payable(now=timezone.now() + timedelta(days=29))
    assert Commission.objects.get().status == Commission.Status.PENDING
    affiliate_services.release_payable(now=timezone.now() + timedelta(days=31))
    assert Commission.objects.get().status == Commission.Status.PAYABLE


# --- Refused postbacks --------------------------------------------------------------------------


def test_a_forged_signature_is_refused(click, secret):
    responses = [
        post(report(click), "0" * 64),
        post(report(click), secret, header="t=1,v1=nothex"),
        post(report(click), secret, header=""),
    ]

    assert [r.status_code for r in responses] == [400, 400, 400]
    assert {error_code(r) for r in responses} == {"bad_signature"}
    assert not ExternalConversion.objects.exists()


def test_a_replayed_postback_six_minutes_old_is_refused(click, secret):
    response = post(report(click), secret, at=time.time() - 6 * 60)

    assert response.status_code == 400 and error_code(response) == "signature_expired"
    assert not ExternalConversion.objects.exists()


def test_a_timestamp_from_the_future_is_refused(click, secret):
    response = post(report(click), secret, at=time.time() + 6 * 60)

    assert response.status_code == 400 and error_code(response) == "signature_expired"


def test_another_shops_key_does_not_verify_this_shops_clicks(click, other_seller, other_shop):
    other_secret = postback_services.postback_secret(
        user=other_seller, shop_id=other_shop.pk
    ).secret

    response = post(report(click), other_secret)

    assert response.status_code == 400 and error_code(response) == "bad_signature"
    assert not ExternalConversion.objects.exists()


def test_a_click_id_edited_by_hand_is_refused_like_a_bad_signature(click, secret):
    touch_id = signing.loads(click, salt=postback_services.CLICK_SALT)
    edited = [
        click[:-2] + ("xx" if not click.endswith("xx") else "yy"),
        click.replace(click.split(":")[0], signing.dumps(touch_id + 1).split(":")[0], 1),
        str(touch_id),
        "",
    ]

    answers = [post(report(token), secret) for token in edited]

    assert [a.status_code for a in answers] == [400] * len(edited)
    assert {error_code(a) for a in answers} == {"bad_signature"}


def test_a_click_of_a_shop_without_a_secret_is_refused(plan, lamp, creator):
    click = click_through(lamp, creator)

    response = post(report(click), "f" * 64)

    assert response.status_code == 400 and error_code(response) == "bad_signature"


@pytest.mark.parametrize("amount", ["abc", "0", "-1.00", "1.234", 59.9, 59, "1000000.00", None])
def test_an_amount_that_is_not_a_positive_decimal_string_with_cents_is_refused(
    click, secret, amount
):
    response = post(report(click, amount=amount), secret)

    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == "amount"
    assert not ExternalConversion.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("currency", "EUR"),
        ("currency", None),
        ("occurred_at", "yesterday"),
        ("occurred_at", "2026-05-01T12:30:00"),  # no offset
        ("occurred_at", "2099-01-01T00:00:00Z"),  # the future
        ("order_ref", ""),
        ("order_ref", "x" * 101),
        ("order_ref", 1001),
    ],
)
def test_other_invalid_fields_are_refused_with_the_field_named(click, secret, field, value):
    response = post(report(click, **{field: value}), secret)

    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field


def test_a_body_that_is_not_json_is_a_bad_signature(secret):
    response = Client().post(
        ENDPOINT,
        data=b"not json",
        content_type="application/json",
        headers={"Clipcart-Signature": sign(b"not json", secret)},
    )

    assert response.status_code == 400 and error_code(response) == "bad_signature"


# --- The shop's secret --------------------------------------------------------------------------


def key_path(shop) -> str:
    return f"/shops/{shop.pk}/affiliate/postback-key"


def test_shop_staff_read_the_secret_and_rotating_it_retires_the_old_one(seller_api, shop, click):
    first = seller_api.get(key_path(shop))
    again = seller_api.get(key_path(shop))
    old = first.json()["secret"]

    rotated = seller_api.post(key_path(shop))

    assert first.status_code == 200 and re.fullmatch(r"[0-9a-f]{64}", old)
    assert again.json()["secret"] == old
    assert first.json()["endpoint"].endswith(ENDPOINT)
    assert rotated.status_code == 201 and rotated.json()["secret"] != old
    assert error_code(post(report(click), old)) == "bad_signature"
    assert post(report(click), rotated.json()["secret"]).status_code == 201


def test_nobody_else_reads_or_rotates_a_shops_secret(other_seller_api, shopper_api, api, shop):
    assert other_seller_api.get(key_path(shop)).status_code == 403
    assert other_seller_api.post(key_path(shop)).status_code == 403
    assert shopper_api.get(key_path(shop)).status_code == 403
    assert api.get(key_path(shop)).status_code == 401
    assert other_seller_api.get("/shops/999999/affiliate/postback-key").status_code == 404


# --- The seller's page --------------------------------------------------------------------------


def page_url(shop) -> str:
    return reverse("web:seller_affiliate_postbacks", args=[shop.pk])


def test_the_page_shows_the_secret_and_how_to_sign(seller, shop):
    client = Client()
    client.force_login(seller)

    page = client.get(page_url(shop)).content.decode()

    secret = postback_services.postback_secret(user=seller, shop_id=shop.pk).secret
    assert secret in page
    assert "Clipcart-Signature" in page and "clipcart_click" in page
    assert "http://testserver/api/v1/affiliate/postbacks" in page


def test_rotating_on_the_page_makes_a_new_secret(seller, shop):
    client = Client()
    client.force_login(seller)
    old = postback_services.postback_secret(user=seller, shop_id=shop.pk).secret

    response = client.post(page_url(shop), follow=True)

    new = postback_services.postback_secret(user=seller, shop_id=shop.pk).secret
    assert new != old
    assert new in response.content.decode() and old not in response.content.decode()


def test_another_shops_staff_cannot_open_the_page(other_seller, shop):
    client = Client()
    client.force_login(other_seller)

    assert client.get(page_url(shop)).status_code == 403
    assert client.post(page_url(shop)).status_code == 403
    assert Client().get(page_url(shop)).status_code == 302  # to the login page


def test_the_pages_python_example_signs_a_postback_that_is_accepted(
    seller, shop, click, monkeypatch
):
    """The copyable example, run as a store would run it, against this server."""
    client = Client()
    client.force_login(seller)
    page = client.get(page_url(shop)).content.decode()
    example = html.unescape(re.search(r'<code id="postback-example">(.*?)</code>', page, re.S)[1])
    secret = postback_services.postback_secret(user=seller, shop_id=shop.pk).secret
    monkeypatch.setenv("CLIPCART_POSTBACK_SECRET", secret)
    answers = []

    def urlopen(request: urllib.request.Request, timeout: float):
        assert urlsplit(request.full_url).path == ENDPOINT
        answer = Client().post(
            ENDPOINT,
            data=request.data,
            content_type="application/json",
            headers={"Clipcart-Signature": request.get_header("Clipcart-signature")},
        )
        answers.append(answer)
        return io.BytesIO(answer.content)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    namespace: dict = {}
    exec(compile(example, "example.py", "exec"), namespace)

    result = namespace["report_sale"](click, "ORDER-7", "20.00", timezone.now().isoformat())

    assert answers[0].status_code == 201, answers[0].content
    assert result["order_ref"] == "ORDER-7"
    assert result["commission"]["amount"] == "2.00"


# --- Under concurrency (PostgreSQL) -------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_copies_of_one_postback_at_once_record_one_sale(click, secret):
    raw = json.dumps(report(click)).encode()
    start = threading.Barrier(10, timeout=20)

    def deliver(_: int) -> int:
        try:
            start.wait()
            return (
                Client()
                .post(
                    ENDPOINT,
                    data=raw,
                    content_type="application/json",
                    headers={"Clipcart-Signature": sign(raw, secret)},
                )
                .status_code
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = sorted(pool.map(deliver, range(10)))

    assert statuses == [200] * 9 + [201]
    assert ExternalConversion.objects.count() == 1
    assert Commission.objects.count() == 1
