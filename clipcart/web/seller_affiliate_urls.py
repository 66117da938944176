"""The seller's affiliate pages, under /seller/<shop_id>/affiliate/."""

from django.urls import URLPattern, path

from .views import seller_affiliate as views

ROOT = "seller/<int:shop_id>/affiliate/"

urlpatterns: list[URLPattern] = [
    path(ROOT, views.overview, name="seller_affiliate"),
    path(f"{ROOT}open-plan/", views.open_plan, name="seller_affiliate_open_plan"),
    path(
        f"{ROOT}plans/<int:plan_id>/products/",
        views.add_product,
        name="seller_affiliate_add_product",
    ),
    path(
        f"{ROOT}plan-products/<int:plan_product_id>/term/",
        views.change_term,
        name="seller_affiliate_term",
    ),
    path(
        f"{ROOT}plan-products/<int:plan_product_id>/remove/",
        views.remove_product,
        name="seller_affiliate_remove",
    ),
    path(f"{ROOT}creators/", views.creators, name="seller_affiliate_creators"),
    path(
        f"{ROOT}memberships/<int:membership_id>/decide/",
        views.decide,
        name="seller_affiliate_decide",
    ),
    path(f"{ROOT}targeted/", views.targeted, name="seller_affiliate_targeted"),
    path(f"{ROOT}targeted/<int:plan_id>/", views.targeted_plan, name="seller_affiliate_plan"),
    path(
        f"{ROOT}targeted/<int:plan_id>/invitations/",
        views.invite,
        name="seller_affiliate_invite",
    ),
    path(f"{ROOT}targeted/<int:plan_id>/end/", views.end_plan, name="seller_affiliate_end_plan"),
    path(f"{ROOT}performance/", views.performance, name="seller_affiliate_performance"),
    path(f"{ROOT}commissions/", views.commissions, name="seller_affiliate_commissions"),
]
