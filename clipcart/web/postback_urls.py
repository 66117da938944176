from django.urls import path

from .views import postbacks

urlpatterns = [
    path(
        "seller/<int:shop_id>/affiliate/postbacks/",
        postbacks.postback_key,
        name="seller_affiliate_postbacks",
    ),
]
