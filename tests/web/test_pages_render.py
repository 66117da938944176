"""Every page answers 200 to the person it is for, and keeps everyone else out."""

import pytest
from django.urls import reverse

from tests.factories import make_product

from .helpers import variant

pytestmark = pytest.mark.django_db


def test_the_shop_shows_the_newest_products_with_prices_and_shops(client, product, other_product):
    response = client.get("/shop/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Glow serum" in html and "Cozy mystery novel" in html
    assert "$20.00" in html and "Book Nook" in html
    assert html.index("Cozy mystery novel") < html.index("Glow serum")  # newest first


def test_the_shop_without_products_shows_an_empty_state(client, db):
    response = client.get("/shop/")

    assert response.status_code == 200
    assert "No products yet" in response.content.decode()


def test_load_more_returns_only_the_next_cards_to_htmx(client, shop):
    for n in range(25):
        make_product(shop=shop, title=f"Candle {n:02d}")

    first = client.get("/shop/")
    assert "Load more" in first.content.decode()
    cursor = first.context["page"].next_cursor

    more = client.get(f"/shop/?cursor={cursor}", headers={"HX-Request": "true"})

    html = more.content.decode()
    assert more.status_code == 200
    assert "<html" not in html
    assert "Candle 04" in html and "Candle 24" not in html


def test_search_finds_products_by_title(client, product, other_product):
    response = client.get("/search?q=serum")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Glow serum" in html and "Cozy mystery novel" not in html


def test_search_without_matches_shows_an_empty_state(client, product):
    response = client.get("/search?q=submarine")

    assert response.status_code == 200
    assert "No products match your search" in response.content.decode()


def test_product_page_shows_variants_with_their_price_stock_state_and_ships_by(client, hoodie):
    response = client.get(reverse("web:product", args=[hoodie.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Small" in html and "$40.00" in html and "In stock" in html
    assert "Large" in html and "$44.00" in html and "Only 3 left" in html
    assert "Ships by" in html


def test_sold_out_variant_is_shown_as_sold_out(client, shop):
    make_product(
        shop=shop,
        title="Rare vinyl",
        variants=[{"name": "Black", "stock": 0, "price": "30.00"}],
    )
    from clipcart.catalog.models import Product

    response = client.get(reverse("web:product", args=[Product.objects.get().pk]))

    assert "Sold out" in response.content.decode()


def test_external_product_links_to_the_tracked_redirect(client, shop):
    external = make_product(
        shop=shop, title="Desk lamp", kind="external", external_url="https://lamps.example/42"
    )

    page = client.get(reverse("web:product", args=[external.pk]))
    go = client.get(reverse("web:go", args=[external.pk]) + "?ref=creator_1")

    assert "Buy on the other store" in page.content.decode()
    assert f"/go/{external.pk}/" in page.content.decode()
    assert go.status_code == 302 and go["Location"] == "https://lamps.example/42"
    assert external.external_clicks.get().ref == "creator_1"


def test_unknown_product_is_a_404_page(client, db):
    response = client.get(reverse("web:product", args=[999]))

    assert response.status_code == 404
    assert "No such product." in response.content.decode()


def test_cart_page_renders_for_an_anonymous_visitor(client, db):
    response = client.get(reverse("web:cart"))

    assert response.status_code == 200
    assert "Your cart is empty" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["web:checkout", "web:orders", "web:seller"],
)
def test_pages_of_a_person_require_signing_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={reverse(name)}")


def test_orders_pages_render_for_their_buyer(shopper_client, paid_order):
    listing = shopper_client.get(reverse("web:orders"))
    detail = shopper_client.get(reverse("web:order", args=[paid_order.pk]))

    assert listing.status_code == 200 and f"Order #{paid_order.pk}" in listing.content.decode()
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Glow serum" in html and "Paid" in html and "Cancel order" in html


def test_another_buyers_order_is_not_found(stranger_client, paid_order):
    response = stranger_client.get(reverse("web:order", args=[paid_order.pk]))

    assert response.status_code == 404


def test_another_buyers_order_is_not_listed_on_the_confirmation_page(stranger_client, paid_order):
    response = stranger_client.get(f"{reverse('web:checkout_complete')}?orders={paid_order.pk}")

    assert response.status_code == 404


def test_seller_center_pages_render_for_the_shops_staff(seller_client, shop, product, paid_order):
    pages = [
        reverse("web:seller"),
        reverse("web:seller_dashboard", args=[shop.pk]),
        reverse("web:seller_products", args=[shop.pk]),
        reverse("web:seller_product_new", args=[shop.pk]),
        reverse("web:seller_settings", args=[shop.pk]),
        reverse("web:seller_orders", args=[shop.pk]),
        reverse("web:seller_orders", args=[shop.pk]) + "?status=paid",
        reverse("web:seller_order", args=[shop.pk, paid_order.pk]),
    ]
    for url in pages:
        assert seller_client.get(url).status_code == 200, url


def test_dashboard_shows_the_probation_status_and_orders_to_ship(seller_client, shop, paid_order):
    html = seller_client.get(reverse("web:seller_dashboard", args=[shop.pk])).content.decode()

    assert "Probation" in html and "Your shop is in probation" in html
    assert f"#{paid_order.pk}" in html


@pytest.mark.parametrize(
    "name",
    [
        "web:seller_dashboard",
        "web:seller_products",
        "web:seller_product_new",
        "web:seller_settings",
        "web:seller_orders",
    ],
)
def test_another_shops_seller_center_is_forbidden(client, other_seller, shop, name):
    client.force_login(other_seller)

    response = client.get(reverse(name, args=[shop.pk]))

    assert response.status_code == 403


def test_another_shops_order_cannot_be_seen_or_shipped(
    client, other_seller, other_shop, paid_order
):
    client.force_login(other_seller)

    seen = client.get(reverse("web:seller_order", args=[other_shop.pk, paid_order.pk]))
    shipped = client.post(
        reverse("web:seller_ship", args=[other_shop.pk, paid_order.pk]),
        {"carrier": "UPS", "tracking_number": "1Z999"},
    )

    assert seen.status_code == 404 and shipped.status_code == 404
    paid_order.refresh_from_db()
    assert paid_order.status == "paid"


def test_unknown_shop_is_not_found(seller_client, db):
    assert seller_client.get(reverse("web:seller_dashboard", args=[999])).status_code == 404


def test_header_shows_the_seller_center_link_only_to_sellers(seller_client, shopper_client, shop):
    assert "Seller center" in seller_client.get("/").content.decode()
    assert "Seller center" not in shopper_client.get("/").content.decode()


@pytest.fixture
def shopper_with_cart(shopper_client, shopper, product, other_product):
    """The worst case for the header: a signed-in shopper with a cart."""
    from clipcart.checkout import services as checkout_services

    cart = checkout_services.get_or_create_cart(user=shopper)
    checkout_services.add_item(cart=cart, variant_id=variant(product).pk, quantity=1)
    return shopper_client


def test_shop_page_queries_do_not_grow_with_products(
    shopper_with_cart, shop, django_assert_max_num_queries
):
    for n in range(20):
        make_product(
            shop=shop,
            title=f"Mug {n}",
            variants=[{"name": "Red", "stock": 2}, {"name": "Blue", "stock": 3}],
        )

    # products, images, variants, stock, categories + user, cart, cart count, my shops
    with django_assert_max_num_queries(10):  # +1: the header's unread notifications
        response = shopper_with_cart.get("/shop/")

    assert response.status_code == 200 and "Mug 19" in response.content.decode()


def test_product_page_queries_do_not_grow_with_variants(
    shopper_with_cart, shop, django_assert_max_num_queries
):
    many = make_product(
        shop=shop,
        title="Socks",
        variants=[{"name": f"Size {n}", "stock": n} for n in range(12)],
    )

    # product, images, variants, stock + user, cart, cart count, my shops
    # +1: the header's unread notifications, +1: the shop's vacations (its ship-day calendar)
    with django_assert_max_num_queries(10):
        response = shopper_with_cart.get(reverse("web:product", args=[many.pk]))

    assert response.status_code == 200 and "Size 11" in response.content.decode()


def test_cart_page_queries_do_not_grow_with_lines(
    shopper_with_cart, shopper, shop, other_shop, django_assert_max_num_queries
):
    from clipcart.checkout import services as checkout_services

    cart = checkout_services.get_or_create_cart(user=shopper)
    for n in range(6):
        for owner in (shop, other_shop):
            item = make_product(shop=owner, title=f"Thing {owner.pk}-{n}")
            checkout_services.add_item(cart=cart, variant_id=variant(item).pk, quantity=1)

    # user, cart, lines, variants, stock, cover images + cart and count again, my shops
    # +1: the header's unread notifications, +1: the shops' vacations (one query for all)
    with django_assert_max_num_queries(11):
        response = shopper_with_cart.get(reverse("web:cart"))

    assert response.status_code == 200 and "Thing" in response.content.decode()
