from django.urls import URLPattern, path

from .views import earnings

urlpatterns: list[URLPattern] = [
    path("studio/earnings/", earnings.overview, name="earnings"),
    path("studio/earnings/posts/", earnings.posts, name="earnings_posts"),
    path("studio/earnings/products/", earnings.products, name="earnings_products"),
    path("studio/earnings/commissions/", earnings.commissions, name="earnings_commissions"),
    path("studio/earnings/export.csv", earnings.export, name="earnings_export"),
    path(
        "studio/earnings/receipts/<int:commission_id>/",
        earnings.receipt,
        name="commission_receipt",
    ),
]
