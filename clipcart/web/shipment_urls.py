from django.urls import URLPattern, path

from .views import seller

urlpatterns: list[URLPattern] = [
    path("seller/<int:shop_id>/orders/<int:order_id>/ship/", seller.ship, name="seller_ship"),
]
