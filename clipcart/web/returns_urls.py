from django.urls import URLPattern, path

from .views import returns

urlpatterns: list[URLPattern] = [
    path("orders/<int:order_id>/return/", returns.return_new, name="return_new"),
    path("returns/", returns.return_list, name="returns"),
    path("returns/<int:return_id>/", returns.return_detail, name="return"),
    path("returns/<int:return_id>/ship/", returns.return_ship, name="return_ship"),
    path("returns/<int:return_id>/cancel/", returns.return_cancel, name="return_cancel"),
    path("seller/<int:shop_id>/returns/", returns.seller_returns, name="seller_returns"),
    path(
        "seller/<int:shop_id>/returns/<int:return_id>/",
        returns.seller_return,
        name="seller_return",
    ),
    path(
        "seller/<int:shop_id>/returns/<int:return_id>/approve/",
        returns.seller_approve,
        name="seller_return_approve",
    ),
    path(
        "seller/<int:shop_id>/returns/<int:return_id>/reject/",
        returns.seller_reject,
        name="seller_return_reject",
    ),
    path(
        "seller/<int:shop_id>/returns/<int:return_id>/receive/",
        returns.seller_receive,
        name="seller_return_receive",
    ),
    path(
        "seller/<int:shop_id>/returns/<int:return_id>/refund/",
        returns.seller_refund,
        name="seller_return_refund",
    ),
]
