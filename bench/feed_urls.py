"""The normal URLs plus `/bench/one-query`: the baseline of `bench/feed.py`.

The baseline is the cheapest honest Django JSON view: the same server process, middleware
(sessions, CSRF, auth, …), connection pool and PostgreSQL as the feed, and one small query."""

from django.http import JsonResponse
from django.urls import path

from clipcart.media.models import Post
from clipcart.urls import urlpatterns as app_urlpatterns


def one_query(request):
    return JsonResponse({"items": list(Post.objects.values("id", "caption")[:8])})


urlpatterns = [path("bench/one-query", one_query), *app_urlpatterns]
