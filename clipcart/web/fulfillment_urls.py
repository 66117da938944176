from django.urls import path

from .views import fulfillment

urlpatterns = [
    path(
        "seller/<int:shop_id>/fulfillment/",
        fulfillment.seller_fulfillment,
        name="seller_fulfillment",
    ),
    path(
        "seller/<int:shop_id>/fulfillment/vacations/",
        fulfillment.add_vacation,
        name="seller_vacation_add",
    ),
    path(
        "seller/<int:shop_id>/fulfillment/vacations/<int:vacation_id>/remove/",
        fulfillment.remove_vacation,
        name="seller_vacation_remove",
    ),
    path(
        "seller/<int:shop_id>/products/<int:product_id>/preorder/",
        fulfillment.start_preorder,
        name="seller_preorder",
    ),
    path("products/<int:product_id>/waitlist/", fulfillment.waitlist, name="product_waitlist"),
]
