"""Discount codes: a shopper applies them in the cart, a shop's staff manage them."""

from django.urls import path

from .views import cart, seller_discounts

urlpatterns = [
    path("cart/discounts/", cart.apply_discount, name="cart_discount_apply"),
    path("cart/discounts/<str:code>/remove/", cart.remove_discount, name="cart_discount_remove"),
    path("seller/<int:shop_id>/discounts/", seller_discounts.discounts, name="seller_discounts"),
    path(
        "seller/<int:shop_id>/discounts/<int:code_id>/active/",
        seller_discounts.set_active,
        name="seller_discount_active",
    ),
]
