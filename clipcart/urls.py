from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from clipcart.api.api import api
from clipcart.core.ranges import serve_media

admin.site.site_header = "Clipcart operator"
admin.site.site_title = "Clipcart operator"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("clipcart.web.urls")),
]
if settings.SERVE_MEDIA:
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_media),
    ]
