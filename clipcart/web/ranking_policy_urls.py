from django.urls import URLPattern, path

from .views import operator_feed

# The operator's For You ranking policy and exploration overview (staff only).
urlpatterns: list[URLPattern] = [
    path("operator/ranking/", operator_feed.ranking, name="operator_ranking"),
]
