from django.urls import URLPattern, path

from .views import catalog

# The video feed's pages. Until the feed page lands, the home page is the product grid.
urlpatterns: list[URLPattern] = [
    path("", catalog.home, name="home"),
]
