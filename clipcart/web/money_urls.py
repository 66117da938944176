from django.urls import URLPattern, path

from .views import money

urlpatterns: list[URLPattern] = [
    path("seller/<int:shop_id>/money/", money.seller_money, name="seller_money"),
    path(
        "seller/<int:shop_id>/money/statement.csv", money.seller_money_csv, name="seller_money_csv"
    ),
    path(
        "seller/<int:shop_id>/money/destination/",
        money.seller_payout_destination,
        name="seller_payout_destination",
    ),
    path("studio/money/", money.creator_money, name="creator_money"),
    path("studio/money/statement.csv", money.creator_money_csv, name="creator_money_csv"),
    path(
        "studio/money/destination/",
        money.creator_payout_destination,
        name="creator_payout_destination",
    ),
    path("operator/reconciliation/", money.reconciliation, name="reconciliation"),
]
