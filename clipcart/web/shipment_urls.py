from django.urls import URLPattern, path

from .views import shipments

urlpatterns: list[URLPattern] = [
    # GET: the ship panel (htmx) or the order page with it open; POST: ships a parcel.
    path("seller/<int:shop_id>/orders/<int:order_id>/ship/", shipments.ship, name="seller_ship"),
]
