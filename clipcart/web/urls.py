from django.urls import path

from .collab_urls import urlpatterns as collab_urlpatterns
from .coupon_urls import urlpatterns as coupon_urlpatterns
from .creator_urls import urlpatterns as creator_urlpatterns
from .earnings_urls import urlpatterns as earnings_urlpatterns
from .feed_urls import urlpatterns as feed_urlpatterns
from .fulfillment_urls import urlpatterns as fulfillment_urlpatterns
from .interests_urls import urlpatterns as interests_urlpatterns
from .money_urls import urlpatterns as money_urlpatterns
from .postback_urls import urlpatterns as postback_urlpatterns
from .ranking_policy_urls import urlpatterns as ranking_policy_urlpatterns
from .returns_urls import urlpatterns as returns_urlpatterns
from .sample_urls import urlpatterns as sample_urlpatterns
from .seller_affiliate_urls import urlpatterns as seller_affiliate_urlpatterns
from .settings_urls import urlpatterns as settings_urlpatterns
from .shipment_urls import urlpatterns as shipment_urlpatterns
from .views import accounts, cart, catalog, checkout, orders, seller

app_name = "web"
urlpatterns = [
    *feed_urlpatterns,  # the home page is the video feed
    *creator_urlpatterns,
    *collab_urlpatterns,
    *earnings_urlpatterns,
    *sample_urlpatterns,
    *seller_affiliate_urlpatterns,
    *postback_urlpatterns,
    *coupon_urlpatterns,
    *fulfillment_urlpatterns,
    *shipment_urlpatterns,
    *returns_urlpatterns,
    *money_urlpatterns,
    *settings_urlpatterns,
    *interests_urlpatterns,
    *ranking_policy_urlpatterns,
    path("shop/", catalog.home, name="shop"),
    path("search", catalog.search, name="search"),
    path("p/<int:product_id>/", catalog.product, name="product"),
    path("p/<int:product_id>/add/", catalog.add_to_cart, name="add_to_cart"),
    path("go/<int:product_id>/", catalog.go, name="go"),
    path("cart/", cart.cart, name="cart"),
    path("cart/lines/<int:line_id>/", cart.change_quantity, name="cart_line"),
    path("cart/lines/<int:line_id>/remove/", cart.remove_line, name="cart_remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/complete/", checkout.checkout_complete, name="checkout_complete"),
    path("orders/", orders.order_list, name="orders"),
    path("orders/<int:order_id>/", orders.order_detail, name="order"),
    path("orders/<int:order_id>/cancel/", orders.cancel_order, name="order_cancel"),
    path("orders/<int:order_id>/received/", orders.confirm_delivery, name="order_received"),
    path("notifications/", accounts.notifications, name="notifications"),
    path("login/", accounts.login_view, name="login"),
    path("register/", accounts.register, name="register"),
    path("logout/", accounts.logout_view, name="logout"),
    path("seller/", seller.seller_home, name="seller"),
    path("seller/<int:shop_id>/", seller.dashboard, name="seller_dashboard"),
    path("seller/<int:shop_id>/products/", seller.products, name="seller_products"),
    path("seller/<int:shop_id>/products/new/", seller.new_product, name="seller_product_new"),
    path(
        "seller/<int:shop_id>/products/<int:product_id>/",
        seller.edit_product,
        name="seller_product_edit",
    ),
    path(
        "seller/<int:shop_id>/variants/<int:variant_id>/",
        seller.edit_variant,
        name="seller_variant",
    ),
    path("seller/<int:shop_id>/settings/", seller.shop_settings, name="seller_settings"),
    path("seller/<int:shop_id>/orders/", seller.orders, name="seller_orders"),
    path("seller/<int:shop_id>/orders/<int:order_id>/", seller.order, name="seller_order"),
    path("seller/<int:shop_id>/orders/<int:order_id>/refund/", seller.refund, name="seller_refund"),
]
