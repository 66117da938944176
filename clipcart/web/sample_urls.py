from django.urls import URLPattern, path

from .views import samples

SELLER = "seller/<int:shop_id>/samples/"

urlpatterns: list[URLPattern] = [
    path(SELLER, samples.seller_samples, name="seller_samples"),
    path(f"{SELLER}offers/", samples.seller_offer_new, name="seller_sample_offer_new"),
    path(
        f"{SELLER}offers/<int:offer_id>/",
        samples.seller_offer_update,
        name="seller_sample_offer",
    ),
    path(
        f"{SELLER}requests/<int:request_id>/decide/",
        samples.seller_decide,
        name="seller_sample_decide",
    ),
    path(
        f"{SELLER}requests/<int:request_id>/ship/", samples.seller_ship, name="seller_sample_ship"
    ),
    path(
        f"{SELLER}requests/<int:request_id>/delivered/",
        samples.seller_delivered,
        name="seller_sample_delivered",
    ),
    path("studio/samples/", samples.studio_samples, name="studio_samples"),
    path(
        "studio/samples/offers/<int:offer_id>/request/",
        samples.studio_request,
        name="studio_sample_request",
    ),
    path(
        "studio/samples/requests/<int:request_id>/<slug:action>/",
        samples.studio_action,
        name="studio_sample_action",
    ),
]
