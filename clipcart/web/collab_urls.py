from django.urls import URLPattern, path, re_path

from .views import collabs

HANDLE = r"@(?P<handle>[A-Za-z0-9_]{1,30})"

urlpatterns: list[URLPattern] = [
    path("studio/collabs/", collabs.marketplace_page, name="collabs"),
    path("studio/collabs/mine/", collabs.mine_page, name="collabs_mine"),
    path("studio/collabs/storefront/", collabs.storefront_page, name="collabs_storefront"),
    path("studio/collabs/plans/<int:plan_id>/join/", collabs.join, name="collabs_join"),
    path(
        "studio/collabs/memberships/<int:membership_id>/accept/",
        collabs.accept,
        name="collabs_accept",
    ),
    path(
        "studio/collabs/memberships/<int:membership_id>/decline/",
        collabs.decline,
        name="collabs_decline",
    ),
    path(
        "studio/collabs/memberships/<int:membership_id>/leave/",
        collabs.leave,
        name="collabs_leave",
    ),
    path(
        "studio/collabs/storefront/place/",
        collabs.storefront_place,
        name="collabs_storefront_place",
    ),
    path(
        "studio/collabs/storefront/<int:product_id>/remove/",
        collabs.storefront_remove,
        name="collabs_storefront_remove",
    ),
    re_path(
        rf"^{HANDLE}/shop/(?P<product_id>[0-9]{{1,18}})/$",
        collabs.storefront_click,
        name="storefront_click",
    ),
]
