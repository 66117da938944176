from django.urls import URLPattern, path, re_path

from .views import creators, studio

HANDLE = r"@(?P<handle>[A-Za-z0-9_]{1,30})"

urlpatterns: list[URLPattern] = [
    re_path(rf"^{HANDLE}/$", creators.profile, name="creator"),
    re_path(rf"^{HANDLE}/follow/$", creators.follow, name="creator_follow"),
    path("tag/<str:name>/", creators.hashtag, name="hashtag"),
    path("trending/", creators.trending, name="trending"),
    path("studio/", studio.studio, name="studio"),
    path("studio/upload/", studio.upload, name="studio_upload"),
    path("studio/products/", studio.product_search, name="studio_products"),
    path("studio/<int:post_id>/edit/", studio.edit, name="studio_edit"),
    path("studio/<int:post_id>/delete/", studio.delete, name="studio_delete"),
]
